"""Tamper evidence: an outside SQLite tool edits, deletes, inserts or reorders history rows; verify
names the item, the 序号 and what happened, every time."""

import shutil
import sqlite3
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlmodel import Session, select

from app.exports.workbook_reader import read_workbook
from app.models import Item, ItemEvent
from app.models.item import NO_HISTORY
from app.services import actions, chain
from app.services.chain import (
    CONTENT_CHANGED,
    EVENT_DELETED,
    EVENT_INSERTED,
    LAST_DELETED,
    ORDER_CHANGED,
    verify_chain,
)
from app.services.importing import ImportPlan, apply_import, validate
from app.store.database import open_database
from app.store.engine import make_engine
from app.store.uow import UnitOfWork
from tests.conftest import export_workbook, make_item, worked_demo

TODAY = date(2026, 11, 22)
TRIGGERS = ("item_event_no_update", "item_event_no_delete", "item_no_delete")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """A small worked demo (every state), built once; each test tampers with its own copy."""
    return worked_demo(tmp_path_factory.mktemp("chain"), villages=2, items=25, seed=11, today=TODAY)


def copy_of(demo_db: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "copy.db"
    shutil.copyfile(demo_db, target)
    return target


def verify(db: Path) -> chain.VerifyReport:
    engine = make_engine(db)
    try:
        with Session(engine) as session:
            return verify_chain(session)
    finally:
        engine.dispose()


def attacker(db: Path) -> sqlite3.Connection:
    """What someone with DB Browser for SQLite does first: drop the triggers in the way."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA foreign_keys=OFF")
    for name in TRIGGERS:
        con.execute(f"DROP TRIGGER IF EXISTS {name}")
    return con


def long_items(db: Path, at_least: int = 4) -> list[tuple[str, str, int]]:
    """(item id, serial, number of events) of items with a history at least that long."""
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT i.id, i.serial, count(*) FROM item i JOIN item_event e ON e.item_id = i.id "
        "GROUP BY i.id HAVING count(*) >= ? ORDER BY i.serial",
        (at_least,),
    ).fetchall()
    con.close()
    return rows


def forged_row(item_id: str, seq: int, prev_hash: str, hash_: str) -> tuple:
    return (item_id, seq, "2026-11-20 08:00:00.000000", "2026-11-20", "伪造者", "settle", "registered",
            "settled", "伪造的办结记录", "{}", prev_hash, hash_)  # fmt: skip


INSERT = (
    'INSERT INTO item_event (item_id, seq, at, "on", actor, action, from_state, to_state, note, '
    "changes, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def shift_up(con: sqlite3.Connection, item_id: str, from_seq: int) -> None:
    """Make room at from_seq (seq + 1 for it and every later event) despite the unique (item, seq)."""
    con.execute("UPDATE item_event SET seq = -seq - 1 WHERE item_id = ? AND seq >= ?", (item_id, from_seq))
    con.execute("UPDATE item_event SET seq = -seq WHERE item_id = ? AND seq < 0", (item_id,))


def swap(con: sqlite3.Connection, item_id: str, a: int, b: int) -> None:
    con.execute("UPDATE item_event SET seq = -1 WHERE item_id = ? AND seq = ?", (item_id, a))
    con.execute("UPDATE item_event SET seq = ? WHERE item_id = ? AND seq = ?", (a, item_id, b))
    con.execute("UPDATE item_event SET seq = ? WHERE item_id = ? AND seq = -1", (b, item_id))


def hash_of(con: sqlite3.Connection, item_id: str, seq: int) -> str:
    return con.execute(
        "SELECT hash FROM item_event WHERE item_id = ? AND seq = ?", (item_id, seq)
    ).fetchone()[0]


def assert_broken(report: chain.VerifyReport, serial: str, problem: str, seq: int) -> None:
    assert not report.ok
    assert report.broken_items == 1, report.problems
    first = report.first
    assert first is not None
    assert (first.serial, first.problem, first.seq) == (serial, problem, seq), first
    assert problem in "\n".join(report.lines()) and serial in "\n".join(report.lines())


# ------------------------------------------------------------------------------------------


def test_untampered_demo_verifies_and_its_histories_are_contiguous(demo_db, tmp_path):
    db = copy_of(demo_db, tmp_path)
    report = verify(db)
    assert report.ok and report.problems == []
    assert report.items_checked == 50 and report.events_checked > 100
    assert "历史记录完整" in report.lines()[0] and report.digest in report.lines()[1]
    con = sqlite3.connect(db)
    gaps = con.execute(
        "SELECT count(*) FROM (SELECT item_id, max(seq) m, count(*) n FROM item_event GROUP BY item_id) "
        "WHERE m != n"
    ).fetchone()
    assert gaps == (0,)  # the tamper tests below rely on 序号 1..n
    heads = con.execute(
        "SELECT count(*) FROM item i WHERE history_head != (SELECT hash FROM item_event e "
        "WHERE e.item_id = i.id ORDER BY seq DESC LIMIT 1)"
    ).fetchone()
    assert heads == (0,)
    assert verify(db).digest == report.digest


def test_the_triggers_still_refuse_edits_and_deletes(demo_db, tmp_path):
    con = sqlite3.connect(copy_of(demo_db, tmp_path))
    with pytest.raises(sqlite3.IntegrityError, match="只能追加"):
        con.execute("UPDATE item_event SET note = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="只能追加"):
        con.execute("DELETE FROM item_event")
    with pytest.raises(sqlite3.IntegrityError, match="只能作废"):
        con.execute("DELETE FROM item")


@pytest.mark.parametrize(
    "column, value",
    [
        ("note", "已办结（改过）"),
        ("on", "2026-01-01"),
        ("at", "2025-01-01 00:00:00.000000"),
        ("actor", "别人"),
    ],
)
def test_edited_event_is_content_changed(demo_db, tmp_path, column, value):
    db = copy_of(demo_db, tmp_path)
    item_id, serial, _n = long_items(db)[0]
    con = attacker(db)
    con.execute(f'UPDATE item_event SET "{column}" = ? WHERE item_id = ? AND seq = 2', (value, item_id))
    assert_broken(verify(db), serial, CONTENT_CHANGED, 2)


def test_deleted_middle_event(demo_db, tmp_path):
    db = copy_of(demo_db, tmp_path)
    item_id, serial, _n = long_items(db)[0]
    attacker(db).execute("DELETE FROM item_event WHERE item_id = ? AND seq = 2", (item_id,))
    report = verify(db)
    assert_broken(report, serial, EVENT_DELETED, 2)
    assert "第2条不见了" in report.first.detail


def test_deleted_middle_event_with_the_rest_renumbered(demo_db, tmp_path):
    db = copy_of(demo_db, tmp_path)
    item_id, serial, _n = long_items(db)[0]
    con = attacker(db)
    con.execute("DELETE FROM item_event WHERE item_id = ? AND seq = 2", (item_id,))
    con.execute("UPDATE item_event SET seq = seq - 1 WHERE item_id = ? AND seq > 2", (item_id,))
    assert_broken(verify(db), serial, EVENT_DELETED, 2)


def test_deleted_first_event(demo_db, tmp_path):
    db = copy_of(demo_db, tmp_path)
    item_id, serial, _n = long_items(db)[0]
    attacker(db).execute("DELETE FROM item_event WHERE item_id = ? AND seq = 1", (item_id,))
    assert_broken(verify(db), serial, EVENT_DELETED, 1)


def test_deleted_last_event_is_caught_by_the_head(demo_db, tmp_path):
    db = copy_of(demo_db, tmp_path)
    item_id, serial, n = long_items(db)[0]
    attacker(db).execute("DELETE FROM item_event WHERE item_id = ? AND seq = ?", (item_id, n))
    report = verify(db)
    assert_broken(report, serial, LAST_DELETED, n)
    assert f"第{n - 1}条之后的记录不见了" in report.first.detail


def test_all_events_of_an_item_deleted(demo_db, tmp_path):
    db = copy_of(demo_db, tmp_path)
    item_id, serial, _n = long_items(db)[0]
    attacker(db).execute("DELETE FROM item_event WHERE item_id = ?", (item_id,))
    assert_broken(verify(db), serial, LAST_DELETED, 1)


def test_deleted_item_row_leaves_its_events_behind(demo_db, tmp_path):
    db = copy_of(demo_db, tmp_path)
    item_id, _serial, _n = long_items(db)[0]
    attacker(db).execute("DELETE FROM item WHERE id = ?", (item_id,))
    report = verify(db)
    assert report.broken_items == 1 and report.first.problem == EVENT_DELETED
    assert report.first.item_id == item_id and "事项本身被删除" in report.first.detail


def test_forged_event_appended_at_the_end(demo_db, tmp_path):
    db = copy_of(demo_db, tmp_path)
    item_id, serial, n = long_items(db)[0]
    con = attacker(db)
    con.execute(INSERT, forged_row(item_id, n + 1, hash_of(con, item_id, n), "ab" * 32))
    assert_broken(verify(db), serial, EVENT_INSERTED, n + 1)


def test_forged_event_with_a_correct_hash_is_caught_by_the_head(demo_db, tmp_path):
    db = copy_of(demo_db, tmp_path)
    item_id, serial, n = long_items(db)[0]
    con = attacker(db)
    prev = hash_of(con, item_id, n)
    row = forged_row(item_id, n + 1, prev, "")
    content = (item_id, n + 1, row[3], row[2], *row[4:10])
    con.execute(INSERT, (*row[:-1], chain.event_hash(content, prev)))
    assert_broken(verify(db), serial, EVENT_INSERTED, n + 1)


def test_forged_event_slipped_into_the_middle(demo_db, tmp_path):
    db = copy_of(demo_db, tmp_path)
    item_id, serial, _n = long_items(db)[0]
    con = attacker(db)
    shift_up(con, item_id, 3)
    con.execute(INSERT, forged_row(item_id, 3, "cd" * 32, "ef" * 32))
    assert_broken(verify(db), serial, EVENT_INSERTED, 3)


@pytest.mark.parametrize("a, b", [(2, 3), (1, 4), (2, 4)])
def test_swapped_events_are_order_changed(demo_db, tmp_path, a, b):
    db = copy_of(demo_db, tmp_path)
    item_id, serial, _n = long_items(db)[0]
    swap(attacker(db), item_id, a, b)
    assert_broken(verify(db), serial, ORDER_CHANGED, a)


def test_a_full_rewrite_with_this_code_passes_the_chain_but_changes_the_digest(demo_db, tmp_path):
    """Without a secret key the chain cannot stop someone who recomputes it; the digest, noted
    down earlier (or printed), still shows the file is not the one it was."""
    db = copy_of(demo_db, tmp_path)
    before = verify(db).digest
    item_id, _serial, _n = long_items(db)[0]
    con = attacker(db)
    con.execute("UPDATE item_event SET note = '改写' WHERE item_id = ? AND seq = 2", (item_id,))
    prev = NO_HISTORY
    cols = 'seq, "on", at, actor, action, from_state, to_state, note, changes'
    for row in con.execute(
        f"SELECT {cols} FROM item_event WHERE item_id = ? ORDER BY seq", (item_id,)
    ).fetchall():
        digest = chain.event_hash((item_id, *row), prev)
        con.execute(
            "UPDATE item_event SET prev_hash = ?, hash = ? WHERE item_id = ? AND seq = ?",
            (prev, digest, item_id, row[0]),
        )
        prev = digest
    con.execute("UPDATE item SET history_head = ? WHERE id = ?", (prev, item_id))
    after = verify(db)
    assert after.ok and after.digest != before


TAMPERS = ("edit", "delete", "delete_last", "append", "insert", "swap")


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_tampering_is_always_found_and_named(demo_db, tmp_path, data):
    db = copy_of(demo_db, tmp_path / uuid.uuid4().hex)
    item_id, serial, n = data.draw(st.sampled_from(long_items(db, at_least=3)))
    kind = data.draw(st.sampled_from(TAMPERS))
    k = data.draw(st.integers(1, n - 1))
    con = attacker(db)
    if kind == "edit":
        column = data.draw(st.sampled_from(["note", "actor", "on", "to_state", "changes", "hash"]))
        con.execute(
            f'UPDATE item_event SET "{column}" = ? WHERE item_id = ? AND seq = ?', ("2020-02-02", item_id, k)
        )
        expected = (CONTENT_CHANGED, k)
    elif kind == "delete":
        con.execute("DELETE FROM item_event WHERE item_id = ? AND seq = ?", (item_id, k))
        expected = (EVENT_DELETED, k)
    elif kind == "delete_last":
        con.execute("DELETE FROM item_event WHERE item_id = ? AND seq = ?", (item_id, n))
        expected = (LAST_DELETED, n)
    elif kind == "append":
        con.execute(
            INSERT,
            forged_row(item_id, n + 1, data.draw(st.sampled_from(["", hash_of(con, item_id, n)])), "0"),
        )
        expected = (EVENT_INSERTED, n + 1)
    elif kind == "insert":
        shift_up(con, item_id, k)
        con.execute(INSERT, forged_row(item_id, k, uuid.uuid4().hex, uuid.uuid4().hex))
        expected = (EVENT_INSERTED, k)
    else:
        b = data.draw(st.integers(k + 1, n))
        swap(con, item_id, k, b)
        expected = (ORDER_CHANGED, k)
    con.close()
    assert_broken(verify(db), serial, *expected)


# ------------------------------------------------------------------------------------------


def test_every_writer_links_events_in_order(engine, settings, village):
    item = make_item(engine, settings, village, received=date(2026, 9, 3))
    with UnitOfWork(engine) as uow:
        actions.settle_on_spot(
            uow=uow, item_id=item.id, on=date(2026, 9, 3), actor="杨运润", measures="现场", outcome="已处理"
        )
        uow.commit()
    with UnitOfWork(engine) as uow:
        events = uow.session.exec(
            select(ItemEvent).where(ItemEvent.item_id == item.id).order_by(ItemEvent.seq)
        ).all()
        stored = uow.session.get(Item, item.id)
        assert [e.prev_hash for e in events] == [NO_HISTORY, events[0].hash]
        assert stored.history_head == events[-1].hash
        assert verify_chain(uow.session).ok


def test_an_event_that_does_not_extend_the_history_is_refused(engine, settings, village):
    item = make_item(engine, settings, village, received=date(2026, 9, 3))
    with pytest.raises(Exception, match="不在该事项历史的末尾"), UnitOfWork(engine) as uow:
        uow.session.add(
            ItemEvent(
                item_id=item.id,
                seq=1,
                on=date(2026, 9, 3),
                actor="某人",
                action="edit",
                to_state="registered",
            )
        )
        uow.flush()


def test_an_imported_workbook_keeps_every_chain_valid_and_the_same(engine, settings, village, tmp_path):
    item_id = make_item(engine, settings, village, received=date(2026, 9, 3)).id
    township = open_database(tmp_path / "township.db")
    export_and_import(engine, settings, township, tmp_path / "first.xlsx")
    with UnitOfWork(engine) as uow:  # the village goes on working; the next report carries more
        actions.settle_on_spot(
            uow=uow, item_id=item_id, on=date(2026, 9, 4), actor="杨运润", measures="现场", outcome="已处理"
        )
        uow.commit()
    export_and_import(engine, settings, township, tmp_path / "second.xlsx")
    with UnitOfWork(township) as uow:
        report = verify_chain(uow.session)
        head = uow.session.get(Item, item_id).history_head
    assert report.ok and report.events_checked == 2
    with UnitOfWork(engine) as uow:  # the same event content hashes the same in both files
        assert uow.session.get(Item, item_id).history_head == head
    township.dispose()


def export_and_import(engine, settings, township, path):
    export_workbook(engine, settings, path, today=TODAY, now=datetime(2026, 11, 22, 1, 0))
    plan = validate(read_workbook(path), path.name)
    assert isinstance(plan, ImportPlan), plan
    with UnitOfWork(township) as uow:
        apply_import(uow=uow, plan=plan, dry_run=False, config=settings.ledgers)
        uow.commit()


def test_thousands_of_events_link_in_one_batch(engine, village):
    with UnitOfWork(engine) as uow:
        session = uow.session
        ids = [str(uuid.uuid4()) for _ in range(600)]
        session.execute(
            insert(Item.__table__), [item_row(village, n, item_id) for n, item_id in enumerate(ids)]
        )
        when = datetime(2026, 9, 1, tzinfo=UTC)
        events = [
            ItemEvent(
                item_id=i, seq=s, on=when.date(), at=when, actor="甲", action="edit", to_state="registered"
            )
            for i in ids
            for s in range(1, 6)
        ]
        session.add_all(events)
        chain.link_events(session, events)
        session.flush()
        report = verify_chain(session)
        assert report.ok and report.events_checked == 3000


def item_row(village, n: int, item_id: str) -> dict:
    day = date(2026, 9, 1)
    return Item(
        id=item_id,
        village_id=village.village_id,
        ledger_id=1,
        category="土地流转",
        serial=f"T{n:05d}",
        year=2026,
        seq=n + 1,
        person_id=village.person_id,
        source="走访",
        received_on=day,
        request="测试",
        state="registered",
        level_started_on=day,
    ).model_dump()


def test_cli_verify_says_ok_then_names_the_broken_link(demo_db, tmp_path, monkeypatch, capsys):
    from app.cli import main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    db = copy_of(demo_db, tmp_path / "cli")
    assert main(["verify", "--db", str(db)]) == 0
    assert "历史记录完整：共检查50件事项" in capsys.readouterr().out
    item_id, serial, _n = long_items(db)[0]
    attacker(db).execute("UPDATE item_event SET note = '改过' WHERE item_id = ? AND seq = 3", (item_id,))
    assert main(["verify", "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert f"第一处：事项{serial}：内容被改动（第3条的内容与记录时不同）" in out
    assert main(["verify", "--db", str(db), "--json"]) == 1
    assert '"problem": "内容被改动"' in capsys.readouterr().out


def test_workspace_verify_history_reports_progress(workspace, engine, settings, village):
    make_item(engine, settings, village, received=date(2026, 9, 3))
    seen: list[tuple[int, int]] = []
    report = workspace.verify_history(lambda done, total: seen.append((done, total)))
    assert report.ok and report.items_checked == 1 and seen[-1] == (1, 1)
