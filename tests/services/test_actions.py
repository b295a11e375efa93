"""Example-based tests of the use cases against a real SQLite file.

建账, 议账, 上报/答复/交办, 办结, 签字确认, 晒账, 回访, 督办, 作废, 更正, 议账会,
people, and a county's own ledger.
"""

import json
import random
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import func, select

from app.models import (
    FollowUpVisit,
    Item,
    ItemEvent,
    Meeting,
    MeetingDecision,
    Person,
    SatisfactionRating,
    SupervisionNotice,
)
from app.models.enums import Action, DeliberationDecision, ItemState, Level, Satisfaction
from app.services import actions
from app.services.config import load_ledger_config
from app.services.errors import DomainError
from app.services.history import history
from app.services.identity import generate_id_number
from app.services.meetings import ItemDecision, record_meeting
from app.services.people import create_person, find_people
from app.services.registration import register_item
from app.services.villages import create_village, sync_ledgers
from app.store.uow import UnitOfWork
from tests.conftest import make_item

S = ItemState
D = DeliberationDecision
CJK = re.compile(r"[\u4e00-\u9fff]")
ACTOR = "杨运润"
DAY = date(2026, 9, 28)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def load(engine, item_id: str) -> Item:
    with UnitOfWork(engine) as uow:
        item = uow.session.get(Item, item_id)
        assert item is not None
        return item


def events(engine, item_id: str) -> list[ItemEvent]:
    with UnitOfWork(engine) as uow:
        return history(uow.session, item_id)


def count(engine, model, *where) -> int:
    with UnitOfWork(engine) as uow:
        return uow.session.exec(select(func.count()).select_from(model).where(*where)).one()


def do(engine, fn, **kwargs):
    """One user action: one unit of work, committed on success."""
    with UnitOfWork(engine) as uow:
        result = fn(uow=uow, actor=kwargs.pop("actor", ACTOR), **kwargs)
        uow.commit()
        return result


def refused(engine, fn, match: str | None = None, **kwargs) -> DomainError:
    """The action raises a Chinese DomainError and leaves the item and its history as they were."""
    item_id = kwargs.get("item_id")
    before = (load(engine, item_id).model_dump(), len(events(engine, item_id))) if item_id else None
    with pytest.raises(DomainError) as info, UnitOfWork(engine) as uow:
        fn(uow=uow, actor=kwargs.pop("actor", ACTOR), **kwargs)
        uow.commit()
    assert CJK.search(info.value.message), info.value.message
    if match is not None:
        assert re.search(match, info.value.message), info.value.message
    if item_id:
        assert (load(engine, item_id).model_dump(), len(events(engine, item_id))) == before
    return info.value


def new_item(engine, settings, village, received: date = DAY, **kw) -> str:
    return make_item(engine, settings, village, received=received, **kw).id


def settle_at_township(engine, item_id: str) -> None:
    do(
        engine,
        actions.deliberate,
        item_id=item_id,
        on=date(2026, 9, 30),
        decision=D.ESCALATE,
        opinion="村里无力解决，报镇上",
    )
    do(engine, actions.reply, item_id=item_id, on=date(2026, 10, 8), actor="镇干部", text="已受理")
    do(
        engine,
        actions.settle,
        item_id=item_id,
        on=date(2026, 10, 12),
        actor="镇干部",
        measures="协调资金",
        outcome="建成蓄水池3口",
    )


def _register(engine, settings, village, **overrides):
    args = dict(
        config=settings.ledgers,
        village_id=village.village_id,
        ledger_key="minsheng",
        category="土地流转",
        person_id=village.person_id,
        source="走访",
        received_on=DAY,
        request="三社土地撂荒严重",
        actor=ACTOR,
        today=DAY,
    )
    args.update(overrides)
    with UnitOfWork(engine) as uow:
        item = register_item(uow=uow, **args)
        uow.commit()
        return item


# ---------------------------------------------------------------------------------------------
# 就地办结, 议账, escalation
# ---------------------------------------------------------------------------------------------


def test_settle_on_spot_settles_at_village_level(engine, settings, village):
    item_id = new_item(engine, settings, village)
    done = do(
        engine, actions.settle_on_spot, item_id=item_id, on=DAY, measures="现场协调", outcome="当场解决"
    )
    assert done.state == S.SETTLED
    assert done.on_the_spot is True
    assert done.settled_level == Level.VILLAGE
    assert done.settled_on == DAY
    assert done.max_level == Level.VILLAGE
    evs = events(engine, item_id)
    assert [(e.action, e.from_state, e.to_state) for e in evs] == [
        (Action.REGISTER, None, S.REGISTERED),
        (Action.SETTLE_ON_SPOT, S.REGISTERED, S.SETTLED),
    ]
    assert json.loads(evs[1].changes)["on_the_spot"] == [False, True]


def test_settle_on_spot_needs_measures_and_outcome(engine, settings, village):
    item_id = new_item(engine, settings, village)
    refused(engine, actions.settle_on_spot, item_id=item_id, on=DAY, measures="现场协调", outcome=" ")
    refused(engine, actions.settle_on_spot, item_id=item_id, on=DAY, measures="", outcome="当场解决")


def test_deliberate_settle_requires_an_outcome(engine, settings, village):
    item_id = new_item(engine, settings, village)
    refused(
        engine,
        actions.deliberate,
        match="处理结果",
        item_id=item_id,
        on=DAY,
        decision=D.SETTLE,
        opinion="会上议定",
    )
    refused(engine, actions.deliberate, item_id=item_id, on=DAY, decision=D.HANDLE, opinion="")
    done = do(
        engine,
        actions.deliberate,
        item_id=item_id,
        on=DAY,
        decision=D.SETTLE,
        opinion="会上议定",
        outcome="同意流转给合作社",
    )
    assert done.state == S.SETTLED
    assert done.outcome == "同意流转给合作社"
    assert done.settled_level == Level.VILLAGE
    assert done.on_the_spot is False


def test_deliberate_handle_keeps_the_item_in_the_village(engine, settings, village):
    item_id = new_item(engine, settings, village)
    done = do(engine, actions.deliberate, item_id=item_id, on=DAY, decision=D.HANDLE, opinion="村上限时办理")
    assert done.state == S.VILLAGE_HANDLING
    assert done.level == Level.VILLAGE
    assert done.decision == "村上限时办理"
    # the village can still decide to report it upward later
    up = do(engine, actions.escalate, item_id=item_id, on=date(2026, 10, 2), reason="村里无力解决")
    assert up.state == S.TOWNSHIP_HANDLING
    assert up.level == Level.TOWNSHIP
    assert up.level_started_on == date(2026, 10, 2)


def test_escalation_chain_up_to_county_party_and_government(engine, settings, village):
    item_id = new_item(engine, settings, village)
    steps = [
        (
            actions.deliberate,
            dict(decision=D.ESCALATE, opinion="报镇上"),
            S.TOWNSHIP_HANDLING,
            Level.TOWNSHIP,
        ),
        (actions.escalate, dict(reason="镇上无力解决"), S.COUNTY_REGISTERED, Level.COUNTY),
        (actions.assign, dict(department="县水务局"), S.DEPARTMENT_HANDLING, Level.COUNTY),
        (actions.escalate, dict(reason="部门书面报告"), S.JOINT_MEETING, Level.COUNTY),
        (actions.escalate, dict(reason="联席会议无法解决"), S.PARTY_GOVERNMENT, Level.COUNTY),
    ]
    for n, (fn, kwargs, state, level) in enumerate(steps, start=1):
        item = do(engine, fn, item_id=item_id, on=date(2026, 10, n), **kwargs)
        assert item.state == state
        assert item.level == level
        assert item.max_level == level
        assert item.settled_level is None
    item = load(engine, item_id)
    assert item.department == "县水务局"
    assert item.assigned_on == date(2026, 10, 3)
    assert item.level_started_on == date(2026, 10, 2)  # the county clock started when it got there

    done = do(
        engine,
        actions.settle,
        item_id=item_id,
        on=date(2026, 11, 1),
        measures="县里统筹资金",
        outcome="修通引水管道",
    )
    assert done.state == S.SETTLED
    assert done.settled_level == Level.COUNTY
    assert done.max_level == Level.COUNTY
    assert done.settled_from_state == S.PARTY_GOVERNMENT
    assert [e.to_state for e in events(engine, item_id)] == [
        S.REGISTERED,
        S.TOWNSHIP_HANDLING,
        S.COUNTY_REGISTERED,
        S.DEPARTMENT_HANDLING,
        S.JOINT_MEETING,
        S.PARTY_GOVERNMENT,
        S.SETTLED,
    ]


def test_no_escalation_beyond_party_and_government_or_from_registered(engine, settings, village):
    item_id = new_item(engine, settings, village)
    # an item is first deliberated; it is not reported upward straight from registration
    refused(engine, actions.escalate, item_id=item_id, on=DAY, reason="直接上报")
    # the county office must assign it before it can go on to the joint meeting
    do(engine, actions.deliberate, item_id=item_id, on=DAY, decision=D.ESCALATE, opinion="报镇上")
    do(engine, actions.escalate, item_id=item_id, on=DAY, reason="报县里")
    refused(engine, actions.escalate, item_id=item_id, on=DAY, reason="跳过交办")
    do(engine, actions.assign, item_id=item_id, on=DAY, department="县民政局")
    do(engine, actions.escalate, item_id=item_id, on=DAY, reason="部门书面报告")
    do(engine, actions.escalate, item_id=item_id, on=DAY, reason="联席会议")
    refused(engine, actions.escalate, item_id=item_id, on=DAY, reason="没有更高一级")


def test_settled_by_township_records_township_level(engine, settings, village):
    item_id = new_item(engine, settings, village)
    settle_at_township(engine, item_id)
    item = load(engine, item_id)
    assert item.settled_level == Level.TOWNSHIP
    assert item.max_level == Level.TOWNSHIP
    assert item.settled_on == date(2026, 10, 12)


def test_township_replies_only_once(engine, settings, village):
    item_id = new_item(engine, settings, village)
    do(engine, actions.deliberate, item_id=item_id, on=DAY, decision=D.ESCALATE, opinion="报镇上")
    refused(engine, actions.reply, item_id=item_id, on=DAY, actor="镇干部", text="  ")
    item = do(engine, actions.reply, item_id=item_id, on=date(2026, 10, 8), actor="镇干部", text="已受理")
    assert item.state == S.TOWNSHIP_REPLIED
    assert item.replied_on == date(2026, 10, 8)
    assert item.reply == "已受理"
    refused(engine, actions.reply, item_id=item_id, on=date(2026, 10, 9), actor="镇干部", text="再次答复")
    # the township can still report it to the county after replying
    assert (
        do(engine, actions.escalate, item_id=item_id, on=date(2026, 10, 9), reason="镇上无力解决").state
        == S.COUNTY_REGISTERED
    )


# ---------------------------------------------------------------------------------------------
# 签字确认, 满意度, 晒账, 回访
# ---------------------------------------------------------------------------------------------


def test_dissatisfied_rating_reopens_where_it_was_settled(engine, settings, village):
    item_id = new_item(engine, settings, village)
    settle_at_township(engine, item_id)
    item = do(
        engine,
        actions.confirm,
        item_id=item_id,
        on=date(2026, 10, 14),
        satisfaction=Satisfaction.DISSATISFIED,
        opinion="水池漏水，不满意",
    )
    assert item.state == S.TOWNSHIP_REPLIED
    assert item.reopen_count == 1
    assert item.settled_on is None
    assert item.settled_level is None
    assert item.level == Level.TOWNSHIP
    assert item.level_started_on == date(2026, 10, 14)  # the township's clock starts again
    assert item.signed_by == ""
    with UnitOfWork(engine) as uow:
        ratings = uow.session.exec(select(SatisfactionRating)).all()
    assert [(r.item_id, r.rating, r.rated_on, r.opinion) for r in ratings] == [
        (item_id, Satisfaction.DISSATISFIED, date(2026, 10, 14), "水池漏水，不满意")
    ]
    last = events(engine, item_id)[-1]
    assert (last.action, last.from_state, last.to_state) == (Action.CONFIRM, S.SETTLED, S.TOWNSHIP_REPLIED)

    # handled again and settled again, then confirmed: both ratings are kept
    do(
        engine,
        actions.settle,
        item_id=item_id,
        on=date(2026, 10, 20),
        actor="镇干部",
        measures="返工",
        outcome="已修好",
    )
    item = do(
        engine,
        actions.confirm,
        item_id=item_id,
        on=date(2026, 10, 21),
        satisfaction=Satisfaction.VERY_SATISFIED,
        opinion="很满意",
        signed_by="王长贵",
    )
    assert item.state == S.CONFIRMED
    assert item.reopen_count == 1
    assert item.signed_by == "王长贵"
    assert item.signed_on == date(2026, 10, 21)
    assert item.settled_on == date(2026, 10, 20)
    assert item.settled_level == Level.TOWNSHIP
    assert count(engine, SatisfactionRating, SatisfactionRating.item_id == item_id) == 2


@pytest.mark.parametrize(
    "rating", [Satisfaction.NEUTRAL, Satisfaction.DISSATISFIED, Satisfaction.VERY_DISSATISFIED]
)
def test_every_rating_below_satisfied_reopens(engine, settings, village, rating):
    item_id = new_item(engine, settings, village)
    do(engine, actions.settle_on_spot, item_id=item_id, on=DAY, measures="现场协调", outcome="当场解决")
    item = do(engine, actions.confirm, item_id=item_id, on=DAY, satisfaction=rating, opinion="还有问题")
    # settled on the spot at registration: handling goes on in the village
    assert item.state == S.VILLAGE_HANDLING
    assert item.level == Level.VILLAGE
    assert item.reopen_count == 1
    assert item.satisfaction == rating


def test_satisfied_without_signature_is_refused(engine, settings, village):
    item_id = new_item(engine, settings, village)
    do(engine, actions.settle_on_spot, item_id=item_id, on=DAY, measures="现场协调", outcome="当场解决")
    for rating in (Satisfaction.SATISFIED, Satisfaction.VERY_SATISFIED):
        refused(
            engine,
            actions.confirm,
            match="签字",
            item_id=item_id,
            on=DAY,
            satisfaction=rating,
            opinion="满意",
            signed_by="  ",
        )
    refused(
        engine,
        actions.confirm,
        item_id=item_id,
        on=DAY,
        satisfaction=Satisfaction.SATISFIED,
        opinion="",
        signed_by="王长贵",
    )
    assert count(engine, SatisfactionRating) == 0


def test_confirm_and_publish_only_in_order(engine, settings, village):
    item_id = new_item(engine, settings, village)
    refused(
        engine,
        actions.confirm,
        item_id=item_id,
        on=DAY,
        satisfaction=Satisfaction.SATISFIED,
        opinion="满意",
        signed_by="王长贵",
    )
    refused(engine, actions.publish, item_id=item_id, on=DAY, month="2026-09")
    do(engine, actions.settle_on_spot, item_id=item_id, on=DAY, measures="现场协调", outcome="当场解决")
    refused(engine, actions.publish, item_id=item_id, on=DAY, month="2026-09")  # not yet signed
    do(
        engine,
        actions.confirm,
        item_id=item_id,
        on=DAY,
        satisfaction=Satisfaction.SATISFIED,
        opinion="满意",
        signed_by="王长贵",
    )
    refused(engine, actions.publish, match="YYYY-MM", item_id=item_id, on=DAY, month="2026-9")
    item = do(engine, actions.publish, item_id=item_id, on=date(2026, 10, 1), month="2026-09")
    assert item.state == S.PUBLISHED
    assert item.published_month == "2026-09"
    refused(engine, actions.publish, item_id=item_id, on=date(2026, 10, 2), month="2026-10")
    refused(engine, actions.edit_item, item_id=item_id, on=date(2026, 10, 2), reason="改", request="新")


def test_follow_up_after_publication_is_recorded(engine, settings, village):
    item_id = new_item(engine, settings, village)
    refused(engine, actions.follow_up, item_id=item_id, on=DAY, note="回访")  # not settled yet
    do(engine, actions.settle_on_spot, item_id=item_id, on=DAY, measures="现场协调", outcome="当场解决")
    do(
        engine,
        actions.confirm,
        item_id=item_id,
        on=DAY,
        satisfaction=Satisfaction.SATISFIED,
        opinion="满意",
        signed_by="王长贵",
    )
    do(engine, actions.publish, item_id=item_id, on=date(2026, 10, 1), month="2026-09")
    item = do(
        engine,
        actions.follow_up,
        item_id=item_id,
        on=date(2026, 11, 3),
        actor="村干部李明",
        note="群众反映效果好",
    )
    assert item.state == S.PUBLISHED
    with UnitOfWork(engine) as uow:
        visits = uow.session.exec(select(FollowUpVisit)).all()
    assert [(v.item_id, v.visited_on, v.visitor, v.note) for v in visits] == [
        (item_id, date(2026, 11, 3), "村干部李明", "群众反映效果好")
    ]
    assert events(engine, item_id)[-1].action == Action.FOLLOW_UP


# regression: _level_fields once did STATE_LEVEL[old] whenever new was SETTLED, so every action that
# keeps a SETTLED item SETTLED (回访, 督办, 销号, 更正) raised KeyError
@pytest.mark.parametrize("what", ["follow_up", "supervise", "close_supervision", "edit"])
def test_same_state_actions_on_a_settled_item(engine, settings, village, what):
    item_id = new_item(engine, settings, village)
    notice = do(engine, actions.supervise, item_id=item_id, on=DAY, issuer="镇纪委", content="限期办结")
    do(engine, actions.settle_on_spot, item_id=item_id, on=DAY, measures="现场协调", outcome="当场解决")
    on = date(2026, 10, 5)
    if what == "follow_up":
        do(engine, actions.follow_up, item_id=item_id, on=on, note="回访，群众认可")
    elif what == "supervise":
        do(engine, actions.supervise, item_id=item_id, on=on, issuer="镇纪委", content="尽快签字确认")
    elif what == "close_supervision":
        do(engine, actions.close_supervision, notice_id=notice.id, on=on, note="已办结")
    else:
        do(engine, actions.edit_item, item_id=item_id, on=on, reason="补记", measures="现场协调并回访")
    item = load(engine, item_id)
    assert item.state == S.SETTLED
    assert item.settled_on == DAY
    assert events(engine, item_id)[-1].on == on


# ---------------------------------------------------------------------------------------------
# dates, 作废, 督办
# ---------------------------------------------------------------------------------------------


def test_a_date_before_the_last_event_is_refused_and_nothing_saved(engine, settings, village):
    item_id = new_item(engine, settings, village)
    refused(
        engine,
        actions.deliberate,
        match="早于受理日期",
        item_id=item_id,
        on=date(2026, 9, 27),
        decision=D.HANDLE,
        opinion="村上办理",
    )
    do(
        engine,
        actions.deliberate,
        item_id=item_id,
        on=date(2026, 10, 5),
        decision=D.HANDLE,
        opinion="村上办理",
    )
    before = load(engine, item_id)
    refused(
        engine,
        actions.settle,
        match="早于上一次",
        item_id=item_id,
        on=date(2026, 10, 4),
        measures="修路",
        outcome="已修好",
    )
    after = load(engine, item_id)
    assert after.state == S.VILLAGE_HANDLING
    assert after.version == before.version == 2
    assert len(events(engine, item_id)) == 2
    # the same day as the last event is fine
    assert (
        do(
            engine, actions.settle, item_id=item_id, on=date(2026, 10, 5), measures="修路", outcome="已修好"
        ).state
        == S.SETTLED
    )


def test_void_requires_a_reason_and_ends_handling(engine, settings, village):
    item_id = new_item(engine, settings, village)
    refused(engine, actions.void, match="作废原因", item_id=item_id, on=DAY, reason="  ")
    item = do(engine, actions.void, item_id=item_id, on=DAY, reason="重复登记")
    assert item.state == S.VOIDED
    assert item.void_reason == "重复登记"
    on = date(2026, 10, 1)
    attempts = [
        (actions.settle_on_spot, dict(measures="m", outcome="o")),
        *[(actions.deliberate, dict(decision=d, opinion="议", outcome="o")) for d in D],
        (actions.escalate, dict(reason="上报")),
        (actions.reply, dict(text="答复")),
        (actions.assign, dict(department="县民政局")),
        (actions.settle, dict(measures="m", outcome="o")),
        (actions.confirm, dict(satisfaction=Satisfaction.SATISFIED, opinion="满意", signed_by="王长贵")),
        (actions.publish, dict(month="2026-10")),
        (actions.follow_up, dict(note="回访")),
        (actions.supervise, dict(issuer="镇纪委", content="督办")),
        (actions.void, dict(reason="再次作废")),
        (actions.edit_item, dict(reason="更正", request="新的诉求")),
    ]
    for fn, kwargs in attempts:
        refused(engine, fn, item_id=item_id, on=on, **kwargs)
    assert count(engine, SupervisionNotice) == 0
    assert len(events(engine, item_id)) == 2


def test_settled_and_confirmed_items_can_be_voided_but_published_cannot(engine, settings, village):
    settled = new_item(engine, settings, village)
    do(engine, actions.settle_on_spot, item_id=settled, on=DAY, measures="现场协调", outcome="当场解决")
    assert do(engine, actions.void, item_id=settled, on=DAY, reason="登记错误").state == S.VOIDED

    published = new_item(engine, settings, village)
    do(engine, actions.settle_on_spot, item_id=published, on=DAY, measures="现场协调", outcome="当场解决")
    do(
        engine,
        actions.confirm,
        item_id=published,
        on=DAY,
        satisfaction=Satisfaction.SATISFIED,
        opinion="满意",
        signed_by="王长贵",
    )
    do(engine, actions.publish, item_id=published, on=date(2026, 10, 1), month="2026-09")
    refused(engine, actions.void, item_id=published, on=date(2026, 10, 2), reason="已公示也想作废")
    assert load(engine, published).state == S.PUBLISHED


def test_supervise_and_close_supervision_once(engine, settings, village):
    item_id = new_item(engine, settings, village)
    notice = do(
        engine,
        actions.supervise,
        item_id=item_id,
        on=date(2026, 10, 1),
        actor="纪委书记",
        issuer="富兴镇纪委",
        content="限5日内办结",
        due_on=date(2026, 10, 6),
    )
    with UnitOfWork(engine) as uow:
        stored = uow.session.get(SupervisionNotice, notice.id)
    assert stored is not None
    assert (
        stored.item_id,
        stored.issued_on,
        stored.issuer,
        stored.content,
        stored.due_on,
        stored.closed_on,
    ) == (item_id, date(2026, 10, 1), "富兴镇纪委", "限5日内办结", date(2026, 10, 6), None)
    assert load(engine, item_id).state == S.REGISTERED  # supervision does not move the item
    refused(engine, actions.supervise, item_id=item_id, on=date(2026, 10, 1), issuer="", content="督办")
    refused(engine, actions.supervise, item_id=item_id, on=date(2026, 10, 1), issuer="镇纪委", content="")

    refused(
        engine,
        actions.close_supervision,
        match="早于",
        notice_id=notice.id,
        on=date(2026, 9, 30),
        note="已整改",
    )
    refused(engine, actions.close_supervision, notice_id=notice.id, on=date(2026, 10, 5), note=" ")
    refused(engine, actions.close_supervision, notice_id="no-such-notice", on=date(2026, 10, 5), note="x")
    closed = do(engine, actions.close_supervision, notice_id=notice.id, on=date(2026, 10, 5), note="已整改")
    assert closed.closed_on == date(2026, 10, 5)
    assert closed.close_note == "已整改"
    refused(
        engine,
        actions.close_supervision,
        match="已经销号",
        notice_id=notice.id,
        on=date(2026, 10, 6),
        note="再次销号",
    )
    evs = events(engine, item_id)
    assert [e.action for e in evs] == [Action.REGISTER, Action.SUPERVISE, Action.CLOSE_SUPERVISION]
    assert all(e.to_state == S.REGISTERED for e in evs)
    assert "富兴镇纪委" in evs[1].note


def test_an_open_supervision_notice_can_still_be_closed_after_voiding(engine, settings, village):
    item_id = new_item(engine, settings, village)
    notice = do(engine, actions.supervise, item_id=item_id, on=DAY, issuer="镇纪委", content="限期办结")
    do(engine, actions.void, item_id=item_id, on=DAY, reason="重复登记")
    closed = do(engine, actions.close_supervision, notice_id=notice.id, on=DAY, note="事项已作废")
    assert closed.closed_on == DAY
    item = load(engine, item_id)
    assert item.state == S.VOIDED
    assert [e.action for e in events(engine, item_id)][-1] == Action.CLOSE_SUPERVISION
    refused(engine, actions.close_supervision, match="已经销号", notice_id=notice.id, on=DAY, note="再次")


# ---------------------------------------------------------------------------------------------
# 更正 and the append-only store
# ---------------------------------------------------------------------------------------------


def test_edit_item_records_old_and_new_values(engine, settings, village):
    item_id = new_item(engine, settings, village)
    item = do(
        engine,
        actions.edit_item,
        item_id=item_id,
        on=date(2026, 9, 29),
        reason="登记时写错分类",
        category="基础设施建设",
        request="三社道路损毁，希望修路",
    )
    assert item.category == "基础设施建设"
    assert item.request == "三社道路损毁，希望修路"
    assert item.state == S.REGISTERED
    last = events(engine, item_id)[-1]
    assert last.action == Action.EDIT
    assert last.note == "登记时写错分类"
    assert (last.from_state, last.to_state) == (S.REGISTERED, S.REGISTERED)
    assert json.loads(last.changes) == {
        "category": ["土地流转", "基础设施建设"],
        "request": ["三社土地撂荒严重，希望村上想办法。", "三社道路损毁，希望修路"],
    }


def test_edit_item_rejects_fields_that_are_not_editable(engine, settings, village):
    item_id = new_item(engine, settings, village)
    for field, value in [
        ("state", "published"),
        ("serial", "X"),
        ("settled_level", "county"),
        ("received_on", date(2026, 9, 1)),
        ("reopen_count", 0),
        ("void_reason", "x"),
    ]:
        refused(engine, actions.edit_item, item_id=item_id, on=DAY, reason="改", **{field: value})


def test_edit_item_rejects_a_category_of_another_ledger_and_bad_references(engine, settings, village):
    item_id = new_item(engine, settings, village)
    refused(engine, actions.edit_item, match="低保", item_id=item_id, on=DAY, reason="改", category="低保")
    refused(engine, actions.edit_item, item_id=item_id, on=DAY, reason="改", category="不存在的分类")
    refused(engine, actions.edit_item, item_id=item_id, on=DAY, reason="改", request="  ")
    refused(engine, actions.edit_item, item_id=item_id, on=DAY, reason="改", person_id="nobody")
    refused(engine, actions.edit_item, item_id=item_id, on=DAY, reason="改", responsible_cadre_id=999)
    refused(engine, actions.edit_item, item_id=item_id, on=DAY, reason="  ", request="新诉求")


def test_items_cannot_be_deleted(engine, settings, village):
    item_id = new_item(engine, settings, village)
    with pytest.raises(DBAPIError, match="不能删除"), engine.connect() as conn:
        conn.exec_driver_sql("DELETE FROM item")
        conn.commit()
    assert load(engine, item_id).state == S.REGISTERED


def test_item_history_cannot_be_updated_or_deleted(engine, settings, village):
    item_id = new_item(engine, settings, village)
    do(engine, actions.deliberate, item_id=item_id, on=DAY, decision=D.HANDLE, opinion="村上办理")
    for sql, match in [
        ("UPDATE item_event SET note = '改过了'", "不能修改"),
        ("UPDATE item_event SET to_state = 'published' WHERE seq = 2", "不能修改"),
        ("DELETE FROM item_event", "不能删除"),
        ("DELETE FROM item_event WHERE seq = 2", "不能删除"),
    ]:
        with pytest.raises(DBAPIError, match=match), engine.connect() as conn:
            conn.exec_driver_sql(sql)
            conn.commit()
    evs = events(engine, item_id)
    assert [(e.seq, e.to_state, e.note) for e in evs] == [
        (1, S.REGISTERED, ""),
        (2, S.VILLAGE_HANDLING, D.HANDLE.label),
    ]


# ---------------------------------------------------------------------------------------------
# 建账
# ---------------------------------------------------------------------------------------------


def test_register_item_rejects_bad_input(engine, settings, village):
    with UnitOfWork(engine) as uow:
        other = create_village(
            uow=uow,
            code="510623105202",
            name="石泉村",
            township="富兴镇",
            county="中江县",
            config=settings.ledgers,
        )
        stranger = create_person(uow=uow, village_id=other.id, name="李四")
        uow.commit()
    cases = [
        (dict(category="低保"), "分类"),  # a category of another ledger
        (dict(category="修飞机场"), "分类"),
        (dict(ledger_key="no_such_ledger"), "台账"),
        (dict(source="托梦"), "信息来源"),
        (dict(received_on=date(2026, 9, 29)), "不能晚于今天"),
        (dict(request="   "), "主要诉求"),
        (dict(person_id=stranger.id), "名册"),
        (dict(person_id="nobody"), "名册"),
        (dict(responsible_cadre_id=999), "责任人"),
    ]
    for overrides, match in cases:
        with pytest.raises(DomainError, match=match) as info:
            _register(engine, settings, village, **overrides)
        assert CJK.search(info.value.message)
    assert count(engine, Item) == 0
    assert count(engine, ItemEvent) == 0


def test_register_item_records_and_numbers_per_ledger_and_year(engine, settings, village):
    first = _register(engine, settings, village)
    second = _register(engine, settings, village, received_on=date(2026, 12, 31), today=date(2026, 12, 31))
    needy = _register(engine, settings, village, ledger_key="kunnan", category="低保")
    next_year = _register(engine, settings, village, received_on=date(2027, 1, 2), today=date(2027, 1, 2))
    assert first.serial == "510623105201-MS-2026-0001"
    assert second.serial == "510623105201-MS-2026-0002"
    assert needy.serial == "510623105201-KN-2026-0001"
    assert next_year.serial == "510623105201-MS-2027-0001"
    assert (first.state, first.level, first.max_level, first.version) == (
        S.REGISTERED,
        Level.VILLAGE,
        Level.VILLAGE,
        1,
    )
    assert first.level_started_on == DAY
    evs = events(engine, first.id)
    assert [(e.seq, e.action, e.from_state, e.to_state, e.on) for e in evs] == [
        (1, Action.REGISTER, None, S.REGISTERED, DAY)
    ]


def test_register_accepts_an_earlier_received_date(engine, settings, village):
    # registered a few days late, with the day the request really arrived
    item = _register(engine, settings, village, received_on=date(2026, 9, 20))
    assert item.received_on == date(2026, 9, 20)
    assert item.serial.endswith("-2026-0001")


# ---------------------------------------------------------------------------------------------
# 议账会
# ---------------------------------------------------------------------------------------------


def _meeting(engine, settings, village, decisions, *, total=10, villagers=4, commit=True):
    with UnitOfWork(engine) as uow:
        result = record_meeting(
            uow=uow,
            rules=settings.rules,
            village_id=village.village_id,
            held_on=date(2026, 9, 30),
            kind="议账会",
            attendees_total=total,
            villagers_count=villagers,
            decisions=decisions,
            actor=ACTOR,
            host="杨运润",
            attendee_names="杨运润、王长贵",
        )
        if commit:
            uow.commit()
        return result


def test_meeting_deliberates_every_item(engine, settings, village):
    a, b, c = (new_item(engine, settings, village) for _ in range(3))
    result = _meeting(
        engine,
        settings,
        village,
        [
            ItemDecision(a, D.HANDLE, "村上限时办理"),
            ItemDecision(b, D.ESCALATE, "报镇上"),
            ItemDecision(c, D.SETTLE, "会上议定", "同意调整"),
        ],
    )
    assert result.warnings == ()
    assert result.villager_share == pytest.approx(0.4)
    assert [load(engine, i).state for i in (a, b, c)] == [S.VILLAGE_HANDLING, S.TOWNSHIP_HANDLING, S.SETTLED]
    assert count(engine, Meeting) == 1
    assert count(engine, MeetingDecision, MeetingDecision.meeting_id == result.meeting.id) == 3


def test_meeting_rejects_more_villagers_than_attendees(engine, settings, village):
    item_id = new_item(engine, settings, village)
    with pytest.raises(DomainError, match=CJK):
        _meeting(engine, settings, village, [ItemDecision(item_id, D.HANDLE, "办理")], total=5, villagers=6)
    assert count(engine, Meeting) == 0
    assert load(engine, item_id).state == S.REGISTERED


def test_meeting_warns_when_villagers_are_under_40_percent(engine, settings, village):
    item_id = new_item(engine, settings, village)
    result = _meeting(
        engine, settings, village, [ItemDecision(item_id, D.HANDLE, "办理")], total=10, villagers=3
    )
    assert result.villager_share == pytest.approx(0.3)
    assert len(result.warnings) == 1
    assert CJK.search(result.warnings[0])
    assert "40%" in result.warnings[0]
    assert count(engine, Meeting) == 1  # a warning, not a refusal


def test_meeting_is_all_or_nothing(engine, settings, village):
    fine = new_item(engine, settings, village)
    done = new_item(engine, settings, village)
    do(engine, actions.settle_on_spot, item_id=done, on=DAY, measures="现场协调", outcome="当场解决")
    with pytest.raises(DomainError, match=CJK):
        _meeting(
            engine,
            settings,
            village,
            [
                ItemDecision(fine, D.HANDLE, "村上办理"),
                ItemDecision(done, D.HANDLE, "再议"),  # already settled: not allowed
            ],
            commit=False,
        )
    assert load(engine, fine).state == S.REGISTERED
    assert len(events(engine, fine)) == 1
    assert load(engine, done).state == S.SETTLED
    assert count(engine, Meeting) == 0
    assert count(engine, MeetingDecision) == 0


# ---------------------------------------------------------------------------------------------
# people
# ---------------------------------------------------------------------------------------------


def _valid_id(gender: str, seed: int = 1) -> str:
    return generate_id_number(random.Random(seed), area="510623", birth=date(1965, 3, 1), gender=gender)


def test_create_person_with_bad_id_number_saves_nothing(engine, village):
    before = count(engine, Person)
    good = _valid_id("女")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(DomainError, match="校验位") as info, UnitOfWork(engine) as uow:
        create_person(uow=uow, village_id=village.village_id, name="张大云", id_number=bad)
        uow.commit()
    assert CJK.search(info.value.message)
    with pytest.raises(DomainError, match="18位"), UnitOfWork(engine) as uow:
        create_person(uow=uow, village_id=village.village_id, name="张大云", id_number="12345")
        uow.commit()
    assert count(engine, Person) == before


def test_gender_is_derived_from_the_id_number(engine, village):
    with UnitOfWork(engine) as uow:
        woman = create_person(
            uow=uow, village_id=village.village_id, name="李秀英", id_number=_valid_id("女")
        )
        man = create_person(
            uow=uow, village_id=village.village_id, name="赵建国", id_number=_valid_id("男", 2).lower()
        )
        uow.commit()
    assert woman.gender == "女"
    assert man.gender == "男"
    assert man.id_number == man.id_number.upper()
    with pytest.raises(DomainError, match="不符"), UnitOfWork(engine) as uow:
        create_person(
            uow=uow, village_id=village.village_id, name="错填", gender="男", id_number=_valid_id("女", 3)
        )


def test_duplicate_id_number_in_the_same_village_is_rejected(engine, settings, village):
    number = _valid_id("男")
    with UnitOfWork(engine) as uow:
        create_person(uow=uow, village_id=village.village_id, name="赵建国", id_number=number)
        uow.commit()
    with pytest.raises(DomainError, match="赵建国"), UnitOfWork(engine) as uow:
        create_person(uow=uow, village_id=village.village_id, name="赵建国", id_number=number)
        uow.commit()
    assert count(engine, Person, Person.id_number == number) == 1
    # another village keeps its own roster
    with UnitOfWork(engine) as uow:
        other = create_village(
            uow=uow,
            code="510623105202",
            name="石泉村",
            township="富兴镇",
            county="中江县",
            config=settings.ledgers,
        )
        create_person(uow=uow, village_id=other.id, name="赵建国", id_number=number)
        uow.commit()
    assert count(engine, Person, Person.id_number == number) == 2


def test_find_people_by_pinyin_initials(engine, village):
    with UnitOfWork(engine) as uow:
        create_person(uow=uow, village_id=village.village_id, name="张大云")
        uow.commit()
        assert [p.name for p in find_people(uow.session, village.village_id, "wcg")] == ["王长贵"]
        assert [p.name for p in find_people(uow.session, village.village_id, "WCG")] == ["王长贵"]
        assert [p.name for p in find_people(uow.session, village.village_id, "长贵")] == ["王长贵"]
        assert [p.name for p in find_people(uow.session, village.village_id, "zdy")] == ["张大云"]
        assert find_people(uow.session, village.village_id + 1, "wcg") == []


# ---------------------------------------------------------------------------------------------
# a county's own ledger, by configuration only
# ---------------------------------------------------------------------------------------------


def test_a_county_ledger_from_config_can_be_used_without_code_changes(
    engine, settings, village, tmp_path: Path
):
    extra = tmp_path / "county_ledgers.toml"
    extra.write_text(
        'sources = ["留守儿童之家"]\n\n'
        "[[ledger]]\n"
        'key = "liushou_ertong"\n'
        'name = "留守儿童台账"\n'
        'code = "LSET"\n'
        'categories = ["监护缺失", "就学困难", "心理关爱"]\n',
        encoding="utf-8",
    )
    config = load_ledger_config(extra=extra)
    assert "留守儿童台账" in [spec.name for spec in config.ledgers]
    assert "民生台账" in [spec.name for spec in config.ledgers]  # the standard ones stay
    with UnitOfWork(engine) as uow:
        sync_ledgers(uow.session, config)
        uow.commit()
    with UnitOfWork(engine) as uow:
        item = register_item(
            uow=uow,
            config=config,
            village_id=village.village_id,
            ledger_key="liushou_ertong",
            category="就学困难",
            person_id=village.person_id,
            source="留守儿童之家",
            received_on=DAY,
            request="孙子上学无人接送",
            actor=ACTOR,
            today=DAY,
        )
        uow.commit()
    assert item.serial == "510623105201-LSET-2026-0001"
    with pytest.raises(DomainError, match="分类"):
        _register(engine, settings, village, ledger_key="liushou_ertong", category="低保")
    # and it goes through the same workflow
    assert (
        do(
            engine, actions.settle_on_spot, item_id=item.id, on=DAY, measures="安排专人接送", outcome="已解决"
        ).state
        == S.SETTLED
    )


def test_changing_the_requester_updates_the_search_key(engine, settings, village):
    from app.services.people import create_person

    item = make_item(engine, settings, village, received=date(2026, 9, 28))
    with UnitOfWork(engine) as uow:
        other = create_person(uow=uow, village_id=village.village_id, name="张大云", gender="男")
        uow.commit()
    with UnitOfWork(engine) as uow:
        edited = actions.edit_item(
            uow=uow,
            item_id=item.id,
            on=date(2026, 9, 29),
            actor="杨运润",
            reason="登记时选错了人",
            person_id=other.id,
        )
        uow.commit()
    assert "zdy" in edited.search_key and "wcg" not in edited.search_key
    assert edited.serial.lower() in edited.search_key


def test_a_reopened_on_the_spot_item_is_no_longer_on_the_spot(engine, settings, village):
    item = make_item(engine, settings, village, received=date(2026, 9, 28))
    with UnitOfWork(engine) as uow:
        actions.settle_on_spot(
            uow=uow,
            item_id=item.id,
            on=date(2026, 9, 28),
            actor="杨运润",
            measures="当场协调",
            outcome="已解决",
        )
        reopened = actions.confirm(
            uow=uow,
            item_id=item.id,
            on=date(2026, 9, 29),
            actor="杨运润",
            satisfaction=Satisfaction.DISSATISFIED,
            opinion="没解决",
        )
        uow.commit()
    assert reopened.on_the_spot is False and reopened.reopen_count == 1


def test_a_supervision_deadline_cannot_precede_the_notice(engine, settings, village):
    item = make_item(engine, settings, village, received=date(2026, 9, 28))
    with UnitOfWork(engine) as uow, pytest.raises(DomainError, match="督办期限"):
        actions.supervise(
            uow=uow,
            item_id=item.id,
            on=date(2026, 10, 1),
            actor="纪委",
            issuer="乡镇纪委",
            content="请加快办理",
            due_on=date(2026, 9, 30),
        )


def test_an_edit_that_changes_nothing_is_refused_and_not_recorded(engine, settings, village):
    item = make_item(engine, settings, village, received=date(2026, 9, 28))
    with UnitOfWork(engine) as uow, pytest.raises(DomainError, match="没有修改任何内容"):
        actions.edit_item(
            uow=uow,
            item_id=item.id,
            on=date(2026, 9, 29),
            actor="杨运润",
            reason="核对",
            request=item.request,
            category=item.category,
        )
    with UnitOfWork(engine) as uow:
        assert len(history(uow.session, item.id)) == 1


def test_a_visit_must_name_one_of_the_five_visits(engine, settings, village):
    with UnitOfWork(engine) as uow, pytest.raises(DomainError, match="五访五问"):
        register_item(uow=uow, config=settings.ledgers, village_id=village.village_id,
                      ledger_key="minsheng", category="土地流转", person_id=village.person_id,
                      source="走访", source_detail="随便聊聊", received_on=date(2026, 9, 28),
                      request="土地撂荒", actor="杨运润", today=date(2026, 9, 28))
