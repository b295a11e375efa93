"""乡镇汇总: every village side by side (sortable), the items waiting at the township, and a trend chart.

Township staff act on a waiting item in the normal item page (double-click): 答复, 办结, 上报县三账办.
The page loads its figures only while it is shown (a county's 100,000 items take a moment), and again
whenever something changed while it is visible.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.exports.workbook import write_report_workbook
from app.services.clocks import OVERDUE, WARNING
from app.services.queries import ClockRow
from app.services.township import VillageFigures, VillageTrend, total_figures
from app.services.workspace import Workspace
from app.ui.hub import EventHub
from app.ui.labels import deadline_text, recent_months, state_label
from app.ui.messages import show_error, show_info
from app.ui.table_base import HeaderedTableModel
from app.ui.trend_chart import TrendChart
from app.ui.worker import run_in_background

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ALL_TIME = "全部时间"
STATUS_COLOURS = {OVERDUE: "#fde2e1", WARNING: "#fff1cc"}


def _percent(value: float) -> str:
    return f"{value:.2f}%"


class VillageFiguresTableModel(HeaderedTableModel):
    """One row per village; display text by DisplayRole, the raw number by SORT_ROLE."""

    HEADERS = (
        "村",
        "登记",
        "办结",
        "办结率",
        "村级办结占比",
        "乡镇办结占比",
        "县级办结占比",
        "逾期",
        "上报",
        "测评",
        "满意率",
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[VillageFigures] = []

    def set_rows(self, rows: list[VillageFigures]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_total(self) -> int:
        return len(self._rows)

    def village(self, row: int) -> VillageFigures | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def _values(self, r: VillageFigures) -> tuple[Any, ...]:
        s = r.level_shares
        return (
            r.name,
            r.registered,
            r.settled,
            r.settlement_rate,
            s["village"],
            s["township"],
            s["county"],
            r.overdue,
            r.escalated,
            r.ratings,
            r.satisfaction_rate,
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r, column = self._rows[index.row()], index.column()
        value = self._values(r)[column]
        if role == SORT_ROLE:
            return r.code if column == 0 else value
        if role == Qt.ItemDataRole.DisplayRole:
            if column in (3, 10):
                return _percent(value * 100)
            if column in (4, 5, 6):
                return _percent(value)
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == 7 and r.overdue:
            return QBrush(QColor("#b00020"))
        return None


class WaitingTableModel(HeaderedTableModel):
    """Items waiting at the township, with the deadline that matters now."""

    HEADERS = ("村", "期限", "当前时限", "状态", "诉求人", "分类", "编号", "台账")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ClockRow] = []

    def set_rows(self, rows: list[ClockRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_total(self) -> int:
        return len(self._rows)

    def item_id(self, row: int) -> str | None:
        return self._rows[row].uuid if 0 <= row < len(self._rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                r.village,
                deadline_text(r.due, r.days_left),
                r.limit,
                state_label(r.state),
                r.requester,
                r.category,
                r.serial,
                r.ledger,
            )
            return values[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole and r.status in STATUS_COLOURS:
            return QBrush(QColor(STATUS_COLOURS[r.status]))
        return None


class TownshipPage(QWidget):
    def __init__(self, workspace: Workspace, hub: EventHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.hub = workspace, hub
        self.figures_model = VillageFiguresTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.figures_model)
        self.proxy.setSortRole(SORT_ROLE)
        self.waiting_model = WaitingTableModel(self)
        self.trend: VillageTrend | None = None
        self._dirty = True
        self._build()

    # construction
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_top())
        self.total_label = QLabel()
        self.total_label.setWordWrap(True)
        layout.addWidget(self.total_label)
        self.figures_view = self._table()
        self.figures_view.setModel(self.proxy)
        self.figures_view.setSortingEnabled(True)
        self.figures_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.figures_view.selectionModel().selectionChanged.connect(self._village_chosen)
        self.proxy.modelReset.connect(self.figures_view.resizeColumnsToContents)
        layout.addWidget(self.figures_view, 3)
        layout.addWidget(self._build_bottom(), 4)

    def _build_top(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel("乡镇汇总（各村并排比较）")
        title.setProperty("role", "title")
        row.addWidget(title, 1)
        row.addWidget(QLabel("受理月份"))
        self.month_box = QComboBox()
        self.month_box.addItem(ALL_TIME, None)
        for label, value in recent_months(self.workspace.today()):
            self.month_box.addItem(label, value)
        self.month_box.currentIndexChanged.connect(lambda _i: self.load())
        row.addWidget(self.month_box)
        self.replies_button = QPushButton("导出给本村的答复工作簿…")
        self.replies_button.setEnabled(False)
        self.replies_button.clicked.connect(self.export_replies)
        row.addWidget(self.replies_button)
        return row

    def _build_bottom(self) -> QSplitter:
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        box = QVBoxLayout(left)
        box.setContentsMargins(0, 0, 0, 0)
        self.waiting_label = QLabel()
        box.addWidget(self.waiting_label)
        self.waiting_view = self._table()
        self.waiting_view.setModel(self.waiting_model)
        self.waiting_view.horizontalHeader().setResizeContentsPrecision(30)
        self.waiting_model.modelReset.connect(self.waiting_view.resizeColumnsToContents)
        self.waiting_view.doubleClicked.connect(lambda idx: self._open(idx.row()))
        self.waiting_view.activated.connect(lambda idx: self._open(idx.row()))
        box.addWidget(self.waiting_view, 1)
        split.addWidget(left)
        self.chart = TrendChart()
        split.addWidget(self.chart)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([820, 640])
        return split

    def _table(self) -> QTableView:
        view = QTableView()
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().setVisible(False)
        view.horizontalHeader().setStretchLastSection(True)
        return view

    # loading
    @Slot()
    def refresh(self) -> None:
        """Something changed: reload now if shown, else when the page is next shown."""
        self._dirty = True
        if self.isVisible():
            self.load()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.load()

    @Slot()
    def load(self) -> None:
        self._dirty = False
        chosen = self.selected_village_id()
        try:
            figures = self.workspace.township_figures(self.month_box.currentData())
            waiting = self.workspace.waiting_at_township()
        except Exception as exc:
            show_error(self, exc, "读取失败")
            return
        self.figures_model.set_rows(figures)
        self.waiting_model.set_rows(waiting)
        self._show_total(figures)
        late = sum(r.status == OVERDUE for r in waiting)
        self.waiting_label.setText(
            f"上报到乡镇、等待乡镇办理的事项（{len(waiting)}件，其中已逾期{late}件；双击打开办理）"
        )
        self.select_village(chosen if chosen is not None else (figures[0].village_id if figures else None))

    def _show_total(self, figures: list[VillageFigures]) -> None:
        t = total_figures(figures)
        s = t.level_shares
        period = self.month_box.currentText()
        self.total_label.setText(
            f"{period}　全乡镇{len(figures)}个村：登记{t.registered}件，办结{t.settled}件，"
            f"办结率{t.settlement_rate * 100:.2f}%，村级/乡镇/县级办结占比 {s['village']:.2f}% / "
            f"{s['township']:.2f}% / {s['county']:.2f}%，逾期{t.overdue}件，"
            f"满意率{t.satisfaction_rate * 100:.2f}%。点列标题可排序，点一个村看它近12个月的走势。"
        )

    # the chosen village
    def selected_village(self) -> VillageFigures | None:
        rows = self.figures_view.selectionModel().selectedRows()
        return self.figures_model.village(self.proxy.mapToSource(rows[0]).row()) if rows else None

    def selected_village_id(self) -> int | None:
        village = self.selected_village()
        return village.village_id if village else None

    def select_village(self, village_id: int | None) -> None:
        for row in range(self.figures_model.row_total()):
            village = self.figures_model.village(row)
            if village is not None and village.village_id == village_id:
                index = self.proxy.mapFromSource(self.figures_model.index(row, 0))
                self.figures_view.selectRow(index.row())
                return
        self._village_chosen()

    @Slot()
    def _village_chosen(self, *_args: QItemSelection) -> None:
        village = self.selected_village()
        self.replies_button.setEnabled(village is not None)
        if village is None:
            self.chart.show_trend("请在上表选一个村", None)
            return
        try:  # one village's twelve months: a few milliseconds even in a county database
            self.trend = self.workspace.township_trend([village.village_id])[village.village_id]
        except Exception as exc:
            show_error(self, exc, "读取失败")
            return
        first, last = self.trend.months[0], self.trend.months[-1]
        span = f"{first[:4]}年{int(first[5:])}月至{last[:4]}年{int(last[5:])}月"
        self.chart.show_trend(f"{village.name}　{span}每月登记与办结（件）", self.trend)

    def _open(self, row: int) -> None:
        item_id = self.waiting_model.item_id(row)
        if item_id:
            self.hub.open_item_requested.emit(item_id)

    # the reply workbook (答复工作簿) for the chosen village: its escalated items with the township's work
    @Slot()
    def export_replies(self) -> None:
        village = self.selected_village()
        if village is None:
            return
        month = self.month_box.currentData()
        default = str(Path.home() / f"答复工作簿-{village.name}-{month or '全部'}.xlsx")
        target, _ = QFileDialog.getSaveFileName(
            self, "导出给本村的答复工作簿", default, "Excel 工作簿 (*.xlsx)"
        )
        if target:
            self.write_replies(village.code, month, Path(target))

    def write_replies(self, village_code: str, month: str | None, out: Path) -> None:
        """Build and write the reply workbook in the background (a county's villages hold many items)."""

        def work(progress: Callable[[int, int], None]) -> str:
            report = self.workspace.reply_report(village_code, month)
            return write_report_workbook(report, out, progress)

        run_in_background(
            self,
            "正在导出答复工作簿……",
            work,
            lambda _digest: show_info(
                self, f"已导出：{out}\n可用U盘或微信发给该村，村里在“导入工作簿”中导入后即可看到乡镇的答复。"
            ),
            lambda exc: show_error(self, exc, "导出失败"),
        )
