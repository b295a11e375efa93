"""The upward report as an Excel workbook: a county's 100,000 items in little memory and seconds.

openpyxl (write-only) authors the workbook's structure: styles, print setup, each sheet's title and
header rows, 汇总 and `_meta`. Its cell writer is far too slow for millions of cells, so the data rows
of the big sheets are streamed into the saved zip by `app.exports.xlsx_stream`, with the style ids
openpyxl registered for exactly the styles `_cell` gives (so the file looks the same either way).

Sheets in order: 汇总, one sheet per ledger, 上报事项, 逾期事项, 历史, and a hidden `_meta` sheet of
key/value rows for the importer (format_version, exporter_code, exported_at, app_version, row
counts, the data checksum). Every visible sheet has a title row, a bold shaded header with borders,
widths from the content, the header frozen, an autofilter, A4 landscape fitted to the page width and
the header rows repeated on every printed page.

Text is always written as a text cell: ID numbers and phones keep every digit (format "@"), and user
text starting with = + - @ stays text, never a formula (data type "s" forced, quote prefix set so
Excel/WPS keep it text when the cell is edited). Dates are real dates. The file is written to a
temporary file in the target folder and renamed over the target.
"""

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from app.exports.xlsx_stream import (
    Formatted,
    JsonDigest,
    SheetRows,
    Styles,
    format_rows_to_files,
    register_styles,
    splice_rows,
)
from app.services import forked
from app.services.report_data import (
    CHECKSUM_TABLE_TAIL,
    CODE,
    DATE,
    DATETIME,
    ESCALATED_COLUMNS,
    FIGURE_LABELS,
    HISTORY_COLUMNS,
    INT,
    ITEM_COLUMNS,
    OVERDUE_COLUMNS,
    PERCENT,
    RATIO,
    Report,
    Table,
    checksum_table_head,
    checksum_token,
)

__all__ = ["SecondCore", "write_report_workbook"]

Progress = Callable[[int, int], None]
# Written in _meta before the data checksum is known: the rows are hashed while they are formatted
# (report_data.checksum_token), and splice_rows writes the member holding it last, digest in place.
CHECKSUM_PENDING = b"taizhang-checksum-pending-0f6c1e"
SECOND_CORE_ROWS = 40_000

_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FONT = Font(name="宋体", bold=True, size=11)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
TITLE_FONT = Font(name="宋体", bold=True, size=14)
BODY_FONT = Font(name="宋体", size=11)
WRAP = Alignment(vertical="top", wrap_text=True)
TOP = Alignment(vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
FORMATS = {
    CODE: "@",
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm:ss",
    INT: "0",
    RATIO: "0.00%",
    PERCENT: "0.00",
}
WIDTHS = {CODE: 14, DATE: 12, DATETIME: 19, INT: 8, RATIO: 10, PERCENT: 10}
RISKY = ("=", "+", "-", "@", "\t", "\r", "\n")
FIRST_ROW = 3  # title, header, then the data


def _width(table: Table, index: int) -> float:
    """A width from the header and the first rows: wide enough to read, never wider than 50."""
    column = table.columns[index]
    longest = _chars(column.header) + 2
    for row in table.rows[:200]:
        value = row[index]
        if isinstance(value, str):
            longest = max(longest, _chars(value.split("\n", 1)[0]))
    base = WIDTHS.get(column.kind, 10)
    return float(min(max(base, longest + 1), 50))


def _chars(text: str) -> int:
    """Display width: a Chinese character is as wide as two Latin ones."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _cell(ws: Any, value: Any, kind: str, *, style: bool = True) -> WriteOnlyCell:
    fmt: str | None = None
    quote = False
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=None)
        cell.value = value
        cell.data_type = "s"  # never a formula, whatever the text starts with
        quote = value.startswith(RISKY)
        fmt = "@" if kind == CODE else None
    else:
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, datetime):
            fmt = FORMATS[DATETIME]
        elif isinstance(value, date):
            fmt = FORMATS[DATE]
        elif kind in FORMATS and value is not None:
            fmt = FORMATS[kind]
    wrap = isinstance(value, str) and len(value) > 12
    # Styling a cell through openpyxl's attributes costs ~0.15 ms (it re-finds each style in the
    # workbook's lists); a county export has millions of cells, so each combination is built once
    # per workbook and its style array copied onto the next cells.
    cache = _style_cache(ws)
    key = (fmt, quote, wrap, style)
    cached = cache.get(key)
    if cached is not None:
        cell._style = copy(cached)
        return cell
    if fmt is not None:
        cell.number_format = fmt
    if quote:
        cell.quotePrefix = True
    if style:
        cell.font = BODY_FONT
        cell.border = BORDER
        cell.alignment = WRAP if wrap else TOP
    cache[key] = copy(cell._style)
    return cell


def _style_cache(ws: Any) -> dict[tuple[Any, ...], Any]:
    workbook = ws.parent
    cache = getattr(workbook, "_taizhang_styles", None)
    if cache is None:
        cache = {}
        workbook._taizhang_styles = cache
    return cache


def _header(ws: Any, headers: tuple[str, ...]) -> list[WriteOnlyCell]:
    cells = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = CENTER
        cells.append(cell)
    return cells


def _title(ws: Any, text: str) -> list[WriteOnlyCell]:
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    cell.font = TITLE_FONT
    return [cell]


def _print_setup(ws: Any, ncols: int, nrows: int, header_row: int = 2) -> None:
    """Before any append(): frozen header, autofilter, A4 landscape fit to width, repeated header."""
    last = get_column_letter(max(ncols, 1))
    ws.freeze_panes = f"A{header_row + 1}"
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(nrows, 1)}"
    ws.print_title_rows = f"1:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4 if hasattr(ws, "PAPERSIZE_A4") else 9
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4


def _write_table(wb: Workbook, table: Table) -> Any:
    """The sheet with its title and header; the data rows are streamed in after saving."""
    ws = wb.create_sheet(table.name)
    _print_setup(ws, len(table.columns), len(table.rows))
    for i in range(len(table.columns)):
        ws.column_dimensions[get_column_letter(i + 1)].width = _width(table, i)
    ws.append(_title(ws, table.title))
    ws.append(_header(ws, table.headers))
    return ws


def _write_summary(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet("汇总")
    by_ledger = report.summary_by_ledger
    ncols = max(len(by_ledger.columns), 2)
    nrows = len(report.summary.rows)
    _print_setup(ws, 2, nrows)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 14
    for i in range(2, ncols):
        ws.column_dimensions[get_column_letter(i + 1)].width = 12
    ws.append(_title(ws, report.summary.title))
    ws.append(_header(ws, report.summary.headers))
    for (label, value), (_key, _label, kind) in zip(report.summary.rows, FIGURE_LABELS, strict=True):
        ws.append([_cell(ws, label, "text"), _cell(ws, value, kind)])
    ws.append([])
    ws.append(_title(ws, by_ledger.title))
    ws.append(_header(ws, by_ledger.headers))
    kinds = [c.kind for c in by_ledger.columns]
    for row in by_ledger.rows:
        ws.append([_cell(ws, v, k) for v, k in zip(row, kinds, strict=True)])


def _write_meta(wb: Workbook, report: Report, sheet_names: list[str]) -> None:
    ws = wb.create_sheet("_meta")
    ws.sheet_state = "hidden"
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 70
    m = report.meta
    rows: list[tuple[str, Any]] = [
        ("format_version", m.format_version),
        ("exporter_code", m.exporter_code),
        ("exporter_name", m.exporter_name),
        ("exporter_kind", m.exporter_kind),
        ("village_codes", ",".join(m.village_codes)),
        ("villages_json", json.dumps({c: [v, t, k] for c, v, t, k in m.places}, ensure_ascii=False)),
        ("month", m.month or ""),
        ("as_of", m.as_of.isoformat()),
        ("exported_at", m.exported_at.isoformat(timespec="seconds") + "+08:00"),
        ("app_version", m.app_version),
        ("sheets", ",".join(sheet_names)),
        *((f"rows:{name}", str(n)) for name, n in m.row_counts),
        ("checksum_sha256", CHECKSUM_PENDING.decode()),  # replaced once the digest is known
    ]
    ws.append([_cell(ws, "key", CODE, style=False), _cell(ws, "value", CODE, style=False)])
    for key, value in rows:
        ws.append([_cell(ws, key, CODE, style=False), _cell(ws, str(value), CODE, style=False)])


def write_report_workbook(
    report: Report, out: Path, progress: Progress | None = None, second_core: "SecondCore | None" = None
) -> str:
    """Write the workbook to `out` (atomically); return the sha256 of the file written.

    `second_core`: the one given to `build_report` as `on_table`, whose child may already be
    formatting 历史; without it, the largest sheet is handed to a child here."""
    out = Path(out)
    total = sum(len(t.rows) for t in report.data_tables)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    if progress is not None:
        progress(0, total)
    second = second_core if second_core is not None else SecondCore()
    try:
        if not second.started and report.data_tables:
            second.start(max(report.data_tables, key=lambda t: len(t.rows)))
        wb = Workbook(write_only=True)
        # The streamed rows' styles first, so their ids are the same as in SecondCore's workbook.
        styles = _register_data_styles(wb, [c.kind for t in report.data_tables for c in t.columns])
        _write_summary(wb, report)
        sheets = [(_write_table(wb, table), table) for table in report.data_tables]
        _write_meta(wb, report, ["汇总", *(t.name for t in report.data_tables)])
        jobs = [
            replace(_job("", table, tick), formatted=second.formatted(table, styles)) for _ws, table in sheets
        ]
        return _save(wb, report, out, styles, jobs, sheets)
    finally:
        second.close()


def _save(
    wb: Workbook, report: Report, out: Path, styles: Styles, jobs: list[SheetRows], sheets: list[Any]
) -> str:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.stem}-", suffix=".xlsx.tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    skeleton = tmp.with_suffix(".skeleton")
    try:
        wb.save(skeleton)  # openpyxl numbers the worksheet parts while saving (ws.path)
        jobs = [replace(job, member=ws.path) for job, (ws, _table) in zip(jobs, sheets, strict=True)]
        rows_digest = JsonDigest()

        def data_checksum() -> bytes:
            # hashed while written, when the sheets went into the zip in the tables' order (they do:
            # openpyxl numbers them as created); else the checksum the long way
            if rows_digest.tables == [j.member.lstrip("/") for j in jobs]:
                return rows_digest.hexdigest().encode()
            return report.meta.checksum.encode()

        splice_rows(skeleton, tmp, jobs, styles, {CHECKSUM_PENDING: data_checksum}, rows_digest)
        digest = _sha256(tmp)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        skeleton.unlink(missing_ok=True)
    return digest


def _job(member: str, table: Table, tick: Callable[[int], None] | None) -> SheetRows:
    return SheetRows(
        member,
        table.rows,
        [c.kind for c in table.columns],
        FIRST_ROW,
        tick,
        json_head=checksum_table_head(table.name, table.headers),
        token=checksum_token,
        json_tail=CHECKSUM_TABLE_TAIL,
    )


DATA_KINDS = tuple(
    sorted({c.kind for c in (*ITEM_COLUMNS, *ESCALATED_COLUMNS, *OVERDUE_COLUMNS, *HISTORY_COLUMNS)})
)


def _register_data_styles(wb: Workbook, kinds: Iterable[str]) -> Styles:
    """Register every style the streamed rows use, before any other cell of `wb` (so a fresh workbook
    always gives them the same ids), through a scratch sheet that is then dropped."""
    scratch = wb.create_sheet("_styles")
    try:
        return register_styles(
            {*DATA_KINDS, *kinds}, lambda value, kind: int(_cell(scratch, value, kind).style_id)
        )
    finally:
        wb.remove(scratch)


@dataclass
class _Ahead:
    table: Table
    job: forked.Forked
    path: Path


class SecondCore:
    """A large sheet (a county's 历史: half a million rows) formatted by a forked child while this
    process does the rest. Pass `start` as `build_report(on_table=…)`, which offers 历史 as soon as it
    is read (then each ledger table once the items are read), so the child begins while the other
    tables are still being read; then pass this object to `write_report_workbook`. Only where
    forking is allowed (`forked.fork_allowed`), for the first table offered with at least
    SECOND_CORE_ROWS rows; the child's files go to the system's temporary folder (not beside a
    workbook that may be bound for a USB stick) and are removed by `close`."""

    def __init__(self) -> None:
        self.styles = _register_data_styles(Workbook(write_only=True), DATA_KINDS)
        self.ahead: dict[int, _Ahead] = {}  # by id(table)

    @property
    def started(self) -> bool:
        return bool(self.ahead)

    def start(self, table: Table) -> None:
        # one child: on two cores a second one only competes with this process (measured: slower)
        if self.ahead or len(table.rows) < SECOND_CORE_ROWS or not forked.fork_allowed():
            return
        fd, name = tempfile.mkstemp(prefix="taizhang-", suffix=".part")
        os.close(fd)
        path = Path(name)
        # the child has time to spare (this process's reading and writing take longer): nice 5
        job = forked.Forked(format_rows_to_files, _job("", table, None), self.styles, path, nice=5)
        self.ahead[id(table)] = _Ahead(table, job, path)

    def formatted(self, table: Table, styles: Styles) -> "Callable[[], Formatted] | None":
        """A child's result for `table` if it formatted exactly these rows with these styles."""
        ahead = self.ahead.get(id(table))
        if ahead is None or ahead.table is not table or styles != self.styles:
            return None
        return ahead.job.result  # type: ignore[no-any-return]

    def __enter__(self) -> "SecondCore":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        for ahead in self.ahead.values():
            if not ahead.job.done:
                ahead.job.cancel()  # not used (an error, or other rows or styles): stop it
            for leftover in (ahead.path, ahead.path.with_suffix(ahead.path.suffix + ".json")):
                leftover.unlink(missing_ok=True)
        self.ahead.clear()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
