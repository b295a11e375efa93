"""The checksum's canonical form: empty text and empty cells alike, dates and times as text, whatever
the value's type on either side (the database's rows, or cells read back from a workbook)."""

import hashlib
import json
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from app.services.report_data import (
    CHECKSUM_TABLE_TAIL,
    _empty_strings_as_null,
    canonical_value,
    checksum,
    checksum_table_head,
    checksum_token,
)

values = st.one_of(
    st.none(),
    st.just(""),
    st.text(alphabet=st.sampled_from(['"', "\\", ",", "[", "]", "a", "村", ":", "{"]), max_size=6),
    st.integers(-10, 10**6),
)
rows = st.lists(st.lists(values, max_size=5), max_size=5)


@given(rows)
def test_empty_strings_become_null_exactly_where_they_are_values(doc):
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    expected = [[None if v == "" else v for v in row] for row in doc]
    assert json.loads(_empty_strings_as_null(text)) == expected


@given(rows)
def test_the_checksum_equals_the_one_of_canonical_values(doc):
    canonical = [[canonical_value(v) for v in row] for row in doc]
    assert checksum([("表", ["甲"], doc)]) == checksum([("表", ["甲"], canonical)])


def test_dates_and_times_read_back_give_the_same_checksum():
    ours = [("表", ["日期", "时间", "文字"], [(date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5, 678), "")])]
    read = [("表", ["日期", "时间", "文字"], [[datetime(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5), None]])]
    aware = [
        (
            "表",
            ["日期", "时间", "文字"],
            [(date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), None)],
        )
    ]
    assert checksum(ours) == checksum(read) == checksum(aware)
    changed = [
        ("表", ["日期", "时间", "文字"], [[datetime(2026, 1, 3), datetime(2026, 1, 2, 3, 4, 5), None]])
    ]
    assert checksum(changed) != checksum(ours)


any_value = st.one_of(
    values,
    st.booleans(),
    st.floats(allow_nan=False),
    st.dates(min_value=date(1900, 3, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), timezones=st.just(UTC)),
    st.text(max_size=8),
)
tables = st.lists(
    st.tuples(
        st.text(max_size=4),
        st.lists(st.text(max_size=3), max_size=4),
        st.lists(st.lists(any_value, max_size=6).map(tuple), max_size=6),
    ),
    max_size=4,
)


def streamed_checksum(doc) -> str:
    """As the workbook writer hashes: table head, each row's tokens, table tail."""
    parts = [
        checksum_table_head(name, headers)
        + ",".join("[" + ",".join(checksum_token(v) for v in row) + "]" for row in table_rows)
        + CHECKSUM_TABLE_TAIL
        for name, headers, table_rows in doc
    ]
    return hashlib.sha256(("[" + ",".join(parts) + "]").encode("utf-8")).hexdigest()


@given(tables)
def test_hashing_row_by_row_gives_the_checksum(doc):
    assert streamed_checksum(doc) == checksum(doc)


def test_hashing_row_by_row_sees_a_changed_cell():
    doc = [("表", ["甲", "乙"], [("", 1), (date(2026, 1, 2), "村")])]
    changed = [("表", ["甲", "乙"], [("", 1), (date(2026, 1, 3), "村")])]
    assert streamed_checksum(doc) == checksum(doc) != streamed_checksum(changed)
