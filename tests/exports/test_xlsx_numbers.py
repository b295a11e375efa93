"""The copied number rules give exactly what openpyxl's own functions give."""

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.styles import numbers as theirs_numbers
from openpyxl.utils import cell as theirs_cell
from openpyxl.utils import datetime as theirs_datetime

from app.exports import xlsx_numbers as ours

FORMAT_PIECES = [
    "yyyy",
    "mm",
    "dd",
    "h",
    ":ss",
    "[h]",
    "[hh]",
    "[mm]",
    "[ss]",
    ".0",
    '"d"',
    "[Red]",
    "[$-804]",
    "\\d",
    "_m",
    ";",
    "0.00",
    "#,##0",
    "@",
    "AM/PM",
    "年",
    "E+00",
]
FORMATS = st.one_of(st.none(), st.lists(st.sampled_from(FORMAT_PIECES), max_size=6).map("".join))


def outcome(fn, *args, **kwargs):
    try:
        value = fn(*args, **kwargs)
    except Exception as exc:  # the kind of failure is part of the behaviour
        return ("raised", type(exc), str(exc))
    return (type(value), value)


def test_the_builtin_formats_are_openpyxls():
    assert ours.BUILTIN_FORMATS == theirs_numbers.BUILTIN_FORMATS
    for index in range(-1, 200):
        assert ours.builtin_format_code(index) == theirs_numbers.builtin_format_code(index)
    assert ours.CALENDAR_WINDOWS_1900 == theirs_datetime.CALENDAR_WINDOWS_1900
    assert ours.CALENDAR_MAC_1904 == theirs_datetime.CALENDAR_MAC_1904


@settings(max_examples=500, deadline=None)
@given(FORMATS)
def test_date_and_duration_formats_are_recognised_alike(fmt):
    assert ours.is_date_format(fmt) == theirs_numbers.is_date_format(fmt)
    assert ours.is_timedelta_format(fmt) == theirs_numbers.is_timedelta_format(fmt)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.none(),
        st.integers(-1000, 3_000_000),
        st.floats(-1000, 3_000_000, allow_nan=False),
        st.sampled_from([0, 0.5, 59, 60, 61, 0.9999999, 1e-9, 46349.09425925926]),
    ),
    st.sampled_from([ours.CALENDAR_WINDOWS_1900, ours.CALENDAR_MAC_1904]),
    st.booleans(),
)
def test_serial_numbers_convert_alike(value, epoch, timedelta):
    assert outcome(ours.from_excel, value, epoch, timedelta=timedelta) == outcome(
        theirs_datetime.from_excel, value, epoch, timedelta=timedelta
    )


ISO_PIECES = ["2026", "-", "01", "09", "T", "12", ":", "30", ".5", ".123", "Z", "PT", "1H", "2M", "3.5S", "x"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(ISO_PIECES), max_size=9).map("".join))
def test_iso_texts_convert_alike(text):
    assert outcome(ours.from_ISO8601, text) == outcome(theirs_datetime.from_ISO8601, text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ABCZazß$1"), max_size=4))
def test_column_letters_convert_alike(letters):
    assert outcome(ours.column_index_from_string, letters) == outcome(
        theirs_cell.column_index_from_string, letters
    )
