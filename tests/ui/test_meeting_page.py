"""议账会议 page: agenda, live villager share, validation, one all-or-nothing save."""

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt

from app.models.enums import Action, DeliberationDecision, ItemState
from app.ui.agenda_table_model import (
    COL_DECISION,
    COL_OPINION,
    COL_OUTCOME,
    COL_SERIAL,
    NO_DECISION,
    AgendaTableModel,
)
from app.ui.hub import EventHub
from app.ui.meeting_page import MeetingPage
from tests.conftest import make_item

MEETING_DAY = date(2026, 11, 20)


@pytest.fixture
def items(engine, settings, village):
    """Three items registered in November, oldest first."""
    return [
        make_item(engine, settings, village, received=date(2026, 11, d), request=f"第{n}件诉求")
        for n, d in enumerate((3, 5, 9), start=1)
    ]


@pytest.fixture
def hub():
    return EventHub()


@pytest.fixture
def page(qtbot, workspace, hub, items):
    widget = MeetingPage(workspace, hub, lambda: "杨运润")
    qtbot.addWidget(widget)
    return widget


def row_of(page: MeetingPage, item_id: str) -> int:
    for row in range(page.model.rowCount()):
        if page.model.item_id(row) == item_id:
            return row
    raise AssertionError(f"{item_id} not on the agenda")


def decide(page: MeetingPage, item_id: str, decision, opinion: str = "", outcome: str = "") -> None:
    model, row = page.model, row_of(page, item_id)
    assert model.setData(model.index(row, COL_DECISION), decision)
    if opinion:
        assert model.setData(model.index(row, COL_OPINION), opinion)
    if outcome:
        assert model.setData(model.index(row, COL_OUTCOME), outcome)


def fill_meeting(page: MeetingPage, total: int = 10, villagers: int = 5) -> None:
    page.date_edit.setDate(QDate(MEETING_DAY.year, MEETING_DAY.month, MEETING_DAY.day))
    page.kind_box.setCurrentText("夜谈会")
    page.place_edit.setText("村委会议室")
    page.total_spin.setValue(total)
    page.villagers_spin.setValue(villagers)
    page.names_edit.setPlainText("杨运润、王长贵、李秀英")


def deliberations(workspace, item_id: str):
    events = workspace.detail(item_id).detail.events
    return [e for e in events if e.action == Action.DELIBERATE.value]


def state_of(workspace, item_id: str) -> str:
    return workspace.detail(item_id).detail.item.state


def test_agenda_lists_registered_items_oldest_first(page, items):
    model = page.model
    assert model.rowCount() == 3
    assert [model.item_id(r) for r in range(3)] == [i.id for i in items]
    serial = model.index(0, COL_SERIAL)
    assert serial.data() == "MS-2026-0001"  # the village code is left off: one village at a time
    assert serial.data(Qt.ItemDataRole.ToolTipRole) == items[0].serial
    assert model.index(0, COL_DECISION).data() == NO_DECISION
    assert page.host_edit.text() == "杨运润"
    assert page.date_edit.date().toPython() == date(2026, 11, 22)
    assert "待议 3 件" in page.agenda_box.title()


def test_saving_moves_both_items_and_records_the_meeting(
    page, workspace, items, hub, qtbot, no_message_boxes
):
    first, second, third = items
    decide(page, first.id, DeliberationDecision.ESCALATE, "涉及土地确权，报镇农业办")
    decide(page, second.id, "村级限时办理", "村上组织三社协调，5日内办结")
    fill_meeting(page, total=10, villagers=5)
    changed, status = [], []
    hub.item_changed.connect(changed.append)
    hub.status_message.connect(status.append)

    page.save()

    assert [kind for kind, _text in no_message_boxes] == ["question"]  # 确定保存吗？
    assert "议定 2 件" in no_message_boxes[0][1]
    assert state_of(workspace, first.id) == ItemState.TOWNSHIP_HANDLING
    assert state_of(workspace, second.id) == ItemState.VILLAGE_HANDLING
    assert state_of(workspace, third.id) == ItemState.REGISTERED
    for item in (first, second):
        [event] = deliberations(workspace, item.id)
        assert event.on == MEETING_DAY
        assert event.actor == "杨运润"
    assert changed and changed[0] in (first.id, second.id)
    assert status and "议定 2 件" in status[0] and "上报乡镇 1 件" in status[0]
    # the agenda reloads: the escalated item leaves, the village-handled one stays undecided
    ids = [page.model.item_id(r) for r in range(page.model.rowCount())]
    assert first.id not in ids and second.id in ids and third.id in ids
    assert page.model.decided() == []


def test_settled_at_meeting_needs_an_outcome(page, workspace, items, no_message_boxes):
    decide(page, items[0].id, DeliberationDecision.SETTLE, "会上当场协调")
    fill_meeting(page)
    page.save()
    assert no_message_boxes and "处理结果" in no_message_boxes[-1][1]
    assert state_of(workspace, items[0].id) == ItemState.REGISTERED

    decide(page, items[0].id, DeliberationDecision.SETTLE, outcome="双方达成一致，已签协议")
    page.save()
    assert state_of(workspace, items[0].id) == ItemState.SETTLED


def test_share_label_warns_under_the_minimum(page, workspace):
    page.total_spin.setValue(8)
    page.villagers_spin.setValue(2)
    assert "25%" in page.share_label.text()
    assert "低于" in page.share_label.text()
    assert page.share_label.property("role") == "error"
    page.villagers_spin.setValue(4)
    assert "50%" in page.share_label.text()
    assert page.share_label.property("role") == "hint"


def test_low_share_saves_and_shows_the_warning(page, workspace, items, no_message_boxes):
    decide(page, items[0].id, DeliberationDecision.HANDLE, "村上限时办理")
    fill_meeting(page, total=8, villagers=2)
    page.save()
    assert state_of(workspace, items[0].id) == ItemState.VILLAGE_HANDLING
    assert [kind for kind, _text in no_message_boxes] == ["question", "information"]
    assert "25%" in no_message_boxes[1][1]


def test_more_villagers_than_attendees_is_refused(page, workspace, items, no_message_boxes):
    decide(page, items[0].id, DeliberationDecision.HANDLE, "村上限时办理")
    fill_meeting(page, total=5, villagers=6)
    assert page.share_label.property("role") == "error"
    page.save()
    assert no_message_boxes and "不能超过参会总人数" in no_message_boxes[0][1]
    assert "不能超过参会总人数" in page.error_label.text()
    assert state_of(workspace, items[0].id) == ItemState.REGISTERED
    assert deliberations(workspace, items[0].id) == []
    assert page.villagers_spin.value() == 6


def test_no_decision_is_refused(page, workspace, items, no_message_boxes):
    fill_meeting(page)
    page.save()
    assert no_message_boxes and "至少为一件事项选择决定" in no_message_boxes[0][1]
    assert all(state_of(workspace, i.id) == ItemState.REGISTERED for i in items)


def test_missing_opinion_is_refused_and_focused(page, workspace, items, no_message_boxes):
    decide(page, items[1].id, DeliberationDecision.ESCALATE)
    fill_meeting(page)
    page.save()
    assert no_message_boxes and "处理意见" in no_message_boxes[0][1]
    assert page.table.currentIndex().row() == row_of(page, items[1].id)
    assert page.table.currentIndex().column() == COL_OPINION
    assert state_of(workspace, items[1].id) == ItemState.REGISTERED


def test_a_failing_item_saves_nothing(page, workspace, items, no_message_boxes):
    good, bad = items[0], items[1]
    decide(page, good.id, DeliberationDecision.ESCALATE, "报镇里")
    decide(page, bad.id, DeliberationDecision.HANDLE, "村上办")
    fill_meeting(page)
    workspace.perform(Action.VOID, bad.id, actor="杨运润", reason="重复登记")

    page.save()

    assert [kind for kind, _text in no_message_boxes] == ["question", "warning"]
    assert "作废" in no_message_boxes[1][1]
    assert bad.serial in no_message_boxes[1][1]  # the page names the item that left the agenda
    assert state_of(workspace, good.id) == ItemState.REGISTERED
    assert deliberations(workspace, good.id) == []
    assert deliberations(workspace, bad.id) == []
    # everything typed is kept for a second try
    assert len(page.model.decided()) == 2
    assert page.total_spin.value() == 10 and page.place_edit.text() == "村委会议室"


def test_refresh_keeps_typed_choices(page, workspace, items, engine, settings, village):
    decide(page, items[0].id, DeliberationDecision.ESCALATE, "报镇里")
    make_item(engine, settings, village, received=date(2026, 11, 21))
    page.refresh()
    assert page.model.rowCount() == 4
    row = row_of(page, items[0].id)
    assert page.model.index(row, COL_DECISION).data() == DeliberationDecision.ESCALATE.label
    assert page.model.index(row, COL_OPINION).data() == "报镇里"


def test_outcome_is_editable_only_when_settled_at_meeting(page, items):
    model, row = page.model, row_of(page, items[0].id)
    outcome = model.index(row, COL_OUTCOME)
    assert not model.flags(outcome) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(outcome, "不该写进去")
    model.setData(model.index(row, COL_DECISION), DeliberationDecision.SETTLE.value)
    assert model.flags(outcome) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(model.index(row, COL_DECISION), "乱写的决定")
    model.setData(model.index(row, COL_DECISION), NO_DECISION)
    assert model.decided() == []


def test_decision_delegate_writes_the_choice(page, items, qtbot):
    page.show()
    index = page.model.index(0, COL_DECISION)
    page.table.edit(index)
    combo = page.table.indexWidget(index) or page.table.viewport().focusWidget()
    assert combo is not None and combo.count() == 4
    combo.setCurrentIndex(combo.findText(DeliberationDecision.ESCALATE.label))
    assert page.model.entries()[0].decision is DeliberationDecision.ESCALATE


def test_agenda_model_passes_qtmodeltester(qtmodeltester, page, items):
    decide(page, items[0].id, DeliberationDecision.SETTLE, "会上议定", "已解决")
    qtmodeltester.check(page.model)
    empty = AgendaTableModel()
    qtmodeltester.check(empty)


def test_declining_the_confirmation_saves_nothing(page, workspace, items, no_message_boxes, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.No)
    decide(page, items[0].id, DeliberationDecision.ESCALATE, "报镇里")
    fill_meeting(page)
    page.save()
    assert state_of(workspace, items[0].id) == ItemState.REGISTERED
    assert page.model.decided()[0].opinion == "报镇里"


def test_decision_editor_below_the_table_writes_through_the_model(page, workspace, items, no_message_boxes):
    editor = page.editor
    page.table.setCurrentIndex(page.model.index(1, COL_SERIAL))
    assert items[1].serial in editor.item_label.text()
    assert not editor.outcome_edit.isEnabled()
    editor.decision_box.setCurrentText(DeliberationDecision.SETTLE.label)
    assert editor.outcome_edit.isEnabled()
    editor.opinion_edit.setText("会上当场协调")
    editor.outcome_edit.setText("双方达成一致")
    entry = page.model.entries()[1]
    assert (entry.decision, entry.opinion, entry.outcome) == (
        DeliberationDecision.SETTLE,
        "会上当场协调",
        "双方达成一致",
    )
    assert page.model.index(1, COL_OUTCOME).data() == "双方达成一致"
    assert not page.table.isColumnHidden(COL_OUTCOME)
    # moving to another row loads that row and leaves the first as typed
    page.table.setCurrentIndex(page.model.index(2, COL_SERIAL))
    assert editor.opinion_edit.text() == "" and editor.decision_box.currentText() == NO_DECISION
    assert page.model.entries()[1].opinion == "会上当场协调"
    fill_meeting(page)
    page.save()
    assert state_of(workspace, items[1].id) == ItemState.SETTLED
    assert workspace.detail(items[1].id).detail.item.outcome == "双方达成一致"


def test_enter_in_the_opinion_moves_to_the_next_item(page, items, qtbot):
    page.show()
    page.table.setCurrentIndex(page.model.index(0, COL_DECISION))
    page.editor.opinion_edit.setFocus()
    qtbot.keyClick(page.editor.opinion_edit, Qt.Key.Key_Return)
    assert page.table.currentIndex().row() == 1
