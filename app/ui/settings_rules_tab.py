"""设置 › 限时结账规则: the six time limits (days and unit), the warning days and the villager share."""

from dataclasses import replace

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.config import LIMIT_KEYS, RuleSet, load_rules
from app.services.config_files import MAX_LIMIT_DAYS, MAX_WARN_DAYS
from app.services.deadlines import Unit
from app.services.workspace import Workspace
from app.ui.messages import confirm, show_error
from app.ui.settings_common import SaveCallback, capped_column, complain, hint_label, primary_button

COUNTING_NOTE = (
    "怎样计算期限：收到之日不计入，从次日起算；期限最后一天遇法定节假日，顺延到节假日后的第一天"
    "（民法典第二百零一条、第二百零三条）。按“工作日”计算时跳过周末和法定节假日，调休上班的周六、周日算工作日。"
)
SAVED_NOTE = "保存后，所有事项的期限立即按新规则重新计算。"


def calendar_status(known_until: int | None, year: int) -> tuple[str, bool]:
    """The holiday-table line and whether it is a warning."""
    if known_until is not None and known_until >= year:
        return f"节假日数据已更新到{known_until}年。", False
    return "节假日数据未更新，期限按周一至周五估算。请向乡镇索取新的节假日文件。", True


class RulesTab(QWidget):
    def __init__(self, workspace: Workspace, on_saved: SaveCallback, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self._on_saved = workspace, on_saved
        self.days: dict[str, QSpinBox] = {}
        self.units: dict[str, QComboBox] = {}
        self.captions: dict[str, QLabel] = {}
        self._loaded: RuleSet | None = None
        self._build()
        self.refresh()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        layout = capped_column(outer, 980)
        form = QFormLayout()
        self.name_edit = QLineEdit()
        form.addRow("规则名称＊", self.name_edit)
        layout.addLayout(form)
        layout.addWidget(self._build_limits())
        layout.addWidget(self._build_other())
        layout.addWidget(hint_label(COUNTING_NOTE))
        self.calendar_label = QLabel()
        self.calendar_label.setWordWrap(True)
        layout.addWidget(self.calendar_label)
        row = QHBoxLayout()
        self.save_button = primary_button("保存规则")
        self.save_button.clicked.connect(self.save)
        self.default_button = QPushButton("恢复默认值")
        self.default_button.clicked.connect(self.restore_defaults)
        row.addWidget(self.save_button)
        row.addWidget(self.default_button)
        row.addWidget(hint_label(SAVED_NOTE), 1)
        layout.addLayout(row)
        outer.addStretch(1)

    def _build_limits(self) -> QGroupBox:
        box = QGroupBox("各级办理时限")
        grid = QGridLayout(box)
        for col, caption in enumerate(("时限", "天数", "计算方法")):
            header = QLabel(caption)
            header.setStyleSheet("font-weight: bold;")
            grid.addWidget(header, 0, col)
        for r, key in enumerate(LIMIT_KEYS, start=1):
            self.captions[key] = QLabel()
            spin = QSpinBox(minimum=0, maximum=MAX_LIMIT_DAYS, suffix=" 天")
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            unit = QComboBox()
            for u in Unit:
                unit.addItem(u.label, u.value)
            self.days[key], self.units[key] = spin, unit
            grid.addWidget(self.captions[key], r, 0)
            grid.addWidget(spin, r, 1)
            grid.addWidget(unit, r, 2)
        grid.setColumnStretch(0, 1)
        return box

    def _build_other(self) -> QGroupBox:
        box = QGroupBox("提醒")
        form = QFormLayout(box)
        self.warn_spin = QSpinBox(minimum=0, maximum=MAX_WARN_DAYS, prefix="到期前 ", suffix=" 天开始提醒")
        self.share_spin = QSpinBox(minimum=0, maximum=100, suffix=" %")
        form.addRow("到期预警", self.warn_spin)
        form.addRow("议账会普通村民至少占", self.share_spin)
        return box

    # loading
    @Slot()
    def refresh(self) -> None:
        self.show_rules(self.workspace.settings.rules)
        self._loaded = self.values()
        known = self.workspace.settings.calendar.known_until()
        text, warning = calendar_status(known, self.workspace.today().year)
        self.calendar_label.setText(text)
        self.calendar_label.setProperty("role", "error" if warning else "hint")
        self.calendar_label.style().unpolish(self.calendar_label)
        self.calendar_label.style().polish(self.calendar_label)

    def show_rules(self, rules: RuleSet) -> None:
        self._base = rules
        self.name_edit.setText(rules.name)
        for key in LIMIT_KEYS:
            limit = rules.limits[key]
            self.captions[key].setText(limit.label)
            self.days[key].setValue(limit.days)
            self.units[key].setCurrentIndex(max(self.units[key].findData(Unit(limit.unit).value), 0))
        self.warn_spin.setValue(rules.warn_days)
        self.share_spin.setValue(round(rules.villager_share_min * 100))

    def values(self) -> RuleSet:
        limits = {
            key: replace(
                self._base.limits[key],
                days=self.days[key].value(),
                unit=Unit(self.units[key].currentData()),
            )
            for key in LIMIT_KEYS
        }
        return RuleSet(
            name=self.name_edit.text().strip(),
            warn_days=self.warn_spin.value(),
            villager_share_min=self.share_spin.value() / 100,
            limits=limits,
        )

    def is_dirty(self) -> bool:
        return self._loaded is not None and self.values() != self._loaded

    # changes
    @Slot()
    def restore_defaults(self) -> None:
        """Put the bundled defaults in the fields; nothing is saved until 保存规则."""
        self.show_rules(load_rules())

    @Slot()
    def save(self) -> None:
        rules = self.values()
        if not rules.name and complain(self, ("请填写规则名称（如：某某县限时结账规定）", self.name_edit)):
            return
        zero = [rules.limits[k].label for k in LIMIT_KEYS if rules.limits[k].days == 0]
        if zero and not confirm(self, f"“{'、'.join(zero)}”的天数是0，即收到当天就到期。确定这样保存吗？"):
            return
        try:
            self.workspace.save_rules(rules)
        except Exception as exc:  # shown in Chinese; the old rules file is untouched
            show_error(self, exc)
            return
        self.refresh()
        self._on_saved("已保存限时结账规则，期限已按新规则计算")
