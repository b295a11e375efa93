"""The issue's "done when", through the window: register, 议账, escalate, township reply, settle,
the villager's opinion and signature, 晒账 — and the dashboard follows every step."""

from app.models.enums import Action, DeliberationDecision, ItemState, Satisfaction
from app.ui.agenda_table_model import COL_DECISION, COL_OPINION
from app.ui.hub import EventHub
from app.ui.item_dialog import ItemDialog
from app.ui.main_window import MainWindow
from app.ui.register_dialog import RegisterDialog


def _select(box, data) -> None:
    box.setCurrentIndex(box.findData(data))


def _cards(window: MainWindow) -> dict[str, str]:
    return {k: label.text() for k, label in window.pages["dashboard"].cards.items()}


def _act(dialog: ItemDialog, action: Action, **values) -> None:
    form = dialog.form_for(action)
    form.fill(**values)
    assert form.submit(), form.error_label.text()


def test_a_request_goes_from_registration_to_the_wall(qtbot, workspace, prefs, no_message_boxes):
    hub = EventHub()
    window = MainWindow(workspace, hub, prefs)
    qtbot.addWidget(window)
    assert _cards(window)["deliberation"] == "0"

    # 建账: the secretary registers 王长贵's request, found by typing "wcg"
    register = RegisterDialog(workspace, window.actor(), workspace.villages()[0].id, window)
    qtbot.addWidget(register)
    _select(register.ledger_box, "minsheng")
    _select(register.category_box, "基础设施建设")
    _select(register.source_box, "走访")
    register.picker.search.setText("wcg")
    register.picker.choose(0)
    register.request_edit.setPlainText("山坪塘漏水蓄不住水，三社几十亩田插秧时放不进水。")
    register.save_button.click()
    item_id = register.created_item_id
    assert item_id
    hub.item_changed.emit(item_id)
    assert _cards(window)["deliberation"] == "1" and _cards(window)["registered"] == "1"

    # 议账: the meeting decides to report it to the township
    meeting = window.pages["meeting"]
    meeting.refresh()
    row = next(r for r in range(meeting.model.rowCount()) if meeting.model.item_id(r) == item_id)
    assert meeting.model.setData(meeting.model.index(row, COL_DECISION), DeliberationDecision.ESCALATE)
    assert meeting.model.setData(
        meeting.model.index(row, COL_OPINION), "村里无力修复，报镇上申请一事一议资金"
    )
    meeting.total_spin.setValue(12)
    meeting.villagers_spin.setValue(6)
    meeting.save()
    assert workspace.detail(item_id).detail.item.state == ItemState.TOWNSHIP_HANDLING
    assert _cards(window)["deliberation"] == "0"

    # the township's reply, settlement, then the villager's opinion and signature, then 晒账
    dialog = ItemDialog(workspace, hub, item_id, window.actor(), window)
    qtbot.addWidget(dialog)
    _act(dialog, Action.REPLY, text="镇上同意用一事一议资金修建蓄水池")
    _act(
        dialog,
        Action.SETTLE,
        measures="争取一事一议资金，建蓄水池3口",
        outcome="蓄水池建成，三社田块全部插上秧",
    )
    assert _cards(window)["signature"] == "1" and _cards(window)["settled"] == "1"
    _act(dialog, Action.CONFIRM, satisfaction=Satisfaction.SATISFIED, opinion="满意", signed_by="王长贵")
    assert _cards(window)["signature"] == "0" and _cards(window)["publication"] == "1"
    _act(dialog, Action.PUBLISH, month="2026-11")

    item = workspace.detail(item_id).detail.item
    assert item.state == ItemState.PUBLISHED and item.settled_level == "township"
    assert item.signed_by == "王长贵"
    assert _cards(window)["rate"] == "100.0%" and _cards(window)["publication"] == "0"
    assert dialog.timeline.count() == 6  # 建账, 议账, 答复, 办结, 签字确认, 晒账
    assert not [m for m in no_message_boxes if m[0] in ("warning", "critical")]
