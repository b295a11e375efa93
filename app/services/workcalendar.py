"""Chinese working-day calendar: user overrides, then chinesecalendar, then a Mon–Fri fallback."""

from __future__ import annotations

import calendar
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import chinese_calendar

from app.services.errors import DomainError

_ONE_DAY = timedelta(days=1)
_PROBE_YEARS = range(1990, 2200)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class DayCheck:
    """Whether a date is a working day, and whether that answer comes from a real holiday table."""

    workday: bool
    verified: bool


@cache
def _library_years() -> frozenset[int]:
    """Years the installed chinesecalendar knows (it raises NotImplementedError for others)."""
    known: set[int] = set()
    for year in _PROBE_YEARS:
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            continue
        known.add(year)
    return frozenset(known)


def _days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


class WorkCalendar:
    """Answers "is this a working day?" for Chinese statutory holidays and 调休 make-up days.

    Lookup order: ``overrides`` (date → is-working-day) first, then the chinesecalendar
    library, then a Monday–Friday guess marked ``verified=False``.  It never raises for a date.
    """

    def __init__(self, overrides: dict[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        self._cache: dict[date, DayCheck] = {}  # clocks for 100,000 items ask the same days
        per_year: dict[int, int] = {}
        for d in self._overrides:
            per_year[d.year] = per_year.get(d.year, 0) + 1
        self._full_years = frozenset(y for y, n in per_year.items() if n == _days_in_year(y))

    @property
    def overrides(self) -> dict[date, bool]:
        """A copy of the per-date overrides."""
        return dict(self._overrides)

    def is_workday(self, d: date) -> DayCheck:
        """Return whether ``d`` is a working day and whether the answer is verified."""
        cached = self._cache.get(d)
        if cached is None:
            cached = self._cache[d] = self._lookup(d)
        return cached

    def _lookup(self, d: date) -> DayCheck:
        if d in self._overrides:
            return DayCheck(workday=self._overrides[d], verified=True)
        try:
            return DayCheck(workday=bool(chinese_calendar.is_workday(d)), verified=True)
        except NotImplementedError:
            return DayCheck(workday=d.weekday() < 5, verified=False)

    def known_until(self) -> int | None:
        """Last year fully verified by the library or by a whole-year override (e.g. a file)."""
        years = _library_years() | self._full_years
        return max(years) if years else None

    def next_workday_on_or_after(self, d: date) -> tuple[date, bool]:
        """First working day on or after ``d``, and whether every day consulted was verified."""
        verified = True
        while True:
            check = self.is_workday(d)
            verified = verified and check.verified
            if check.workday:
                return d, verified
            d += _ONE_DAY

    @classmethod
    def from_file(cls, path: Path) -> WorkCalendar:
        """Load a holiday table (TOML, UTF-8) published after the installed library.

        File shape::

            # 2027年节假日安排（国务院办公厅通知）
            [[year]]
            year = 2027
            holidays = ["2027-01-01", "2027-02-06..2027-02-13"]   # "a..b" is an inclusive range
            workdays = ["2027-02-14"]                              # 调休上班的周末

        Every year listed is treated as fully known (verified) for all its dates: dates in
        ``holidays`` are rest days, dates in ``workdays`` are working days, all other dates
        follow Monday–Friday.  Dates may be strings or TOML date literals.  Any problem raises
        ``DomainError`` with a Chinese message.
        """
        return cls(parse_holiday_file(Path(path)))


def parse_holiday_file(path: Path) -> dict[date, bool]:
    """Read a holiday TOML file into per-date overrides covering each listed year completely."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DomainError(f"无法读取节假日文件“{path}”：{exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(f"节假日文件“{path.name}”不是UTF-8编码，请另存为UTF-8后再导入") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DomainError(f"节假日文件“{path.name}”格式错误（不是有效的TOML）：{exc}") from exc
    entries = data.get("year")
    if not isinstance(entries, list) or not entries:
        raise DomainError("节假日文件缺少 [[year]] 段落，至少需要一个年份")
    result: dict[date, bool] = {}
    seen: set[int] = set()
    for index, entry in enumerate(entries, start=1):
        year, days = _parse_year(index, entry)
        if year in seen:
            raise DomainError(f"节假日文件中{year}年出现了不止一次")
        seen.add(year)
        result.update(days)
    return result


def _parse_year(index: int, entry: Any) -> tuple[int, dict[date, bool]]:
    prefix = f"节假日文件第{index}年份格式错误："
    if not isinstance(entry, dict):
        raise DomainError(prefix + "应为 [[year]] 表")
    year = entry.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2199:
        raise DomainError(prefix + f"year 应为1900–2199之间的整数，实际为“{year}”")
    unknown = sorted(set(entry) - {"year", "holidays", "workdays"})
    if unknown:
        raise DomainError(prefix + f"不认识的字段 {', '.join(unknown)}")
    holidays = _parse_dates(prefix, year, "holidays", entry.get("holidays", []))
    workdays = _parse_dates(prefix, year, "workdays", entry.get("workdays", []))
    both = sorted(holidays & workdays)
    if both:
        raise DomainError(prefix + f"{both[0].isoformat()} 同时出现在 holidays 和 workdays 中")
    days: dict[date, bool] = {}
    d = date(year, 1, 1)
    while d.year == year:
        days[d] = d in workdays or (d.weekday() < 5 and d not in holidays)
        d += _ONE_DAY
    return year, days


def _parse_dates(prefix: str, year: int, key: str, items: Any) -> set[date]:
    if not isinstance(items, list):
        raise DomainError(prefix + f"{key} 应为日期列表")
    out: set[date] = set()
    for item in items:
        first, last = _parse_item(prefix, key, item)
        if last < first:
            raise DomainError(prefix + f"{key} 中的区间“{item}”开始日期晚于结束日期")
        if first.year != year or last.year != year:
            raise DomainError(prefix + f"{key} 中的“{item}”不在{year}年内")
        d = first
        while d <= last:
            out.add(d)
            d += _ONE_DAY
    return out


def _parse_item(prefix: str, key: str, item: Any) -> tuple[date, date]:
    if type(item) is date:  # TOML date literal (a datetime is rejected below)
        return item, item
    if not isinstance(item, str):
        raise DomainError(prefix + f"{key} 中的“{item}”不是日期")
    parts = item.split("..")
    if len(parts) > 2:
        raise DomainError(prefix + f"{key} 中的“{item}”无法识别，区间应写作 YYYY-MM-DD..YYYY-MM-DD")
    try:
        texts = [p.strip() for p in parts]
        if not all(_ISO_DATE.fullmatch(t) for t in texts):
            raise ValueError(item)
        found = [date.fromisoformat(t) for t in texts]
    except ValueError as exc:
        raise DomainError(prefix + f"{key} 中的“{item}”无法识别，日期应写作 YYYY-MM-DD") from exc
    return found[0], found[-1]
