"""The monthly wall posting as a PDF (reportlab platypus): plain data in, file out.

It prints an app.services.posting.Posting exactly as given: the posting is already masked, so this
module never sees a full name, an ID number or a private phone. Landscape A4 by default, landscape
A3 for large boards (every size scaled by √2). The bundled WenQuanYi Micro Hei is embedded as a
subset; every table cell is a Paragraph with CJK wrapping, so long text wraps inside its cell; table
headers repeat on every page; the footer reads “第 x 页 共 y 页” (a two-pass canvas). The file is
built with reportlab's invariant mode, so the same posting gives the same bytes.
"""

import hashlib
import io
import math
import os
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib import textsplit as _rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import paragraph as _rl_paragraph

from app.errors import DomainError
from app.exports.pdf_fonts import CJK_FONT, register_cjk_font
from app.services.posting import Figures, LedgerSection, Posting, cn_date

__all__ = ["PAPERS", "render_wall_posting", "write_wall_posting"]

FONT_NAME = CJK_FONT
PAPERS = {"A4": landscape(A4), "A3": landscape(A3)}
SCALE = {"A4": 1.0, "A3": math.sqrt(2)}
BODY_PT = 10.5  # body text on A4; A3 is scaled up
_NUMERALS = "一二三四五六七八九十"

# reportlab's list of marks that may not start a line is Japanese; Chinese full-width ，；：！？》”’
# are missing, so a comma could begin a line. Add them where reportlab's two CJK line breakers look
# (process-wide and idempotent: it only makes CJK wrapping more correct, for every PDF we write).
_NO_LINE_START = "，；：！？》”’…"
for _module in (_rl_textsplit, _rl_paragraph):
    _module.ALL_CANNOT_START += "".join(c for c in _NO_LINE_START if c not in _module.ALL_CANNOT_START)


# ---------------------------------------------------------------------------------------------
# Styles and small pieces
# ---------------------------------------------------------------------------------------------


class _Styles:
    def __init__(self, s: float) -> None:
        def style(name: str, size: float, lead: float, **kw: Any) -> ParagraphStyle:
            return ParagraphStyle(
                name, fontName=FONT_NAME, fontSize=size * s, leading=lead * s, wordWrap="CJK", **kw
            )

        self.scale = s
        self.body = style("body", BODY_PT, 16)
        self.intro = style("intro", BODY_PT + 1, 18, firstLineIndent=2 * (BODY_PT + 1) * s)
        self.info = style("info", BODY_PT + 1, 17)
        self.info_r = style("info_r", BODY_PT + 1, 17, alignment=TA_RIGHT)
        self.key = style("key", 15, 22, alignment=TA_CENTER)
        self.heading = style("heading", 14, 20, spaceBefore=8 * s, spaceAfter=3 * s)
        self.sub = style("sub", 12, 17, spaceBefore=5 * s, spaceAfter=2 * s)
        self.note = style("note", BODY_PT, 15)
        # CJK wrapping lets closing punctuation (，。）) hang past the line end rather than start a
        # line; half a character of right indent keeps such a hanging mark inside the cell.
        hang = BODY_PT * s / 2
        self.cell = style("cell", BODY_PT, 14, rightIndent=hang)
        self.cell_c = style("cell_c", BODY_PT, 14, alignment=TA_CENTER)
        self.head = style("head", BODY_PT, 14, alignment=TA_CENTER)
        self.sign = style("sign", 13, 20, alignment=TA_CENTER)
        self.title_pt = 24 * s
        self.frame_height = 0.0  # set once the page size is known
        self.footer_pt = BODY_PT * s


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: markup characters are escaped, line breaks kept."""
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def _short(day: date, year: int) -> str:
    return f"{day.month}月{day.day}日" if day.year == year else cn_date(day)


def _pct(value: float) -> str:
    return f"{value:.2f}%"


class _Title(Flowable):
    """The title, centred and drawn bold (fill + stroke: the bundled font has no bold face)."""

    def __init__(self, text: str, size: float) -> None:
        super().__init__()
        self.text, self.size = text, size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        natural = pdfmetrics.stringWidth(self.text, FONT_NAME, self.size)
        self.font_size = min(self.size, self.size * avail_width / natural) if natural else self.size
        self.width = avail_width
        self.height = self.font_size * 1.5
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        text = c.beginText()
        text.setTextRenderMode(2)
        c.setLineWidth(self.font_size * 0.03)
        text.setFont(FONT_NAME, self.font_size)
        width = pdfmetrics.stringWidth(self.text, FONT_NAME, self.font_size)
        text.setTextOrigin((self.width - width) / 2, self.font_size * 0.35)
        text.textOut(self.text)
        c.drawText(text)
        c.restoreState()


def _plain_row(cells: list[Paragraph], widths: list[float]) -> Table:
    """One borderless row (lines of the heading that sit side by side)."""
    table = Table([cells], colWidths=widths, hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT_NAME),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )
    return table


_TABLE_CLASSES: dict[float, type[LongTable]] = {}


def _table_class(frame_height: float) -> type[LongTable]:
    """A LongTable that splits inside a row only when that row cannot fit on any page.

    Rows normally move whole to the next page. A row taller than a whole page (a very long
    request) is split inside, so it continues on the next page instead of failing the export;
    reportlab's own splitInRow would also split ordinary rows at the foot of a page.
    (A subclass per frame height, because reportlab rebuilds split tables from their class.)
    """
    if frame_height not in _TABLE_CLASSES:

        def split(self: LongTable, avail_width: float, avail_height: float) -> list[Flowable]:
            self._calc(avail_width, avail_height)
            heights = self._rowHeights
            head = self.repeatRows if isinstance(self.repeatRows, int) else len(self.repeatRows)
            used, n = sum(heights[:head]), head
            while n < len(heights) and used + heights[n] <= avail_height:
                used, n = used + heights[n], n + 1
            if n < len(heights) and sum(heights[:head]) + heights[n] > frame_height:
                # the next row fits on no page: start it here and let it run on
                if avail_height - used < self.splitInRow:
                    return self._splitRows(avail_height, doInRowSplit=False) if n > head else []
                return self._splitRows(avail_height, doInRowSplit=True)
            return self._splitRows(avail_height, doInRowSplit=False)  # [] moves the table on

        _TABLE_CLASSES[frame_height] = type("WallTable", (LongTable,), {"split": split})
    return _TABLE_CLASSES[frame_height]


def _table(
    header: Sequence[str],
    rows: list[list[Paragraph]],
    fractions: Sequence[float],
    width: float,
    st: _Styles,
    *,
    long: bool = True,
) -> Table:
    s = st.scale
    data = [[_p(h, st.head) for h in header], *rows]
    cls = _table_class(st.frame_height) if long else Table
    widths = [width * f for f in fractions]
    table = cls(data, colWidths=widths, repeatRows=1, hAlign="CENTER", splitInRow=int(48 * s))
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT_NAME, BODY_PT * s),
                ("GRID", (0, 0), (-1, -1), 0.6 * s, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
                ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
                ("VALIGN", (0, 1), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3 * s),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3 * s),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5 * s),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5 * s),
            ]
        )
    )
    return table


# ---------------------------------------------------------------------------------------------
# The story
# ---------------------------------------------------------------------------------------------

_SUMMARY_HEADER = ("台账", "本月登记", "本月办结", "办结率", "村级办结", "乡镇办结", "县级办结", "办理中")
_SUMMARY_FR = (0.2, *([0.8 / 7] * 7))
_REG_HEADER = ("编号", "受理日期", "类别", "诉求人", "主要诉求及原因", "办理情况")
_REG_FR = (0.11, 0.08, 0.09, 0.065, 0.555, 0.10)
_SET_HEADER = (
    "编号",
    "类别",
    "诉求人",
    "主要诉求及原因",
    "工作措施",
    "处理结果",
    "办结层级及日期",
    "当事人意见",
)
_SET_FR = (0.11, 0.075, 0.065, 0.19, 0.19, 0.155, 0.085, 0.13)
_OPEN_HEADER = ("编号", "受理日期", "类别", "诉求人", "主要诉求及原因", "目前进展", "办理时限")
_OPEN_FR = (0.11, 0.08, 0.09, 0.065, 0.355, 0.15, 0.15)


def _summary_row(name: str, f: Figures, st: _Styles) -> list[Paragraph]:
    values = [f"{f.registered}", f"{f.settled}", _pct(f.rate * 100)]
    values += [f"{lv.count}" for lv in f.levels] + [f"{f.in_progress}"]
    return [_p(name, st.cell_c)] + [_p(v, st.cell_c) for v in values]


def _head_story(p: Posting, st: _Styles, width: float) -> list[Flowable]:
    s = st.scale
    supervision = p.supervision_phone or "＿＿＿＿＿＿"
    discipline = p.township_discipline_phone or "＿＿＿＿＿＿"
    f = p.figures
    shares = "，".join(f"{lv.label}{_pct(lv.share)}" for lv in f.levels)
    story: list[Flowable] = [
        _Title(p.title, st.title_pt),
        HRFlowable(width="100%", thickness=0.8 * s, color=colors.black, spaceBefore=2 * s, spaceAfter=5 * s),
        _plain_row(
            [
                _p(f"公示期：{cn_date(p.period_from)}至{cn_date(p.period_to)}", st.info),
                _p(
                    f"监督电话：村务监督委员会 {supervision}；{p.discipline_label} {discipline}",
                    st.info_r,
                ),
            ],
            [width * 0.4, width * 0.6],
        ),
        Spacer(1, 3 * s),
        _p(p.intro, st.intro),
        _plain_row(
            [
                _p(f"本月登记 {f.registered} 件", st.key),
                _p(f"本月办结 {f.settled} 件", st.key),
                _p(f"办结率 {_pct(f.rate * 100)}", st.key),
                _p(f"办理中 {f.in_progress} 件", st.key),
            ],
            [width * 0.2] * 4,
        ),
        _p("一、本月总体情况", st.heading),
    ]
    rows = [_summary_row(sec.name, sec.figures, st) for sec in p.sections]
    rows.append(_summary_row("合计", f, st))
    total = _table(_SUMMARY_HEADER, rows, _SUMMARY_FR, width, st, long=False)
    total.setStyle(TableStyle([("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F4F4F4"))]))
    story += [total, Spacer(1, 3 * s), _p(f"本月办结事项中各级办结占比：{shares}。", st.note)]
    story.append(_p(p.figures_note, st.note))
    return story


def _section_story(n: int, sec: LedgerSection, year: int, st: _Styles, width: float) -> list[Flowable]:
    s = st.scale
    f = sec.figures
    story: list[Flowable] = [
        CondPageBreak(60 * mm * s),
        _p(f"{_NUMERALS[n] if n < 10 else n + 1}、{sec.name}", st.heading),
        _p(
            f"本月登记 {f.registered} 件，本月办结 {f.settled} 件，办结率 {_pct(f.rate * 100)}，"
            f"办理中 {f.in_progress} 件。",
            st.body,
        ),
    ]
    if sec.counts_only:
        story.append(_p("按照个人信息保护的规定，本台账只公示件数，不公示具体事项。", st.body))
        return story
    cell, mid = st.cell, st.cell_c

    registered = [
        [
            _p(r.number, mid),
            _p(_short(r.received_on, year), mid),
            _p(r.category, cell),
            _p(r.requester, mid),
            _p(r.request, cell),
            _p(r.status, mid),
        ]
        for r in sec.registered
    ]
    settled = [
        [
            _p(r.number, mid),
            _p(r.category, cell),
            _p(r.requester, mid),
            _p(r.request, cell),
            _p(r.measures, cell),
            _p(r.outcome, cell),
            _p(f"{r.level}\n{_short(r.settled_on, year)}", mid),
            _p(r.opinion, cell),
        ]
        for r in sec.settled
    ]
    in_progress = [
        [
            _p(r.number, mid),
            _p(_short(r.received_on, year), mid),
            _p(r.category, cell),
            _p(r.requester, mid),
            _p(r.request, cell),
            _p(r.status, cell),
            _p(r.deadline, cell),
        ]
        for r in sec.in_progress
    ]
    parts = (
        (f"（一）本月登记事项（{len(registered)}件）", registered, _REG_HEADER, _REG_FR, "本月无登记事项。"),
        (
            f"（二）本月办结事项（经当事人签字确认，{len(settled)}件）",
            settled,
            _SET_HEADER,
            _SET_FR,
            "本月无经当事人签字确认的办结事项。",
        ),
        (
            f"（三）办理中事项（{len(in_progress)}件）",
            in_progress,
            _OPEN_HEADER,
            _OPEN_FR,
            "本月无办理中事项。",
        ),
    )
    for heading, rows, header, fractions, empty in parts:
        story.append(CondPageBreak(40 * mm * s))
        story.append(_p(heading, st.sub))
        story.append(_table(header, rows, fractions, width, st) if rows else _p(empty, st.body))
    return story


def _end_story(p: Posting, st: _Styles, width: float) -> list[Flowable]:
    s = st.scale
    day = cn_date(p.signed_on)
    sign = Table(
        [
            [_p(f"{p.party_branch}（盖章）", st.sign), _p(f"{p.committee}（盖章）", st.sign)],
            [_p(day, st.sign), _p(day, st.sign)],
        ],
        colWidths=[width * 0.4, width * 0.4],
        hAlign="RIGHT",
    )
    sign.setStyle(
        TableStyle([("FONT", (0, 0), (-1, -1), FONT_NAME), ("TOPPADDING", (0, 0), (-1, -1), 4 * s)])
    )
    return [
        Spacer(1, 6 * s),
        _p(p.privacy_note, st.note),
        KeepTogether([Spacer(1, 14 * mm * s), sign, Spacer(1, 10 * mm * s)]),
    ]


def _story(p: Posting, st: _Styles, width: float) -> list[Flowable]:
    year = int(p.month[:4])
    story = _head_story(p, st, width)
    for n, sec in enumerate(p.sections, start=1):
        story += _section_story(n, sec, year, st, width)
    story += _end_story(p, st, width)
    return story


# ---------------------------------------------------------------------------------------------
# Page furniture: a two-pass canvas for “第 x 页 共 y 页”
# ---------------------------------------------------------------------------------------------


def _numbered_canvas(title: str, size: float, margin: float) -> Callable[..., canvas.Canvas]:
    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._furniture(number, total)
                super().showPage()
            super().save()

        def _furniture(self, number: int, total: int) -> None:
            width, _height = self._pagesize
            self.saveState()
            self.setFont(FONT_NAME, size)
            self.drawCentredString(width / 2, margin * 0.45, f"第 {number} 页 共 {total} 页")
            if number > 1:
                self.setFont(FONT_NAME, size * 0.9)
                self.setFillColor(colors.HexColor("#444444"))
                self.drawString(margin, self._pagesize[1] - margin * 0.6, f"{title}（续）")
            self.restoreState()

    return NumberedCanvas


# ---------------------------------------------------------------------------------------------


def render_wall_posting(posting: Posting, *, paper: str = "A4") -> bytes:
    """The PDF bytes of the posting (deterministic: the same posting gives the same bytes)."""
    if paper not in PAPERS:
        raise DomainError(f"纸张只能是{('、'.join(PAPERS))}，当前为“{paper}”")
    register_cjk_font()
    s = SCALE[paper]
    st = _Styles(s)
    margin = 14 * mm * s
    st.frame_height = PAPERS[paper][1] - 2 * margin
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=PAPERS[paper],
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=posting.title,
        author=posting.committee,
        subject=f"{posting.month} 三本台账公示",
        creator="taizhang",
        producer="taizhang",
        invariant=1,
        initialFontName=FONT_NAME,
    )
    doc.build(
        _story(posting, st, doc.width),
        canvasmaker=_numbered_canvas(posting.title, st.footer_pt, margin),
    )
    return buf.getvalue()


def write_wall_posting(posting: Posting, out: Path, *, paper: str = "A4") -> str:
    """Write the posting to `out` (a temp file in the same folder, then renamed); returns its sha256."""
    data = render_wall_posting(posting, paper=paper)
    out = Path(out)
    if not out.parent.is_dir():
        raise DomainError(f"文件夹“{out.parent}”不存在")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except PermissionError as exc:
        tmp.unlink(missing_ok=True)
        raise DomainError(f"无法写入“{out}”：没有权限，或文件正被其他程序打开（请先关闭该文件）") from exc
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DomainError(f"无法写入“{out}”：{exc.strerror or exc}") from exc
    return hashlib.sha256(data).hexdigest()
