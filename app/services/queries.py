"""Read-side queries for lists and reports: overdue items, to-do lists, one item's full record."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from app.models import Cadre, Item, ItemEvent, Ledger, Person, SupervisionNotice, Village
from app.models.enums import OPEN_STATES, ItemState
from app.services.clocks import OVERDUE, WARNING, ItemClocks, item_clocks
from app.services.context import Settings
from app.services.errors import DomainError
from app.services.history import history


@dataclass(frozen=True)
class ClockRow:
    uuid: str
    serial: str
    village: str
    ledger: str
    category: str
    state: str
    level: str
    requester: str
    limit: str
    due: date | None
    days_left: int | None
    status: str


_CLOCK_COLUMNS: list[Any] = [
    col(Item.id),
    col(Item.serial),
    col(Item.category),
    col(Item.state),
    col(Item.level),
    col(Item.level_started_on),
    col(Item.assigned_on),
]


def _open_items(session: Session, village_ids: list[int] | None) -> list[Any]:
    """The columns a clock row needs (no ORM objects: a county has thousands of open items)."""
    stmt = (
        select(*_CLOCK_COLUMNS, *[Ledger.name, Village.name, Person.name])
        .join(Ledger, col(Ledger.id) == col(Item.ledger_id))
        .join(Village, col(Village.id) == col(Item.village_id))
        .join(Person, col(Person.id) == col(Item.person_id))
        .where(col(Item.state).in_([s.value for s in OPEN_STATES]))
    )
    if village_ids is not None:
        stmt = stmt.where(col(Item.village_id).in_(village_ids))
    return list(session.exec(stmt.order_by(Item.serial)).all())


@dataclass(frozen=True)
class _ClockFacts:
    """What the running clocks depend on (the overall clock, which needs more, is not shown here)."""

    state: str
    level_started_on: date
    assigned_on: date | None
    settled_on = voided_on = None

    @property
    def received_on(self) -> date:  # moves only the overall clock
        return self.level_started_on


def _clock_fields(
    facts: _ClockFacts, settings: Settings, today: date
) -> tuple[str, date | None, int | None, str]:
    """(limit, due, days left, status) of the clock that matters most now."""
    clocks = item_clocks(facts, settings.rules, settings.calendar, today)  # type: ignore[arg-type]
    clock = clocks.overdue or clocks.current
    if clock is None:
        return clocks.waiting, None, None, "none"
    return clock.label, clock.due, clock.days_left, clocks.status


def clock_rows(
    session: Session, settings: Settings, today: date, village_ids: list[int] | None = None
) -> list[ClockRow]:
    """Every open item with the clock that matters most now (the overdue one, else the current).

    The clock depends only on the state and the start dates, so it is worked out once per
    distinct (state, level started, assigned) among the open items."""
    seen: dict[_ClockFacts, tuple[str, date | None, int | None, str]] = {}
    rows = []
    for uuid, serial, category, state, level, started, assigned, ledger, village, requester in _open_items(
        session, village_ids
    ):
        facts = _ClockFacts(state, started, assigned)
        if facts not in seen:
            seen[facts] = _clock_fields(facts, settings, today)
        limit, due, left, status = seen[facts]
        rows.append(
            ClockRow(
                uuid, serial, village, ledger, category, state, level, requester, limit, due, left, status
            )
        )
    return rows


def with_status(rows: list[ClockRow], status: str) -> list[ClockRow]:
    """The rows in that status, most urgent first."""
    return sorted((r for r in rows if r.status == status), key=lambda r: (r.days_left or 0, r.serial))


def overdue_rows(
    session: Session, settings: Settings, today: date, village_ids: list[int] | None = None
) -> list[ClockRow]:
    return with_status(clock_rows(session, settings, today, village_ids), OVERDUE)


def due_soon_rows(
    session: Session, settings: Settings, today: date, village_ids: list[int] | None = None
) -> list[ClockRow]:
    return with_status(clock_rows(session, settings, today, village_ids), WARNING)


def count_in_state(session: Session, state: ItemState, village_ids: list[int] | None = None) -> int:
    stmt = select(func.count()).select_from(Item).where(Item.state == state.value)
    if village_ids is not None:
        stmt = stmt.where(col(Item.village_id).in_(village_ids))
    return int(session.exec(stmt).one())


@dataclass(frozen=True)
class ItemDetail:
    item: Item
    village: Village
    ledger: Ledger
    person: Person
    cadre: Cadre | None
    clocks: ItemClocks
    events: list[ItemEvent]
    notices: list[SupervisionNotice]

    @property
    def open_notices(self) -> list[SupervisionNotice]:
        return [n for n in self.notices if n.closed_on is None]


def find_item(session: Session, key: str) -> Item:
    """An item by UUID or serial number."""
    item = session.get(Item, key) or session.exec(select(Item).where(Item.serial == key)).first()
    if item is None:
        raise DomainError(f"找不到编号为“{key}”的事项")
    return item


def item_detail(session: Session, settings: Settings, key: str, today: date) -> ItemDetail:
    item = find_item(session, key)
    village = session.get(Village, item.village_id)
    ledger = session.get(Ledger, item.ledger_id)
    person = session.get(Person, item.person_id)
    assert village and ledger and person
    cadre = session.get(Cadre, item.responsible_cadre_id) if item.responsible_cadre_id else None
    clocks = item_clocks(item, settings.rules, settings.calendar, today)
    notices = list(session.exec(select(SupervisionNotice).where(SupervisionNotice.item_id == item.id)).all())
    return ItemDetail(item, village, ledger, person, cadre, clocks, history(session, item.id), notices)
