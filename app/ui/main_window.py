"""The main window: navigation on the left, one page at a time, and all cross-page wiring."""

from PySide6.QtCore import QByteArray, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from app.services.workspace import Workspace
from app.ui.dashboard_page import DashboardPage
from app.ui.hub import EventHub
from app.ui.import_page import ImportPage
from app.ui.item_dialog import ItemDialog
from app.ui.ledger_page import LedgerPage
from app.ui.meeting_page import MeetingPage
from app.ui.posting_page import PostingPage
from app.ui.prefs import Prefs
from app.ui.register_dialog import RegisterDialog
from app.ui.safety_page import SafetyPage
from app.ui.settings_page import SettingsPage
from app.ui.township_page import TownshipPage

WINDOW_TITLE = "三本台账"


class MainWindow(QMainWindow):
    def __init__(self, workspace: Workspace, hub: EventHub, prefs: Prefs, on_text_size=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.workspace, self.hub, self.prefs = workspace, hub, prefs
        self._on_text_size = on_text_size
        self.pages: dict[str, QWidget] = {}
        self._build()
        self._build_actions()
        self._wire()
        geometry = prefs.blob("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.refresh_all()

    # construction
    def _build(self) -> None:
        villages = self.workspace.villages()
        name = villages[0].name if len(villages) == 1 else f"{len(villages)}个村"
        self.setWindowTitle(f"{WINDOW_TITLE} — {name}")
        self.nav = QListWidget(objectName="nav")
        self.nav.setFixedWidth(210)
        self.nav.setSpacing(4)
        self.stack = QStackedWidget()
        self._add_page("dashboard", "首页", DashboardPage(self.workspace, self.hub))
        self._add_page("township", "乡镇汇总", TownshipPage(self.workspace, self.hub))
        for ledger in self.workspace.ledgers():
            page = LedgerPage(self.workspace, self.hub, self.prefs, ledger.key, ledger.name)
            self._add_page(ledger.key, ledger.name, page)
        self._add_page("all", "全部事项", LedgerPage(self.workspace, self.hub, self.prefs, None, "全部事项"))
        self._add_page("meeting", "议账会议", MeetingPage(self.workspace, self.hub, self.actor))
        self._add_page("posting", "月度晒账", PostingPage(self.workspace, self.hub, self.actor))
        self._add_page("import", "导入工作簿", ImportPage(self.workspace, self.hub))
        self._add_page("safety", "数据安全", SafetyPage(self.workspace, self.hub))
        self._add_page(
            "settings", "设置", SettingsPage(self.workspace, self.hub, self.prefs, self._set_text_size)
        )
        self.nav.currentRowChanged.connect(self._show_row)
        body = QWidget()
        layout = QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        self.actor_label = QLabel()
        self.statusBar().addPermanentWidget(self.actor_label)

    def _add_page(self, key: str, title: str, page: QWidget) -> None:
        self.pages[key] = page
        self.stack.addWidget(page)
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.nav.addItem(item)

    def _build_actions(self) -> None:
        for text, shortcut, slot in (
            ("登记新事项", QKeySequence.StandardKey.New, self.open_register),
            ("搜索", QKeySequence.StandardKey.Find, self.focus_search),
            ("刷新", QKeySequence.StandardKey.Refresh, self.refresh_all),
        ):
            action = QAction(text, self)
            action.setShortcut(shortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    def _wire(self) -> None:
        """Every cross-page connection, in one place."""
        self.hub.item_changed.connect(lambda _id: self.refresh_all())
        self.hub.data_reset.connect(self.refresh_all)
        self.hub.open_item_requested.connect(self.open_item)
        self.hub.register_requested.connect(self.open_register)
        self.hub.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))

    # navigation
    def show_page(self, key: str) -> None:
        keys = list(self.pages)
        if key not in keys:
            raise KeyError(key)
        self.nav.setCurrentRow(keys.index(key))

    @Slot(int)
    def _show_row(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        page = self.stack.currentWidget()
        if isinstance(page, LedgerPage):
            page.refresh()

    # actions
    def actor(self) -> str:
        """Who is doing the work now (经办人): chosen in 设置, else the first cadre."""
        chosen = self.prefs.actor()
        if chosen:
            return chosen
        if len(self.workspace.villages()) > 1:  # a township's database: its cadres are the villages'
            return "乡镇经办人（请在设置中填写姓名）"
        cadres = self.workspace.cadres()
        return cadres[0].name if cadres else "村干部"

    @Slot()
    def open_register(self) -> None:
        villages = self.workspace.villages()
        only = villages[0].id if len(villages) == 1 else None  # a township picks the village
        dialog = RegisterDialog(self.workspace, self.actor(), only, self)
        if dialog.exec() and dialog.created_item_id:
            self.hub.item_changed.emit(dialog.created_item_id)
            self.hub.status_message.emit("已登记，可在台账中查看")

    @Slot(str)
    def open_item(self, item_id: str) -> None:
        ItemDialog(self.workspace, self.hub, item_id, self.actor(), self).exec()

    @Slot()
    def focus_search(self) -> None:
        page = self.stack.currentWidget()
        if not isinstance(page, LedgerPage):
            self.show_page("all")
            page = self.pages["all"]
        assert isinstance(page, LedgerPage)
        page.focus_search()

    def _show_township_entry(self) -> None:
        """乡镇汇总 is listed only when the database holds more than one village (township, county)."""
        keys = list(self.pages)
        several = len(self.workspace.villages()) > 1
        self.nav.item(keys.index("township")).setHidden(not several)

    @Slot()
    def refresh_all(self) -> None:
        self.actor_label.setText(f"经办人：{self.actor()}　")
        self._show_township_entry()
        for page in self.pages.values():
            if isinstance(page, LedgerPage):
                page.reload_choices()
        for page in self.pages.values():
            refresh = getattr(page, "refresh", None)
            if refresh is not None and (
                page is self.stack.currentWidget() or not isinstance(page, LedgerPage)
            ):
                refresh()

    def _set_text_size(self, name: str) -> None:
        self.prefs.set_text_size(name)
        if self._on_text_size is not None:
            self._on_text_size(name)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.prefs.set_blob("window/geometry", QByteArray(self.saveGeometry()))
        for page in self.pages.values():
            if isinstance(page, LedgerPage):
                page.save_state()
        self.prefs.sync()
        super().closeEvent(event)
