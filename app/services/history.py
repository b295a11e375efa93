"""The append-only item history: every change is one event, written with the item in one transaction."""

import json
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, select

from app.models import Item, ItemEvent
from app.models.base import utcnow
from app.models.enums import Action, ItemState
from app.services.errors import DomainError


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def set_fields(item: Item, **fields: Any) -> dict[str, list[Any]]:
    """Assign fields on the item; return {field: [old, new]} for those that really changed."""
    changes: dict[str, list[Any]] = {}
    for name, new in fields.items():
        if not hasattr(item, name):
            raise AttributeError(name)
        new = _plain(new) if isinstance(new, Enum) else new
        old = getattr(item, name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(item, name, new)
    return changes


def last_event_on(session: Session, item_id: str) -> date | None:
    stmt = select(ItemEvent.on).where(ItemEvent.item_id == item_id).order_by(ItemEvent.seq.desc())  # type: ignore[attr-defined]
    return session.exec(stmt.limit(1)).first()


def check_date(session: Session, item: Item, on: date) -> None:
    """Business dates move forward: no action before the request arrived or before the last one."""
    if on < item.received_on:
        raise DomainError(f"办理日期{on:%Y-%m-%d}早于受理日期{item.received_on:%Y-%m-%d}")
    last = last_event_on(session, item.id)
    if last is not None and on < last:
        raise DomainError(f"办理日期{on:%Y-%m-%d}早于上一次办理记录的日期{last:%Y-%m-%d}")


def record_event(
    session: Session,
    item: Item,
    action: Action,
    *,
    on: date,
    actor: str,
    from_state: ItemState | None,
    note: str = "",
    changes: dict[str, list[Any]] | None = None,
) -> ItemEvent:
    """Append one event and bump the item's version; the caller commits both together."""
    if not actor.strip():
        raise DomainError("请填写经办人")
    seq = 1 if from_state is None else item.version + 1
    item.version = seq
    item.updated_at = utcnow()
    event = ItemEvent(
        item_id=item.id,
        seq=seq,
        on=on,
        actor=actor.strip(),
        action=action.value,
        from_state=from_state.value if from_state else None,
        to_state=item.state,
        note=note,
        changes=json.dumps(changes or {}, ensure_ascii=False, sort_keys=True),
    )
    session.add(item)
    session.add(event)
    return event


def history(session: Session, item_id: str) -> list[ItemEvent]:
    stmt = select(ItemEvent).where(ItemEvent.item_id == item_id).order_by(ItemEvent.seq)  # type: ignore[arg-type]
    return list(session.exec(stmt).all())
