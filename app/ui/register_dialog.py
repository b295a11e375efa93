"""建账: the dialog that records a new request with every field of its 一事一档 page."""

from datetime import date

from PySide6.QtCore import QDate, QEvent, QLocale, QObject, Qt, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.workspace import Workspace
from app.ui.messages import show_error
from app.ui.person_picker import PersonPicker

# Everything the user sees, in one place.
TITLE = "登记新事项（建账）"
LABELS = {
    "village": "村＊",
    "ledger": "台账＊",
    "category": "分类＊",
    "source": "信息来源＊",
    "visit": "五访五问",
    "received": "受理日期＊",
    "request": "主要诉求及原因＊",
    "cadre": "责任人",
}
PERSON_BOX = "诉求人＊"
VISIT_SOURCE = "走访"
VISIT_NONE = "（不细分）"
NO_CADRE = "（本村尚未登记干部）"
REQUEST_HINT = "写清楚诉求人要解决什么问题、原因是什么"
RECEIVED_HINT = "不能晚于今天"
KEYS_HINT = "回车到下一项　Ctrl+回车 保存　Esc 取消　＊为必填"
NEED = {
    "village": "请选择村",
    "ledger": "请选择台账",
    "category": "请选择分类",
    "source": "请选择信息来源",
    "request": "请填写主要诉求及原因",
}
FIX_FIRST = "还有{count}处需要填写或改正：{what}"
SAVE, CANCEL, SAVE_FAILED = "保存", "取消", "登记没有保存"
DATE_FORMAT = "yyyy-MM-dd"
EARLIEST = QDate(2000, 1, 1)
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class RegisterDialog(QDialog):
    """Registers one item; on success `created_item_id` holds its id and the dialog accepts."""

    def __init__(
        self, workspace: Workspace, actor: str, village_id: int | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace, self.actor = workspace, actor
        self.created_item_id: str | None = None
        self._fixed_village = village_id
        self.setWindowTitle(TITLE)
        self._build()
        self._fill()

    # construction
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        heading = QLabel(TITLE)
        heading.setProperty("role", "title")
        layout.addWidget(heading)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self._build_ledger_rows(grid)
        grid.addWidget(self._build_person_box(), 2, 0, 1, 4)
        self._build_item_rows(grid)
        layout.addLayout(grid, 1)
        layout.addLayout(self._build_buttons())
        self._build_keys()
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("字") * 56)

    def _build_ledger_rows(self, grid: QGridLayout) -> None:
        self.village_box = QComboBox()
        self.village_box.currentIndexChanged.connect(self._village_changed)
        self.ledger_box = QComboBox()
        self.ledger_box.currentIndexChanged.connect(self._ledger_changed)
        self.category_box = QComboBox()
        if self._fixed_village is None:
            self._pair(grid, 0, ("village", self.village_box))
        else:
            self.village_box.hide()
        self._pair(grid, 1, ("ledger", self.ledger_box), ("category", self.category_box))

    def _build_person_box(self) -> QGroupBox:
        box = QGroupBox(PERSON_BOX)
        inner = QVBoxLayout(box)
        self.picker = PersonPicker(self.workspace)
        self.picker.done.connect(lambda: self.source_box.setFocus())
        inner.addWidget(self.picker)
        return box

    def _build_item_rows(self, grid: QGridLayout) -> None:
        self.source_box = QComboBox()
        self.source_box.currentIndexChanged.connect(self._source_changed)
        self.visit_box = QComboBox()
        self._pair(grid, 3, ("source", self.source_box), ("visit", self.visit_box))
        self.received_edit = self._build_date()
        self._pair(grid, 4, ("received", self.received_edit))
        hint = QLabel(RECEIVED_HINT)
        hint.setProperty("role", "hint")
        grid.addWidget(hint, 4, 2, 1, 2)
        self.request_edit = QPlainTextEdit(placeholderText=REQUEST_HINT, tabChangesFocus=True)
        self.request_edit.setMinimumHeight(self.fontMetrics().lineSpacing() * 4 + 16)
        self.request_edit.textChanged.connect(self._request_changed)
        self.request_edit.installEventFilter(self)
        label = QLabel(LABELS["request"])
        label.setAlignment(Qt.AlignmentFlag.AlignTop)
        grid.addWidget(label, 5, 0)
        grid.addWidget(self.request_edit, 5, 1, 1, 3)
        self.request_msg = QLabel()
        self.request_msg.hide()
        self.request_msg.setProperty("role", "error")
        grid.addWidget(self.request_msg, 6, 1, 1, 3)
        self.cadre_box = QComboBox()
        self._pair(grid, 7, ("cadre", self.cadre_box))
        grid.setRowStretch(5, 1)

    def _build_date(self) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(DATE_FORMAT)
        chinese = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
        edit.setLocale(chinese)
        edit.calendarWidget().setLocale(chinese)
        edit.calendarWidget().setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        today = QDate(self.workspace.today())
        edit.setDateRange(EARLIEST, today)
        edit.setDate(today)
        return edit

    def _build_buttons(self) -> QVBoxLayout:
        box = QVBoxLayout()
        self.summary = QLabel()
        self.summary.hide()
        self.summary.setProperty("role", "error")
        self.summary.setWordWrap(True)
        box.addWidget(self.summary)
        row = QHBoxLayout()
        hint = QLabel(KEYS_HINT)
        hint.setProperty("role", "hint")
        row.addWidget(hint, 1)
        self.save_button = QPushButton(SAVE, default=True)
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton(CANCEL)
        self.cancel_button.clicked.connect(self.reject)
        row.addWidget(self.save_button)
        row.addWidget(self.cancel_button)
        box.addLayout(row)
        return box

    def _build_keys(self) -> None:
        for keys in ("Ctrl+Return", "Ctrl+Enter", QKeySequence.StandardKey.Save):
            QShortcut(QKeySequence(keys), self, self.save)
        # Enter moves on in every one-line field (the search box handles its own Enter).
        for widget in (*self._fields(), *self.picker.inputs()):
            widget.installEventFilter(self)

    def _fields(self) -> list[QWidget]:
        return [
            self.village_box,
            self.ledger_box,
            self.category_box,
            self.source_box,
            self.visit_box,
            self.received_edit,
            self.cadre_box,
        ]

    @staticmethod
    def _pair(grid: QGridLayout, row: int, *cells: tuple[str, QWidget]) -> None:
        for n, (key, widget) in enumerate(cells):
            grid.addWidget(QLabel(LABELS[key]), row, n * 2)
            grid.addWidget(widget, row, n * 2 + 1)

    # filling the choices
    def _fill(self) -> None:
        try:
            villages = self.workspace.villages() if self._fixed_village is None else []
            ledgers = self.workspace.ledgers()
        except Exception as exc:
            show_error(self, exc, "读取失败")
            return
        for village in villages:
            self.village_box.addItem(village.name, village.id)
        for ledger in ledgers:
            self.ledger_box.addItem(ledger.name, ledger.key)
        config = self.workspace.settings.ledgers
        for source in config.sources:
            self.source_box.addItem(source, source)
        self.visit_box.addItem(VISIT_NONE, "")
        for visit in config.five_visits:
            self.visit_box.addItem(visit, visit)
        self._source_changed()
        self._village_changed()

    def village_id(self) -> int | None:
        return self._fixed_village if self._fixed_village is not None else self.village_box.currentData()

    @Slot()
    def _village_changed(self) -> None:
        self.picker.set_village(self.village_id())
        self.cadre_box.clear()
        village_id = self.village_id()
        cadres = self.workspace.cadres(village_id) if village_id is not None else []
        for cadre in cadres:
            self.cadre_box.addItem(f"{cadre.name}（{cadre.role}）" if cadre.role else cadre.name, cadre.id)
        if not cadres:
            self.cadre_box.addItem(NO_CADRE, None)
        mine = next((n for n, c in enumerate(cadres) if c.name == self.actor.strip()), 0)
        self.cadre_box.setCurrentIndex(mine)

    @Slot()
    def _ledger_changed(self) -> None:
        self.category_box.clear()
        key = self.ledger_box.currentData()
        for name in self.workspace.categories(key) if key else []:
            self.category_box.addItem(name, name)

    @Slot()
    def _source_changed(self) -> None:
        visiting = self.source_box.currentData() == VISIT_SOURCE
        self.visit_box.setEnabled(visiting)
        if not visiting:
            self.visit_box.setCurrentIndex(0)

    @Slot()
    def _request_changed(self) -> None:
        if self.request_edit.toPlainText().strip():
            self._show(self.request_msg, "")

    @staticmethod
    def _show(label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    # saving
    def problems(self) -> list[tuple[QWidget, str]]:
        """Everything that would stop the save, checked before anything is written."""
        found: list[tuple[QWidget, str]] = []
        if self.village_id() is None:
            found.append((self.village_box, NEED["village"]))
        for key, box in (("ledger", self.ledger_box), ("category", self.category_box)):
            if box.currentData() is None:
                found.append((box, NEED[key]))
        found += self.picker.problems()
        if self.source_box.currentData() is None:
            found.append((self.source_box, NEED["source"]))
        if not self.request_edit.toPlainText().strip():
            self._show(self.request_msg, NEED["request"])
            found.append((self.request_edit, NEED["request"]))
        return found

    @Slot()
    def save(self) -> None:
        if self.created_item_id is not None:
            return
        found = self.problems()
        if found:
            what = "；".join(message for _widget, message in found)
            self._show(self.summary, FIX_FIRST.format(count=len(found), what=what))
            found[0][0].setFocus()
            return
        self._show(self.summary, "")
        person_id = self._person_id()
        if person_id is None:
            return
        try:
            item = self.workspace.register(
                village_id=self.village_id(),
                ledger_key=self.ledger_box.currentData(),
                category=self.category_box.currentData(),
                person_id=person_id,
                source=self.source_box.currentData(),
                source_detail=self.visit_box.currentData() if self.visit_box.isEnabled() else "",
                received_on=self.received_on(),
                request=self.request_edit.toPlainText().strip(),
                actor=self.actor,
                responsible_cadre_id=self.cadre_box.currentData(),
            )
        except Exception as exc:  # DomainError in Chinese; the dialog stays open with what was typed
            show_error(self, exc, SAVE_FAILED)
            return
        self.created_item_id = item.id
        self.accept()

    def _person_id(self) -> str | None:
        """The chosen requester, or the new one created now (None if creating failed and was shown)."""
        if not self.picker.is_new():
            return self.picker.person_id()
        try:
            person = self.workspace.create_person(village_id=self.village_id(), **self.picker.form.fields())
        except Exception as exc:
            show_error(self, exc, SAVE_FAILED)
            return None
        # Not all-or-nothing on purpose: a person is a reusable roster entry, so if registering fails
        # afterwards the person stays, and the picker now shows them as chosen so a retry cannot
        # create them twice.
        self.picker.adopt(person)
        return person.id

    def received_on(self) -> date:
        value = self.received_edit.date().toPython()
        assert isinstance(value, date)
        return value

    # keyboard
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in ENTER_KEYS:
                return self._enter(watched, event)
        return super().eventFilter(watched, event)

    def _enter(self, watched: QObject, event: QKeyEvent) -> bool:
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if ctrl or watched is self.cadre_box:
            self.save()
            return True
        if watched is self.request_edit:
            return False  # a new line in the request
        self.focusNextChild()
        return True
