"""Open a ledger database: check the file, migrate it (backup first), hand back the engine."""

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine

from app.errors import DomainError
from app.store.engine import make_engine
from app.store.migrate import upgrade_database


def open_database(db_path: Path) -> Engine:
    """The engine on an up-to-date database; a Chinese DomainError if the file cannot be used."""
    try:
        upgrade_database(db_path)
    except sqlite3.OperationalError as exc:
        raise DomainError(f"无法打开数据库“{db_path}”：{exc}") from exc
    except PermissionError as exc:
        raise DomainError(f"没有权限写入“{db_path}”，请换一个文件夹") from exc
    return make_engine(db_path)
