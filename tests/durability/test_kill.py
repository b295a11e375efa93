"""SIGKILL at random moments while items are registered and worked and workbooks imported (issue 6).

Four chains of 52 kills (208 in all, two chains at a time), each on its own accumulating database
file: after every kill the file is intact, every commit the writer reported is there, histories
match their items (and their hash chains hold) and an import is all there or not at all. The checks
themselves are shown to catch each kind of damage.
"""

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from app.services.import_files import import_workbook
from app.store.database import open_database
from tests.durability.kill_checks import Expected, check_database
from tests.durability.kill_harness import KillHarness, describe, merged, prepare_database, run_chains
from tests.durability.kill_workbooks import Workbook

pytestmark = [
    pytest.mark.durability,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill harness forks (not on Windows)"),
]

KILLS = 52  # per chain; two tests of two chains: 208 kills
MAX_BOOKS = 3  # workbooks are slow to make; after these, a chain's imports change nothing


@pytest.mark.parametrize("seeds", [(11, 23), (37, 41)])
def test_sigkill_leaves_a_sound_database(seeds, workbook_pool, kill_settings, tmp_path):
    workbook_pool.ensure(MAX_BOOKS)  # made before the chains fork
    chains = [
        KillHarness(tmp_path / f"{seed}.db", kill_settings, workbook_pool, seed=seed, max_books=MAX_BOOKS)
        for seed in seeds
    ]
    summaries = run_chains(chains, KILLS)
    total = merged(summaries)
    report = "\n".join(describe(total))
    assert not total.problems, report
    assert [s.kills for s in summaries] == [KILLS] * len(seeds), report
    assert total.phases["import"] >= 8, report  # many kills land inside an import
    assert all(s.imports_complete >= 1 for s in summaries), report  # and some get through whole
    assert all(s.saved["item"] >= 20 and s.items > 200 for s in summaries), report


@pytest.fixture(scope="module")
def imported_db(workbook_pool, kill_settings, tmp_path_factory) -> Path:
    """A database holding the kill village and one complete import (made without kills)."""
    db = tmp_path_factory.mktemp("checked") / "kill.db"
    prepare_database(db, kill_settings)
    book = workbook_pool.ensure(1)[0]
    engine = open_database(db)
    try:
        outcome = import_workbook(engine, kill_settings, book.path, dry_run=False, read=lambda _p: book.raw)
        assert outcome.ok, outcome.errors
    finally:
        engine.dispose()
    return db


@pytest.fixture
def checked_db(imported_db, workbook_pool, tmp_path) -> tuple[Path, list[Workbook]]:
    """A private copy of `imported_db` (the WAL folded in first)."""
    con = sqlite3.connect(imported_db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    db = tmp_path / "kill.db"
    shutil.copy(imported_db, db)
    return db, workbook_pool.books[:1]


def test_checks_pass_on_the_untouched_file(checked_db):
    db, books = checked_db
    assert check_database(db, Expected(), books, chain=True).problems == []


def test_checks_catch_a_lost_save(checked_db):
    db, books = checked_db
    expected = Expected()
    some_item = sqlite3.connect(db).execute("SELECT id, version FROM item LIMIT 1").fetchone()
    expected.saw("item", some_item[0], str(some_item[1] + 1))  # reported newer than the file holds
    expected.saw("meeting", "no-such-meeting", "0")
    problems = check_database(db, expected, books).problems
    assert any("reported saved are missing or older" in p for p in problems)
    assert any("meetings reported saved are missing" in p for p in problems)


def test_checks_catch_a_half_import(checked_db):
    db, books = checked_db
    done = next(b for b in books if check_database(db, Expected(), [b]).complete_books)
    half = Workbook(99, done.path, "510699999999", {**done.versions, "not-imported": 1}, done.events)
    problems = check_database(db, Expected(imports={98}), [half, Workbook(98, done.path, "x", {"y": 1}, 0)])
    assert any("half applied" in p for p in problems.problems)
    assert any("reported saved but none" in p for p in problems.problems)


def test_checks_catch_history_out_of_step(checked_db):
    db, books = checked_db
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE item SET version = version + 1 WHERE rowid = (SELECT min(rowid) FROM item)")
    con.close()
    assert any("history out of step" in p for p in check_database(db, Expected(), books).problems)


def test_checks_catch_a_damaged_file(checked_db, tmp_path):
    db, books = checked_db
    broken = tmp_path / "broken.db"
    shutil.copy(db, broken)
    data = bytearray(broken.read_bytes())
    for page in range(2, 40, 3):  # scribble over the middle of several b-tree pages
        data[page * 4096 + 100 : page * 4096 + 500] = b"\xa5" * 400
    broken.write_bytes(bytes(data))
    problems = check_database(broken, Expected(), books).problems
    assert problems and ("integrity_check" in problems[0] or "cannot be read" in problems[0])


def test_a_fresh_file_checks_clean(kill_settings, tmp_path):
    prepare_database(tmp_path / "new.db", kill_settings)
    assert check_database(tmp_path / "new.db", Expected(), []).problems == []
