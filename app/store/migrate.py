"""Schema migrations (Alembic, batch mode): run automatically, with a backup copy taken first."""

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.errors import DomainError
from app.store.backup import backup_before
from app.store.engine import make_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db_path: Path) -> str | None:
    engine = make_engine(db_path)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _check_is_database(db_path: Path) -> bool:
    """True if the file holds tables; raises a Chinese error for a file that is not a database."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return False
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DomainError(f"文件“{db_path}”不是台账数据库，或已损坏（{exc}）") from exc
    if names and "alembic_version" not in names:
        raise DomainError(f"文件“{db_path}”不是本软件的台账数据库")
    return bool(names)


def upgrade_database(db_path: Path) -> Path | None:
    """Bring the file to the current schema; returns the backup taken, if any.

    Foreign keys are OFF for the run (a batch rebuild with them ON cascades deletes), the whole
    upgrade is one transaction, and foreign_key_check must be clean before it commits.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    has_tables = _check_is_database(db_path)
    head = head_revision()
    if has_tables and current_revision(db_path) == head:
        return None
    backup = backup_before(db_path, "upgrade") if has_tables else None
    engine = make_engine(db_path, foreign_keys=False)
    try:
        with engine.connect() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise DomainError(f"数据库升级后外键检查失败：{problems[:3]}")
    finally:
        engine.dispose()
    if has_tables:
        _reclaim_free_pages(db_path)
    return backup


def _reclaim_free_pages(db_path: Path) -> None:
    """A migration that rebuilds tables leaves their old pages free (a county's 740 MB file became
    1.4 GB): VACUUM once, after the upgrade committed, when more than a fifth of the file is free.
    VACUUM is itself one transaction: a power cut during it leaves the upgraded file as it was."""
    con = sqlite3.connect(db_path, isolation_level=None)
    try:
        free = con.execute("PRAGMA freelist_count").fetchone()[0]
        total = con.execute("PRAGMA page_count").fetchone()[0]
        if total and free * 5 > total:
            con.execute("VACUUM")
    finally:
        con.close()
