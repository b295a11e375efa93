"""Table model over a ledger's item ids; rows are loaded by the page for the visible range only."""

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.services.listing import ItemListRow
from app.ui.labels import deadline_text, level_label, state_label
from app.ui.table_base import HeaderedTableModel

COL_SERIAL, COL_RECEIVED, COL_REQUESTER, COL_CATEGORY, COL_REQUEST = range(5)
COL_STATE, COL_LEVEL, COL_DEADLINE, COL_CADRE, COL_VILLAGE = range(5, 10)
HEADERS = ("编号", "受理日期", "诉求人", "分类", "主要诉求", "状态", "层级", "期限", "责任人", "村")
SORT_KEYS = {
    COL_SERIAL: "serial",
    COL_RECEIVED: "received_on",
    COL_REQUESTER: "requester",
    COL_CATEGORY: "category",
    COL_STATE: "state",
    COL_LEVEL: "level",
}
RED, AMBER = QColor("#fde2e1"), QColor("#fff1cc")
Index = QModelIndex | QPersistentModelIndex


class ItemTableModel(HeaderedTableModel):
    """Holds ids in display order and a cache of loaded rows; `data()` never queries."""

    def __init__(self, on_sort: Callable[[str, bool], None] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._ids: list[str] = []
        self._rows: dict[str, ItemListRow] = {}
        self._on_sort = on_sort

    def set_ids(self, ids: list[str]) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._rows = {}
        self.endResetModel()

    def missing(self, first: int, last: int) -> list[str]:
        """Ids in rows first..last that are not loaded yet."""
        last = min(last, len(self._ids) - 1)
        return [i for i in self._ids[max(first, 0) : last + 1] if i not in self._rows]

    def add_rows(self, rows: list[ItemListRow]) -> None:
        if not rows:
            return
        positions = {item_id: n for n, item_id in enumerate(self._ids)}
        for row in rows:
            self._rows[row.id] = row
        numbers = [positions[r.id] for r in rows if r.id in positions]
        if numbers:
            self.dataChanged.emit(self.index(min(numbers), 0), self.index(max(numbers), len(HEADERS) - 1))

    def item_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    HEADERS = HEADERS

    def row_total(self) -> int:
        return len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        row = self._rows.get(self._ids[index.row()])
        if role == Qt.ItemDataRole.DisplayRole:
            return "…" if row is None else self._text(row, index.column())
        if role == Qt.ItemDataRole.ToolTipRole and row is not None:
            return row.request if index.column() == COL_REQUEST else None
        if role == Qt.ItemDataRole.BackgroundRole and row is not None:
            return (
                QBrush(RED) if row.status == "overdue" else QBrush(AMBER) if row.status == "warning" else None
            )
        if role == Qt.ItemDataRole.UserRole:
            return self._ids[index.row()]
        return None

    @staticmethod
    def _text(row: ItemListRow, column: int) -> str:
        values = {
            COL_SERIAL: row.serial,
            COL_RECEIVED: f"{row.received_on:%Y-%m-%d}",
            COL_REQUESTER: row.requester,
            COL_CATEGORY: row.category,
            COL_REQUEST: row.request if len(row.request) <= 40 else row.request[:40] + "…",
            COL_STATE: state_label(row.state),
            COL_LEVEL: level_label(row.level),
            COL_DEADLINE: deadline_text(row.due, row.days_left),
            COL_CADRE: row.cadre,
            COL_VILLAGE: row.village,
        }
        return values.get(column, "")

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(column)
        if key and self._on_sort is not None:
            self._on_sort(key, order == Qt.SortOrder.DescendingOrder)
