"""Applying a validated import plan: items matched by UUID, histories merged, field ownership kept.

An item's history is one numbered list of events (序号 1, 2, …); its 版本 is the number of its last
event. Every database that holds a copy of the item appends to the same list, so two copies agree
exactly when their events agree number by number. For each item of the file:

- **New here**: added, with its person, cadre and events.
- **The file's copy is further along** (higher 版本) and every event both copies have is the same
  event: the item moves forward. The workflow fields (state, level, deadlines, settlement, measures
  and outcome) follow the longer history; the other fields follow **ownership**: the village owns what
  it registered and recorded with the requester (诉求, 分类, 诉求人, 议账意见, 当事人意见, 满意度,
  签字, 晒账, 作废); the township owns its reply (乡镇答复, 答复日期); the county owns its assignment
  (承办部门, 交办日期). A file coming up from a lower level is trusted for the fields of its level and
  below; a reply coming down from a higher level only for the fields of its level and above. A field
  the file may not change that differs here is kept, and reported.
- **The same or an older copy**: nothing changes (re-importing, or an older export, is harmless).
- **Both sides recorded different events under the same 序号** (both worked on the item since they last
  exchanged files), or the same 版本 with a different state: a real conflict. The item and its events
  are left exactly as they are here, and the conflict is reported with both sides' records; the rest
  of the file is imported. It is never resolved silently.

Events are matched by (UUID, 序号) and compared by what they record (date, time to the second, actor,
action, from and to state), so the result does not depend on the order files are imported in.
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select

from app.models import Cadre, Item, ItemEvent, Ledger, Person, SatisfactionRating, Village
from app.models.base import utcnow
from app.models.enums import Action, ItemState, Level, Satisfaction
from app.models.item import NO_HISTORY
from app.services.chain import chain_rows
from app.services.config import LedgerConfig
from app.services.importing import (
    HISTORY,
    ImportError,
    ImportPlan,
    ImportRejected,
    ImportSummary,
)
from app.services.searchkeys import search_key
from app.services.villages import sync_ledgers
from app.store.uow import UnitOfWork

RANK = {Level.VILLAGE.value: 0, Level.TOWNSHIP.value: 1, Level.COUNTY.value: 2}
LEVEL_NAME = {"village": "村", "township": "乡镇", "county": "县"}

# The fields each level owns; every other item field follows the history.
OWNER = {
    **dict.fromkeys(
        (
            "category",
            "person_id",
            "source",
            "source_detail",
            "received_on",
            "registered_at",
            "registered_by",
            "request",
            "decision",
            "requester_opinion",
            "satisfaction",
            "signed_by",
            "signed_on",
            "published_month",
            "void_reason",
            "voided_on",
        ),
        "village",
    ),
    "reply": "township",
    "replied_on": "township",
    "department": "county",
    "assigned_on": "county",
}
WORKFLOW_FIELDS = (
    "state",
    "level",
    "max_level",
    "level_started_on",
    "on_the_spot",
    "settled_level",
    "settled_on",
    "settled_from_state",
    "reopen_count",
    "measures",
    "outcome",
    "version",
)
IDENTITY_FIELDS = ("serial", "year", "seq")
ITEM_FIELDS = (*IDENTITY_FIELDS, *WORKFLOW_FIELDS, *OWNER)  # a plan item's fields for its Item row
# what a plan's event carries for its ItemEvent row (its other keys start with "_")
EVENT_FIELDS = ("item_id", "seq", "on", "at", "actor", "action", "from_state", "to_state", "note", "changes")
CONFIRM = Action.CONFIRM.value
FIELD_LABELS = {
    "category": "分类",
    "person_id": "诉求人",
    "source": "信息来源",
    "source_detail": "五访五问",
    "received_on": "受理日期",
    "registered_at": "登记时间",
    "registered_by": "登记人",
    "request": "主要诉求及原因",
    "decision": "处理意见",
    "requester_opinion": "当事人意见",
    "satisfaction": "满意度",
    "signed_by": "签字确认人",
    "signed_on": "签字日期",
    "published_month": "晒账月份",
    "void_reason": "作废原因",
    "voided_on": "作废日期",
    "reply": "乡镇答复",
    "replied_on": "答复日期",
    "department": "承办部门",
    "assigned_on": "交办日期",
}


@dataclass(frozen=True)
class Conflict:
    """One item the import left as it was here (or one field it kept), with the reason in Chinese."""

    serial: str
    item_id: str
    message: str
    blocking: bool  # True: the whole item was left unchanged; False: one field was kept

    def __str__(self) -> str:
        return f"{self.serial}：{self.message}"


def _fingerprint(
    on: Any, at: datetime | None, actor: str, action: str, from_state: Any, to_state: str
) -> tuple:
    """What an event records, comparable across databases (time in UTC to the second)."""
    return (on, _utc_seconds(at), actor.strip(), action, from_state or None, to_state)


def _utc_seconds(at: datetime | None) -> str | None:
    """A moment as a workbook carries it: UTC, to the second."""
    if at is None:
        return None
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.replace(microsecond=0).isoformat()


def _event_fp(e: dict[str, Any] | ItemEvent) -> tuple:
    if isinstance(e, dict):
        return _fingerprint(e["on"], e["at"], e["actor"], e["action"], e["from_state"], e["to_state"])
    return _fingerprint(e.on, e.at, e.actor, e.action, e.from_state, e.to_state)


def _describe(fp: tuple) -> str:
    on, _at, actor, action, _from, to = fp
    try:
        action_label = Action(action).label
    except ValueError:
        action_label = action
    try:
        state_label = ItemState(to).label
    except ValueError:
        state_label = to
    return f"{on:%Y-%m-%d} {actor}“{action_label}”→{state_label}"


def sender_level(plan: ImportPlan) -> str:
    """The level that made the file (its `_meta` exporter_kind; a village when unknown)."""
    kind = plan.meta.get("exporter_kind", "")
    return kind if kind in RANK else "village"


def placement(session: Any, plan: ImportPlan) -> tuple[str, str]:
    """(this database's level, "up" for a report from below or "down" for a reply from above).

    A village's workbook always comes up. A county's always comes down. A township's comes down to
    the one village it was made for (this database holds exactly that village), and up otherwise (to
    a county, or to a township re-importing). This database's level: a township when its villages
    share one township code (first 9 digits), a county when they span several."""
    codes = list(session.exec(select(Village.code)).all())
    file_level = sender_level(plan)
    spread = len({c[:9] for c in codes})
    if file_level == "village":
        return ("county" if spread > 1 else "township"), "up"
    if file_level == "county":
        return ("village" if len(codes) == 1 else "township"), "down"
    file_villages = set(filter(None, plan.meta.get("village_codes", "").split(",")))
    if len(codes) == 1 and codes[0] in file_villages:
        return "village", "down"
    return ("county" if spread > 1 or not codes else "township"), "up"


def file_may_set(field_owner: str, ours: str, file_level: str, direction: str) -> bool:
    """A report from below sets the fields of its sender's level and below; a reply from above sets
    those of the levels above this database — never this database's own (a village's registration
    stays the village's, whatever an upper level wrote in its copy)."""
    if direction == "up":
        return RANK[field_owner] <= RANK[file_level]
    return RANK[field_owner] > RANK[ours]


def apply_import(
    *, uow: UnitOfWork, plan: ImportPlan, dry_run: bool, config: LedgerConfig | None = None
) -> ImportSummary:
    """Write the plan in the caller's unit of work (the caller commits). `dry_run` rolls back before
    returning, so the summary is exact and nothing stays written. Raises ImportRejected (nothing
    written) when the file contradicts the database in a way no merge can explain (a history event of
    an item found nowhere, a 编号 taken by another item)."""
    session = uow.session
    summary = ImportSummary(dry_run=dry_run)
    try:
        _apply(session, plan, summary, config)
    except BaseException:
        session.rollback()
        raise
    if dry_run:
        session.rollback()
    return summary


def _apply(session: Any, plan: ImportPlan, summary: ImportSummary, config: LedgerConfig | None) -> None:
    errors: list[ImportError] = []
    ours, direction = placement(session, plan)
    file_level = sender_level(plan)
    summary.direction = direction

    plan_ids = [it["id"] for it in plan.items]
    existing: dict[str, Item] = {}
    for chunk in _chunks(plan_ids):
        existing.update({i.id: i for i in session.exec(select(Item).where(col(Item.id).in_(chunk))).all()})
    event_item_ids = sorted({e["item_id"] for e in plan.events})
    local_events: dict[tuple[str, int], tuple] = {}
    for chunk in _chunks(event_item_ids):
        rows = session.exec(
            select(
                ItemEvent.item_id,
                ItemEvent.seq,
                ItemEvent.on,
                ItemEvent.at,
                ItemEvent.actor,
                ItemEvent.action,
                ItemEvent.from_state,
                ItemEvent.to_state,
            ).where(col(ItemEvent.item_id).in_(chunk))
        ).all()
        for r in rows:
            local_events[(r[0], r[1])] = _fingerprint(*r[2:])

    # history events of items neither in the file nor here
    external = set(event_item_ids) - set(plan_ids)
    known_external: set[str] = set()
    for chunk in _chunks(sorted(external)):
        known_external.update(session.exec(select(Item.id).where(col(Item.id).in_(chunk))).all())
    for e in plan.events:
        if e["item_id"] in external - known_external:
            errors.append(
                ImportError(
                    plan.file_name,
                    HISTORY,
                    e["_row"],
                    "A（UUID）",
                    f"办理记录所属事项{e['_serial']}既不在本文件中，也不在数据库中",
                )
            )

    # serial numbers taken by other items
    serials = {it["serial"]: it["id"] for it in plan.items}
    for chunk in _chunks(sorted(serials)):
        for item_id, serial in session.exec(
            select(Item.id, Item.serial).where(col(Item.serial).in_(chunk))
        ).all():
            if serials[serial] != item_id:
                it = next(x for x in plan.items if x["serial"] == serial)
                sheet, row_no = it["_row"]
                errors.append(
                    ImportError(
                        plan.file_name, sheet, row_no, "A（编号）", f"编号{serial}已被数据库中另一事项使用"
                    )
                )
    if errors:
        raise ImportRejected(errors)

    events_by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in plan.events:
        events_by_item[e["item_id"]].append(e)

    # conflicts: the same 序号 recording different events
    blocked: set[str] = set()
    for item_id, events in events_by_item.items():
        for e in events:
            local = local_events.get((item_id, e["seq"]))
            if local is not None and local != _event_fp(e):
                serial = existing[item_id].serial if item_id in existing else e["_serial"]
                summary.conflicts.append(
                    Conflict(
                        serial,
                        item_id,
                        f"双方在第{e['seq']}条办理记录上各自记了不同的内容（本库：{_describe(local)}；"
                        f"文件：{_describe(_event_fp(e))}），本事项未导入，请双方核对后由持有该事项的一方处理",
                        True,
                    )
                )
                blocked.add(item_id)
                break

    if config is not None:
        sync_ledgers(session, config)
    ledgers = {lg.name: lg for lg in session.exec(select(Ledger)).all()}
    village_ids = _villages(session, plan)
    cadres: dict[tuple[int, str], int] = {
        (c.village_id, c.name): c.id for c in session.exec(select(Cadre)).all() if c.id is not None
    }
    person_ids = {p["_person"]["id"] for p in plan.items}
    people: dict[str, Person] = {}
    new_people: list[dict[str, Any]] = []
    for chunk in _chunks(sorted(person_ids)):
        people.update({p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(chunk))).all()})

    new_items: list[dict[str, Any]] = []
    for it in plan.items:
        item_id = it["id"]
        if item_id in blocked:
            summary.rejected += 1
            continue
        vid = village_ids[it["_village_code"]]
        ex = existing.get(item_id)
        if ex is not None and it["version"] == ex.version and _workflow(it) != _workflow_of(ex):
            summary.conflicts.append(
                Conflict(
                    ex.serial,
                    item_id,
                    f"版本同为{ex.version}，但状态不同（本库：{ItemState(ex.state).label}；"
                    f"文件：{ItemState(it['state']).label}），本事项未导入，请双方核对",
                    True,
                )
            )
            blocked.add(item_id)
            summary.rejected += 1
            continue
        if ex is not None and it["version"] <= ex.version:
            summary.unchanged += 1
            continue
        ledger = ledgers.get(it["_ledger"])
        if ledger is None:
            ledger = Ledger(key=f"imported:{it['_ledger']}", name=it["_ledger"], code="")
            session.add(ledger)
            session.flush()
            ledgers[ledger.name] = ledger
        person = _person(session, people, new_people, it, vid, direction, ours, file_level)
        cadre_id = _cadre(session, cadres, it, vid)
        fields = {k: it[k] for k in ITEM_FIELDS}
        fields["updated_at"] = it["updated_at"] or it["registered_at"]
        if ex is None:
            fields.update(village_id=vid, ledger_id=ledger.id, responsible_cadre_id=cadre_id)
            key = person.search_key or search_key(person.name)
            fields.update(id=item_id, search_key=f"{key}|{it['serial'].lower()}", history_head=NO_HISTORY)
            new_items.append(fields)
            summary.added += 1
            continue
        for name in WORKFLOW_FIELDS:
            setattr(ex, name, fields[name])
        ex.updated_at = fields["updated_at"]
        for name, owner in OWNER.items():
            new, old = fields[name], getattr(ex, name)
            if _same(new, old):
                continue
            if file_may_set(owner, ours, file_level, direction):
                setattr(ex, name, new)
            else:
                summary.conflicts.append(
                    Conflict(
                        ex.serial,
                        item_id,
                        f"文件中的“{FIELD_LABELS[name]}”与本库不同（本库：{_short(old)}；文件：{_short(new)}），"
                        f"该项由{LEVEL_NAME[owner]}负责，已保留本库的内容",
                        False,
                    )
                )
        if file_may_set("village", ours, file_level, direction):
            ex.ledger_id = ledger.id
            if cadre_id is not None:
                ex.responsible_cadre_id = cadre_id
        session.add(ex)
        summary.updated += 1
    session.flush()  # cadres and ledgers first, then people: items refer to them
    if new_people:
        insert_rows(session, Person.__table__, new_people)  # type: ignore[attr-defined]

    # New items and their whole history go in as rows (Core): building ORM objects costs ~1 ms each,
    # and a township imports tens of thousands. Their chains are linked here; events appended to
    # items already here go through the ORM, whose flush hook links them after the stored tip.
    added = {row["id"] for row in new_items}
    fresh_rows: list[dict[str, Any]] = []
    unlinked: list[dict[str, Any]] = []
    heads: dict[str, str] = {}
    appended: list[ItemEvent] = []
    for item_id, events in events_by_item.items():
        if item_id in blocked:
            continue
        for e in sorted(events, key=lambda x: x["seq"]):
            if (item_id, e["seq"]) in local_events:
                continue
            values = {k: e[k] for k in EVENT_FIELDS}
            if item_id in added:
                if "_hash" in e:  # linked in validation (a whole history from 序号 1)
                    values["prev_hash"], values["hash"] = e["_prev_hash"], e["_hash"]
                    heads[item_id] = e["_hash"]
                else:
                    unlinked.append(values)
                fresh_rows.append(values)
            else:
                appended.append(ItemEvent(**values))
    heads.update(chain_rows(unlinked))
    for row in new_items:
        row["history_head"] = heads.get(row["id"], NO_HISTORY)
    if new_items:
        insert_rows(session, Item.__table__, new_items)  # type: ignore[attr-defined]
    if fresh_rows:
        insert_rows(session, ItemEvent.__table__, fresh_rows)  # type: ignore[attr-defined]
    confirmed = (row for row in fresh_rows if row["action"] == CONFIRM)
    ratings = [r for r in map(_rating_of_row, confirmed) if r is not None]
    for event in appended:
        session.add(event)
        rating = _rating_of_row(event.model_dump())
        if rating is not None:
            ratings.append(rating)
    if ratings:  # ratings travel inside their 签字确认 events
        insert_rows(session, SatisfactionRating.__table__, ratings)  # type: ignore[attr-defined]
    summary.events_added = len(fresh_rows) + len(appended)
    session.flush()


def _workflow(it: dict[str, Any]) -> tuple:
    return (it["state"], it["level"], it["settled_on"])


def _workflow_of(item: Item) -> tuple:
    return (item.state, item.level, item.settled_on)


def _same(a: Any, b: Any) -> bool:
    """Equal as a workbook can carry them: times to the second, empty text and None alike."""
    if isinstance(a, datetime) and isinstance(b, datetime):
        return _utc_seconds(a) == _utc_seconds(b)
    return (a or None) == (b or None) if isinstance(a, str | None) and isinstance(b, str | None) else a == b


def _short(value: Any) -> str:
    text = "（空）" if value in (None, "") else str(value)
    return text if len(text) <= 30 else text[:29] + "…"


def insert_rows(session: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """`session.execute(insert(table), rows)` without Core's work per row and value: the statement
    Core compiles for these columns, each column's values through that column's own bind processor
    (dates, UTC times, booleans; a column of dates once per distinct date, of UTC times formatted
    directly once the processor gave the same text for the first), one executemany. Rows
    must share one set of keys covering every column with a default, else this is Core's insert
    (tests/services/test_import_speed.py compares the stored rows)."""
    if not rows:
        return
    conn = session.connection()
    names = list(rows[0])
    keys = rows[0].keys()
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=names)
    order = compiled.positiontup
    if order is None or sorted(order) != sorted(names) or any(r.keys() != keys for r in rows):
        session.execute(insert(table), rows)
        return
    columns = []
    for name in order:
        values = [r[name] for r in rows]
        process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if process is not None and all(v.__class__ is date for v in values):
            done = {v: process(v) for v in set(values)}  # dates repeat (an item's events share a few)
            values = [done[v] for v in values]
        elif process is not None and _utc_times(values) and process(values[0]) == _utc_text(values[0]):
            values = [_utc_text(v) for v in values]  # the processor's text (checked on the first)
        elif process is not None:
            values = [process(v) for v in values]
        columns.append(values)
    conn.exec_driver_sql(str(compiled), list(zip(*columns, strict=True)))


def _utc_times(values: list[Any]) -> bool:
    return all(v.__class__ is datetime and v.tzinfo is UTC for v in values)


def _utc_text(moment: datetime) -> str:
    """A UTC time as SQLAlchemy's SQLite DATETIME stores it: 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    return moment.isoformat(" ", "microseconds")[:26]


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _places(plan: ImportPlan) -> dict[str, tuple[str, str]]:
    """{village code: (township, county)} from the file's meta data; {} when absent or malformed
    (names only: a file without them still imports, its villages just lack those names)."""
    try:
        data = json.loads(plan.meta.get("villages_json") or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    out: dict[str, tuple[str, str]] = {}
    for code, names in data.items():
        if isinstance(names, list) and len(names) == 3 and all(isinstance(n, str) for n in names):
            out[str(code)] = (names[1][:50], names[2][:50])
    return out


def _villages(session: Any, plan: ImportPlan) -> dict[str, int]:
    out: dict[str, int] = {}
    places = _places(plan)
    for code, name in sorted(plan.villages.items()):
        township, county = places.get(code, ("", ""))
        village = session.exec(select(Village).where(Village.code == code)).first()
        if village is None:
            village = Village(code=code, name=name, township=township, county=county)
            session.add(village)
            session.flush()
        else:
            changed = False
            if not village.township and township:
                village.township, changed = township, True
            if not village.county and county:
                village.county, changed = county, True
            if changed:
                session.add(village)
        assert village.id is not None
        out[code] = village.id
    return out


def _person(
    session: Any,
    people: dict[str, Person],
    new_people: list[dict[str, Any]],
    it: dict[str, Any],
    vid: int,
    direction: str,
    ours: str,
    file_level: str,
) -> Person:
    """The requester: created when new; updated from the file when the file may change village data."""
    spec = it["_person"]
    person = people.get(spec["id"])
    if person is None:  # a row (Core insert before the items); model_construct skips validation
        row = {**spec, "village_id": vid, "household_id": None, "relation_to_head": ""}
        row.update(search_key=it.get("_person_key") or search_key(spec["name"]), created_at=utcnow())
        new_people.append(row)
        person = people[spec["id"]] = Person.model_construct(**row)
        return person
    if file_may_set("village", ours, file_level, direction):
        changed = False
        for name, value in spec.items():
            if name != "id" and getattr(person, name) != value:
                setattr(person, name, value)
                changed = True
        if changed:
            person.search_key = search_key(person.name)
            session.add(person)
    return person


def _cadre(session: Any, cadres: dict[tuple[int, str], int], it: dict[str, Any], vid: int) -> int | None:
    if it["_cadre"] is None:
        return None
    name, phone = it["_cadre"]
    cadre_id = cadres.get((vid, name))
    if cadre_id is None:
        cadre = Cadre(village_id=vid, name=name, phone=phone)
        session.add(cadre)
        session.flush()
        assert cadre.id is not None
        cadre_id = cadres[(vid, name)] = cadre.id
    return cadre_id


def _rating_of_row(event: dict[str, Any]) -> dict[str, Any] | None:
    """The satisfaction rating a 签字确认 event recorded (the workbook carries it in the history)."""
    if event["action"] != Action.CONFIRM.value:
        return None
    try:  # the event's note is the rating's Chinese label (actions.confirm writes it so)
        rating = Satisfaction.from_text(event["note"])
    except ValueError:
        return None
    changes = json.loads(event["changes"] or "{}")
    opinion = (changes.get("requester_opinion") or [None, ""])[1] or ""
    return {"item_id": event["item_id"], "rated_on": event["on"], "rating": rating.value, "opinion": opinion}
