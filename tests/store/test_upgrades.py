"""Upgrades of real files made by each released schema: every row kept, chains valid, a backup
first, and a migration that fails leaves the file byte for byte as it was."""

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlmodel import select

from app.models import Item
from app.models.enums import Action, ItemState
from app.services.chain import verify_chain
from app.services.history import record_event
from app.store import migrate
from app.store.database import open_database
from app.store.uow import UnitOfWork

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "db"
TRIGGERS = {"item_event_no_update", "item_event_no_delete", "item_no_delete"}
SAMPLES = {
    "item": "SELECT id, serial, state, request, void_reason, version FROM item ORDER BY id",
    "item_event": 'SELECT item_id, seq, "on", actor, action, to_state, note, changes FROM item_event '
    "ORDER BY id",
    "person": "SELECT id, name, id_number, phone FROM person ORDER BY id",
    "village": "SELECT code, name, township FROM village ORDER BY id",
}


def read(db: Path, sql: str) -> list[tuple]:
    # immutable: the committed fixture files are never touched (no -shm/-wal beside them)
    flags = "mode=ro&immutable=1" if db.parent == FIXTURES else "mode=ro"
    con = sqlite3.connect(f"file:{db}?{flags}", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def revision(db: Path) -> str:
    return read(db, "SELECT version_num FROM alembic_version")[0][0]


def counts(db: Path) -> dict[str, int]:
    tables = [r[0] for r in read(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {t: read(db, f'SELECT count(*) FROM "{t}"')[0][0] for t in tables if t != "alembic_version"}


def fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("schema_*.db"))


def script_revisions() -> list[str]:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    return [s.revision for s in reversed(list(scripts.walk_revisions()))]


def test_there_is_a_fixture_for_every_schema_version():
    """A new migration must come with a file made by the code that releases it (see README.md)."""
    assert [revision(p) for p in fixtures()] == script_revisions()
    assert [p.name for p in fixtures()] == [f"schema_{r}.db" for r in script_revisions()]


@pytest.mark.parametrize("fixture", fixtures(), ids=lambda p: p.stem)
def test_each_released_schema_upgrades_with_every_row_kept(tmp_path, fixture):
    db = tmp_path / "ledger.db"
    shutil.copyfile(fixture, db)
    old, before = revision(db), counts(db)
    samples = {t: read(db, sql) for t, sql in SAMPLES.items()}
    assert before["item"] >= 40 and before["item_event"] >= 200
    engine = open_database(db)
    try:
        with UnitOfWork(engine) as uow:
            report = verify_chain(uow.session)
    finally:
        engine.dispose()
    assert revision(db) == migrate.head_revision()
    after = counts(db)
    assert {t: after[t] for t in before} == before
    assert {t: read(db, sql) for t, sql in SAMPLES.items()} == samples
    assert report.ok and report.events_checked == before["item_event"], report.lines()
    assert report.items_checked == before["item"]
    names = {r[0] for r in read(db, "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert names == TRIGGERS
    assert read(db, "PRAGMA foreign_key_check") == [] and read(db, "PRAGMA integrity_check") == [("ok",)]
    backups = [p for p in tmp_path.rglob("*.db") if p != db]
    if old == migrate.head_revision():
        assert backups == []
    else:  # the backup is the file as it was
        assert len(backups) == 1 and revision(backups[0]) == old and counts(backups[0]) == before


def test_an_upgraded_file_goes_on_recording_chained_history(tmp_path):
    db = tmp_path / "ledger.db"
    shutil.copyfile(FIXTURES / "schema_0001.db", db)
    engine = open_database(db)
    try:
        with UnitOfWork(engine) as uow:
            item = uow.session.exec(
                select(Item).where(Item.state == ItemState.VILLAGE_HANDLING.value)
            ).first()
            assert item is not None
            record_event(uow.session, item, Action.FOLLOW_UP, on=date(2026, 11, 22), actor="杨运润",
                         from_state=ItemState(item.state), note="升级后回访")  # fmt: skip
            uow.commit()
        with UnitOfWork(engine) as uow:
            assert verify_chain(uow.session).ok
    finally:
        engine.dispose()


FAIL_AFTER = """

def {step}(*args):
    _real_{step}(*args)
    raise RuntimeError("模拟迁移中途失败")
"""


@pytest.mark.parametrize("step", ["_backfill", "_require_columns"])
def test_a_failing_0003_leaves_the_file_byte_for_byte_as_it_was(tmp_path, monkeypatch, step):
    db = tmp_path / "ledger.db"
    shutil.copyfile(FIXTURES / "schema_0002.db", db)
    original = db.read_bytes()
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (script,) = (scripts / "versions").glob("0003_*.py")
    text = script.read_text(encoding="utf-8")
    script.write_text(f"{text}\n_real_{step} = {step}\n{FAIL_AFTER.format(step=step)}", encoding="utf-8")
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", scripts)
    with pytest.raises(Exception, match="模拟迁移中途失败"):
        open_database(db)
    assert db.read_bytes() == original
    wal = Path(f"{db}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert revision(db) == "0002"


def test_an_upgrade_gives_back_the_pages_its_table_rebuilds_freed(tmp_path, monkeypatch):
    """0003 rebuilds item and item_event; without a VACUUM afterwards a county's file doubles."""

    def free_share(db: Path) -> float:
        con = sqlite3.connect(db)
        try:
            return (
                con.execute("PRAGMA freelist_count").fetchone()[0]
                / con.execute("PRAGMA page_count").fetchone()[0]
            )
        finally:
            con.close()

    kept = tmp_path / "kept.db"
    shutil.copy(FIXTURES / "schema_0002.db", kept)
    with monkeypatch.context() as m:
        m.setattr(migrate, "_reclaim_free_pages", lambda _db: None)
        migrate.upgrade_database(kept)
    assert free_share(kept) > 0.2  # what the rebuild leaves behind
    db = tmp_path / "reclaimed.db"
    shutil.copy(FIXTURES / "schema_0002.db", db)
    migrate.upgrade_database(db)
    assert free_share(db) < 0.05 and counts(db) == counts(kept)
