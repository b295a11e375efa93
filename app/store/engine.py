"""The SQLite engine: WAL, synchronous=FULL, foreign keys, and a real BEGIN for every transaction."""

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


def make_engine(db_path: Path, *, foreign_keys: bool = True) -> Engine:
    """An engine on the file; every connection gets the durability PRAGMAs.

    Python's sqlite3 does not BEGIN before DDL, so a failing migration would leave half-made
    tables; we disable its implicit transactions and emit BEGIN ourselves (SQLAlchemy's recipe).
    """
    engine = create_engine(
        f"sqlite:///{db_path}",
        connect_args={"isolation_level": None, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_conn.cursor()
        for pragma in PRAGMAS:
            if pragma.startswith("PRAGMA foreign_keys") and not foreign_keys:
                cursor.execute("PRAGMA foreign_keys=OFF")
                continue
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN")

    return engine
