"""A fast, safe reader of xlsx cell values (expat), giving what openpyxl read-only/data-only gives.

openpyxl reads about 25k cells a second and first scans a sheet without `<dimension>` to size it;
this reader streams each XML part once through `xml.parsers.expat`. Safety: any DOCTYPE (and so any
entity declaration: billion laughs, external entities) is refused before it is used, external
entities are never fetched, and the caller's row limit is enforced while the rows stream in.

Values as openpyxl returns them: shared strings (rich text runs joined, phonetic runs left out,
openpyxl's `x005F_` quirk kept), inline strings, numbers (int unless the text has . e or E),
booleans, errors as their text, formula results (`t="str"`), ISO dates (`t="d"`), and dates and
times from serial numbers when the cell's style has a date format (builtin ids 14–22, 45–47 or a
custom format with date/time tokens outside quotes and brackets; openpyxl's own `is_date_format`),
in the 1900 or 1904 date system (openpyxl's rules, copied in `xlsx_numbers`). A workbook re-saved
by Excel, WPS or LibreOffice reads the same.
"""

import posixpath
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any
from xml.parsers import expat

from app.exports.xlsx_fast import fast_rows
from app.exports.xlsx_numbers import (  # openpyxl's own rules, without importing openpyxl
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    builtin_format_code,
    column_index_from_string,
    from_excel,
    from_ISO8601,
    is_date_format,
    is_timedelta_format,
)

__all__ = ["SheetTooLarge", "UnsafeXml", "XlsxPackage", "open_package", "read_sheet"]

SEP = "}"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
DATE_CACHE_LIMIT = 20_000
FAST_PATH_LIMIT = 256 * 1024 * 1024  # bytes of sheet XML read at once for the fast path
_SHEET_TAGS = {
    f"{ns}{SEP}{local}": local
    for ns in (MAIN_NS, STRICT_MAIN_NS)
    for local in ("c", "v", "t", "is", "rPh", "row", "dimension")
}


class UnsafeXml(Exception):
    """The XML declares a DTD or entities (entity expansion or external entity attacks)."""


class SheetTooLarge(Exception):
    def __init__(self, rows: int) -> None:
        super().__init__(rows)
        self.rows = rows


def _local(name: str) -> str:
    return name.rpartition(SEP)[2]


def _refuse_dtd(*_args: Any) -> None:
    raise UnsafeXml("DOCTYPE")


def _refuse_entity(*_args: Any) -> int:
    raise UnsafeXml("ENTITY")


def _parser() -> Any:
    p = expat.ParserCreate(namespace_separator=SEP)
    p.StartDoctypeDeclHandler = _refuse_dtd
    p.EntityDeclHandler = _refuse_entity
    p.UnparsedEntityDeclHandler = _refuse_entity
    p.ExternalEntityRefHandler = _refuse_entity
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.buffer_text = True
    p.buffer_size = 1 << 16
    return p


def _parse(
    fh: IO[bytes], start: Callable[..., None] | None, end: Callable[..., None] | None, text: Any = None
) -> None:
    p = _parser()
    if start is not None:
        p.StartElementHandler = start
    if end is not None:
        p.EndElementHandler = end
    if text is not None:
        p.CharacterDataHandler = text
    p.ParseFile(fh)


@dataclass
class XlsxPackage:
    """The workbook-level parts: sheet names and parts, shared strings, date styles, epoch."""

    zf: zipfile.ZipFile
    sheets: list[tuple[str, str]]  # (name, zip member) of worksheets, in workbook order
    shared: list[str] = field(default_factory=list)
    date_styles: frozenset[int] = frozenset()
    timedelta_styles: frozenset[int] = frozenset()
    epoch: Any = CALENDAR_WINDOWS_1900


def _rels(zf: zipfile.ZipFile, member: str) -> dict[str, tuple[str, str]]:
    """rId → (type, target resolved to a zip member)."""
    out: dict[str, tuple[str, str]] = {}
    base = posixpath.dirname(posixpath.dirname(member))  # xl/_rels/workbook.xml.rels → xl

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
            out[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(resolved))

    with zf.open(member) as fh:
        _parse(fh, start, None)
    return out


def _workbook(zf: zipfile.ZipFile) -> tuple[list[tuple[str, str]], bool]:
    """[(sheet name, rId)] in order and the date1904 flag."""
    sheets: list[tuple[str, str]] = []
    flags = {"date1904": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "sheet":
            rid = attrs.get(f"{DOC_REL_NS}{SEP}id") or attrs.get(f"{STRICT_REL_NS}{SEP}id") or ""
            sheets.append((attrs.get("name", ""), rid))
        elif local == "workbookPr":
            flags["date1904"] = attrs.get("date1904", "").lower() in ("1", "true")

    with zf.open("xl/workbook.xml") as fh:
        _parse(fh, start, None)
    return sheets, flags["date1904"]


def _shared_strings(zf: zipfile.ZipFile, member: str) -> list[str]:
    strings: list[str] = []
    parts: list[str] = []
    stack: list[str] = []
    collecting = [False]

    def start(name: str, _attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "si":
            parts.clear()
        # text of <si><t> and <si><r><t>; not of phonetic runs <rPh><t>
        collecting[0] = local == "t" and bool(stack) and stack[-1] in ("si", "r")
        stack.append(local)

    def end(name: str) -> None:
        local = stack.pop()
        collecting[0] = False
        if local == "si":
            strings.append("".join(parts).replace("x005F_", ""))

    def text(data: str) -> None:
        if collecting[0]:
            parts.append(data)

    with zf.open(member) as fh:
        _parse(fh, start, end, text)
    return strings


def _date_styles(zf: zipfile.ZipFile, member: str) -> tuple[frozenset[int], frozenset[int]]:
    custom: dict[int, str] = {}
    xf_formats: list[int] = []
    stack: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "numFmt" and stack and stack[-1] == "numFmts":
            custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif local == "xf" and stack and stack[-1] == "cellXfs":
            xf_formats.append(int(attrs.get("numFmtId", "0")))
        stack.append(local)

    def end(_name: str) -> None:
        stack.pop()

    with zf.open(member) as fh:
        _parse(fh, start, end)
    dates: set[int] = set()
    deltas: set[int] = set()
    for idx, fmt_id in enumerate(xf_formats):
        fmt = custom[fmt_id] if fmt_id in custom else builtin_format_code(fmt_id)
        if is_date_format(fmt):
            dates.add(idx)
        if is_timedelta_format(fmt):
            deltas.add(idx)
    return frozenset(dates), frozenset(deltas)


def open_package(zf: zipfile.ZipFile) -> XlsxPackage:
    """Read the workbook-level parts (workbook, relationships, shared strings, styles)."""
    sheets, date1904 = _workbook(zf)
    rels = _rels(zf, "xl/_rels/workbook.xml.rels")
    names = set(zf.namelist())
    pkg = XlsxPackage(zf, [], epoch=CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
    for name, rid in sheets:
        kind, target = rels.get(rid, ("", ""))
        if kind.endswith("/worksheet") and target in names:
            pkg.sheets.append((name, target))
    for kind, target in rels.values():
        if kind.endswith("/sharedStrings") and target in names:
            pkg.shared = _shared_strings(zf, target)
        elif kind.endswith("/styles") and target in names:
            pkg.date_styles, pkg.timedelta_styles = _date_styles(zf, target)
    return pkg


class _SheetReader:
    """Collects rows from `min_row` on as {column: value} lists, openpyxl's way."""

    def __init__(self, pkg: XlsxPackage, min_row: int, max_rows: int, max_col: int | None) -> None:
        self.pkg = pkg
        self.min_row = min_row
        self.max_rows = max_rows  # data rows after the first row read (the header)
        self.max_col = max_col
        self.rows: list[list[Any]] = []
        self.next_row = min_row  # the row number the next appended row has
        self.declared = 0
        self.row_no = 0
        self.col_no = 0
        self.cells: list[tuple[int, Any]] = []
        self.cell_type = "n"
        self.cell_style = 0
        self.cell_ref: str | None = None
        self.text: list[str] = []
        self.in_value = False
        self.in_inline = False
        self.inline_seen = False
        self.in_cell = False
        self.in_phonetic = False
        self.columns: dict[str, int] = {}
        self.on_dimension: Callable[[int], None] | None = None
        self.dates: dict[tuple[str, int], Any] = {}

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _SHEET_TAGS.get(name)
        if local is None:
            return
        if local == "c":
            self._start_cell(attrs)
        elif local == "v":
            self.in_value = self.in_cell
            self.text.clear()
        elif local == "t":
            self.in_value = self.in_inline and not self.in_phonetic
        elif local == "is":
            self.in_inline = self.inline_seen = self.in_cell
            self.text.clear()
        elif local == "rPh":
            self.in_phonetic = True
        elif local == "row":
            self._start_row(attrs)
        elif local == "dimension":
            ref = attrs.get("ref", "")
            last = ref.rpartition(":")[2].lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZ").replace("$", "")
            self.declared = int(last) if last.isdigit() else 0
            if self.declared and self.on_dimension is not None:
                self.on_dimension(self.declared)

    def _start_row(self, attrs: dict[str, str]) -> None:
        r = attrs.get("r")
        if r is None:
            self.row_no += 1
        else:
            value = float(r)
            if not value.is_integer():
                raise ValueError(f"{r} is not a valid row number")
            self.row_no = int(value)
        self.col_no = 0
        self.cells = []

    def _start_cell(self, attrs: dict[str, str]) -> None:
        self.cell_type = attrs.get("t", "n")
        s = attrs.get("s")
        self.cell_style = int(s) if s else 0
        self.cell_ref = attrs.get("r")
        self.text.clear()
        self.inline_seen = False
        self.in_value = False
        self.in_cell = True

    def chars(self, data: str) -> None:
        if self.in_value:
            self.text.append(data)

    def end(self, name: str) -> None:
        local = _SHEET_TAGS.get(name)
        if local is None:
            return
        if local == "v" or local == "t":
            self.in_value = False
        elif local == "c":
            self._end_cell()
            self.in_cell = False
        elif local == "is":
            self.in_inline = False
        elif local == "rPh":
            self.in_phonetic = False
        elif local == "row":
            self._end_row()

    def _end_cell(self) -> None:
        ref = self.cell_ref
        if ref:
            letters = ref.rstrip("0123456789")
            col = self.columns.get(letters)
            if col is None:
                col = self.columns[letters] = column_index_from_string(letters.replace("$", ""))
            self.col_no = col
        else:
            self.col_no += 1
        value = self._value()
        if value is not None and (self.max_col is None or self.col_no <= self.max_col):
            self.cells.append((self.col_no, value))

    def _value(self) -> Any:
        kind = self.cell_type
        if kind == "inlineStr":
            return "".join(self.text) if self.inline_seen else None
        raw = "".join(self.text) or None
        if raw is None:
            return None
        if kind == "n":
            return self._number(raw)
        if kind == "s":
            return self.pkg.shared[int(raw)]
        if kind == "b":
            return bool(int(raw))
        if kind == "d":
            return from_ISO8601(raw)
        return raw  # "str" (a formula's text result), "e" (an error such as #N/A)

    def _number(self, raw: str) -> Any:
        style = self.cell_style
        if style not in self.pkg.date_styles:
            return float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
        key = (raw, style)
        cached = self.dates.get(key)
        if cached is not None:
            return cached
        number = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
        try:
            value = from_excel(number, self.pkg.epoch, timedelta=style in self.pkg.timedelta_styles)
        except (OverflowError, ValueError):
            value = "#VALUE!"  # openpyxl turns an out-of-range date into this error
        if len(self.dates) < DATE_CACHE_LIMIT:
            self.dates[key] = value
        return value

    def _end_row(self) -> None:
        idx = self.row_no
        if idx < self.next_row:  # before min_row, or out of order: openpyxl skips it
            return
        while self.next_row < idx:
            self._append([])
        self._append(self.cells)

    def add_row(self, idx: int, row: list[Any]) -> None:
        """A row the fast path (app/exports/xlsx_fast.py) built: kept as `_end_row` keeps one."""
        if idx < self.next_row:
            return
        while self.next_row < idx:
            self._append([])
        if len(self.rows) > self.max_rows:
            raise SheetTooLarge(len(self.rows))
        self.rows.append(row)
        self.next_row += 1

    def _append(self, cells: list[tuple[int, Any]]) -> None:
        if len(self.rows) > self.max_rows:  # the first row is the header, not counted
            raise SheetTooLarge(len(self.rows))
        width = cells[-1][0] if cells else 0
        row: list[Any] = [None] * width
        for col, value in cells:
            if col <= width:
                row[col - 1] = value
            else:  # cells out of column order
                row.extend([None] * (col - len(row)))
                row[col - 1] = value
        self.rows.append(row)
        self.next_row += 1


def read_sheet(
    pkg: XlsxPackage,
    member: str,
    *,
    min_row: int,
    max_rows: int,
    max_col: int | None = None,
    on_dimension: Callable[[int], None] | None = None,
) -> list[list[Any]]:
    """The rows from `min_row` on (missing rows as []), each as a list up to its last cell.

    SheetTooLarge when more than `max_rows` rows follow the first; `on_dimension(declared max row)`
    is called as soon as the sheet's <dimension> is read (before any row)."""
    reader = _SheetReader(pkg, min_row, max_rows, max_col)
    reader.on_dimension = on_dimension
    info = pkg.zf.getinfo(member)
    if info.file_size <= FAST_PATH_LIMIT and fast_rows(reader, pkg.zf.read(member)):
        return reader.rows  # the plain shape our writer makes (app/exports/xlsx_fast.py)
    reader = _SheetReader(pkg, min_row, max_rows, max_col)
    reader.on_dimension = on_dimension
    p = _parser()
    p.StartElementHandler = reader.start
    p.EndElementHandler = reader.end
    p.CharacterDataHandler = reader.chars
    with pkg.zf.open(member) as fh:
        p.ParseFile(fh)
    return reader.rows
