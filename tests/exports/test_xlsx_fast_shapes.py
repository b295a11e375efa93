"""The regex fast path against expat on generated sheets: plain rows and cells of every kind in any
order, empty and self-closing rows, references, and markup the fast path must decline."""

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.exports import xlsx_fast, xlsx_read
from app.exports.xlsx_read import XlsxPackage, read_sheet

HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C3"/>'
SHARED = ["零", "一", "二"]
MEMBER = "xl/worksheets/sheet1.xml"

TEXT = st.lists(
    st.sampled_from(
        ["a", "张", " ", "&amp;", "&lt;", "&#x41;", "&#66;", "\n", "\r\n", "😀", "&bad;", "&#0;"]
    ),
    max_size=6,
).map("".join)


def _cell(draw: st.DrawFn, ref: str) -> str:
    kind = draw(st.integers(0, 12))
    style = draw(st.sampled_from(["", ' s="3"', ' s="7"', ' s="4"']))
    if kind == 0:
        return f'<c r="{ref}"{style}/>'
    if kind == 1:
        t = draw(st.sampled_from(["<t>", '<t xml:space="preserve">']))
        return f'<c r="{ref}"{style} t="inlineStr"><is>{t}{draw(TEXT)}</t></is></c>'
    if kind == 2:
        return f'<c r="{ref}"{style} t="inlineStr"><is><t/></is></c>'
    if kind == 3:
        number = draw(st.sampled_from(["46310", "2.5", "12", "1E3", "-4", "46349.09425925926", "", "x"]))
        return f'<c r="{ref}"{style}><v>{number}</v></c>'
    if kind == 4:
        return f'<c r="{ref}" t="s"><v>{draw(st.integers(0, 2))}</v></c>'
    if kind == 5:
        return f'<c r="{ref}" t="b"><v>{draw(st.sampled_from(["0", "1"]))}</v></c>'
    if kind == 6:
        return f'<c r="{ref}" t="{draw(st.sampled_from(["str", "e"]))}"><v>{draw(TEXT)}</v></c>'
    if kind == 7:
        return f'<c r="{ref}" t="inlineStr"/>'
    if kind == 8:
        return f'<c r="{ref}" t="inlineStr"><v>1</v></c>'  # declined: expat decides
    if kind == 9:
        return f'<c r="{ref}" t="s"><v></v></c>'
    if kind == 10:
        return f'<c r="{ref}" t="inlineStr"><is><r><t>富</t></r></is></c>'  # rich text: declined
    if kind == 11:
        return f'<c r="{ref}" t="d"><v>2026-01-02</v></c>'  # ISO date: declined
    return f'<c r="{ref}" t="n" s="7"><v>46310</v></c>'


@st.composite
def sheets(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        number = draw(st.integers(1, 8))
        if draw(st.integers(0, 5)) == 0:
            parts.append(f'<row r="{number}"/>')
            continue
        columns = draw(st.lists(st.sampled_from(["A", "B", "C", "E", "Z", "AB"]), max_size=6))
        cells = "".join(_cell(draw, f"{c}{number}") for c in columns)
        attrs = draw(st.sampled_from(["", ' spans="1:3"', ' ht="20" customHeight="1"']))
        parts.append(f'<row r="{number}"{attrs}>{cells}</row>')
    if draw(st.integers(0, 9)) == 0:  # something the fast path must not take
        junk = draw(st.sampled_from(["\n", "<!-- x -->", '<c r="A1" t="inlineStr"><is><t>x</t></is></c>']))
        parts.insert(draw(st.integers(0, len(parts))), junk)
    prolog = draw(st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>', "<?pi x?>", "<!-- c -->"]))
    after = draw(st.sampled_from(["", "<!-- c -->", "<?pi x?>", "<sheetData/>"]))
    return f"{prolog}{HEAD}<sheetData>{''.join(parts)}</sheetData>{after}</worksheet>"


def package(xml: str) -> XlsxPackage:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(MEMBER, xml.encode("utf-8"))
    zf = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    return XlsxPackage(zf, [("表", MEMBER)], shared=SHARED, date_styles=frozenset({7}))


def expat_rows(pkg: XlsxPackage, **kw) -> object:
    old, xlsx_read.FAST_PATH_LIMIT = xlsx_read.FAST_PATH_LIMIT, -1
    try:
        return read_sheet(pkg, MEMBER, **kw)
    except Exception as exc:  # the kind of failure is what is compared
        return type(exc)
    finally:
        xlsx_read.FAST_PATH_LIMIT = old


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(), st.integers(1, 3), st.sampled_from([None, 1, 2, 26]))
def test_the_fast_path_gives_what_expat_gives(xml, min_row, max_col):
    pkg = package(xml)
    reader = xlsx_read._SheetReader(pkg, min_row, 100, max_col)
    try:
        took = xlsx_fast.fast_rows(reader, xml.encode("utf-8"))
        fast: object = reader.rows
    except Exception as exc:
        took, fast = True, type(exc)
    slow = expat_rows(pkg, min_row=min_row, max_rows=100, max_col=max_col)
    if took:
        assert fast == slow
        if isinstance(slow, list):  # equal types too: 1 == 1.0 == True would hide a difference
            assert [[type(v) for v in r] for r in fast] == [[type(v) for v in r] for r in slow]
    else:
        assert reader.rows == []  # declined: the reader is left untouched for expat


def test_generated_sheets_do_take_the_fast_path():
    """The generator is not all declines: a plain sheet of every handled kind is taken."""
    row = (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>a&amp;b</t></is></c><c r="C2" s="7"><v>46310</v></c>'
        '<c r="B2" t="s"><v>2</v></c><c r="B2"/><c r="E2" t="b"><v>0</v></c>'
        '<c r="Z2" t="e"><v>#N/A</v></c></row>'
    )
    xml = f'{HEAD}<sheetData>{row}<row r="5"/></sheetData></worksheet>'
    pkg = package(xml)
    reader = xlsx_read._SheetReader(pkg, 1, 100, None)
    assert xlsx_fast.fast_rows(reader, xml.encode("utf-8")) is True
    assert reader.rows == expat_rows(pkg, min_row=1, max_rows=100)
    assert reader.rows[1][:5] == ["a&b", "二", reader.rows[1][2], None, False]
