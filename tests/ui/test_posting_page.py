"""月度晒账 page: generate the month's posting in the background, preview, mark it posted."""

import subprocess
from datetime import date

from app.models.enums import Action, ItemState, Satisfaction
from app.ui.hub import EventHub
from app.ui.posting_page import PostingPage
from tests.conftest import make_item


def test_generate_preview_and_mark_posted(qtbot, workspace, engine, settings, village, no_message_boxes):
    item = make_item(
        engine,
        settings,
        village,
        received=date(2026, 11, 3),
        request="路灯坏了，联系电话13812345678，晚上看不见路",
    )
    workspace.perform(
        Action.SETTLE_ON_SPOT,
        item.id,
        actor="杨运润",
        on=date(2026, 11, 3),
        measures="请电工换灯泡",
        outcome="路灯已修好",
    )
    workspace.perform(
        Action.CONFIRM,
        item.id,
        actor="杨运润",
        on=date(2026, 11, 5),
        satisfaction=Satisfaction.SATISFIED,
        opinion="满意",
        signed_by="王长贵",
    )
    page = PostingPage(workspace, EventHub(), lambda: "杨运润")
    qtbot.addWidget(page)
    page.refresh()
    page.month_box.setCurrentIndex(page.month_box.findData("2026-11"))
    page.generate()
    qtbot.waitUntil(lambda: page.posting is not None, timeout=20000)
    assert page.document.pageCount() >= 1 and page.posted_button.isEnabled()
    text = subprocess.run(["pdftotext", str(page.pdf_path), "-"], capture_output=True, text=True).stdout
    assert "柳林沟村" in text and "13812345678" not in text and "王长贵" not in text
    assert "电话号码" in page.report.text()  # the masked phone is reported to the secretary
    page.mark_posted()
    assert workspace.detail(item.id).detail.item.state == ItemState.PUBLISHED


def test_contact_cards_list_every_cadre(qtbot, workspace, village):
    page = PostingPage(workspace, EventHub(), lambda: "杨运润")
    qtbot.addWidget(page)
    page.refresh()
    path = page.contact_cards_pdf()
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "杨运润" in text and "联系" in text


def test_the_month_workbook_is_exported_from_the_page(qtbot, workspace, engine, settings, village, tmp_path):
    import openpyxl

    make_item(engine, settings, village, received=date(2026, 11, 3), request="=SUM(A1:A9) 路灯坏了")
    page = PostingPage(workspace, EventHub(), lambda: "杨运润")
    qtbot.addWidget(page)
    page.refresh()
    page.month_box.setCurrentIndex(page.month_box.findData("2026-11"))
    page.write_workbook(tmp_path / "up.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "up.xlsx")["民生台账"]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert any(isinstance(v, str) and "=SUM(A1:A9) 路灯坏了" in v for v in values)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
