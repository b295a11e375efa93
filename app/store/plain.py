"""Large reads as plain tuples, straight from the sqlite3 cursor.

SQLAlchemy builds a Row object and runs each column's type processor for every row it returns: for a
county's 600,000 report rows that costs more than SQLite's own work. `plain_rows` compiles the same
statement and runs it on the session's own DBAPI connection (same transaction, same snapshot),
returning the tuples sqlite3 makes: columns as SQLite stores them (dates and times as text, booleans
as 0/1, enumerations as their values).
"""

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy.sql import Select
from sqlmodel import Session

__all__ = ["plain_chunks", "plain_rows"]


def plain_rows(session: Session, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """Every row of the SELECT `stmt` as a plain tuple."""
    sql, values, cursor = _prepare(session, stmt)
    try:
        return cursor.execute(sql, values).fetchall()
    finally:
        cursor.close()


def plain_chunks(session: Session, stmt: Select[Any], size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `stmt` as `plain_rows` gives them, in chunks of `size`, the next chunk fetched by a
    thread while the caller works on the last (sqlite3 releases the GIL while SQLite steps through
    the rows, so fetching half a million rows costs the caller little more than its own work).

    Only the thread touches the connection until the last chunk is taken; closing the iterator
    early stops the thread before it returns."""
    sql, values, cursor = _prepare(session, stmt)
    chunks: queue.Queue[list[tuple[Any, ...]] | BaseException | None] = queue.Queue(maxsize=4)
    stop = threading.Event()

    def fetch() -> None:
        try:
            cursor.execute(sql, values)
            while not stop.is_set():
                rows = cursor.fetchmany(size)
                if not rows:
                    break
                chunks.put(rows)
            chunks.put(None)
        except BaseException as exc:  # handed to the caller
            chunks.put(exc)

    thread = threading.Thread(target=fetch, name="plain-rows", daemon=True)
    thread.start()
    try:
        while (item := chunks.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a thread blocked on a full queue finish
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.05)
        thread.join()
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
        process = bind.type.bind_processor(dialect) if bind is not None else None
        value = params[name]
        values.append(process(value) if process is not None and value is not None else value)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    return compiled.string, values, cursor
