"""Large reads as plain tuples, straight from the sqlite3 cursor.

SQLAlchemy builds a Row object and runs each column's type processor for every row it returns: for a
county's 600,000 report rows that costs more than SQLite's own work. `plain_rows` compiles the same
statement and runs it on the session's own DBAPI connection (same transaction, same snapshot),
returning the tuples sqlite3 makes: columns as SQLite stores them (dates and times as text, booleans
as 0/1, enumerations as their values).
"""

from typing import Any

from sqlalchemy.sql import Select
from sqlmodel import Session

__all__ = ["plain_rows"]


def plain_rows(session: Session, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """Every row of the SELECT `stmt` as a plain tuple."""
    sql, values, cursor = _prepare(session, stmt)
    try:
        return cursor.execute(sql, values).fetchall()
    finally:
        cursor.close()


def _prepare(session: Session, stmt: Select[Any]) -> tuple[str, list[Any], Any]:
    conn = session.connection()
    dialect = conn.dialect
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    values = []
    for name in compiled.positiontup or []:
        # an IN list's elements are bound as name_1, name_2 …: they take the list's type
        bind = compiled.binds.get(name)
        if bind is None:
            bind = compiled.binds.get(name.rpartition("_")[0])
        process = bind.type.dialect_impl(dialect).bind_processor(dialect) if bind is not None else None
        value = params[name]
        values.append(process(value) if process is not None and value is not None else value)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    return compiled.string, values, cursor
