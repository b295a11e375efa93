"""Import properties: the order of files does not matter, a county rolls up township workbooks like a
township rolls up villages, refused files leave the database as it was, failed rows can be saved."""

import itertools
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlmodel import func, select

from app.exports.import_errors import write_error_workbook
from app.exports.workbook import write_report_workbook
from app.exports.workbook_reader import read_workbook
from app.models import Item, ItemEvent, Person, Village
from app.models.enums import DeliberationDecision
from app.services import actions
from app.services.context import load_settings
from app.services.import_files import import_workbook, import_workbooks
from app.services.people import create_person
from app.services.registration import register_item
from app.services.replies import build_reply
from app.services.report_data import build_report
from app.services.statistics import compute_statistics
from app.services.villages import add_cadre, create_village
from app.store.database import open_database
from app.store.uow import UnitOfWork

NOW = datetime(2026, 10, 20, 1, 30)
TODAY = date(2026, 10, 20)


def new_village(path: Path, settings, code: str, name: str, township: str):
    engine = open_database(path)
    with UnitOfWork(engine) as uow:
        v = create_village(
            uow=uow, code=code, name=name, township=township, county="中江县", config=settings.ledgers
        )
        c = add_cadre(uow=uow, village_id=v.id, name=f"{name}书记", role="村党支部书记", phone="13800001111")
        p = create_person(uow=uow, village_id=v.id, name="王长贵", gender="男", group_name="三社")
        uow.commit()
        ids = (v.id, c.id, p.id)
    return engine, ids


def register(engine, settings, ids, received: date, request: str) -> str:
    with UnitOfWork(engine) as uow:
        item = register_item(
            uow=uow,
            config=settings.ledgers,
            village_id=ids[0],
            ledger_key="minsheng",
            category="土地流转",
            person_id=ids[2],
            source="走访",
            source_detail="访群众问民需",
            received_on=received,
            request=request,
            actor="书记",
            today=received,
            responsible_cadre_id=ids[1],
        )
        uow.commit()
        return item.id


def export(engine, settings, path: Path, month=None) -> Path:
    with UnitOfWork(engine) as uow:
        report = build_report(
            uow.session, settings=settings, month=month, village_ids=None, today=TODAY, now=NOW
        )
    write_report_workbook(report, path)
    return path


def snapshot(engine):
    with UnitOfWork(engine) as uow:
        s = uow.session
        items = sorted(
            (i.id, i.serial, i.state, i.version, i.reply, i.request, i.settled_on)
            for i in s.exec(select(Item)).all()
        )
        events = sorted((e.item_id, e.seq, e.action, e.on, e.note) for e in s.exec(select(ItemEvent)).all())
        villages = sorted((v.code, v.name) for v in s.exec(select(Village)).all())
    return items, events, villages


def counts(engine):
    with UnitOfWork(engine) as uow:
        return tuple(
            uow.session.exec(select(func.count()).select_from(t)).one() for t in (Item, ItemEvent, Person)
        )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Workbooks of two villages taken at different moments, monthly and full, and a township reply."""
    root = tmp_path_factory.mktemp("corpus")
    settings = load_settings(root)
    one, ids1 = new_village(root / "v1.db", settings, "510623105201", "柳林沟村", "富兴镇")
    two, ids2 = new_village(root / "v2.db", settings, "510623105202", "桂花村", "富兴镇")
    files = []
    a = register(one, settings, ids1, date(2026, 8, 3), "土地撂荒")
    register(two, settings, ids2, date(2026, 8, 5), "饮水困难")
    files.append(export(one, settings, root / "v1-aug.xlsx", "2026-08"))
    with UnitOfWork(one) as uow:
        actions.deliberate(
            uow=uow,
            item_id=a,
            on=date(2026, 9, 2),
            actor="书记",
            decision=DeliberationDecision.ESCALATE,
            opinion="上报",
            outcome="",
        )
        uow.commit()
    b = register(one, settings, ids1, date(2026, 9, 8), "路灯坏了")
    files.append(export(one, settings, root / "v1-sep.xlsx", "2026-09"))
    files.append(export(one, settings, root / "v1-all-sep.xlsx"))
    with UnitOfWork(one) as uow:
        actions.settle_on_spot(
            uow=uow, item_id=b, on=date(2026, 10, 9), actor="书记", measures="换灯", outcome="已修"
        )
        uow.commit()
    files.append(export(one, settings, root / "v1-oct.xlsx", "2026-10"))
    files.append(export(two, settings, root / "v2-all.xlsx"))
    # the township answers village one's escalated item and sends the reply down (and keeps its copy)
    town = open_database(root / "town.db")
    for f in ("v1-all-sep.xlsx", "v2-all.xlsx"):
        assert import_workbook(town, settings, root / f, dry_run=False, read=read_workbook).ok
    with UnitOfWork(town) as uow:
        actions.reply(uow=uow, item_id=a, on=date(2026, 9, 20), actor="镇三账办", text="已协调")
        uow.commit()
    with UnitOfWork(town) as uow:
        report = build_reply(
            uow.session, settings=settings, village_code="510623105201", today=TODAY, now=NOW
        )
    write_report_workbook(report, root / "reply.xlsx")
    files.append(root / "reply.xlsx")
    for e in (one, two, town):
        e.dispose()
    blank = root / "blank.db"
    open_database(blank).dispose()  # migrated once; each example copies it
    return settings, files, blank


@hsettings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_import_order_does_not_matter(corpus, tmp_path_factory, data):
    settings, files, blank = corpus
    order = data.draw(st.permutations(files))
    reference_dir = tmp_path_factory.mktemp("ref")
    results = []
    for i, sequence in enumerate((files, order)):
        shutil.copyfile(blank, reference_dir / f"t{i}.db")
        engine = open_database(reference_dir / f"t{i}.db")
        outcomes = import_workbooks(engine, settings, list(sequence), dry_run=False, read=read_workbook)
        assert all(o.ok for o in outcomes), [str(e) for o in outcomes for e in o.errors]
        assert not any(c.blocking for o in outcomes for c in o.summary.conflicts)
        results.append(snapshot(engine))
        again = import_workbooks(engine, settings, list(sequence), dry_run=False, read=read_workbook)
        assert all(o.summary.added == o.summary.updated == o.summary.events_added == 0 for o in again)
        assert snapshot(engine) == results[-1]
        engine.dispose()
    assert results[0] == results[1]
    items = {row[1]: row for row in results[0][0]}
    assert items["510623105201-MS-2026-0001"][4] == "已协调"  # the reply is in, whatever the order


def test_county_rolls_up_township_workbooks(tmp_path):
    settings = load_settings(tmp_path)
    # two townships, each with one village imported, export their township workbooks to the county
    county = open_database(tmp_path / "county.db")
    expected_registered = 0
    for code, name, township, n in (
        ("510623105201", "柳林沟村", "富兴镇", 3),
        ("510623101201", "石墙村", "南华镇", 2),
    ):
        village_db, ids = new_village(tmp_path / f"{code}.db", settings, code, name, township)
        for k in range(n):
            register(village_db, settings, ids, date(2026, 10, 1 + k), f"诉求{k}")
        expected_registered += n
        town = open_database(tmp_path / f"town-{code}.db")
        assert import_workbook(
            town,
            settings,
            export(village_db, settings, tmp_path / f"{code}.xlsx"),
            dry_run=False,
            read=read_workbook,
        ).ok
        # a second village in the township makes its export a township workbook
        other, ids_o = new_village(
            tmp_path / f"{code}-b.db", settings, code[:9] + "299", f"{name}二", township
        )
        register(other, settings, ids_o, date(2026, 10, 9), "其他")
        expected_registered += 1
        assert import_workbook(
            town,
            settings,
            export(other, settings, tmp_path / f"{code}-b.xlsx"),
            dry_run=False,
            read=read_workbook,
        ).ok
        with UnitOfWork(town) as uow:
            report = build_report(
                uow.session, settings=settings, month=None, village_ids=None, today=TODAY, now=NOW
            )
        assert (report.meta.exporter_kind, report.meta.exporter_code) == ("township", code[:9])
        write_report_workbook(report, tmp_path / f"town-{code}.xlsx")
        outcome = import_workbook(
            county, settings, tmp_path / f"town-{code}.xlsx", dry_run=False, read=read_workbook
        )
        assert outcome.ok and outcome.summary.added == n + 1
    with UnitOfWork(county) as uow:
        figures = compute_statistics(uow.session, rules=settings.rules, cal=settings.calendar, today=TODAY)
        report = build_report(
            uow.session, settings=settings, month=None, village_ids=None, today=TODAY, now=NOW
        )
    assert figures["registered"] == expected_registered == 7
    assert (report.meta.exporter_kind, report.meta.exporter_code) == ("county", "510623")


def hostile_files(tmp_path: Path, good: Path) -> dict[str, Path]:
    files = {}
    text = tmp_path / "note.xlsx"
    text.write_text("这不是工作簿", encoding="utf-8")
    files["not a workbook"] = text
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(50):
                member.write(b"\0" * (1024 * 1024))
    files["zip bomb"] = bomb
    entity = tmp_path / "entity.xlsx"
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(entity, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                body = data.decode("utf-8").split("?>", 1)[-1]
                data = (laughs + body.replace("<c ", "<c ", 1)).encode("utf-8")
                data = data.replace(
                    b"</sheetData>",
                    b'<row r="999"><c r="A999" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData>',
                    1,
                )
            dst.writestr(info, data)
    files["xml entities"] = entity
    encrypted = tmp_path / "secret.xlsx"
    encrypted.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504)
    files["password"] = encrypted
    header = tmp_path / "header.xlsx"
    wb = load_workbook(good)
    wb[wb.sheetnames[1]]["C2"] = "村名"
    wb.save(header)
    files["hand-edited header"] = header
    future = tmp_path / "future.xlsx"
    wb = load_workbook(good)
    meta = wb["_meta"]
    for row in meta.iter_rows():
        if row[0].value == "format_version":
            row[1].value = "99"
    wb.save(future)
    files["future version"] = future
    return files


def test_hostile_files_change_nothing_and_can_be_listed(tmp_path):
    settings = load_settings(tmp_path)
    village_db, ids = new_village(tmp_path / "v.db", settings, "510623105201", "柳林沟村", "富兴镇")
    register(village_db, settings, ids, date(2026, 10, 1), '=HYPERLINK("http://x") 诉求')
    good = export(village_db, settings, tmp_path / "good.xlsx")
    target = open_database(tmp_path / "town.db")
    assert import_workbook(target, settings, good, dry_run=False, read=read_workbook).ok
    before, before_counts = snapshot(target), counts(target)
    files = hostile_files(tmp_path, good)
    outcomes = import_workbooks(target, settings, list(files.values()), dry_run=False, read=read_workbook)
    for (what, path), outcome in zip(files.items(), outcomes, strict=True):
        assert not outcome.ok, what
        assert outcome.errors and all(path.name == e.file for e in outcome.errors), what
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e.message) for e in outcome.errors), what
    assert snapshot(target) == before and counts(target) == before_counts
    out = tmp_path / "问题清单.xlsx"
    listed = write_error_workbook(outcomes, out)
    wb = load_workbook(out)
    rows = list(wb["问题清单"].iter_rows(min_row=2, values_only=True))
    assert listed == len(rows) == sum(len(o.errors) for o in outcomes)
    assert {r[0] for r in rows} == {p.name for p in files.values()}
    header_rows = [r for r in rows if r[0] == "header.xlsx"]
    assert any(r[1] and r[2] == 2 and "表头" in r[4] for r in header_rows)
    # the formula-looking request stays text in the good workbook and after import
    with UnitOfWork(target) as uow:
        assert uow.session.exec(select(Item.request)).one().startswith("=HYPERLINK")


def test_failed_rows_workbook_holds_the_rows_to_correct(tmp_path):
    settings = load_settings(tmp_path)
    village_db, ids = new_village(tmp_path / "v.db", settings, "510623105201", "柳林沟村", "富兴镇")
    for k in range(3):
        register(village_db, settings, ids, date(2026, 10, 1 + k), f"诉求{k}")
    good = export(village_db, settings, tmp_path / "good.xlsx")
    wb = load_workbook(good)
    sheet = wb[wb.sheetnames[1]]
    headers = [c.value for c in sheet[2]]
    sheet.cell(row=4, column=headers.index("受理日期") + 1).value = "十月二日"
    sheet.cell(row=5, column=headers.index("状态") + 1).value = "办得差不多"
    wb.save(tmp_path / "bad.xlsx")
    target = open_database(tmp_path / "town.db")
    outcome = import_workbook(target, settings, tmp_path / "bad.xlsx", dry_run=False, read=read_workbook)
    assert not outcome.ok and counts(target) == (0, 0, 0)
    write_error_workbook([outcome], tmp_path / "errors.xlsx")
    back = load_workbook(tmp_path / "errors.xlsx")
    failed = back[back.sheetnames[1]]
    rows = list(failed.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [4, 5]  # the original row numbers
    assert "受理日期" in rows[0][0] and "办得差不多" in rows[1][0]
    assert rows[0][2 + headers.index("主要诉求及原因")] == "诉求1"
    assert list(itertools.islice((c.value for c in failed[1]), 3)) == ["问题", "原行号", headers[0]]
