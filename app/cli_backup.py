"""Backup commands: `taizhang backup [--out DIR]`, `taizhang backups [--dir DIR]`, `taizhang restore FILE`.

They run without the usual start-up (a damaged database must still be restorable), so `app/cli.py`
calls `BACKUP_COMMANDS[command](args)` before it opens the database. Making and listing backups
only read the database; a restore takes the single-writer lock.
"""

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.errors import DomainError
from app.store.backup import ensure_daily_backup, make_backup
from app.store.backups import BackupInfo, list_backups, restore_backup, verify_backup
from app.store.database import DatabaseDamaged
from app.store.location import backup_dir_for, default_db_path
from app.store.lock import hold_database_lock


def add_backup_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[common], help="立即备份数据库（可备份到U盘）")
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="备份到这个文件夹，例如U盘（默认是数据库旁的backups）"
    )
    p = sub.add_parser("backups", parents=[common], help="列出备份，并逐个检查能否使用")
    p.add_argument("--dir", type=Path, metavar="DIR", help="列出这个文件夹里的备份（例如U盘）")
    p.add_argument("--json", action="store_true", help="输出JSON")
    p = sub.add_parser("restore", parents=[common], help="从备份恢复（恢复前自动备份当前数据）")
    p.add_argument("file", type=Path, metavar="FILE", help="备份文件（.db）")


def _db(args: argparse.Namespace) -> Path:
    return getattr(args, "db", None) or default_db_path()


def _cmd_backup(args: argparse.Namespace) -> int:
    db = _db(args)
    if not db.is_file():
        raise DomainError(f"找不到数据库文件“{db}”")
    path = make_backup(db, args.out)
    info = verify_backup(path)
    print(f"已备份并检查通过：{path}")
    print(f"  {info.villages}个村，{info.items}件事项，{info.events}条办理记录，{info.size / 1e6:.1f} MB")
    return 0


def _cmd_backups(args: argparse.Namespace) -> int:
    db = _db(args)
    folder = args.dir or backup_dir_for(db)
    found = list_backups(db, folder)
    if args.json:
        print(json.dumps([_as_json(b) for b in found], ensure_ascii=False, indent=2))
        return 0
    if not found:
        print(f"“{folder}”里没有{db.stem}的备份")
        return 0
    print(f"{folder} 里的备份（新的在前）：")
    for b in found:
        mark = "✓ 可用" if b.ok else f"✗ 不能用：{b.problem}"
        when = b.made_at.strftime("%Y-%m-%d %H:%M")
        counts = f"{b.villages}个村 {b.items}件事项" if b.ok else ""
        print(f"  {when}  {b.reason_label:<4}  {mark}  {counts}  {b.path.name}")
    return 0


def _as_json(b: BackupInfo) -> dict[str, Any]:
    return {
        "file": str(b.path),
        "made_at": b.made_at.isoformat(timespec="seconds"),
        "reason": b.reason,
        "ok": b.ok,
        "problem": b.problem,
        "schema": b.schema,
        "villages": b.villages,
        "items": b.items,
        "events": b.events,
        "size": b.size,
    }


def _cmd_restore(args: argparse.Namespace) -> int:
    db = _db(args)
    if not args.file.is_file():
        raise DomainError(f"找不到备份文件“{args.file}”")
    with hold_database_lock(db, "taizhang restore"):
        result = restore_backup(args.file, db)
    print(f"已从备份恢复：{result.info.summary()}")
    if result.safety_copy is not None:
        print(f"恢复前的数据已先备份到：{result.safety_copy}")
    if result.set_aside is not None:
        print(f"原来已损坏的文件没有删除，改名保存为：{result.set_aside}")
    return 0


def error_hints(exc: DomainError, args: argparse.Namespace) -> list[str]:
    """Extra lines after an error: for a damaged database, the command that restores it."""
    if not isinstance(exc, DatabaseDamaged) or exc.backup is None:
        return []
    db = "" if getattr(args, "db", None) is None else f' --db "{exc.db_path}"'
    return [
        "可以用最近的备份恢复（原文件会改名保存，不会删除）：",
        f'  taizhang restore "{exc.backup.path}"{db}',
    ]


def daily_backup(db: Path) -> Path | None:
    """The first start of the day backs up; a failure is reported but does not stop the work."""
    try:
        return ensure_daily_backup(db)
    except DomainError as exc:
        print(f"提醒：今天的自动备份没有做成：{exc.message}", file=sys.stderr)
        return None


BACKUP_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "backup": _cmd_backup,
    "backups": _cmd_backups,
    "restore": _cmd_restore,
}
