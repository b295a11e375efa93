"""A regular-expression fast path for sheets in the plain shape our own writer produces.

Parsing a village workbook's 50,000 cells through expat callbacks costs ~0.3 s; reading the same
cells with one compiled regular expression (`re.split` runs in C and hands back every group of every
row tag and cell at once; one tight loop then builds the rows) costs a fraction. The fast path is
taken only when a sheet's <sheetData> consists of nothing but rows of cells of the plain forms

    <c r="B5" s="3" t="inlineStr"><is><t>text</t></is></c>    <c r="G5" s="4"><v>2026</v></c>
    <c r="O5" s="3"/>                                         <c r="C5" t="s"><v>12</v></c>

(attributes r, s, t in either order of s and t) — every character of <sheetData> must be covered by
a row tag or a cell, rows may not nest, there must be no DOCTYPE, comment, CDATA or processing
instruction anywhere in the part, and every character reference must be one of XML's five or a
numeric one. Anything else (a workbook re-saved by Excel or WPS with extra attributes, formulas,
rich text…) returns False and the caller parses the sheet with expat, which gives the same values
(the tests compare both on every shape, tests/exports/test_xlsx_fast_shapes.py on generated ones).
"""

import re
from typing import Any

__all__ = ["fast_rows"]

_DIMENSION = re.compile(r'<dimension ref="([^"]*)"\s*/>')
# One token of <sheetData>: a row's start tag (1: number, 2: "/" when empty), a row's end tag (3),
# or a whole cell (4: column letters, 5/7: style, 6: type, 8: <v> text, 9: <is><t> text,
# 10: an empty <is><t/></is>). `re.split` gives every group of every token (None when it did not
# take part) and the text between tokens, which must all be empty.
_TOKEN = re.compile(
    r'<row r="(\d+)"(?: [a-zA-Z:]+="[^"<>]*")*\s*(/?)>'
    r"|(</row>)"
    r'|<c r="([A-Z]{1,3})\d+"'
    r'(?: s="(\d+)")?(?: t="([a-zA-Z]+)")?(?: s="(\d+)")?\s*'
    r"(?:/>|>(?:<v>([^<]*)</v>"
    r'|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>'
    r'|(<is><t(?: xml:space="preserve")?/></is>))?</c>)'
)
_GROUPS = 10
_REF = re.compile(r"&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class _NotPlain(Exception):
    pass


def _ref(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _NAMED:
        return _NAMED[name]
    code = int(name[2:], 16) if name[1] == "x" else int(name[1:])
    if code > 0x10FFFF or code == 0:
        raise _NotPlain
    return chr(code)


def _text(raw: str) -> str:
    """Character data as an XML parser reports it: references replaced, line ends normalised."""
    if "&" in raw:
        raw = _REF.sub(_ref, raw)
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return raw


def _check_refs(raw: str) -> None:
    """Every & must start one of the references `_REF` knows (else expat decides, and refuses)."""
    if raw.count("&") != len(_REF.findall(raw)):
        raise _NotPlain


def fast_rows(reader: Any, data: bytes) -> bool:
    """Fill `reader` (an `xlsx_read._SheetReader`) from `data`; False, with `reader` untouched, when
    the part is not in the plain shape (the caller then parses it with expat on a fresh reader)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    start = text.find("<sheetData>")
    end = text.rfind("</sheetData>")
    if start < 0 or end < start:
        return False
    # Outside <sheetData> no DOCTYPE, comment, CDATA, processing instruction after the declaration
    # or second <sheetData: expat's job. Inside it "<" starts nothing but a row tag or a cell, so
    # any of them there fails the tokens below.
    head, tail = text[:start], text[end + len("</sheetData>") :]
    if "<!" in head or "<!" in tail or "<sheetData" in head or "<sheetData" in tail:
        return False
    if ("<?" in head or "<?" in tail) and "<?" in text.split("?>", 1)[-1]:
        return False
    try:
        rows = _rows(reader, text[start + len("<sheetData>") : end])
    except (_NotPlain, ValueError, IndexError):
        return False
    dim = _DIMENSION.search(text, 0, start)
    if dim is not None:  # as the expat path does on <dimension>, before any row
        last = dim.group(1).rpartition(":")[2].lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZ").replace("$", "")
        reader.declared = int(last) if last.isdigit() else 0
        if reader.declared and reader.on_dimension is not None:
            reader.on_dimension(reader.declared)
    for number, row in rows:
        reader.add_row(number, row)
    return True


def _column(columns: dict[str, int], letters: str) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    columns[letters] = col
    return col


def _rows(reader: Any, body: str) -> list[tuple[int, list[Any]]]:
    """(row number, values up to the last non-empty cell) of every row, in document order, as the
    expat reader's rows would be built from the same cells; _NotPlain for anything else."""
    parts = _TOKEN.split(body)
    step = _GROUPS + 1
    if any(parts[0::step]):
        raise _NotPlain  # text or markup between the tokens
    plain = "&" not in body and "\r" not in body  # no references or CRs: text as it stands
    columns = reader.columns
    max_col = reader.max_col if reader.max_col is not None else 1 << 30
    date_styles = reader.pkg.date_styles
    dates = reader.dates
    rows: list[tuple[int, list[Any]]] = []
    row: list[Any] | None = None
    number = width = 0
    for row_no, slash, close, letters, s1, kind, s2, v, t, empty_t in zip(
        *(parts[i::step] for i in range(1, step)), strict=True
    ):
        if letters is None:  # a row's start or end tag
            if close is not None:
                if row is None:
                    raise _NotPlain
                rows.append((number, row))
                row = None
            elif row is not None:
                raise _NotPlain  # a row inside a row
            elif slash:
                rows.append((int(row_no), []))
            else:
                number, row, width = int(row_no), [], 0
            continue
        if row is None:
            raise _NotPlain  # a cell outside any row
        if t is not None:  # <is><t>text</t></is>
            if kind != "inlineStr":
                raise _NotPlain
            value: Any = t if plain else _checked_text(t)
        elif v:  # <v>text</v>
            if kind == "inlineStr":
                raise _NotPlain  # <v> in an inline-string cell: let expat decide
            raw = v if plain else _checked_text(v)
            if kind is None or kind == "n":
                style = int(s1 or s2 or 0)
                if style in date_styles:
                    value = dates.get((raw, style))
                    if value is None:
                        reader.cell_style = style
                        value = reader._number(raw)
                else:
                    value = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
            elif kind == "s":
                value = reader.pkg.shared[int(raw)]
            elif kind == "b":
                value = bool(int(raw))
            elif kind == "str" or kind == "e":
                value = raw
            else:
                raise _NotPlain  # "d" and anything unknown: expat's path
        elif empty_t is not None:  # <is><t/></is>
            if kind != "inlineStr":
                raise _NotPlain
            value = ""
        elif v is not None and kind == "inlineStr":
            raise _NotPlain  # <v></v> in an inline-string cell
        else:
            continue  # no value: nothing to keep
        col = columns.get(letters) or _column(columns, letters)
        if col > max_col:
            continue
        if col == width + 1:
            row.append(value)
            width = col
        elif col > width:
            row.extend([None] * (col - width - 1))
            row.append(value)
            width = col
        else:  # out of column order, or the same column again: the later cell wins
            row[col - 1] = value
    if row is not None:
        raise _NotPlain  # an unclosed row
    return rows


def _checked_text(raw: str) -> str:
    _check_refs(raw)
    return _text(raw)
