"""First start with an empty database: set up this village, open the demo village (柳林沟村), or — for
a township or county — start by importing the villages' workbooks."""

import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.exports.workbook_reader import read_workbook
from app.services.errors import DomainError
from app.services.import_files import FileOutcome
from app.services.workspace import Workspace
from app.ui.messages import show_error
from app.ui.settings_common import (
    ROLES,
    error_label,
    hint_label,
    optional_phone,
    primary_button,
    role_box,
    set_error,
    title_label,
)
from app.ui.worker import run_in_background

TITLE = "欢迎使用三本台账"
INTRO = "第一次使用，请先建立本村的台账。想先看看怎么用，可以打开演示村，里面有120件示例事项，可以随意操作。"
DEMO_TEXT = "打开演示村（柳林沟村）"
CREATE_TEXT = "建立本村台账"
CODE_HINT = "12位数字，可在统计部门公布的“统计用区划代码”中查到"
CADRE_HINT = "至少填写一位（本人）。电话可以是手机或带区号的固定电话。"
FIRST_ROWS = 3
TOWNSHIP_TEXT = "乡镇、县使用：导入各村上报的工作簿…"
TOWNSHIP_HINT = "乡镇、县的工作人员不用建立村台账：直接导入各村交来的上报工作簿（.xlsx，可一次选多个）。"


@dataclass
class CadreRow:
    name: QLineEdit
    role: QComboBox
    phone: QLineEdit


def code_problem(text: str) -> str:
    """The live message under 行政区划代码 ('' when it is 12 digits)."""
    code = text.strip()
    if not code:
        return ""
    if not re.fullmatch(r"\d+", code):
        return "行政区划代码只能是数字"
    if len(code) < 12:
        return f"行政区划代码应为12位，还差{12 - len(code)}位"
    if len(code) > 12:
        return f"行政区划代码应为12位，多了{len(code) - 12}位"
    return ""


class SetupDialog(QDialog):
    """Either a short setup saved with one workspace call, or the demo village built in the background."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.opened_demo = False
        self.import_outcomes: list[FileOutcome] = []
        self.cadre_rows: list[CadreRow] = []
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(820)
        self._build()

    # construction
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(title_label(TITLE))
        layout.addWidget(hint_label(INTRO))
        self.demo_button = primary_button(DEMO_TEXT)
        self.demo_button.setMinimumHeight(self.demo_button.sizeHint().height() * 2)
        self.demo_button.setDefault(True)
        self.demo_button.clicked.connect(self.open_demo)
        layout.addWidget(self.demo_button)
        layout.addWidget(self._build_village())
        layout.addWidget(self._build_cadres())
        layout.addLayout(self._build_buttons())
        self.demo_button.setFocus()

    def _build_village(self) -> QGroupBox:
        box = QGroupBox("或者：建立本村台账（带＊的必须填写）")
        form = QFormLayout(box)
        self.name_edit = QLineEdit(placeholderText="如：柳林沟村")
        self.code_edit = QLineEdit(placeholderText=CODE_HINT)
        self.code_edit.setMaxLength(20)
        self.code_error = error_label()
        self.township_edit = QLineEdit(placeholderText="如：富兴镇")
        self.county_edit = QLineEdit(placeholderText="如：中江县")
        self.field_errors = {
            edit: error_label() for edit in (self.name_edit, self.township_edit, self.county_edit)
        }
        form.addRow("村名＊", self._with_error(self.name_edit, self.field_errors[self.name_edit]))
        form.addRow("行政区划代码＊", self._with_error(self.code_edit, self.code_error))
        form.addRow("乡镇＊", self._with_error(self.township_edit, self.field_errors[self.township_edit]))
        form.addRow("县＊", self._with_error(self.county_edit, self.field_errors[self.county_edit]))
        self.code_edit.textChanged.connect(lambda text: set_error(self.code_error, code_problem(text)))
        for edit in (self.name_edit, self.code_edit, self.township_edit, self.county_edit):
            edit.textEdited.connect(self._prefer_create)
        return box

    @staticmethod
    def _with_error(edit: QWidget, err: QLabel) -> QWidget:
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(edit)
        column.addWidget(err)
        return holder

    def _build_cadres(self) -> QGroupBox:
        box = QGroupBox("村干部＊")
        column = QVBoxLayout(box)
        column.addWidget(hint_label(CADRE_HINT))
        self.cadre_grid = QGridLayout()
        for col, caption in enumerate(("姓名", "职务", "电话")):
            self.cadre_grid.addWidget(QLabel(caption), 0, col)
        self.cadre_grid.setColumnStretch(0, 2)
        self.cadre_grid.setColumnStretch(1, 3)
        self.cadre_grid.setColumnStretch(2, 3)
        column.addLayout(self.cadre_grid)
        for n in range(FIRST_ROWS):
            self.add_cadre_row(ROLES[n] if n < len(ROLES) else "")
        self.cadre_error = error_label()
        column.addWidget(self.cadre_error)
        self.more_button = QPushButton("再加一位")
        self.more_button.clicked.connect(lambda: self.add_cadre_row(""))
        column.addWidget(self.more_button, alignment=Qt.AlignmentFlag.AlignLeft)
        return box

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.quit_button = QPushButton("退出")
        self.quit_button.setAutoDefault(False)
        self.quit_button.clicked.connect(self.reject)
        self.create_button = QPushButton(CREATE_TEXT)
        self.create_button.clicked.connect(self.create_village)
        # a township or county has no village to set up: it starts from the villages' workbooks
        # (on the buttons' row, so the dialog still fits a 768-pixel-high laptop screen)
        self.township_button = QPushButton(TOWNSHIP_TEXT)
        self.township_button.setAutoDefault(False)
        self.township_button.setToolTip(TOWNSHIP_HINT)
        self.township_button.clicked.connect(self.import_for_township)
        row.addWidget(self.township_button)
        row.addStretch(1)
        row.addWidget(self.create_button)
        row.addWidget(self.quit_button)
        return row

    @Slot()
    def add_cadre_row(self, role: str = "") -> CadreRow:
        row = CadreRow(QLineEdit(), role_box(role), QLineEdit(placeholderText="手机或固定电话"))
        r = len(self.cadre_rows) + 1
        for col, widget in enumerate((row.name, row.role, row.phone)):
            self.cadre_grid.addWidget(widget, r, col)
        row.name.textEdited.connect(self._prefer_create)
        row.phone.textEdited.connect(self._prefer_create)
        row.phone.editingFinished.connect(self._check_phones)
        self.cadre_rows.append(row)
        if r > 1:
            self.setTabOrder(self.cadre_rows[-2].phone, row.name)
        self.setTabOrder(row.name, row.role)
        self.setTabOrder(row.role, row.phone)
        return row

    @Slot()
    def _prefer_create(self) -> None:
        """Once the user types into the form, Enter creates the village instead of opening the demo."""
        self.create_button.setDefault(True)

    # the two ways out
    def cadres(self) -> list[tuple[str, str, str]]:
        """Filled rows as (name, role, phone); DomainError naming the row if one is incomplete."""
        rows, problem = self._read_cadres()
        if problem:
            raise DomainError(problem[0])
        return rows

    def _read_cadres(self) -> tuple[list[tuple[str, str, str]], tuple[str, QWidget] | None]:
        rows: list[tuple[str, str, str]] = []
        for n, row in enumerate(self.cadre_rows, start=1):
            name, phone = row.name.text().strip(), row.phone.text().strip()
            if not name and not phone:
                continue
            if not name:
                return rows, (f"村干部第{n}行：请填写姓名", row.name)
            try:
                phone = optional_phone(phone)
            except DomainError as exc:
                return rows, (f"村干部第{n}行（{name}）：{exc.message}", row.phone)
            rows.append((name, row.role.currentText().strip(), phone))
        if not rows:
            return rows, ("请至少填写一位村干部的姓名", self.cadre_rows[0].name)
        return rows, None

    def _village_problem(self) -> tuple[str, QWidget] | None:
        """Mark every field with its message; return the first problem and where it is."""
        code = self.code_edit.text().strip()
        checks = [
            (self.name_edit, self.field_errors[self.name_edit], "请填写村名"),
            (self.code_edit, self.code_error, "请填写行政区划代码（12位数字）"),
            (self.township_edit, self.field_errors[self.township_edit], "请填写乡镇"),
            (self.county_edit, self.field_errors[self.county_edit], "请填写县"),
        ]
        first: tuple[str, QWidget] | None = None
        for edit, err, missing in checks:
            message = missing if not edit.text().strip() else ""
            if edit is self.code_edit and code:
                message = code_problem(code)
            set_error(err, message)
            if message and first is None:
                first = (message, edit)
        return first

    @Slot()
    def _check_phones(self) -> None:
        _rows, problem = self._read_cadres()
        set_error(self.cadre_error, problem[0] if problem and "电话" in problem[0] else "")

    @Slot()
    def create_village(self) -> None:
        """Check every field, then save the village and its cadres with one workspace call."""
        problem = self._village_problem()
        cadres, cadre_problem = self._read_cadres()
        set_error(self.cadre_error, cadre_problem[0] if cadre_problem else "")
        problem = problem or cadre_problem
        if problem:
            show_error(self, DomainError(problem[0]), "还不能建立")
            problem[1].setFocus()
            return
        try:
            self.workspace.setup_village(
                code=self.code_edit.text().strip(),
                name=self.name_edit.text().strip(),
                township=self.township_edit.text().strip(),
                county=self.county_edit.text().strip(),
                cadres=cadres,
            )
        except Exception as exc:  # shown in Chinese; the one transaction rolled back, nothing saved
            show_error(self, exc, "还不能建立")
            return
        self.accept()

    @Slot()
    def open_demo(self) -> None:
        """Build the demo village off the UI thread (a few seconds) behind a progress dialog."""
        self._set_busy(True)
        run_in_background(
            self,
            "正在建立演示村（柳林沟村），请稍候…",
            lambda progress: self.workspace.open_demo(progress),
            self._demo_done,
            self._demo_failed,
        )

    def _demo_done(self, _count: object) -> None:
        self.opened_demo = True
        self._set_busy(False)
        self.accept()

    def _demo_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        show_error(self, exc, "演示村没有建成")

    @Slot()
    def import_for_township(self, paths: list[Path] | None = None) -> None:
        """A township's first start: import the villages' workbooks (in the background), then open."""
        if paths is None:
            names, _ = QFileDialog.getOpenFileNames(self, "选择各村上报的工作簿", "", "Excel 工作簿 (*.xlsx)")
            paths = [Path(n) for n in names]
        if not paths:
            return
        self._set_busy(True)
        run_in_background(
            self,
            "正在导入各村的工作簿，请稍候…",
            lambda progress: self.workspace.import_workbooks(
                paths, dry_run=False, read=read_workbook, progress=lambda d, t, _n: progress(d, t)
            ),
            self._import_done,
            self._import_failed,
        )

    def _import_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        show_error(self, exc, "导入没有完成")

    def _import_done(self, outcomes: list[FileOutcome]) -> None:
        self._set_busy(False)
        self.import_outcomes = outcomes
        refused = [o for o in outcomes if not o.ok]
        if refused:
            lines = [
                f"{o.name}：{o.errors[0]}" + (f"（共{len(o.errors)}处问题）" if len(o.errors) > 1 else "")
                for o in refused[:8]
            ]
            show_error(
                self,
                DomainError(
                    f"有{len(refused)}个文件未导入（其中的内容一件也没有写入）：\n" + "\n".join(lines)
                ),
                "部分文件未导入",
            )
        if self.workspace.villages():
            self.accept()

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.demo_button,
            self.create_button,
            self.quit_button,
            self.more_button,
            self.township_button,
        ):
            widget.setEnabled(not busy)
