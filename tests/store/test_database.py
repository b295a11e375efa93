"""The store: durability PRAGMAs, migrations with a backup first, all-or-nothing units of work."""

import shutil
import sqlite3
from datetime import date

import pytest
from sqlalchemy import text

from app.errors import DomainError
from app.models import Village
from app.store import migrate
from app.store.database import open_database
from app.store.location import backup_dir_for
from app.store.uow import UnitOfWork


def test_every_connection_uses_wal_full_sync_and_foreign_keys(engine):
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_new_database_is_at_head_and_has_no_backup(tmp_path):
    db = tmp_path / "new.db"
    open_database(db).dispose()
    assert migrate.current_revision(db) == migrate.head_revision()
    assert not backup_dir_for(db).exists()


def test_upgrade_of_an_old_file_takes_a_verified_backup_first(tmp_path, monkeypatch):
    db = tmp_path / "old.db"
    open_database(db).dispose()
    con = sqlite3.connect(db)
    con.execute(
        "INSERT INTO village (code, name, township, county, supervision_phone, "
        "township_discipline_phone, created_at) VALUES ('510623105201', '柳林沟村', "
        "'富兴镇', '中江县', '', '', '2026-01-01 00:00:00')"
    )
    con.execute("UPDATE alembic_version SET version_num = 'older'")
    con.commit()
    con.close()
    monkeypatch.setattr(migrate.command, "upgrade", lambda cfg, rev: None)
    migrate.upgrade_database(db)
    backups = list(backup_dir_for(db).glob("*.db"))
    assert len(backups) == 1
    copy = sqlite3.connect(backups[0])
    assert copy.execute("SELECT name FROM village").fetchone() == ("柳林沟村",)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()


BROKEN_MIGRATION = """
from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("half_made", sa.Column("x", sa.Integer()))
    with op.batch_alter_table("village") as batch:
        batch.add_column(sa.Column("extra", sa.String(), nullable=True))
    op.execute("INSERT INTO no_such_table VALUES (1)")


def downgrade():
    pass
"""


def test_a_failing_migration_leaves_the_file_exactly_as_it_was(tmp_path, monkeypatch):
    db = tmp_path / "fail.db"
    open_database(db).dispose()
    before = sqlite3.connect(db).execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts)
    head = migrate.head_revision()
    (scripts / "versions" / "9999_broken.py").write_text(BROKEN_MIGRATION.format(head=head))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", scripts)
    with pytest.raises(Exception, match="no_such_table"):
        migrate.upgrade_database(db)
    con = sqlite3.connect(db)
    after = con.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    assert after == before
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
    assert len(list(backup_dir_for(db).glob("*.db"))) == 1


def test_not_a_database_gives_a_chinese_message(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DomainError, match="不是台账数据库"):
        open_database(junk)
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(DomainError, match="不是本软件"):
        open_database(other)


def test_unit_of_work_without_commit_saves_nothing(engine):
    with UnitOfWork(engine) as uow:
        uow.session.add(Village(code="510623105299", name="试验村", township="富兴镇", county="中江县"))
        uow.flush()
    with UnitOfWork(engine) as uow:
        assert uow.session.get(Village, 1) is None


def test_unit_of_work_rolls_back_on_error(engine):
    with pytest.raises(ValueError), UnitOfWork(engine) as uow:
        uow.session.add(Village(code="510623105299", name="试验村", township="富兴镇", county="中江县"))
        uow.flush()
        raise ValueError("用户取消")
    with UnitOfWork(engine) as uow:
        assert uow.session.get(Village, 1) is None


def test_committed_objects_stay_readable_after_the_unit_of_work(engine):
    with UnitOfWork(engine) as uow:
        v = Village(code="510623105298", name="试验村", township="富兴镇", county="中江县")
        uow.session.add(v)
        uow.commit()
    assert v.name == "试验村" and v.id is not None and v.created_at.year >= date.today().year - 1
