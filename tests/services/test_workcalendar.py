"""Tests for the working-day calendar and the holiday override file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.services.errors import DomainError
from app.services.workcalendar import DayCheck, WorkCalendar

FILE_2027 = """\
# 2027年节假日安排（国务院办公厅通知）（测试用虚构数据）
[[year]]
year = 2027
holidays = ["2027-01-01", "2027-02-06..2027-02-13"]   # ranges "a..b" inclusive allowed
workdays = ["2027-02-14"]                              # 调休上班的周末
"""


def write(tmp_path: Path, text: str, name: str = "holidays.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 9, 30), True),  # Wed before 国庆
        (date(2026, 10, 1), False),  # 国庆
        (date(2026, 10, 7), False),  # last day of 国庆
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # 调休 Saturday
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 2, 14), True),  # 调休 Saturday before 春节
        (date(2026, 2, 15), False),  # 春节 starts
        (date(2026, 2, 23), False),  # 春节 ends (Monday)
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # 调休 Saturday after 春节
        (date(2026, 3, 1), False),
    ],
)
def test_library_days_2026(cal: WorkCalendar, day: date, workday: bool) -> None:
    assert cal.is_workday(day) == DayCheck(workday=workday, verified=True)


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2027, 1, 1), True),  # Friday: fallback does not know New Year
        (date(2027, 1, 2), False),  # Saturday
        (date(2027, 2, 14), False),  # Sunday
        (date(2003, 1, 1), True),  # before the library's range: Wednesday
    ],
)
def test_unknown_year_falls_back_to_monday_friday(cal: WorkCalendar, day: date, workday: bool) -> None:
    assert cal.is_workday(day) == DayCheck(workday=workday, verified=False)


def test_known_until_is_library_last_year(cal: WorkCalendar) -> None:
    assert cal.known_until() == 2026


def test_overrides_win_over_library() -> None:
    cal = WorkCalendar({date(2026, 10, 12): False, date(2026, 10, 11): True})
    assert cal.is_workday(date(2026, 10, 12)) == DayCheck(False, True)
    assert cal.is_workday(date(2026, 10, 11)) == DayCheck(True, True)
    assert cal.is_workday(date(2026, 10, 13)) == DayCheck(True, True)
    assert cal.known_until() == 2026  # a few dates do not make 2027 known


def test_partial_override_of_unknown_year_is_verified_only_where_given() -> None:
    cal = WorkCalendar({date(2027, 1, 1): False})
    assert cal.is_workday(date(2027, 1, 1)) == DayCheck(False, True)
    assert cal.is_workday(date(2027, 1, 4)) == DayCheck(True, False)
    assert cal.known_until() == 2026


def test_next_workday_on_or_after(cal: WorkCalendar) -> None:
    assert cal.next_workday_on_or_after(date(2026, 10, 8)) == (date(2026, 10, 8), True)
    assert cal.next_workday_on_or_after(date(2026, 10, 1)) == (date(2026, 10, 8), True)
    assert cal.next_workday_on_or_after(date(2026, 2, 15)) == (date(2026, 2, 24), True)
    assert cal.next_workday_on_or_after(date(2027, 1, 2)) == (date(2027, 1, 4), False)
    assert cal.next_workday_on_or_after(date(2026, 12, 26)) == (date(2026, 12, 28), True)


def test_from_file_makes_whole_year_verified(tmp_path: Path) -> None:
    cal = WorkCalendar.from_file(write(tmp_path, FILE_2027))
    assert cal.known_until() == 2027
    assert cal.is_workday(date(2027, 1, 1)) == DayCheck(False, True)  # holiday
    assert cal.is_workday(date(2027, 2, 6)) == DayCheck(False, True)  # range start
    assert cal.is_workday(date(2027, 2, 10)) == DayCheck(False, True)  # inside range (Wed)
    assert cal.is_workday(date(2027, 2, 13)) == DayCheck(False, True)  # range end
    assert cal.is_workday(date(2027, 2, 14)) == DayCheck(True, True)  # 调休 Sunday
    assert cal.is_workday(date(2027, 2, 15)) == DayCheck(True, True)  # ordinary Monday
    assert cal.is_workday(date(2027, 2, 20)) == DayCheck(False, True)  # ordinary Saturday
    assert cal.is_workday(date(2027, 12, 31)) == DayCheck(True, True)
    # library years are untouched, later years still fall back
    assert cal.is_workday(date(2026, 10, 10)) == DayCheck(True, True)
    assert cal.is_workday(date(2028, 1, 3)) == DayCheck(True, False)


def test_from_file_accepts_bom_and_toml_dates(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    text = "[[year]]\nyear = 2027\nholidays = [2027-01-01]\nworkdays = []\n"
    path.write_bytes(text.encode("utf-8-sig"))
    cal = WorkCalendar.from_file(path)
    assert cal.is_workday(date(2027, 1, 1)) == DayCheck(False, True)


def test_from_file_can_correct_a_library_year(tmp_path: Path) -> None:
    text = '[[year]]\nyear = 2026\nholidays = ["2026-10-12"]\n'
    cal = WorkCalendar.from_file(write(tmp_path, text))
    assert cal.is_workday(date(2026, 10, 12)) == DayCheck(False, True)
    # the file is the whole truth for its year: 10-01 is now just a Thursday
    assert cal.is_workday(date(2026, 10, 1)) == DayCheck(True, True)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[[year]\nyear = 2027", "不是有效的TOML"),
        ("title = 'x'\n", "缺少 [[year]]"),
        ('[[year]]\nyear = "2027"\n', "第1年份格式错误"),
        (FILE_2027 + '[[year]]\nyear = 2028\nholidays = ["2028-13-01"]\n', "第2年份格式错误"),
        (FILE_2027 + '[[year]]\nyear = 2028\nholidays = ["2028/01/01"]\n', "2028/01/01"),
        ('[[year]]\nyear = 2027\nholidays = ["2028-01-01"]\n', "不在2027年内"),
        ('[[year]]\nyear = 2027\nholidays = ["2027-02-13..2027-02-06"]\n', "开始日期晚于结束日期"),
        ('[[year]]\nyear = 2027\nholidays = "2027-01-01"\n', "应为日期列表"),
        ("[[year]]\nyear = 2027\nholidays = [20270101]\n", "不是日期"),
        (
            '[[year]]\nyear = 2027\nholidays = ["2027-02-14"]\nworkdays = ["2027-02-14"]\n',
            "同时出现在",
        ),
        ('[[year]]\nyear = 2027\nholiday = ["2027-01-01"]\n', "不认识的字段 holiday"),
        (FILE_2027 + FILE_2027, "2027年出现了不止一次"),
    ],
)
def test_bad_file_raises_domain_error_in_chinese(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(DomainError) as info:
        WorkCalendar.from_file(write(tmp_path, text))
    assert fragment in info.value.message
    assert "节假日文件" in info.value.message


def test_missing_or_non_utf8_file(tmp_path: Path) -> None:
    with pytest.raises(DomainError, match="无法读取节假日文件"):
        WorkCalendar.from_file(tmp_path / "nope.toml")
    path = tmp_path / "gbk.toml"
    path.write_bytes("# 节假日\n[[year]]\nyear = 2027\n".encode("gbk"))
    with pytest.raises(DomainError, match="UTF-8"):
        WorkCalendar.from_file(path)
