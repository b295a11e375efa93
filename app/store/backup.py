"""Making backups: consistent copies with SQLite's online backup API (never a plain file copy in
WAL mode), the automatic daily one and the "before-X" ones, and their rotation.

A backup is a single self-contained file (journal_mode=DELETE, no -wal/-shm beside it) named
`<db stem>-<reason>-<YYYYmmdd-HHMMSS-ffffff>.db`, so it can be copied to a USB stick as is.
Rotation keeps 7 days + 12 months of daily backups and the 10 newest of every other reason.
"""

import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.errors import DomainError
from app.store.location import (
    MIN_FREE_BYTES,
    backup_dir_for,
    ensure_folder,
    ensure_free_space,
    explain_os_error,
)

log = logging.getLogger(__name__)

DAILY = "daily"
MANUAL = "manual"
KEEP_DAYS, KEEP_MONTHS, KEEP_PER_REASON = 7, 12, 10
_STAMP = "%Y%m%d-%H%M%S-%f"
_NAME_RE = re.compile(
    r"^(?P<stem>.+?)-(?P<reason>daily|manual|before-[a-z]+)-(?P<stamp>\d{8}-\d{6}-\d{6})\.db$"
)


@dataclass(frozen=True)
class BackupName:
    stem: str
    reason: str
    made_at: datetime


def connect_existing(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection to a file that must already exist (sqlite3.connect would create an empty one)."""
    mode = "ro" if read_only else "rw"
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True)


def database_size(db_path: Path) -> int:
    return sum(p.stat().st_size for p in (db_path, Path(f"{db_path}-wal")) if p.exists())


def backup_database(db_path: Path, dest: Path) -> Path:
    """Copy the live database into `dest` page by page, check the copy, then rename it in place."""
    ensure_folder(dest.parent)
    ensure_free_space(dest.parent, database_size(db_path) + MIN_FREE_BYTES)
    tmp = dest.with_suffix(dest.suffix + ".part")
    try:
        tmp.unlink(missing_ok=True)
        ok = _copy_and_check(db_path, tmp)
    except sqlite3.DatabaseError as exc:
        tmp.unlink(missing_ok=True)
        if "full" in str(exc):
            raise explain_os_error(OSError(28, str(exc)), dest.parent) from exc
        raise DomainError(f"备份失败：无法读取或写入数据库（{exc}）") from exc
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise explain_os_error(exc, dest.parent) from exc
    if ok != "ok":
        tmp.unlink(missing_ok=True)
        raise DomainError(f"备份校验失败，数据库可能已损坏：{ok}")
    tmp.replace(dest)
    return dest


def _copy_and_check(db_path: Path, tmp: Path) -> str:
    src = connect_existing(db_path)
    try:
        out = sqlite3.connect(tmp)
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            return str(out.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            out.close()
    finally:
        src.close()


def timestamped_name(db_path: Path, reason: str, when: datetime | None = None) -> str:
    stamp = (when or datetime.now()).strftime(_STAMP)
    return f"{db_path.stem}-{reason}-{stamp}.db"


def parse_name(path: Path) -> BackupName | None:
    """The reason and time a backup was made, read from its file name (None for other files)."""
    m = _NAME_RE.match(path.name)
    if m is None:
        return None
    return BackupName(m["stem"], m["reason"], datetime.strptime(m["stamp"], _STAMP))


def _has_data(db_path: Path) -> bool:
    return db_path.is_file() and db_path.stat().st_size > 0


def _has_no_village(db_path: Path) -> bool:
    try:
        con = connect_existing(db_path, read_only=True)
        try:
            return con.execute("SELECT 1 FROM village LIMIT 1").fetchone() is None
        finally:
            con.close()
    except sqlite3.DatabaseError:  # no village table yet, or damaged: the copy would fail anyway
        return False


def backup_before(db_path: Path, reason: str) -> Path | None:
    """A verified backup before a risky step ("import", "restore", "upgrade"); None if no data yet.

    Call it before the step's transaction: `backup_before(db, "import")`.
    """
    if not _has_data(db_path):
        return None
    tag = reason if reason.startswith("before-") else f"before-{reason}"
    dest = backup_database(db_path, backup_dir_for(db_path) / timestamped_name(db_path, tag))
    rotate_backups(db_path)
    log.info("已备份（%s）：%s", tag, dest)
    return dest


def make_backup(db_path: Path, out_dir: Path | None = None) -> Path:
    """A backup made on request: into the backups folder, or into `out_dir` (a USB stick)."""
    if not _has_data(db_path):
        raise DomainError(f"数据库“{db_path}”还没有数据，不需要备份")
    folder = out_dir if out_dir is not None else backup_dir_for(db_path)
    dest = backup_database(db_path, folder / timestamped_name(db_path, MANUAL))
    if out_dir is None:
        rotate_backups(db_path)
    log.info("已备份：%s", dest)
    return dest


def ensure_daily_backup(db_path: Path, now: datetime | None = None) -> Path | None:
    """At the first start of each day: back up unless a daily backup from today exists."""
    now = now or datetime.now()
    if not _has_data(db_path) or _has_no_village(db_path):  # nothing to protect yet
        return None
    for path in backup_dir_for(db_path).glob(f"{db_path.stem}-{DAILY}-*.db"):
        name = parse_name(path)
        if name and name.stem == db_path.stem and name.made_at.date() == now.date():
            return None
    folder = backup_dir_for(db_path)
    dest = backup_database(db_path, folder / timestamped_name(db_path, DAILY, now))
    rotate_backups(db_path, now)
    log.info("每日自动备份：%s", dest)
    return dest


def rotate_backups(db_path: Path, now: datetime | None = None) -> list[Path]:
    """Delete old backups of this database; returns the deleted files.

    Daily: the newest of each of the last 7 days that have one, plus the first of each of the last
    12 months. Every other reason: its 10 newest. Files this program did not name are never touched.
    """
    by_reason: dict[str, list[tuple[datetime, Path]]] = {}
    for path in backup_dir_for(db_path).glob("*.db"):
        name = parse_name(path)
        if name is not None and name.stem == db_path.stem:
            by_reason.setdefault(name.reason, []).append((name.made_at, path))
    keep: set[Path] = set()
    for reason, found in by_reason.items():
        found.sort(reverse=True)
        if reason == DAILY:
            keep |= _daily_keepers(found)
        else:
            keep |= {p for _, p in found[:KEEP_PER_REASON]}
    deleted = [p for found in by_reason.values() for _, p in found if p not in keep]
    deleted += [p for p in backup_dir_for(db_path).glob(f"{db_path.stem}-*.db.part") if _stale(p)]
    for path in deleted:
        path.unlink(missing_ok=True)
    return deleted


def _stale(part: Path) -> bool:
    """A half-written copy left by a program that was closed during a backup."""
    return datetime.now().timestamp() - part.stat().st_mtime > 3600


def _daily_keepers(newest_first: list[tuple[datetime, Path]]) -> set[Path]:
    days: dict[object, Path] = {}
    months: dict[tuple[int, int], Path] = {}
    for made_at, path in newest_first:
        days.setdefault(made_at.date(), path)  # newest of the day
        months[(made_at.year, made_at.month)] = path  # ends as the first of the month
    recent_days = sorted(days, reverse=True)[:KEEP_DAYS]  # type: ignore[type-var]
    recent_months = sorted(months, reverse=True)[:KEEP_MONTHS]
    return {days[d] for d in recent_days} | {months[m] for m in recent_months}
