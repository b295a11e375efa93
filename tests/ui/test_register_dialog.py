"""建账 dialog: registering with an existing or a new requester, checks as typed, nothing half-saved."""

import random
from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QWidget

from app.services.errors import DomainError
from app.services.identity import generate_id_number
from app.services.listing import ItemFilter
from app.ui.register_dialog import RegisterDialog

GOOD_ID = generate_id_number(random.Random(1), area="510623", birth=date(1970, 5, 1), gender="女")
BAD_ID = GOOD_ID[:-1] + ("0" if GOOD_ID[-1] in "9X" else str(int(GOOD_ID[-1]) + 1))
REQUEST = "三社土地撂荒严重，希望村上帮忙联系种植大户流转。"


@pytest.fixture
def village_id(workspace) -> int:
    return workspace.villages()[0].id


@pytest.fixture
def dialog(qtbot, workspace, village_id, no_message_boxes) -> RegisterDialog:
    dlg = RegisterDialog(workspace, "杨运润", village_id)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def _select(box, data) -> None:
    index = box.findData(data)
    assert index >= 0, data
    box.setCurrentIndex(index)


def _fill_item(dlg: RegisterDialog, *, request: str = REQUEST) -> None:
    _select(dlg.ledger_box, "minsheng")
    _select(dlg.category_box, "土地流转")
    _select(dlg.source_box, "走访")
    _select(dlg.visit_box, "访群众问民需")
    dlg.received_edit.setDate(QDate(2026, 11, 20))
    dlg.request_edit.setPlainText(request)


def _new_person(dlg: RegisterDialog, name: str, *, id_number: str = "", phone: str = "") -> None:
    dlg.picker.search.setText(name)
    dlg.picker.choose(dlg.picker.results.count() - 1)  # the last row: register someone new
    assert dlg.picker.is_new()
    form = dlg.picker.form
    form.id_edit.setText(id_number)
    form.phone_edit.setText(phone)
    form.group_edit.setText("二社")
    form.address_edit.setText("柳林沟村二社12号")


def _all_items(workspace):
    return workspace.rows(workspace.list_ids(ItemFilter()))


def test_register_with_an_existing_person_found_by_pinyin(dialog, workspace, village_id, no_message_boxes):
    _fill_item(dialog)
    dialog.picker.search.setText("wcg")
    shown = [dialog.picker.results.item(n).text() for n in range(dialog.picker.results.count())]
    assert shown[0] == "王长贵　男　三社"
    dialog.picker.choose(0)
    assert "王长贵" in dialog.picker.chosen.text()
    assert dialog.cadre_box.currentText().startswith("杨运润")

    dialog.save_button.click()

    assert no_message_boxes == []
    assert dialog.result() == QDialog.DialogCode.Accepted
    rows = _all_items(workspace)
    assert [r.id for r in rows] == [dialog.created_item_id]
    row = rows[0]
    assert (row.ledger, row.category, row.requester) == ("民生台账", "土地流转", "王长贵")
    assert row.received_on == date(2026, 11, 20)
    assert row.cadre == "杨运润"
    item = workspace.detail(row.id).detail.item
    assert (item.source, item.source_detail, item.request) == ("走访", "访群众问民需", REQUEST)
    assert item.registered_by == "杨运润"


def test_register_with_a_new_person_derives_gender_from_the_id(dialog, workspace, village_id):
    _fill_item(dialog)
    _new_person(dialog, "李桂芳", id_number=GOOD_ID, phone="13980561234")
    form = dialog.picker.form
    assert form.name_edit.text() == "李桂芳"  # prefilled from what was typed in the search box
    assert form.gender_box.currentData() == "女"
    assert not form.gender_box.isEnabled()
    assert form.id_msg.text().startswith("✓") and "1970年05月01日" in form.id_msg.text()
    assert form.phone_msg.text().startswith("✓")

    dialog.save_button.click()

    assert dialog.result() == QDialog.DialogCode.Accepted
    person = workspace.detail(dialog.created_item_id).detail.person
    assert (person.name, person.gender, person.id_number) == ("李桂芳", "女", GOOD_ID)
    assert (person.phone, person.group_name, person.address) == ("13980561234", "二社", "柳林沟村二社12号")


def test_a_bad_id_number_is_shown_as_typed_and_blocks_saving(dialog, workspace, village_id, no_message_boxes):
    _fill_item(dialog)
    _new_person(dialog, "李桂芳")
    form = dialog.picker.form
    form.id_edit.setText(BAD_ID[:10])
    assert form.id_msg.text() == ""  # still typing: no red message yet
    form.id_edit.setText(BAD_ID)
    assert form.id_msg.text() == "身份证号校验位不正确，请核对"

    dialog.save_button.click()

    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.created_item_id is None
    assert "身份证号校验位不正确" in dialog.summary.text()
    assert _all_items(workspace) == []
    assert [p.name for p in workspace.find_people(village_id, "")] == ["王长贵"]
    assert no_message_boxes == []


def test_a_short_id_number_is_reported_when_the_field_is_left(dialog):
    form = dialog.picker.form
    form.id_edit.setText("51062319700501")
    assert form.id_msg.text() == ""
    form.id_edit.editingFinished.emit()
    assert form.id_msg.text() == "身份证号应为18位，当前为14位"


def test_a_bad_phone_blocks_saving(dialog, workspace, village_id):
    _fill_item(dialog)
    _new_person(dialog, "李桂芳", id_number=GOOD_ID, phone="1398056123")
    form = dialog.picker.form
    assert form.phone_msg.text() == ""  # ten digits: may still be typing
    form.phone_edit.editingFinished.emit()
    assert form.phone_msg.text().startswith("联系电话格式不正确")
    form.phone_edit.setText("12345678901")
    assert form.phone_msg.text().startswith("联系电话格式不正确")

    dialog.save_button.click()

    assert dialog.created_item_id is None
    assert "联系电话格式不正确" in dialog.summary.text()
    assert _all_items(workspace) == []
    assert [p.name for p in workspace.find_people(village_id, "")] == ["王长贵"]


def test_an_empty_request_is_blocked_with_a_message(dialog, workspace):
    _fill_item(dialog, request="   ")
    dialog.picker.search.setText("wcg")
    dialog.picker.choose(0)

    dialog.save_button.click()

    assert dialog.created_item_id is None
    assert dialog.request_msg.text() == "请填写主要诉求及原因"
    assert "请填写主要诉求及原因" in dialog.summary.text()
    assert _all_items(workspace) == []
    dialog.request_edit.setPlainText(REQUEST)
    assert dialog.request_msg.text() == ""


def test_no_requester_is_blocked_with_a_message(dialog, workspace):
    _fill_item(dialog)
    dialog.save_button.click()
    assert dialog.created_item_id is None
    assert "请选择诉求人" in dialog.picker.message.text()
    assert _all_items(workspace) == []


def test_changing_the_ledger_refills_the_categories(dialog, workspace):
    for key in ("kunnan", "wending", "minsheng"):
        _select(dialog.ledger_box, key)
        shown = [dialog.category_box.itemText(n) for n in range(dialog.category_box.count())]
        assert shown == workspace.categories(key)
    assert dialog.ledger_box.itemText(0) == "民生台账"


def test_five_visits_detail_is_enabled_only_for_visits(dialog, workspace):
    sources = workspace.settings.ledgers.sources
    assert [dialog.source_box.itemText(n) for n in range(dialog.source_box.count())] == list(sources)
    for source in sources:
        _select(dialog.source_box, source)
        assert dialog.visit_box.isEnabled() == (source == "走访"), source
    visits = [dialog.visit_box.itemText(n) for n in range(1, dialog.visit_box.count())]
    assert visits == list(workspace.settings.ledgers.five_visits)


def test_a_source_other_than_visits_saves_no_visit_detail(dialog, workspace):
    _fill_item(dialog)
    _select(dialog.source_box, "民情电话")
    dialog.picker.search.setText("王")
    dialog.picker.choose(0)
    dialog.save_button.click()
    assert workspace.detail(dialog.created_item_id).detail.item.source_detail == ""


def test_received_date_defaults_to_today_and_cannot_be_later(dialog):
    assert dialog.received_edit.date() == QDate(2026, 11, 22)
    dialog.received_edit.setDate(QDate(2026, 12, 1))
    assert dialog.received_on() == date(2026, 11, 22)
    assert dialog.received_edit.calendarPopup()


def test_the_responsible_cadre_defaults_to_the_actor(qtbot, workspace, village_id):
    other = workspace.add_cadre(village_id=village_id, name="李明", role="村委会主任", phone="")
    dlg = RegisterDialog(workspace, "李明", village_id)
    qtbot.addWidget(dlg)
    assert dlg.cadre_box.currentData() == other.id
    stranger = RegisterDialog(workspace, "乡镇干部", village_id)
    qtbot.addWidget(stranger)
    assert stranger.cadre_box.currentText() == "杨运润（村党支部书记）"


def test_a_failed_registration_keeps_the_dialog_and_the_new_person(
    dialog, workspace, village_id, monkeypatch, no_message_boxes
):
    _fill_item(dialog)
    _new_person(dialog, "李桂芳", id_number=GOOD_ID)

    def refuse(**_fields):
        raise DomainError("数据库正忙，请稍后再试")

    monkeypatch.setattr(workspace, "register", refuse)
    dialog.save_button.click()

    assert no_message_boxes == [("warning", "登记没有保存：数据库正忙，请稍后再试")]
    assert dialog.created_item_id is None and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.request_edit.toPlainText() == REQUEST
    assert not dialog.picker.is_new() and "李桂芳" in dialog.picker.chosen.text()

    monkeypatch.undo()
    dialog.save_button.click()  # the retry reuses the person created the first time
    assert dialog.created_item_id is not None
    assert sorted(p.name for p in workspace.find_people(village_id, "")) == ["李桂芳", "王长贵"]


def test_a_service_error_on_the_new_person_is_shown_and_nothing_is_saved(
    dialog, workspace, village_id, no_message_boxes
):
    workspace.create_person(village_id=village_id, name="李桂芳", id_number=GOOD_ID)
    _fill_item(dialog)
    _new_person(dialog, "李桂芳", id_number=GOOD_ID)
    dialog.save_button.click()
    assert no_message_boxes == [("warning", "登记没有保存：该身份证号已登记在“李桂芳”名下，请直接选择此人")]
    assert dialog.created_item_id is None and dialog.picker.is_new()
    assert _all_items(workspace) == []


def test_a_township_database_asks_for_the_village(qtbot, workspace, no_message_boxes):
    second = workspace.setup_village(
        code="510623105202",
        name="青山村",
        township="富兴镇",
        county="中江县",
        cadres=[("赵德兵", "村党支部书记", "")],
    )
    dlg = RegisterDialog(workspace, "赵德兵", None)
    qtbot.addWidget(dlg)
    assert not dlg.village_box.isHidden()
    assert [dlg.village_box.itemText(n) for n in range(dlg.village_box.count())] == ["柳林沟村", "青山村"]
    _select(dlg.village_box, second.id)
    assert dlg.cadre_box.currentText().startswith("赵德兵")
    dlg.picker.search.setText("wcg")
    assert dlg.picker.results.count() == 1  # only “register someone new”: 王长贵 lives in the other village
    _fill_item(dlg)
    _new_person(dlg, "赵秀兰")
    dlg.save_button.click()
    assert no_message_boxes == []
    assert workspace.detail(dlg.created_item_id).detail.village.name == "青山村"


def test_keyboard_search_enter_picks_and_ctrl_enter_saves(qtbot, dialog, workspace):
    _fill_item(dialog)
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    dialog.picker.search.setFocus()
    qtbot.keyClicks(dialog.picker.search, "wcg")
    qtbot.keyClick(dialog.picker.search, Qt.Key.Key_Return)
    assert "王长贵" in dialog.picker.chosen.text()
    assert dialog.focusWidget() is dialog.source_box  # after the requester, on to 信息来源
    dialog.ledger_box.setFocus()
    qtbot.keyClick(dialog.ledger_box, Qt.Key.Key_Return)  # Enter moves on, it does not save
    assert dialog.focusWidget() is dialog.category_box
    assert dialog.created_item_id is None
    qtbot.keyClick(dialog.request_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.created_item_id is not None
    assert len(_all_items(workspace)) == 1


def test_escape_cancels_without_saving(qtbot, dialog, workspace):
    _fill_item(dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert _all_items(workspace) == []


def _tab_chain(dlg: RegisterDialog) -> list[QWidget]:
    chain, widget = [], dlg.nextInFocusChain()
    while widget is not dlg:
        tabbable = widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        if tabbable and widget.isVisibleTo(dlg) and widget.isEnabled() and widget.window() is dlg:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def test_tab_order_follows_the_form_top_to_bottom(dialog):
    picker = dialog.picker
    expected = [
        dialog.ledger_box,
        dialog.category_box,
        picker.search,
        picker.new_button,
        dialog.source_box,
        dialog.received_edit,
        dialog.request_edit,
        dialog.cadre_box,
        dialog.save_button,
        dialog.cancel_button,
    ]
    assert [w for w in _tab_chain(dialog) if w in expected] == expected
    picker.set_new(True)
    form = picker.form
    inside = [picker.new_button, *form.inputs(), dialog.source_box]
    assert [w for w in _tab_chain(dialog) if w in inside] == inside


def test_keyboard_new_person_and_enter_on_the_last_field_saves(qtbot, dialog, workspace):
    _fill_item(dialog)
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    picker = dialog.picker
    picker.search.setFocus()
    picker.search.setText("李桂芳")
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # the only row: register 李桂芳 as new
    assert picker.is_new() and picker.form.name_edit.text() == "李桂芳"
    assert dialog.focusWidget() is picker.form.id_edit
    qtbot.keyClicks(picker.form.id_edit, GOOD_ID)
    qtbot.keyClick(picker.form.id_edit, Qt.Key.Key_Return)
    assert dialog.focusWidget() is picker.form.phone_edit
    dialog.cadre_box.setFocus()
    qtbot.keyClick(dialog.cadre_box, Qt.Key.Key_Return)
    assert dialog.created_item_id is not None
    assert workspace.detail(dialog.created_item_id).detail.person.gender == "女"
