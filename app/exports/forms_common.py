"""Shared building blocks of the printed forms: styles, tables, atomic writing, masking."""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from app.errors import DomainError
from app.exports.pdf_fonts import register_cjk_font
from app.models import Person
from app.services.identity import find_sensitive, mask_id_number, mask_phone, validate_phone

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
