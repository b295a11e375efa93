"""一事一档: one item's whole record, history and deadline, with buttons for exactly the allowed actions."""

from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.exports.forms_pdf import write_item_sheet, write_receipt
from app.models import SupervisionNotice
from app.models.enums import Action, ItemState, Level, Satisfaction
from app.services.clocks import OK, OVERDUE, STATUS_LABELS, WARNING
from app.services.identity import mask_id_number, mask_phone
from app.services.queries import ItemDetail
from app.services.workspace import DetailView, Workspace
from app.ui.action_forms import ESCALATE_TEXT, FORMS, ActionForm, CloseSupervisionForm
from app.ui.hub import EventHub
from app.ui.labels import level_label
from app.ui.messages import show_error
from app.ui.pdf_preview import PdfPreviewDialog
from app.ui.timeline import TimelineView

DASH = "—"
# the next step of the usual path comes first and is the highlighted button
ACTION_ORDER = (
    Action.REPLY,
    Action.ASSIGN,
    Action.SETTLE,
    Action.CONFIRM,
    Action.PUBLISH,
    Action.DELIBERATE,
    Action.SETTLE_ON_SPOT,
    Action.ESCALATE,
    Action.FOLLOW_UP,
    Action.SUPERVISE,
    Action.EDIT,
    Action.VOID,
)
BUTTON_TEXT = {
    Action.DELIBERATE: "议账",
    Action.SETTLE_ON_SPOT: "就地办结",
    Action.REPLY: "录入答复",
    Action.ASSIGN: "交办",
    Action.SETTLE: "办结",
    Action.CONFIRM: "签字确认",
    Action.PUBLISH: "晒账",
    Action.FOLLOW_UP: "回访",
    Action.SUPERVISE: "督办",
    Action.EDIT: "更正",
    Action.VOID: "作废",
}
BADGE_COLOURS = {OVERDUE: "#b00020", WARNING: "#b26a00", OK: "#2e7d32"}
_BADGE = "color: white; background: {}; border-radius: 4px; padding: 4px 12px; font-weight: bold;"
_STATE_BADGE = (
    "color: #1f4e79; background: #eef2f7; border: 1px solid #c5d0de; border-radius: 4px; padding: 4px 12px;"
)


def button_text(action: Action, state: ItemState) -> str:
    """The Chinese text of an action button; 上报 says where the item goes."""
    if action is Action.ESCALATE:
        return ESCALATE_TEXT.get(state, "上报")
    return BUTTON_TEXT[action]


def _dated(text: str, on: object, verb: str) -> str:
    return f"{text}（{on:%Y-%m-%d}{verb}）" if text and on else text  # type: ignore[str-format]


class ItemDialog(QDialog):
    """The loose-leaf page of one item; reloads itself and tells the hub after every saved action."""

    def __init__(
        self, workspace: Workspace, hub: EventHub, item_id: str, actor: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace, self.hub, self.item_id, self.actor = workspace, hub, item_id, actor
        self.view: DetailView | None = None
        self.action_buttons: dict[Action, QPushButton] = {}
        self.close_buttons: dict[str, QPushButton] = {}
        self.value_labels: dict[str, QLabel] = {}
        self._build()
        self.reload()

    # construction
    def _build(self) -> None:
        self.setWindowTitle("一事一档")
        self.resize(1180, 800)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_header())
        self.clock_label = QLabel(wordWrap=True)
        layout.addWidget(self.clock_label)
        splitter = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        self.record_area = QScrollArea(widgetResizable=True)
        splitter.addWidget(self.record_area)
        splitter.addWidget(self._build_history())
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([640, 520])
        layout.addWidget(splitter, 1)
        self.button_row = QHBoxLayout()
        layout.addLayout(self.button_row)

    def _build_header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.title_label = QLabel()
        self.title_label.setProperty("role", "title")
        self.state_badge = QLabel(styleSheet=_STATE_BADGE)
        self.clock_badge = QLabel()
        row.addWidget(self.title_label, 1)
        row.addWidget(self.state_badge)
        row.addWidget(self.clock_badge)
        return row

    def _build_history(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        self.history_label = QLabel()
        self.history_label.setStyleSheet("font-weight: bold;")
        self.timeline = TimelineView()
        self.history_label.setBuddy(self.timeline)
        column.addWidget(self.history_label)
        column.addWidget(self.timeline, 1)
        return box

    def _build_record(self, d: ItemDetail) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        item, person, cadre = d.item, d.person, d.cadre
        source = f"{item.source}（{item.source_detail}）" if item.source_detail else item.source
        responsible = f"{cadre.name}　{cadre.role}　{cadre.phone}".strip() if cadre else ""
        self._group(column, "基本情况", [
            ("serial", "编号", item.serial),
            ("ledger", "台账", d.ledger.name),
            ("category", "分类", item.category),
            ("state", "状态", ItemState(item.state).label),
            ("level", "当前层级", level_label(item.level)),
            ("village", "村", f"{d.village.name}（{d.village.township}）"),
            ("received_on", "受理日期", f"{item.received_on:%Y-%m-%d}"),
            ("source", "信息来源", source),
            ("cadre", "责任人", responsible),
        ])  # fmt: skip
        self._group(column, "诉求人", [
            ("name", "姓名", person.name),
            ("gender", "性别", person.gender),
            ("group", "村民小组", person.group_name),
            ("phone", "联系电话", mask_phone(person.phone) if person.phone else ""),
            ("id_number", "身份证号", mask_id_number(person.id_number) if person.id_number else ""),
        ])  # fmt: skip
        self._group(column, "诉求与办理", [
            ("request", "主要诉求及原因", item.request),
            ("decision", "处理意见", item.decision),
            ("reply", "乡镇答复", _dated(item.reply, item.replied_on, "答复")),
            ("department", "承办部门", _dated(item.department, item.assigned_on, "交办")),
            ("measures", "工作措施", item.measures),
            ("outcome", "处理结果", item.outcome),
        ])  # fmt: skip
        self._group(column, "结果与确认", self._result_rows(d))
        column.addWidget(self._build_notices(d))
        column.addStretch(1)
        return page

    def _result_rows(self, d: ItemDetail) -> list[tuple[str, str, str]]:
        item = d.item
        signature = f"{item.signed_by}　{item.signed_on:%Y-%m-%d}" if item.signed_on else item.signed_by
        settled = ""
        if item.settled_level:
            how = "，就地办结" if item.on_the_spot else ""
            settled = f"{Level(item.settled_level).label}{how}（{item.settled_on:%Y-%m-%d}办结）"
        rows = [
            ("opinion", "当事人意见", item.requester_opinion),
            ("satisfaction", "满意度", Satisfaction(item.satisfaction).label if item.satisfaction else ""),
            ("signature", "签字确认", signature),
            ("settled", "办结层级", settled),
            ("reopen_count", "重新办理次数", f"{item.reopen_count}次"),
            ("published", "公示月份", item.published_month or ""),
        ]
        if item.state == ItemState.VOIDED:
            rows.append(("void_reason", "作废原因", _dated(item.void_reason, item.voided_on, "作废")))
        return rows

    def _group(self, column: QVBoxLayout, title: str, rows: list[tuple[str, str, str]]) -> None:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, caption, text in rows:
            value = QLabel(text or DASH, wordWrap=True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if not text:
                value.setProperty("role", "hint")
            self.value_labels[key] = value
            form.addRow(f"{caption}：", value)
        column.addWidget(box)

    def _build_notices(self, d: ItemDetail) -> QGroupBox:
        box = QGroupBox(
            f"督办（未销号{len(d.open_notices)}件，已销号{len(d.notices) - len(d.open_notices)}件）"
        )
        column = QVBoxLayout(box)
        self.close_buttons = {}
        if not d.open_notices:
            empty = QLabel("没有未销号的督办")
            empty.setProperty("role", "hint")
            column.addWidget(empty)
        for notice in d.open_notices:
            column.addLayout(self._notice_row(notice))
        return box

    def _notice_row(self, notice: SupervisionNotice) -> QHBoxLayout:
        row = QHBoxLayout()
        due = f"，期限{notice.due_on:%Y-%m-%d}" if notice.due_on else ""
        text = QLabel(
            f"{notice.issued_on:%Y-%m-%d} {notice.issuer}督办{due}：{notice.content}", wordWrap=True
        )
        row.addWidget(text, 1)
        button = QPushButton("督办销号")
        button.clicked.connect(partial(self._open_form, Action.CLOSE_SUPERVISION, notice.id))
        self.close_buttons[notice.id] = button
        row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        return row

    def _build_actions(self, view: DetailView) -> None:
        _clear(self.button_row)
        state = ItemState(view.detail.item.state)
        self.action_buttons = {}
        for action in ACTION_ORDER:
            if action not in view.allowed:
                continue
            button = QPushButton(button_text(action, state))
            button.setProperty("primary", not self.action_buttons)
            button.clicked.connect(partial(self._open_form, action, None))
            self.action_buttons[action] = button
            self.button_row.addWidget(button)
        self.button_row.addStretch(1)
        self.print_buttons = {}
        for kind, text in (("sheet", "打印一事一档"), ("receipt", "打印回执")):
            button = QPushButton(text)
            button.clicked.connect(partial(self.print_form, kind))
            self.print_buttons[kind] = button
            self.button_row.addWidget(button)
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        self.button_row.addWidget(close)
        first = next(iter(self.action_buttons.values()), close)
        first.setFocus()

    # printing
    def form_pdf(self, kind: str) -> Path:
        """Write the 一事一档 sheet or the receipt for this item into the print folder."""
        detail = self.workspace.detail(self.item_id).detail
        folder = self.workspace.data_dir / "print"
        folder.mkdir(parents=True, exist_ok=True)
        name = "一事一档" if kind == "sheet" else "回执"
        out = folder / f"{detail.item.serial}-{name}.pdf"
        writer = write_item_sheet if kind == "sheet" else write_receipt
        return writer(detail, out)

    @Slot()
    def print_form(self, kind: str) -> None:
        try:
            path = self.form_pdf(kind)
            preview = PdfPreviewDialog(path, path.stem, self)
        except Exception as exc:
            show_error(self, exc, "无法生成打印文件")
            return
        preview.exec()

    # showing
    def reload(self) -> bool:
        """Read the item again and show it; False (and a message) if it cannot be read."""
        try:
            view = self.workspace.detail(self.item_id)
        except Exception as exc:  # DomainError is Chinese; anything else is explained
            show_error(self, exc, "读取失败")
            return False
        self.view = view
        self._show_header(view.detail)
        self.value_labels = {}
        self.record_area.setWidget(self._build_record(view.detail))
        self.timeline.set_events(view.detail.events)
        self.history_label.setText(f"办理记录（{len(view.detail.events)}条，最新的在上）")
        self._build_actions(view)
        return True

    def _show_header(self, d: ItemDetail) -> None:
        self.setWindowTitle(f"一事一档 — {d.item.serial}")
        self.title_label.setText(f"一事一档　{d.item.serial}")
        self.state_badge.setText(ItemState(d.item.state).label)
        self.clock_label.setText(f"办理时限：{d.clocks.describe()}")
        status = d.clocks.status
        self.clock_badge.setVisible(bool(d.clocks.running))
        self.clock_badge.setText(STATUS_LABELS[status])
        self.clock_badge.setStyleSheet(_BADGE.format(BADGE_COLOURS[status]))
        late = d.clocks.running and status != OK
        self.clock_label.setStyleSheet(f"color: {BADGE_COLOURS[status]};" if late else "")

    # actions
    def form_for(self, action: Action, notice_id: str | None = None) -> ActionForm:
        """Build (not show) the form for an action; saving it reloads this page and tells the hub."""
        assert self.view is not None
        if action is Action.CLOSE_SUPERVISION:
            notice = next(n for n in self.view.detail.open_notices if n.id == notice_id)
            form: ActionForm = CloseSupervisionForm(self.workspace, self.view, self.actor, notice, self)
        else:
            form = FORMS[action](self.workspace, self.view, self.actor, self)
        form.saved.connect(partial(self._saved, form.title()))
        return form

    @Slot()
    def _open_form(self, action: Action, notice_id: str | None = None) -> None:
        form = self.form_for(action, notice_id)
        form.exec()
        form.deleteLater()

    def _saved(self, what: str) -> None:
        self.reload()
        self.hub.item_changed.emit(self.item_id)
        self.hub.status_message.emit(f"已保存：{what}")


def _clear(layout: QLayout) -> None:
    while layout.count():
        entry = layout.takeAt(0)
        widget = entry.widget()
        if widget is not None:
            widget.deleteLater()
