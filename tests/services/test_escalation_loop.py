"""The offline escalation loop between two real databases: village → township → village → township.

The village escalates, the township imports its workbook, replies and settles, exports a reply
workbook; the village imports it and sees the township's answer; the villager signs; the township
imports again. Field ownership: the township's correction of a village field is not taken; both sides
writing the same item between exchanges is reported as a conflict and changes nothing of that item.
"""

from datetime import date, datetime

import pytest
from sqlmodel import select

from app.exports.workbook import write_report_workbook
from app.exports.workbook_reader import read_workbook
from app.models import Item, ItemEvent, Village
from app.models.enums import DeliberationDecision, ItemState, Satisfaction
from app.services import actions
from app.services.import_files import import_workbook
from app.services.replies import build_reply
from app.services.report_data import build_report
from app.services.villages import create_village
from app.store.database import open_database
from app.store.uow import UnitOfWork
from tests.conftest import make_item

NOW = datetime(2026, 10, 20, 1, 30)


def export_report(engine, settings, path, today):
    with UnitOfWork(engine) as uow:
        report = build_report(
            uow.session, settings=settings, month=None, village_ids=None, today=today, now=NOW
        )
    write_report_workbook(report, path)


def export_reply(engine, settings, path, today, code="510623105201"):
    with UnitOfWork(engine) as uow:
        report = build_reply(uow.session, settings=settings, village_code=code, today=today, now=NOW)
    write_report_workbook(report, path)
    return report


def do_import(engine, settings, path):
    outcome = import_workbook(engine, settings, path, dry_run=False, read=read_workbook)
    assert outcome.ok, [str(e) for e in outcome.errors]
    return outcome.summary


def item(engine, item_id):
    with UnitOfWork(engine) as uow:
        it = uow.session.get(Item, item_id)
        events = uow.session.exec(select(ItemEvent).where(ItemEvent.item_id == item_id)).all()
        return it, sorted((e.seq, e.action, e.actor) for e in events)


def deliberate_escalate(engine, item_id, on):
    with UnitOfWork(engine) as uow:
        actions.deliberate(
            uow=uow,
            item_id=item_id,
            on=on,
            actor="杨运润",
            decision=DeliberationDecision.ESCALATE,
            opinion="村级无法解决，上报镇里",
            outcome="",
        )
        uow.commit()


@pytest.fixture
def township(tmp_path):
    eng = open_database(tmp_path / "township.db")
    yield eng
    eng.dispose()


@pytest.fixture
def escalated(engine, settings, village):
    a = make_item(engine, settings, village, received=date(2026, 9, 3)).id
    deliberate_escalate(engine, a, date(2026, 9, 5))
    b = make_item(engine, settings, village, received=date(2026, 9, 4), request="路灯坏了").id
    with UnitOfWork(engine) as uow:
        actions.settle_on_spot(
            uow=uow, item_id=b, on=date(2026, 9, 4), actor="杨运润", measures="更换", outcome="已修好"
        )
        uow.commit()
    return a, b


def test_the_whole_loop_both_ways(engine, settings, village, escalated, township, tmp_path):
    a, b = escalated
    export_report(engine, settings, tmp_path / "up1.xlsx", date(2026, 9, 6))
    s1 = do_import(township, settings, tmp_path / "up1.xlsx")
    assert (s1.added, s1.direction) == (2, "up")
    with UnitOfWork(township) as uow:
        village_row = uow.session.exec(select(Village)).one()
        assert (village_row.township, village_row.county) == (
            "富兴镇",
            "中江县",
        ) or village_row.name == "柳林沟村"

    # the township answers and settles the escalated item
    with UnitOfWork(township) as uow:
        actions.reply(uow=uow, item_id=a, on=date(2026, 9, 10), actor="镇三账办李明", text="已协调农业站复耕")
        uow.commit()
    with UnitOfWork(township) as uow:
        actions.settle(
            uow=uow,
            item_id=a,
            on=date(2026, 9, 15),
            actor="镇三账办李明",
            measures="组织复耕",
            outcome="已复耕",
        )
        uow.commit()
    reply = export_reply(township, settings, tmp_path / "reply.xlsx", date(2026, 9, 16))
    assert reply.meta.exporter_kind == "township" and reply.meta.exporter_code == "510623105"
    assert sum(len(t.rows) for t in reply.ledgers) == 1  # only the escalated item goes back down

    s2 = do_import(engine, settings, tmp_path / "reply.xlsx")
    assert (s2.direction, s2.updated, s2.added, s2.conflicts) == ("down", 1, 0, [])
    it, events = item(engine, a)
    assert it.state == ItemState.SETTLED.value and it.settled_level == "township"
    assert (it.reply, it.replied_on, it.outcome) == ("已协调农业站复耕", date(2026, 9, 10), "已复耕")
    assert [e[1] for e in events][-2:] == ["reply", "settle"] and events[-1][2] == "镇三账办李明"

    # the villager signs at the village; the township sees it after the next report
    with UnitOfWork(engine) as uow:
        actions.confirm(
            uow=uow,
            item_id=a,
            on=date(2026, 9, 18),
            actor="杨运润",
            satisfaction=Satisfaction.SATISFIED,
            opinion="满意",
            signed_by="王长贵",
        )
        uow.commit()
    export_report(engine, settings, tmp_path / "up2.xlsx", date(2026, 9, 19))
    s3 = do_import(township, settings, tmp_path / "up2.xlsx")
    assert (s3.updated, s3.unchanged, s3.conflicts) == (1, 1, [])
    town, town_events = item(township, a)
    vill, vill_events = item(engine, a)
    assert town.state == vill.state == ItemState.CONFIRMED.value
    assert town_events == vill_events and town.version == vill.version

    # nothing more to do: every file again changes nothing, in any order
    for name in ("up1.xlsx", "reply.xlsx", "up2.xlsx"):
        again = do_import(township, settings, tmp_path / name)
        assert again.added == again.updated == again.events_added == 0


def test_the_village_keeps_what_it_owns(engine, settings, village, escalated, township, tmp_path):
    a, _b = escalated
    export_report(engine, settings, tmp_path / "up.xlsx", date(2026, 9, 6))
    do_import(township, settings, tmp_path / "up.xlsx")
    with UnitOfWork(township) as uow:  # the township "corrects" the village's record of the request
        actions.edit_item(
            uow=uow,
            item_id=a,
            on=date(2026, 9, 9),
            actor="镇三账办李明",
            reason="改写",
            request="镇里改写的诉求",
        )
        uow.commit()
    with UnitOfWork(township) as uow:
        actions.reply(uow=uow, item_id=a, on=date(2026, 9, 10), actor="镇三账办李明", text="已答复")
        uow.commit()
    export_reply(township, settings, tmp_path / "reply.xlsx", date(2026, 9, 16))
    summary = do_import(engine, settings, tmp_path / "reply.xlsx")
    it, _ = item(engine, a)
    assert it.request == "三社土地撂荒严重，希望村上想办法。"  # the village's text is kept
    assert (
        it.reply == "已答复" and it.state == ItemState.TOWNSHIP_REPLIED.value
    )  # the township's part arrives
    kept = [c for c in summary.conflicts if not c.blocking]
    assert len(kept) == 1 and "主要诉求及原因" in kept[0].message and "保留本库" in kept[0].message


def test_both_sides_writing_the_same_item_is_a_conflict(
    engine, settings, village, escalated, township, tmp_path
):
    a, b = escalated
    export_report(engine, settings, tmp_path / "up.xlsx", date(2026, 9, 6))
    do_import(township, settings, tmp_path / "up.xlsx")
    with UnitOfWork(township) as uow:
        actions.reply(uow=uow, item_id=a, on=date(2026, 9, 10), actor="镇三账办李明", text="已答复")
        uow.commit()
    with UnitOfWork(engine) as uow:  # meanwhile the village records something on the same item
        actions.edit_item(
            uow=uow, item_id=a, on=date(2026, 9, 9), actor="杨运润", reason="补充", request="补充后的诉求"
        )
        uow.commit()
    before = item(engine, a)
    export_reply(township, settings, tmp_path / "reply.xlsx", date(2026, 9, 16))
    summary = do_import(engine, settings, tmp_path / "reply.xlsx")
    after = item(engine, a)
    assert after[1] == before[1] and after[0].version == before[0].version  # nothing of it changed
    assert after[0].state == before[0].state and after[0].request == "补充后的诉求"
    assert summary.rejected == 1 and len(summary.conflicts) == 1
    conflict = summary.conflicts[0]
    assert conflict.blocking and "第3条" in conflict.message and "镇三账办李明" in conflict.message


def test_a_reply_needs_an_escalated_item(engine, settings, village, township, tmp_path):
    make_item(engine, settings, village, received=date(2026, 9, 3))
    export_report(engine, settings, tmp_path / "up.xlsx", date(2026, 9, 6))
    do_import(township, settings, tmp_path / "up.xlsx")
    from app.errors import DomainError

    with pytest.raises(DomainError, match="没有上报到乡镇或县的事项"):
        export_reply(township, settings, tmp_path / "reply.xlsx", date(2026, 9, 16))


def test_a_reply_from_a_county_database_carries_the_township_answer(
    engine, settings, village, escalated, township, tmp_path
):
    """A database holding villages of several townships replies as the county; the village still takes
    the township's answer (fields of every level above the village), never its own fields."""
    a, _b = escalated
    export_report(engine, settings, tmp_path / "up.xlsx", date(2026, 9, 6))
    do_import(township, settings, tmp_path / "up.xlsx")
    with UnitOfWork(township) as uow:  # a village of another township makes this a county database
        create_village(
            uow=uow,
            code="510623101201",
            name="石墙村",
            township="南华镇",
            county="中江县",
            config=settings.ledgers,
        )
        uow.commit()
    with UnitOfWork(township) as uow:
        actions.reply(uow=uow, item_id=a, on=date(2026, 9, 10), actor="县三账办", text="县里已协调")
        uow.commit()
    reply = export_reply(township, settings, tmp_path / "reply.xlsx", date(2026, 9, 16))
    assert (reply.meta.exporter_kind, reply.meta.exporter_code) == ("county", "510623")
    summary = do_import(engine, settings, tmp_path / "reply.xlsx")
    it, _ = item(engine, a)
    assert (summary.direction, summary.conflicts) == ("down", [])
    assert (it.reply, it.replied_on, it.state) == (
        "县里已协调",
        date(2026, 9, 10),
        ItemState.TOWNSHIP_REPLIED.value,
    )
