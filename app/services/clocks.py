"""The deadline clocks of an item: which limit runs now, when it is due, and the overall clock.

When each clock starts, stops and restarts (also written out in docs/deadlines.md):
- 村级办结 starts on the day the village received the request (受理日期); it runs while the item
  waits for 议账 and while the village handles it; it stops when the village settles (or settles on
  the spot) or reports the item to the township.
- 乡镇答复 and 乡镇办结或上报 both start on the day the village reported the item to the township;
  the reply clock stops at the township's 答复 (or when it settles or reports upward); the other
  stops when the township settles or reports to the county 三账办.
- 县三账办登记交办 starts on the day the township reported to the county; it stops at 交办.
- 县直部门办结 and 书面报告 start on the day of 交办; they stop at 办结 or at the written report
  that sends the item to the 联席会议. 联席会议 and 县委、县政府 have no fixed limit.
- If the requester is not satisfied, the item is reopened at the level that settled it and that
  level's clocks start again from the day of reopening.
- The overall clock counts calendar days from the day the villager first asked; it stops when the
  item is settled and goes on again if it is reopened (it is never reset).
"""

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from app.models.enums import ItemState
from app.services.config import Limit, RuleSet
from app.services.deadlines import compute_due, days_left
from app.services.workcalendar import WorkCalendar

S = ItemState

OK, WARNING, OVERDUE = "ok", "warning", "overdue"
STATUS_LABELS = {OK: "正常", WARNING: "即将到期", OVERDUE: "已逾期"}

# state -> (limit keys running in that state, first is the one shown; start-date attribute)
_RUNNING: dict[ItemState, tuple[tuple[str, ...], str]] = {
    S.REGISTERED: (("village_settle",), "level_started_on"),
    S.VILLAGE_HANDLING: (("village_settle",), "level_started_on"),
    S.TOWNSHIP_HANDLING: (("township_reply", "township_settle"), "level_started_on"),
    S.TOWNSHIP_REPLIED: (("township_settle",), "level_started_on"),
    S.COUNTY_REGISTERED: (("county_register",), "level_started_on"),
    S.DEPARTMENT_HANDLING: (("department_settle", "department_report"), "assigned_on"),
}
_NO_LIMIT = {
    S.JOINT_MEETING: "已提交联席会议研究，无固定时限",
    S.PARTY_GOVERNMENT: "已报县委、县政府研究，无固定时限",
    S.SETTLED: "已办结，等待当事人签字确认",
    S.CONFIRMED: "已签字确认，等待晒账",
    S.PUBLISHED: "已晒账公示",
    S.VOIDED: "已作废",
}


class ClockSubject(Protocol):
    state: str
    received_on: date
    level_started_on: date
    assigned_on: date | None
    settled_on: date | None
    voided_on: date | None


@dataclass(frozen=True)
class Clock:
    key: str
    label: str
    started_on: date
    due: date
    limit: Limit
    verified: bool
    days_left: int
    status: str

    def describe(self) -> str:
        """The clock in words a cadre understands."""
        head = f"{self.label}：{self.limit.days}个{self.limit.unit.label}，{self.due:%Y年%m月%d日}到期"
        if self.days_left < 0:
            tail = f"，已逾期{-self.days_left}天"
        elif self.days_left == 0:
            tail = "，今天到期"
        else:
            tail = f"，还剩{self.days_left}天"
        note = "" if self.verified else "（节假日数据未更新，按周一至周五估算）"
        return head + tail + note


@dataclass(frozen=True)
class ItemClocks:
    running: tuple[Clock, ...]
    overall_days: int
    overall_running: bool
    waiting: str

    @property
    def current(self) -> Clock | None:
        return self.running[0] if self.running else None

    @property
    def overdue(self) -> Clock | None:
        """The most overdue running clock, if any is past its limit."""
        late = [c for c in self.running if c.status == OVERDUE]
        return min(late, key=lambda c: c.days_left) if late else None

    @property
    def status(self) -> str:
        statuses = {c.status for c in self.running}
        return OVERDUE if OVERDUE in statuses else WARNING if WARNING in statuses else OK

    def describe(self) -> str:
        parts = [c.describe() for c in self.running] or [self.waiting]
        verb = "已累计" if self.overall_running else "共用时"
        parts.append(f"自群众提出诉求起{verb}{self.overall_days}天")
        return "；".join(parts)


def item_clocks(item: ClockSubject, rules: RuleSet, cal: WorkCalendar, today: date) -> ItemClocks:
    state = ItemState(item.state)
    running: list[Clock] = []
    keys, start_attr = _RUNNING.get(state, ((), ""))
    start = getattr(item, start_attr) if start_attr else None
    for key in keys:
        if start is not None:
            running.append(_clock(rules.limits[key], start, rules.warn_days, cal, today))
    open_now = state in _RUNNING or state in (S.JOINT_MEETING, S.PARTY_GOVERNMENT)
    closed_on = item.settled_on or item.voided_on
    end = today if open_now or closed_on is None else closed_on
    return ItemClocks(
        running=tuple(running),
        overall_days=max((end - item.received_on).days, 0),
        overall_running=open_now,
        waiting=_NO_LIMIT.get(state, ""),
    )


def _clock(limit: Limit, start: date, warn_days: int, cal: WorkCalendar, today: date) -> Clock:
    due = compute_due(start, limit.days, limit.unit, cal)
    left = days_left(due.due, today)
    status = OVERDUE if left < 0 else WARNING if left <= warn_days else OK
    return Clock(limit.key, limit.label, start, due.due, limit, due.verified, left, status)
