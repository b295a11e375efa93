"""The fast workbook reader: the same RawWorkbook as openpyxl read-only, on our export, on a
LibreOffice re-save and on hand-made workbooks (shared strings, rich text, dates, 1904); entity
tricks and oversized sheets refused with a Chinese message."""

import re
import shutil
import subprocess
import zipfile
from datetime import UTC, date, datetime, time, timedelta

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from app.errors import DomainError
from app.exports.workbook_reader import read_workbook, read_workbook_openpyxl
from app.services import actions
from app.store.uow import UnitOfWork
from tests.conftest import export_workbook, make_item

TODAY = date(2026, 10, 20)
NOW = datetime(2026, 10, 20, 1, 30, tzinfo=UTC)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
)
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def same(a, b):
    """Equal, and equal types cell by cell (1 == 1.0 == True would hide a difference)."""
    assert a.meta == b.meta and a.sheet_names == b.sheet_names
    assert a.sheets == b.sheets
    for name, sheet in a.sheets.items():
        other = b.sheets[name]
        assert [type(v) for v in sheet.header] == [type(v) for v in other.header], name
        for row, orow in zip(sheet.rows, other.rows, strict=True):
            assert [type(v) for v in row] == [type(v) for v in orow], name


@pytest.fixture
def exported(engine, settings, village, tmp_path):
    texts = ("=1+1", "A&B<C>", "第一行\n第二行", "表情😀", "-减号", "普通诉求")
    ids = [
        make_item(engine, settings, village, received=date(2026, 9, 1 + i), request=t).id
        for i, t in enumerate(texts)
    ]
    with UnitOfWork(engine) as uow:
        actions.settle_on_spot(
            uow=uow, item_id=ids[0], on=date(2026, 9, 9), actor="杨运润", measures="m", outcome="o"
        )
        uow.commit()
    out = tmp_path / "report.xlsx"
    export_workbook(engine, settings, out, today=TODAY, now=NOW)
    return out


def rewrite(src, dst, member, change):
    """A copy of the zip with one member's bytes changed."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, change(data) if info.filename == member else data)
    return dst


def test_fast_reader_equals_openpyxl_on_an_export(exported):
    fast = read_workbook(exported)
    same(fast, read_workbook_openpyxl(exported))
    ledger = fast.sheets["民生台账"]
    request = ledger.header.index("主要诉求及原因")
    assert {"=1+1", "A&B<C>", "第一行\n第二行", "表情😀", "-减号"} <= {r[request] for r in ledger.rows}
    received = ledger.rows[0][ledger.header.index("受理日期")]
    assert received == datetime(2026, 9, 1)
    assert fast.meta["exporter_code"] == "510623105201"


def handmade(path, epoch=None):
    """openpyxl's normal mode writes shared strings; then rich text and phonetic runs are added."""
    wb = Workbook()
    if epoch is not None:
        wb.epoch = epoch
    ws = wb.active
    ws.title = "数据"
    ws.append(["标题"])
    ws.append(["文字", "整数", "小数", "真假", "日期", "时刻", "时间", "时长", "百分比", "富文本"])
    ws.append(["共享", 42, 0.9924, True, date(2026, 9, 3), datetime(2026, 9, 3, 9, 30, 15), time(8, 30)])
    ws.append(
        ["  两端空格  ", -7, 1e20, False, date(1904, 1, 5), None, None, timedelta(hours=30), 0.5, "RICH"]
    )
    ws.append([])  # a gap
    ws.append(["隔行之后", None, None, None, datetime(2026, 1, 1)])
    ws["E3"].number_format = 'yyyy"年"m"月"d"日"'
    ws["E4"].number_format = "[$-804]yyyy/m/d"
    ws["H4"].number_format = "[h]:mm:ss"
    ws["I4"].number_format = "0.00%"
    ws["J3"] = "#N/A"  # an error value
    meta = wb.create_sheet("_meta")
    meta.append(["key", "value"])
    meta.append(["format_version", "1"])
    meta.append(["number", 3])
    wb.save(path)
    return to_shared_strings(path, path.with_name("shared-" + path.name))


RICH = (
    '<r><rPr><b/></rPr><t>粗</t></r><r><t xml:space="preserve"> 体 </t></r><rPh sb="0" eb="1"><t>cu</t></rPh>'
)


def to_shared_strings(src, dst):
    """openpyxl writes inline strings only: move the first sheet's into a shared string table
    (as Excel does), the cell "RICH" becoming rich text runs with a phonetic run."""
    strings: list[str] = []

    def share(match):
        strings.append(match.group(1))
        return f't="s"><v>{len(strings) - 1}</v></c>'.encode()

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb't="inlineStr"><is><t>([^<]*)</t></is></c>', share, data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSST" Target="sharedStrings.xml" Type="http://schemas.'
                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
                )
            zout.writestr(info.filename, data)
        items = "".join(
            f"<si>{RICH}</si>" if t == b"RICH" else f'<si><t xml:space="preserve">{t.decode()}</t></si>'
            for t in strings
        )
        sst = f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{items}</sst>'
        zout.writestr("xl/sharedStrings.xml", sst.encode())
    return dst


@pytest.mark.parametrize("epoch", [None, CALENDAR_MAC_1904])
def test_fast_reader_equals_openpyxl_on_a_handmade_workbook(tmp_path, epoch):
    path = handmade(tmp_path / "hand.xlsx", epoch)
    fast = read_workbook(path)
    same(fast, read_workbook_openpyxl(path))
    rows = fast.sheets["数据"].rows
    assert rows[0][:5] == ["共享", 42, 0.9924, True, datetime(2026, 9, 3)]
    assert rows[0][5] == datetime(2026, 9, 3, 9, 30, 15) and rows[0][6] == time(8, 30)
    assert rows[0][9] == "#N/A"
    assert rows[1][0] == "  两端空格  " and rows[1][2] == 1e20 and rows[1][3] is False
    assert rows[1][4] == datetime(1904, 1, 5) and rows[1][7] == timedelta(hours=30)
    assert rows[1][9] == "粗 体 "  # rich text runs joined, the phonetic run left out
    assert rows[2] == [None] * 10 and rows[3][0] == "隔行之后"
    assert fast.meta == {"format_version": "1", "number": "3"}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_libreoffice_resave_reads_the_same(exported, tmp_path):
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(tmp_path / "lo-out"),
            str(exported),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    resaved = tmp_path / "lo-out" / exported.name
    with zipfile.ZipFile(resaved) as zf:
        assert "xl/sharedStrings.xml" in zf.namelist()  # LibreOffice writes shared strings
    fast = read_workbook(resaved)
    same(fast, read_workbook_openpyxl(resaved))
    original = read_workbook(exported)
    assert fast.meta == original.meta and fast.sheets == original.sheets


@pytest.mark.parametrize("prolog", [LAUGHS, EXTERNAL])
@pytest.mark.parametrize("member", ["xl/worksheets/sheet2.xml", "xl/workbook.xml", "xl/styles.xml"])
def test_entity_tricks_are_refused(exported, tmp_path, prolog, member):
    def poison(data):
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        return prolog + body

    bad = rewrite(exported, tmp_path / "bad.xlsx", member, poison)
    with pytest.raises(DomainError, match="DTD或实体声明") as err:
        read_workbook(bad)
    assert "bad.xlsx" in str(err.value) and "未导入" in str(err.value)


def test_row_limit_enforced_with_and_without_a_dimension(exported, tmp_path):
    with pytest.raises(DomainError, match=r"有\d+行，超过上限2行"):  # the declared size, before any row
        read_workbook(exported, max_rows=2)

    def undimensioned(data):
        start = data.index(b"<dimension ")
        return data[:start] + data[data.index(b"/>", start) + 2 :]

    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(exported) as zin, zipfile.ZipFile(bare, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, undimensioned(data) if "worksheets/" in info.filename else data)
    whole = read_workbook(bare)
    longest = max(len(s.rows) for s in whole.sheets.values())
    with pytest.raises(DomainError, match=f"超过{longest - 1}行的上限"):  # counted while streaming
        read_workbook(bare, max_rows=longest - 1)
    assert read_workbook(bare, max_rows=longest) == whole


def test_damaged_sheet_xml_is_refused(exported, tmp_path):
    bad = rewrite(exported, tmp_path / "broken.xlsx", "xl/worksheets/sheet2.xml", lambda d: d[: len(d) // 2])
    with pytest.raises(DomainError, match="已损坏"):
        read_workbook(bad)
