"""The 设置 page driven offscreen: rules, categories, ledgers, cadres, village, privacy, text size."""

from datetime import date

import pytest

from app.services.config import load_rules
from app.services.config_files import LEDGERS_FILE, RULES_FILE
from app.services.deadlines import Unit, compute_due
from app.services.privacy import PRIVACY_FILE, PrivacyPolicy
from app.ui.hub import EventHub
from app.ui.settings_page import SettingsPage
from app.ui.settings_rules_tab import calendar_status


@pytest.fixture
def page(qtbot, workspace, prefs):
    hub = EventHub()
    sizes: list[str] = []
    widget = SettingsPage(workspace, hub, prefs, sizes.append)
    qtbot.addWidget(widget)
    widget.show()  # the page reloads itself after a save only while the user is looking at it
    widget.sizes = sizes  # type: ignore[attr-defined]
    widget.events = []  # type: ignore[attr-defined]
    hub.data_reset.connect(lambda: widget.events.append("data_reset"))
    hub.status_message.connect(widget.events.append)
    return widget


def _unit_index(box, unit: Unit) -> int:
    return box.findData(unit.value)


# --- 限时结账规则 --------------------------------------------------------------------------------


def test_rules_change_five_to_seven_working_days(page, workspace, no_message_boxes):
    tab = page.rules_tab
    assert tab.days["village_settle"].value() == 5
    tab.days["village_settle"].setValue(7)
    tab.units["village_settle"].setCurrentIndex(_unit_index(tab.units["village_settle"], Unit.WORKING))
    tab.share_spin.setValue(35)
    assert tab.is_dirty()
    tab.save()
    assert no_message_boxes == []
    limit = workspace.settings.rules.limits["village_settle"]
    assert (limit.days, limit.unit) == (7, Unit.WORKING)
    assert workspace.settings.rules.villager_share_min == pytest.approx(0.35)
    assert load_rules(workspace.data_dir / RULES_FILE).limits["village_settle"].days == 7
    assert page.events[0] == "data_reset" and page.events[-1].startswith("已保存")
    assert not tab.is_dirty()
    # the new rule is what the clocks use: Fri 2026-11-20 + 7 working days = Tue 2026-12-01
    due = compute_due(date(2026, 11, 20), limit.days, limit.unit, workspace.settings.calendar)
    assert due.due == date(2026, 12, 1)


def test_rules_restore_defaults_only_fills_the_fields(page, workspace, no_message_boxes):
    tab = page.rules_tab
    tab.days["township_reply"].setValue(3)
    tab.save()
    tab.restore_defaults()
    assert tab.days["township_reply"].value() == 10
    assert workspace.settings.rules.limits["township_reply"].days == 3


def test_rules_with_an_empty_name_are_not_saved(page, workspace, no_message_boxes):
    page.rules_tab.name_edit.setText("  ")
    page.rules_tab.save()
    assert "规则名称" in no_message_boxes[-1][1]
    assert not (workspace.data_dir / RULES_FILE).exists()


def test_calendar_status_text():
    assert calendar_status(2026, 2026) == ("节假日数据已更新到2026年。", False)
    text, warning = calendar_status(2026, 2027)
    assert warning and text.startswith("节假日数据未更新，期限按周一至周五估算")
    assert calendar_status(None, 2026)[1]


def test_the_rules_tab_says_whether_the_holiday_table_covers_this_year(page):
    assert page.rules_tab.calendar_label.text() == "节假日数据已更新到2026年。"


# --- 台账与分类 ----------------------------------------------------------------------------------


def test_add_a_category(page, workspace, no_message_boxes):
    tab = page.ledgers_tab
    tab.ledger_box.setCurrentIndex(tab.ledger_box.findData("minsheng"))
    tab.category_edit.setText("饮水安全")
    tab.add_category()
    assert no_message_boxes == []
    assert "饮水安全" in workspace.categories("minsheng")
    assert (workspace.data_dir / LEDGERS_FILE).exists()
    top = tab.tree.topLevelItem(0)
    assert top.child(top.childCount() - 1).text(0) == "饮水安全"
    assert "data_reset" in page.events


def test_a_duplicate_category_is_refused(page, workspace, no_message_boxes):
    tab = page.ledgers_tab
    tab.ledger_box.setCurrentIndex(tab.ledger_box.findData("minsheng"))
    tab.category_edit.setText("土地流转")
    tab.add_category()
    assert "已经有“土地流转”" in no_message_boxes[-1][1]
    assert not (workspace.data_dir / LEDGERS_FILE).exists()


def test_add_a_ledger_with_a_suggested_code(page, workspace, no_message_boxes):
    tab = page.ledgers_tab
    tab.name_edit.setText("留守儿童台账")
    tab.name_edit.textEdited.emit("留守儿童台账")
    assert tab.code_edit.text() == "LSET"
    tab.categories_edit.setPlainText("学习教育\n\n生活照料\n")
    tab.add_ledger()
    assert [kind for kind, _text in no_message_boxes] == ["information"]
    assert "重新打开本程序" in no_message_boxes[0][1]
    assert [lg.key for lg in workspace.ledgers()][-1] == "liushouertong"
    assert workspace.categories("liushouertong") == ["学习教育", "生活照料"]
    assert tab.ledger_box.findData("liushouertong") >= 0
    assert "liushouertong" in page.privacy_tab.rows


def test_a_ledger_with_a_taken_code_is_refused(page, workspace, no_message_boxes):
    tab = page.ledgers_tab
    tab.name_edit.setText("留守老人台账")
    tab.code_edit.setText("MS")
    tab.categories_edit.setPlainText("生活照料")
    tab.add_ledger()
    assert "已被“民生台账”使用" in no_message_boxes[-1][1]
    assert len(workspace.ledgers()) == 3


# --- 村干部 -----------------------------------------------------------------------------------------


def test_add_a_cadre_with_a_bad_phone_adds_nothing(page, workspace, no_message_boxes):
    tab = page.cadres_tab
    tab.name_edit.setText("李文书")
    tab.phone_edit.setText("12345")
    tab.add_cadre()
    assert "联系电话格式不正确" in no_message_boxes[-1][1]
    assert tab.phone_error.isVisibleTo(tab)
    assert [c.name for c in workspace.cadres()] == ["杨运润"]


def test_add_a_cadre_and_choose_the_actor(page, workspace, prefs, no_message_boxes):
    tab = page.cadres_tab
    tab.name_edit.setText("李文书")
    tab.role_box.setCurrentText("村文书")
    tab.phone_edit.setText("138 0000 2222")
    tab.add_cadre()
    assert no_message_boxes == []
    added = workspace.cadres()[-1]
    assert (added.name, added.role, added.phone) == ("李文书", "村文书", "13800002222")
    assert tab.table.rowCount() == 2 and tab.name_edit.text() == ""
    tab.actor_box.setCurrentIndex(tab.actor_box.findText("李文书"))
    tab.choose_actor()
    assert prefs.actor() == "李文书"
    assert tab.actor_label.text() == "现在的经办人：李文书"


def test_township_staff_type_their_own_name_as_actor(page, prefs, no_message_boxes):
    tab = page.cadres_tab
    tab.actor_box.setEditText("  富兴镇三账办   李明 ")
    tab.choose_actor()
    assert prefs.actor() == "富兴镇三账办 李明" and no_message_boxes == []
    assert tab.actor_label.text() == "现在的经办人：富兴镇三账办 李明"
    assert tab.actor_box.currentText() == "富兴镇三账办 李明"  # kept in the list after a refresh
    tab.actor_box.setEditText("   ")
    tab.choose_actor()
    assert "请选择或输入经办人的姓名" in no_message_boxes[-1][1]
    assert prefs.actor() == "富兴镇三账办 李明"


def test_a_cadre_needs_a_name(page, workspace, no_message_boxes):
    page.cadres_tab.add_cadre()
    assert "请填写姓名" in no_message_boxes[-1][1]
    assert len(workspace.cadres()) == 1


# --- 本村信息 ---------------------------------------------------------------------------------------


def test_village_details_and_supervision_phones_are_saved(page, workspace, no_message_boxes):
    tab = page.village_tab
    assert tab.code_edit.isReadOnly() and tab.code_edit.text() == "510623105201"
    tab.township_edit.setText("富兴镇人民政府")
    tab.supervision_edit.setText("0838-7101088")
    tab.discipline_edit.setText("13900003333")
    tab.save()
    assert no_message_boxes == []
    [village] = workspace.villages()
    assert (village.township, village.supervision_phone, village.township_discipline_phone) == (
        "富兴镇人民政府",
        "0838-7101088",
        "13900003333",
    )


def test_a_bad_supervision_phone_or_empty_name_saves_nothing(page, workspace, no_message_boxes):
    tab = page.village_tab
    tab.name_edit.setText("")
    tab.supervision_edit.setText("888")
    tab.save()
    assert "请填写村名" in no_message_boxes[-1][1]
    assert "联系电话格式不正确" in tab.errors[tab.supervision_edit].text()
    [village] = workspace.villages()
    assert (village.name, village.supervision_phone) == ("柳林沟村", "")


# --- 晒账隐私 -----------------------------------------------------------------------------------


def test_privacy_defaults_and_save(page, workspace, no_message_boxes):
    tab = page.privacy_tab
    mask, style, details = tab.rows["wending"]
    assert mask.isChecked() and not details.isChecked()
    assert tab.rows["minsheng"][2].isChecked()
    kn_mask, kn_style, _ = tab.rows["kunnan"]
    kn_style.setCurrentIndex(kn_style.findData("*"))
    tab.rows["minsheng"][0].setChecked(False)
    assert not tab.rows["minsheng"][1].isEnabled()
    tab.save()
    assert [kind for kind, _ in no_message_boxes] == ["question"]  # unmasking is confirmed first
    saved = workspace.privacy()
    assert saved["kunnan"] == PrivacyPolicy(mask_names=True, name_style="*", show_details=True)
    assert saved["minsheng"].mask_names is False
    assert saved["wending"] == PrivacyPolicy(show_details=False)
    assert (workspace.data_dir / PRIVACY_FILE).exists()


def test_refresh_waits_while_hidden(page, workspace, no_message_boxes):
    page.hide()
    workspace.add_cadre(village_id=workspace.villages()[0].id, name="李文书", role="村文书", phone="")
    page.refresh()
    assert page.cadres_tab.table.rowCount() == 1
    page.show()
    assert page.cadres_tab.table.rowCount() == 2


def test_unsaved_edits_survive_a_refresh(page, workspace, no_message_boxes):
    page.rules_tab.days["county_register"].setValue(9)
    page.cadres_tab.name_edit.setText("李文书")
    page.cadres_tab.add_cadre()  # a save elsewhere reloads the page
    assert page.rules_tab.days["county_register"].value() == 9
    assert page.cadres_tab.table.rowCount() == 2


# --- 显示 ---------------------------------------------------------------------------------------


def test_text_size_changes_at_once(page, prefs):
    page.display_tab.buttons["特大"].click()
    assert page.sizes == ["特大"]
    assert prefs.text_size() == "特大"
    assert page.events[-1] == "文字大小已改为“特大”"
