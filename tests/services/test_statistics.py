"""The county's figures over a small hand-built database; every expected number worked out by hand.

Fixture (today = Tue 2026-10-20; default rules: all calendar days, warn_days 2).
Village A = 柳林沟村 (the `village` fixture), village B = 东岳村 (created here).

Each item: village, ledger/category, received -> what happens -> state at 10-20.
- A1  A minsheng/土地流转 09-03 -> 就地办结 09-03; 满意 09-05 -> confirmed, settled at village
- A2  A minsheng/基础设施建设 09-10 -> 议账→乡镇 09-11; 答复 09-15; 办结 09-20; 很满意 09-22;
      晒账 10-01 -> published, settled at township
- A3  A wending/土地纠纷 09-15 -> 议账→乡镇 09-16; →县 09-25; 交办 09-28; 办结 10-10
      -> settled, settled at county
- A4  A kunnan/低保 09-20 -> 议账村办 09-21; 办结 09-24; 不满意 09-26 (reopened at village);
      办结 09-30; 满意 10-08 -> confirmed, settled at village, reopened once
- A5  A minsheng/危房改造 09-25 -> 作废 09-26 -> voided
- A6  A minsheng/养老保险 10-09 -> 议账村办 10-10; village due 10-09+5 = Wed 10-14
      -> open, OVERDUE (-6)
- A7  A kunnan/五保（特困供养） 10-16 -> left registered; due 10-16+5 = Wed 10-21
      -> open, warning only (1 day left)
- A8  A wending/邻里纠纷 10-12 -> 议账→乡镇 10-13; 答复 10-15; township settle 10-13+15 = Wed 10-28
      -> open, ok (8 days left)
- A9  A minsheng/土地流转 09-28 -> 议账→乡镇 09-30, no reply: reply 09-30+10 = 10-10 (调休 Sat, no
      roll), settle 09-30+15 = Thu 10-15 -> open, OVERDUE (both clocks)
- A10 A minsheng/经济发展 10-05 -> 议账会上议定办结 10-08 -> settled, settled at village
- B1  B minsheng/土地流转 09-08 -> 就地办结 09-08; 一般 09-10 (reopened; village clock
      09-10+5 = Tue 09-15) -> open, OVERDUE, reopened once
- B2  B kunnan/低保 10-13 -> 就地办结 10-13; 满意 10-14 -> confirmed, settled at village

Ratings (one row per 签字确认): A1 满意, A2 很满意, A4 不满意 + 满意, B1 一般, B2 满意.
"""

from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.models import Item
from app.models.enums import DeliberationDecision, Satisfaction
from app.services import actions
from app.services.context import Settings
from app.services.people import create_person
from app.services.statistics import Period, compute_statistics, shares
from app.services.villages import add_cadre, create_village
from app.store.uow import UnitOfWork
from tests.conftest import VillageIds, make_item

D = date
TODAY = D(2026, 10, 20)
ACTOR = "经办人"
HANDLE = DeliberationDecision.HANDLE
ESCALATE = DeliberationDecision.ESCALATE
SETTLE = DeliberationDecision.SETTLE
SAT, VSAT = Satisfaction.SATISFIED, Satisfaction.VERY_SATISFIED
NEUTRAL, DISSAT = Satisfaction.NEUTRAL, Satisfaction.DISSATISFIED


def act(engine: Engine, action, item: Item, on: date, **kwargs) -> None:
    with UnitOfWork(engine) as uow:
        action(uow=uow, item_id=item.id, on=on, actor=ACTOR, **kwargs)
        uow.commit()


def settle_on_spot(engine: Engine, item: Item, on: date) -> None:
    act(engine, actions.settle_on_spot, item, on, measures="现场处理", outcome="已处理")


def settle(engine: Engine, item: Item, on: date) -> None:
    act(engine, actions.settle, item, on, measures="协调解决", outcome="已解决")


def confirm(engine: Engine, item: Item, on: date, rating: Satisfaction) -> None:
    signer = "王长贵" if rating.closes else ""
    act(engine, actions.confirm, item, on, satisfaction=rating, opinion=rating.label, signed_by=signer)


def deliberate(engine: Engine, item: Item, on: date, decision: DeliberationDecision) -> None:
    act(engine, actions.deliberate, item, on, decision=decision, opinion="议定", outcome="会上解决")


def second_village(engine: Engine, settings: Settings) -> VillageIds:
    with UnitOfWork(engine) as uow:
        v = create_village(
            uow=uow,
            code="510623105202",
            name="东岳村",
            township="富兴镇",
            county="中江县",
            config=settings.ledgers,
        )
        c = add_cadre(uow=uow, village_id=v.id, name="李明", role="村委会主任")
        p = create_person(uow=uow, village_id=v.id, name="赵秀英", gender="女", group_name="一社")
        uow.commit()
        return VillageIds(v.id, c.id, p.id)


@pytest.fixture
def world(engine, settings, village) -> dict[str, Any]:
    """Build the fixture in the module docstring; returns the village ids and the item ids."""
    vb = second_village(engine, settings)

    def item(ids: VillageIds, received: date, ledger: str, category: str) -> Item:
        return make_item(engine, settings, ids, received=received, ledger=ledger, category=category)

    a1 = item(village, D(2026, 9, 3), "minsheng", "土地流转")
    settle_on_spot(engine, a1, D(2026, 9, 3))
    confirm(engine, a1, D(2026, 9, 5), SAT)

    a2 = item(village, D(2026, 9, 10), "minsheng", "基础设施建设")
    deliberate(engine, a2, D(2026, 9, 11), ESCALATE)
    act(engine, actions.reply, a2, D(2026, 9, 15), text="已受理")
    settle(engine, a2, D(2026, 9, 20))
    confirm(engine, a2, D(2026, 9, 22), VSAT)
    act(engine, actions.publish, a2, D(2026, 10, 1), month="2026-09")

    a3 = item(village, D(2026, 9, 15), "wending", "土地纠纷")
    deliberate(engine, a3, D(2026, 9, 16), ESCALATE)
    act(engine, actions.escalate, a3, D(2026, 9, 25), reason="镇上无力解决")
    act(engine, actions.assign, a3, D(2026, 9, 28), department="县自然资源局")
    settle(engine, a3, D(2026, 10, 10))

    a4 = item(village, D(2026, 9, 20), "kunnan", "低保")
    deliberate(engine, a4, D(2026, 9, 21), HANDLE)
    settle(engine, a4, D(2026, 9, 24))
    confirm(engine, a4, D(2026, 9, 26), DISSAT)
    settle(engine, a4, D(2026, 9, 30))
    confirm(engine, a4, D(2026, 10, 8), SAT)

    a5 = item(village, D(2026, 9, 25), "minsheng", "危房改造")
    act(engine, actions.void, a5, D(2026, 9, 26), reason="重复登记")

    a6 = item(village, D(2026, 10, 9), "minsheng", "养老保险")
    deliberate(engine, a6, D(2026, 10, 10), HANDLE)

    a7 = item(village, D(2026, 10, 16), "kunnan", "五保（特困供养）")  # left registered

    a8 = item(village, D(2026, 10, 12), "wending", "邻里纠纷")
    deliberate(engine, a8, D(2026, 10, 13), ESCALATE)
    act(engine, actions.reply, a8, D(2026, 10, 15), text="已受理")

    a9 = item(village, D(2026, 9, 28), "minsheng", "土地流转")
    deliberate(engine, a9, D(2026, 9, 30), ESCALATE)

    a10 = item(village, D(2026, 10, 5), "minsheng", "经济发展")
    deliberate(engine, a10, D(2026, 10, 8), SETTLE)

    b1 = item(vb, D(2026, 9, 8), "minsheng", "土地流转")
    settle_on_spot(engine, b1, D(2026, 9, 8))
    confirm(engine, b1, D(2026, 9, 10), NEUTRAL)

    b2 = item(vb, D(2026, 10, 13), "kunnan", "低保")
    settle_on_spot(engine, b2, D(2026, 10, 13))
    confirm(engine, b2, D(2026, 10, 14), SAT)

    items = {"A1": a1, "A2": a2, "A3": a3, "A4": a4, "A5": a5, "A6": a6, "A7": a7, "A8": a8}
    items |= {"A9": a9, "A10": a10, "B1": b1, "B2": b2}
    return {"A": village.village_id, "B": vb.village_id, "items": {k: v.id for k, v in items.items()}}


def stats(engine: Engine, settings: Settings, **kwargs):
    with UnitOfWork(engine) as uow:
        return compute_statistics(
            uow.session, rules=settings.rules, cal=settings.calendar, today=TODAY, **kwargs
        )


def levels(village: int, township: int, county: int) -> dict[str, int]:
    return {"village": village, "township": township, "county": county}


def block(**kw) -> dict:
    """The expected figures block; `by_level` as (village, township, county) counts."""
    by_level = levels(*kw.pop("by_level"))
    share = dict(zip(("village", "township", "county"), kw.pop("shares"), strict=True))
    kw.setdefault("reached_county", 0)  # only A3 ever reaches the county; blocks holding it say 1
    return {"settled_by_level": by_level, "settled_share_by_level": share, **kw}


# Whole database (both villages, all months), voided A5 left out of every figure:
#   registered: A1 A2 A3 A4 A6 A7 A8 A9 A10 B1 B2 = 11
#   settled (settled/confirmed/published): A1 A2 A3 A4 A10 B2 = 6; rate 6/11 = 0.54545 -> 0.5455
#   by level: village A1 A4 A10 B2 = 4, township A2 = 1, county A3 = 1
#   shares {4,1,1}/6: 66.666.., 16.666.., 16.666.. -> floors 66.66 16.66 16.66 = 99.98;
#     two hundredths go to the largest remainders (all .666..; first two in order) -> 66.67 16.67 16.66
#   settled_in_period (no bounds): all 6
#   open: A6 A7 A8 A9 B1 = 5; escalated (max level above village): A2 A3 A8 A9 = 4
#   overdue at 10-20: A6 (due 10-14), A9 (due 10-10 / 10-15), B1 (due 09-15) = 3
#     (A7 due 10-21 is warning only; A8 due 10-28 ok)
#   reopened: A4 B1 = 2 items, reopen_count 1 + 1 = 2
#   ratings: A1 1, A2 1, A4 2, B1 1, B2 1 = 6; satisfied (很满意/满意): A1 A2 A4(2nd) B2 = 4
#     -> 4/6 = 0.6667
ALL = block(
    registered=11,
    settled=6,
    settlement_rate=0.5455,
    by_level=(4, 1, 1),
    shares=(66.67, 16.67, 16.66),
    settled_in_period=6,
    open=5,
    escalated=4,
    reached_county=1,  # A3
    overdue=3,
    reopened=2,
    reopen_count=2,
    ratings=6,
    satisfaction_rate=0.6667,
)

# by ledger
#   minsheng: A1 A2 A6 A9 A10 B1 = 6 (A5 voided); settled A1(v) A2(t) A10(v) = 3 -> 0.5
#     shares {2,1,0}/3: 66.666.., 33.333.., 0 -> 66.66 + 33.33 = 99.99, +0.01 to village (.666)
#     open A6 A9 B1 = 3; escalated A2 A9 = 2; overdue A6 A9 B1 = 3; reopened B1 = 1
#     ratings A1 满意, A2 很满意, B1 一般 = 3, satisfied 2 -> 0.6667
#   kunnan: A4 A7 B2 = 3; settled A4(v) B2(v) = 2 -> 0.6667; shares 100/0/0
#     open A7 = 1; escalated 0; overdue 0 (A7 warning); reopened A4 = 1
#     ratings A4 不满意 + 满意, B2 满意 = 3, satisfied 2 -> 0.6667
#   wending: A3 A8 = 2; settled A3(c) = 1 -> 0.5; shares 0/0/100
#     open A8 = 1; escalated A3 A8 = 2; overdue 0; reopened 0; ratings 0 -> rate 0.0
#   check: 6 + 3 + 2 = 11
BY_LEDGER = {
    "kunnan": block(
        registered=3,
        settled=2,
        settlement_rate=0.6667,
        by_level=(2, 0, 0),
        shares=(100.0, 0.0, 0.0),
        settled_in_period=2,
        open=1,
        escalated=0,
        overdue=0,
        reopened=1,
        reopen_count=1,
        ratings=3,
        satisfaction_rate=0.6667,
    ),
    "minsheng": block(
        registered=6,
        settled=3,
        settlement_rate=0.5,
        by_level=(2, 1, 0),
        shares=(66.67, 33.33, 0.0),
        settled_in_period=3,
        open=3,
        escalated=2,
        overdue=3,
        reopened=1,
        reopen_count=1,
        ratings=3,
        satisfaction_rate=0.6667,
    ),
    "wending": block(
        registered=2,
        settled=1,
        settlement_rate=0.5,
        by_level=(0, 0, 1),
        shares=(0.0, 0.0, 100.0),
        settled_in_period=1,
        open=1,
        escalated=2,
        reached_county=1,  # A3
        overdue=0,
        reopened=0,
        reopen_count=0,
        ratings=0,
        satisfaction_rate=0.0,
    ),
}

# by month of receipt (whole period, so settled_in_period = settled)
#   2026-09: A1 A2 A3 A4 A9 B1 = 6 (A5 voided); settled A1(v) A2(t) A3(c) A4(v) = 4 -> 0.6667
#     shares {2,1,1}/4 = 50/25/25 exactly; open A9 B1 = 2; escalated A2 A3 A9 = 3;
#     overdue A9 B1 = 2; reopened A4 B1 = 2; ratings A1 A2 A4 A4 B1 = 5, satisfied 3 -> 0.6
#   2026-10: A6 A7 A8 A10 B2 = 5; settled A10(v) B2(v) = 2 -> 0.4; shares 100/0/0
#     open A6 A7 A8 = 3; escalated A8 = 1; overdue A6 = 1; reopened 0; ratings B2 = 1 -> 1.0
SEPTEMBER = block(
    registered=6,
    settled=4,
    settlement_rate=0.6667,
    by_level=(2, 1, 1),
    shares=(50.0, 25.0, 25.0),
    settled_in_period=4,
    open=2,
    escalated=3,
    reached_county=1,  # A3
    overdue=2,
    reopened=2,
    reopen_count=2,
    ratings=5,
    satisfaction_rate=0.6,
)
OCTOBER = block(
    registered=5,
    settled=2,
    settlement_rate=0.4,
    by_level=(2, 0, 0),
    shares=(100.0, 0.0, 0.0),
    settled_in_period=2,
    open=3,
    escalated=1,
    overdue=1,
    reopened=0,
    reopen_count=0,
    ratings=1,
    satisfaction_rate=1.0,
)


def figures_of(result: dict) -> dict:
    """The figure keys of a block (drops the grouping and period keys of the top level)."""
    extra = {"voided", "period", "as_of", "by_ledger", "by_category", "by_month"}
    return {k: v for k, v in result.items() if k not in extra}


# (state, settled_level, max_level, reopen_count) of each item, as in the module docstring
EXPECTED_ITEMS = {
    "A1": ("confirmed", "village", "village", 0),
    "A2": ("published", "township", "township", 0),
    "A3": ("settled", "county", "county", 0),
    "A4": ("confirmed", "village", "village", 1),
    "A5": ("voided", None, "village", 0),
    "A6": ("village_handling", None, "village", 0),
    "A7": ("registered", None, "village", 0),
    "A8": ("township_replied", None, "township", 0),
    "A9": ("township_handling", None, "township", 0),
    "A10": ("settled", "village", "village", 0),
    "B1": ("village_handling", None, "village", 1),
    "B2": ("confirmed", "village", "village", 0),
}


def test_fixture_items_are_in_the_documented_states(engine, world):
    with UnitOfWork(engine) as uow:
        got = {}
        for name, item_id in world["items"].items():
            it = uow.session.get(Item, item_id)
            got[name] = (it.state, it.settled_level, it.max_level, it.reopen_count)
    assert got == EXPECTED_ITEMS


def test_whole_database(engine, settings, world):
    result = stats(engine, settings, village_ids=None, period=Period())
    assert figures_of(result) == ALL
    assert result["voided"] == 1  # A5
    assert result["period"] == {"start": None, "end": None}
    assert result["as_of"] == "2026-10-20"
    shares_sum = sum(round(v * 100) for v in result["settled_share_by_level"].values())
    assert shares_sum == 10000  # exactly 100.00 %


def test_period_none_is_whole_period(engine, settings, world):
    assert stats(engine, settings) == stats(engine, settings, period=Period())


def test_by_ledger_and_by_month(engine, settings, world):
    result = stats(engine, settings, village_ids=None, period=Period())
    assert result["by_ledger"] == BY_LEDGER
    assert list(result["by_ledger"]) == ["kunnan", "minsheng", "wending"]  # sorted keys
    assert result["by_month"] == {"2026-09": SEPTEMBER, "2026-10": OCTOBER}
    for group in (*result["by_ledger"].values(), *result["by_month"].values()):
        assert sum(round(v * 100) for v in group["settled_share_by_level"].values()) in (0, 10000)


def test_by_category(engine, settings, world):
    cats = stats(engine, settings, period=Period())["by_category"]
    # voided A5 (minsheng/危房改造) has no block; the others, sorted by "ledger/category":
    assert list(cats) == sorted(
        [
            "kunnan/低保",  # A4 B2
            "kunnan/五保（特困供养）",  # A7
            "minsheng/养老保险",  # A6
            "minsheng/土地流转",  # A1 A9 B1
            "minsheng/基础设施建设",  # A2
            "minsheng/经济发展",  # A10
            "wending/土地纠纷",  # A3 (the one item that reached the county)
            "wending/邻里纠纷",  # A8
        ]
    )
    # minsheng/土地流转: A1 (settled village, 满意), A9 (open, overdue, escalated),
    #   B1 (open, overdue, reopened, 一般): registered 3, settled 1 -> 1/3 = 0.3333,
    #   shares 100/0/0; open 2; escalated 1; overdue 2; reopened 1; ratings 2, satisfied 1 -> 0.5
    assert cats["minsheng/土地流转"] == block(
        registered=3,
        settled=1,
        settlement_rate=0.3333,
        by_level=(1, 0, 0),
        shares=(100.0, 0.0, 0.0),
        settled_in_period=1,
        open=2,
        escalated=1,
        overdue=2,
        reopened=1,
        reopen_count=1,
        ratings=2,
        satisfaction_rate=0.5,
    )
    # kunnan/低保: A4 (village, reopened once, 不满意 + 满意), B2 (village, 满意):
    #   registered 2, settled 2 -> 1.0; ratings 3, satisfied 2 -> 0.6667
    assert cats["kunnan/低保"] == block(
        registered=2,
        settled=2,
        settlement_rate=1.0,
        by_level=(2, 0, 0),
        shares=(100.0, 0.0, 0.0),
        settled_in_period=2,
        open=0,
        escalated=0,
        overdue=0,
        reopened=1,
        reopen_count=1,
        ratings=3,
        satisfaction_rate=0.6667,
    )
    # kunnan/五保（特困供养）: only A7, open, warning not overdue, nothing settled -> rate 0.0,
    #   shares all 0.0 (no settled item to share out)
    assert cats["kunnan/五保（特困供养）"] == block(
        registered=1,
        settled=0,
        settlement_rate=0.0,
        by_level=(0, 0, 0),
        shares=(0.0, 0.0, 0.0),
        settled_in_period=0,
        open=1,
        escalated=0,
        overdue=0,
        reopened=0,
        reopen_count=0,
        ratings=0,
        satisfaction_rate=0.0,
    )
    assert sum(b["registered"] for b in cats.values()) == 11


def test_month_period_counts_only_items_received_that_month(engine, settings, world):
    sept = stats(engine, settings, period=Period.month("2026-09"))
    # same items as the 2026-09 block, but settled_in_period only counts settlements dated in
    # September: A1 09-03, A2 09-20, A4 09-30 (final settlement) = 3; A3 was settled 10-10 -> not
    assert figures_of(sept) == {**SEPTEMBER, "settled_in_period": 3}
    assert sept["voided"] == 1  # A5 received 09-25
    assert sept["period"] == {"start": "2026-09-01", "end": "2026-09-30"}
    assert list(sept["by_month"]) == ["2026-09"]
    oct_ = stats(engine, settings, period=Period.month("2026-10"))
    # settled_in_period counts what was settled in October whatever month it was received:
    # A10 10-08, B2 10-13 and A3 10-10 (received in September) = 3
    assert figures_of(oct_) == {**OCTOBER, "settled_in_period": 3}
    assert oct_["voided"] == 0
    assert oct_["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    assert list(oct_["by_month"]) == ["2026-10"]
    # a month with no item: everything zero
    aug = stats(engine, settings, period=Period.month("2026-08"))
    assert aug["registered"] == 0 and aug["voided"] == 0 and aug["settlement_rate"] == 0.0
    assert aug["settled_share_by_level"] == {"village": 0.0, "township": 0.0, "county": 0.0}
    assert aug["by_ledger"] == {} and aug["by_month"] == {}


def test_period_bounds_are_inclusive(engine, settings, world):
    # 09-28 .. 10-05 holds A9 (09-28) and A10 (10-05) exactly on the bounds
    result = stats(engine, settings, period=Period(D(2026, 9, 28), D(2026, 10, 5)))
    assert result["registered"] == 2
    # A4 (kunnan/低保) was received earlier but settled 09-30, inside the period: its category
    # block shows that settlement with nothing registered
    assert set(result["by_category"]) == {"minsheng/土地流转", "minsheng/经济发展", "kunnan/低保"}
    assert result["by_category"]["kunnan/低保"]["registered"] == 0
    assert result["by_category"]["kunnan/低保"]["settled_in_period"] == 1
    assert result["settled_in_period"] == 1  # A4 09-30 (A10 was settled 10-08, after the period)


def test_village_scope(engine, settings, world):
    # village B only: B1 (open, overdue, reopened, 一般), B2 (settled village, 满意)
    #   registered 2, settled 1 -> 0.5; shares 100/0/0; open 1; escalated 0; overdue 1;
    #   reopened 1; ratings 2, satisfied 1 -> 0.5
    b = stats(engine, settings, village_ids=[world["B"]], period=Period())
    assert figures_of(b) == block(
        registered=2,
        settled=1,
        settlement_rate=0.5,
        by_level=(1, 0, 0),
        shares=(100.0, 0.0, 0.0),
        settled_in_period=1,
        open=1,
        escalated=0,
        overdue=1,
        reopened=1,
        reopen_count=1,
        ratings=2,
        satisfaction_rate=0.5,
    )
    assert b["voided"] == 0
    assert set(b["by_ledger"]) == {"minsheng", "kunnan"}
    # village A only: A1..A10 without voided A5 = 9; settled A1 A2 A3 A4 A10 = 5 -> 5/9 = 0.5556
    #   by level village A1 A4 A10 = 3, township A2 = 1, county A3 = 1 -> {3,1,1}/5 = 60/20/20
    #   open A6 A7 A8 A9 = 4; escalated A2 A3 A8 A9 = 4; overdue A6 A9 = 2; reopened A4 = 1
    #   ratings A1 A2 A4 A4 = 4, satisfied 3 -> 0.75
    a = stats(engine, settings, village_ids=[world["A"]], period=Period())
    assert figures_of(a) == block(
        registered=9,
        settled=5,
        settlement_rate=0.5556,
        by_level=(3, 1, 1),
        shares=(60.0, 20.0, 20.0),
        settled_in_period=5,
        open=4,
        escalated=4,
        reached_county=1,  # A3
        overdue=2,
        reopened=1,
        reopen_count=1,
        ratings=4,
        satisfaction_rate=0.75,
    )
    assert a["voided"] == 1
    # both villages == no scope at all
    both = stats(engine, settings, village_ids=[world["A"], world["B"]], period=Period())
    assert both == stats(engine, settings, village_ids=None, period=Period())
    # an empty list scopes to nothing (not to everything)
    none = stats(engine, settings, village_ids=[], period=Period())
    assert none["registered"] == 0 and none["voided"] == 0 and none["by_ledger"] == {}


def test_village_scope_with_month(engine, settings, world):
    # village B in October: B2 only -> registered 1, settled 1 -> 1.0, ratings 1 -> 1.0
    b_oct = stats(engine, settings, village_ids=[world["B"]], period=Period.month("2026-10"))
    assert (b_oct["registered"], b_oct["settled"], b_oct["settlement_rate"]) == (1, 1, 1.0)
    assert b_oct["satisfaction_rate"] == 1.0 and b_oct["overdue"] == 0


def test_overdue_depends_on_today(engine, settings, world):
    # on 10-14 (A6's due day) A6 is only warning; A9's reply clock (due 10-10) is late, B1 late:
    #   overdue A9 B1 = 2
    with UnitOfWork(engine) as uow:
        early = compute_statistics(
            uow.session, rules=settings.rules, cal=settings.calendar, today=D(2026, 10, 14), period=Period()
        )
    assert early["overdue"] == 2
    # 10-22: A7 due 10-21 is now late too: A6 A7 A9 B1 = 4 (A8 due 10-28 still fine)
    with UnitOfWork(engine) as uow:
        late = compute_statistics(
            uow.session, rules=settings.rules, cal=settings.calendar, today=D(2026, 10, 22), period=Period()
        )
    assert late["overdue"] == 4


# --- shares() directly -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # 1/3 = 33.333..% each: floors 33.33 x 3 = 99.99; the one hundredth left goes to the first
        # of the equal remainders
        ({"village": 1, "township": 1, "county": 1}, {"village": 33.34, "township": 33.33, "county": 33.33}),
        # 2/3, 1/3: 66.666.. + 33.333.. -> floors 66.66 + 33.33 = 99.99, +0.01 to the .666 remainder
        ({"village": 2, "township": 1, "county": 0}, {"village": 66.67, "township": 33.33, "county": 0.0}),
        # 1/7, 5/7, 1/7 = 14.2857.., 71.4285.., 14.2857.. -> floors 14.28 + 71.42 + 14.28 = 99.98;
        #   remainders .57, .857, .57: +0.01 to township, then to the first .57 (village)
        ({"village": 1, "township": 5, "county": 1}, {"village": 14.29, "township": 71.43, "county": 14.28}),
        # the seed's county figures: exact, nothing to distribute
        (
            {"village": 9204, "township": 780, "county": 16},
            {"village": 92.04, "township": 7.8, "county": 0.16},
        ),
        # {1,1,1,1,1,1,1}: 14.2857.. each -> floors 7 x 14.28 = 99.96, 4 hundredths to the first four
        (
            dict.fromkeys("abcdefg", 1),
            {"a": 14.29, "b": 14.29, "c": 14.29, "d": 14.29, "e": 14.28, "f": 14.28, "g": 14.28},
        ),
        # only one level settled anything: 100 / 0 / 0
        ({"village": 0, "township": 3, "county": 0}, {"village": 0.0, "township": 100.0, "county": 0.0}),
        # nothing settled: all zero (there is nothing to share out)
        ({"village": 0, "township": 0, "county": 0}, {"village": 0.0, "township": 0.0, "county": 0.0}),
    ],
)
def test_shares_largest_remainder(counts, expected):
    result = shares(counts)
    assert result == expected
    assert list(result) == list(counts)
    if sum(counts.values()):
        assert sum(round(v * 100) for v in result.values()) == 10000


def test_shares_always_sum_to_100():
    for a in range(0, 13):
        for b in range(0, 13):
            for c in range(0, 13):
                if a + b + c == 0:
                    continue
                result = shares({"village": a, "township": b, "county": c})
                cents = [round(v * 100) for v in result.values()]
                assert sum(cents) == 10000, (a, b, c, result)
                # each share is within 0.01 of its exact value
                for count, cent in zip((a, b, c), cents, strict=True):
                    assert abs(cent - count * 10000 / (a + b + c)) < 1


def test_shares_ties_go_to_the_lower_level_exactly():
    # {1,1,4}/6: 16.666.., 16.666.., 66.666.. -> floors 16.66 16.66 66.66 = 99.98; the three
    # remainders are exactly equal, so the two hundredths go to village and township
    assert shares({"village": 1, "township": 1, "county": 4}) == {
        "village": 16.67,
        "township": 16.67,
        "county": 66.66,
    }
