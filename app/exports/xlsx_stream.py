"""Stream big sheets' data rows as SpreadsheetML straight into an xlsx zip.

openpyxl's cell writer manages about 50–95k cells a second, far too slow for a county's millions of
cells. openpyxl still authors the workbook (styles, print setup, title and header rows, the small
sheets); `splice_rows` then copies its zip member by member and, for each big sheet, writes the
data rows this module formats before `</sheetData>`, and a `<dimension>` for every sheet (readers
use it to size a sheet without scanning it).

Cells: text as inline strings (`t="inlineStr"`, `xml:space="preserve"` when spaces or line ends
must survive), always text, never a formula; numbers as numbers; dates and datetimes as serial
numbers (1900 date system, exactly openpyxl's `to_excel`). Style ids come from the caller (openpyxl's
registered cell styles), so formats, borders and quote prefixes are exactly openpyxl's.
"""

import hashlib
import os
import queue
import re
import threading
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

__all__ = [
    "Formatted",
    "SheetRows",
    "StyleOf",
    "Styles",
    "format_rows_to_files",
    "register_styles",
    "splice_rows",
    "style_key",
]

# (value, column kind) → style id (an index into styles.xml cellXfs)
StyleOf = Callable[[Any, str], int]
Styles = dict[tuple[Any, ...], int]

_EPOCH = datetime(1899, 12, 30)
_FIRST_SAFE = datetime(1900, 3, 1)  # before this, Excel's 1900 leap-year bug shifts serials
_CELL_REF = re.compile(rb'<c r="([A-Z]+)(\d+)"')
_ROW_REF = re.compile(rb'<row r="(\d+)"')
_NEEDS_ESCAPE = re.compile(r"[&<>]")
_NUMBERS = frozenset({int, float, bool})
CHUNK_ROWS = 500
COMPRESS_LEVEL = 1  # zlib level 1: about 3x faster than the default 6, files about 20% larger


@dataclass(frozen=True)
class SheetRows:
    """Rows to append to one worksheet member (e.g. "xl/worksheets/sheet3.xml") from `first_row`."""

    member: str
    rows: Sequence[Sequence[Any]]
    kinds: Sequence[str]
    first_row: int
    tick: Callable[[int], None] | None = None
    # The rows already formatted into files (by `format_rows_to_files`, in another process): waits.
    formatted: "Callable[[], Formatted] | None" = None
    # Hash the rows as they are formatted: the table's JSON head, the rows (each `[token,…]`, joined
    # by commas) and its tail, `token` giving one value's JSON (report_data.checksum_table_head,
    # checksum_token and CHECKSUM_TABLE_TAIL).
    json_head: str | None = None
    token: Callable[[Any], str] | None = None
    json_tail: str = "]]"


@dataclass(frozen=True)
class Formatted:
    """A job's rows as SpreadsheetML in the file `xml_path` and, when hashed, the table's JSON (head
    to tail) in `json_path`."""

    xml_path: str
    json_path: str | None
    last_row: int


class JsonDigest:
    """sha256 over `[table,table,…]`, each table's JSON fed while its rows are formatted, in the
    order the sheets are written (`tables` lists the members fed, for the caller to check)."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256(b"[")
        self.tables: list[str] = []

    def begin(self, member: str) -> None:
        if self.tables:
            self.hash.update(b",")
        self.tables.append(member)

    def update(self, data: bytes) -> None:
        self.hash.update(data)

    def hexdigest(self) -> str:
        done = self.hash.copy()
        done.update(b"]")
        return done.hexdigest()


def _serial(value: date) -> int | float:
    """openpyxl's `to_excel`, fast for the usual dates."""
    if isinstance(value, datetime):
        if value.tzinfo is not None or value < _FIRST_SAFE:
            return to_excel(value)  # type: ignore[no-any-return]
        delta = value - _EPOCH
        t = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 10**6
        return delta.days + t / 86400
    if value < _FIRST_SAFE.date():
        return to_excel(value)  # type: ignore[no-any-return]
    return (value - _EPOCH.date()).days


def _number(value: int | float) -> str:
    """As openpyxl writes it: an int as digits, a float by its shortest round-trip repr ("3.0")."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return repr(value) if isinstance(value, float) else str(int(value))


def _text(value: str) -> str:
    if _NEEDS_ESCAPE.search(value):
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if value[:1].isspace() or value[-1:].isspace() or "\n" in value or "\t" in value:
        return f'<is><t xml:space="preserve">{value}</t></is>'
    return f"<is><t>{value}</t></is>"


# One sample value per style case of a column; `style_key` names the case.
STYLE_SAMPLES = (
    "=x",
    "=" + "x" * 12,
    "x",
    "x" * 13,
    "",
    None,
    date(2000, 1, 1),
    datetime(2000, 1, 1, 1),
    1,
    True,
)


def style_key(value: Any, kind: str) -> tuple[Any, ...]:
    """The case a value's style depends on (the same cases `_RowWriter.row` looks up)."""
    if isinstance(value, str):
        if value == "":
            return ("e", kind)
        return ("s", kind, value[0] in "=+-@\t\r\n", len(value) > 12)
    if value is None:
        return ("n", kind)
    if isinstance(value, date):
        return (type(value), kind)
    if isinstance(value, bool):
        return ("b", kind)
    return ("i", kind)


def register_styles(kinds: Iterable[str], style_of: StyleOf) -> dict[tuple[Any, ...], int]:
    """Every style case of these column kinds → its style id; call before openpyxl saves its
    stylesheet, so every id the rows use is in styles.xml. Kinds are registered in sorted order, so
    two fresh workbooks given the same kinds first get the same ids."""
    return {style_key(v, k): style_of(v, k) for k in sorted(set(kinds)) for v in STYLE_SAMPLES}


class _RowWriter:
    """Formats rows of one sheet with the style ids of `register_styles`.

    A cell is `<c r="` + column letter + row number + the rest; the rest depends only on the value,
    so it is cached per column (labels, names, dates and codes repeat across thousands of rows)."""

    CACHE_LIMIT = 4096

    def __init__(self, kinds: Sequence[str], styles: Styles) -> None:
        self.kinds = list(kinds)
        self.prefixes = [f'<c r="{get_column_letter(i + 1)}' for i in range(len(kinds))]
        self.json_caches: list[dict[Any, tuple[str, str]]] = [{} for _ in kinds]
        self.styles = styles
        # a whole number's cell: this head, its digits, "</v></c>" (exactly what `rest` writes)
        self.int_heads = [f'" s="{styles[style_key(1, k)]}"><v>' for k in self.kinds]
        self.columns = list(zip(self.prefixes, self.json_caches, self.kinds, self.int_heads, strict=True))

    def rest(self, value: Any, kind: str) -> str:
        """Everything of a cell after its row number: style, type and value."""
        sid = self.styles[style_key(value, kind)]
        if isinstance(value, str):
            return f'" s="{sid}"/>' if value == "" else f'" s="{sid}" t="inlineStr">{_text(value)}</c>'
        if value is None:
            return f'" s="{sid}"/>'
        if isinstance(value, date):
            return f'" s="{sid}"><v>{_number(_serial(value))}</v></c>'
        if isinstance(value, bool):
            return f'" s="{sid}" t="b"><v>{_number(value)}</v></c>'
        if isinstance(value, int | float):
            return f'" s="{sid}"><v>{_number(value)}</v></c>'
        raise TypeError(f"cannot write {type(value).__name__} to a workbook cell")

    def row_json(self, values: Sequence[Any], r: int, token: Callable[[Any], str]) -> tuple[str, str]:
        """The row's XML and its JSON for the digest (`token` per value, cached with the cell)."""
        rs = str(r)
        parts = [f'<row r="{rs}">']
        tokens = []
        append, add = parts.append, tokens.append
        limit = self.CACHE_LIMIT
        for (prefix, cache, kind, int_head), v in zip(self.columns, values, strict=True):
            if v.__class__ is int:  # counts, years, 序号: never cached (1, 1.0 and True are equal keys)
                digits = int.__repr__(v)
                append(prefix + rs + int_head + digits + "</v></c>")
                add(digits)
                continue
            if v.__class__ in _NUMBERS:
                append(prefix + rs + self.rest(v, kind))
                add(token(v))
                continue
            entry = cache.get(v)
            if entry is None:
                entry = (self.rest(v, kind), token(v))
                if len(cache) >= limit:
                    cache.clear()
                cache[v] = entry
            append(prefix + rs + entry[0])
            add(entry[1])
        append("</row>")
        return "".join(parts), "[" + ",".join(tokens) + "]"


class _Compressing:
    """Hands written chunks to a thread that writes them into the zip member. zlib compresses with the
    GIL released, so a county's gigabyte of XML is compressed while the next rows are formatted
    (about 4 s of 13 on two cores). A bounded queue keeps memory flat; an error in the thread is
    raised in the caller at the next write or at close."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._drain, name="xlsx-compress", daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while (chunk := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.out.write(chunk)
                except BaseException as exc:  # handed to the writing thread
                    self.error = exc

    def write(self, chunk: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(chunk)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def _write_rows(out: IO[bytes], job: SheetRows, styles: Styles, digest: Any = None) -> int:
    """Write the rows (compressed in a second thread); return the last row number written
    (first_row - 1 when none). The rows' JSON goes to `digest.update` when the job has a json_head."""
    pipe = _Compressing(out)
    try:
        return _format_rows(pipe, job, styles, digest)
    finally:
        pipe.close()


def _format_rows(out: Any, job: SheetRows, styles: Styles, digest: Any = None) -> int:
    writer = _RowWriter(job.kinds, styles)
    hashing = digest is not None and job.json_head is not None and job.token is not None
    token = job.token if hashing else _no_token
    if hashing and token(12) != "12":  # `row_json` writes whole numbers' tokens itself
        raise ValueError("token must give a whole number's digits")
    if hashing:
        digest.update(job.json_head.encode("utf-8"))  # type: ignore[union-attr]
    r = job.first_row - 1
    chunk: list[str] = []
    json_chunk: list[str] = []
    sep = ""
    for values in job.rows:
        r += 1
        xml, js = writer.row_json(values, r, token)  # type: ignore[arg-type]
        chunk.append(xml)
        json_chunk.append(js)
        if len(chunk) >= CHUNK_ROWS:
            out.write("".join(chunk).encode("utf-8"))
            chunk.clear()
            if hashing:
                digest.update((sep + ",".join(json_chunk)).encode("utf-8"))
                sep = ","
            json_chunk.clear()
            if job.tick is not None:
                job.tick(CHUNK_ROWS)
    if chunk:
        out.write("".join(chunk).encode("utf-8"))
        if hashing:
            digest.update((sep + ",".join(json_chunk)).encode("utf-8"))
        if job.tick is not None:
            job.tick(len(chunk))
    if hashing:
        digest.update(job.json_tail.encode("utf-8"))
    return r


def _no_token(_value: Any) -> str:
    return ""


def _dimension(xml: bytes, last_row: int, ncols: int) -> bytes:
    """`<dimension ref="A1:…"/>` from the cells already in the sheet and the rows appended."""
    max_col = ncols
    for m in _CELL_REF.finditer(xml):
        letters = m.group(1).decode()
        width = 0
        for ch in letters:
            width = width * 26 + ord(ch) - 64
        max_col = max(max_col, width)
    for m in _ROW_REF.finditer(xml):
        last_row = max(last_row, int(m.group(1)))
    if last_row < 1 or max_col < 1:
        return b'<dimension ref="A1"/>'
    return f'<dimension ref="A1:{get_column_letter(max_col)}{last_row}"/>'.encode()


def _insert_dimension(head: bytes, dim: bytes) -> bytes:
    """Place the dimension where the schema wants it: right after <sheetPr>, else first child."""
    head = re.sub(rb"<dimension [^>]*/>", b"", head, count=1)
    end = head.find(b"</sheetPr>")
    if end >= 0:
        at = end + len(b"</sheetPr>")
    else:
        m = re.search(rb"<sheetPr[^>]*/>", head) or re.search(rb"<worksheet[^>]*>", head)
        if m is None:
            raise ValueError("not a worksheet part")
        at = m.end()
    return head[:at] + dim + head[at:]


def _sheet_parts(xml: bytes, job: SheetRows | None) -> tuple[bytes, bytes]:
    """The member's bytes before the appended rows (with its `<dimension>`) and after them."""
    cut = xml.rfind(b"</sheetData>")
    if cut < 0:  # an empty sheet is written as <sheetData/>
        xml = xml.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
        xml = xml.replace(b"<sheetData />", b"<sheetData></sheetData>", 1)
        cut = xml.rfind(b"</sheetData>")
    head, tail = xml[:cut], xml[cut:]
    if job is None:
        return _insert_dimension(head, _dimension(head, 0, 0)), tail
    # The dimension goes before the rows, so it is computed from the row count up front.
    last = job.first_row - 1 + len(job.rows)
    return _insert_dimension(head, _dimension(head, last, len(job.kinds))), tail


def _copy_sheet(
    dst: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    xml: bytes,
    job: SheetRows | None,
    styles: Styles,
    digest: JsonDigest | None,
) -> None:
    if job is not None and digest is not None and job.json_head is not None:
        digest.begin(info.filename)
    head, tail = _sheet_parts(xml, job)
    with dst.open(info.filename, "w", force_zip64=True) as out:
        out.write(head)
        if job is not None:
            if job.formatted is not None:
                written = _copy_formatted(out, job, digest)
            else:
                written = _write_rows(out, job, styles, digest)
            if written != job.first_row - 1 + len(job.rows):
                raise RuntimeError("row count changed while writing")
        out.write(tail)


def format_rows_to_files(job: SheetRows, styles: Styles, target: Path) -> Formatted:
    """Format the job's rows into the file `target` (and their JSON, when the job is hashed, into
    `target`.json), as `_write_rows` would write them into the zip. Meant for another process: a
    county's 历史 sheet (half a million rows) is formatted on a second core while this one writes
    the other sheets, then copied into the zip (and its JSON into the digest) by `_copy_formatted`."""
    json_path = target.with_suffix(target.suffix + ".json") if job.json_head is not None else None
    with open(target, "wb") as xml_out, open(json_path or os.devnull, "wb") as json_out:
        last = _format_rows(xml_out, replace(job, tick=None, formatted=None), styles, _FileSink(json_out))
    return Formatted(str(target), str(json_path) if json_path else None, last)


class _FileSink:
    """`update(bytes)` into a file: the digest's input, hashed later by the writing process."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh

    def update(self, data: bytes) -> None:
        self.fh.write(data)


def _copy_formatted(out: IO[bytes], job: SheetRows, digest: JsonDigest | None) -> int:
    """Stream rows formatted elsewhere into the member (compressed in a second thread) and their
    JSON into the digest; return the last row number."""
    assert job.formatted is not None
    done = job.formatted()
    if digest is not None and job.json_head is not None:
        if done.json_path is None:
            raise RuntimeError("the rows' JSON is missing")
        with open(done.json_path, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    pipe = _Compressing(out)
    try:
        with open(done.xml_path, "rb") as fh:
            while block := fh.read(1 << 20):
                pipe.write(block)
    finally:
        pipe.close()
    if job.tick is not None:
        job.tick(len(job.rows))
    return done.last_row


def splice_rows(
    skeleton: Path,
    target: Path,
    jobs: Iterable[SheetRows],
    styles: Styles,
    late: Mapping[bytes, Callable[[], bytes]] | None = None,
    digest: JsonDigest | None = None,
) -> None:
    """Copy the zip `skeleton` to `target`, appending each job's rows to its worksheet member.

    `late`: placeholders whose value is known only after the rows are written (the checksum, hashed
    while they are formatted): the small members holding one are written last, the placeholder
    replaced by `late[placeholder]()` (zip members may come in any order). `digest` is fed each
    hashed job's JSON, in the order the members are written."""
    by_member = {job.member.lstrip("/"): job for job in jobs}
    late = dict(late or {})
    deferred: list[tuple[zipfile.ZipInfo, bytes]] = []
    with (
        zipfile.ZipFile(skeleton) as src,
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename not in by_member and any(key in data for key in late):
                deferred.append((info, data))
                continue
            _copy_member(dst, info, data, by_member.pop(info.filename, None), styles, digest)
        for info, data in deferred:
            for key, value in late.items():
                data = data.replace(key, value())
            _copy_member(dst, info, data, None, styles, None)
    if by_member:
        raise KeyError(f"worksheets not found in the skeleton: {sorted(by_member)}")


def _copy_member(
    dst: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    data: bytes,
    job: SheetRows | None,
    styles: Styles,
    digest: JsonDigest | None,
) -> None:
    name = info.filename
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        _copy_sheet(dst, info, data, job, styles, digest)
    else:
        dst.writestr(name, data)
