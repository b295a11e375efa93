"""数据安全 page: back up, to a USB folder, verified list, restore with confirmation, history check."""

import pytest
from PySide6.QtWidgets import QFileDialog

from app.store.backup import make_backup
from app.store.database import DatabaseDamaged, open_database
from app.ui.hub import EventHub
from app.ui.safety_page import COL_CHECK, COL_KIND, SafetyPage
from tests.conftest import UI_TODAY, make_item


def _page(qtbot, workspace, hub=None):
    page = SafetyPage(workspace, hub or EventHub())
    qtbot.addWidget(page)
    page.show()
    return page


def _checks(page):
    return [page.table.item(r, COL_CHECK).text() for r in range(page.table.rowCount())]


def test_backup_now_lists_a_verified_backup_and_shows_where_files_are(qtbot, workspace, no_message_boxes):
    page = _page(qtbot, workspace)
    assert page.table.rowCount() == 0 and "还没有" in page.status.text()
    page.backup_now()
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=10000)
    qtbot.waitUntil(lambda: _checks(page) == ["✓ 可用"], timeout=10000)
    assert page.table.item(0, COL_KIND).text() == "手动"
    assert "已备份并检查通过" in page.last_result and no_message_boxes[-1][0] == "information"
    labels = [w.text() for w in page.findChildren(type(page.status))]
    assert str(workspace.log_folder()) in labels and str(workspace.db_path) in labels


def test_backup_to_a_usb_folder(qtbot, workspace, tmp_path, monkeypatch, no_message_boxes):
    usb = tmp_path / "U盘"
    usb.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(usb))
    page = _page(qtbot, workspace)
    page.backup_to_usb()
    qtbot.waitUntil(lambda: any(usb.glob("*.db")), timeout=10000)
    qtbot.waitUntil(lambda: "已备份" in page.last_result, timeout=10000)
    assert str(usb) in page.last_result and page.table.rowCount() == 0  # not in the backups folder


def test_a_damaged_backup_is_marked_in_the_list(qtbot, workspace, no_message_boxes):
    good = make_backup(workspace.db_path)
    bad = make_backup(workspace.db_path)
    bad.write_bytes(b"broken" * 100)
    page = _page(qtbot, workspace)
    qtbot.waitUntil(lambda: "检查中……" not in _checks(page), timeout=10000)
    by_name = {page.table.item(r, 6).text(): _checks(page)[r] for r in range(page.table.rowCount())}
    assert by_name[good.name] == "✓ 可用" and by_name[bad.name].startswith("✗ 文件已损坏")


def test_restore_the_selected_backup_after_confirmation(
    qtbot, workspace, engine, settings, village, no_message_boxes
):
    make_item(engine, settings, village, received=UI_TODAY)
    make_backup(workspace.db_path)
    make_item(engine, settings, village, received=UI_TODAY, request="备份之后登记的事项")
    hub = EventHub()
    resets: list[bool] = []
    hub.data_reset.connect(lambda: resets.append(True))
    page = _page(qtbot, workspace, hub)
    qtbot.waitUntil(lambda: _checks(page) == ["✓ 可用"], timeout=10000)
    page.table.selectRow(0)
    page.restore_selected()
    qtbot.waitUntil(lambda: bool(resets), timeout=10000)
    assert no_message_boxes[0][0] == "question" and "确定恢复吗" in no_message_boxes[0][1]
    assert len(workspace.list_ids(_all_filter())) == 1  # the later item is gone from the ledger
    assert "恢复前的数据已备份到" in page.last_result
    kinds = sorted(page.table.item(r, COL_KIND).text() for r in range(page.table.rowCount()))
    assert kinds == ["恢复前", "手动"]


def _all_filter():
    from app.services.listing import ItemFilter

    return ItemFilter()


def test_restore_without_a_selection_asks_to_choose(qtbot, workspace, no_message_boxes):
    page = _page(qtbot, workspace)
    page.restore_selected()
    assert no_message_boxes == [("information", "提示：请先在下面的列表中选中一份备份。")]


def test_history_check_is_offered_only_when_the_workspace_has_it(
    qtbot, workspace, monkeypatch, no_message_boxes
):
    if not hasattr(type(workspace), "verify_history"):
        assert not _page(qtbot, workspace).verify_button.isEnabled()

    class Report:
        def lines(self):
            return ["历史记录完整：共检查1件事项。"]

    monkeypatch.setattr(workspace, "verify_history", lambda progress: Report(), raising=False)
    page = _page(qtbot, workspace)
    assert page.verify_button.isEnabled()
    page.verify_history()
    qtbot.waitUntil(lambda: "历史记录完整" in page.last_result, timeout=10000)


def test_start_up_on_a_damaged_file_offers_and_restores_the_latest_backup(tmp_path, qtbot, no_message_boxes):
    from app.application import _offer_restore

    db = tmp_path / "start.db"
    open_database(db).dispose()
    backup = make_backup(db)
    db.write_bytes(b"damaged" * 1000)
    with pytest.raises(DatabaseDamaged) as caught:
        open_database(db)
    assert _offer_restore(caught.value, db) is True
    assert no_message_boxes[0][0] == "question" and "恢复最近备份？" in no_message_boxes[0][1]
    assert backup.name in no_message_boxes[0][1]
    open_database(db).dispose()  # usable again
    (aside,) = tmp_path.glob("start-已损坏-*.db")
    assert aside.read_bytes() == b"damaged" * 1000


def test_history_check_runs_the_real_chain_verification(
    qtbot, workspace, engine, settings, village, no_message_boxes
):
    if not hasattr(workspace, "verify_history"):
        pytest.skip("Workspace.verify_history is not there yet")
    make_item(engine, settings, village, received=UI_TODAY)
    page = _page(qtbot, workspace)
    page.verify_history()
    qtbot.waitUntil(lambda: "历史记录" in page.last_result, timeout=10000)
    assert "历史记录完整" in page.last_result and "共检查1件事项" in page.last_result
