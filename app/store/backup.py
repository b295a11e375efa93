"""Consistent backup copies with SQLite's online backup API (never a plain file copy in WAL mode)."""

import sqlite3
from datetime import datetime
from pathlib import Path


def backup_database(db_path: Path, dest: Path) -> Path:
    """Copy the live database into `dest` page by page, then check the copy."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(db_path)
    try:
        out = sqlite3.connect(tmp)
        try:
            src.backup(out)
            ok = out.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            out.close()
    finally:
        src.close()
    if ok != "ok":
        tmp.unlink(missing_ok=True)
        raise OSError(f"备份校验失败：{ok}")
    tmp.replace(dest)
    return dest


def timestamped_name(db_path: Path, reason: str) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return f"{db_path.stem}-{reason}-{stamp}.db"
