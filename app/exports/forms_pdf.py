"""Printed forms: the 一事一档 loose-leaf sheet, the requester's receipt, the cadres' contact card.

Plain data in, PDF file out (reportlab platypus, no Qt). Every text is a Paragraph with CJK word
wrap so long text wraps instead of being cut; nothing is smaller than 11 pt; the same input gives
the same bytes (reportlab's invariant mode); each file is written to a temporary file in the
target folder and renamed over the target, so a half-written form never replaces a good one.

The sheet and the slips are kept in the village office or handed to the requester, so they show
the requester's name, but the ID number and the requester's phone are always masked.
"""

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    FrameBreak,
    KeepInFrame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from app.errors import DomainError
from app.exports.pdf_fonts import register_cjk_font
from app.models import Cadre, Person, Village
from app.models.enums import Action, ItemState, Level, Satisfaction
from app.services.identity import find_sensitive, mask_id_number, mask_phone, validate_phone
from app.services.queries import ItemDetail

__all__ = ["write_contact_cards", "write_item_sheet", "write_receipt"]

PAGE_W, PAGE_H = A4
BODY_PT = 11
GRID = colors.HexColor("#444444")
SHADE = colors.HexColor("#EDEDED")
SIGN_LINE = "____________"
DATE_BLANK = "____年__月__日"
SUMMARY_CHARS = 90  # request text on the receipt; the full text is on the 一事一档 sheet

# The field names an 更正 event lists, as the sheet prints them.
FIELD_LABELS = {
    "category": "分类",
    "source": "信息来源",
    "source_detail": "来源说明",
    "request": "主要诉求及原因",
    "decision": "处理意见",
    "measures": "工作措施",
    "responsible_cadre_id": "责任人",
    "person_id": "诉求人",
}


# ------------------------------------------------------------------------------------------
# shared pieces
# ------------------------------------------------------------------------------------------


class _Styles:
    """Paragraph styles on one base size (never below 11 pt)."""

    def __init__(self, base: float = BODY_PT) -> None:
        font = register_cjk_font()
        lead = round(base * 1.4, 1)

        def style(name: str, size: float, leading: float, align: int = TA_LEFT) -> ParagraphStyle:
            return ParagraphStyle(
                name,
                fontName=font,
                bulletFontName=font,
                fontSize=size,
                leading=leading,
                alignment=align,
                wordWrap="CJK",
            )

        self.font, self.base = font, base
        self.body = style("body", base, lead)
        self.center = style("center", base, lead, TA_CENTER)
        self.right = style("right", base, lead, TA_RIGHT)
        self.big = style("big", base + 1.5, lead + 2)
        self.section = style("section", base + 1.5, lead + 2)
        self.title = style("title", base + 10, base + 17, TA_CENTER)
        self.card_title = style("card_title", base + 5, base + 10, TA_CENTER)
        self.serial = style("serial", base + 4, base + 9, TA_RIGHT)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of user text: markup characters escaped, line breaks kept."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Paragraph("<br/>".join(escape(line) for line in lines), style)


def _d(day: date | None) -> str:
    return f"{day:%Y年%m月%d日}" if day else ""


def _scrub(text: str, person: Person) -> str:
    """Mask ID numbers, and the requester's own phone, wherever free text mentions them."""
    if not text:
        return ""
    pieces: list[str] = []
    pos = 0
    for found in find_sensitive(text):
        if found.kind == "身份证号":
            masked = mask_id_number(found.text)
        elif person.phone and _same_phone(found.text, person.phone):
            masked = mask_phone(found.text)
        else:
            continue
        pieces += [text[pos : found.start], masked]
        pos = found.end
    pieces.append(text[pos:])
    result = "".join(pieces)
    for secret, mask in ((person.id_number, mask_id_number), (person.phone, mask_phone)):
        if secret:
            result = result.replace(secret, mask(secret))
    return result


def _same_phone(text: str, phone: str) -> bool:
    try:
        return validate_phone(text) == phone
    except DomainError:
        return False


def _write_atomically(out: Path, build: Callable[[str], None]) -> Path:
    """Build the PDF into a temporary file beside `out`, then rename it over `out`."""
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise DomainError(f"保存位置不存在：{folder}")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        build(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise DomainError(f"无法保存{out}：{exc.strerror or exc}（该文件是否正在被其他程序打开？）") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _doc(path: str, title: str, templates: Sequence[PageTemplate]) -> BaseDocTemplate:
    return BaseDocTemplate(
        path,
        pagesize=A4,
        pageTemplates=list(templates),
        title=title,
        author="三本台账",
        subject=title,
        creator="taizhang",
        invariant=1,
        initialFontName=register_cjk_font(),  # no stray unembedded Helvetica in the file
        initialFontSize=BODY_PT,
        lang="zh-CN",
        leftMargin=0,
        rightMargin=0,
        topMargin=0,
        bottomMargin=0,
    )


def _style(commands: Iterable[tuple[Any, ...]]) -> TableStyle:
    """A table style whose cells use the bundled font (reportlab's default is an unembedded Helvetica)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), register_cjk_font()), *commands])


def _grid_style(extra: Iterable[tuple[Any, ...]] = ()) -> TableStyle:
    return _style(
        [
            ("GRID", (0, 0), (-1, -1), 0.6, GRID),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            *extra,
        ]
    )


class _FormTable:
    """A bordered form built row by row: four-column rows (label, value, label, value), and wide
    rows (label, long value) that may split across pages. Consecutive rows of one kind share a
    table; the tables are stacked without gaps so they read as one form."""

    def __init__(self, st: _Styles, width: float, label_w: float) -> None:
        self.st, self.width, self.label_w = st, width, label_w
        self.parts: list[tuple[str, list[Any], float]] = []  # kind, cells, min height

    def section(self, text: str) -> None:
        self.parts.append(("section", [_p(text, self.st.section)], 0))

    def pair(self, label1: str, value1: str, label2: str, value2: str) -> None:
        b = self.st.body
        self.parts.append(("pair", [_p(label1, b), _p(value1, b), _p(label2, b), _p(value2, b)], 0))

    def wide(self, label: str, value: str, blank: float = 0, style: ParagraphStyle | None = None) -> None:
        """A label and a long value; `blank` leaves room to write by hand when there is no value."""
        cells = [_p(label, self.st.body), _p(value, style or self.st.body)]
        self.parts.append(("wide", cells, 0 if value else blank))

    def _widths(self, kind: str) -> list[float]:
        if kind == "section":
            return [self.width]
        if kind == "wide":
            return [self.label_w, self.width - self.label_w]
        half = (self.width - 2 * self.label_w) / 2
        return [self.label_w, half, self.label_w, half]

    def flowables(self) -> list[Flowable]:
        out: list[Flowable] = []
        i = 0
        while i < len(self.parts):
            kind = self.parts[i][0]
            group = []
            while i < len(self.parts) and self.parts[i][0] == kind:
                group.append(self.parts[i])
                i += 1
            shade = [("BACKGROUND", (0, 0), (-1, -1), SHADE)] if kind == "section" else []
            if kind != "section":
                shade.append(("BACKGROUND", (0, 0), (0, -1), SHADE))
            if kind == "pair":
                shade.append(("BACKGROUND", (2, 0), (2, -1), SHADE))
            if kind == "wide":
                shade.append(("VALIGN", (0, 0), (-1, -1), "TOP"))
            table = Table(
                [cells for _k, cells, _h in group],
                colWidths=self._widths(kind),
                minRowHeights=[h for _k, _c, h in group],
                style=_grid_style(shade),
                splitInRow=1,
                hAlign="LEFT",
            )
            table.keepWithNext = kind == "section"
            out.append(table)
        return out


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

    return _write_atomically(out, build)


# ------------------------------------------------------------------------------------------
# receipt (回执 / 跟踪卡): two copies on one A4 page, a cut line between them
# ------------------------------------------------------------------------------------------

SLIP_MARGIN_X, SLIP_MARGIN_Y = 15 * mm, 10 * mm
SLIP_W = PAGE_W - 2 * SLIP_MARGIN_X
SLIP_H = PAGE_H / 2 - 2 * SLIP_MARGIN_Y
SLIP_PT = 12  # a size up: the slip goes home with the requester
COPIES = ("第一联　存根（村委会留存）", "第二联　回执（交诉求人收执）")


def _promise(d: ItemDetail) -> str:
    clock = d.clocks.current
    if clock is None:
        return "按规定时限办理"
    note = "" if clock.verified else "（节假日数据未更新，按周一至周五估算）"
    return f"{_d(clock.due)}前（{clock.label}，{clock.limit.days}个{clock.limit.unit.label}）{note}"


def _summary(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SUMMARY_CHARS else flat[:SUMMARY_CHARS] + "……（全文见一事一档）"


def _phones(village: Village) -> str:
    return (
        f"村务监督委员会：{village.supervision_phone or SIGN_LINE}\n"
        f"乡镇纪委：{village.township_discipline_phone or SIGN_LINE}"
    )


def _receipt_copy(d: ItemDetail, st: _Styles, copy: str) -> list[Flowable]:
    it, cadre = d.item, d.cadre
    top = Table(
        [[_p(f"{d.village.county}{d.village.township}{d.village.name}", st.body), _p(copy, st.right)]],
        colWidths=[SLIP_W * 0.5, SLIP_W * 0.5],
        style=_style([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]),
    )
    form = _FormTable(st, SLIP_W, 31 * mm)
    form.wide("编号", it.serial, style=st.big)
    form.pair("诉求人", d.person.name, "受理日期", _d(it.received_on))
    form.pair("台账", d.ledger.name, "分类", it.category)
    form.wide("诉求摘要", _summary(_scrub(it.request, d.person)))
    form.pair(
        "责任人",
        f"{cadre.name}（{cadre.role}）" if cadre and cadre.role else (cadre.name if cadre else ""),
        "联系电话",
        cadre.phone if cadre else "",
    )
    form.wide("承诺办结时限", _promise(d), style=st.big)
    form.wide("监督电话", _phones(d.village))
    sign = Table(
        [
            [
                _p(f"受理人：{it.registered_by or SIGN_LINE}", st.body),
                _p("（村委会盖章）", st.center),
                _p(_d(it.received_on), st.right),
            ]
        ],
        colWidths=[SLIP_W / 3] * 3,
        style=_style([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]),
    )
    return [
        top,
        Spacer(1, 1 * mm),
        _p(f"{d.ledger.name} 诉求受理回执（跟踪卡）", st.card_title),
        Spacer(1, 2 * mm),
        *form.flowables(),
        Spacer(1, 2 * mm),
        _p(
            "请妥善保管本回执，凭编号可向村委会查询办理进度。办理中有疑问请联系责任人；"
            "逾期未办结或对处理结果不满意，可拨打监督电话反映。",
            st.body,
        ),
        Spacer(1, 3 * mm),
        sign,
    ]


def _cut_line(canv: Canvas, y: float, x0: float, x1: float, label: str, font: str) -> None:
    canv.saveState()
    canv.setStrokeColor(colors.HexColor("#666666"))
    canv.setDash(4, 3)
    canv.setLineWidth(0.7)
    text_w = canv.stringWidth(label, font, BODY_PT) + 8
    mid = (x0 + x1) / 2
    canv.line(x0, y, mid - text_w / 2, y)
    canv.line(mid + text_w / 2, y, x1, y)
    canv.setFont(font, BODY_PT)
    canv.setFillColor(colors.HexColor("#444444"))
    canv.drawCentredString(mid, y - BODY_PT / 3, label)
    canv.restoreState()


def write_receipt(detail: ItemDetail, out: Path) -> Path:
    """The requester's receipt (回执 / 跟踪卡): half an A4 page, printed twice with a cut line."""
    st = _Styles(SLIP_PT)

    def frame(i: int) -> Frame:
        return Frame(
            SLIP_MARGIN_X,
            (1 - i) * PAGE_H / 2 + SLIP_MARGIN_Y,
            SLIP_W,
            SLIP_H,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id=f"copy{i}",
        )

    def decorate(canv: Canvas, _doc: BaseDocTemplate) -> None:
        _cut_line(canv, PAGE_H / 2, 8 * mm, PAGE_W - 8 * mm, "沿此线剪开", st.font)

    story: list[Flowable] = []
    for i, copy in enumerate(COPIES):
        if i:
            story.append(FrameBreak())
        story.append(KeepInFrame(SLIP_W, SLIP_H, _receipt_copy(detail, st, copy), mode="shrink"))
    template = PageTemplate(id="receipt", frames=[frame(0), frame(1)], onPage=decorate)

    def build(path: str) -> None:
        _doc(path, f"诉求受理回执 {detail.item.serial}", [template]).build(story)

    return _write_atomically(out, build)


# ------------------------------------------------------------------------------------------
# contact card (联系卡): as many cards as fit on an A4 page, with cut marks
# ------------------------------------------------------------------------------------------

CARD_MARGIN = 12 * mm
CARD_COLS = 2
CARD_PAD = 5 * mm
CARD_W = (PAGE_W - 2 * CARD_MARGIN) / CARD_COLS
GRID_H = PAGE_H - 2 * CARD_MARGIN


def _card(village: Village, cadres: list[Cadre], st: _Styles) -> list[Flowable]:
    inner = CARD_W - 2 * CARD_PAD

    def column(texts: list[str], least: float, most: float) -> float:
        size = st.big.fontSize
        wanted = max((stringWidth(t, st.font, size) for t in texts), default=0) + 4 + size / 2
        return min(max(wanted, least), most)

    name_w = column([c.name for c in cadres], 14 * mm, inner * 0.3)
    phone_w = column([c.phone for c in cadres], 20 * mm, inner * 0.42)
    widths = [name_w, inner - name_w - phone_w, phone_w]
    plain = _style(
        [
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#BBBBBB")),
        ]
    )
    village_rows = [c for c in cadres if c.level == Level.VILLAGE.value]
    other_rows = [c for c in cadres if c.level != Level.VILLAGE.value]

    def people(rows: list[Cadre]) -> Table:
        return Table(
            [[_p(c.name, st.big), _p(c.role, st.body), _p(c.phone, st.big)] for c in rows],
            colWidths=widths,
            style=plain,
            hAlign="LEFT",
        )

    story: list[Flowable] = [
        _p(f"{village.name}干部联系卡", st.card_title),
        _p(f"{village.county}{village.township}", st.center),
        Spacer(1, 2 * mm),
        _p("有事请找村干部：", st.body),
    ]
    if village_rows:
        story.append(people(village_rows))
    if other_rows:
        story += [Spacer(1, 1.5 * mm), _p("乡镇联系干部：", st.body), people(other_rows)]
    story += [
        Spacer(1, 2 * mm),
        _p("监督电话：", st.body),
        _p(f"村务监督委员会：{village.supervision_phone or SIGN_LINE}", st.big),
        _p(f"乡镇纪委：{village.township_discipline_phone or SIGN_LINE}", st.big),
        Spacer(1, 1.5 * mm),
        _p("小事不出村　大事不出镇　难事不出县", st.center),
    ]
    return story


def _card_layout(village: Village, cadres: list[Cadre]) -> tuple[int, _Styles]:
    """The most rows of cards that hold the whole card at 11 pt, then the largest type that fits."""
    inner_w = CARD_W - 2 * CARD_PAD

    def fits(rows: int, st: _Styles) -> bool:
        needed = sum(f.wrap(inner_w, GRID_H)[1] for f in _card(village, cadres, st))
        return GRID_H / rows - 2 * CARD_PAD >= needed

    def one_line(st: _Styles) -> bool:  # a larger type only if no name, role or phone has to wrap
        def widest(texts: list[str], size: float) -> float:
            return max((stringWidth(t, st.font, size) for t in texts), default=0) + 4 + size / 2

        big, body = st.big.fontSize, st.body.fontSize
        return (
            widest([c.name for c in cadres], big)
            + widest([c.role for c in cadres], body)
            + widest([c.phone for c in cadres], big)
            <= inner_w
        )

    small = _Styles()
    rows = next((r for r in (5, 4, 3, 2) if fits(r, small)), 1)
    for base in (14, 13, 12):
        st = _Styles(base)
        if fits(rows, st) and one_line(st):
            return rows, st
    return rows, small


def _cut_marks(canv: Canvas, rows: int) -> None:
    xs = [CARD_MARGIN + i * CARD_W for i in range(CARD_COLS + 1)]
    card_h = GRID_H / rows
    ys = [CARD_MARGIN + j * card_h for j in range(rows + 1)]
    canv.saveState()
    canv.setStrokeColor(colors.HexColor("#BBBBBB"))
    canv.setLineWidth(0.4)
    canv.setDash(2, 3)
    for x in xs[1:-1]:
        canv.line(x, ys[0], x, ys[-1])
    for y in ys[1:-1]:
        canv.line(xs[0], y, xs[-1], y)
    canv.setDash()
    canv.setStrokeColor(colors.black)
    canv.setLineWidth(0.5)
    gap, arm = 2 * mm, 7 * mm
    for x in xs:  # marks in the margins, outside the cards
        canv.line(x, ys[0] - gap, x, ys[0] - gap - arm)
        canv.line(x, ys[-1] + gap, x, ys[-1] + gap + arm)
    for y in ys:
        canv.line(xs[0] - gap, y, xs[0] - gap - arm, y)
        canv.line(xs[-1] + gap, y, xs[-1] + gap + arm, y)
    for x in xs[1:-1]:  # small crosses where inner cut lines meet
        for y in ys[1:-1]:
            canv.line(x - 3 * mm, y, x + 3 * mm, y)
            canv.line(x, y - 3 * mm, x, y + 3 * mm)
    canv.restoreState()


def write_contact_cards(village: Village, cadres: list[Cadre], out: Path) -> Path:
    """联系卡 for households: the village cadres and the supervision phones, several to an A4 page."""
    rows, st = _card_layout(village, cadres)
    card_h = GRID_H / rows
    frames = [
        Frame(
            CARD_MARGIN + col * CARD_W,
            CARD_MARGIN + (rows - 1 - row) * card_h,
            CARD_W,
            card_h,
            leftPadding=CARD_PAD,
            rightPadding=CARD_PAD,
            topPadding=CARD_PAD,
            bottomPadding=CARD_PAD,
            id=f"card{row}-{col}",
        )
        for row in range(rows)
        for col in range(CARD_COLS)
    ]
    story: list[Flowable] = []
    for i in range(len(frames)):
        if i:
            story.append(FrameBreak())
        content = _card(village, cadres, st)
        inner_w, inner_h = CARD_W - 2 * CARD_PAD, card_h - 2 * CARD_PAD
        spare = inner_h - sum(f.wrap(inner_w, inner_h)[1] for f in content)
        if spare > 0:  # centre the card's text vertically
            content.insert(0, Spacer(1, spare / 2))
        story.append(KeepInFrame(inner_w, inner_h, content, mode="shrink"))
    template = PageTemplate(id="cards", frames=frames, onPage=lambda canv, _doc: _cut_marks(canv, rows))

    def build(path: str) -> None:
        _doc(path, f"{village.name}干部联系卡", [template]).build(story)

    return _write_atomically(out, build)
