"""设置 › 晒账隐私: per ledger, whether names are masked on the wall posting and whether details are shown."""

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.services.privacy import NAME_STYLES, PrivacyPolicy
from app.services.workspace import Workspace
from app.ui.messages import confirm, show_error
from app.ui.settings_common import SaveCallback, hint_label, primary_button

NEVER_SHOWN = "身份证号和电话号码在晒账公示中一律不显示，与下面的设置无关。"
EXPLAIN = (
    "姓名打码：公示时只显示姓，如“张某某”或“张**”。"
    "公示详细内容：不勾选时，这本台账在公示中只列件数（稳定工作台账默认如此），不列具体事项。"
)
UNMASK_WARNING = (
    "“{names}”的诉求人姓名将在墙上完整公示。按个人信息保护法，困难群众和稳定工作的信息尤其要慎重。确定吗？"
)


class PrivacyTab(QWidget):
    def __init__(self, workspace: Workspace, on_saved: SaveCallback, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self._on_saved = workspace, on_saved
        self.rows: dict[str, tuple[QCheckBox, QComboBox, QCheckBox]] = {}
        self._names: dict[str, str] = {}
        self._loaded: dict[str, PrivacyPolicy] = {}
        self._build()
        self.refresh()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        never = QLabel(NEVER_SHOWN)
        never.setStyleSheet("font-weight: bold;")
        never.setWordWrap(True)
        layout.addWidget(never)
        layout.addWidget(hint_label(EXPLAIN))
        box = QGroupBox("每本台账的公示方式")
        self.grid = QGridLayout(box)
        layout.addWidget(box)
        row = QHBoxLayout()
        self.save_button = primary_button("保存隐私设置")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)

    def _clear_grid(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item else None
            if widget is not None:
                widget.deleteLater()
        self.rows.clear()

    # loading
    @Slot()
    def refresh(self) -> None:
        self._clear_grid()
        for col, caption in enumerate(("台账", "姓名打码", "打码样式", "公示详细内容")):
            header = QLabel(caption)
            header.setStyleSheet("font-weight: bold;")
            self.grid.addWidget(header, 0, col)
        self._names = {spec.key: spec.name for spec in self.workspace.settings.ledgers.ledgers}
        policies = self.workspace.privacy()
        for r, (key, policy) in enumerate(policies.items(), start=1):
            self._add_row(r, key, policy)
        self.grid.setColumnStretch(4, 1)
        self._loaded = self.values()

    def _add_row(self, r: int, key: str, policy: PrivacyPolicy) -> None:
        mask = QCheckBox("打码")
        mask.setChecked(policy.mask_names)
        style = QComboBox()
        for value, looks in NAME_STYLES.items():
            style.addItem(looks, value)
        style.setCurrentIndex(max(style.findData(policy.name_style), 0))
        style.setEnabled(policy.mask_names)
        mask.toggled.connect(style.setEnabled)
        details = QCheckBox("公示详细内容")
        details.setChecked(policy.show_details)
        self.grid.addWidget(QLabel(self._names.get(key, key)), r, 0)
        self.grid.addWidget(mask, r, 1)
        self.grid.addWidget(style, r, 2)
        self.grid.addWidget(details, r, 3)
        self.rows[key] = (mask, style, details)

    def values(self) -> dict[str, PrivacyPolicy]:
        return {
            key: PrivacyPolicy(
                mask_names=mask.isChecked(),
                name_style=str(style.currentData()),
                show_details=details.isChecked(),
            )
            for key, (mask, style, details) in self.rows.items()
        }

    def is_dirty(self) -> bool:
        return self.values() != self._loaded

    # saving
    @Slot()
    def save(self) -> None:
        policies = self.values()
        unmasked = [
            self._names.get(k, k)
            for k, p in policies.items()
            if not p.mask_names and self._loaded.get(k, PrivacyPolicy()).mask_names
        ]
        if unmasked and not confirm(self, UNMASK_WARNING.format(names="、".join(unmasked))):
            return
        try:
            self.workspace.save_privacy(policies)
        except Exception as exc:  # shown in Chinese; the old file is untouched
            show_error(self, exc)
            return
        self.refresh()
        self._on_saved("已保存晒账隐私设置")
