"""The services a window needs, one unit of work per call (the UI never holds a session)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from app.models import Cadre, Item, Ledger, Person, Village
from app.models.enums import Action, ItemState
from app.services import actions
from app.services.context import Settings
from app.services.demo import build_demo
from app.services.errors import DomainError
from app.services.listing import ItemFilter, ItemListRow, list_item_ids, load_rows
from app.services.meetings import ItemDecision, MeetingResult, record_meeting
from app.services.people import create_person, find_people
from app.services.queries import (
    ClockRow,
    ItemDetail,
    count_in_state,
    due_soon_rows,
    item_detail,
    overdue_rows,
)
from app.services.registration import register_item
from app.services.statistics import Period, compute_statistics
from app.services.villages import add_cadre, category_names, create_village, sync_ledgers
from app.services.workflow import allowed_actions
from app.store.uow import UnitOfWork

ACTIONS: dict[Action, Callable[..., Any]] = {
    Action.SETTLE_ON_SPOT: actions.settle_on_spot,
    Action.DELIBERATE: actions.deliberate,
    Action.ESCALATE: actions.escalate,
    Action.REPLY: actions.reply,
    Action.ASSIGN: actions.assign,
    Action.SETTLE: actions.settle,
    Action.CONFIRM: actions.confirm,
    Action.PUBLISH: actions.publish,
    Action.FOLLOW_UP: actions.follow_up,
    Action.SUPERVISE: actions.supervise,
    Action.VOID: actions.void,
    Action.EDIT: actions.edit_item,
}


@dataclass(frozen=True)
class Dashboard:
    overdue: list[ClockRow]
    due_soon: list[ClockRow]
    waiting_deliberation: int
    waiting_signature: int
    waiting_publication: int
    month: dict[str, Any]


@dataclass(frozen=True)
class DetailView:
    detail: ItemDetail
    allowed: list[Action]


class Workspace:
    """Facade over the use cases for the GUI; every method is one transaction."""

    def __init__(
        self, engine: Engine, settings: Settings, data_dir: Path, today: Callable[[], date] = date.today
    ) -> None:
        self.engine, self.settings, self.data_dir, self._today = engine, settings, data_dir, today

    def today(self) -> date:
        return self._today()

    # villages, cadres, configuration
    def villages(self) -> list[Village]:
        with UnitOfWork(self.engine) as uow:
            return list(uow.session.exec(select(Village).order_by(Village.code)).all())

    def setup_village(
        self, *, code: str, name: str, township: str, county: str, cadres: list[tuple[str, str, str]]
    ) -> Village:
        with UnitOfWork(self.engine) as uow:
            village = create_village(
                uow=uow, code=code, name=name, township=township, county=county, config=self.settings.ledgers
            )
            for cadre_name, role, phone in cadres:
                add_cadre(uow=uow, village_id=village.id, name=cadre_name, role=role, phone=phone)  # type: ignore[arg-type]
            uow.commit()
            return village

    def open_demo(self, progress: Callable[[int, int], None] | None = None) -> int:
        return build_demo(
            engine=self.engine,
            config=self.settings.ledgers,
            villages=1,
            items=120,
            seed=2012,
            today=self.today(),
            progress=progress,
        )

    def cadres(self, village_id: int | None = None) -> list[Cadre]:
        with UnitOfWork(self.engine) as uow:
            stmt = select(Cadre).where(Cadre.active)
            if village_id is not None:
                stmt = stmt.where(Cadre.village_id == village_id)
            return list(uow.session.exec(stmt.order_by(Cadre.id)).all())  # type: ignore[arg-type]

    def add_cadre(self, *, village_id: int, name: str, role: str, phone: str) -> Cadre:
        with UnitOfWork(self.engine) as uow:
            cadre = add_cadre(uow=uow, village_id=village_id, name=name, role=role, phone=phone)
            uow.commit()
            return cadre

    def update_village(self, village_id: int, **fields: str) -> Village:
        allowed = {"name", "township", "county", "supervision_phone", "township_discipline_phone"}
        with UnitOfWork(self.engine) as uow:
            village = uow.session.get(Village, village_id)
            if village is None:
                raise DomainError("找不到该村")
            for key, value in fields.items():
                if key not in allowed:
                    raise DomainError(f"不能修改“{key}”")
                setattr(village, key, value.strip())
            uow.session.add(village)
            uow.commit()
            return village

    def ledgers(self) -> list[Ledger]:
        with UnitOfWork(self.engine) as uow:
            sync_ledgers(uow.session, self.settings.ledgers)
            uow.commit()
            stmt = select(Ledger).where(Ledger.active).order_by(Ledger.sort_order)  # type: ignore[arg-type]
            return list(uow.session.exec(stmt).all())

    def categories(self, ledger_key: str) -> list[str]:
        with UnitOfWork(self.engine) as uow:
            ledger = uow.session.exec(select(Ledger).where(Ledger.key == ledger_key)).first()
            return category_names(uow.session, ledger.id) if ledger else []  # type: ignore[arg-type]

    # reading
    def dashboard(self, village_ids: list[int] | None = None) -> Dashboard:
        today = self.today()
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            return Dashboard(
                overdue=overdue_rows(s, self.settings, today, village_ids),
                due_soon=due_soon_rows(s, self.settings, today, village_ids),
                waiting_deliberation=count_in_state(s, ItemState.REGISTERED, village_ids),
                waiting_signature=count_in_state(s, ItemState.SETTLED, village_ids),
                waiting_publication=count_in_state(s, ItemState.CONFIRMED, village_ids),
                month=compute_statistics(
                    s,
                    rules=self.settings.rules,
                    cal=self.settings.calendar,
                    today=today,
                    village_ids=village_ids,
                    period=Period.month(f"{today:%Y-%m}"),
                ),
            )

    def list_ids(self, f: ItemFilter, sort: str = "received_on", descending: bool = True) -> list[str]:
        with UnitOfWork(self.engine) as uow:
            return list_item_ids(uow.session, f, self.settings, self.today(), sort, descending)

    def rows(self, ids: list[str]) -> list[ItemListRow]:
        with UnitOfWork(self.engine) as uow:
            return load_rows(uow.session, ids, self.settings, self.today())

    def detail(self, item_id: str) -> DetailView:
        with UnitOfWork(self.engine) as uow:
            d = item_detail(uow.session, self.settings, item_id, self.today())
            return DetailView(d, allowed_actions(ItemState(d.item.state)))

    def statistics(self, *, month: str | None = None, village_ids: list[int] | None = None) -> dict[str, Any]:
        with UnitOfWork(self.engine) as uow:
            return compute_statistics(
                uow.session,
                rules=self.settings.rules,
                cal=self.settings.calendar,
                today=self.today(),
                village_ids=village_ids,
                period=Period.month(month) if month else None,
            )

    # people
    def find_people(self, village_id: int, query: str) -> list[Person]:
        with UnitOfWork(self.engine) as uow:
            return find_people(uow.session, village_id, query)

    def create_person(self, **fields: Any) -> Person:
        with UnitOfWork(self.engine) as uow:
            person = create_person(uow=uow, today=self.today(), **fields)
            uow.commit()
            return person

    # changes
    def register(self, **fields: Any) -> Item:
        with UnitOfWork(self.engine) as uow:
            item = register_item(uow=uow, config=self.settings.ledgers, today=self.today(), **fields)
            uow.commit()
            return item

    def perform(
        self, action: Action, item_id: str, *, actor: str, on: date | None = None, **fields: Any
    ) -> Any:
        """Run one workflow action on one item (议账, 上报, 办结 …) and commit it."""
        if action not in ACTIONS:
            raise DomainError(f"“{action.label}”不能在这里办理")
        with UnitOfWork(self.engine) as uow:
            result = ACTIONS[action](uow=uow, item_id=item_id, on=on or self.today(), actor=actor, **fields)
            uow.commit()
            return result

    def close_supervision(self, notice_id: str, *, actor: str, note: str) -> None:
        with UnitOfWork(self.engine) as uow:
            actions.close_supervision(uow=uow, notice_id=notice_id, on=self.today(), actor=actor, note=note)
            uow.commit()

    def record_meeting(self, *, decisions: list[ItemDecision], **fields: Any) -> MeetingResult:
        with UnitOfWork(self.engine) as uow:
            result = record_meeting(uow=uow, rules=self.settings.rules, decisions=decisions, **fields)
            uow.commit()
            return result
