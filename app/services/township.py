"""The township's view of its villages: figures side by side, month-by-month trend, items waiting at it.

The figures are those of `compute_statistics` (docs/statistics.md), one row per village, computed in
SQL GROUP BY queries plus one pass over the open items for the overdue count (their clocks are
memoised by state and start dates: a county's 100,000 items have only a few thousand distinct clocks).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, true
from sqlmodel import Session, col, select

from app.models import Item, Ledger, Person, SatisfactionRating, Village
from app.models.enums import OPEN_STATES, SETTLED_STATES, ItemState, Level, Satisfaction
from app.services.clocks import OVERDUE, item_clocks
from app.services.context import Settings
from app.services.queries import ClockRow
from app.services.statistics import Period, shares

_SETTLED = [s.value for s in SETTLED_STATES]
_OPEN = [s.value for s in OPEN_STATES]
_CLOSING = [x.value for x in Satisfaction if x.closes]
_VOIDED = ItemState.VOIDED.value
AT_TOWNSHIP = (ItemState.TOWNSHIP_HANDLING.value, ItemState.TOWNSHIP_REPLIED.value)


@dataclass(frozen=True)
class VillageFigures:
    """One village's figures for the period (same definitions as `compute_statistics`)."""

    village_id: int
    code: str
    name: str
    registered: int = 0
    settled: int = 0
    settled_village: int = 0
    settled_township: int = 0
    settled_county: int = 0
    open: int = 0
    escalated: int = 0
    overdue: int = 0
    ratings: int = 0
    satisfied: int = 0

    @property
    def settlement_rate(self) -> float:
        return round(self.settled / self.registered, 4) if self.registered else 0.0

    @property
    def satisfaction_rate(self) -> float:
        return round(self.satisfied / self.ratings, 4) if self.ratings else 0.0

    @property
    def level_shares(self) -> dict[str, float]:
        """Percent shares of the settled items by level, adding up to exactly 100 (or all 0)."""
        return shares(
            {
                Level.VILLAGE.value: self.settled_village,
                Level.TOWNSHIP.value: self.settled_township,
                Level.COUNTY.value: self.settled_county,
            }
        )


_COUNTED = (
    "registered",
    "settled",
    "settled_village",
    "settled_township",
    "settled_county",
    "open",
    "escalated",
    "overdue",
    "ratings",
    "satisfied",
)


def total_figures(rows: list[VillageFigures], name: str = "合计") -> VillageFigures:
    """The township's total row: the counts summed, the rates and shares recomputed from the sums."""
    sums = {key: sum(getattr(r, key) for r in rows) for key in _COUNTED}
    return VillageFigures(0, "", name, **sums)


def _received_in(period: Period) -> Any:
    conditions = []
    if period.start is not None:
        conditions.append(col(Item.received_on) >= period.start)
    if period.end is not None:
        conditions.append(col(Item.received_on) <= period.end)
    return and_(true(), *conditions)


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _cohort_counts(session: Session, period: Period) -> dict[int, dict[str, int]]:
    settled = col(Item.state).in_(_SETTLED)
    level = col(Item.settled_level)
    columns = [
        col(Item.village_id),
        func.count(),
        _count_if(settled),
        _count_if(and_(settled, level == Level.VILLAGE.value)),
        _count_if(and_(settled, level == Level.TOWNSHIP.value)),
        _count_if(and_(settled, level == Level.COUNTY.value)),
        _count_if(col(Item.state).in_(_OPEN)),
        _count_if(col(Item.max_level) != Level.VILLAGE.value),
    ]
    stmt = (
        select(*columns)
        .where(col(Item.state) != _VOIDED, _received_in(period))
        .group_by(col(Item.village_id))
    )
    keys = _COUNTED[:7]
    return {row[0]: dict(zip(keys, (int(v) for v in row[1:]), strict=True)) for row in session.exec(stmt)}


def _rating_counts(session: Session, period: Period) -> dict[int, tuple[int, int]]:
    stmt = (
        select(
            col(Item.village_id),
            func.count(),
            _count_if(col(SatisfactionRating.rating).in_(_CLOSING)),
        )
        .join(Item, col(Item.id) == col(SatisfactionRating.item_id))
        .where(col(Item.state) != _VOIDED, _received_in(period))
        .group_by(col(Item.village_id))
    )
    return {row[0]: (int(row[1]), int(row[2])) for row in session.exec(stmt)}


@dataclass(slots=True)
class _ClockFacts:
    state: str
    received_on: date
    level_started_on: date
    assigned_on: date | None
    settled_on: date | None = None
    voided_on: date | None = None


def _overdue_counts(session: Session, settings: Settings, today: date, period: Period) -> dict[int, int]:
    """Open items of the cohort with a running limit past its last day, per village."""
    columns = [
        col(Item.village_id),
        col(Item.state),
        col(Item.received_on),
        col(Item.level_started_on),
        col(Item.assigned_on),
    ]
    stmt = select(*columns).where(col(Item.state).in_(_OPEN), _received_in(period))
    late: dict[tuple[Any, ...], bool] = {}
    out: dict[int, int] = {}
    found: list[Any] = list(session.exec(stmt).all())
    for row in found:
        village_id, state, received_on, started_on, assigned_on = row
        key = (state, started_on, assigned_on)  # received_on only moves the overall clock
        if key not in late:
            facts = _ClockFacts(state, received_on, started_on, assigned_on)
            running = item_clocks(facts, settings.rules, settings.calendar, today).running
            late[key] = any(c.status == OVERDUE for c in running)
        if late[key]:
            out[village_id] = out.get(village_id, 0) + 1
    return out


def village_figures(
    session: Session, settings: Settings, today: date, period: Period | None = None
) -> list[VillageFigures]:
    """Every village of the database (by code) with its figures for items received in the period."""
    period = period or Period()
    counts = _cohort_counts(session, period)
    ratings = _rating_counts(session, period)
    overdue = _overdue_counts(session, settings, today, period)
    rows = []
    for village in session.exec(select(Village).order_by(col(Village.code))):
        vid = village.id
        assert vid is not None
        rated, satisfied = ratings.get(vid, (0, 0))
        rows.append(
            VillageFigures(
                vid,
                village.code,
                village.name,
                **counts.get(vid, {}),
                overdue=overdue.get(vid, 0),
                ratings=rated,
                satisfied=satisfied,
            )
        )
    return rows


@dataclass(frozen=True)
class VillageTrend:
    """Registered (received in the month, not voided) and settled (settled in the month) per month."""

    village_id: int
    months: list[str]  # "YYYY-MM", oldest first
    registered: list[int]
    settled: list[int]


def last_months(today: date, count: int = 12) -> list[str]:
    """ "YYYY-MM" for the `count` months ending with today's, oldest first."""
    out = []
    for back in range(count - 1, -1, -1):
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        out.append(f"{year}-{month + 1:02d}")
    return out


def _per_month(
    session: Session, day: Any, where: Any, months: list[str], village_ids: list[int] | None
) -> dict[tuple[int, str], int]:
    month = func.substr(day, 1, 7)  # dates are stored as YYYY-MM-DD text
    first, last = Period.month(months[0]).start, Period.month(months[-1]).end
    stmt = select(col(Item.village_id), month, func.count()).where(where, day >= first, day <= last)
    if village_ids is not None:
        stmt = stmt.where(col(Item.village_id).in_(village_ids))
    found: list[Any] = list(session.exec(stmt.group_by(col(Item.village_id), month)).all())
    return {(vid, m): int(n) for vid, m, n in found}


def monthly_trend(
    session: Session, today: date, count: int = 12, village_ids: list[int] | None = None
) -> dict[int, VillageTrend]:
    """The last `count` months per village (every village, or those given), zeros included."""
    months = last_months(today, count)
    received, settled_on = col(Item.received_on), col(Item.settled_on)
    registered = _per_month(session, received, col(Item.state) != _VOIDED, months, village_ids)
    settled = _per_month(session, settled_on, col(Item.state).in_(_SETTLED), months, village_ids)
    ids = village_ids
    if ids is None:
        ids = [v for v in session.exec(select(col(Village.id)).order_by(col(Village.code))) if v is not None]
    return {
        vid: VillageTrend(
            vid,
            months,
            [registered.get((vid, m), 0) for m in months],
            [settled.get((vid, m), 0) for m in months],
        )
        for vid in ids
    }


def waiting_at_township(
    session: Session, settings: Settings, today: date, village_ids: list[int] | None = None
) -> list[ClockRow]:
    """Items reported to the township and not yet settled or sent on (乡镇办理中, 乡镇已答复),
    with the clock that matters most now; the most urgent first (overdue, then the nearest due)."""
    stmt = (
        select(Item, Ledger.name, Village.name, Person.name)
        .join(Ledger, col(Ledger.id) == col(Item.ledger_id))
        .join(Village, col(Village.id) == col(Item.village_id))
        .join(Person, col(Person.id) == col(Item.person_id))
        .where(col(Item.state).in_(AT_TOWNSHIP))
    )
    if village_ids is not None:
        stmt = stmt.where(col(Item.village_id).in_(village_ids))
    rows = []
    for item, ledger, village, requester in session.exec(stmt):
        clocks = item_clocks(item, settings.rules, settings.calendar, today)
        clock = clocks.overdue or clocks.current
        rows.append(
            ClockRow(
                uuid=item.id,
                serial=item.serial,
                village=village,
                ledger=ledger,
                category=item.category,
                state=item.state,
                level=item.level,
                requester=requester,
                limit=clock.label if clock else clocks.waiting,
                due=clock.due if clock else None,
                days_left=clock.days_left if clock else None,
                status=clocks.status if clock else "none",
            )
        )
    never = 10**6
    return sorted(rows, key=lambda r: (never if r.days_left is None else r.days_left, r.serial))
