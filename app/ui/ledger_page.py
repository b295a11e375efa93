"""One ledger's page: filters, instant search (name, pinyin initials, content, serial), sortable table."""

from PySide6.QtCore import QModelIndex, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import ItemState, Level
from app.services.listing import ItemFilter
from app.services.workspace import Workspace
from app.ui.hub import EventHub
from app.ui.item_table_model import (
    COL_DEADLINE,
    COL_REQUEST,
    COL_SERIAL,
    COL_STATE,
    COL_VILLAGE,
    ItemTableModel,
)
from app.ui.labels import recent_months
from app.ui.messages import show_error
from app.ui.prefs import Prefs

STATE_CHOICES: list[tuple[str, tuple[str, ...]]] = [
    ("全部状态", ()),
    ("办理中（未办结）", tuple(s.value for s in ItemState if s.is_open)),
    *[(s.label, (s.value,)) for s in ItemState],
]
SEARCH_HINT = "搜索：姓名、拼音首字母（如 zdy）、诉求内容或编号"
PAGE_BLOCK = 120
MAX_COLUMN_WIDTH = {COL_SERIAL: 290, COL_STATE: 210, COL_DEADLINE: 190}
MIN_REQUEST_WIDTH = 320


class LedgerPage(QWidget):
    """The table of one ledger with its filter bar; `ledger_key=None` shows every ledger."""

    def __init__(
        self,
        workspace: Workspace,
        hub: EventHub,
        prefs: Prefs,
        ledger_key: str | None,
        title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace, self.hub, self.prefs, self.ledger_key = workspace, hub, prefs, ledger_key
        self._sort, self._descending = "received_on", True
        self._columns_restored = False
        self.model = ItemTableModel(on_sort=self._sort_by, parent=self)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.refresh)
        self._build(title)

    # construction
    def _build(self, title: str) -> None:
        layout = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setProperty("role", "title")
        layout.addWidget(heading)
        layout.addLayout(self._build_filters())
        self.search = QLineEdit(placeholderText=SEARCH_HINT, clearButtonEnabled=True)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        layout.addWidget(self.search)
        self.count_label = QLabel()
        self.count_label.setProperty("role", "hint")
        layout.addWidget(self.count_label)
        layout.addWidget(self._build_table(), 1)

    def _build_filters(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.state_box = QComboBox()
        for label, states in STATE_CHOICES:
            self.state_box.addItem(label, states)
        self.category_box = QComboBox()
        self.month_box = QComboBox()
        self.level_box = QComboBox()
        self.level_box.addItem("全部层级", None)
        for level in Level:
            self.level_box.addItem(level.label, level.value)
        self.cadre_box = QComboBox()
        self.village_box = QComboBox()
        self.overdue_box = QCheckBox("只看逾期")
        for box in (
            self.state_box,
            self.category_box,
            self.month_box,
            self.level_box,
            self.cadre_box,
            self.village_box,
        ):
            box.currentIndexChanged.connect(lambda _i: self._timer.start())
            # a box may be narrower than its longest entry (the list still shows it whole), so the
            # page fits a 1366-pixel laptop screen even at the largest text size
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(7)
            row.addWidget(box)
        self.overdue_box.toggled.connect(lambda _c: self._timer.start())
        row.addWidget(self.overdue_box)
        row.addStretch(1)
        return row

    def _build_table(self) -> QTableView:
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.DescendingOrder)
        # fit widths to the rows on screen, not to all 100,000 (Qt's default samples 1,000 rows)
        self.table.horizontalHeader().setResizeContentsPrecision(40)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.doubleClicked.connect(self._open)
        self.table.activated.connect(self._open)
        self.table.verticalScrollBar().valueChanged.connect(lambda _v: self._load_visible())
        state = self.prefs.blob(self._prefs_key())
        self._columns_restored = state is not None and self.table.horizontalHeader().restoreState(state)
        return self.table

    # filters
    def reload_choices(self) -> None:
        """Refill the category, month, cadre and village choices from the database."""
        boxes = (self.category_box, self.month_box, self.cadre_box, self.village_box)
        for box in boxes:
            box.blockSignals(True)
            box.clear()
        self.category_box.addItem("全部分类", None)
        for name in self.workspace.categories(self.ledger_key) if self.ledger_key else []:
            self.category_box.addItem(name, name)
        self.category_box.setVisible(self.ledger_key is not None)
        self.month_box.addItem("全部月份", None)
        today = self.workspace.today()
        for label, value in recent_months(today):
            self.month_box.addItem(label, value)
        self.cadre_box.addItem("全部责任人", None)
        for cadre in self.workspace.cadres():
            self.cadre_box.addItem(cadre.name, cadre.id)
        villages = self.workspace.villages()
        self.village_box.addItem("全部村", None)
        for village in villages:
            self.village_box.addItem(village.name, village.id)
        self.village_box.setVisible(len(villages) > 1)
        self.table.setColumnHidden(COL_VILLAGE, len(villages) <= 1)
        for box in boxes:
            box.blockSignals(False)

    def current_filter(self) -> ItemFilter:
        return ItemFilter(
            ledger_key=self.ledger_key,
            states=self.state_box.currentData() or (),
            category=self.category_box.currentData(),
            month=self.month_box.currentData(),
            level=self.level_box.currentData(),
            overdue_only=self.overdue_box.isChecked(),
            cadre_id=self.cadre_box.currentData(),
            village_id=self.village_box.currentData(),
            text=self.search.text(),
        )

    @Slot()
    def refresh(self) -> None:
        try:
            ids = self.workspace.list_ids(self.current_filter(), self._sort, self._descending)
        except Exception as exc:  # shown in Chinese; the table keeps what it had
            show_error(self, exc, "查询失败")
            return
        self.model.set_ids(ids)
        self.count_label.setText(f"共 {len(ids)} 件")
        self._load_visible()
        if not self._columns_restored and ids and self.isVisible():
            QTimer.singleShot(0, self._fit_columns)  # after layout, so the visible rows count

    def _fit_columns(self) -> None:
        """First run only: widths to the loaded contents, the request text gets the rest and at
        least a readable share; afterwards the user's widths are kept."""
        if self._columns_restored:
            return
        self._columns_restored = True
        used = 0
        for column in range(self.model.columnCount()):
            if column == COL_REQUEST or self.table.isColumnHidden(column):
                continue
            self.table.resizeColumnToContents(column)
            width = min(self.table.columnWidth(column), MAX_COLUMN_WIDTH.get(column, 170))
            self.table.setColumnWidth(column, width)
            used += width
        spare = self.table.viewport().width() - used
        self.table.setColumnWidth(COL_REQUEST, max(spare, MIN_REQUEST_WIDTH))

    def _load_visible(self) -> None:
        first = max(self.table.rowAt(0), 0)
        last = self.table.rowAt(self.table.viewport().height() - 1)
        last = first + PAGE_BLOCK if last < 0 else last + PAGE_BLOCK // 2
        missing = self.model.missing(first, last)
        if missing:
            self.model.add_rows(self.workspace.rows(missing))

    def _sort_by(self, key: str, descending: bool) -> None:
        self._sort, self._descending = key, descending
        if self.isVisible():  # hidden pages query when they are shown, not while being built
            self.refresh()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _open(self, index: QModelIndex) -> None:
        item_id = self.model.item_id(index.row())
        if item_id:
            self.hub.open_item_requested.emit(item_id)

    def _prefs_key(self) -> str:
        return f"ledger/{self.ledger_key or 'all'}/columns"

    def save_state(self) -> None:
        """Remember the column widths and order (on closing), once they were fitted or restored."""
        if self._columns_restored:
            self.prefs.set_blob(self._prefs_key(), self.table.horizontalHeader().saveState())

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self._load_visible()
        if not self._columns_restored and self.model.rowCount():
            QTimer.singleShot(0, self._fit_columns)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._load_visible()
