"""Open a ledger database: check the place and the file, migrate it (backup first), hand back the
engine. Every way this can fail ends in one Chinese DomainError; nothing is overwritten or deleted.

Callers that write take the single-writer lock first (`app.store.lock.hold_database_lock`).
"""

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine

from app.errors import DomainError
from app.store.backups import SQLITE_HEADER, BackupInfo, is_healthy, latest_good_backup
from app.store.engine import make_engine
from app.store.location import (
    MIN_FREE_BYTES,
    disk_full_message,
    ensure_folder,
    ensure_free_space,
    explain_os_error,
    probe_writable,
    read_only_message,
)
from app.store.migrate import upgrade_database

# quick_check reads every page: 0.1 s for a village's few MB, about 2 s for a county's 360 MB.
# Above the limit the header is checked at start; the daily backup's integrity_check covers the rest.
QUICK_CHECK_LIMIT = 128 * 1024 * 1024


class DatabaseDamaged(DomainError):
    """The file is damaged or not a database; `backup` is the newest good backup, if any."""

    def __init__(self, db_path: Path, backup: BackupInfo | None) -> None:
        text = f"文件已损坏或不是台账数据库：“{db_path}”。文件没有被改动或删除。"
        if backup is not None:
            text += f"\n最近一份完好的备份：{backup.summary()}"
        else:
            text += "\n没有找到可用的备份，请找乡镇或技术人员帮助。"
        super().__init__(text)
        self.db_path, self.backup = db_path, backup


def open_database(db_path: Path) -> Engine:
    """The engine on an up-to-date database; a Chinese DomainError if the file cannot be used."""
    folder = db_path.parent
    ensure_folder(folder)
    if db_path.exists() and not db_path.is_file():
        raise DomainError(f"“{db_path}”是一个文件夹，不是台账数据库文件")
    check_file(db_path)
    check_writable(db_path)
    try:
        upgrade_database(db_path)
        engine = make_engine(db_path)
        probe_write_transaction(engine)
    except sqlite3.DatabaseError as exc:
        raise explain_sqlite_error(exc, db_path) from exc
    except OSError as exc:
        raise explain_os_error(exc, folder) from exc
    return engine


def check_file(db_path: Path) -> None:
    """A file that is there must be a healthy SQLite database (header and quick_check)."""
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return
    with db_path.open("rb") as f:
        header = f.read(16)
    if header != SQLITE_HEADER or (db_path.stat().st_size <= QUICK_CHECK_LIMIT and not is_healthy(db_path)):
        raise DatabaseDamaged(db_path, latest_good_backup(db_path))


def check_writable(db_path: Path) -> None:
    """The folder takes a real write, the file is writable and the disk has some room left."""
    probe_writable(db_path.parent)
    if db_path.exists() and not os.access(db_path, os.W_OK):
        raise DomainError(read_only_message(db_path.parent))
    ensure_free_space(db_path.parent, MIN_FREE_BYTES)


def probe_write_transaction(engine: Engine) -> None:
    """Make and roll back a real write: a read-only file or medium fails here, not mid-way through work."""
    raw = engine.raw_connection()
    try:
        con = raw.driver_connection
        assert con is not None
        con.execute("BEGIN IMMEDIATE")
        try:  # BEGIN IMMEDIATE alone succeeds on a read-only file: only a real write fails
            con.execute("CREATE TABLE taizhang_write_probe (x INTEGER)")
        finally:
            con.execute("ROLLBACK")
    finally:
        raw.close()


def explain_sqlite_error(exc: sqlite3.DatabaseError, db_path: Path) -> DomainError:
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return DomainError(read_only_message(db_path.parent))
    if "full" in text:
        return DomainError(disk_full_message(db_path.parent))
    if "not a database" in text or "malformed" in text:
        return DatabaseDamaged(db_path, latest_good_backup(db_path))
    if "locked" in text or "busy" in text:
        return DomainError("数据库正被另一个程序使用，请先关闭它")
    return DomainError(f"无法打开数据库“{db_path}”：{exc}")
