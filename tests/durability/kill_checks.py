"""What must hold after every SIGKILL: an intact file, everything reported saved, whole imports only."""

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine
from sqlmodel import Session

from app.services.chain import verify_chain
from tests.durability.kill_workbooks import Workbook

_ITEMS = """
SELECT i.id, i.version, i.state, e.n, e.lo, e.hi, last.to_state
FROM item i
LEFT JOIN (SELECT item_id, count(*) AS n, min(seq) AS lo, max(seq) AS hi
           FROM item_event GROUP BY item_id) e ON e.item_id = i.id
LEFT JOIN item_event last ON last.item_id = i.id AND last.seq = i.version
"""


@dataclass
class Expected:
    """Everything a child reported as saved (after its commit returned), over all rounds."""

    items: dict[str, int] = field(default_factory=dict)  # item UUID -> highest reported version
    meetings: set[str] = field(default_factory=set)
    imports: set[int] = field(default_factory=set)

    def saw(self, kind: str, key: str, value: str) -> None:
        if kind == "item":
            self.items[key] = max(self.items.get(key, 0), int(value))
        elif kind == "meeting":
            self.meetings.add(key)
        elif kind == "import":
            self.imports.add(int(key))


@dataclass
class CheckResult:
    problems: list[str]
    complete_books: set[int]
    items: int


def _connect(db_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)


def check_database(
    db_path: Path, expected: Expected, books: Sequence[Workbook], *, chain: bool = False
) -> CheckResult:
    """Read the file as the next user would find it (read-only: the check itself must not checkpoint
    the WAL away, so the next child inherits exactly what the killed one left). `chain`: also walk
    every item's history hash chain with the app's own verifier."""
    con = _connect(db_path)
    try:
        problems = _file_problems(con)
        if problems:  # nothing else can be trusted on a damaged file
            return CheckResult(problems, set(), 0)
        rows = con.execute(_ITEMS).fetchall()
        versions = {r[0]: r[1] for r in rows}
        problems += _history_problems(rows)
        problems += _saved_problems(con, expected, versions)
        codes = {r[0] for r in con.execute("SELECT code FROM village")}
        book_problems, complete = _import_problems(books, expected, versions, codes)
    except sqlite3.DatabaseError as exc:
        return CheckResult([f"the file cannot be read: {exc!r}"], set(), 0)
    finally:
        con.close()
    if chain:
        problems += chain_problems(db_path)
    return CheckResult(problems + book_problems, complete, len(rows))


def chain_problems(db_path: Path) -> list[str]:
    """The app's own history verification (services.chain), on a read-only connection."""
    engine = create_engine("sqlite://", creator=lambda: _connect(db_path))
    try:
        with Session(engine) as session:
            report = verify_chain(session)
    finally:
        engine.dispose()
    return [] if report.ok else [f"history chain broken: {report.lines()[:3]}"]


def _file_problems(con: sqlite3.Connection) -> list[str]:
    integrity = [r[0] for r in con.execute("PRAGMA integrity_check")]
    problems = [] if integrity == ["ok"] else [f"PRAGMA integrity_check: {integrity[:5]}"]
    fk = con.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        problems.append(f"PRAGMA foreign_key_check: {len(fk)} rows, e.g. {fk[:3]}")
    return problems


def _history_problems(rows: list[tuple]) -> list[str]:
    """Each item's events are seq 1..version and the last one leads to the item's state."""
    bad = []
    for item_id, version, state, n, lo, hi, last_state in rows:
        if (n, lo, hi) != (version, 1, version) or last_state != state:
            bad.append(f"{item_id}: v{version} {state}, {n} events seq {lo}..{hi} → {last_state}")
    return [f"history out of step with {len(bad)} items, e.g. {bad[:3]}"] if bad else []


def _saved_problems(con: sqlite3.Connection, expected: Expected, versions: dict[str, int]) -> list[str]:
    lost = [(i, v, versions.get(i)) for i, v in expected.items.items() if versions.get(i, 0) < v]
    problems = [f"{len(lost)} items reported saved are missing or older, e.g. {lost[:3]}"] if lost else []
    meetings = {r[0] for r in con.execute("SELECT id FROM meeting")}
    if expected.meetings - meetings:
        problems.append(f"meetings reported saved are missing: {sorted(expected.meetings - meetings)[:3]}")
    return problems


def _import_problems(
    books: Sequence[Workbook], expected: Expected, versions: dict[str, int], codes: set[str]
) -> tuple[list[str], set[int]]:
    """Per workbook: all its items at the file's versions (and its village), or nothing of it."""
    problems: list[str] = []
    complete: set[int] = set()
    for book in books:
        present = [i for i in book.versions if i in versions]
        if not present:
            if book.index in expected.imports:
                problems.append(f"import {book.index} reported saved but none of its items is there")
            if book.village_code in codes:
                problems.append(f"import {book.index}: village {book.village_code} is there without items")
            continue
        if len(present) != len(book.versions):
            problems.append(f"import {book.index} half applied: {len(present)}/{len(book.versions)} items")
            continue
        wrong = [i for i, v in book.versions.items() if versions[i] != v]
        if wrong or book.village_code not in codes:
            problems.append(
                f"import {book.index}: {len(wrong)} items at another version, village in: "
                f"{book.village_code in codes}"
            )
            continue
        complete.add(book.index)
    return problems, complete
