"""The requester's receipt slip (回执 / 跟踪卡) and the households' contact cards (联系卡)."""

from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    FrameBreak,
    KeepInFrame,
    PageTemplate,
    Spacer,
    Table,
)

from app.exports.files import write_atomically
from app.exports.forms_common import (
    BODY_PT,
    PAGE_H,
    PAGE_W,
    SIGN_LINE,
    SUMMARY_CHARS,
    _d,
    _doc,
    _FormTable,
    _p,
    _scrub,
    _style,
    _Styles,
)
from app.models import Cadre, Village
from app.models.enums import Level
from app.services.queries import ItemDetail

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

    return write_atomically(out, build)


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

    return write_atomically(out, build)
