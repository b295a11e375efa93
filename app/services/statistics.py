"""The figures the county reports, for any scope and period (definitions in docs/statistics.md).

Counting happens in SQLite (GROUP BY over ledger, category and month of receipt, a sum per
figure); Python only adds the groups up and works out the overdue clocks, once per distinct
(state, start date) of the open items, because a deadline needs the work calendar.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import String, and_, case, func, or_, true
from sqlmodel import Session, col, select

from app.models import Item, Ledger, SatisfactionRating
from app.models.enums import SETTLED_STATES, ItemState, Level, Satisfaction
from app.services.clocks import OVERDUE, item_clocks
from app.services.config import RuleSet
from app.services.workcalendar import WorkCalendar

LEVELS = (Level.VILLAGE.value, Level.TOWNSHIP.value, Level.COUNTY.value)


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    @classmethod
    def month(cls, text: str) -> "Period":
        year, month = (int(p) for p in text.split("-"))
        nxt = date(year + month // 12, month % 12 + 1, 1)
        return cls(date(year, month, 1), date.fromordinal(nxt.toordinal() - 1))

    def contains(self, day: date | None) -> bool:
        if day is None:
            return False
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


def shares(counts: dict[str, int]) -> dict[str, float]:
    """Percent shares with two decimals that add up to exactly 100 (largest remainder)."""
    total = sum(counts.values())
    if total == 0:
        return {k: 0.0 for k in counts}
    parts = {k: divmod(v * 10000, total) for k, v in counts.items()}
    floors = {k: q for k, (q, _r) in parts.items()}
    left = 10000 - sum(floors.values())
    order = list(counts)  # exact remainders; ties go to the earlier (lower) level
    for k in sorted(parts, key=lambda k: (-parts[k][1], order.index(k)))[:left]:
        floors[k] += 1
    return {k: v / 100 for k, v in floors.items()}


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


_SETTLED = [st.value for st in SETTLED_STATES]
_OPEN = [st.value for st in ItemState if st.is_open]
_CLOSING = [x.value for x in Satisfaction if x.closes]
_VOIDED = ItemState.VOIDED.value

# the counted figures, in the order of a block; each is a sum over the cohort (received in the period)
_COUNTED = (
    "registered",
    "settled",
    "village",
    "township",
    "county",
    "open",
    "escalated",
    "reached_county",
    "reopened",
    "reopen_count",
)


@dataclass
class _Tally:
    """The counts behind one block of figures."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTED, 0))
    settled_in_period: int = 0
    overdue: int = 0
    ratings: int = 0
    satisfied: int = 0

    def block(self) -> dict[str, Any]:
        c = self.counts
        by_level = {level: c[level] for level in LEVELS}
        return {
            "registered": c["registered"],
            "settled": c["settled"],
            "settlement_rate": _ratio(c["settled"], c["registered"]),
            "settled_by_level": by_level,
            "settled_share_by_level": shares(by_level),
            "settled_in_period": self.settled_in_period,
            "open": c["open"],
            "escalated": c["escalated"],
            "reached_county": c["reached_county"],
            "overdue": self.overdue,
            "reopened": c["reopened"],
            "reopen_count": c["reopen_count"],
            "ratings": self.ratings,
            "satisfaction_rate": _ratio(self.satisfied, self.ratings),
        }


def _in_period(column: Any, period: Period) -> Any:
    conditions = []
    if period.start is not None:
        conditions.append(column >= period.start)
    if period.end is not None:
        conditions.append(column <= period.end)
    return and_(true(), *conditions)


def _scope(stmt: Any, village_ids: list[int] | None) -> Any:
    return stmt if village_ids is None else stmt.where(col(Item.village_id).in_(village_ids))


def _loaded(period: Period) -> Any:
    """Items received in the period or settled in it (the others play no part in any figure)."""
    if period.start is None and period.end is None:
        return true()
    return or_(_in_period(col(Item.received_on), period), _in_period(col(Item.settled_on), period))


def _count(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


# (ledger id, category, month received, in cohort): the finest group any block needs
_Key = tuple[int, str, str, int]


def _group_columns(groups: bool) -> list[Any]:
    if not groups:
        return []
    month = func.substr(col(Item.received_on), 1, 7, type_=String)
    # `+ 0`: grouping by the bare column makes SQLite walk ix_item_ledger_id and fetch every row
    # out of order, slower than reading the table through
    return [col(Item.ledger_id) + 0, col(Item.category), month]


def _group(row: Any, groups: bool) -> tuple[int, str, str]:
    return (row[0], row[1], row[2]) if groups else (0, "", "")


def _tallied(
    session: Session, village_ids: list[int] | None, period: Period, groups: bool
) -> list[tuple[_Key, Any]]:
    """One row per group: the counted figures of its cohort and what it settled in the period."""
    state, settled = col(Item.state), col(Item.state).in_(_SETTLED)
    sums = [
        func.count(),
        _count(settled),
        *(_count(and_(settled, col(Item.settled_level) == level)) for level in LEVELS),
        _count(state.in_(_OPEN)),
        _count(col(Item.max_level) != Level.VILLAGE.value),
        _count(col(Item.max_level) == Level.COUNTY.value),
        _count(col(Item.reopen_count) > 0),
        func.sum(col(Item.reopen_count)),
        _count(and_(settled, col(Item.settled_on).is_not(None), _in_period(col(Item.settled_on), period))),
    ]
    cohort = case((_in_period(col(Item.received_on), period), 1), else_=0)
    keys = [*_group_columns(groups), cohort]
    stmt = select(*keys, *sums).where(state != _VOIDED, _loaded(period)).group_by(*keys)
    rows = session.exec(_scope(stmt, village_ids)).all()
    width = len(keys)
    return [((*_group(row, groups), int(row[width - 1])), row[width:]) for row in rows]


def _late_by_group(
    session: Session, village_ids: list[int] | None, period: Period, groups: bool, late: Callable[..., bool]
) -> list[tuple[_Key, int]]:
    """Overdue items per group: the clocks are worked out once per (state, start dates)."""
    keys: list[Any] = [col(Item.state), col(Item.level_started_on), col(Item.assigned_on)]
    keys += _group_columns(groups)
    stmt = (
        select(*keys, *[func.count()])
        .where(col(Item.state).in_(_OPEN), _in_period(col(Item.received_on), period))
        .group_by(*keys)
    )
    out = []
    for row in session.exec(_scope(stmt, village_ids)).all():
        if late(row[0], row[1], row[2]):
            out.append(((*_group(row[3:], groups), 1), row[-1]))
    return out


def _rated_by_group(
    session: Session, village_ids: list[int] | None, period: Period, groups: bool
) -> list[tuple[_Key, int, int]]:
    """Ratings of the cohort's items per group: how many, how many 很满意/满意."""
    keys = _group_columns(groups)
    stmt = (
        select(func.count(), _count(col(SatisfactionRating.rating).in_(_CLOSING)), *keys)
        .join(Item, col(Item.id) == col(SatisfactionRating.item_id))
        .where(col(Item.state) != _VOIDED, _in_period(col(Item.received_on), period))
        .group_by(*keys)
    )
    rows = session.exec(_scope(stmt, village_ids)).all()
    return [((*_group(row[2:], groups), 1), int(row[0]), int(row[1] or 0)) for row in rows]


def _voided(session: Session, village_ids: list[int] | None, period: Period) -> int:
    stmt = select(func.count()).where(col(Item.state) == _VOIDED, _in_period(col(Item.received_on), period))
    return int(session.exec(_scope(stmt, village_ids)).one())


def lateness(rules: RuleSet, cal: WorkCalendar, today: date) -> Callable[..., bool]:
    """Whether an open item in that state with those start dates has a running clock past its limit."""
    seen: dict[tuple[str, date, date | None], bool] = {}

    def late(state: str, level_started_on: date, assigned_on: date | None) -> bool:
        key = (state, level_started_on, assigned_on)
        if key not in seen:
            subject = SimpleNamespace(
                state=state,
                received_on=level_started_on,
                level_started_on=level_started_on,
                assigned_on=assigned_on,
                settled_on=None,
                voided_on=None,
            )
            clocks = item_clocks(subject, rules, cal, today)  # type: ignore[arg-type]
            seen[key] = any(c.status == OVERDUE for c in clocks.running)
        return seen[key]

    return late


class _Blocks:
    """Adds the SQL groups up into the blocks: the total, and per ledger, category and month."""

    def __init__(self, ledger_keys: dict[int, str], groups: bool) -> None:
        self.ledger_keys = ledger_keys
        self.groups = groups
        self.total = _Tally()
        self.by: dict[str, dict[str, _Tally]] = {"by_ledger": {}, "by_category": {}, "by_month": {}}

    def tallies(self, key: _Key) -> list[_Tally]:
        out = [self.total]
        if not self.groups:
            return out
        ledger_id, category, month, cohort = key
        ledger = self.ledger_keys[ledger_id]
        names = [("by_ledger", ledger), ("by_category", f"{ledger}/{category}")]
        if cohort:  # by_month holds only the cohort: nothing of it is settled-only
            names.append(("by_month", month))
        for group, name in names:
            out.append(self.by[group].setdefault(name, _Tally()))
        return out

    def add_counts(self, key: _Key, counts: tuple[int, ...], settled_in_period: int) -> None:
        for tally in self.tallies(key):
            tally.settled_in_period += settled_in_period
            if key[3]:  # in the cohort; an item out of it is here only for what it settled in the period
                for name, n in zip(_COUNTED, counts, strict=True):
                    tally.counts[name] += n

    def grouped(self) -> dict[str, Any]:
        return {
            group: {k: t.block() for k, t in sorted(tallies.items())} for group, tallies in self.by.items()
        }


def compute_statistics(
    session: Session,
    *,
    rules: RuleSet,
    cal: WorkCalendar,
    today: date,
    village_ids: list[int] | None = None,
    period: Period | None = None,
    groups: bool = True,
) -> dict[str, Any]:
    """Figures for the scope and period, with the same figures per ledger, category and month
    (`groups=False`: the totals only, for the dashboard)."""
    period = period or Period()
    ledger_keys = {i: k for i, k in session.exec(select(Ledger.id, Ledger.key)).all() if i is not None}
    blocks = _Blocks(ledger_keys, groups)
    for key, sums in _tallied(session, village_ids, period, groups):
        blocks.add_counts(key, tuple(int(n or 0) for n in sums[:-1]), int(sums[-1] or 0))
    late = lateness(rules, cal, today)
    for key, n in _late_by_group(session, village_ids, period, groups, late):
        for tally in blocks.tallies(key):
            tally.overdue += n
    for key, rated, satisfied in _rated_by_group(session, village_ids, period, groups):
        for tally in blocks.tallies(key):
            tally.ratings += rated
            tally.satisfied += satisfied
    result = blocks.total.block()
    result["voided"] = _voided(session, village_ids, period)
    result["period"] = {
        "start": period.start.isoformat() if period.start else None,
        "end": period.end.isoformat() if period.end else None,
    }
    result["as_of"] = today.isoformat()
    return result | blocks.grouped() if groups else result
