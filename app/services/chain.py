"""The hash-chained item history: link every new event, and verify every chain.

Each item's events form a chain in 序号 order: an event stores `prev_hash` (the hash of the item's
previous event, or `NO_HISTORY` for the first) and `hash` = sha256 of a canonical JSON array of
its content and `prev_hash`. The item row keeps `history_head`, the hash of its last event, so
deleting the last event shows too. Chains are per item, so an item's events travel in workbooks
and are appended at the township by (UUID, 序号) independently of other items; the content hashed
is what a workbook carries (times to the second, UTC), so the same event hashes the same in every
database.

Linking happens in a SQLAlchemy `before_flush` listener on every Session (registered when this
module is imported; `app/services/__init__.py` imports it), so every ORM path is covered;
Core bulk inserts call `chain_rows` themselves. There is no secret key: someone who recomputes
every hash with this code can rewrite a history undetected. What the chain catches is any edit
made with an outside SQLite tool; `VerifyReport.digest` (over all heads) can be written down and
compared later to catch even a full rewrite.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_attribute

from app.models import Item, ItemEvent
from app.models.item import NO_HISTORY
from app.services.errors import DomainError

FORMAT = "taizhang-event-v1"
CHUNK = 500
CONTENT_CHANGED = "内容被改动"
EVENT_DELETED = "记录被删除"
EVENT_INSERTED = "记录被插入"
ORDER_CHANGED = "顺序被改动"
LAST_DELETED = "末条记录被删除"

# item_id, seq, on, at, actor, action, from_state, to_state, note, changes — as stored
Content = tuple[str, int, str, str, str, str, str | None, str, str, str]


def _on_text(value: date | str) -> str:
    return value.isoformat()[:10] if isinstance(value, date) else str(value)[:10]


def _at_text(value: datetime | str) -> str:
    """The time as SQLite stores it (UTC, 'YYYY-MM-DD HH:MM:SS'), to the second."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)
        return moment.isoformat(sep=" ")[:19]
    return str(value)[:19]


def event_hash(content: Content, prev_hash: str) -> str:
    item_id, seq, on, at, actor, action, from_state, to_state, note, changes = content
    payload = [FORMAT, item_id, seq, on[:10], at[:19], actor, action, from_state, to_state, note, changes]
    text = _ENCODER.encode([*payload, prev_hash])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # made once: dumps() would
# build a new encoder for every event because of the non-default arguments


def content_of(ev: ItemEvent) -> Content:
    """The hashed fields of an ORM event, in the form SQLite gives them back."""
    return content_of_row(_values(ev))


def _values(ev: ItemEvent) -> dict[str, Any]:
    """The event's loaded values without going through the instrumented attributes one by one
    (five times faster for the thousands of events an import flushes)."""
    loaded = ev.__dict__
    if loaded.keys() >= HASHED_SET:
        return loaded
    return {name: getattr(ev, name) for name in HASHED}


HASHED = ("item_id", "seq", "on", "at", "actor", "action", "from_state", "to_state", "note", "changes")
HASHED_SET = frozenset(HASHED)


def content_of_row(row: dict[str, Any]) -> Content:
    return (
        row["item_id"],
        int(row["seq"]),
        _on_text(row["on"]),
        _at_text(row["at"]),
        row["actor"],
        row["action"],
        row["from_state"],
        row["to_state"],
        row["note"],
        row["changes"],
    )


# ------------------------------------------------------------------------------------------
# linking new events
# ------------------------------------------------------------------------------------------


def chain_rows(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Fill prev_hash/hash on event rows of items that have no stored events yet (Core inserts);
    returns {item_id: head}. Rows of one item must be in seq order."""
    heads: dict[str, str] = {}
    for row in rows:
        prev = heads.get(row["item_id"], NO_HISTORY)
        row["prev_hash"] = prev
        row["hash"] = heads[row["item_id"]] = event_hash(content_of_row(row), prev)
    return heads


def _stored_tips(session: Session, item_ids: list[str]) -> dict[str, tuple[int, str]]:
    """{item_id: (last seq, last hash)} of the events already in the database."""
    tips: dict[str, tuple[int, str]] = {}
    conn = session.connection()
    for start in range(0, len(item_ids), CHUNK):
        chunk = item_ids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = conn.exec_driver_sql(
            "SELECT e.item_id, e.seq, e.hash FROM item_event e JOIN (SELECT item_id, max(seq) AS m "
            f"FROM item_event WHERE item_id IN ({marks}) GROUP BY item_id) t "
            "ON e.item_id = t.item_id AND e.seq = t.m",
            tuple(chunk),
        )
        tips.update({r[0]: (r[1], r[2]) for r in rows})
    return tips


def link_events(session: Session, events: Iterable[ItemEvent]) -> None:
    """Give new events their prev_hash/hash, in seq order per item after the stored tip, and move
    each item's head; one query per few hundred items, whatever the number of events."""
    by_item: dict[str, list[ItemEvent]] = {}
    for ev in events:
        by_item.setdefault(ev.item_id, []).append(ev)
    pending = {o.id: o for o in session.new if isinstance(o, Item)}
    with session.no_autoflush:
        tips = _stored_tips(session, [i for i in by_item if i not in pending])
    mapper = inspect(Item)
    stale: list[dict[str, str]] = []
    for item_id, evs in by_item.items():
        last_seq, prev = tips.get(item_id, (0, NO_HISTORY))
        for ev in sorted(evs, key=lambda e: e.seq):
            if ev.seq <= last_seq:
                raise DomainError(f"办理记录序号{ev.seq}不在该事项历史的末尾（已有第{last_seq}条），不能追加")
            set_attribute(ev, "prev_hash", prev)
            prev = event_hash(content_of(ev), prev)
            set_attribute(ev, "hash", prev)
            last_seq = ev.seq
        item = pending.get(item_id) or session.identity_map.get(
            mapper.identity_key_from_primary_key((item_id,))
        )
        if item is not None:
            set_attribute(item, "history_head", prev)
        else:
            stale.append({"h": prev, "i": item_id})
    if stale:
        session.connection().exec_driver_sql(
            "UPDATE item SET history_head = ? WHERE id = ?", [(s["h"], s["i"]) for s in stale]
        )


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    new = [o for o in session.new if isinstance(o, ItemEvent) and o.hash is None]
    if new:
        link_events(session, new)


def register() -> None:
    """Link new events in every ORM session (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


register()


# ------------------------------------------------------------------------------------------
# verifying
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    """The first broken link of one item's history."""

    item_id: str
    serial: str
    seq: int
    problem: str  # one of the five kinds above
    detail: str  # a Chinese sentence for people

    def text(self) -> str:
        return f"事项{self.serial or self.item_id}：{self.problem}（{self.detail}）"


@dataclass
class VerifyReport:
    items_checked: int = 0
    events_checked: int = 0
    broken_items: int = 0
    problems: list[BrokenLink] = field(default_factory=list)  # the first few, in check order
    digest: str = ""  # sha256 over every item's UUID and head: note it down to compare later

    @property
    def ok(self) -> bool:
        return self.broken_items == 0

    @property
    def first(self) -> BrokenLink | None:
        return self.problems[0] if self.problems else None

    def lines(self) -> list[str]:
        """The result in Chinese, for the command line and the GUI."""
        checked = f"共检查{self.items_checked}件事项、{self.events_checked}条办理记录"
        if self.ok:
            return [f"历史记录完整：{checked}，未发现改动。", f"全库历史摘要：{self.digest}"]
        out = [f"发现{self.broken_items}件事项的办理记录被改动过（{checked}）。"]
        out += [f"第一处：{self.problems[0].text()}"]
        out += [f"  另：{p.text()}" for p in self.problems[1:10]]
        if self.broken_items > 10:
            out.append(f"  ……另有{self.broken_items - 10}件")
        out.append("请找出原始纸质台账核对，并用最近的备份恢复；不要继续在这个文件上办理。")
        return out


Row = tuple[Any, ...]  # seq, on, at, actor, action, from_state, to_state, note, changes, prev, hash


def _content(item_id: str, r: Row) -> Content:
    return (item_id, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8])


def check_item(item_id: str, serial: str, head: str | None, rows: Sequence[Row]) -> BrokenLink | None:
    """The first broken link of one item's chain (rows in seq order), or None."""
    prev = NO_HISTORY
    for i, r in enumerate(rows):
        if r[9] == prev and event_hash(_content(item_id, r), prev) == r[10]:
            prev = r[10]
            continue
        return _classify(item_id, serial, head, rows, i, prev)
    if head == prev:
        return None
    at = {r[10]: i for i, r in enumerate(rows)}
    if head in at:
        extra = rows[at[head] + 1]
        return BrokenLink(item_id, serial, extra[0], EVENT_INSERTED, f"第{extra[0]}条及以后是后加的记录")
    last = rows[-1][0] if rows else 0
    detail = f"第{last}条之后的记录不见了" if rows else "全部办理记录都不见了"
    return BrokenLink(item_id, serial, last + 1, LAST_DELETED, detail)


def _classify(
    item_id: str, serial: str, head: str | None, rows: Sequence[Row], i: int, prev: str
) -> BrokenLink:
    """Why link i fails, given that every link before it holds and `prev` is the hash before it."""
    r = rows[i]
    seq = r[0]
    after = rows[i + 1][9] if i + 1 < len(rows) else head
    position = {row[10]: k for k, row in enumerate(rows)}

    def link(problem: str, detail: str, at_seq: int = seq) -> BrokenLink:
        return BrokenLink(item_id, serial, at_seq, problem, detail)

    if r[9] == prev:  # linked in place, but the content does not match its hash
        if after == prev:
            return link(EVENT_INSERTED, f"第{seq}条是后加的记录")
        return link(CONTENT_CHANGED, f"第{seq}条的内容与记录时不同")
    k = position.get(r[9])
    if k is not None and k >= i:
        return link(ORDER_CHANGED, f"第{seq}条原本排在别的记录之后")
    if after == prev:
        return link(EVENT_INSERTED, f"第{seq}条是后加的记录")
    if k is not None or (r[9] == NO_HISTORY and i > 0):
        first = rows[k + 1 if k is not None else 0][0]
        return link(EVENT_INSERTED, f"第{first}条起有后加的记录", first)
    if event_hash(_content(item_id, r), prev) == r[10]:
        return link(CONTENT_CHANGED, f"第{seq}条的链接被改动")
    before = rows[i - 1][0] if i > 0 else 0
    if seq > before + 1:
        missing = f"第{before + 1}条" if seq == before + 2 else f"第{before + 1}至{seq - 1}条"
        return link(EVENT_DELETED, f"{missing}不见了", before + 1)
    return link(EVENT_DELETED, f"第{seq}条之前有记录不见了")


EVENTS_SQL = (
    'SELECT item_id, seq, "on", at, actor, action, from_state, to_state, note, changes, prev_hash, hash '
    "FROM item_event ORDER BY item_id, seq"
)
ITEMS_SQL = "SELECT id, serial, history_head FROM item ORDER BY id"


def _grouped(cursor: Iterable[tuple[Any, ...]]) -> Iterator[tuple[str, list[Row]]]:
    current: str | None = None
    rows: list[Row] = []
    for rec in cursor:
        if rec[0] != current:
            if current is not None:
                yield current, rows
            current, rows = rec[0], []
        rows.append(rec[1:])
    if current is not None:
        yield current, rows


def verify_chain(
    session: Session, progress: Callable[[int, int], None] | None = None, *, keep: int = 20
) -> VerifyReport:
    """Walk every item's chain (streamed in index order, items and events merged by UUID).

    `progress(events_done, events_total)` is called every few thousand events.
    """
    con = session.connection().connection.dbapi_connection
    assert con is not None
    total = con.execute("SELECT count(*) FROM item_event").fetchone()[0]
    report = VerifyReport()
    digest = hashlib.sha256()
    groups = _grouped(con.execute(EVENTS_SQL))
    pending = next(groups, None)
    step = 0
    for item_id, serial, head in con.execute(ITEMS_SQL):
        rows: list[Row] = []
        while pending is not None and pending[0] < item_id:  # events of a missing item
            _note(report, _orphan(*pending), keep)
            report.events_checked += len(pending[1])
            pending = next(groups, None)
        if pending is not None and pending[0] == item_id:
            rows = pending[1]
            pending = next(groups, None)
        report.items_checked += 1
        report.events_checked += len(rows)
        digest.update(f"{item_id}:{head}\n".encode())
        broken = check_item(item_id, serial, head, rows)
        if broken is not None:
            _note(report, broken, keep)
        if progress is not None and report.events_checked >= step:
            progress(report.events_checked, total)
            step = report.events_checked + 5000
    while pending is not None:
        _note(report, _orphan(*pending), keep)
        report.events_checked += len(pending[1])
        pending = next(groups, None)
    report.digest = digest.hexdigest()
    if progress is not None:
        progress(report.events_checked, total)
    return report


def _orphan(item_id: str, rows: list[Row]) -> BrokenLink:
    return BrokenLink(item_id, "", rows[0][0], EVENT_DELETED, f"事项本身被删除，还留有{len(rows)}条办理记录")


def _note(report: VerifyReport, broken: BrokenLink, keep: int) -> None:
    report.broken_items += 1
    if len(report.problems) < keep:
        report.problems.append(broken)
