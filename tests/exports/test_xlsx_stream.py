"""The streamed data rows of the upward workbook: values, types and styles exactly as openpyxl would
write them, a <dimension> on every sheet, and a file LibreOffice opens."""

import csv
import shutil
import subprocess
import zipfile
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from app.exports.xlsx_stream import _serial
from app.services import actions
from app.services.report_data import ITEM_COLUMNS
from app.store.uow import UnitOfWork
from tests.conftest import export_workbook, make_item

TODAY = date(2026, 10, 20)
NOW = datetime(2026, 10, 20, 1, 30, tzinfo=UTC)
TRICKY = (
    " 前导空格",
    "尾随空格 ",
    "第一行\n第二行",
    "A&B<C>D \"双引号\" '单引号' ]]>",
    "=1+1",
    "\t制表符开头",
    "@提及",
    "+86 13912345678 打来电话",
    "-减号开头",
    "_x000D_ 字面",
    "表情😀与生僻字𠀀",
    "短",
)
REQUEST = ITEM_COLUMNS.index(next(c for c in ITEM_COLUMNS if c.header == "主要诉求及原因"))


def _as_read(value):
    """What openpyxl reads back for a written value: "" is an empty cell, a date a datetime."""
    if value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def export_tricky(engine, settings, village, tmp_path):
    ids = []
    for i, text in enumerate(TRICKY):
        ids.append(make_item(engine, settings, village, received=date(2026, 9, 1 + i), request=text).id)
    with UnitOfWork(engine) as uow:
        actions.settle_on_spot(
            uow=uow, item_id=ids[0], on=date(2026, 9, 20), actor="杨运润", measures="-现场", outcome="@已办"
        )
        uow.commit()
    out = tmp_path / "report.xlsx"
    return export_workbook(engine, settings, out, today=TODAY, now=NOW), out


def test_streamed_cells_read_back_exactly(engine, settings, village, tmp_path):
    report, out = export_tricky(engine, settings, village, tmp_path)
    wb = load_workbook(out)
    for table in report.data_tables:
        ws = wb[table.name]
        got = [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]
        want = [[_as_read(v) for v in row] for row in table.rows]
        assert got == want, table.name
        for row in ws.iter_rows(min_row=3):
            for cell, column in zip(row, table.columns, strict=True):
                assert cell.data_type != "f", (table.name, cell.coordinate)
                assert cell.border.left.style == "thin" and cell.font.name == "宋体"
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    assert cell.quotePrefix == cell.value.startswith(("=", "+", "-", "@", "\t", "\n"))
                    assert bool(cell.alignment.wrap_text) == (len(cell.value) > 12)
                    assert cell.number_format == ("@" if column.kind == "code" else "General")
                elif isinstance(cell.value, datetime):
                    fmt = "yyyy-mm-dd hh:mm:ss" if column.kind == "datetime" else "yyyy-mm-dd"
                    assert cell.is_date and cell.number_format == fmt
    ledger = wb[report.ledgers[0].name]
    requests = {r[REQUEST] for r in ledger.iter_rows(min_row=3, values_only=True)}
    assert {t.strip() for t in TRICKY} <= requests  # registration trims the ends


def test_splice_rows_keeps_every_character(tmp_path):
    """Straight through the streamer: spaces at the ends, line ends, XML specials, formulas-looking text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from app.exports.xlsx_stream import SheetRows, register_styles, splice_rows

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    ws.append(["标题"])
    ws.append(["文字", "数", "日期", "时间", "真假"])

    def style_of(value, _kind):
        cell = WriteOnlyCell(ws, value=None)
        cell.number_format = "yyyy-mm-dd" if isinstance(value, date) else "@"
        return cell.style_id

    styles = register_styles(["text"], style_of)
    wb.save(tmp_path / "skeleton.xlsx")
    rows = [
        (text, i, date(2026, 1, 1 + i), datetime(2026, 1, 1, 8, i, 59), i % 2 == 0)
        for i, text in enumerate(TRICKY)
    ]
    rows.append(("", 0.25, None, None, None))
    job = SheetRows(ws.path, rows, ["text"] * 5, 3)
    splice_rows(tmp_path / "skeleton.xlsx", tmp_path / "out.xlsx", [job], styles)
    got = [
        list(r) for r in load_workbook(tmp_path / "out.xlsx")["数据"].iter_rows(min_row=3, values_only=True)
    ]
    assert got == [[_as_read(v) for v in row] for row in rows]


def test_every_sheet_declares_its_dimension(engine, settings, village, tmp_path):
    report, out = export_tricky(engine, settings, village, tmp_path)
    with zipfile.ZipFile(out) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and all(b"<dimension " in zf.read(n) for n in sheets)
    wb = load_workbook(out, read_only=True)
    for table in report.data_tables:
        ws = wb[table.name]
        assert ws.max_row == 2 + len(table.rows) and ws.max_column == len(table.columns), table.name
    wb.close()


def test_serials_are_openpyxls():
    from openpyxl.utils.datetime import to_excel

    for value in (
        date(2026, 9, 3),
        date(1900, 1, 5),
        datetime(2026, 9, 3, 9, 30, 15),
        datetime(2026, 9, 3),
        datetime(1900, 2, 1, 12),
    ):
        assert _serial(value) == to_excel(value), value


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_workbook(engine, settings, village, tmp_path):
    report, out = export_tricky(engine, settings, village, tmp_path)
    all_sheets = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            all_sheets,
            "--outdir",
            str(tmp_path / "csv"),
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    name = report.ledgers[0].name
    with (tmp_path / "csv" / f"report-{name}.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[1] == [c.header for c in ITEM_COLUMNS]
    data = rows[2:]
    assert len(data) == len(report.ledgers[0].rows)
    requests = {r[REQUEST] for r in data}
    assert "=1+1" in requests and "2" not in requests  # text, never evaluated as a formula
    assert "A&B<C>D \"双引号\" '单引号' ]]>" in requests and "第一行\n第二行" in requests
    received = ITEM_COLUMNS.index(next(c for c in ITEM_COLUMNS if c.header == "受理日期"))
    assert {r[received] for r in data} >= {"2026-09-01", "2026-09-12"}
