"""Deadline clocks of items driven through the real workflow; every due date computed by hand.

Calendar facts used below (chinesecalendar 1.11.0, knows years up to 2026):
- 国庆 2026: rest 10-01 (Thu) .. 10-07 (Wed); 10-10 (Sat) is a 调休 working day.
- 春节 2026: rest 02-15 (Sun) .. 02-23 (Mon); 02-14 (Sat) and 02-28 (Sat) are 调休 working days.
- 2027 is unknown to the library: the Mon–Fri guess is used and flagged as unverified.
Default rules (resources/deadline_rules.toml): village 5, township reply 10, township settle 15,
county register 5, department settle 15, department report 18 — all calendar days; warn_days = 2,
so a running clock with 0..2 days left is "warning" and one with < 0 days left is "overdue".
Counting (民法典 201/203): day of receipt not counted; a last day on a rest day rolls to the next
working day.
"""

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from app.models import Item
from app.models.enums import DeliberationDecision, ItemState, Level, Satisfaction
from app.services import actions
from app.services.clocks import OK, OVERDUE, WARNING, ItemClocks, item_clocks
from app.services.context import Settings
from app.services.deadlines import Unit
from app.services.workcalendar import WorkCalendar
from app.store.uow import UnitOfWork
from tests.conftest import make_item

D = date
ACTOR = "杨运润"
HANDLE = DeliberationDecision.HANDLE
ESCALATE = DeliberationDecision.ESCALATE


def act(engine: Engine, action, item: Item, on: date, **kwargs) -> Item:
    """Run one workflow use case in its own unit of work and commit, like one user action."""
    with UnitOfWork(engine) as uow:
        done = action(uow=uow, item_id=item.id, on=on, actor=ACTOR, **kwargs)
        uow.commit()
        return done


def clocks(settings: Settings, item: Item, today: date) -> ItemClocks:
    return item_clocks(item, settings.rules, settings.calendar, today)


def running(ic: ItemClocks) -> list[tuple[str, date, date, int, str]]:
    """(key, started_on, due, days_left, status) of each running clock, shown one first."""
    return [(c.key, c.started_on, c.due, c.days_left, c.status) for c in ic.running]


def to_township(engine: Engine, item: Item) -> Item:
    # 议账 09-30 decides to handle at village level (village clock keeps running from 09-28),
    # then the village reports it to the township on 10-09
    act(engine, actions.deliberate, item, D(2026, 9, 30), decision=HANDLE, opinion="村里先协调")
    return act(engine, actions.escalate, item, D(2026, 10, 9), reason="村里无力解决")


def to_department(engine: Engine, item: Item) -> Item:
    # 议账 09-30 escalates to the township; 答复 10-08; reported to the county 10-13; 交办 10-16
    act(engine, actions.deliberate, item, D(2026, 9, 30), decision=ESCALATE, opinion="报镇上")
    act(engine, actions.reply, item, D(2026, 10, 8), text="已受理，正在协调")
    act(engine, actions.escalate, item, D(2026, 10, 13), reason="镇上无力解决")
    return act(engine, actions.assign, item, D(2026, 10, 16), department="县农业农村局")


# --- village level ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "left", "status"),
    [
        # due 10-08 (see below). 10-08 - 09-28 = 10 days left, well before the warning window
        (D(2026, 9, 28), 10, OK),
        # 10-08 - 10-05 = 3 > warn_days 2 -> ok
        (D(2026, 10, 5), 3, OK),
        # 10-08 - 10-06 = 2 <= warn_days 2 -> warning
        (D(2026, 10, 6), 2, WARNING),
        # due day itself: 0 left -> warning, not yet overdue (the period ends at 24:00)
        (D(2026, 10, 8), 0, WARNING),
        # 10-08 - 10-09 = -1 -> overdue by one day
        (D(2026, 10, 9), -1, OVERDUE),
    ],
)
def test_village_clock_rolls_over_national_day(engine, settings, village, today, left, status):
    # received Mon 09-28; 5 calendar days -> 09-28 + 5 = 10-03 (Sat, inside 国庆 10-01..10-07)
    # -> first working day after the rest: Thu 10-08
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    ic = clocks(settings, item, today)
    assert running(ic) == [("village_settle", D(2026, 9, 28), D(2026, 10, 8), left, status)]
    assert ic.current is not None and ic.current.verified
    assert ic.current.limit.days == 5 and ic.current.limit.unit is Unit.CALENDAR
    assert ic.status == status
    assert (ic.overdue is not None) == (status == OVERDUE)
    assert ic.overall_running


def test_village_clock_in_words(engine, settings, village):
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    # 议账 on 09-30 (handle at village) does not restart the village clock: still from 09-28
    item = act(engine, actions.deliberate, item, D(2026, 9, 30), decision=HANDLE, opinion="村里协调")
    assert item.state == ItemState.VILLAGE_HANDLING
    # 10-06: 2 days left; overall 09-28 -> 10-06 = 2 (Sept) + 6 = 8 days
    assert clocks(settings, item, D(2026, 10, 6)).describe() == (
        "村级办结：5个自然日，2026年10月08日到期，还剩2天；自群众提出诉求起已累计8天"
    )
    # 10-08: due today; overall 10 days
    assert clocks(settings, item, D(2026, 10, 8)).describe() == (
        "村级办结：5个自然日，2026年10月08日到期，今天到期；自群众提出诉求起已累计10天"
    )
    # 10-09: overdue by 1; overall 11 days
    late = clocks(settings, item, D(2026, 10, 9))
    assert late.describe() == (
        "村级办结：5个自然日，2026年10月08日到期，已逾期1天；自群众提出诉求起已累计11天"
    )
    assert late.overdue is not None and late.overdue.key == "village_settle"


def test_spring_festival_rolls_village_clock(engine, settings, village):
    # received Fri 02-13; 02-13 + 5 = Wed 02-18, inside 春节 rest 02-15..02-23
    # -> first working day after the rest: Tue 02-24
    item = make_item(engine, settings, village, received=D(2026, 2, 13))
    ic = clocks(settings, item, D(2026, 2, 24))
    assert running(ic) == [("village_settle", D(2026, 2, 13), D(2026, 2, 24), 0, WARNING)]
    assert ic.current is not None and ic.current.verified
    # 02-13 -> 02-24 = 11 calendar days
    assert ic.overall_days == 11


def test_working_day_rule_counts_make_up_saturday(engine, settings, village):
    base = settings.rules.limits["village_settle"]
    limits = {**settings.rules.limits, "village_settle": replace(base, unit=Unit.WORKING)}
    rules = replace(settings.rules, limits=limits)
    # received Mon 09-28, 5 working days from the next day:
    # 09-29 Tue (1), 09-30 Wed (2), [10-01..10-07 rest], 10-08 Thu (3), 10-09 Fri (4),
    # 10-10 Sat 调休 working day (5) -> due Sat 10-10
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    ic = item_clocks(item, rules, settings.calendar, D(2026, 10, 9))
    assert running(ic) == [("village_settle", D(2026, 9, 28), D(2026, 10, 10), 1, WARNING)]
    assert ic.current is not None and ic.current.verified
    assert ic.describe().startswith("村级办结：5个工作日，2026年10月10日到期，还剩1天")


def test_unknown_year_is_flagged_unverified(engine, settings, village, tmp_path: Path):
    # received Mon 2027-03-01; + 5 = Sat 03-06; the Mon–Fri guess treats it as rest -> Mon 03-08,
    # but the library does not know 2027, so the due date is only an estimate
    item = make_item(engine, settings, village, received=D(2027, 3, 1))
    ic = clocks(settings, item, D(2027, 3, 2))
    assert running(ic) == [("village_settle", D(2027, 3, 1), D(2027, 3, 8), 6, OK)]
    assert ic.current is not None and not ic.current.verified
    assert "节假日数据未更新" in ic.current.describe()
    assert "节假日数据未更新" in ic.describe()
    # once a 2027 holiday file is loaded (no holiday near March in it) the same date is verified
    path = tmp_path / "holidays.toml"
    path.write_text('[[year]]\nyear = 2027\nholidays = ["2027-01-01"]\n', encoding="utf-8")
    known = item_clocks(item, settings.rules, WorkCalendar.from_file(path), D(2027, 3, 2))
    assert known.current is not None and known.current.verified
    assert known.current.due == D(2027, 3, 8)
    assert "节假日数据未更新" not in known.describe()


# --- township level -----------------------------------------------------------------------


def test_escalation_to_township_starts_reply_and_settle_clocks(engine, settings, village):
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    item = to_township(engine, item)
    assert item.state == ItemState.TOWNSHIP_HANDLING
    assert item.level_started_on == D(2026, 10, 9)
    # both township clocks start on the escalation day 10-09:
    #   reply  10-09 + 10 = Mon 10-19 (working day, no roll)
    #   settle 10-09 + 15 = Sat 10-24 (rest) -> Mon 10-26
    # the village clock (due 10-08) no longer runs
    ic = clocks(settings, item, D(2026, 10, 9))
    assert running(ic) == [
        ("township_reply", D(2026, 10, 9), D(2026, 10, 19), 10, OK),
        ("township_settle", D(2026, 10, 9), D(2026, 10, 26), 17, OK),
    ]
    assert "village_settle" not in {c.key for c in ic.running}
    assert ic.current is not None and ic.current.key == "township_reply"
    # 10-17: reply 10-19 - 10-17 = 2 -> warning; settle 9 -> ok; item shows warning
    ic = clocks(settings, item, D(2026, 10, 17))
    assert [(k, left, st) for k, _, _, left, st in running(ic)] == [
        ("township_reply", 2, WARNING),
        ("township_settle", 9, OK),
    ]
    assert ic.status == WARNING and ic.overdue is None
    # 10-20: reply -1 -> overdue; settle 6 -> ok; the overdue clock is the reply one
    ic = clocks(settings, item, D(2026, 10, 20))
    assert ic.status == OVERDUE
    assert ic.overdue is not None and ic.overdue.key == "township_reply"
    assert ic.overdue.days_left == -1


def test_after_reply_only_the_settle_clock_runs(engine, settings, village):
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    to_township(engine, item)
    item = act(engine, actions.reply, item, D(2026, 10, 19), text="已受理，正在协调")
    assert item.state == ItemState.TOWNSHIP_REPLIED
    # same level: the settle clock keeps its start 10-09 -> due Mon 10-26 (see above)
    # 10-20: 10-26 - 10-20 = 6 -> ok; 10-24: 2 -> warning
    assert running(clocks(settings, item, D(2026, 10, 20))) == [
        ("township_settle", D(2026, 10, 9), D(2026, 10, 26), 6, OK)
    ]
    assert running(clocks(settings, item, D(2026, 10, 24))) == [
        ("township_settle", D(2026, 10, 9), D(2026, 10, 26), 2, WARNING)
    ]
    # 10-27: one day late
    assert clocks(settings, item, D(2026, 10, 27)).status == OVERDUE


# --- county level -------------------------------------------------------------------------


def test_county_register_clock_starts_at_escalation(engine, settings, village):
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    act(engine, actions.deliberate, item, D(2026, 9, 30), decision=ESCALATE, opinion="报镇上")
    act(engine, actions.reply, item, D(2026, 10, 8), text="已受理")
    item = act(engine, actions.escalate, item, D(2026, 10, 13), reason="镇上无力解决")
    assert item.state == ItemState.COUNTY_REGISTERED
    # county_register: escalated Tue 10-13 + 5 = Sun 10-18 (rest) -> Mon 10-19
    # township clocks (started 09-30) no longer run
    assert running(clocks(settings, item, D(2026, 10, 13))) == [
        ("county_register", D(2026, 10, 13), D(2026, 10, 19), 6, OK)
    ]
    # 10-20: 10-19 - 10-20 = -1 -> overdue
    assert running(clocks(settings, item, D(2026, 10, 20))) == [
        ("county_register", D(2026, 10, 13), D(2026, 10, 19), -1, OVERDUE)
    ]


def test_department_clocks_start_at_assignment(engine, settings, village):
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    item = to_department(engine, item)
    assert item.state == ItemState.DEPARTMENT_HANDLING
    assert item.assigned_on == D(2026, 10, 16)
    assert item.level_started_on == D(2026, 10, 13)  # the county level began at escalation
    # assigned Fri 10-16:
    #   department_settle 10-16 + 15 = Sat 10-31 (rest; 11-01 Sun) -> Mon 11-02
    #   department_report 10-16 + 18 = Tue 11-03 (working day)
    # county_register (stopped at 交办) no longer runs
    assert running(clocks(settings, item, D(2026, 10, 16))) == [
        ("department_settle", D(2026, 10, 16), D(2026, 11, 2), 17, OK),
        ("department_report", D(2026, 10, 16), D(2026, 11, 3), 18, OK),
    ]
    # 10-30: 3 and 4 left -> ok
    assert [c.status for c in clocks(settings, item, D(2026, 10, 30)).running] == [OK, OK]
    # 11-02: 0 and 1 left -> both warning
    ic = clocks(settings, item, D(2026, 11, 2))
    assert [(c.days_left, c.status) for c in ic.running] == [(0, WARNING), (1, WARNING)]
    # 11-04: -2 and -1 -> both overdue; the most overdue one is department_settle
    ic = clocks(settings, item, D(2026, 11, 4))
    assert [(c.days_left, c.status) for c in ic.running] == [(-2, OVERDUE), (-1, OVERDUE)]
    assert ic.overdue is not None and ic.overdue.key == "department_settle"


def test_joint_meeting_and_party_government_have_no_running_clock(engine, settings, village):
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    to_department(engine, item)
    item = act(engine, actions.escalate, item, D(2026, 11, 3), reason="书面报告三账办，提交联席会议")
    assert item.state == ItemState.JOINT_MEETING
    ic = clocks(settings, item, D(2026, 11, 10))
    assert ic.running == () and ic.current is None and ic.overdue is None
    assert ic.status == OK
    assert ic.overall_running
    # overall: 09-28 -> 11-10 = 2 (Sept) + 31 (Oct) + 10 = 43 days, still counting
    assert ic.overall_days == 43
    assert ic.describe() == "已提交联席会议研究，无固定时限；自群众提出诉求起已累计43天"
    assert "无固定时限" in ic.describe()
    item = act(engine, actions.escalate, item, D(2026, 11, 10), reason="联席会议无法解决")
    assert item.state == ItemState.PARTY_GOVERNMENT
    ic = clocks(settings, item, D(2026, 11, 12))
    assert ic.running == ()
    # 09-28 -> 11-12 = 45 days
    assert ic.describe() == "已报县委、县政府研究，无固定时限；自群众提出诉求起已累计45天"


# --- settled, reopened, overall ------------------------------------------------------------


def test_settled_item_has_no_running_clock_and_overall_stops(engine, settings, village):
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    to_department(engine, item)
    item = act(engine, actions.settle, item, D(2026, 10, 26), measures="部门协调", outcome="已解决")
    assert item.state == ItemState.SETTLED and item.settled_level == Level.COUNTY
    # overall stops at settled_on: 09-28 -> 10-26 = 2 + 26 = 28 days, whatever today is
    for today in (D(2026, 10, 26), D(2026, 12, 31)):
        ic = clocks(settings, item, today)
        assert ic.running == () and ic.status == OK
        assert not ic.overall_running
        assert ic.overall_days == 28
    assert clocks(settings, item, D(2026, 12, 31)).describe() == (
        "已办结，等待当事人签字确认；自群众提出诉求起共用时28天"
    )
    item = act(
        engine,
        actions.confirm,
        item,
        D(2026, 10, 28),
        satisfaction=Satisfaction.SATISFIED,
        opinion="满意",
        signed_by="王长贵",
    )
    ic = clocks(settings, item, D(2026, 12, 31))
    assert ic.running == () and ic.overall_days == 28
    assert ic.describe() == "已签字确认，等待晒账；自群众提出诉求起共用时28天"
    item = act(engine, actions.publish, item, D(2026, 11, 2), month="2026-10")
    assert clocks(settings, item, D(2027, 1, 5)).describe() == "已晒账公示；自群众提出诉求起共用时28天"


def test_overall_clock_counts_calendar_days_while_open(engine, settings, village):
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    # received day itself: 0; holidays are counted like any day: 09-28 -> 10-20 = 2 + 20 = 22
    assert clocks(settings, item, D(2026, 9, 28)).overall_days == 0
    ic = clocks(settings, item, D(2026, 10, 20))
    assert ic.overall_running and ic.overall_days == 22
    assert ic.describe().endswith("自群众提出诉求起已累计22天")
    # the overall clock is not reset by escalation
    item = to_township(engine, item)
    assert clocks(settings, item, D(2026, 10, 20)).overall_days == 22


def test_unsatisfied_confirm_reopens_township_and_restarts_its_clock(engine, settings, village):
    # received Tue 09-01; 议账 escalates on 09-02 -> township clocks from 09-02
    item = make_item(engine, settings, village, received=D(2026, 9, 1))
    act(engine, actions.deliberate, item, D(2026, 9, 2), decision=ESCALATE, opinion="报镇上")
    act(engine, actions.reply, item, D(2026, 9, 7), text="已受理")
    item = act(engine, actions.settle, item, D(2026, 9, 10), measures="镇上协调", outcome="已修复")
    assert item.settled_level == Level.TOWNSHIP
    # overall stopped at 09-10: 9 days
    assert clocks(settings, item, D(2026, 9, 14)).overall_days == 9
    item = act(
        engine,
        actions.confirm,
        item,
        D(2026, 9, 14),
        satisfaction=Satisfaction.DISSATISFIED,
        opinion="水管又坏了",
    )
    # reopened where it was settled (township, after the reply); settled_on cleared
    assert item.state == ItemState.TOWNSHIP_REPLIED
    assert item.reopen_count == 1 and item.settled_on is None and item.settled_level is None
    assert item.level_started_on == D(2026, 9, 14)
    # the township settle clock restarts on 09-14: + 15 = Tue 09-29 (working day)
    # (the original one, 09-02 + 15 = 09-17, is gone)
    ic = clocks(settings, item, D(2026, 9, 20))
    assert running(ic) == [("township_settle", D(2026, 9, 14), D(2026, 9, 29), 9, OK)]
    # overall goes on from the first request, never reset: 09-01 -> 09-20 = 19 days
    assert ic.overall_running and ic.overall_days == 19
    # settled again 09-22: overall stops at 09-01 -> 09-22 = 21 days
    item = act(engine, actions.settle, item, D(2026, 9, 22), measures="更换水管", outcome="已解决")
    ic = clocks(settings, item, D(2026, 10, 30))
    assert ic.running == () and not ic.overall_running and ic.overall_days == 21


def test_unsatisfied_confirm_reopens_village_and_restarts_its_clock(engine, settings, village):
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    act(engine, actions.settle_on_spot, item, D(2026, 9, 28), measures="现场处理", outcome="已处理")
    item = act(
        engine, actions.confirm, item, D(2026, 9, 30), satisfaction=Satisfaction.NEUTRAL, opinion="一般"
    )
    assert item.state == ItemState.VILLAGE_HANDLING and item.reopen_count == 1
    # village clock restarts on 09-30: + 5 = Mon 10-05 (国庆 rest) -> Thu 10-08
    assert running(clocks(settings, item, D(2026, 10, 1))) == [
        ("village_settle", D(2026, 9, 30), D(2026, 10, 8), 7, OK)
    ]


def test_unsatisfied_confirm_reopens_department_and_restarts_both_clocks(engine, settings, village):
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    to_department(engine, item)
    act(engine, actions.settle, item, D(2026, 10, 26), measures="部门协调", outcome="已解决")
    item = act(
        engine,
        actions.confirm,
        item,
        D(2026, 10, 28),
        satisfaction=Satisfaction.VERY_DISSATISFIED,
        opinion="没有解决",
    )
    assert item.state == ItemState.DEPARTMENT_HANDLING
    assert item.assigned_on == D(2026, 10, 28)
    # reopened Wed 10-28: settle 10-28 + 15 = Thu 11-12; report 10-28 + 18 = Sun 11-15 -> Mon 11-16
    assert running(clocks(settings, item, D(2026, 10, 28))) == [
        ("department_settle", D(2026, 10, 28), D(2026, 11, 12), 15, OK),
        ("department_report", D(2026, 10, 28), D(2026, 11, 16), 19, OK),
    ]


def test_voided_item_overall_clock_stops(engine, settings, village):
    item = make_item(engine, settings, village, received=D(2026, 9, 28))
    item = act(engine, actions.void, item, D(2026, 9, 30), reason="重复登记")
    early, late = clocks(settings, item, D(2026, 9, 30)), clocks(settings, item, D(2026, 12, 31))
    assert early.running == () and not late.overall_running
    # voided 09-30: 09-28 -> 09-30 = 2 days, and it must not grow afterwards
    assert early.overall_days == late.overall_days == 2
