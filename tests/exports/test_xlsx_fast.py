"""The regex fast path gives exactly what expat gives, or declines and lets expat decide."""

import io
import zipfile

import pytest

from app.exports import xlsx_fast, xlsx_read
from app.exports.xlsx_read import XlsxPackage, read_sheet

HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C3"/>'


def package(sheet_xml: str, shared: list[str] | None = None) -> XlsxPackage:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml.encode("utf-8"))
    zf = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    return XlsxPackage(
        zf, [("表", "xl/worksheets/sheet1.xml")], shared=shared or [], date_styles=frozenset({7})
    )


def both(sheet_xml: str, shared: list[str] | None = None) -> tuple[bool, list, list]:
    pkg = package(sheet_xml, shared)
    reader = xlsx_read._SheetReader(pkg, 1, 100, None)
    took = xlsx_fast.fast_rows(reader, sheet_xml.encode("utf-8"))
    fast = read_sheet(pkg, "xl/worksheets/sheet1.xml", min_row=1, max_rows=100)
    old, xlsx_read.FAST_PATH_LIMIT = xlsx_read.FAST_PATH_LIMIT, -1
    try:
        slow = read_sheet(pkg, "xl/worksheets/sheet1.xml", min_row=1, max_rows=100)
    finally:
        xlsx_read.FAST_PATH_LIMIT = old
    return took, fast, slow


def sheet(rows: str) -> str:
    return f"{HEAD}<sheetData>{rows}</sheetData></worksheet>"


PLAIN = sheet(
    '<row r="1"><c r="A1" s="1" t="inlineStr"><is><t>标题 &amp; &lt;说明&gt; &#x41;&#66;</t></is></c></row>'
    '<row r="3"><c r="A3" s="3" t="inlineStr"><is><t xml:space="preserve"> 前后空格 </t></is></c>'
    '<c r="B3" s="7"><v>46310</v></c><c r="C3" s="4"><v>2.5</v></c><c r="D3" s="3"/>'
    '<c r="E3" t="s"><v>1</v></c><c r="F3" t="b"><v>1</v></c><c r="G3" s="4"><v>12</v></c>'
    '<c r="H3" t="inlineStr"><is><t/></is></c></row>'
)


def test_the_plain_shape_reads_the_same_through_both_paths():
    took, fast, slow = both(PLAIN, ["零", "一"])
    assert took is True
    assert fast == slow
    assert fast[0] == ["标题 & <说明> AB"] and fast[1] == []  # row 2 missing: an empty row
    values = fast[2]
    assert values[0] == " 前后空格 " and values[1].year == 2026 and values[2] == 2.5
    assert values[4:8] == ["一", True, 12, ""] and values[3] is None


@pytest.mark.parametrize(
    "rows",
    [
        # rich text
        '<row r="1"><c r="A1" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c></row>',
        '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>',  # a formula
        '<row r="1" spans="1:2" customHeight="1" ht="20"><c r="A1" t="n" s="2"><v>3</v></c></row>',
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a\r\nb</t></is></c></row>',  # line ends normalised
        '<row r="1"><c r="A1" t="str"><v>文本结果</v></c><c r="B1" t="e"><v>#N/A</v></c></row>',
    ],
)
def test_other_shapes_give_what_expat_gives(rows):
    _took, fast, slow = both(sheet(rows))
    assert fast == slow


def test_entity_tricks_are_left_to_expat_which_refuses():
    doctype = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
    xml = doctype + sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row>')
    pkg = package(xml)
    reader = xlsx_read._SheetReader(pkg, 1, 100, None)
    assert xlsx_fast.fast_rows(reader, xml.encode("utf-8")) is False and reader.rows == []
    with pytest.raises(xlsx_read.UnsafeXml):
        read_sheet(pkg, "xl/worksheets/sheet1.xml", min_row=1, max_rows=100)
    undeclared = sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&lol;</t></is></c></row>')
    reader = xlsx_read._SheetReader(package(undeclared), 1, 100, None)
    assert xlsx_fast.fast_rows(reader, undeclared.encode("utf-8")) is False


def test_the_row_limit_holds_on_the_fast_path():
    rows = "".join(f'<row r="{n}"><c r="A{n}" s="4"><v>{n}</v></c></row>' for n in range(1, 30))
    with pytest.raises(xlsx_read.SheetTooLarge):
        read_sheet(package(sheet(rows)), "xl/worksheets/sheet1.xml", min_row=1, max_rows=10)
