"""Items (一事一档) and their append-only history."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.models.base import new_uuid, utcnow

NO_HISTORY = "0" * 64  # the chain head of an item without events, and the first event's prev_hash


class Item(SQLModel, table=True):
    """One request on one loose-leaf page; its state is kept in step with its history."""

    __table_args__ = (
        UniqueConstraint("village_id", "ledger_id", "year", "seq", name="uq_item_serial_parts"),
    )

    id: str = Field(default_factory=new_uuid, primary_key=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    ledger_id: int = Field(foreign_key="ledger.id", index=True)
    category: str
    serial: str = Field(index=True, unique=True)
    year: int
    seq: int
    person_id: str = Field(foreign_key="person.id", index=True)
    source: str
    source_detail: str = ""
    received_on: date = Field(index=True)
    registered_at: datetime = Field(default_factory=utcnow)
    registered_by: str = ""
    request: str
    decision: str = ""
    measures: str = ""
    outcome: str = ""
    requester_opinion: str = ""
    satisfaction: str | None = None
    signed_by: str = ""
    signed_on: date | None = None
    responsible_cadre_id: int | None = Field(default=None, foreign_key="cadre.id", index=True)
    state: str = Field(index=True)
    level: str = "village"
    max_level: str = "village"
    level_started_on: date
    replied_on: date | None = None
    reply: str = ""
    assigned_on: date | None = None
    department: str = ""
    settled_on: date | None = Field(default=None, index=True)
    settled_level: str | None = None
    settled_from_state: str | None = None
    on_the_spot: bool = False
    reopen_count: int = 0
    published_month: str | None = None
    void_reason: str = ""
    voided_on: date | None = None
    search_key: str = ""
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow)
    # hash of the item's last event (app/services/chain.py): deleting the last event shows
    history_head: str = NO_HISTORY


class ItemEvent(SQLModel, table=True):
    """One change to an item: who, when, what, why. Rows are never updated or deleted."""

    __tablename__ = "item_event"

    __table_args__ = (UniqueConstraint("item_id", "seq", name="uq_itemevent_item_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: str = Field(foreign_key="item.id", index=True)
    seq: int
    at: datetime = Field(default_factory=utcnow)
    on: date
    actor: str
    action: str
    from_state: str | None = None
    to_state: str
    note: str = ""
    changes: str = "{}"
    # hash chain (app/services/chain.py fills both at flush): NOT NULL in the database, so a
    # writer that bypasses the chain fails loudly instead of leaving an unchained event
    prev_hash: str | None = Field(default=None, nullable=False)
    hash: str | None = Field(default=None, nullable=False)
