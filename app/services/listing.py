"""Ledger lists for 100,000 items: filter and sort in SQL to a list of ids, load rows on demand."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, or_, select

from app.models import Cadre, Item, Ledger, Person, Village
from app.models.enums import OPEN_STATES, ItemState
from app.services.clocks import item_clocks
from app.services.context import Settings
from app.services.searchkeys import LIKE_ESCAPE, like_pattern
from app.services.statistics import Period, lateness


@dataclass(frozen=True)
class ItemFilter:
    """What the ledger page's filter bar and search box ask for (None/empty = any)."""

    ledger_key: str | None = None
    states: tuple[str, ...] = ()
    category: str | None = None
    month: str | None = None
    level: str | None = None
    overdue_only: bool = False
    cadre_id: int | None = None
    village_id: int | None = None
    text: str = ""


@dataclass(frozen=True)
class ItemListRow:
    """One line of a ledger table: plain values, safe to hand to the UI thread."""

    id: str
    serial: str
    village: str
    ledger: str
    category: str
    requester: str
    received_on: date
    state: str
    level: str
    cadre: str
    request: str
    due: date | None
    days_left: int | None
    status: str


SORT_COLUMNS: dict[str, Any] = {
    "serial": col(Item.serial),
    "received_on": col(Item.received_on),
    "category": col(Item.category),
    "state": col(Item.state),
    "level": col(Item.level),
    "requester": col(Person.name),
}


def _filtered(f: ItemFilter) -> Any:
    stmt = select(Item.id).join(Person, col(Person.id) == col(Item.person_id))
    if f.ledger_key:
        stmt = stmt.join(Ledger, col(Ledger.id) == col(Item.ledger_id)).where(Ledger.key == f.ledger_key)
    if f.states:
        stmt = stmt.where(col(Item.state).in_(f.states))
    if f.category:
        stmt = stmt.where(Item.category == f.category)
    if f.month:
        period = Period.month(f.month)
        stmt = stmt.where(col(Item.received_on) >= period.start, col(Item.received_on) <= period.end)
    if f.level:
        stmt = stmt.where(Item.level == f.level)
    if f.cadre_id is not None:
        stmt = stmt.where(Item.responsible_cadre_id == f.cadre_id)
    if f.village_id is not None:
        stmt = stmt.where(Item.village_id == f.village_id)
    if f.overdue_only:
        stmt = stmt.where(col(Item.state).in_([s.value for s in OPEN_STATES]))
    if f.text.strip():
        like = like_pattern(f.text)
        stmt = stmt.where(
            or_(
                col(Item.search_key).like(like, escape=LIKE_ESCAPE),
                col(Item.request).like(like, escape=LIKE_ESCAPE),
            )
        )
    return stmt


def list_item_ids(
    session: Session,
    f: ItemFilter,
    settings: Settings,
    today: date,
    sort: str = "received_on",
    descending: bool = True,
) -> list[str]:
    """Ids of the matching items in display order; only ids travel, rows are loaded on demand."""
    order = SORT_COLUMNS.get(sort, SORT_COLUMNS["received_on"])
    stmt = _filtered(f).order_by(order.desc() if descending else order.asc(), col(Item.serial))
    if not f.overdue_only:
        return list(session.exec(stmt).all())
    ids = list(session.exec(stmt).all())
    late = _overdue_ids(session, ids, settings, today)
    return [i for i in ids if i in late]


def _overdue_ids(session: Session, ids: list[str], settings: Settings, today: date) -> set[str]:
    """The ids with a running clock past its due date (worked out once per distinct state and start
    dates, as the statistics do: a county has tens of thousands of open items)."""
    late = lateness(settings.rules, settings.calendar, today)
    found: set[str] = set()
    for chunk in _chunks(ids):
        stmt = select(Item.id, Item.state, Item.level_started_on, Item.assigned_on).where(
            col(Item.id).in_(chunk)
        )
        found.update(item_id for item_id, *facts in session.exec(stmt).all() if late(*facts))
    return found


def _chunks(ids: list[str], size: int = 500) -> list[list[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def load_rows(session: Session, ids: list[str], settings: Settings, today: date) -> list[ItemListRow]:
    """Full rows for the given ids, in the same order."""
    found: dict[str, ItemListRow] = {}
    for chunk in _chunks(ids):
        stmt = (
            select(Item, Person.name, Ledger.name, Village.name, Cadre.name)
            .join(Person, col(Person.id) == col(Item.person_id))
            .join(Ledger, col(Ledger.id) == col(Item.ledger_id))
            .join(Village, col(Village.id) == col(Item.village_id))
            .outerjoin(Cadre, col(Cadre.id) == col(Item.responsible_cadre_id))
            .where(col(Item.id).in_(chunk))
        )
        for item, requester, ledger, village, cadre in session.exec(stmt).all():
            found[item.id] = _row(item, requester, ledger, village, cadre or "", settings, today)
    return [found[i] for i in ids if i in found]


def _row(
    item: Item, requester: str, ledger: str, village: str, cadre: str, settings: Settings, today: date
) -> ItemListRow:
    clocks = item_clocks(item, settings.rules, settings.calendar, today)
    clock = clocks.overdue or clocks.current
    return ItemListRow(
        id=item.id,
        serial=item.serial,
        village=village,
        ledger=ledger,
        category=item.category,
        requester=requester,
        received_on=item.received_on,
        state=item.state,
        level=item.level,
        cadre=cadre,
        request=item.request,
        due=clock.due if clock else None,
        days_left=clock.days_left if clock else None,
        status=clocks.status if clock else ("voided" if item.state == ItemState.VOIDED else "none"),
    )
