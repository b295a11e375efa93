"""Tests for deadline arithmetic, hand-computed around 国庆 2026 and 春节 2026.

2026 facts (chinesecalendar 1.11.0): 国庆 rest 10-01..10-07, 10-10 (Sat) is a 调休 working day;
春节 rest 02-15..02-23, 02-14 (Sat) and 02-28 (Sat) are 调休 working days.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.deadlines import Due, Unit, compute_due, days_left
from app.services.errors import DomainError
from app.services.workcalendar import WorkCalendar

C = Unit.CALENDAR
W = Unit.WORKING
CAL = WorkCalendar()

FILE_2027 = """\
# 2027年节假日安排（测试用虚构数据）
[[year]]
year = 2027
holidays = ["2027-01-01", "2027-02-06..2027-02-13"]
workdays = ["2027-02-14"]
"""


@pytest.mark.parametrize(
    ("start", "days", "unit", "expected"),
    [
        # 国庆: 09-28 Mon + 5 = 10-03 (holiday) -> first working day 10-08
        (date(2026, 9, 28), 5, C, Due(date(2026, 10, 8), True, True)),
        # 09-29 (1), 09-30 (2), [10-01..10-07 rest], 10-08 (3), 10-09 (4)
        (date(2026, 9, 28), 4, W, Due(date(2026, 10, 9), True, False)),
        # ... and the 5th working day is the 调休 Saturday 10-10
        (date(2026, 9, 28), 5, W, Due(date(2026, 10, 10), True, False)),
        # 10-08, 10-09, 10-10 (调休 Sat), 10-12..10-16, 10-19, 10-20
        (date(2026, 9, 30), 10, W, Due(date(2026, 10, 20), True, False)),
        # 09-30 + 10 = 10-10, a 调休 Saturday: no roll
        (date(2026, 9, 30), 10, C, Due(date(2026, 10, 10), True, False)),
        # 09-30 + 15 = 10-15 Thu
        (date(2026, 9, 30), 15, C, Due(date(2026, 10, 15), True, False)),
        # 09-25 + 15 = 10-10 (调休 Sat) no roll
        (date(2026, 9, 25), 15, C, Due(date(2026, 10, 10), True, False)),
        # 09-28 + 15 = 10-13 Tue
        (date(2026, 9, 28), 15, C, Due(date(2026, 10, 13), True, False)),
        # 09-20 + 15 = 10-05 (holiday) -> 10-08
        (date(2026, 9, 20), 15, C, Due(date(2026, 10, 8), True, True)),
        # 春节: 02-06 + 15 = 02-21 (holiday Sat) -> 02-22 Sun, 02-23 Mon rest -> 02-24
        (date(2026, 2, 6), 15, C, Due(date(2026, 2, 24), True, True)),
        # 02-13 + 10 = 02-23 (last holiday) -> 02-24
        (date(2026, 2, 13), 10, C, Due(date(2026, 2, 24), True, True)),
        # 02-04 + 10 = 02-14, a 调休 Saturday: no roll
        (date(2026, 2, 4), 10, C, Due(date(2026, 2, 14), True, False)),
        # 02-18 + 10 = 02-28, a 调休 Saturday: no roll
        (date(2026, 2, 18), 10, C, Due(date(2026, 2, 28), True, False)),
        # 02-10..02-13 (4), 02-14 Sat (5), [02-15..02-23 rest], 02-24..02-27 (9), 02-28 Sat (10)
        (date(2026, 2, 9), 10, W, Due(date(2026, 2, 28), True, False)),
        # ... then 03-01 Sun skipped, 03-02..03-06 (15)
        (date(2026, 2, 9), 15, W, Due(date(2026, 3, 6), True, False)),
        # received on a holiday: 02-24..02-27 (4), 02-28 Sat (5)
        (date(2026, 2, 16), 5, W, Due(date(2026, 2, 28), True, False)),
        # ordinary Sunday rolls to Monday: 03-13 Fri + 2 = 03-15 Sun -> 03-16 Mon
        (date(2026, 3, 13), 2, C, Due(date(2026, 3, 16), True, True)),
        # ordinary Saturday rolls to Monday: 03-13 Fri + 1 = 03-14 Sat -> 03-16 Mon
        (date(2026, 3, 13), 1, C, Due(date(2026, 3, 16), True, True)),
        # working days over an ordinary weekend: 03-16 Mon, 03-17 Tue
        (date(2026, 3, 13), 2, W, Due(date(2026, 3, 17), True, False)),
        # zero days: due the day of receipt, even on a holiday
        (date(2026, 10, 3), 0, C, Due(date(2026, 10, 3), True, False)),
        (date(2026, 10, 3), 0, W, Due(date(2026, 10, 3), True, False)),
    ],
)
def test_hand_computed(start: date, days: int, unit: Unit, expected: Due) -> None:
    assert compute_due(start, days, unit, CAL) == expected


def test_2027_falls_back_to_monday_friday_unverified() -> None:
    # 2027-02-05 Fri + 1 = 02-06 Sat -> Mon 02-08 by the Mon–Fri guess
    assert compute_due(date(2027, 2, 5), 1, C, CAL) == Due(date(2027, 2, 8), False, True)
    # 02-05 Fri, 02-08 Mon, 02-09 Tue
    assert compute_due(date(2027, 2, 4), 3, W, CAL) == Due(date(2027, 2, 9), False, False)
    # 2026-12-28 Mon + 5 = 2027-01-02 Sat -> 01-04 Mon (guess does not know New Year)
    assert compute_due(date(2026, 12, 28), 5, C, CAL) == Due(date(2027, 1, 4), False, True)
    # 2026-12-28 Mon: 12-29, 12-30, 12-31 are known; 2027-01-01 Fri is a guess
    assert compute_due(date(2026, 12, 28), 3, W, CAL) == Due(date(2026, 12, 31), True, False)
    assert compute_due(date(2026, 12, 28), 4, W, CAL) == Due(date(2027, 1, 1), False, False)


def test_2027_override_file_verifies_and_changes_result(tmp_path: Path) -> None:
    path = tmp_path / "2027.toml"
    path.write_text(FILE_2027, encoding="utf-8")
    cal = WorkCalendar.from_file(path)
    # 02-06 is a holiday; rest through 02-13; 02-14 (Sun) is a 调休 working day
    assert compute_due(date(2027, 2, 5), 1, C, cal) == Due(date(2027, 2, 14), True, True)
    # 02-05 Fri (1), [02-06..02-13 rest], 02-14 Sun (2), 02-15 Mon (3)
    assert compute_due(date(2027, 2, 4), 3, W, cal) == Due(date(2027, 2, 15), True, False)
    # 2027-01-01 is now a holiday: 12-29, 12-30, 12-31, 01-04
    assert compute_due(date(2026, 12, 28), 4, W, cal) == Due(date(2027, 1, 4), True, False)
    assert compute_due(date(2026, 12, 28), 5, C, cal) == Due(date(2027, 1, 4), True, True)


def test_negative_days_rejected() -> None:
    with pytest.raises(DomainError, match="不能为负数"):
        compute_due(date(2026, 10, 1), -1, C, CAL)


def test_unit_accepts_plain_string_and_has_chinese_label() -> None:
    assert compute_due(date(2026, 9, 28), 4, "working", CAL).due == date(2026, 10, 9)  # type: ignore[arg-type]
    assert Unit.CALENDAR.label == "自然日"
    assert Unit.WORKING.label == "工作日"
    assert Unit("calendar") is Unit.CALENDAR
    with pytest.raises(DomainError, match="期限单位"):
        compute_due(date(2026, 9, 28), 5, "weeks", CAL)  # type: ignore[arg-type]


def test_days_left() -> None:
    due = date(2026, 10, 8)
    assert days_left(due, date(2026, 10, 1)) == 7
    assert days_left(due, due) == 0  # ends at 24:00 of the due day: not overdue
    assert days_left(due, date(2026, 10, 9)) == -1


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2005, 1, 1), max_value=date(2028, 12, 31)),
    days=st.integers(min_value=0, max_value=40),
)
def test_properties(start: date, days: int) -> None:
    cal_due = compute_due(start, days, C, CAL)
    work_due = compute_due(start, days, W, CAL)
    assert cal_due.due >= start
    assert work_due.due >= start
    assert cal_due.due >= start + timedelta(days=days)
    if days > 0:
        assert CAL.is_workday(work_due.due).workday
    if cal_due.rolled or CAL.is_workday(start + timedelta(days=days)).workday:
        assert CAL.is_workday(cal_due.due).workday
    if not cal_due.rolled:
        assert cal_due.due == start + timedelta(days=days)
    assert work_due.due >= cal_due.due
    if start.year >= 2027:
        assert not work_due.verified or days == 0
    if start.year <= 2025:
        assert work_due.verified and cal_due.verified
