"""The township view: per-village figures equal the county's figures, trend, items waiting at the township."""

from datetime import date

import pytest
from sqlmodel import select

from app.models import Item
from app.models.enums import ItemState
from app.services import actions
from app.services.context import load_settings
from app.services.demo import build_demo
from app.services.statistics import Period, compute_statistics
from app.services.township import (
    AT_TOWNSHIP,
    last_months,
    monthly_trend,
    total_figures,
    village_figures,
    waiting_at_township,
)
from app.store.database import open_database
from app.store.uow import UnitOfWork

TODAY = date(2026, 11, 22)
PERIODS = (None, "2026-09", "2026-10", "2026-11")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Four villages worked through the real workflow (no copies: every village differs)."""
    folder = tmp_path_factory.mktemp("township")
    (folder / "userdata").mkdir()
    settings = load_settings(folder / "userdata")
    engine = open_database(folder / "township.db")
    build_demo(
        engine=engine,
        config=settings.ledgers,
        villages=4,
        items=40,
        seed=11,
        today=TODAY,
        template_villages=4,
    )
    yield engine, settings
    engine.dispose()


def _county(session, settings, village_ids, month):
    return compute_statistics(
        session,
        rules=settings.rules,
        cal=settings.calendar,
        today=TODAY,
        village_ids=village_ids,
        period=Period.month(month) if month else None,
        groups=False,
    )


def _as_county(row):
    return {
        "registered": row.registered,
        "settled": row.settled,
        "settlement_rate": row.settlement_rate,
        "settled_share_by_level": row.level_shares,
        "open": row.open,
        "escalated": row.escalated,
        "overdue": row.overdue,
        "ratings": row.ratings,
        "satisfaction_rate": row.satisfaction_rate,
    }


@pytest.mark.parametrize("month", PERIODS)
def test_each_village_has_exactly_the_county_figures(demo, month):
    engine, settings = demo
    with UnitOfWork(engine) as uow:
        rows = village_figures(uow.session, settings, TODAY, Period.month(month) if month else None)
        assert len(rows) == 4
        for row in rows:
            county = _county(uow.session, settings, [row.village_id], month)
            assert _as_county(row) == {k: county[k] for k in _as_county(row)}, row.name
        total = _county(uow.session, settings, None, month)
    assert _as_county(total_figures(rows)) == {k: total[k] for k in _as_county(rows[0])}
    assert sum(r.registered for r in rows) > 0


def test_the_demo_is_varied_enough_to_tell_villages_apart(demo):
    engine, settings = demo
    with UnitOfWork(engine) as uow:
        rows = village_figures(uow.session, settings, TODAY)
    assert len({(r.settled, r.overdue, r.escalated, r.ratings) for r in rows}) > 1
    assert any(r.overdue for r in rows) and any(r.settled_township for r in rows)


def test_trend_counts_registered_and_settled_per_month(demo):
    engine, settings = demo
    with UnitOfWork(engine) as uow:
        trends = monthly_trend(uow.session, TODAY)
        assert list(trends) == [r.village_id for r in village_figures(uow.session, settings, TODAY)]
        for vid, trend in trends.items():
            assert trend.months == last_months(TODAY) and trend.months[-1] == "2026-11"
            for n, month in enumerate(trend.months[-4:], start=8):
                county = _county(uow.session, settings, [vid], month)
                assert trend.registered[n] == county["registered"], (vid, month)
                assert trend.settled[n] == county["settled_in_period"], (vid, month)
        assert sum(sum(t.registered) for t in trends.values()) > 0
        one = monthly_trend(uow.session, TODAY, count=3, village_ids=[trends.popitem()[0]])
    assert len(one) == 1 and len(next(iter(one.values())).months) == 3


def test_last_months_crosses_the_year():
    assert last_months(date(2026, 2, 10), 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_waiting_at_township_most_urgent_first_and_follows_the_workflow(demo, tmp_path):
    engine, settings = demo
    with UnitOfWork(engine) as uow:
        rows = waiting_at_township(uow.session, settings, TODAY)
        expected = uow.session.exec(select(Item.id).where(Item.state.in_(AT_TOWNSHIP))).all()
    assert rows and {r.uuid for r in rows} == set(expected)
    assert all(r.level == "township" and r.due is not None for r in rows)
    lefts = [r.days_left for r in rows]
    assert lefts == sorted(lefts)
    # a village reports an item: it waits at the township; the township replies: still waiting
    # there (to settle or report on); then it settles: gone
    with UnitOfWork(engine) as uow:
        item = uow.session.exec(select(Item).where(Item.state == ItemState.VILLAGE_HANDLING.value)).first()
        actions.escalate(uow=uow, item_id=item.id, on=TODAY, actor="村干部", reason="村里解决不了")
        uow.commit()
    with UnitOfWork(engine) as uow:
        before = {r.uuid: r for r in waiting_at_township(uow.session, settings, TODAY)}
    handling = before[item.id]
    assert handling.state == ItemState.TOWNSHIP_HANDLING.value and handling.status == "ok"
    with UnitOfWork(engine) as uow:
        actions.reply(uow=uow, item_id=handling.uuid, on=TODAY, actor="乡镇干部", text="已协调水利站")
        uow.commit()
    with UnitOfWork(engine) as uow:
        after = {r.uuid: r for r in waiting_at_township(uow.session, settings, TODAY)}
    assert after[handling.uuid].state == ItemState.TOWNSHIP_REPLIED.value
    with UnitOfWork(engine) as uow:
        actions.settle(
            uow=uow, item_id=handling.uuid, on=TODAY, actor="乡镇干部", measures="修渠", outcome="已修好"
        )
        uow.commit()
    with UnitOfWork(engine) as uow:
        village_id = uow.session.get(Item, handling.uuid).village_id
        rest = waiting_at_township(uow.session, settings, TODAY, village_ids=[village_id])
    assert handling.uuid not in {r.uuid for r in rest}
    assert all(r.village == handling.village for r in rest)
