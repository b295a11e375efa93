"""history hash chain: item_event.prev_hash/hash and item.history_head, backfilled in seq order

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 19:00:00

Every event records the hash of the previous event of its item and the hash of its own content;
the item keeps the hash of its last event. The append-only triggers refuse UPDATE on item_event,
so they are dropped for the backfill and made again at the end, all inside the one transaction
`app.store.migrate` runs (a failure leaves the file as it was).

The hash is frozen here on purpose (a migration must not change when the app's code does);
`app/services/chain.py` computes the same one and `tests/store/test_upgrades.py` checks that the
chains this migration writes verify.
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_HISTORY = "0" * 64
FORMAT = "taizhang-event-v1"
CHUNK = 500

APPEND_ONLY_TRIGGERS = (
    """CREATE TRIGGER item_event_no_update BEFORE UPDATE ON item_event
    BEGIN SELECT RAISE(ABORT, '台账历史记录只能追加，不能修改'); END""",
    """CREATE TRIGGER item_event_no_delete BEFORE DELETE ON item_event
    BEGIN SELECT RAISE(ABORT, '台账历史记录只能追加，不能删除'); END""",
    """CREATE TRIGGER item_no_delete BEFORE DELETE ON item
    BEGIN SELECT RAISE(ABORT, '台账事项不能删除，只能作废'); END""",
)
TRIGGER_NAMES = ("item_event_no_update", "item_event_no_delete", "item_no_delete")


def event_hash(row: Sequence[Any], prev_hash: str) -> str:
    """row: item_id, seq, on, at, actor, action, from_state, to_state, note, changes as stored."""
    item_id, seq, on, at, actor, action, from_state, to_state, note, changes = row
    payload = [FORMAT, item_id, seq, on[:10], at[:19], actor, action, from_state, to_state, note, changes]
    text = json.dumps([*payload, prev_hash], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade() -> None:
    _drop_triggers()
    _add_columns()
    _backfill(op.get_bind())
    _require_columns()
    _create_triggers()


def _drop_triggers() -> None:
    for name in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _create_triggers() -> None:
    for trigger in APPEND_ONLY_TRIGGERS:
        op.execute(trigger)


def _add_columns() -> None:
    with op.batch_alter_table("item_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("history_head", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def _backfill(bind: sa.Connection) -> None:
    """Chain every item's events in seq order, a few hundred items at a time."""
    bind.exec_driver_sql("UPDATE item SET history_head = ?", (NO_HISTORY,))
    item_ids = [
        r[0] for r in bind.exec_driver_sql("SELECT DISTINCT item_id FROM item_event ORDER BY item_id")
    ]
    for start in range(0, len(item_ids), CHUNK):
        chunk = item_ids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = bind.exec_driver_sql(
            'SELECT id, item_id, seq, "on", at, actor, action, from_state, to_state, note, changes '
            f"FROM item_event WHERE item_id IN ({marks}) ORDER BY item_id, seq",
            tuple(chunk),
        ).fetchall()
        links: list[tuple[str, str, int]] = []
        heads: dict[str, str] = {}
        for row in rows:
            prev = heads.get(row[1], NO_HISTORY)
            digest = event_hash(tuple(row[1:]), prev)
            links.append((prev, digest, row[0]))
            heads[row[1]] = digest
        bind.exec_driver_sql("UPDATE item_event SET prev_hash = ?, hash = ? WHERE id = ?", links)
        bind.exec_driver_sql(
            "UPDATE item SET history_head = ? WHERE id = ?", [(h, i) for i, h in heads.items()]
        )


def _require_columns() -> None:
    with op.batch_alter_table("item_event", schema=None) as batch_op:
        for name in ("prev_hash", "hash"):
            batch_op.alter_column(name, existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.alter_column(
            "history_head", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False
        )


def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_column("history_head")
    with op.batch_alter_table("item_event", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    _create_triggers()
