"""The figures the county reports, for any scope and period (definitions in docs/statistics.md)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, true
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


@dataclass
class _Row:
    item: "_Fact"
    ledger_key: str
    overdue: bool
    in_cohort: bool  # received in the period (else only here because it was settled in it)


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


def _unbounded(period: Period) -> bool:
    return period.start is None and period.end is None


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


_SETTLED = frozenset(st.value for st in SETTLED_STATES)
_OPEN = frozenset(st.value for st in ItemState if st.is_open)
_CLOSING = frozenset(x.value for x in Satisfaction if x.closes)


def figures(every: list[_Row], ratings: dict[str, list[str]], period: Period) -> dict[str, Any]:
    """One block of figures: the cohort received in the period, plus what was settled in it.

    One pass over plain strings: this runs for every ledger, category and month of a county.
    """
    n = settled = settled_in_period = open_ = escalated = county = overdue = 0
    reopened = reopen_count = rated = satisfied = 0
    by_level = dict.fromkeys(LEVELS, 0)
    for r in every:
        item = r.item
        is_settled = item.state in _SETTLED
        if is_settled and period.contains(item.settled_on):
            settled_in_period += 1
        if not r.in_cohort:
            continue
        n += 1
        if is_settled:
            settled += 1
            if item.settled_level in by_level:
                by_level[item.settled_level] += 1
        open_ += item.state in _OPEN
        escalated += item.max_level != "village"
        county += item.max_level == "county"
        overdue += r.overdue
        reopened += item.reopen_count > 0
        reopen_count += item.reopen_count
        for rating in ratings.get(item.id, ()):
            rated += 1
            satisfied += rating in _CLOSING
    return {
        "registered": n,
        "settled": settled,
        "settlement_rate": _ratio(settled, n),
        "settled_by_level": by_level,
        "settled_share_by_level": shares(by_level),
        "settled_in_period": settled_in_period,
        "open": open_,
        "escalated": escalated,
        "reached_county": county,
        "overdue": overdue,
        "reopened": reopened,
        "reopen_count": reopen_count,
        "ratings": rated,
        "satisfaction_rate": _ratio(satisfied, rated),
    }


def _in_period(column: Any, period: Period) -> Any:
    conditions = []
    if period.start is not None:
        conditions.append(column >= period.start)
    if period.end is not None:
        conditions.append(column <= period.end)
    return and_(true(), *conditions)


def _scoped(stmt: Any, village_ids: list[int] | None, period: Period) -> Any:
    """Items of the scope received in the period or settled in it."""
    if village_ids is not None:
        stmt = stmt.where(col(Item.village_id).in_(village_ids))
    if period.start is None and period.end is None:
        return stmt
    return stmt.where(
        or_(_in_period(col(Item.received_on), period), _in_period(col(Item.settled_on), period))
    )


@dataclass(slots=True)
class _Fact:
    """The columns the figures and clocks need: a county's 100,000 items load in about a second."""

    id: str
    category: str
    state: str
    received_on: date
    level_started_on: date
    assigned_on: date | None
    settled_on: date | None
    voided_on: date | None
    settled_level: str | None
    max_level: str
    reopen_count: int


_FACT_COLUMNS = [col(getattr(Item, name)) for name in _Fact.__slots__]  # type: ignore[attr-defined]


def _load(session: Session, village_ids: list[int] | None, period: Period) -> list[tuple[_Fact, str]]:
    stmt = select(*_FACT_COLUMNS, Ledger.key).join(Ledger, col(Ledger.id) == col(Item.ledger_id))
    return [(_Fact(*row[:-1]), row[-1]) for row in session.exec(_scoped(stmt, village_ids, period)).all()]


def _ratings(session: Session, village_ids: list[int] | None, period: Period) -> dict[str, list[str]]:
    stmt = select(SatisfactionRating.item_id, SatisfactionRating.rating).join(
        Item, col(Item.id) == col(SatisfactionRating.item_id)
    )
    out: dict[str, list[str]] = defaultdict(list)
    for item_id, rating in session.exec(_scoped(stmt, village_ids, period)).all():
        out[item_id].append(rating)
    return out


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
    rows: list[_Row] = []
    voided = 0
    for item, ledger_key in _load(session, village_ids, period):
        if item.state == ItemState.VOIDED.value:
            voided += period.contains(item.received_on) or _unbounded(period)
            continue
        late = ItemState(item.state).is_open and any(
            c.status == OVERDUE for c in item_clocks(item, rules, cal, today).running
        )
        rows.append(_Row(item, ledger_key, late, period.contains(item.received_on) or _unbounded(period)))
    ratings = _ratings(session, village_ids, period)
    result = figures(rows, ratings, period)
    result["voided"] = voided
    result["period"] = {
        "start": period.start.isoformat() if period.start else None,
        "end": period.end.isoformat() if period.end else None,
    }
    result["as_of"] = today.isoformat()
    if not groups:
        return result
    result["by_ledger"] = _grouped(rows, ratings, period, lambda r: r.ledger_key)
    result["by_category"] = _grouped(rows, ratings, period, lambda r: f"{r.ledger_key}/{r.item.category}")
    cohort = [r for r in rows if r.in_cohort]
    result["by_month"] = _grouped(cohort, ratings, period, lambda r: f"{r.item.received_on:%Y-%m}")
    return result


def _grouped(rows: list[_Row], ratings: dict[str, list[str]], period: Period, key: Any) -> dict[str, Any]:
    groups: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        groups[key(r)].append(r)
    return {k: figures(v, ratings, period) for k, v in sorted(groups.items())}
