"""建账: register a request as a new item with its serial number and first history event."""

from datetime import date

from sqlmodel import Session, func, select

from app.models import Cadre, Item, Person, Village
from app.models.enums import Action, ItemState, Level
from app.services.config import LedgerConfig
from app.services.errors import DomainError
from app.services.history import record_event
from app.services.searchkeys import search_key
from app.services.villages import category_names, ledger_by_key
from app.store.uow import UnitOfWork


def serial_number(village_code: str, ledger_code: str, year: int, seq: int) -> str:
    """village-ledger-year-sequence, e.g. 510623105201-MS-2026-0012."""
    return f"{village_code}-{ledger_code}-{year}-{seq:04d}"


def _next_seq(session: Session, village_id: int, ledger_id: int, year: int) -> int:
    stmt = select(func.max(Item.seq)).where(
        Item.village_id == village_id, Item.ledger_id == ledger_id, Item.year == year
    )
    return int(session.exec(stmt).one() or 0) + 1


def register_item(
    *,
    uow: UnitOfWork,
    config: LedgerConfig,
    village_id: int,
    ledger_key: str,
    category: str,
    person_id: str,
    source: str,
    received_on: date,
    request: str,
    actor: str,
    today: date,
    source_detail: str = "",
    responsible_cadre_id: int | None = None,
) -> Item:
    """Record a request the day it arrives (如实建账); everything is checked before anything is written."""
    session = uow.session
    village = session.get(Village, village_id)
    if village is None:
        raise DomainError("找不到该村")
    ledger = ledger_by_key(session, ledger_key)
    if category not in category_names(session, ledger.id):  # type: ignore[arg-type]
        raise DomainError(f"“{ledger.name}”没有“{category}”这个分类")
    if source not in config.sources:
        raise DomainError(f"信息来源“{source}”不在可选范围内：{'、'.join(config.sources)}")
    if source == "走访" and source_detail.strip() and source_detail.strip() not in config.five_visits:
        raise DomainError(f"走访应注明“五访五问”中的一项：{'、'.join(config.five_visits)}")
    if received_on > today:
        raise DomainError(f"受理日期{received_on:%Y-%m-%d}不能晚于今天")
    if not request.strip():
        raise DomainError("请填写主要诉求及原因")
    person = session.get(Person, person_id)
    if person is None or person.village_id != village_id:
        raise DomainError("诉求人不在本村名册中，请先登记诉求人")
    if responsible_cadre_id is not None:
        cadre = session.get(Cadre, responsible_cadre_id)
        if cadre is None or cadre.village_id != village_id or not cadre.active:
            raise DomainError("责任人不是本村在任的干部")
    year = received_on.year
    seq = _next_seq(session, village_id, ledger.id, year)  # type: ignore[arg-type]
    item = Item(
        village_id=village_id,
        ledger_id=ledger.id,  # type: ignore[arg-type]
        category=category,
        serial=serial_number(village.code, ledger.code, year, seq),
        year=year,
        seq=seq,
        person_id=person_id,
        source=source,
        source_detail=source_detail.strip(),
        received_on=received_on,
        registered_by=actor.strip(),
        request=request.strip(),
        responsible_cadre_id=responsible_cadre_id,
        state=ItemState.REGISTERED.value,
        level=Level.VILLAGE.value,
        max_level=Level.VILLAGE.value,
        level_started_on=received_on,
    )
    # name, its pinyin and initials, and the serial; the request text is searched as it is
    item.search_key = f"{person.search_key or search_key(person.name)}|{item.serial.lower()}"
    session.add(item)
    record_event(session, item, Action.REGISTER, on=received_on, actor=actor, from_state=None)
    session.flush()
    return item
