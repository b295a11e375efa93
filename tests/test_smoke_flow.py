"""The Zhongjiang story end to end: register, deliberate, escalate, reply, settle, confirm, publish."""

from datetime import date

from app.models.enums import DeliberationDecision, ItemState, Level, Satisfaction
from app.services import actions
from app.services.history import history
from app.store.uow import UnitOfWork
from tests.conftest import make_item


def test_escalated_item_is_settled_by_township_and_published(engine, settings, village):
    item = make_item(engine, settings, village, received=date(2026, 9, 28))
    with UnitOfWork(engine) as uow:
        actions.deliberate(
            uow=uow,
            item_id=item.id,
            on=date(2026, 9, 30),
            actor="杨运润",
            decision=DeliberationDecision.ESCALATE,
            opinion="村里无力解决，报镇上",
        )
        actions.reply(uow=uow, item_id=item.id, on=date(2026, 10, 8), actor="镇干部", text="已受理")
        actions.settle(
            uow=uow,
            item_id=item.id,
            on=date(2026, 10, 12),
            actor="镇干部",
            measures="协调资金",
            outcome="建成蓄水池3口",
        )
        actions.confirm(
            uow=uow,
            item_id=item.id,
            on=date(2026, 10, 14),
            actor="杨运润",
            satisfaction=Satisfaction.SATISFIED,
            opinion="满意",
            signed_by="王长贵",
        )
        done = actions.publish(
            uow=uow, item_id=item.id, on=date(2026, 11, 1), actor="杨运润", month="2026-10"
        )
        uow.commit()
    assert done.state == ItemState.PUBLISHED
    assert done.settled_level == Level.TOWNSHIP
    assert done.max_level == Level.TOWNSHIP
    with UnitOfWork(engine) as uow:
        events = history(uow.session, item.id)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[-1].to_state == ItemState.PUBLISHED
    assert events[1].to_state == ItemState.TOWNSHIP_HANDLING
