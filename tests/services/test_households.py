"""一户一页: a household page gathers its members and every item they brought, across ledgers."""

from datetime import date

import pytest

from app.errors import DomainError
from app.services.people import create_household, household_page, join_household
from app.store.uow import UnitOfWork
from tests.conftest import make_item


def test_household_page_lists_members_and_their_items_in_every_ledger(engine, settings, village):
    first = make_item(engine, settings, village, received=date(2026, 9, 1))
    second = make_item(
        engine,
        settings,
        village,
        received=date(2026, 10, 1),
        ledger="kunnan",
        category="低保",
        request="家中老人患病，申请低保。",
    )
    with UnitOfWork(engine) as uow:
        home = create_household(uow=uow, village_id=village.village_id, head_name="王长贵", group_name="三社")
        join_household(uow=uow, person_id=village.person_id, household_id=home.id, relation="户主")
        uow.commit()
    with UnitOfWork(engine) as uow:
        page = household_page(uow.session, home.id)
    assert [m.name for m in page.members] == ["王长贵"]
    assert page.members[0].relation_to_head == "户主"
    assert [i.id for i in page.items] == [first.id, second.id]
    assert {i.ledger_id for i in page.items} == {first.ledger_id, second.ledger_id}
    assert first.ledger_id != second.ledger_id


def test_a_household_needs_a_head_and_members_from_the_same_village(engine, village):
    with UnitOfWork(engine) as uow, pytest.raises(DomainError, match="户主"):
        create_household(uow=uow, village_id=village.village_id, head_name=" ")
    with UnitOfWork(engine) as uow, pytest.raises(DomainError, match="找不到"):
        join_household(uow=uow, person_id=village.person_id, household_id="nope", relation="户主")
