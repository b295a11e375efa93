"""The item page (一事一档) and its action forms, driven offscreen over a real database."""

import re
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from app.models.enums import Action, DeliberationDecision, ItemState, Satisfaction
from app.services.workflow import allowed_actions
from app.ui.action_forms import ConfirmForm, DeliberateForm
from app.ui.hub import EventHub
from app.ui.item_dialog import ItemDialog
from tests.conftest import make_item

ACTOR = "杨运润"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first17: str) -> str:
    """A valid 18-digit 身份证号 (GB 11643 check digit)."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


@pytest.fixture
def hub() -> EventHub:
    return EventHub()


@pytest.fixture
def item(engine, settings, village):
    return make_item(engine, settings, village, received=date(2026, 11, 18))


@pytest.fixture
def open_dialog(qtbot, workspace, hub, no_message_boxes):
    def build(item_id: str) -> ItemDialog:
        dialog = ItemDialog(workspace, hub, item_id, ACTOR)
        qtbot.addWidget(dialog)
        return dialog

    return build


def expected_buttons(state: ItemState) -> set[Action]:
    return set(allowed_actions(state)) - {Action.CLOSE_SUPERVISION}


def step(dialog: ItemDialog, action: Action, **values) -> None:
    form = dialog.form_for(action)
    form.fill(**values)
    assert form.submit(), form.error_label.text()


def check(workspace, dialog: ItemDialog, state: ItemState, events: int) -> None:
    view = workspace.detail(dialog.item_id)
    assert view.detail.item.state == state.value
    assert len(view.detail.events) == events
    assert set(dialog.action_buttons) == expected_buttons(state)
    assert dialog.timeline.count() == events
    assert dialog.value_labels["state"].text() == state.label


def test_registered_item_offers_exactly_the_allowed_actions(open_dialog, item):
    dialog = open_dialog(item.id)
    assert set(dialog.action_buttons) == expected_buttons(ItemState.REGISTERED)
    texts = {a: b.text() for a, b in dialog.action_buttons.items()}
    assert texts[Action.DELIBERATE] == "议账"
    assert texts[Action.SETTLE_ON_SPOT] == "就地办结"
    assert Action.SETTLE not in dialog.action_buttons and Action.ESCALATE not in dialog.action_buttons
    assert dialog.close_buttons == {}
    assert dialog.action_buttons[Action.DELIBERATE].property("primary") is True


def test_walk_one_item_through_the_forms(open_dialog, workspace, item):
    dialog = open_dialog(item.id)
    check(workspace, dialog, ItemState.REGISTERED, 1)

    step(
        dialog,
        Action.DELIBERATE,
        on=date(2026, 11, 19),
        decision=DeliberationDecision.ESCALATE,
        opinion="村上无力解决，报镇上协调",
    )
    check(workspace, dialog, ItemState.TOWNSHIP_HANDLING, 2)
    assert dialog.action_buttons[Action.ESCALATE].text() == "上报县三账办"
    assert dialog.value_labels["level"].text() == "乡镇"

    step(dialog, Action.REPLY, on=date(2026, 11, 20), text="镇农业办下周到现场查看")
    check(workspace, dialog, ItemState.TOWNSHIP_REPLIED, 3)
    assert "镇农业办下周到现场查看" in dialog.value_labels["reply"].text()

    step(dialog, Action.SETTLE, on=date(2026, 11, 21), measures="引进合作社统一流转", outcome="已流转120亩")
    check(workspace, dialog, ItemState.SETTLED, 4)
    assert dialog.action_buttons[Action.CONFIRM].text() == "签字确认"

    step(
        dialog,
        Action.CONFIRM,
        satisfaction=Satisfaction.SATISFIED,
        opinion="满意，地有人种了",
        signed_by="王长贵",
    )
    check(workspace, dialog, ItemState.CONFIRMED, 5)
    assert "王长贵" in dialog.value_labels["signature"].text()
    assert dialog.value_labels["satisfaction"].text() == "满意"

    form = dialog.form_for(Action.PUBLISH)
    assert form.value("month") == "2026-11"
    assert form.submit()
    check(workspace, dialog, ItemState.PUBLISHED, 6)
    assert set(dialog.action_buttons) == {Action.FOLLOW_UP, Action.SUPERVISE}
    assert dialog.value_labels["settled"].text().startswith("乡镇")


def test_unsatisfied_rating_sends_the_item_back(open_dialog, workspace, item):
    dialog = open_dialog(item.id)
    step(dialog, Action.SETTLE_ON_SPOT, on=date(2026, 11, 18), measures="当场协调", outcome="已谈妥")
    check(workspace, dialog, ItemState.SETTLED, 2)
    form = dialog.form_for(Action.CONFIRM)
    assert isinstance(form, ConfirmForm)
    assert "重新办理" in form.reopen_label.text()
    form.fill(satisfaction=Satisfaction.NEUTRAL, opinion="价钱还没谈拢")
    assert not form.is_required("signed_by")
    assert form.submit(), form.error_label.text()
    check(workspace, dialog, ItemState.VILLAGE_HANDLING, 3)
    assert workspace.detail(item.id).detail.item.reopen_count == 1
    assert dialog.value_labels["reopen_count"].text() == "1次"
    assert "满意度：一般" in dialog.timeline.lines()[0]


def test_a_required_field_left_empty_blocks_and_changes_nothing(open_dialog, workspace, item):
    dialog = open_dialog(item.id)
    form = dialog.form_for(Action.DELIBERATE)
    assert isinstance(form, DeliberateForm)
    form.fill(decision=DeliberationDecision.HANDLE)
    assert not form.submit()
    assert "处理意见" in form.error_label.text()
    assert form.error_label.isVisibleTo(form)

    form.fill(decision=DeliberationDecision.SETTLE, opinion="会上议定")
    assert "＊" in form.labels["outcome"].text()
    assert not form.submit()
    assert "处理结果" in form.error_label.text()
    assert form.value("opinion") == "会上议定"  # the input stays
    check(workspace, dialog, ItemState.REGISTERED, 1)


def test_satisfied_needs_a_signature(open_dialog, workspace, item):
    dialog = open_dialog(item.id)
    step(dialog, Action.SETTLE_ON_SPOT, on=date(2026, 11, 18), measures="当场协调", outcome="已谈妥")
    form = dialog.form_for(Action.CONFIRM)
    form.fill(opinion="很好")
    assert not form.submit()
    assert form.error_label.text() == "请选择“满意程度”"
    form.fill(satisfaction=Satisfaction.VERY_SATISFIED)
    assert not form.submit()
    assert "签字确认人" in form.error_label.text()
    check(workspace, dialog, ItemState.SETTLED, 2)


def test_a_domain_error_is_shown_and_the_form_keeps_its_input(open_dialog, workspace, item, no_message_boxes):
    dialog = open_dialog(item.id)
    step(dialog, Action.SETTLE_ON_SPOT, on=date(2026, 11, 18), measures="当场协调", outcome="已谈妥")
    step(dialog, Action.CONFIRM, satisfaction=Satisfaction.SATISFIED, opinion="好", signed_by="王长贵")
    form = dialog.form_for(Action.PUBLISH)
    form.fill(month="2026-13")
    assert not form.submit()
    assert no_message_boxes and "公示月份" in no_message_boxes[-1][1]
    assert form.value("month") == "2026-13"
    check(workspace, dialog, ItemState.CONFIRMED, 3)


def test_void_asks_first_then_keeps_the_item_marked_voided(open_dialog, workspace, item, no_message_boxes):
    dialog = open_dialog(item.id)
    form = dialog.form_for(Action.VOID)
    assert "保留" in form.note_label.text()
    form.fill(reason="重复登记")
    assert form.submit()
    assert [kind for kind, _ in no_message_boxes] == ["question"]
    assert "作废" in no_message_boxes[0][1]
    check(workspace, dialog, ItemState.VOIDED, 2)
    assert dialog.action_buttons == {}
    assert "重复登记" in dialog.value_labels["void_reason"].text()


def test_void_answered_no_changes_nothing(open_dialog, workspace, item, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    dialog = open_dialog(item.id)
    form = dialog.form_for(Action.VOID)
    form.fill(reason="重复登记")
    assert not form.submit()
    check(workspace, dialog, ItemState.REGISTERED, 1)


def test_timeline_has_one_chinese_line_per_event_and_shows_corrections(open_dialog, workspace, item):
    dialog = open_dialog(item.id)
    form = dialog.form_for(Action.EDIT)
    assert form.value("category") == "土地流转"
    assert not form.submit()  # nothing changed and no reason
    form.fill(category="经济发展", reason="分类选错")
    assert form.submit(), form.error_label.text()
    step(dialog, Action.DELIBERATE, decision=DeliberationDecision.HANDLE, opinion="村上限时办理")
    events = workspace.detail(item.id).detail.events
    lines = dialog.timeline.lines()
    assert len(lines) == len(events) == 3
    newest, edit, register = lines
    assert "议账" in newest and "待议账 → 村级办理中" in newest and "议定：村级限时办理" in newest
    assert "更正信息" in edit and "分类：“土地流转” → “经济发展”" in edit and "更正原因：分类选错" in edit
    assert "建账登记" in register and "杨运润" in register
    assert dialog.value_labels["category"].text() == "经济发展"


def test_edit_with_no_change_is_refused(open_dialog, workspace, item):
    dialog = open_dialog(item.id)
    form = dialog.form_for(Action.EDIT)
    form.fill(reason="核对")
    assert not form.submit()
    assert form.error_label.text() == "没有修改任何内容"
    check(workspace, dialog, ItemState.REGISTERED, 1)


def test_id_number_and_phone_are_masked(open_dialog, workspace, village):
    number, phone = id_number("51062319650314123"), "13812345678"
    person = workspace.create_person(
        village_id=village.village_id, name="李德明", id_number=number, phone=phone, group_name="二社"
    )
    item = workspace.register(
        village_id=village.village_id,
        ledger_key="kunnan",
        category="低保",
        person_id=person.id,
        source="走访",
        source_detail="访贫困户问所难",
        received_on=date(2026, 11, 20),
        request="老伴去世，申请低保",
        actor=ACTOR,
        responsible_cadre_id=village.cadre_id,
    )
    dialog = open_dialog(item.id)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert not [t for t in texts if number in t or phone in t or re.search(r"\d{17}[\dX]", t)]
    assert dialog.value_labels["id_number"].text() == f"{number[:6]}********{number[-4:]}"
    assert dialog.value_labels["phone"].text() == "138****5678"
    assert dialog.value_labels["source"].text() == "走访（访贫困户问所难）"
    assert "杨运润" in dialog.value_labels["cadre"].text()


def test_item_changed_is_emitted_after_a_saved_action(open_dialog, qtbot, hub, item):
    dialog = open_dialog(item.id)
    form = dialog.form_for(Action.SUPERVISE)
    form.fill(issuer="村民监督委员会", content="请在月底前办结")
    with qtbot.waitSignal(hub.item_changed, timeout=1000) as blocker:
        assert form.submit()
    assert blocker.args == [item.id]


def test_supervision_notice_is_shown_and_closed(open_dialog, workspace, item):
    dialog = open_dialog(item.id)
    step(dialog, Action.SUPERVISE, issuer="乡镇纪委", content="请尽快议账")
    check(workspace, dialog, ItemState.REGISTERED, 2)
    (notice_id,) = dialog.close_buttons
    assert dialog.close_buttons[notice_id].text() == "督办销号"
    form = dialog.form_for(Action.CLOSE_SUPERVISION, notice_id)
    assert not form.submit()
    assert "销号说明" in form.error_label.text()
    form.fill(note="已议账，群众认可")
    assert form.submit()
    assert dialog.close_buttons == {}
    assert [n.closed_on for n in workspace.detail(item.id).detail.notices] == [date(2026, 11, 22)]
    assert "督办销号" in dialog.timeline.lines()[0]


def test_overdue_item_shows_a_red_badge_and_the_clock_in_words(open_dialog, engine, settings, village):
    late = make_item(engine, settings, village, received=date(2026, 11, 2))
    dialog = open_dialog(late.id)
    assert dialog.clock_badge.text() == "已逾期"
    assert "#b00020" in dialog.clock_badge.styleSheet()
    assert "已逾期" in dialog.clock_label.text() and "村级办结" in dialog.clock_label.text()


def test_escalate_button_says_where_the_item_goes(open_dialog, workspace, item):
    dialog = open_dialog(item.id)
    step(dialog, Action.DELIBERATE, decision=DeliberationDecision.HANDLE, opinion="村上办理")
    assert dialog.action_buttons[Action.ESCALATE].text() == "上报乡镇"
    form = dialog.form_for(Action.ESCALATE)
    assert form.title() == "上报乡镇"
    form.fill(reason="涉及跨村水源")
    assert form.submit()
    check(workspace, dialog, ItemState.TOWNSHIP_HANDLING, 3)


def test_enter_in_a_one_line_field_saves(open_dialog, qtbot, workspace, item):
    dialog = open_dialog(item.id)
    step(dialog, Action.SETTLE_ON_SPOT, on=date(2026, 11, 18), measures="当场协调", outcome="已谈妥")
    step(dialog, Action.CONFIRM, satisfaction=Satisfaction.SATISFIED, opinion="好", signed_by="王长贵")
    form = dialog.form_for(Action.PUBLISH)
    qtbot.addWidget(form)
    form.show()
    qtbot.keyClick(form.inputs["month"], Qt.Key.Key_Return)
    assert form.result() == form.DialogCode.Accepted
    check(workspace, dialog, ItemState.PUBLISHED, 4)


def test_the_item_page_prints_its_sheet_and_receipt(open_dialog, item, workspace):
    import subprocess

    dialog = open_dialog(item.id)
    assert set(dialog.print_buttons) == {"sheet", "receipt"}
    for kind, title in (("sheet", "一事一档"), ("receipt", "回执")):
        path = dialog.form_pdf(kind)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
        assert item.serial in text.replace(" ", "") and title in text
