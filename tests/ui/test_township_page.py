"""乡镇汇总 over a real four-village demo: sortable figures, waiting items opened in the item page, chart."""

from datetime import date

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.models.enums import ItemState
from app.services.context import load_settings
from app.services.demo import build_demo
from app.services.workspace import Workspace
from app.store.database import open_database
from app.ui.hub import EventHub
from app.ui.main_window import MainWindow
from app.ui.township_page import SORT_ROLE, TownshipPage, VillageFiguresTableModel, WaitingTableModel

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("township_ui")
    (folder / "userdata").mkdir()
    settings = load_settings(folder / "userdata")
    engine = open_database(folder / "demo.db")
    build_demo(
        engine=engine, config=settings.ledgers, villages=4, items=30, seed=7, today=TODAY, template_villages=4
    )
    engine.dispose()
    return folder


@pytest.fixture
def ws(demo_db, tmp_path):
    """A private copy of the demo database per test (tests change items)."""
    import sqlite3

    target = tmp_path / "copy.db"
    with sqlite3.connect(demo_db / "demo.db") as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    engine = open_database(target)
    yield Workspace(engine, load_settings(demo_db / "userdata"), demo_db / "userdata", lambda: TODAY)
    engine.dispose()


def _page(qtbot, ws, hub=None):
    page = TownshipPage(ws, hub or EventHub())
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.figures_model.rowCount() == 4)
    return page


def _column(page, column, role=Qt.ItemDataRole.DisplayRole):
    return [page.proxy.index(r, column).data(role) for r in range(page.proxy.rowCount())]


def test_villages_side_by_side_sortable_with_the_county_figures(qtbot, qtmodeltester, ws):
    page = _page(qtbot, ws)
    qtmodeltester.check(page.figures_model)
    names = {v.name for v in ws.villages()}
    assert set(_column(page, 0)) == names
    county = {v.id: ws.statistics(village_ids=[v.id]) for v in ws.villages()}
    for row in range(page.figures_model.rowCount()):
        village = page.figures_model.village(row)
        assert village.registered == county[village.village_id]["registered"]
        assert village.overdue == county[village.village_id]["overdue"]
    # sort by 办结率, highest first: the numbers (not the texts) decide
    page.figures_view.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    rates = _column(page, 3, SORT_ROLE)
    assert rates == sorted(rates, reverse=True) and len(set(rates)) > 1
    assert all(text.endswith("%") for text in _column(page, 3))
    page.figures_view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert _column(page, 1, SORT_ROLE) == sorted(_column(page, 1, SORT_ROLE))
    total = sum(int(t) for t in _column(page, 1))
    assert f"登记{total}件" in page.total_label.text()


def test_month_picker_limits_the_figures_to_items_received_that_month(qtbot, ws):
    page = _page(qtbot, ws)
    all_time = sum(_column(page, 1, SORT_ROLE))
    page.month_box.setCurrentIndex(page.month_box.findData("2026-10"))
    october = sum(_column(page, 1, SORT_ROLE))
    assert 0 < october < all_time
    assert october == ws.statistics(month="2026-10")["registered"]
    assert page.total_label.text().startswith("2026年10月")


def test_waiting_items_open_in_the_item_page_and_leave_when_settled(qtbot, qtmodeltester, ws):
    hub = EventHub()
    page = _page(qtbot, ws, hub)
    model: WaitingTableModel = page.waiting_model
    qtmodeltester.check(model)
    assert model.rowCount() == len(ws.waiting_at_township()) > 0
    states = {ws.detail(model.item_id(r)).detail.item.state for r in range(model.rowCount())}
    assert states <= {ItemState.TOWNSHIP_HANDLING.value, ItemState.TOWNSHIP_REPLIED.value}
    opened: list[str] = []
    hub.open_item_requested.connect(opened.append)
    index = model.index(0, 1)
    page.waiting_view.doubleClicked.emit(index)
    assert opened == [model.item_id(0)]
    # the township settles it (as the item page would), the page follows
    from app.models.enums import Action

    item_id = opened[0]
    ws.perform(Action.SETTLE, item_id, actor="乡镇干部", measures="协调解决", outcome="已解决")
    page.refresh()
    assert item_id not in {model.item_id(r) for r in range(model.rowCount())}
    assert f"（{model.rowCount()}件" in page.waiting_label.text()


def test_choosing_a_village_shows_its_twelve_months(qtbot, ws):
    page = _page(qtbot, ws)
    page.figures_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    page.figures_view.selectRow(2)
    chosen = page.selected_village()
    trend = ws.township_trend([chosen.village_id])[chosen.village_id]
    assert page.chart.title.startswith(chosen.name) and "2025年12月至2026年11月" in page.chart.title
    assert page.chart.values == {"登记": trend.registered, "办结": trend.settled}
    assert sum(trend.registered) == chosen.registered  # the demo's items all fall in the last year
    axes = page.chart.chart_.axes()  # labels in the app's font, so the 大/特大 text sizes apply
    size = QApplication.font().pointSize()
    assert len(axes) == 2 and all(a.labelsFont().pointSize() == size for a in axes)
    assert page.replies_button.isEnabled()


def test_reply_workbook_for_the_chosen_village(qtbot, ws, no_message_boxes, tmp_path):
    page = _page(qtbot, ws)
    page.select_village(next(r.village_id for r in ws.township_figures() if r.escalated))
    village = page.selected_village()
    out = tmp_path / "答复.xlsx"
    page.write_replies(village.code, None, out)
    qtbot.waitUntil(lambda: any("已导出" in text for _kind, text in no_message_boxes), timeout=30000)
    book = load_workbook(out, read_only=True)
    rows = [
        r
        for ledger in ws.ledgers()
        for r in book[ledger.name].iter_rows(min_row=3, values_only=True)
        if any(r)
    ]
    assert len(rows) == village.escalated  # every item of the village that reached the township
    assert {r[2] for r in rows} == {village.name}
    # a village with nothing escalated gets a Chinese explanation, not a file
    page.write_replies("000000000000", None, tmp_path / "none.xlsx")
    qtbot.waitUntil(lambda: no_message_boxes[-1][0] == "warning", timeout=30000)
    assert "000000000000" in no_message_boxes[-1][1] and not (tmp_path / "none.xlsx").exists()


def test_the_main_window_lists_the_township_page_only_for_several_villages(qtbot, ws, workspace, prefs):
    several = MainWindow(ws, EventHub(), prefs)
    qtbot.addWidget(several)
    keys = list(several.pages)
    assert not several.nav.item(keys.index("township")).isHidden()
    several.show_page("township")
    assert isinstance(several.stack.currentWidget(), TownshipPage)
    one = MainWindow(workspace, EventHub(), prefs)  # the conftest's single village
    qtbot.addWidget(one)
    assert one.nav.item(list(one.pages).index("township")).isHidden()
    assert not one.nav.item(list(one.pages).index("import")).isHidden()


def test_empty_model_is_sound(qtmodeltester):
    qtmodeltester.check(VillageFiguresTableModel())
