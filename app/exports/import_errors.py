"""The failed-rows workbook (导入问题清单): every error of every refused file, and the rows they are in.

Sheet 问题清单 lists file, sheet, row, column and the Chinese message of each error. Then, for each
refused file whose cells could be read, one sheet per data sheet with errors: the original header,
then each failed row as it was in the file, with its problems in a first column, so the village can
see exactly what to correct. Every text is written as a text cell (never a formula); the file is written
to a temporary file and renamed over the target.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from app.exports.files import write_atomically
from app.exports.workbook import RISKY
from app.services.import_files import FileOutcome
from app.services.importing import FIRST_DATA_ROW

__all__ = ["write_error_workbook"]

HEADER_FONT = Font(name="宋体", bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F8CBAD")
WRAP = Alignment(vertical="top", wrap_text=True)


def _set(ws: Worksheet, row: int, column: int, value: Any) -> None:
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # never a formula
        if value.startswith(RISKY):
            cell.quotePrefix = True
    else:
        cell.value = value
        if hasattr(value, "year"):
            cell.number_format = "yyyy-mm-dd"


def _header(ws: Worksheet, headers: Sequence[str]) -> None:
    for i, text in enumerate(headers, start=1):
        _set(ws, 1, i, text)
        ws.cell(row=1, column=i).font = HEADER_FONT
        ws.cell(row=1, column=i).fill = HEADER_FILL
    ws.freeze_panes = "A2"


def _sheet_title(wb: Workbook, text: str) -> str:
    """A unique sheet name of at most 31 characters without the characters Excel forbids."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in text)[:28] or "表"
    name, n = base, 1
    while name in wb.sheetnames:
        n += 1
        name = f"{base[:26]}-{n}"
    return name


def write_error_workbook(outcomes: Sequence[FileOutcome], out: Path) -> int:
    """Write the problems of every refused file in `outcomes`; return how many problems were listed."""
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    _header(ws, ["文件", "工作表", "行", "列", "问题"])
    for col, width in zip("ABCDE", (26, 14, 8, 22, 80), strict=True):
        ws.column_dimensions[col].width = width
    r = 2
    for outcome in outcomes:
        for e in outcome.errors:
            for c, value in enumerate((e.file, e.sheet or "", e.row, e.column or "", e.message), start=1):
                _set(ws, r, c, value)
            ws.cell(row=r, column=5).alignment = WRAP
            r += 1
    listed = r - 2

    for outcome in outcomes:
        raw = outcome.raw
        if raw is None:
            continue
        by_sheet: dict[str, dict[int, list[str]]] = {}
        for e in outcome.errors:
            if e.sheet and e.row and e.row >= FIRST_DATA_ROW and e.sheet in raw.sheets:
                by_sheet.setdefault(e.sheet, {}).setdefault(e.row, []).append(
                    f"{e.column}：{e.message}" if e.column else e.message
                )
        for sheet_name, rows in by_sheet.items():
            sheet = raw.sheets[sheet_name]
            fs = wb.create_sheet(_sheet_title(wb, f"{Path(outcome.name).stem}-{sheet_name}"))
            _header(fs, ["问题", "原行号", *(str(h) if h is not None else "" for h in sheet.header)])
            fs.column_dimensions["A"].width = 60
            out_row = 2
            for row_no in sorted(rows):
                index = row_no - FIRST_DATA_ROW
                values = sheet.rows[index] if index < len(sheet.rows) else []
                _set(fs, out_row, 1, "；".join(rows[row_no]))
                fs.cell(row=out_row, column=1).alignment = WRAP
                _set(fs, out_row, 2, row_no)
                for c, value in enumerate(values, start=3):
                    if value is not None:
                        _set(fs, out_row, c, value)
                out_row += 1

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, wb.save)
    return listed
