"""设置 › 本村信息: the village's name, township, county and the two supervision phone numbers."""

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.models import Village
from app.services.workspace import Workspace
from app.ui.messages import show_error
from app.ui.settings_common import (
    SaveCallback,
    capped_column,
    check_phone,
    check_required,
    complain,
    error_label,
    hint_label,
    optional_phone,
    primary_button,
)

PHONE_HINT = (
    "这两个电话会印在晒账公示上，方便村民监督和反映问题。可以是手机或带区号的固定电话（如 0838-7221234）。"
)
CODE_NOTE = "行政区划代码建立后不能修改（事项编号和导出的台账都用它）。"


class VillageTab(QWidget):
    def __init__(self, workspace: Workspace, on_saved: SaveCallback, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self._on_saved = workspace, on_saved
        self._loaded: tuple[str, ...] = ()
        self._build()
        self.refresh()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        layout = capped_column(outer)
        self.village_box = QComboBox()
        self.village_box.currentIndexChanged.connect(lambda _i: self._show_village())
        layout.addWidget(self.village_box)
        form = QFormLayout()
        self.code_edit = QLineEdit(readOnly=True)
        self.name_edit, self.township_edit, self.county_edit = QLineEdit(), QLineEdit(), QLineEdit()
        self.supervision_edit = QLineEdit(placeholderText="村务监督委员会的电话")
        self.discipline_edit = QLineEdit(placeholderText="乡镇纪委的电话")
        self.errors: dict[QLineEdit, QLabel] = {}
        form.addRow("行政区划代码", self.code_edit)
        for caption, edit in (
            ("村名＊", self.name_edit),
            ("乡镇＊", self.township_edit),
            ("县＊", self.county_edit),
            ("村务监督委员会电话", self.supervision_edit),
            ("乡镇纪委电话", self.discipline_edit),
        ):
            form.addRow(caption, self._with_error(edit))
            edit.returnPressed.connect(self.save)
        layout.addLayout(form)
        layout.addWidget(hint_label(CODE_NOTE))
        layout.addWidget(hint_label(PHONE_HINT))
        row = QHBoxLayout()
        self.save_button = primary_button("保存本村信息")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        row.addStretch(1)
        layout.addLayout(row)
        outer.addStretch(1)

    def _with_error(self, edit: QLineEdit) -> QWidget:
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(edit)
        self.errors[edit] = error_label()
        column.addWidget(self.errors[edit])
        return holder

    # loading
    @Slot()
    def refresh(self) -> None:
        chosen = self.village_box.currentData()
        villages = self.workspace.villages()
        self.village_box.blockSignals(True)
        self.village_box.clear()
        for village in villages:
            self.village_box.addItem(f"{village.name}（{village.code}）", village.id)
        index = self.village_box.findData(chosen)
        self.village_box.setCurrentIndex(max(index, 0))
        self.village_box.blockSignals(False)
        self.village_box.setVisible(len(villages) > 1)
        self._villages = {v.id: v for v in villages}
        self._show_village()

    def _show_village(self) -> None:
        village: Village | None = self._villages.get(self.village_box.currentData())
        self.save_button.setEnabled(village is not None)
        if village is None:
            return
        self.code_edit.setText(village.code)
        self.name_edit.setText(village.name)
        self.township_edit.setText(village.township)
        self.county_edit.setText(village.county)
        self.supervision_edit.setText(village.supervision_phone)
        self.discipline_edit.setText(village.township_discipline_phone)
        for err in self.errors.values():
            err.hide()
        self._loaded = self._values()

    def _values(self) -> tuple[str, ...]:
        edits = (self.name_edit, self.township_edit, self.county_edit, self.supervision_edit)
        return tuple(e.text() for e in (*edits, self.discipline_edit))

    def is_dirty(self) -> bool:
        return self._values() != self._loaded

    # saving
    @Slot()
    def save(self) -> None:
        village_id = self.village_box.currentData()
        if village_id is None:
            return
        required = [
            ("村名", self.name_edit, self.errors[self.name_edit]),
            ("乡镇", self.township_edit, self.errors[self.township_edit]),
            ("县", self.county_edit, self.errors[self.county_edit]),
        ]
        problems = [
            check_required(required),
            check_phone("村务监督委员会电话", self.supervision_edit, self.errors[self.supervision_edit]),
            check_phone("乡镇纪委电话", self.discipline_edit, self.errors[self.discipline_edit]),
        ]
        if complain(self, next((p for p in problems if p), None)):
            return
        try:
            self.workspace.update_village(
                village_id,
                name=self.name_edit.text(),
                township=self.township_edit.text(),
                county=self.county_edit.text(),
                supervision_phone=optional_phone(self.supervision_edit.text()),
                township_discipline_phone=optional_phone(self.discipline_edit.text()),
            )
        except Exception as exc:  # shown in Chinese; the one transaction rolled back
            show_error(self, exc)
            return
        self.refresh()
        self._on_saved("已保存本村信息")
