"""Using backups: list them, verify one (integrity, schema version, counts), restore one.

A restore first backs up the current state, then copies the backup into the live file with the
online backup API (one transaction: a crash half-way leaves the old data). A damaged database is
never overwritten or deleted: it is renamed aside with a timestamp (with its -wal/-shm) first.
"""

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory

from app.errors import DomainError
from app.store import migrate
from app.store.backup import (
    DAILY,
    MANUAL,
    backup_before,
    connect_existing,
    parse_name,
)
from app.store.location import (
    MIN_FREE_BYTES,
    backup_dir_for,
    ensure_folder,
    ensure_free_space,
    explain_os_error,
)

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
REASON_LABELS = {
    DAILY: "每日自动",
    MANUAL: "手动",
    "before-upgrade": "升级前",
    "before-import": "导入前",
    "before-restore": "恢复前",
}


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    made_at: datetime
    reason: str
    size: int
    problem: str | None = None  # None: verified
    schema: str | None = None
    items: int = 0
    villages: int = 0
    events: int = 0
    needs_upgrade: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, "其他")

    def summary(self) -> str:
        when = self.made_at.strftime("%Y-%m-%d %H:%M")
        if not self.ok:
            return f"{self.path.name}（{when}）不能用：{self.problem}"
        return f"{self.path.name}（{when}，{self.villages}个村，{self.items}件事项，{self.events}条办理记录）"


@dataclass(frozen=True)
class RestoreResult:
    info: BackupInfo
    safety_copy: Path | None  # the state before the restore, backed up
    set_aside: Path | None  # a damaged file renamed aside


def _known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return {s.revision for s in script.walk_revisions()}


def _open_read_only(path: Path) -> sqlite3.Connection:
    """Read without creating anything beside the file (a USB stick may be read-only)."""
    try:
        con = connect_existing(path, read_only=True)
        con.execute("SELECT 1 FROM sqlite_master LIMIT 1")
        return con
    except sqlite3.OperationalError:  # a WAL-mode copy on a medium where -shm cannot be made
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def verify_backup(path: Path) -> BackupInfo:
    """Check a backup file: SQLite header, integrity_check, schema version known, counts."""
    name = parse_name(path)
    base = {
        "path": path,
        "made_at": name.made_at if name else datetime.fromtimestamp(path.stat().st_mtime),
        "reason": name.reason if name else "",
        "size": path.stat().st_size,
    }
    with path.open("rb") as f:
        if f.read(16) != SQLITE_HEADER:
            return BackupInfo(**base, problem="文件已损坏或不是台账数据库")
    try:
        con = _open_read_only(path)
        try:
            return _inspect(con, base)
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return BackupInfo(**base, problem=f"文件已损坏或不是台账数据库（{exc}）")


def _inspect(con: sqlite3.Connection, base: dict) -> BackupInfo:  # type: ignore[type-arg]
    check = con.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        return BackupInfo(**base, problem=f"完整性检查未通过（{check}）")
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not {"alembic_version", "item", "village", "item_event"} <= tables:
        return BackupInfo(**base, problem="不是本软件的台账数据库")
    schema = con.execute("SELECT version_num FROM alembic_version").fetchone()
    schema = schema[0] if schema else None
    if schema not in _known_revisions():
        return BackupInfo(**base, schema=schema, problem="这份备份来自更新版本的软件，请先升级软件")
    counts = [
        con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("item", "village", "item_event")
    ]
    return BackupInfo(
        **base,
        schema=schema,
        items=counts[0],
        villages=counts[1],
        events=counts[2],
        needs_upgrade=schema != migrate.head_revision(),
    )


def list_backups(db_path: Path, folder: Path | None = None, *, verify: bool = True) -> list[BackupInfo]:
    """This database's backups in `folder` (default: its backups folder), newest first."""
    folder = folder or backup_dir_for(db_path)
    found: list[BackupInfo] = []
    for path in folder.glob("*.db") if folder.is_dir() else []:
        name = parse_name(path)
        if name is None or name.stem != db_path.stem:
            continue
        if verify:
            found.append(verify_backup(path))
        else:
            found.append(BackupInfo(path, name.made_at, name.reason, path.stat().st_size))
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def latest_good_backup(db_path: Path) -> BackupInfo | None:
    """The newest backup that passes verification (older ones are tried when the newest is bad)."""
    for candidate in list_backups(db_path, verify=False):
        info = verify_backup(candidate.path)
        if info.ok:
            return info
    return None


def is_healthy(db_path: Path) -> bool:
    """True when the file is a SQLite database whose quick_check passes."""
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return False
    with db_path.open("rb") as f:
        if f.read(16) != SQLITE_HEADER:
            return False
    try:
        con = connect_existing(db_path)
        try:
            return bool(con.execute("PRAGMA quick_check").fetchone()[0] == "ok")
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return False


def set_aside(db_path: Path, when: datetime | None = None) -> Path:
    """Rename a damaged database (and its -wal/-shm) to `<stem>-已损坏-<time>.db`; never delete it."""
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = db_path.with_name(f"{db_path.stem}-已损坏-{stamp}{db_path.suffix}")
    try:
        for suffix in ("-wal", "-shm"):
            side = Path(f"{db_path}{suffix}")
            if side.exists():
                side.replace(Path(f"{target}{suffix}"))
        db_path.replace(target)
    except OSError as exc:
        raise explain_os_error(exc, db_path.parent) from exc
    log.warning("已损坏的数据库已改名保存：%s", target)
    return target


def restore_backup(backup: Path, db_path: Path) -> RestoreResult:
    """Replace the database's content with a verified backup; the caller holds the database lock
    and has closed its own connections (engine.dispose())."""
    info = verify_backup(backup)
    if not info.ok:
        raise DomainError(f"这份备份不能用来恢复：{info.problem}")
    if backup.resolve() == db_path.resolve():
        raise DomainError("不能用数据库文件本身来恢复，请选择一份备份")
    ensure_folder(db_path.parent)  # a new computer: the data folder may not be there yet
    ensure_free_space(db_path.parent, 2 * info.size + MIN_FREE_BYTES)
    safety, aside = None, None
    if is_healthy(db_path):
        safety = backup_before(db_path, "restore")
    elif db_path.exists():
        aside = set_aside(db_path)
    _copy_into(backup, db_path)
    if info.needs_upgrade:
        migrate.upgrade_database(db_path)
    log.info("已从备份恢复：%s（恢复前的备份：%s，改名保存：%s）", backup, safety, aside)
    return RestoreResult(info, safety, aside)


def _copy_into(backup: Path, db_path: Path) -> None:
    """One online-backup transaction into the live file, then back to WAL and checkpointed."""
    src = _open_read_only(backup)
    try:
        dst = sqlite3.connect(db_path)
        try:
            dst.execute("PRAGMA busy_timeout=5000")
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        if "full" in str(exc):
            raise explain_os_error(OSError(28, str(exc)), db_path.parent) from exc
        raise DomainError(f"恢复失败，原数据没有改动：{exc}") from exc
    finally:
        src.close()
    if check != "ok":
        raise DomainError(f"恢复后的检查未通过：{check}")
