"""The main window, dashboard and ledger pages driven offscreen over a real database."""

from datetime import date

import pytest

from app.models.enums import Action, DeliberationDecision
from app.services.listing import ItemFilter
from app.services.people import create_person
from app.store.uow import UnitOfWork
from app.ui.dashboard_page import DashboardPage
from app.ui.hub import EventHub
from app.ui.item_table_model import COL_REQUESTER, COL_STATE, ItemTableModel
from app.ui.ledger_page import LedgerPage
from app.ui.main_window import MainWindow
from tests.conftest import make_item


@pytest.fixture
def filled(workspace, engine, settings, village):
    """Five items: three 民生 (one overdue, one due soon, one settled), one 困难群众, one 稳定."""
    with UnitOfWork(engine) as uow:
        zhang = create_person(uow=uow, village_id=village.village_id, name="张大云", gender="男")
        uow.commit()
    late = make_item(engine, settings, village, received=date(2026, 11, 10), request="堰渠垮塌，田里放不进水")
    soon = make_item(engine, settings, village, received=date(2026, 11, 19), request="路灯坏了")
    done = make_item(engine, settings, village, received=date(2026, 11, 2), request="申请危房改造")
    workspace.perform(
        Action.SETTLE_ON_SPOT,
        done.id,
        actor="杨运润",
        on=date(2026, 11, 2),
        measures="当场登记上报",
        outcome="已纳入改造计划",
    )
    workspace.perform(
        Action.EDIT, soon.id, actor="杨运润", on=date(2026, 11, 20), reason="选错诉求人", person_id=zhang.id
    )
    make_item(
        engine,
        settings,
        village,
        received=date(2026, 11, 21),
        ledger="kunnan",
        category="低保",
        request="家中老人患病，申请低保",
    )
    make_item(
        engine,
        settings,
        village,
        received=date(2026, 11, 21),
        ledger="wending",
        category="邻里纠纷",
        request="牛吃了邻居家的苞谷",
    )
    return {"late": late.id, "soon": soon.id, "done": done.id}


def test_item_table_model_passes_the_model_tester(qtmodeltester, workspace, filled):
    model = ItemTableModel()
    ids = workspace.list_ids(ItemFilter(ledger_key="minsheng"))
    model.set_ids(ids)
    model.add_rows(workspace.rows(ids[:2]))  # some rows loaded, the rest still placeholders
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    assert model.data(model.index(2, COL_REQUESTER)) == "…"  # not loaded: no query in data()


def test_dashboard_shows_overdue_and_due_soon(qtbot, qtmodeltester, workspace, filled):
    page = DashboardPage(workspace, EventHub())
    qtbot.addWidget(page)
    page.refresh()
    assert page.cards["overdue"].text() == "1"  # received 11-10, due 11-15
    assert page.cards["soon"].text() == "1"  # received 11-19, due 11-24: two days left
    assert page.cards["registered"].text() == "5" and page.cards["settled"].text() == "1"
    assert page.overdue_model.item_id(0) == filled["late"]
    assert page.soon_model.item_id(0) == filled["soon"]
    qtmodeltester.check(page.overdue_model)


def test_ledger_page_filters_and_searches(qtbot, workspace, prefs, filled):
    page = LedgerPage(workspace, EventHub(), prefs, "minsheng", "民生台账")
    qtbot.addWidget(page)
    page.reload_choices()
    page.refresh()
    assert page.model.rowCount() == 3
    page.search.setText("zdy")  # pinyin initials of 张大云
    page.refresh()
    assert [page.model.item_id(r) for r in range(page.model.rowCount())] == [filled["soon"]]
    page.search.setText("堰渠")
    page.refresh()
    assert page.model.rowCount() == 1 and page.model.item_id(0) == filled["late"]
    page.search.setText("")
    page.overdue_box.setChecked(True)
    page.refresh()
    assert [page.model.item_id(r) for r in range(page.model.rowCount())] == [filled["late"]]
    page.overdue_box.setChecked(False)
    page.state_box.setCurrentIndex(page.state_box.findText("已办结，待当事人签字确认"))
    page.refresh()
    assert [page.model.item_id(r) for r in range(page.model.rowCount())] == [filled["done"]]
    assert page.count_label.text() == "共 1 件"


def test_search_types_are_debounced_into_one_query(qtbot, workspace, prefs, filled):
    page = LedgerPage(workspace, EventHub(), prefs, None, "全部事项")
    qtbot.addWidget(page)
    page.reload_choices()
    page.refresh()
    assert page.model.rowCount() == 5
    qtbot.keyClicks(page.search, "wcg")
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=3000)


def test_sorting_by_a_header_reorders(qtbot, workspace, prefs, filled):
    page = LedgerPage(workspace, EventHub(), prefs, "minsheng", "民生台账")
    qtbot.addWidget(page)
    page.show()  # a hidden page defers its query until it is shown
    page.refresh()
    page.model.sort(1, 0)  # received date ascending
    first = workspace.rows([page.model.item_id(0)])[0]
    assert first.received_on == date(2026, 11, 2)
    page.model.sort(COL_STATE, 1)
    assert page.model.rowCount() == 3


def test_main_window_pages_and_dashboard_follow_changes(qtbot, workspace, prefs, filled):
    hub = EventHub()
    window = MainWindow(workspace, hub, prefs)
    qtbot.addWidget(window)
    items = [window.nav.item(i) for i in range(window.nav.count())]
    shown = [item.text() for item in items if not item.isHidden()]
    assert shown == [  # 乡镇汇总 appears only when the database holds several villages
        "首页",
        "民生台账",
        "困难群众台账",
        "稳定工作台账",
        "全部事项",
        "议账会议",
        "月度晒账",
        "导入工作簿",
        "数据安全",
        "设置",
    ]
    window.show_page("kunnan")
    page = window.pages["kunnan"]
    assert isinstance(page, LedgerPage) and page.model.rowCount() == 1
    dashboard = window.pages["dashboard"]
    assert dashboard.cards["deliberation"].text() == "4"  # all but the settled one
    workspace.perform(
        Action.DELIBERATE,
        filled["late"],
        actor="杨运润",
        on=date(2026, 11, 22),
        decision=DeliberationDecision.HANDLE,
        opinion="村里组织清淤",
    )
    hub.item_changed.emit(filled["late"])
    assert dashboard.cards["deliberation"].text() == "3"
    assert window.actor_label.text().startswith("经办人：杨运润")


def test_ctrl_f_goes_to_a_search_box(qtbot, workspace, prefs, filled):
    window = MainWindow(workspace, EventHub(), prefs)
    qtbot.addWidget(window)
    window.show()
    window.focus_search()
    assert window.stack.currentWidget() is window.pages["all"]


def test_an_underscore_in_the_search_box_matches_nothing_special(qtbot, workspace, prefs, filled):
    page = LedgerPage(workspace, EventHub(), prefs, None, "全部事项")
    qtbot.addWidget(page)
    page.search.setText("_")
    page.refresh()
    assert page.model.rowCount() == 0
    page.search.setText("z d y")
    page.refresh()
    assert page.model.rowCount() == 1


def test_column_widths_are_fitted_then_remembered_across_runs(qtbot, workspace, prefs, filled):
    window = MainWindow(workspace, EventHub(), prefs)
    qtbot.addWidget(window)
    window.show_page("minsheng")
    window.show()
    page = window.pages["minsheng"]
    qtbot.waitUntil(lambda: page.table.columnWidth(0) >= page.table.sizeHintForColumn(0) - 2)
    page.table.setColumnWidth(0, 333)
    window.close()
    again = MainWindow(workspace, EventHub(), prefs)
    qtbot.addWidget(again)
    assert again.pages["minsheng"].table.columnWidth(0) == 333
