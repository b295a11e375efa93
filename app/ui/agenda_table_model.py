"""The 议账 agenda: its table model (one row per item, with the decision typed for it) and its two editors."""

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.models.enums import DeliberationDecision
from app.services.listing import ItemListRow
from app.services.meetings import ItemDecision
from app.ui.labels import deadline_text, state_label
from app.ui.table_base import HeaderedTableModel

COL_SERIAL, COL_LEDGER, COL_CATEGORY, COL_REQUESTER, COL_REQUEST, COL_DEADLINE = range(6)
COL_DECISION, COL_OPINION, COL_OUTCOME = range(6, 9)
HEADERS = ("编号", "台账", "分类", "诉求人", "主要诉求", "期限", "决定", "处理意见＊", "处理结果")
NO_DECISION = "不议"
DECISION_CHOICES: tuple[tuple[str, DeliberationDecision | None], ...] = (
    (NO_DECISION, None),
    *(
        (d.label, d)
        for d in (DeliberationDecision.HANDLE, DeliberationDecision.ESCALATE, DeliberationDecision.SETTLE)
    ),
)
MISSING_OPINION = "（请填写处理意见）"
MISSING_OUTCOME = "（请填写处理结果）"
OUTCOME_NOT_NEEDED = "—"
OPINION_HINT = "选择决定后必填：工作措施、责任人、办理时限"
OUTCOME_HINT = "仅“会上议定办结”时填写"
DECIDED, OVERDUE, MISSING = QColor("#e6f4ea"), QColor("#fde2e1"), QColor("#b00020")
Index = QModelIndex | QPersistentModelIndex


@dataclass
class AgendaEntry:
    """One agenda line: the item as listed, and what the meeting decides for it (None = 不议)."""

    row: ItemListRow
    decision: DeliberationDecision | None = None
    opinion: str = ""
    outcome: str = ""

    @property
    def needs_outcome(self) -> bool:
        return self.decision is DeliberationDecision.SETTLE


def parse_decision(value: Any) -> DeliberationDecision | None:
    """A decision from an enum, its value or its Chinese label; 不议/None/"" mean no decision."""
    if value is None or value == "" or value == NO_DECISION:
        return None
    if isinstance(value, DeliberationDecision):
        return value
    for label, decision in DECISION_CHOICES:
        if decision is not None and value in (label, decision.value):
            return decision
    raise ValueError(value)


def short_serial(serial: str) -> str:
    """The serial without its 12-digit village code (the agenda shows one village at a time)."""
    code, _sep, rest = serial.partition("-")
    return rest if len(code) == 12 and code.isdigit() and rest else serial


class AgendaTableModel(HeaderedTableModel):
    """Agenda rows held as plain objects; the decision columns are edited in place, `data()` never queries."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: list[AgendaEntry] = []

    # loading and reading back
    def set_rows(self, rows: list[ItemListRow], keep_choices: bool = True) -> None:
        """Show these items; choices already typed for an item still listed are kept."""
        old = {e.row.id: e for e in self._entries} if keep_choices else {}
        self.beginResetModel()
        self._entries = []
        for row in rows:
            prev = old.get(row.id)
            if prev is None:
                self._entries.append(AgendaEntry(row))
            else:
                self._entries.append(AgendaEntry(row, prev.decision, prev.opinion, prev.outcome))
        self.endResetModel()

    def entries(self) -> list[AgendaEntry]:
        return list(self._entries)

    def entry(self, row: int) -> AgendaEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def item_id(self, row: int) -> str | None:
        return self._entries[row].row.id if 0 <= row < len(self._entries) else None

    def decided(self) -> list[AgendaEntry]:
        return [e for e in self._entries if e.decision is not None]

    def problems(self) -> list[tuple[int, int, str]]:
        """(row, column, Chinese message) for every decided item that lacks a required text."""
        found = []
        for n, e in enumerate(self._entries):
            if e.decision is None:
                continue
            who = f"事项 {e.row.serial}（{e.row.requester}）"
            if not e.opinion.strip():
                found.append((n, COL_OPINION, f"{who}：请填写处理意见"))
            if e.needs_outcome and not e.outcome.strip():
                found.append((n, COL_OUTCOME, f"{who}：会上议定办结的，请填写处理结果"))
        return found

    def decisions(self) -> list[ItemDecision]:
        return [
            ItemDecision(
                e.row.id,
                e.decision,
                e.opinion.strip(),
                e.outcome.strip() if e.needs_outcome else "",
            )
            for e in self._entries
            if e.decision is not None
        ]

    # Qt model interface
    HEADERS = HEADERS

    def row_total(self) -> int:
        return len(self._entries)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        column = index.column()
        entry = self._entries[index.row()]
        if column in (COL_DECISION, COL_OPINION) or (column == COL_OUTCOME and entry.needs_outcome):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry, column = self._entries[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == Qt.ItemDataRole.EditRole:
            return self._edit_value(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry, column)
        if role == Qt.ItemDataRole.ForegroundRole and self._missing(entry, column):
            return QBrush(MISSING)
        if role == Qt.ItemDataRole.BackgroundRole:
            if column == COL_DEADLINE and entry.row.status == "overdue":
                return QBrush(OVERDUE)
            return QBrush(DECIDED) if entry.decision is not None else None
        if role == Qt.ItemDataRole.UserRole:
            return entry.row.id
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if not self.flags(index) & Qt.ItemFlag.ItemIsEditable:
            return False
        entry, column = self._entries[index.row()], index.column()
        if column == COL_DECISION:
            try:
                entry.decision = parse_decision(value)
            except ValueError:
                return False
        elif column == COL_OPINION:
            entry.opinion = str(value or "")
        elif column == COL_OUTCOME:
            entry.outcome = str(value or "")
        # the whole row: colours, hints and the outcome column's editability follow the decision
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(HEADERS) - 1))
        return True

    # formatting
    @staticmethod
    def _text(entry: AgendaEntry, column: int) -> str:
        row = entry.row
        if column == COL_DECISION:
            return entry.decision.label if entry.decision else NO_DECISION
        if column == COL_OPINION:
            return entry.opinion or (MISSING_OPINION if entry.decision else "")
        if column == COL_OUTCOME:
            if not entry.needs_outcome:
                return OUTCOME_NOT_NEEDED if entry.decision else ""
            return entry.outcome or MISSING_OUTCOME
        values = {
            COL_SERIAL: short_serial(row.serial),
            COL_LEDGER: row.ledger.removesuffix("台账") or row.ledger,
            COL_CATEGORY: row.category,
            COL_REQUESTER: row.requester,
            COL_REQUEST: row.request if len(row.request) <= 30 else row.request[:30] + "…",
            COL_DEADLINE: deadline_text(row.due, row.days_left),
        }
        return values.get(column, "")

    @staticmethod
    def _edit_value(entry: AgendaEntry, column: int) -> Any:
        if column == COL_DECISION:
            return entry.decision.label if entry.decision else NO_DECISION
        if column == COL_OPINION:
            return entry.opinion
        if column == COL_OUTCOME:
            return entry.outcome
        return None

    @staticmethod
    def _tooltip(entry: AgendaEntry, column: int) -> str | None:
        if column == COL_SERIAL:
            return entry.row.serial
        if column == COL_LEDGER:
            return entry.row.ledger
        if column == COL_REQUEST:
            return entry.row.request
        if column == COL_DECISION:
            return "选择本次会议对该事项的决定；“不议”的事项留待下次会议"
        if column == COL_OPINION:
            return entry.opinion or "选择决定后必须填写处理意见（工作措施、责任人、时限等）"
        if column == COL_OUTCOME:
            return entry.outcome or "只有“会上议定办结”需要填写处理结果"
        return None

    @staticmethod
    def _missing(entry: AgendaEntry, column: int) -> bool:
        if column == COL_OPINION:
            return entry.decision is not None and not entry.opinion.strip()
        if column == COL_OUTCOME:
            return entry.needs_outcome and not entry.outcome.strip()
        return False


class DecisionDelegate(QStyledItemDelegate):
    """A combo box (不议 / 村级限时办理 / 上报乡镇 / 会上议定办结) that writes the choice at once."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        for label, decision in DECISION_CHOICES:
            combo.addItem(label, decision.value if decision else "")
        combo.currentIndexChanged.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        position = editor.findText(str(index.data(Qt.ItemDataRole.EditRole) or NO_DECISION))
        if position >= 0 and position != editor.currentIndex():
            editor.blockSignals(True)
            editor.setCurrentIndex(position)
            editor.blockSignals(False)

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData() or None, Qt.ItemDataRole.EditRole)


class DecisionEditor(QFrame):
    """The selected item's decision in full-size fields; every edit goes through the agenda model."""

    next_requested = Signal()

    def __init__(self, model: AgendaTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("card", True)
        self.model, self.row = model, -1
        self.item_label = QLabel(wordWrap=True)
        self.decision_box = QComboBox()
        for label, decision in DECISION_CHOICES:
            self.decision_box.addItem(label, decision.value if decision else "")
        self.opinion_edit = QLineEdit(placeholderText=OPINION_HINT)
        self.outcome_edit = QLineEdit()
        grid = QGridLayout(self)
        grid.addWidget(self.item_label, 0, 0, 1, 6)
        for n, (text, widget) in enumerate(
            (("决定", self.decision_box), ("处理意见＊", self.opinion_edit), ("处理结果", self.outcome_edit))
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, 1, 2 * n)
            grid.addWidget(widget, 1, 2 * n + 1)
        grid.setColumnStretch(3, 3)
        grid.setColumnStretch(5, 2)
        self.decision_box.currentIndexChanged.connect(self._decision_chosen)
        self.opinion_edit.textChanged.connect(lambda text: self._write(COL_OPINION, text))
        self.outcome_edit.textChanged.connect(lambda text: self._write(COL_OUTCOME, text))
        for edit in (self.opinion_edit, self.outcome_edit):
            edit.returnPressed.connect(self.next_requested)
        model.dataChanged.connect(lambda first, _last, _roles=(): self._changed(first.row()))

    def show_row(self, row: int) -> None:
        self.row = row
        entry = self.model.entry(row)
        self.setEnabled(entry is not None)
        if entry is None:
            self.item_label.setText("没有待议的事项")
            return
        r = entry.row
        self.item_label.setText(
            f"{r.serial}　{r.requester}　{r.category}　{state_label(r.state)}\n{r.request}"
        )
        # loading the fields must not write back into the model
        for widget in (self.decision_box, self.opinion_edit, self.outcome_edit):
            widget.blockSignals(True)
        self.decision_box.setCurrentIndex(
            self.decision_box.findData(entry.decision.value if entry.decision else "")
        )
        for edit, text in ((self.opinion_edit, entry.opinion), (self.outcome_edit, entry.outcome)):
            if edit.text() != text:  # keeps the cursor where it is while typing
                edit.setText(text)
        for widget in (self.decision_box, self.opinion_edit, self.outcome_edit):
            widget.blockSignals(False)
        self.outcome_edit.setEnabled(entry.needs_outcome)
        self.outcome_edit.setPlaceholderText(
            "会上议定办结的，必须填写" if entry.needs_outcome else OUTCOME_HINT
        )

    def focus_column(self, column: int) -> None:
        """Put the cursor in the field for this agenda column (the decision unless a text column)."""
        target = {COL_OPINION: self.opinion_edit, COL_OUTCOME: self.outcome_edit}.get(column)
        (target if target is not None and target.isEnabled() else self.decision_box).setFocus()

    def _changed(self, row: int) -> None:
        if row == self.row:
            self.show_row(row)

    @Slot(int)
    def _decision_chosen(self, _position: int) -> None:
        self._write(COL_DECISION, self.decision_box.currentData() or None)

    def _write(self, column: int, value: object) -> None:
        if self.model.entry(self.row) is not None:
            self.model.setData(self.model.index(self.row, column), value)
