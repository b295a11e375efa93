"""Scale-out for large demos: copy a fully worked demo village's records into a new village.

Walking 100,000 items one by one through the workflow takes a quarter of an hour; a county-sized
demo (`taizhang demo --villages 200 --items 500`) instead works a dozen template villages through
the real use cases and copies their consistent records (items, history, ratings, visits) into the
other villages with fresh UUIDs, fresh people and the new village's serial numbers.
"""

import random
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session

from app.models import Cadre, FollowUpVisit, Item, ItemEvent, Person, SatisfactionRating, Village
from app.models.base import utcnow
from app.services.chain import chain_rows
from app.services.identity import generate_id_number
from app.services.searchkeys import search_key


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _rows(session: Session, model: Any, where: Any) -> list[dict[str, Any]]:
    table = model.__table__
    return [dict(r._mapping) for r in session.execute(select(table).where(where)).all()]


class _NameKeys:
    """Search keys for generated names, computed once per name (pinyin is the slow part)."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name not in self._cache:
            self._cache[name] = search_key(name)
        return self._cache[name]


def clone_village(
    session: Session,
    template_id: int,
    *,
    code: str,
    name: str,
    township: str,
    county: str,
    rng: random.Random,
    draw_name: Callable[[], tuple[str, str]],
    keys: _NameKeys,
) -> Village:
    """A new village holding a copy of the template village's records; one flush, no commit."""
    template = session.get(Village, template_id)
    assert template is not None
    village = Village(
        code=code,
        name=name,
        township=township,
        county=county,
        supervision_phone=template.supervision_phone,
        township_discipline_phone=template.township_discipline_phone,
    )
    session.add(village)
    session.flush()
    cadres = _copy_cadres(session, template_id, village.id, draw_name)  # type: ignore[arg-type]
    people = _copy_people(session, template_id, village, rng, draw_name, keys)
    items = _copy_items(session, template, village, rng, people, cadres)
    _copy_children(session, items)
    return village


def _copy_cadres(
    session: Session, template_id: int, village_id: int, draw_name: Callable[[], tuple[str, str]]
) -> dict[int, int]:
    mapping = {}
    for row in _rows(session, Cadre, Cadre.village_id == template_id):
        cadre = Cadre(
            village_id=village_id,
            name=draw_name()[0],
            role=row["role"],
            phone=row["phone"],
            level=row["level"],
        )
        session.add(cadre)
        session.flush()
        mapping[row["id"]] = cadre.id
    return mapping  # type: ignore[return-value]


def _copy_people(
    session: Session,
    template_id: int,
    village: Village,
    rng: random.Random,
    draw_name: Callable[[], tuple[str, str]],
    keys: _NameKeys,
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    rows = _rows(session, Person, Person.village_id == template_id)
    for row in rows:
        person_name, gender = draw_name()
        birth = row["id_number"] and generate_id_number(
            rng, area=village.code[:6], birth=_birth(row["id_number"]), gender=gender
        )
        out[row["id"]] = {
            **row,
            "id": _uuid(rng),
            "village_id": village.id,
            "name": person_name,
            "gender": gender,
            "id_number": birth or None,
            "household_id": None,
            "search_key": keys(person_name),
            "created_at": utcnow(),
        }
    if out:
        session.execute(insert(Person.__table__), list(out.values()))  # type: ignore[attr-defined]
    return out


def _birth(number: str) -> Any:
    from datetime import date

    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def _copy_items(
    session: Session,
    template: Village,
    village: Village,
    rng: random.Random,
    people: dict[str, dict[str, Any]],
    cadres: dict[int, int],
) -> dict[str, str]:
    mapping: dict[str, str] = {}
    rows = []
    for row in _rows(session, Item, Item.village_id == template.id):
        new_id = _uuid(rng)
        mapping[row["id"]] = new_id
        serial = village.code + row["serial"][len(template.code) :]
        person = people[row["person_id"]]
        rows.append(
            {
                **row,
                "id": new_id,
                "village_id": village.id,
                "serial": serial,
                "person_id": person["id"],
                "responsible_cadre_id": cadres.get(row["responsible_cadre_id"]),
                "search_key": f"{person['search_key']}|{serial.lower()}",
            }
        )
    if rows:
        session.execute(insert(Item.__table__), rows)  # type: ignore[attr-defined]
    return mapping


def _copy_children(session: Session, items: dict[str, str]) -> None:
    old_ids = list(items)
    for model in (ItemEvent, SatisfactionRating, FollowUpVisit):
        for start in range(0, len(old_ids), 500):
            chunk = old_ids[start : start + 500]
            rows = _rows(session, model, model.item_id.in_(chunk))  # type: ignore[attr-defined]
            copies = [
                {**{k: v for k, v in r.items() if k != "id"}, "item_id": items[r["item_id"]]} for r in rows
            ]
            if model is ItemEvent:  # Core inserts bypass the flush listener: chain the copies here
                copies.sort(key=lambda c: (c["item_id"], c["seq"]))
                heads = chain_rows(copies)
                if heads:
                    session.execute(
                        update(Item.__table__)
                        .where(Item.__table__.c.id == bindparam("item"))  # type: ignore[attr-defined]
                        .values(history_head=bindparam("head")),
                        [{"item": i, "head": h} for i, h in heads.items()],
                    )
            if copies:
                session.execute(insert(model.__table__), copies)  # type: ignore[attr-defined]
