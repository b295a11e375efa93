"""The first-start dialog: a village with its cadres in one save, bad input blocked, or the demo village."""

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from app.services.context import Settings
from app.services.workspace import Workspace
from app.store.database import open_database
from app.ui.setup_dialog import SetupDialog, code_problem
from tests.conftest import UI_TODAY


@pytest.fixture
def empty_workspace(tmp_path: Path, settings: Settings):
    engine = open_database(tmp_path / "first.db")
    yield Workspace(engine, settings, tmp_path / "userdata", lambda: UI_TODAY)
    engine.dispose()


def _fill(dialog: SetupDialog, code: str = "510623105201", phone: str = "13800001111") -> None:
    dialog.name_edit.setText("柳林沟村")
    dialog.code_edit.setText(code)
    dialog.township_edit.setText("富兴镇")
    dialog.county_edit.setText("中江县")
    first, second = dialog.cadre_rows[0], dialog.cadre_rows[1]
    first.name.setText("杨运润")
    first.phone.setText(phone)
    second.name.setText("张诗雨")
    second.role.setCurrentText("村文书")
    second.phone.setText("0838-7221234")


def test_a_village_with_two_cadres_is_created_in_one_save(qtbot, empty_workspace, no_message_boxes):
    dialog = SetupDialog(empty_workspace)
    qtbot.addWidget(dialog)
    _fill(dialog)
    dialog.create_village()
    assert no_message_boxes == []
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.opened_demo is False
    [village] = empty_workspace.villages()
    assert (village.name, village.code, village.township, village.county) == (
        "柳林沟村",
        "510623105201",
        "富兴镇",
        "中江县",
    )
    cadres = [(c.name, c.role, c.phone) for c in empty_workspace.cadres()]
    assert cadres == [("杨运润", "村党支部书记", "13800001111"), ("张诗雨", "村文书", "0838-7221234")]
    assert [lg.key for lg in empty_workspace.ledgers()] == ["minsheng", "kunnan", "wending"]


@pytest.mark.parametrize(
    ("code", "phone", "message"),
    [
        ("51062310520", "13800001111", "还差1位"),
        ("5106231052ab", "13800001111", "只能是数字"),
        ("", "13800001111", "请填写行政区划代码"),
        ("510623105201", "1380000", "联系电话格式不正确"),
    ],
)
def test_a_bad_code_or_phone_blocks_with_a_message(
    qtbot, empty_workspace, no_message_boxes, code, phone, message
):
    dialog = SetupDialog(empty_workspace)
    qtbot.addWidget(dialog)
    _fill(dialog, code=code, phone=phone)
    dialog.create_village()
    assert len(no_message_boxes) == 1 and message in no_message_boxes[0][1]
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert empty_workspace.villages() == []
    assert empty_workspace.cadres() == []


def test_the_code_is_checked_as_typed(qtbot, empty_workspace):
    dialog = SetupDialog(empty_workspace)
    qtbot.addWidget(dialog)
    dialog.code_edit.setText("5106")
    assert dialog.code_error.text() == "行政区划代码应为12位，还差8位"
    assert not dialog.code_error.isHidden()
    dialog.code_edit.setText("510623105201")
    assert dialog.code_error.isHidden()
    assert code_problem("5106231052012") == "行政区划代码应为12位，多了1位"


def test_missing_fields_and_cadres_are_named(qtbot, empty_workspace, no_message_boxes):
    dialog = SetupDialog(empty_workspace)
    qtbot.addWidget(dialog)
    dialog.create_village()
    assert "请填写村名" in no_message_boxes[-1][1]
    assert dialog.field_errors[dialog.county_edit].text() == "请填写县"
    _fill(dialog)
    for row in dialog.cadre_rows:
        row.name.setText("")
        row.phone.setText("")
    dialog.create_village()
    assert "请至少填写一位村干部" in no_message_boxes[-1][1]
    dialog.cadre_rows[2].phone.setText("13800001111")
    dialog.create_village()
    assert "村干部第3行：请填写姓名" in no_message_boxes[-1][1]
    assert empty_workspace.villages() == []


def test_typing_into_the_form_makes_enter_create_instead_of_the_demo(qtbot, empty_workspace):
    dialog = SetupDialog(empty_workspace)
    qtbot.addWidget(dialog)
    assert dialog.demo_button.isDefault()
    dialog.name_edit.textEdited.emit("柳")
    assert dialog.create_button.isDefault()


def test_the_demo_button_builds_the_demo_village(qtbot, empty_workspace, no_message_boxes):
    dialog = SetupDialog(empty_workspace)
    qtbot.addWidget(dialog)
    dialog.demo_button.click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=60_000)
    assert no_message_boxes == []
    assert dialog.opened_demo is True
    assert [v.name for v in empty_workspace.villages()] == ["柳林沟村"]
    assert dialog.demo_button.isEnabled()


def test_a_township_starts_by_importing_the_villages_workbooks(
    qtbot, empty_workspace, engine, settings, village, tmp_path, no_message_boxes
):
    from datetime import date

    from app.exports.workbook import write_report_workbook
    from app.services.report_data import build_report
    from app.store.uow import UnitOfWork
    from tests.conftest import make_item

    make_item(engine, settings, village, received=date(2026, 10, 9))
    with UnitOfWork(engine) as uow:
        report = build_report(uow.session, settings=settings, month=None, village_ids=None, today=UI_TODAY)
    good = tmp_path / "柳林沟村.xlsx"
    write_report_workbook(report, good)
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("不是工作簿", encoding="utf-8")

    dialog = SetupDialog(empty_workspace)
    qtbot.addWidget(dialog)
    assert dialog.township_button.text().startswith("乡镇、县使用")
    dialog.import_for_township([good, bad])
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=60_000)
    assert [v.name for v in empty_workspace.villages()] == ["柳林沟村"]
    assert [o.ok for o in dialog.import_outcomes] == [True, False]
    assert len(no_message_boxes) == 1 and "坏文件.xlsx" in no_message_boxes[0][1]
