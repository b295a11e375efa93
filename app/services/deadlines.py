"""Deadline arithmetic for handling periods (民法典 第二百零一条、第二百零三条); no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.services.errors import DomainError
from app.services.workcalendar import WorkCalendar

_ONE_DAY = timedelta(days=1)


class Unit(StrEnum):
    """How a period's days are counted."""

    CALENDAR = "calendar"
    WORKING = "working"

    @property
    def label(self) -> str:
        """Chinese name shown to the user."""
        return "自然日" if self is Unit.CALENDAR else "工作日"


@dataclass(frozen=True)
class Due:
    """A computed due date.

    ``verified`` is False if any day consulted came from the Mon–Fri guess (year unknown to the
    holiday table); ``rolled`` is True if the last day fell on a rest day and was moved forward.
    """

    due: date
    verified: bool
    rolled: bool


def compute_due(start: date, days: int, unit: Unit, cal: WorkCalendar) -> Due:
    """Due date of a period of ``days`` counted in ``unit`` from the day of receipt ``start``.

    The day of receipt is not counted; counting begins the next day.  For calendar days the
    last day is ``start + days``; if it is a rest day (weekend or statutory holiday, but not a
    调休 make-up working day) the period ends on the next working day.  For working days,
    ``days`` working days are counted from the day after ``start``.  ``days == 0`` is due on
    ``start`` itself.  The period ends at 24:00 of the due day.
    """
    if days < 0:
        raise DomainError(f"期限天数不能为负数（当前为{days}天）")
    try:
        unit = Unit(unit)
    except ValueError as exc:
        raise DomainError(f"不认识的期限单位“{unit}”，应为自然日或工作日") from exc
    if days == 0:
        return Due(due=start, verified=True, rolled=False)
    if unit is Unit.CALENDAR:
        return _calendar_due(start, days, cal)
    return _working_due(start, days, cal)


def _calendar_due(start: date, days: int, cal: WorkCalendar) -> Due:
    last = start + timedelta(days=days)
    check = cal.is_workday(last)
    if check.workday:
        return Due(due=last, verified=check.verified, rolled=False)
    moved, verified = cal.next_workday_on_or_after(last + _ONE_DAY)
    return Due(due=moved, verified=check.verified and verified, rolled=True)


def _working_due(start: date, days: int, cal: WorkCalendar) -> Due:
    current = start
    counted = 0
    verified = True
    while counted < days:
        current += _ONE_DAY
        check = cal.is_workday(current)
        verified = verified and check.verified
        if check.workday:
            counted += 1
    return Due(due=current, verified=verified, rolled=False)


def days_left(due: date, today: date) -> int:
    """Days from ``today`` to ``due``: 0 on the due day itself, negative once overdue."""
    return (due - today).days
