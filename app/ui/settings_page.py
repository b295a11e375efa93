"""设置: one tab per subject (village, cadres, ledgers, deadline rules, wall privacy, text size)."""

from collections.abc import Callable

from PySide6.QtCore import Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QLabel,
    QRadioButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.workspace import Workspace
from app.ui.hub import EventHub
from app.ui.prefs import Prefs
from app.ui.settings_cadres_tab import CadresTab
from app.ui.settings_common import hint_label, title_label
from app.ui.settings_ledgers_tab import LedgersTab
from app.ui.settings_privacy_tab import PrivacyTab
from app.ui.settings_rules_tab import RulesTab
from app.ui.settings_village_tab import VillageTab
from app.ui.theme import DEFAULT_SIZE, TEXT_SIZES

SAMPLE_TEXT = "三社王长贵反映：村道塌方，希望尽快修复。（这是示例文字，用来看字的大小。）"


class DisplayTab(QWidget):
    """文字大小: applied to the whole program at once and remembered."""

    def __init__(
        self,
        prefs: Prefs,
        on_text_size: Callable[[str], None],
        on_changed: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.prefs, self._on_text_size, self._on_changed = prefs, on_text_size, on_changed
        layout = QVBoxLayout(self)
        box = QGroupBox("文字大小")
        column = QVBoxLayout(box)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for name in TEXT_SIZES:
            button = QRadioButton(name)
            self.buttons[name] = button
            self.group.addButton(button)
            column.addWidget(button)
            button.toggled.connect(lambda on, n=name: on and self.set_text_size(n))
        column.addWidget(hint_label("选好后整个程序的文字立即变大或变小，下次打开时保持。"))
        layout.addWidget(box)
        self.sample = QLabel(SAMPLE_TEXT)
        self.sample.setWordWrap(True)
        layout.addWidget(self.sample)
        layout.addStretch(1)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        current = self.prefs.text_size()
        button = self.buttons.get(current) or self.buttons[DEFAULT_SIZE]
        button.blockSignals(True)
        button.setChecked(True)
        button.blockSignals(False)

    def is_dirty(self) -> bool:
        return False

    @Slot(str)
    def set_text_size(self, name: str) -> None:
        if name not in TEXT_SIZES:
            return
        self.prefs.set_text_size(name)
        self._on_text_size(name)
        self._on_changed(f"文字大小已改为“{name}”")


class SettingsPage(QWidget):
    """The 设置 page; each save emits data_reset (other pages reload) and a status message."""

    def __init__(
        self,
        workspace: Workspace,
        hub: EventHub,
        prefs: Prefs,
        on_text_size: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace, self.hub, self.prefs = workspace, hub, prefs
        self._stale = self._saving = False
        layout = QVBoxLayout(self)
        layout.addWidget(title_label("设置"))
        self.tabs = QTabWidget()
        self.village_tab = VillageTab(workspace, self._saved)
        self.cadres_tab = CadresTab(workspace, prefs, self._saved)
        self.ledgers_tab = LedgersTab(workspace, self._saved)
        self.rules_tab = RulesTab(workspace, self._saved)
        self.privacy_tab = PrivacyTab(workspace, self._saved)
        self.display_tab = DisplayTab(prefs, on_text_size, self.hub.status_message.emit)
        for tab, caption in (
            (self.village_tab, "本村信息"),
            (self.cadres_tab, "村干部"),
            (self.ledgers_tab, "台账与分类"),
            (self.rules_tab, "限时结账规则"),
            (self.privacy_tab, "晒账隐私"),
            (self.display_tab, "显示"),
        ):
            self.tabs.addTab(tab, caption)
        layout.addWidget(self.tabs, 1)

    def _all_tabs(
        self,
    ) -> tuple[VillageTab | CadresTab | LedgersTab | RulesTab | PrivacyTab | DisplayTab, ...]:
        return (
            self.village_tab,
            self.cadres_tab,
            self.ledgers_tab,
            self.rules_tab,
            self.privacy_tab,
            self.display_tab,
        )

    @Slot()
    def refresh(self) -> None:
        """Reload from the database and files; deferred while hidden, and never over unsaved edits."""
        if self._saving:
            return  # already reloaded by _saved
        self._stale = True
        if self.isVisible():
            self.reload()

    def reload(self) -> None:
        self._stale = False
        for tab in self._all_tabs():
            if not tab.is_dirty():
                tab.refresh()

    def _saved(self, text: str) -> None:
        """After any save: reload the other tabs here, then let every other page reload."""
        self.refresh()
        self._saving = True
        try:
            self.hub.data_reset.emit()
        finally:
            self._saving = False
        self.hub.status_message.emit(text)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()
