"""`plain_rows`: the same rows as SQLAlchemy returns, as SQLite stores them, in the same transaction."""

from datetime import UTC, date, datetime

from sqlmodel import col, select

from app.models import Item, ItemEvent, Village
from app.store.plain import plain_rows
from app.store.uow import UnitOfWork
from tests.conftest import make_item


def test_plain_rows_equal_sqlalchemy_rows_as_stored(engine, settings, village):
    ids = [make_item(engine, settings, village, received=date(2026, 3, d)).id for d in (2, 9, 20)]
    with UnitOfWork(engine) as uow:
        stmt = (
            select(Item.id, Item.serial, Item.received_on, Item.on_the_spot, Item.state, Village.name)
            .join(Village, col(Village.id) == col(Item.village_id))
            .where(col(Item.village_id).in_([village.village_id, 999]))
            .where(col(Item.received_on) >= date(2026, 3, 5))
            .where(col(Item.updated_at) >= datetime(2000, 1, 1, tzinfo=UTC))
            .order_by(col(Item.serial))
        )
        plain = plain_rows(uow.session, stmt)
        typed = uow.session.exec(stmt).all()
    assert [r[0] for r in plain] == [r[0] for r in typed] == ids[1:]
    for p, t in zip(plain, typed, strict=True):
        assert p[1] == t[1] and p[5] == t[5]
        assert p[2] == t[2].isoformat()  # dates as stored text
        assert p[3] == int(t[3])  # booleans as 0/1
        assert p[4] == t[4]  # enumerations as their values


def test_plain_rows_see_the_unit_of_work_s_own_uncommitted_writes(engine, settings, village):
    item_id = make_item(engine, settings, village, received=date(2026, 3, 2)).id
    with UnitOfWork(engine) as uow:
        before = plain_rows(uow.session, select(ItemEvent.seq).where(col(ItemEvent.item_id) == item_id))
        uow.session.add(
            ItemEvent(
                item_id=item_id,
                seq=len(before) + 1,
                on=date(2026, 3, 1),
                actor="测试",
                action="edit",
                to_state="registered",
                note="",
                changes="{}",
            )
        )
        uow.session.flush()
        after = plain_rows(uow.session, select(ItemEvent.seq).where(col(ItemEvent.item_id) == item_id))
    assert len(after) == len(before) + 1


def test_bound_values_are_stored_text_exactly(engine, settings, village):
    """A time bound in the WHERE goes through its column type (UTC, as stored), so equality matches."""
    item = make_item(engine, settings, village, received=date(2026, 3, 2))
    with UnitOfWork(engine) as uow:
        stored = uow.session.get(Item, item.id).updated_at
        stmt = (
            select(Item.id)
            .where(col(Item.updated_at) == stored)
            .where(col(Item.received_on) == date(2026, 3, 2))
        )
        assert plain_rows(uow.session, stmt) == [(item.id,)] == [(i,) for i in uow.session.exec(stmt).all()]
