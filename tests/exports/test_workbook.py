"""The upward report workbook, read back with openpyxl as an importer (and Excel) would."""

import random
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from app.cli_workbook import WORKBOOK_COMMANDS
from app.exports.workbook import write_report_workbook
from app.models.enums import DeliberationDecision, Satisfaction
from app.services import actions
from app.services.identity import generate_id_number, id_check_character
from app.services.people import create_person
from app.services.registration import register_item
from app.services.report_data import ITEM_COLUMNS, build_report, checksum, figure_values
from app.services.statistics import Period, compute_statistics
from app.store.uow import UnitOfWork
from tests.conftest import make_item

TODAY = date(2026, 10, 20)
NOW = datetime(2026, 10, 20, 1, 30, 0, tzinfo=UTC)  # 09:30 Beijing time
PHONE = "13912345678"
FORMULA = "=SUM(A1:A9) 请把这一格当文字"
PLUS = "+86 13912345678 打来电话，反映路灯坏了"


def id_with_x() -> str:
    rng = random.Random(1)
    for _ in range(500):
        n = generate_id_number(rng, area="510623", birth=date(1970, 1, 1), gender="男")
        if id_check_character(n[:17]) == "X":
            return n
    raise AssertionError("no ID number ending in X")


ID_X = id_with_x()


def act(engine, action, item_id, on, **kw):
    with UnitOfWork(engine) as uow:
        action(uow=uow, item_id=item_id, on=on, actor="杨运润", **kw)
        uow.commit()


@pytest.fixture
def story(engine, settings, village):
    with UnitOfWork(engine) as uow:
        p = create_person(
            uow=uow, village_id=village.village_id, name="李秀兰", gender="男", id_number=ID_X, phone=PHONE
        )
        uow.commit()
        person_id = p.id

    def item(received, request="三社土地撂荒", ledger="minsheng", category="土地流转", person=None):
        with UnitOfWork(engine) as uow:
            it = register_item(
                uow=uow,
                config=settings.ledgers,
                village_id=village.village_id,
                ledger_key=ledger,
                category=category,
                person_id=person or village.person_id,
                source="走访",
                source_detail="访群众问民需",
                received_on=received,
                request=request,
                actor="杨运润",
                today=received,
                responsible_cadre_id=village.cadre_id,
            )
            uow.commit()
            return it.id

    a = item(date(2026, 9, 3), FORMULA, person=person_id)  # settled on the spot in Sept
    act(engine, actions.settle_on_spot, a, date(2026, 9, 3), measures="-现场处理", outcome="@已处理")
    act(
        engine,
        actions.confirm,
        a,
        date(2026, 9, 5),
        satisfaction=Satisfaction.SATISFIED,
        opinion="满意",
        signed_by="李秀兰",
    )
    b = item(date(2026, 9, 28), PLUS)  # escalated in Sept, overdue at the township now
    act(
        engine,
        actions.deliberate,
        b,
        date(2026, 9, 30),
        decision=DeliberationDecision.ESCALATE,
        opinion="上报",
        outcome="",
    )
    c = item(date(2026, 10, 9), "低保申请", ledger="kunnan", category="低保", person=person_id)
    act(
        engine,
        actions.deliberate,
        c,
        date(2026, 10, 10),
        decision=DeliberationDecision.HANDLE,
        opinion="村办",
        outcome="",
    )
    d = item(date(2026, 8, 10), "八月的事，十月办结")  # received in Aug, settled in Oct
    act(engine, actions.settle_on_spot, d, date(2026, 10, 2), measures="处理", outcome="已处理")
    e = item(date(2026, 8, 12), "八月的事，没有动静")  # untouched since Aug
    return SimpleNamespace(ids={"a": a, "b": b, "c": c, "d": d, "e": e})


def export(engine, settings, tmp_path, month=None, name="report.xlsx"):
    with UnitOfWork(engine) as uow:
        report = build_report(
            uow.session, settings=settings, month=month, village_ids=None, today=TODAY, now=NOW
        )
    out = tmp_path / name
    seen = []
    digest = write_report_workbook(report, out, progress=lambda n, t: seen.append((n, t)))
    return report, out, digest, seen


def data_rows(ws):
    return [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]


def test_workbook_read_back(engine, settings, story, tmp_path):
    report, out, digest, seen = export(engine, settings, tmp_path)
    import hashlib

    assert digest == hashlib.sha256(out.read_bytes()).hexdigest()
    assert seen[-1][0] == seen[-1][1]
    assert not list(tmp_path.glob(".*.tmp"))
    wb = load_workbook(out)
    ledger_names = [t.name for t in report.ledgers]
    assert wb.sheetnames == ["汇总", *ledger_names, "上报事项", "逾期事项", "历史", "_meta"]
    assert "民生台账" in ledger_names and "困难群众台账" in ledger_names

    # no formula anywhere; text exactly as typed
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    assert {FORMULA, PLUS, "-现场处理", "@已处理"} <= texts

    ms = wb["民生台账"]
    headers = [c.value for c in ms[2]]
    assert headers == [c.header for c in ITEM_COLUMNS]
    for h in ("编号", "UUID", "身份证号", "联系电话", "受理日期", "状态", "作废原因", "版本"):
        assert h in headers
    col = {h: i for i, h in enumerate(headers)}
    rows = data_rows(ms)
    uuids = {r[col["UUID"]] for r in rows}
    assert {story.ids[k] for k in "abde"} == uuids
    assert {r[col["UUID"]] for r in data_rows(wb["困难群众台账"])} == {story.ids["c"]}
    a_row = next(r for r in rows if r[col["UUID"]] == story.ids["a"])
    assert a_row[col["身份证号"]] == ID_X and ID_X.endswith("X")
    assert a_row[col["联系电话"]] == PHONE
    assert a_row[col["主要诉求及原因"]] == FORMULA
    assert a_row[col["满意度"]] == "满意" and a_row[col["状态"]] == "当事人已签字确认，待晒账"
    assert isinstance(a_row[col["受理日期"]], datetime)
    assert a_row[col["受理日期"]].date() == date(2026, 9, 3)
    id_cell = ms.cell(row=3 + rows.index(a_row), column=col["身份证号"] + 1)
    assert id_cell.data_type == "s" and id_cell.number_format == "@"
    date_cell = ms.cell(row=3 + rows.index(a_row), column=col["受理日期"] + 1)
    assert date_cell.is_date

    # print and view settings on every visible sheet
    for ws in wb.worksheets[:-1]:
        assert ws.freeze_panes == "A3", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A2:"), ws.title
        assert ws.print_title_rows == "$1:$2", ws.title
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws["A2"].font.b and ws["A2"].fill.fgColor.rgb.endswith("D9E1F2")
    assert ms.column_dimensions["A"].width >= 10

    # _meta: hidden, counts, checksum recomputed from the cells
    meta_ws = wb["_meta"]
    assert meta_ws.sheet_state == "hidden"
    meta = {k: v for k, v in meta_ws.iter_rows(min_row=2, values_only=True)}
    assert meta["format_version"] == "1"
    assert meta["exporter_code"] == "510623105201"
    assert meta["exported_at"] == "2026-10-20T09:30:00+08:00"
    assert meta["app_version"]
    for name in [*ledger_names, "上报事项", "逾期事项", "历史"]:
        assert int(meta[f"rows:{name}"]) == len(data_rows(wb[name])), name
    tables = [
        (n, [c.value for c in wb[n][2]], data_rows(wb[n]))
        for n in [*ledger_names, "上报事项", "逾期事项", "历史"]
    ]
    assert checksum(tables) == meta["checksum_sha256"] == report.meta.checksum

    # 汇总 equals compute_statistics
    with UnitOfWork(engine) as uow:
        stats = compute_statistics(uow.session, rules=settings.rules, cal=settings.calendar, today=TODAY)
    summary = [r[1] for r in wb["汇总"].iter_rows(min_row=3, max_row=16, values_only=True)]
    assert summary == figure_values(stats)
    assert stats["registered"] == 5 and stats["overdue"] >= 1

    # history rows = events; escalated and overdue lists
    from sqlmodel import func, select

    from app.models import ItemEvent

    with UnitOfWork(engine) as uow:
        n_events = uow.session.exec(select(func.count()).select_from(ItemEvent)).one()
    hist = data_rows(wb["历史"])
    assert len(hist) == n_events
    assert {r[6] for r in hist} >= {"建账登记", "就地办结", "议账", "当事人意见及签字确认"}
    assert [r[1] for r in data_rows(wb["上报事项"])] == [story.ids["b"]]
    assert story.ids["b"] in {r[1] for r in data_rows(wb["逾期事项"])}


def test_month_export_holds_that_months_items_and_events(engine, settings, story, tmp_path):
    report, out, _digest, _seen = export(engine, settings, tmp_path, month="2026-10")
    wb = load_workbook(out)
    uuids = {r[1] for t in report.ledgers for r in data_rows(wb[t.name])}
    assert uuids == {story.ids["c"], story.ids["d"]}  # received in Oct, or changed in Oct
    hist = data_rows(wb["历史"])
    # every event of those items (each file is whole for its items), some of them from October
    assert {r[0] for r in hist} == uuids
    assert any(Period.month("2026-10").contains(r[3].date()) for r in hist)
    assert any(not Period.month("2026-10").contains(r[3].date()) for r in hist)
    for uuid in uuids:
        seqs = sorted(r[2] for r in hist if r[0] == uuid)
        assert seqs == list(range(1, len(seqs) + 1))
    assert report.figures["registered"] == 1  # the cohort received in October
    meta = {k: v for k, v in wb["_meta"].iter_rows(min_row=2, values_only=True)}
    assert meta["month"] == "2026-10"


def test_cli_export_xlsx(engine, settings, story, tmp_path, capsys):
    ctx = SimpleNamespace(engine=engine, settings=settings, today=TODAY)
    out = tmp_path / "out.xlsx"
    args = SimpleNamespace(month=None, village="510623105201", out=out)
    assert WORKBOOK_COMMANDS["export-xlsx"](args, ctx) == 0
    text = capsys.readouterr().out
    assert str(out) in text and "民生台账：4行" in text and "历史" in text
    assert load_workbook(out).sheetnames[0] == "汇总"


def test_three_hundred_items_all_arrive(engine, settings, village, tmp_path):
    """(Export speed is measured by bench/bench_workbook.py, not here.)"""
    for i in range(300):
        make_item(engine, settings, village, received=date(2026, 9, 1 + i % 28), request=f"诉求{i}")
    report, out, _d, _s = export(engine, settings, tmp_path, name="big.xlsx")
    assert sum(len(t.rows) for t in report.ledgers) == 300
    wb = load_workbook(out, read_only=True)
    column = [c.header for c in report.ledgers[0].columns].index("主要诉求及原因") + 1
    requests = {
        r[0]
        for table in report.ledgers
        for r in wb[table.name].iter_rows(min_row=3, min_col=column, max_col=column, values_only=True)
    }
    assert requests == {f"诉求{i}" for i in range(300)}
