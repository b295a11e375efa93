"""The 一事一档 loose-leaf sheet: the whole record and history with signature lines."""

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
)

from app.exports.files import write_atomically
from app.exports.forms_common import (
    BODY_PT,
    DATE_BLANK,
    FIELD_LABELS,
    PAGE_H,
    PAGE_W,
    SHADE,
    SIGN_LINE,
    _d,
    _doc,
    _FormTable,
    _grid_style,
    _p,
    _scrub,
    _style,
    _Styles,
)
from app.models.enums import Action, ItemState, Level, Satisfaction
from app.services.identity import mask_id_number, mask_phone
from app.services.queries import ItemDetail

# ------------------------------------------------------------------------------------------
# 一事一档 sheet
# ------------------------------------------------------------------------------------------

SHEET_LEFT, SHEET_RIGHT = 25 * mm, 15 * mm  # the wider left margin is for the binder's holes
SHEET_TOP, SHEET_BOTTOM = 15 * mm, 20 * mm
SHEET_W = PAGE_W - SHEET_LEFT - SHEET_RIGHT


def _numbered_canvas(footer: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    """A canvas that keeps every page until the end, so each footer can say 第 x 页 共 y 页."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                footer(self, self._pageNumber, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def _state_after(from_state: str | None, to_state: str) -> str:
    """The state the step led to ("—" when it left the state as it was)."""
    return "—" if from_state == to_state else ItemState(to_state).label


# What an event wrote that the sheet's fields may no longer show (after a reopening, say).
EVENT_FIELDS = {
    Action.DELIBERATE.value: (("decision", "处理意见"),),
    Action.REPLY.value: (("reply", "答复"),),
    Action.SETTLE.value: (("measures", "工作措施"), ("outcome", "处理结果")),
    Action.SETTLE_ON_SPOT.value: (("measures", "工作措施"), ("outcome", "处理结果")),
    Action.CONFIRM.value: (("requester_opinion", "当事人意见"),),
}


def _event_note(action: str, note: str, changes: str) -> str:
    changed: dict[str, list[Any]] = json.loads(changes or "{}")
    if action == Action.EDIT.value:
        fields = "、".join(FIELD_LABELS.get(k, k) for k in changed)
        return f"{note}（更正：{fields}）" if fields else note
    parts = [note] if note else []
    for key, label in EVENT_FIELDS.get(action, ()):
        new = changed.get(key, [None, None])[1]
        if new:
            parts.append(f"{label}：{new}")
    return "；".join(parts)


def _history_table(d: ItemDetail, st: _Styles) -> Table:
    widths = [11 * mm, 25 * mm, 20 * mm, 28 * mm, 34 * mm]
    widths.append(SHEET_W - sum(widths))
    header = [_p(h, st.body) for h in ("序号", "日期", "经办人", "办理事项", "办理后状态", "说明")]
    rows: list[list[Any]] = [header]
    for ev in d.events:
        note = _scrub(_event_note(ev.action, ev.note, ev.changes), d.person)
        rows.append(
            [
                _p(str(ev.seq), st.center),
                _p(f"{ev.on:%Y-%m-%d}", st.body),
                _p(ev.actor, st.body),
                _p(Action(ev.action).label, st.body),
                _p(_state_after(ev.from_state, ev.to_state), st.body),
                _p(note, st.body),
            ]
        )
    return Table(
        rows,
        colWidths=widths,
        repeatRows=1,
        splitInRow=1,
        hAlign="LEFT",
        style=_grid_style([("BACKGROUND", (0, 0), (-1, 0), SHADE), ("VALIGN", (0, 1), (-1, -1), "TOP")]),
    )


def _satisfaction_boxes(current: str | None) -> str:
    """Paragraph markup: a box before each rating, the recorded one filled."""
    return "&nbsp;&nbsp;&nbsp;".join(
        f'<font size="{BODY_PT + 6}">{"■" if s.value == current else "□"}</font>{s.label}'
        for s in Satisfaction
    )


def _signature_lines(st: _Styles, captions: Sequence[str], width: float) -> Table:
    """Lines to sign by hand: caption, a blank, and a date to fill in."""
    rows = [[_p(c, st.big), _p(SIGN_LINE * 2, st.big), _p(f"日期：{DATE_BLANK}", st.big)] for c in captions]
    first = 40 * mm
    return Table(
        rows,
        colWidths=[first, width - first - 62 * mm, 62 * mm],
        rowHeights=[14 * mm] * len(rows),
        hAlign="LEFT",
        style=_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )


def _opinion(d: ItemDetail) -> str:
    it = d.item
    parts = []
    if it.satisfaction:
        parts.append(f"满意度：{Satisfaction(it.satisfaction).label}")
    if it.requester_opinion:
        parts.append(f"意见：{_scrub(it.requester_opinion, d.person)}")
    text = "；".join(parts)
    if it.signed_on:
        text += f"（{it.signed_by}于{_d(it.signed_on)}签字确认）"
    return text


def _notices(d: ItemDetail) -> str:
    lines = []
    for n in sorted(d.notices, key=lambda n: (n.issued_on, n.id)):
        due = f"，限{_d(n.due_on)}前" if n.due_on else ""
        state = f"已于{_d(n.closed_on)}销号：{n.close_note}" if n.closed_on else "未销号"
        lines.append(f"{_d(n.issued_on)} {n.issuer}督办：{n.content}{due}（{state}）")
    return _scrub("\n".join(lines), d.person)


def _sheet_story(d: ItemDetail, st: _Styles) -> list[Flowable]:
    it, person, cadre = d.item, d.person, d.cadre
    head = Table(
        [
            [
                _p(f"{d.village.county}{d.village.township}{d.village.name}", st.big),
                _p(f"编号：{it.serial}", st.serial),
            ]
        ],
        colWidths=[SHEET_W * 0.45, SHEET_W * 0.55],
        style=_style(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        ),
    )
    form = _FormTable(st, SHEET_W, 26 * mm)
    form.section("一、诉求人基本情况")
    form.pair("诉求人", person.name, "性别", person.gender)
    form.pair(
        "身份证号",
        mask_id_number(person.id_number) if person.id_number else "",
        "联系电话",
        mask_phone(person.phone) if person.phone else "",
    )
    form.pair("村民小组", person.group_name, "住址", person.address)

    form.section("二、建账登记")
    form.pair("台账", d.ledger.name, "分类", it.category)
    source = it.source + (f"·{it.source_detail}" if it.source_detail else "")
    form.pair("信息来源", source, "受理日期", _d(it.received_on))
    form.pair(
        "责任人",
        f"{cadre.name}（{cadre.role}）" if cadre and cadre.role else (cadre.name if cadre else ""),
        "责任人电话",
        cadre.phone if cadre else "",
    )
    form.pair("登记人", it.registered_by, "当前状态", ItemState(it.state).label)
    form.wide("主要诉求及原因", _scrub(it.request, person), blank=30)

    form.section("三、议账与办理")
    form.wide("处理意见", _scrub(it.decision, person), blank=30)
    form.wide("工作措施", _scrub(it.measures, person), blank=30)
    if it.reply:
        form.wide("乡镇答复", f"{_d(it.replied_on)}：{_scrub(it.reply, person)}")
    if it.department:
        form.wide("承办部门", f"{it.department}（{_d(it.assigned_on)}交办）")
    if d.notices:
        form.wide("督办情况", _notices(d))
    form.wide("办理期限", d.clocks.describe())

    form.section("四、办理结果")
    form.wide("处理结果", _scrub(it.outcome, person), blank=30)
    level = Level(it.settled_level).label if it.settled_level else ""
    if level and it.on_the_spot:
        level += "（就地办结）"
    form.pair("办结日期", _d(it.settled_on), "办结层级", level)
    form.wide("当事人对处理结果的意见", _opinion(d), blank=30)
    form.pair(
        "重新办理",
        f"{it.reopen_count}次" if it.reopen_count else "无",
        "晒账公示",
        f"{it.published_month[:4]}年{it.published_month[5:]}月" if it.published_month else "",
    )
    if it.void_reason:
        form.wide("作废原因", f"{_d(it.voided_on)}：{_scrub(it.void_reason, person)}")

    signature = KeepTogether(
        [
            Spacer(1, 6 * mm),
            Paragraph(f"当事人对处理结果的意见：{_satisfaction_boxes(it.satisfaction)}", st.big),
            _signature_lines(st, ("当事人签字确认：", "责任人签字："), SHEET_W),
        ]
    )
    return [
        _p(f"{d.ledger.name}　一事一档", st.title),
        Spacer(1, 3 * mm),
        head,
        Spacer(1, 2 * mm),
        *form.flowables(),
        Spacer(1, 5 * mm),
        _p("五、办理记录", st.section),
        Spacer(1, 1.5 * mm),
        _history_table(d, st),
        signature,
    ]


def write_item_sheet(detail: ItemDetail, out: Path) -> Path:
    """The 一事一档 loose-leaf sheet: the whole record and its history, with signature lines."""
    st = _Styles()
    serial, ledger = detail.item.serial, detail.ledger.name

    def footer(canv: Canvas, page: int, total: int) -> None:
        canv.saveState()
        canv.setFont(st.font, BODY_PT)
        canv.setFillColor(colors.black)
        y = 10 * mm
        canv.drawString(SHEET_LEFT, y, f"{ledger} 一事一档　编号 {serial}")
        canv.drawRightString(PAGE_W - SHEET_RIGHT, y, f"第 {page} 页 共 {total} 页")
        canv.restoreState()

    frame = Frame(
        SHEET_LEFT,
        SHEET_BOTTOM,
        SHEET_W,
        PAGE_H - SHEET_TOP - SHEET_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )

    def build(path: str) -> None:
        doc = _doc(path, f"{ledger} 一事一档 {serial}", [PageTemplate(id="sheet", frames=[frame])])
        doc.build(_sheet_story(detail, st), canvasmaker=_numbered_canvas(footer))

    return write_atomically(out, build)
