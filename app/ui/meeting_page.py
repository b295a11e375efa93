"""议账会议: one meeting — when, who attended (share of ordinary villagers) — and the decision per item."""

from collections import Counter
from collections.abc import Callable
from itertools import pairwise

from PySide6.QtCore import QDate, QModelIndex, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import DeliberationDecision
from app.services.errors import DomainError
from app.services.listing import ItemFilter
from app.services.meetings import MEETING_KINDS, ItemDecision, MeetingResult
from app.services.workspace import Workspace
from app.ui.agenda_table_model import (
    COL_CATEGORY,
    COL_DEADLINE,
    COL_DECISION,
    COL_LEDGER,
    COL_OPINION,
    COL_OUTCOME,
    COL_REQUEST,
    COL_REQUESTER,
    COL_SERIAL,
    AgendaTableModel,
    DecisionDelegate,
    DecisionEditor,
)
from app.ui.hub import EventHub
from app.ui.messages import confirm, error_text, show_error, show_info

AGENDA_STATES = ("registered", "village_handling")
TITLE = "议账会议"
INTRO = "村“两委”召集党员、村民代表逐件议定；选“不议”的事项留待下次会议。"
AGENDA_TITLE = "议账事项"
SAVE_TEXT = "保存会议记录（Ctrl+S）"
NAMES_HINT = "每行一人或用顿号分隔，如：杨运润（村支书）、王长贵（村民代表）……"
CAPS = {COL_SERIAL: 9, COL_LEDGER: 5, COL_CATEGORY: 6, COL_REQUESTER: 5, COL_DEADLINE: 9}
CONFIRM_TEXT = "本次会议议定 {n} 件事项，保存后记入各事项的办理记录，不能删除。\n确定保存吗？"
Problem = tuple[QWidget, str, tuple[int, int] | None]


class MeetingPage(QWidget):
    """The meeting form above, the agenda with a decision per item below, one save for all."""

    def __init__(
        self,
        workspace: Workspace,
        hub: EventHub,
        actor: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace, self.hub, self.actor = workspace, hub, actor
        self.model = AgendaTableModel(self)
        self.model.dataChanged.connect(lambda *_: self._update_count())
        self._build()
        self.host_edit.setText(actor())
        self._reload_villages()
        self._update_share()
        self.refresh()

    # construction
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        heading = QLabel(TITLE)
        heading.setProperty("role", "title")
        intro = QLabel(INTRO, wordWrap=True)
        intro.setProperty("role", "hint")
        self.village_box = QComboBox()
        self.village_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.village_label = self._label("村", self.village_box)
        top = QHBoxLayout()
        for widget, stretch in ((heading, 0), (intro, 1), (self.village_label, 0), (self.village_box, 0)):
            top.addWidget(widget, stretch)
        layout.addLayout(top)
        layout.addWidget(self._build_meeting())
        layout.addWidget(self._build_agenda(), 1)
        layout.addLayout(self._build_footer())
        self._set_tab_order()
        shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.save)

    def _build_meeting(self) -> QGroupBox:
        box = QGroupBox("会议情况")
        grid = QGridLayout(box)
        self.date_edit = QDateEdit(calendarPopup=True, displayFormat="yyyy-MM-dd")
        today = self.workspace.today()
        self.date_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.date_edit.setDate(QDate(today.year, today.month, today.day))
        self.kind_box = QComboBox()
        self.kind_box.addItems(list(MEETING_KINDS))
        self.place_edit = QLineEdit(placeholderText="如：村委会议室")
        self.host_edit = QLineEdit()
        self.total_spin = self._spin()
        self.villagers_spin = self._spin()
        rows = (
            (("会议日期", self.date_edit), ("会议类型", self.kind_box), ("地点", self.place_edit)),
            (
                ("主持人", self.host_edit),
                ("参会总人数＊", self.total_spin),
                ("其中普通村民人数＊", self.villagers_spin),
            ),
        )
        for row, pairs in enumerate(rows):
            for n, (label, widget) in enumerate(pairs):
                grid.addWidget(self._label(label, widget), row, 2 * n)
                grid.addWidget(widget, row, 2 * n + 1)
        self._build_attendance(grid)
        for column in (1, 3, 5):
            grid.setColumnStretch(column, 1)
        return box

    def _build_attendance(self, grid: QGridLayout) -> None:
        self.names_edit = QPlainTextEdit(placeholderText=NAMES_HINT, tabChangesFocus=True)
        self.names_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 14)
        self.note_edit = QLineEdit(placeholderText="选填")
        self.share_label = QLabel(wordWrap=True)
        top = Qt.AlignmentFlag.AlignTop
        grid.addWidget(self._label("参会人员名单", self.names_edit), 2, 0, top)
        grid.addWidget(self.names_edit, 2, 1, 1, 3)
        grid.addWidget(self.share_label, 2, 4, 2, 2, top)
        grid.addWidget(self._label("备注", self.note_edit), 3, 0)
        grid.addWidget(self.note_edit, 3, 1, 1, 3)

    def _spin(self) -> QSpinBox:
        spin = QSpinBox(minimum=0, maximum=9999, suffix=" 人")
        spin.valueChanged.connect(lambda _v: self._update_share())
        return spin

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _build_agenda(self) -> QGroupBox:
        self.agenda_box = box = QGroupBox(AGENDA_TITLE)
        layout = QVBoxLayout(box)
        layout.addWidget(self._build_table(), 1)
        self.editor = DecisionEditor(self.model)
        self.editor.next_requested.connect(self._next_row)
        layout.addWidget(self.editor)
        return box

    def _build_table(self) -> QTableView:
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(COL_DECISION, DecisionDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # F2 or a click on the selected cell edits in place; Enter / double-click go to the fields below
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(COL_REQUEST, QHeaderView.ResizeMode.Stretch)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._focus_editor)
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self.editor.show_row(cur.row())
        )
        return self.table

    def _build_footer(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.error_label = QLabel(wordWrap=True)
        self.error_label.setProperty("role", "error")
        self.save_button = QPushButton(SAVE_TEXT)
        self.save_button.setProperty("primary", True)
        self.save_button.setAutoDefault(True)
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.error_label, 1)
        row.addWidget(self.save_button)
        return row

    def _set_tab_order(self) -> None:
        chain = (
            self.date_edit,
            self.kind_box,
            self.place_edit,
            self.host_edit,
            self.total_spin,
            self.villagers_spin,
            self.names_edit,
            self.note_edit,
            self.village_box,
            self.table,
            self.editor.decision_box,
            self.editor.opinion_edit,
            self.editor.outcome_edit,
            self.save_button,
        )
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    # loading
    def _reload_villages(self) -> None:
        current = self.village_box.currentData()
        self.village_box.blockSignals(True)
        self.village_box.clear()
        for village in self.workspace.villages():
            self.village_box.addItem(village.name, village.id)
        position = self.village_box.findData(current)
        self.village_box.setCurrentIndex(max(position, 0))
        self.village_box.blockSignals(False)
        several = self.village_box.count() > 1
        self.village_box.setVisible(several)
        self.village_label.setVisible(several)

    def village_id(self) -> int | None:
        data = self.village_box.currentData()
        return int(data) if data is not None else None

    @Slot()
    def refresh(self, keep_choices: bool = True) -> None:
        """Reload the agenda (items waiting for 议账 or handled at village level); typed choices stay."""
        self._reload_villages()
        today = self.workspace.today()
        self.date_edit.setMaximumDate(
            QDate(today.year, today.month, today.day)
        )  # the app may run past midnight
        f = ItemFilter(states=AGENDA_STATES, village_id=self.village_id())
        try:
            rows = self.workspace.rows(self.workspace.list_ids(f, sort="received_on", descending=False))
        except Exception as exc:  # shown in Chinese; the agenda keeps what it had
            show_error(self, exc, "查询失败")
            return
        current = self.model.item_id(self.table.currentIndex().row())
        self.model.set_rows(rows, keep_choices=keep_choices)
        self._fit_columns()
        self._update_count()
        ids = [self.model.item_id(r) for r in range(self.model.rowCount())]
        row = ids.index(current) if current in ids else 0
        self.table.setCurrentIndex(self.model.index(row, COL_DECISION))
        self.editor.show_row(row if ids else -1)

    def _fit_columns(self) -> None:
        """Widths to the contents, capped, so the decision columns stay in view; the request stretches."""
        char = self.fontMetrics().horizontalAdvance("中")
        for column, most in CAPS.items():
            self.table.resizeColumnToContents(column)
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), most * char))
        self.table.setColumnWidth(COL_DECISION, 7 * char)  # the longest choice, 会上议定办结, fits
        self.table.setColumnWidth(COL_OPINION, 9 * char)
        self.table.setColumnWidth(COL_OUTCOME, 7 * char)

    def _update_count(self) -> None:
        total, decided = self.model.rowCount(), self.model.decided()
        self.agenda_box.setTitle(f"{AGENDA_TITLE}：待议 {total} 件，已选决定 {len(decided)} 件")
        # 处理结果 is only asked for 会上议定办结: its column shows when one is chosen
        self.table.setColumnHidden(COL_OUTCOME, not any(e.needs_outcome for e in decided))

    @Slot()
    def _next_row(self) -> None:
        """Enter in the decision fields: on to the next item, ready to choose its decision."""
        row = self.table.currentIndex().row() + 1
        if row < self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(row, COL_DECISION))
            self.editor.decision_box.setFocus()
        else:
            self.save_button.setFocus()

    # live feedback
    @Slot()
    def _update_share(self) -> None:
        total, villagers = self.total_spin.value(), self.villagers_spin.value()
        minimum = self.workspace.settings.rules.villager_share_min
        if total <= 0:
            text, bad = "请填写参会总人数和其中的普通村民人数", False
        elif villagers > total:
            text, bad = "普通村民人数不能超过参会总人数", True
        else:
            share = villagers / total
            text, bad = f"普通村民占 {share:.0%}", share < minimum
            if bad:
                text += f"　低于要求的 {minimum:.0%}，请多请普通村民参会"
        self.share_label.setText(text)
        self.share_label.setProperty("role", "error" if bad else "hint")
        self.share_label.style().unpolish(self.share_label)
        self.share_label.style().polish(self.share_label)

    @Slot(QModelIndex)
    def _clicked(self, index: QModelIndex) -> None:
        if index.column() == COL_DECISION:
            self.table.edit(index)

    @Slot(QModelIndex)
    def _focus_editor(self, index: QModelIndex) -> None:
        self.editor.focus_column(index.column())

    # saving
    def problems(self) -> list[Problem]:
        """What still blocks saving: (widget to focus, Chinese message, agenda cell or None)."""
        found: list[Problem] = []
        total, villagers = self.total_spin.value(), self.villagers_spin.value()
        if total <= 0:
            found.append((self.total_spin, "请填写参会总人数", None))
        elif villagers > total:
            found.append(
                (self.villagers_spin, f"其中普通村民人数（{villagers}）不能超过参会总人数（{total}）", None)
            )
        if self.village_id() is None:
            found.append((self.village_box, "还没有建村，请先在“设置”中建村", None))
        if not self.model.decided():
            found.append((self.table, "请至少为一件事项选择决定（选“不议”的事项留待下次会议）", None))
        found += [(self.table, text, (row, column)) for row, column, text in self.model.problems()]
        return found

    @Slot()
    def save(self) -> None:
        problems = self.problems()
        if problems:
            self._show_problems(problems)
            return
        self.error_label.clear()
        decisions = self.model.decisions()
        if not confirm(self, CONFIRM_TEXT.format(n=len(decisions)), "保存会议记录"):
            return
        try:
            result = self.workspace.record_meeting(
                village_id=self.village_id(),
                held_on=self.date_edit.date().toPython(),
                kind=self.kind_box.currentText(),
                attendees_total=self.total_spin.value(),
                villagers_count=self.villagers_spin.value(),
                decisions=decisions,
                actor=self.actor(),
                host=self.host_edit.text().strip(),
                place=self.place_edit.text().strip(),
                attendee_names=self.names_edit.toPlainText().strip(),
                note=self.note_edit.text().strip(),
            )
        except Exception as exc:  # nothing was saved (one transaction); everything typed stays
            self.error_label.setText("没有保存，请按提示修改后再保存。")
            show_error(self, DomainError(error_text(exc) + self._moved_on(decisions)))
            return
        self._saved(result, [d.decision for d in decisions], decisions[0].item_id)

    def _moved_on(self, decisions: list[ItemDecision]) -> str:
        """Name the decided items another user action took off the agenda meanwhile (e.g. 作废)."""
        try:
            listed = set(
                self.workspace.list_ids(ItemFilter(states=AGENDA_STATES, village_id=self.village_id()))
            )
        except Exception:  # the original error is what matters; this is only a hint
            return ""
        gone = [e.row.serial for e in self.model.decided() if e.row.id not in listed]
        if not gone:
            return ""
        return f"\n\n以下事项已不在待议状态（可能已作废或已办理），请改为“不议”：\n{'、'.join(gone)}"

    def _show_problems(self, problems: list[Problem]) -> None:
        widget, _text, cell = problems[0]
        self.error_label.setText("\n".join(text for _w, text, _c in problems[:3]))
        widget.setFocus()
        if cell is not None:
            self.table.setCurrentIndex(self.model.index(*cell))
            self.editor.focus_column(cell[1])
        show_error(self, DomainError("\n".join(text for _w, text, _c in problems)), "还不能保存")

    def _saved(self, result: MeetingResult, chosen: list[DeliberationDecision], first_id: str) -> None:
        self.note_edit.clear()
        self.refresh(keep_choices=False)
        counts = Counter(chosen)
        parts = "，".join(f"{d.label} {counts[d]} 件" for d in DeliberationDecision if counts[d])
        held = result.meeting.held_on
        summary = f"{held:%Y-%m-%d} {result.meeting.kind}已保存：议定 {len(chosen)} 件（{parts}）"
        self.error_label.clear()
        self.hub.item_changed.emit(first_id)
        self.hub.status_message.emit(summary)
        if result.warnings:
            show_info(self, "会议记录已保存。\n" + "\n".join(result.warnings), "请注意")
