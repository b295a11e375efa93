"""Township import of upward-report workbooks: round trip, idempotence, hostile files."""

import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import func, select

from app.errors import DomainError
from app.exports.workbook import write_report_workbook
from app.exports.workbook_reader import read_workbook
from app.models import Item, ItemEvent, Person
from app.models.enums import DeliberationDecision
from app.services import actions
from app.services.importing import ImportError, ImportPlan, apply_import, validate
from app.services.report_data import build_report
from app.store.database import open_database
from app.store.uow import UnitOfWork
from tests.conftest import make_item

TODAY = date(2026, 10, 20)
NOW = datetime(2026, 10, 20, 1, 30)


def export(engine, settings, path):
    with UnitOfWork(engine) as uow:
        report = build_report(
            uow.session, settings=settings, month=None, village_ids=None, today=TODAY, now=NOW
        )
    write_report_workbook(report, path)
    return report


@pytest.fixture
def source(engine, settings, village, tmp_path):
    a = make_item(engine, settings, village, received=date(2026, 9, 3), request="=SUM(A1) 文字").id
    with UnitOfWork(engine) as uow:
        actions.settle_on_spot(
            uow=uow, item_id=a, on=date(2026, 9, 3), actor="杨运润", measures="-现场", outcome="已处理"
        )
        uow.commit()
    b = make_item(engine, settings, village, received=date(2026, 9, 28), ledger="kunnan", category="低保").id
    with UnitOfWork(engine) as uow:
        actions.deliberate(
            uow=uow,
            item_id=b,
            on=date(2026, 9, 30),
            actor="杨运润",
            decision=DeliberationDecision.ESCALATE,
            opinion="上报",
            outcome="",
        )
        uow.commit()
    c = make_item(engine, settings, village, received=date(2026, 10, 9)).id
    return {"a": a, "b": b, "c": c}


@pytest.fixture
def target(tmp_path):
    eng = open_database(tmp_path / "township.db")
    yield eng
    eng.dispose()


def run_import(target, settings, path, dry_run=False):
    plan = validate(read_workbook(path), path.name)
    assert isinstance(plan, ImportPlan), plan
    with UnitOfWork(target) as uow:
        summary = apply_import(uow=uow, plan=plan, dry_run=dry_run, config=settings.ledgers)
        if not dry_run:
            uow.commit()
    return summary


def snapshot(engine):
    with UnitOfWork(engine) as uow:
        s = uow.session
        items = {
            i.id: {
                k: v
                for k, v in i.model_dump().items()
                if k
                not in (
                    "village_id",
                    "ledger_id",
                    "responsible_cadre_id",
                    "search_key",
                    "registered_at",
                    "updated_at",
                )
            }
            for i in s.exec(select(Item)).all()
        }
        people = {
            p.id: (p.name, p.gender, p.id_number, p.phone, p.group_name, p.address)
            for p in s.exec(select(Person)).all()
            if s.exec(select(Item).where(Item.person_id == p.id)).first()
        }
        events = sorted(
            (e.item_id, e.seq, e.on, e.actor, e.action, e.from_state, e.to_state, e.note, e.changes)
            for e in s.exec(select(ItemEvent)).all()
        )
    return items, people, events


def counts(engine):
    with UnitOfWork(engine) as uow:
        return tuple(
            uow.session.exec(select(func.count()).select_from(t)).one() for t in (Item, ItemEvent, Person)
        )


def test_round_trip_then_idempotent(engine, settings, source, target, tmp_path):
    path = tmp_path / "village.xlsx"
    report = export(engine, settings, path)
    dry = run_import(target, settings, path, dry_run=True)
    assert (dry.added, dry.updated, dry.unchanged) == (3, 0, 0)
    assert counts(target) == (0, 0, 0)
    summary = run_import(target, settings, path)
    assert (summary.added, summary.updated, summary.unchanged, summary.rejected) == (3, 0, 0, 0)
    assert snapshot(target) == snapshot(engine)
    again = run_import(target, settings, path)
    assert (again.added, again.updated, again.unchanged, again.events_added) == (0, 0, 3, 0)
    assert snapshot(target) == snapshot(engine)
    # the township's own export of the imported data carries the same item rows
    with UnitOfWork(target) as uow:
        back = build_report(
            uow.session, settings=settings, month=None, village_ids=None, today=TODAY, now=NOW
        )
    assert [t.rows for t in back.ledgers] == [t.rows for t in report.ledgers]
    assert back.history.rows == report.history.rows
    assert back.figures == report.figures


def test_older_export_after_newer_changes_nothing(engine, settings, source, target, tmp_path):
    old = tmp_path / "old.xlsx"
    export(engine, settings, old)
    with UnitOfWork(engine) as uow:
        actions.settle_on_spot(
            uow=uow, item_id=source["c"], on=date(2026, 10, 12), actor="杨运润", measures="办", outcome="结"
        )
        uow.commit()
    new = tmp_path / "new.xlsx"
    export(engine, settings, new)
    run_import(target, settings, new)
    after_new = snapshot(target)
    summary = run_import(target, settings, old)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 3)
    assert snapshot(target) == after_new == snapshot(engine)


def edit(path, out, sheet, cell, value):
    wb = load_workbook(path)
    wb[sheet][cell] = value
    wb.save(out)
    return out


def errors_of(path):
    result = validate(read_workbook(path), path.name)
    assert isinstance(result, list) and result
    assert all(isinstance(e, ImportError) for e in result)
    return result


def test_hand_edited_header(engine, settings, source, tmp_path):
    path = tmp_path / "v.xlsx"
    export(engine, settings, path)
    bad = edit(path, tmp_path / "bad.xlsx", "民生台账", "C2", "村名")
    errs = errors_of(bad)
    e = next(e for e in errs if e.sheet == "民生台账")
    assert (e.row, e.column) == (2, "C（村）") and "表头" in e.message
    assert "民生台账" in str(e) and "第2行" in str(e)


def test_future_format_version(engine, settings, source, tmp_path):
    path = tmp_path / "v.xlsx"
    export(engine, settings, path)
    bad = edit(path, tmp_path / "bad.xlsx", "_meta", "B2", "2")
    errs = errors_of(bad)
    assert errs[0].message == "文件格式版本为2，本软件只认识1，请先升级软件"


def test_bad_date_and_wrong_checksum_write_nothing(engine, settings, source, target, tmp_path):
    path = tmp_path / "v.xlsx"
    export(engine, settings, path)
    headers = [c.value for c in load_workbook(path)["民生台账"][2]]
    letter = chr(65 + headers.index("受理日期"))
    bad = edit(path, tmp_path / "bad.xlsx", "民生台账", f"{letter}3", "2026-13-45")
    errs = errors_of(bad)
    e = next(e for e in errs if e.row == 3)
    assert e.sheet == "民生台账" and e.column == f"{letter}（受理日期）" and "应为日期" in e.message
    assert any("校验和不符" in e.message for e in errs)

    wb = load_workbook(path)
    meta = wb["_meta"]
    row = next(r for r in meta.iter_rows(min_row=2) if r[0].value == "checksum_sha256")
    row[1].value = "0" * 64
    wb.save(tmp_path / "sum.xlsx")
    errs = errors_of(tmp_path / "sum.xlsx")
    assert [e.message for e in errs] == ["校验和不符：文件在导出后被改动过"] and errs[0].sheet == "_meta"
    assert counts(target) == (0, 0, 0)


def test_history_reference_missing_everywhere_is_rejected(engine, settings, source, target, tmp_path):
    path = tmp_path / "v.xlsx"
    export(engine, settings, path)
    plan = validate(read_workbook(path), path.name)
    assert isinstance(plan, ImportPlan)
    plan.items = [i for i in plan.items if i["id"] != source["a"]]
    with UnitOfWork(target) as uow, pytest.raises(DomainError, match="既不在本文件中，也不在数据库中"):
        apply_import(uow=uow, plan=plan, dry_run=False, config=settings.ledgers)
    assert counts(target) == (0, 0, 0)


def refused(path, *words):
    with pytest.raises(DomainError) as info:
        read_workbook(path)
    assert path.name in info.value.message
    for w in words:
        assert w in info.value.message
    return info.value.message


def test_hostile_files_are_refused(tmp_path):
    text = tmp_path / "note.xlsx"
    text.write_text("这不是工作簿", encoding="utf-8")
    refused(text, "不是Excel工作簿（.xlsx）")

    macro = tmp_path / "macro.xlsx"
    with zipfile.ZipFile(macro, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/vbaProject.bin", b"\0" * 100)
    refused(macro, "宏")
    xlsm = tmp_path / "book.xlsm"
    xlsm.write_bytes(macro.read_bytes())
    refused(xlsm, "宏")

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(50):
                member.write(chunk)
    assert bomb.stat().st_size < 1024 * 1024
    refused(bomb, "压缩炸弹")

    ole = tmp_path / "secret.xlsx"
    ole.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504)
    refused(ole, "密码")

    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook")
    refused(broken, "无法读取")


def test_enormous_sheet_and_missing_meta(engine, settings, source, tmp_path):
    path = tmp_path / "v.xlsx"
    export(engine, settings, path)
    with pytest.raises(DomainError, match="超过"):
        read_workbook(path, max_rows=1)
    wb = load_workbook(path)
    del wb["_meta"]
    wb.save(tmp_path / "nometa.xlsx")
    refused(tmp_path / "nometa.xlsx", "_meta")
