"""设置 › 村干部: the cadres (name, role, phone), adding one, and who is using this computer (经办人)."""

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.workspace import Workspace
from app.ui.messages import show_error
from app.ui.prefs import Prefs
from app.ui.settings_common import (
    SaveCallback,
    check_phone,
    check_required,
    complain,
    error_label,
    hint_label,
    optional_phone,
    primary_button,
    role_box,
)

HEADERS = ("姓名", "职务", "电话", "村")
ACTOR_HINT = (
    "登记、议账、办结等每一步都会记下经办人。换人使用这台电脑时，请在这里改成自己。"
    "乡镇、县里的工作人员可直接输入自己的单位和姓名（如：富兴镇三账办 李明）。"
)
LIST_HINT = "村干部只增不删：已经是事项责任人的干部要保留，台账才能查得清。"


class CadresTab(QWidget):
    def __init__(
        self, workspace: Workspace, prefs: Prefs, on_saved: SaveCallback, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace, self.prefs, self._on_saved = workspace, prefs, on_saved
        self._build()
        self.refresh()

    def _build(self) -> None:
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        left.addWidget(self.table, 1)
        left.addWidget(hint_label(LIST_HINT))
        layout.addLayout(left, 3)
        right = QVBoxLayout()
        right.addWidget(self._build_add())
        right.addWidget(self._build_actor())
        right.addStretch(1)
        layout.addLayout(right, 2)

    def _build_add(self) -> QGroupBox:
        box = QGroupBox("增加村干部")
        form = QFormLayout(box)
        self.village_box = QComboBox()
        self.village_label = QLabel("村")
        form.addRow(self.village_label, self.village_box)
        self.name_edit = QLineEdit()
        self.name_error = error_label()
        self.role_box = role_box("")
        self.phone_edit = QLineEdit(placeholderText="手机或固定电话")
        self.phone_error = error_label()
        form.addRow("姓名＊", self.name_edit)
        form.addRow("", self.name_error)
        form.addRow("职务", self.role_box)
        form.addRow("电话", self.phone_edit)
        form.addRow("", self.phone_error)
        self.add_button = primary_button("增加")
        self.add_button.clicked.connect(self.add_cadre)
        self.name_edit.returnPressed.connect(self.add_cadre)
        self.phone_edit.returnPressed.connect(self.add_cadre)
        form.addRow("", self.add_button)
        return box

    def _build_actor(self) -> QGroupBox:
        box = QGroupBox("当前经办人（谁在用这台电脑）")
        column = QVBoxLayout(box)
        column.addWidget(hint_label(ACTOR_HINT))
        self.actor_box = QComboBox()
        self.actor_box.setEditable(True)  # township staff are not village cadres: they type their name
        self.actor_box.lineEdit().setPlaceholderText("选择村干部，或输入自己的姓名")
        column.addWidget(self.actor_box)
        self.actor_label = QLabel()
        column.addWidget(self.actor_label)
        self.actor_button = primary_button("设为当前经办人")
        self.actor_button.clicked.connect(self.choose_actor)
        row = QHBoxLayout()
        row.addWidget(self.actor_button)
        row.addStretch(1)
        column.addLayout(row)
        return box

    # loading
    @Slot()
    def refresh(self) -> None:
        villages = {v.id: v.name for v in self.workspace.villages()}
        cadres = self.workspace.cadres()
        self.table.setRowCount(len(cadres))
        for r, cadre in enumerate(cadres):
            values = (cadre.name, cadre.role, cadre.phone, villages.get(cadre.village_id, ""))
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.setColumnHidden(3, len(villages) <= 1)
        chosen = self.village_box.currentData()
        self.village_box.clear()
        for village_id, name in villages.items():
            self.village_box.addItem(name, village_id)
        self.village_box.setCurrentIndex(max(self.village_box.findData(chosen), 0))
        self.village_box.setVisible(len(villages) > 1)
        self.village_label.setVisible(len(villages) > 1)
        self._fill_actors([c.name for c in cadres])

    def _fill_actors(self, names: list[str]) -> None:
        actor = self.prefs.actor()
        self.actor_box.clear()
        self.actor_box.addItems(list(dict.fromkeys(names)))
        if actor:
            if self.actor_box.findText(actor) < 0:
                self.actor_box.addItem(actor)
            self.actor_box.setCurrentIndex(self.actor_box.findText(actor))
        shown = actor or (names[0] if names else "")
        self.actor_label.setText(f"现在的经办人：{shown}" if shown else "还没有村干部，请先增加")
        self.actor_button.setEnabled(True)

    def is_dirty(self) -> bool:
        return False  # the add form keeps its text across a refresh

    # changes
    @Slot()
    def add_cadre(self) -> None:
        """Check the name and phone, then add the cadre (one transaction)."""
        village_id = self.village_box.currentData()
        problems = [
            check_required([("姓名", self.name_edit, self.name_error)]),
            check_phone("电话", self.phone_edit, self.phone_error),
        ]
        if village_id is None or complain(self, next((p for p in problems if p), None)):
            return
        name = self.name_edit.text().strip()
        try:
            self.workspace.add_cadre(
                village_id=village_id,
                name=name,
                role=self.role_box.currentText().strip(),
                phone=optional_phone(self.phone_edit.text()),
            )
        except Exception as exc:  # shown in Chinese; nothing was added
            show_error(self, exc)
            return
        self.name_edit.clear()
        self.phone_edit.clear()
        self.role_box.setCurrentText("")
        self.refresh()
        self._on_saved(f"已增加村干部：{name}")

    @Slot()
    def choose_actor(self) -> None:
        name = " ".join(self.actor_box.currentText().split())
        if not name:
            complain(self, ("请选择或输入经办人的姓名", self.actor_box))
            return
        self.prefs.set_actor(name)
        self.prefs.sync()
        self.refresh()
        self._on_saved(f"已保存：当前经办人是{name}")
