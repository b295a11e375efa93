"""导入工作簿 page: a folder of real village workbooks previewed, imported, a bad file refused whole."""

import shutil
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from sqlmodel import func, select

from app.exports.workbook import write_report_workbook
from app.models import Item, Village
from app.services.context import load_settings
from app.services.demo import build_demo
from app.services.report_data import build_report
from app.services.workspace import Workspace
from app.store.database import open_database
from app.store.uow import UnitOfWork
from app.ui.hub import EventHub
from app.ui.import_page import ImportPage

TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 2, 0)


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """Three villages' upward workbooks; the third one hand-edited with an impossible date."""
    folder = tmp_path_factory.mktemp("village_files")
    (folder / "userdata").mkdir()
    settings = load_settings(folder / "userdata")
    engine = open_database(folder / "villages.db")
    build_demo(
        engine=engine, config=settings.ledgers, villages=3, items=12, seed=5, today=TODAY, template_villages=3
    )
    inbox = folder / "inbox"
    inbox.mkdir()
    with UnitOfWork(engine) as uow:
        villages = list(uow.session.exec(select(Village).order_by(Village.code)).all())
        for n, v in enumerate(villages, start=1):
            report = build_report(
                uow.session, settings=settings, month=None, village_ids=[v.id], today=TODAY, now=NOW
            )
            write_report_workbook(report, inbox / f"{n}-{v.name}.xlsx")
    engine.dispose()
    bad = next(inbox.glob("3-*.xlsx"))
    wb = load_workbook(bad)
    sheet = wb["民生台账"]
    headers = [c.value for c in sheet[2]]
    sheet.cell(row=3, column=headers.index("受理日期") + 1, value="2026-13-45")
    wb.save(bad)
    (inbox / "说明.txt").write_text("不是工作簿", encoding="utf-8")  # ignored: folders bring .xlsx only
    return {"inbox": inbox, "codes": [v.code for v in villages], "bad": bad.name}


@pytest.fixture
def township(tmp_path):
    """The township's own database: empty until the villages' files come in."""
    (tmp_path / "userdata").mkdir()
    engine = open_database(tmp_path / "township.db")
    yield Workspace(engine, load_settings(tmp_path / "userdata"), tmp_path / "userdata", lambda: TODAY)
    engine.dispose()


def _counts(ws):
    with UnitOfWork(ws.engine) as uow:
        codes = set(uow.session.exec(select(Village.code)).all())
        items = uow.session.exec(select(func.count()).select_from(Item)).one()
    return codes, items


def _run(qtbot, page, dry_run):
    page.outcomes = []
    page.run(dry_run=dry_run)
    qtbot.waitUntil(lambda: bool(page.outcomes) and not page.busy, timeout=60000)
    return page.outcomes


def _page(qtbot, township, hub=None):
    page = ImportPage(township, hub or EventHub())
    qtbot.addWidget(page)
    return page


def test_preview_then_import_a_folder_a_bad_file_imports_nothing(
    qtbot, qtmodeltester, township, workbooks, tmp_path
):
    hub = EventHub()
    resets: list[bool] = []
    hub.data_reset.connect(lambda: resets.append(True))
    page = _page(qtbot, township, hub)
    page.add_paths([workbooks["inbox"]])
    assert [p.name for p in page.files] == sorted(p.name for p in workbooks["inbox"].glob("*.xlsx"))
    assert page.file_list.count() == 3 and page.preview_button.isEnabled()

    outcomes = _run(qtbot, page, dry_run=True)
    qtmodeltester.check(page.outcome_model)
    qtmodeltester.check(page.problem_model)
    results = [page.outcome_model.index(r, 1).data() for r in range(3)]
    assert results == ["可以导入（预览）", "可以导入（预览）", "未导入（有问题）"]
    assert _counts(township) == (set(), 0) and resets == []  # a preview writes nothing
    backups = tmp_path / "backups"
    assert not backups.exists() or not list(backups.iterdir())  # nor backs up
    added = [page.outcome_model.index(r, 2).data() for r in range(2)]
    assert added == [12, 12]

    problems = [
        [page.problem_model.index(r, c).data() for c in range(6)]
        for r in range(page.problem_model.rowCount())
    ]
    date_problem = next(p for p in problems if p[2] == "民生台账" and p[3] == "3")
    assert date_problem[0] == workbooks["bad"] and date_problem[1] == "错误"
    assert "受理日期" in date_problem[4] and "应为日期" in date_problem[5]
    assert page.save_button.isEnabled()

    outcomes = _run(qtbot, page, dry_run=False)
    assert [o.ok for o in outcomes] == [True, True, False]
    codes, items = _counts(township)
    assert codes == set(workbooks["codes"][:2]) and items == 24  # nothing at all from the bad file
    assert resets == [True]  # the other pages refresh
    assert len([p for p in backups.iterdir() if "before-import" in p.name]) == 1  # one backup first
    assert "已导入2个" in page.result_label.text() and "1个文件有问题" in page.result_label.text()

    # the same files again: unchanged, nothing new
    again = _run(qtbot, page, dry_run=False)
    assert [o.summary.unchanged for o in again if o.ok] == [12, 12]
    assert _counts(township)[1] == 24


def test_problems_saved_as_a_workbook_for_the_village(qtbot, township, workbooks, tmp_path, no_message_boxes):
    page = _page(qtbot, township)
    page.add_paths([workbooks["inbox"] / workbooks["bad"]])
    _run(qtbot, page, dry_run=True)
    out = tmp_path / "问题清单.xlsx"
    page.write_problems(out)  # in the background: the window stays responsive
    qtbot.waitUntil(lambda: any("已保存问题清单" in text for _kind, text in no_message_boxes), timeout=30000)
    sheet = load_workbook(out, read_only=True)["问题清单"]
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]]
    assert rows and all(r[0] == workbooks["bad"] for r in rows)
    assert any(r[1] == "民生台账" and r[2] == 3 and "应为日期" in r[4] for r in rows)
    assert "已保存问题清单" in no_message_boxes[-1][1]


def test_files_and_folders_dropped_on_the_page(qtbot, township, workbooks, tmp_path):
    page = _page(qtbot, township)
    loose = tmp_path / "loose.xlsx"
    shutil.copy(next(workbooks["inbox"].glob("1-*.xlsx")), loose)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(loose)), QUrl.fromLocalFile(str(workbooks["inbox"]))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.dropEvent(event)
    assert page.files[0].name == "loose.xlsx" and len(page.files) == 4
    page.add_paths([loose])  # the same file twice is listed once
    assert len(page.files) == 4 and "4个" in page.files_label.text()
    page.clear()
    assert page.files == [] and not page.import_button.isEnabled()


def test_an_unreadable_file_is_reported_not_raised(qtbot, township, tmp_path):
    page = _page(qtbot, township)
    fake = tmp_path / "假的.xlsx"
    fake.write_bytes(b"not a zip file at all")
    page.add_paths([fake])
    outcomes = _run(qtbot, page, dry_run=False)
    assert not outcomes[0].ok and page.problem_model.rowCount() >= 1
    assert page.problem_model.index(0, 0).data() == "假的.xlsx"
    assert _counts(township) == (set(), 0)


def test_empty_models_are_sound(qtmodeltester):
    from app.ui.import_page import OutcomeTableModel, ProblemTableModel

    qtmodeltester.check(OutcomeTableModel())
    qtmodeltester.check(ProblemTableModel())
