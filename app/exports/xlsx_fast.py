"""A regular-expression fast path for sheets in the plain shape our own writer produces.

Parsing a village workbook's 50,000 cells through expat callbacks costs ~0.3 s; reading the same
cells with a few compiled regular expressions (which run in C) costs a fraction. The fast path is
taken only when a sheet's <sheetData> consists of nothing but rows of cells of the plain forms

    <c r="B5" s="3" t="inlineStr"><is><t>text</t></is></c>    <c r="G5" s="4"><v>2026</v></c>
    <c r="O5" s="3"/>                                         <c r="C5" t="s"><v>12</v></c>

(attributes r, s, t in either order of s and t) — every character of every row must be covered by a
match, there must be no DOCTYPE, comment, CDATA or processing instruction anywhere in the part, and
every character reference must be one of XML's five or a numeric one. Anything else (a workbook
re-saved by Excel or WPS with extra attributes, formulas, rich text…) returns False and the caller
parses the sheet with expat, which gives the same values (the tests compare both on every shape).
"""

import re
from typing import Any

__all__ = ["fast_rows"]

_DIMENSION = re.compile(r'<dimension ref="([^"]*)"\s*/>')
_ROW = re.compile(r'<row r="(\d+)"(?: [a-zA-Z:]+="[^"<>]*")*\s*(?:/>|>(.*?)</row>)', re.S)
_CELL = re.compile(
    r'<c r="([A-Z]{1,3})\d+"'
    r'(?: s="(\d+)")?(?: t="([a-zA-Z]+)")?(?: s="(\d+)")?\s*'
    r"(?:/>|>(?:<v>([^<]*)</v>"
    r'|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>'
    r'|(<is><t(?: xml:space="preserve")?/></is>))?</c>)'
)
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
    if "<!" in text or "<?" in text.split("?>", 1)[-1]:
        return False  # DOCTYPE, comments, CDATA, stray processing instructions: expat's job
    start = text.find("<sheetData>")
    end = text.rfind("</sheetData>")
    if start < 0 or end < start or text.count("<sheetData") != 1:
        return False
    rows: list[tuple[int, list[tuple[int, Any]]]] = []
    try:
        body = text[start + len("<sheetData>") : end]
        plain = "&" not in body and "\r" not in body  # no references or CRs: text as it stands
        pos = 0
        for row in _ROW.finditer(body):
            if row.start() != pos:
                raise _NotPlain
            pos = row.end()
            rows.append((int(row.group(1)), _cells(reader, row.group(2) or "", plain)))
        if pos != len(body):
            raise _NotPlain
    except (_NotPlain, ValueError, IndexError):
        return False
    dim = _DIMENSION.search(text, 0, start)
    if dim is not None:  # as the expat path does on <dimension>, before any row
        last = dim.group(1).rpartition(":")[2].lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZ").replace("$", "")
        reader.declared = int(last) if last.isdigit() else 0
        if reader.declared and reader.on_dimension is not None:
            reader.on_dimension(reader.declared)
    for number, cells in rows:
        reader.row_no = number
        reader.cells = cells
        reader._end_row()
    return True


def _cells(reader: Any, body: str, plain: bool) -> list[tuple[int, Any]]:
    out: list[tuple[int, Any]] = []
    pos = 0
    columns = reader.columns
    max_col = reader.max_col
    for c in _CELL.finditer(body):
        if c.start() != pos:
            raise _NotPlain
        pos = c.end()
        letters, s1, kind, s2, v, t, empty_t = c.groups()
        col = columns.get(letters)
        if col is None:
            col = 0
            for ch in letters:
                col = col * 26 + ord(ch) - 64
            columns[letters] = col
        style = int(s1 or s2 or 0)
        kind = kind or "n"
        if kind == "inlineStr":
            if v is not None:
                raise _NotPlain  # <v> in an inline-string cell: let expat decide
            if t is None:
                value: Any = "" if empty_t is not None else None
            elif plain:
                value = t
            else:
                _check_refs(t)
                value = _text(t)
        elif t is not None or empty_t is not None:
            raise _NotPlain
        elif v is None or v == "":
            value = None
        else:
            if plain:
                raw = v
            else:
                _check_refs(v)
                raw = _text(v)
            if kind == "n":
                reader.cell_style = style
                value = reader._number(raw)
            elif kind == "s":
                value = reader.pkg.shared[int(raw)]
            elif kind == "b":
                value = bool(int(raw))
            elif kind in ("str", "e"):
                value = raw
            else:
                raise _NotPlain  # "d" and anything unknown: expat's path
        if value is not None and (max_col is None or col <= max_col):
            out.append((col, value))
    if pos != len(body):
        raise _NotPlain
    return out
