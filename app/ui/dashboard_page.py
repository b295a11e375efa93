"""首页: what needs doing today — overdue (red), due within two days (amber), waiting lists, the month."""

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.queries import ClockRow
from app.services.workspace import Dashboard, Workspace
from app.ui.hub import EventHub
from app.ui.labels import deadline_text, state_label
from app.ui.messages import show_error
from app.ui.table_base import HeaderedTableModel

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("编号", "台账", "分类", "诉求人", "状态", "当前时限", "期限")


class ClockTableModel(HeaderedTableModel):
    """A short list of items with their deadline (the dashboard's two tables)."""

    def __init__(self, colour: str, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ClockRow] = []
        self._colour = QColor(colour)

    def set_rows(self, rows: list[ClockRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def item_id(self, row: int) -> str | None:
        return self._rows[row].uuid if 0 <= row < len(self._rows) else None

    HEADERS = HEADERS

    def row_total(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                r.serial,
                r.ledger,
                r.category,
                r.requester,
                state_label(r.state),
                r.limit,
                deadline_text(r.due, r.days_left),
            )
            return values[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(self._colour)
        return None


class DashboardPage(QWidget):
    def __init__(self, workspace: Workspace, hub: EventHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.hub = workspace, hub
        self.overdue_model = ClockTableModel("#fde2e1", self)
        self.soon_model = ClockTableModel("#fff1cc", self)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = QLabel("今日待办")
        self.title.setProperty("role", "title")
        top.addWidget(self.title, 1)
        register = QPushButton("＋ 登记新事项 (Ctrl+N)")
        register.setProperty("primary", True)
        register.clicked.connect(self.hub.register_requested.emit)
        top.addWidget(register)
        layout.addLayout(top)
        layout.addLayout(self._build_cards())
        self.overdue_label = QLabel()
        layout.addWidget(self.overdue_label)
        layout.addWidget(self._table(self.overdue_model), 3)
        self.soon_label = QLabel()
        layout.addWidget(self.soon_label)
        layout.addWidget(self._table(self.soon_model), 2)

    def _build_cards(self) -> QGridLayout:
        grid = QGridLayout()
        self.cards: dict[str, QLabel] = {}
        names = [
            ("overdue", "已逾期", "#b00020"),
            ("soon", "两天内到期", "#b26a00"),
            ("deliberation", "待议账", "#1f4e79"),
            ("signature", "待签字确认", "#1f4e79"),
            ("registered", "本月登记", "#333"),
            ("settled", "本月办结", "#333"),
            ("rate", "本月办结率", "#333"),
            ("publication", "待晒账", "#333"),
        ]
        for n, (key, caption, colour) in enumerate(names):
            frame = QFrame()
            frame.setProperty("card", True)
            box = QVBoxLayout(frame)
            value = QLabel("0")
            value.setStyleSheet(f"font-size: 22pt; font-weight: bold; color: {colour};")
            box.addWidget(value, alignment=Qt.AlignmentFlag.AlignCenter)
            box.addWidget(QLabel(caption), alignment=Qt.AlignmentFlag.AlignCenter)
            self.cards[key] = value
            grid.addWidget(frame, n // 4, n % 4)
        return grid

    def _table(self, model: ClockTableModel) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().setVisible(False)
        # widths from the first rows only: a county's list can hold thousands of overdue items
        view.horizontalHeader().setResizeContentsPrecision(30)
        view.horizontalHeader().setStretchLastSection(True)
        model.modelReset.connect(view.resizeColumnsToContents)
        view.doubleClicked.connect(lambda idx: self._open(model, idx.row()))
        view.activated.connect(lambda idx: self._open(model, idx.row()))
        return view

    def _open(self, model: ClockTableModel, row: int) -> None:
        item_id = model.item_id(row)
        if item_id:
            self.hub.open_item_requested.emit(item_id)

    @Slot()
    def refresh(self) -> None:
        try:
            board = self.workspace.dashboard()
        except Exception as exc:
            show_error(self, exc, "读取失败")
            return
        self.show_board(board)

    def show_board(self, board: Dashboard) -> None:
        today = self.workspace.today()
        self.title.setText(f"今日待办　{today:%Y年%m月%d日}")
        month = board.month
        values = {
            "overdue": len(board.overdue),
            "soon": len(board.due_soon),
            "deliberation": board.waiting_deliberation,
            "signature": board.waiting_signature,
            "registered": month["registered"],
            "settled": month["settled"],
            "rate": f"{month['settlement_rate'] * 100:.1f}%",
            "publication": board.waiting_publication,
        }
        for key, value in values.items():
            self.cards[key].setText(str(value))
        self.overdue_model.set_rows(board.overdue)
        self.soon_model.set_rows(board.due_soon)
        self.overdue_label.setText(f"已逾期事项（{len(board.overdue)}件，双击打开）")
        self.soon_label.setText(f"两天内到期（{len(board.due_soon)}件）")
