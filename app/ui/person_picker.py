"""The requester picker of 建账: find a villager by name or pinyin initials as you type, or register one."""

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.models import Person
from app.services.errors import DomainError
from app.services.identity import check_gender_matches, validate_id_number, validate_phone
from app.services.workspace import Workspace

# Everything the user sees, in one place.
SEARCH_HINT = "输入姓名或拼音首字母查找，如 wcg"
NEW_BUTTON = "＋ 新登记诉求人"
BACK_BUTTON = "从名册中选择"
NEW_ROW_NONE = "没有找到“{text}”，按回车在此新登记"
NEW_ROW_MORE = "＋ 都不是，新登记诉求人“{text}”"
CHOSEN = "✓ 已选：{who}"
NEW_MODE = "新登记诉求人：填好后随本事项一起保存"
NEED_PERSON = "请选择诉求人，或点“新登记诉求人”"
SEARCH_FAILED = "查找失败：{error}"
GENDER_UNKNOWN = "性别未填"
GENDER_CHOICES = (("（未填）", ""), ("男", "男"), ("女", "女"))
FROM_ID = "由身份证号自动填写"
ID_OK = "✓ 号码有效：{birth:%Y年%m月%d日}出生，{gender}"
PHONE_OK = "✓ 号码有效"
LABELS = ("姓名＊", "性别", "身份证号", "联系电话", "村民小组/社", "住址")
ID_HINT = "18位，最后一位可以是X"
PHONE_HINT = "手机11位，或带区号的固定电话"
OK_STYLE = "color: #1a7f37;"
NEW_ROW = "__new__"


def describe(person: Person) -> str:
    """王长贵　男　三社 — how a person is shown in the suggestions and once chosen."""
    parts = [person.name, person.gender or GENDER_UNKNOWN, person.group_name, person.address]
    return "　".join(p for p in parts if p)


class CheckedField(QObject):
    """A line edit checked as it is typed: a red message under it once the input is complete or the
    field is left, a green ✓ when valid, nothing while it is still being typed."""

    def __init__(
        self,
        edit: QLineEdit,
        label: QLabel,
        check: Callable[[str], str],
        complete: Callable[[str], bool],
    ) -> None:
        super().__init__(edit)
        self.edit, self.label, self._check, self._complete = edit, label, check, complete
        self._left = False
        edit.textChanged.connect(self._typed)
        edit.editingFinished.connect(self._finished)

    def paint(self, force: bool = False) -> str:
        """Paint the message; returns the Chinese error ("" when valid or empty: blank is allowed)."""
        text = self.edit.text()
        try:
            ok_text = self._check(text) if text.strip() else ""
        except DomainError as exc:
            shown = force or self._left or self._complete(text)
            self._set(exc.message if shown else "", ok=False)
            return exc.message
        self._set(ok_text, ok=bool(ok_text))
        return ""

    def _set(self, text: str, *, ok: bool) -> None:
        self.label.setText(text)
        self.label.setStyleSheet(OK_STYLE if ok else "")

    @Slot(str)
    def _typed(self, _text: str) -> None:
        self.paint()

    @Slot()
    def _finished(self) -> None:
        self._left = bool(self.edit.text().strip())
        self.paint()


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


class NewPersonForm(QWidget):
    """姓名、性别、身份证号、联系电话、村民小组/社、住址 of a requester not yet in the roster."""

    def __init__(self, today: Callable[[], date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self._build()

    def _build(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.name_edit = QLineEdit()
        self.gender_box = QComboBox()
        for text, value in GENDER_CHOICES:
            self.gender_box.addItem(text, value)
        self.id_edit = QLineEdit(placeholderText=ID_HINT, maxLength=24)
        self.phone_edit = QLineEdit(placeholderText=PHONE_HINT, maxLength=24)
        self.id_msg, self.phone_msg = self._message(), self._message()
        self.group_edit = QLineEdit()
        self.address_edit = QLineEdit()
        cells = (self.name_edit, self.gender_box, self.id_edit, self.phone_edit)
        for n, widget in enumerate(cells):
            grid.addWidget(QLabel(LABELS[n]), n // 2 * 2, n % 2 * 2)
            grid.addWidget(widget, n // 2 * 2, n % 2 * 2 + 1)
        grid.addWidget(self.id_msg, 3, 1)
        grid.addWidget(self.phone_msg, 3, 3)
        grid.addWidget(QLabel(LABELS[4]), 4, 0)
        grid.addWidget(self.group_edit, 4, 1)
        grid.addWidget(QLabel(LABELS[5]), 4, 2)
        grid.addWidget(self.address_edit, 4, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 2)
        self.id_check = CheckedField(
            self.id_edit, self.id_msg, self._check_id, lambda t: len(t.strip()) >= 18
        )
        self.phone_check = CheckedField(
            self.phone_edit, self.phone_msg, self._check_phone, lambda t: _digits(t) >= 11
        )
        self.id_edit.textChanged.connect(self._derive_gender)

    @staticmethod
    def _message() -> QLabel:
        label = QLabel()
        label.setProperty("role", "error")
        label.setWordWrap(True)
        return label

    def _check_id(self, text: str) -> str:
        info = validate_id_number(text, today=self._today())
        return ID_OK.format(birth=info.birth_date, gender=info.gender)

    @staticmethod
    def _check_phone(text: str) -> str:
        validate_phone(text)
        return PHONE_OK

    @Slot(str)
    def _derive_gender(self, text: str) -> None:
        try:
            gender = validate_id_number(text, today=self._today()).gender
        except DomainError:
            self.gender_box.setEnabled(True)
            self.gender_box.setToolTip("")
            return
        self.gender_box.setCurrentIndex(self.gender_box.findData(gender))
        self.gender_box.setEnabled(False)
        self.gender_box.setToolTip(FROM_ID)

    def inputs(self) -> list[QWidget]:
        return [
            self.name_edit,
            self.gender_box,
            self.id_edit,
            self.phone_edit,
            self.group_edit,
            self.address_edit,
        ]

    def problems(self) -> list[tuple[QWidget, str]]:
        """Everything create_person would refuse, checked here so nothing is written on a bad form."""
        found: list[tuple[QWidget, str]] = []
        if not self.name_edit.text().strip():
            found.append((self.name_edit, "请填写诉求人姓名"))
        id_error = self.id_check.paint(force=True)
        if id_error:
            found.append((self.id_edit, id_error))
        elif self.id_edit.text().strip():
            try:
                info = validate_id_number(self.id_edit.text(), today=self._today())
                check_gender_matches(info, self.gender_box.currentData())
            except DomainError as exc:
                found.append((self.gender_box, exc.message))
        phone_error = self.phone_check.paint(force=True)
        if phone_error:
            found.append((self.phone_edit, phone_error))
        return found

    def fields(self) -> dict[str, Any]:
        """Keyword arguments for Workspace.create_person (without village_id)."""
        return {
            "name": self.name_edit.text().strip(),
            "gender": self.gender_box.currentData(),
            "id_number": self.id_edit.text().strip(),
            "phone": self.phone_edit.text().strip(),
            "group_name": self.group_edit.text().strip(),
            "address": self.address_edit.text().strip(),
        }


class PersonPicker(QWidget):
    """诉求人: choose someone from the village roster, or switch to the new-person form."""

    done = Signal()  # Enter confirmed a choice: the dialog moves on to the next field
    changed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.village_id: int | None = None
        self._person: Person | None = None
        self._quiet = False
        self._build()

    # construction
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.search = QLineEdit(placeholderText=SEARCH_HINT, clearButtonEnabled=True)
        self.search.textChanged.connect(self._search_changed)
        self.search.installEventFilter(self)
        self.mode_label = QLabel(NEW_MODE)
        self.mode_label.hide()
        self.new_button = QPushButton(NEW_BUTTON)
        self.new_button.clicked.connect(self._toggle_new)
        row.addWidget(self.search, 1)
        row.addWidget(self.mode_label, 1)
        row.addWidget(self.new_button)
        layout.addLayout(row)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_roster())
        self.form = NewPersonForm(self.workspace.today)
        self.stack.addWidget(self.form)
        layout.addWidget(self.stack)
        self.message = QLabel()
        self.message.setProperty("role", "error")
        layout.addWidget(self.message)

    def _build_roster(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        self.results = QListWidget()
        # Arrow keys in the search box move through this list; Tab skips it.
        self.results.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.results.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 16)
        self.results.setVisible(False)
        self.results.itemActivated.connect(lambda item: self.choose(self.results.row(item)))
        self.results.itemClicked.connect(lambda item: self.choose(self.results.row(item)))
        box.addWidget(self.results)
        self.chosen = QLabel()
        self.chosen.setStyleSheet(OK_STYLE)
        box.addWidget(self.chosen)
        box.addStretch(1)
        return page

    # state
    def set_village(self, village_id: int | None) -> None:
        self.village_id = village_id
        self._set_person(None)
        self._run_search(self.search.text())

    def person_id(self) -> str | None:
        return None if self.is_new() or self._person is None else self._person.id

    def is_new(self) -> bool:
        return self.stack.currentIndex() == 1

    def set_new(self, new: bool) -> None:
        self.stack.setCurrentIndex(1 if new else 0)
        self.search.setVisible(not new)
        self.mode_label.setVisible(new)
        self.new_button.setText(BACK_BUTTON if new else NEW_BUTTON)
        self.message.clear()
        self.changed.emit()

    def adopt(self, person: Person) -> None:
        """Show a just-created person as chosen, so saving again cannot create them twice."""
        self.set_new(False)
        self._show_text(person.name)
        self._clear_results()
        self._set_person(person)

    def problems(self) -> list[tuple[QWidget, str]]:
        if self.is_new():
            return self.form.problems()
        if self._person is None:
            self.message.setText(NEED_PERSON)
            return [(self.search, NEED_PERSON)]
        return []

    def inputs(self) -> list[QWidget]:
        """The fields of the new-person form (the dialog makes Enter move on in them)."""
        return self.form.inputs()

    # searching and choosing
    @Slot(str)
    def _search_changed(self, text: str) -> None:
        if self._quiet:
            return
        if self.is_new():
            self.set_new(False)
        self._set_person(None)
        self._run_search(text)

    def _run_search(self, text: str) -> None:
        self._clear_results()
        query = text.strip()
        if not query or self.village_id is None:
            return
        try:
            people = self.workspace.find_people(self.village_id, query)
        except Exception as exc:  # a failed look-up must not break typing
            self.message.setText(SEARCH_FAILED.format(error=exc))
            return
        self.message.clear()
        for person in people:
            item = QListWidgetItem(describe(person))
            item.setData(Qt.ItemDataRole.UserRole, person)
            self.results.addItem(item)
        new_row = QListWidgetItem((NEW_ROW_MORE if people else NEW_ROW_NONE).format(text=query))
        new_row.setData(Qt.ItemDataRole.UserRole, NEW_ROW)
        new_row.setForeground(Qt.GlobalColor.darkBlue)
        self.results.addItem(new_row)
        self.results.setCurrentRow(0)
        self.results.setVisible(True)

    def _clear_results(self) -> None:
        self.results.clear()
        self.results.setVisible(False)

    @Slot(int)
    def choose(self, row: int) -> None:
        """Take the suggestion in this row: a person, or the last row's “register someone new”."""
        item = self.results.item(row)
        if item is None:
            return
        value = item.data(Qt.ItemDataRole.UserRole)
        if value == NEW_ROW:
            self._start_new(self.search.text().strip())
            return
        self._show_text(value.name)
        self._clear_results()
        self._set_person(value)

    def _start_new(self, typed: str) -> None:
        # Prefill the name only from Chinese text: "wcg" is a search, not a name.
        if typed and not typed.isascii() and not self.form.name_edit.text():
            self.form.name_edit.setText(typed)
        self.set_new(True)
        target = self.form.id_edit if self.form.name_edit.text() else self.form.name_edit
        target.setFocus()

    @Slot()
    def _toggle_new(self) -> None:
        if self.is_new():
            self.set_new(False)
            self.search.setFocus()
        else:
            self._start_new(self.search.text().strip())

    def _set_person(self, person: Person | None) -> None:
        self._person = person
        self.chosen.setText(CHOSEN.format(who=describe(person)) if person else "")
        if person is not None:
            self.message.clear()
        self.changed.emit()

    def _show_text(self, text: str) -> None:
        self._quiet = True
        self.search.setText(text)
        self._quiet = False

    # keyboard: arrows move through the suggestions, Enter takes one
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.count():
                step = 1 if key == Qt.Key.Key_Down else -1
                row = min(max(self.results.currentRow() + step, 0), self.results.count() - 1)
                self.results.setCurrentRow(row)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
                self._enter()
                return True
        return super().eventFilter(watched, event)

    def _enter(self) -> None:
        if self._person is not None:
            self.done.emit()
        elif self.results.currentRow() >= 0:
            self.choose(self.results.currentRow())
            if self._person is not None:
                self.done.emit()
