"""A computation on a second core (`app.services.forked`) and the report checksum computed that way
while the workbook is written: the same answer as computing here, whatever happens to the child."""

import os
import signal
import tempfile
import time
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from app.exports import workbook
from app.exports.workbook import CHECKSUM_PENDING, write_report_workbook
from app.exports.workbook_reader import read_workbook
from app.services import forked
from app.services.context import load_settings
from app.services.forked import Forked
from app.services.report_data import build_report, checksum
from app.store.database import open_database
from app.store.uow import UnitOfWork
from tests.conftest import worked_demo

TODAY = date(2026, 11, 22)


def slow_square(n: int, pause: float = 0.0) -> tuple[int, int]:
    time.sleep(pause)
    return n * n, os.getpid()


def fails(message: str) -> None:
    raise ValueError(message)


@pytest.fixture
def fork_on(monkeypatch):
    """The tests run with Qt loaded (pytest-qt), where forking is refused; allow it here."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this system")
    monkeypatch.setattr(forked, "fork_allowed", lambda: True)


def test_a_forked_child_computes_and_the_parent_collects(fork_on):
    job = Forked(slow_square, 12)
    assert job.forked
    value, pid = job.result()
    assert value == 144 and pid != os.getpid()
    assert job.result() == (144, pid)  # asked again: the same answer, no second child


def test_a_killed_child_is_replaced_by_computing_here(fork_on):
    job = Forked(slow_square, 7, 30.0)
    assert job.pid is not None
    os.kill(job.pid, signal.SIGKILL)
    started = time.monotonic()
    job.args = (7, 0.0)  # computing here: without the long pause the child was given
    value, pid = job.result()
    assert value == 49 and pid == os.getpid()
    assert time.monotonic() - started < 10


def test_an_error_in_the_child_is_raised_here(fork_on):
    job = Forked(fails, "坏了")
    with pytest.raises(ValueError, match="坏了"):
        job.result()


def priority() -> int:
    return os.nice(0)


def test_the_child_may_run_at_a_lower_priority(fork_on):
    assert Forked(priority, nice=5).result() == os.nice(0) + 5
    assert Forked(priority).result() == os.nice(0)


def test_without_fork_the_work_is_done_on_first_use(monkeypatch):
    monkeypatch.setattr(forked, "fork_allowed", lambda: False)
    job = Forked(slow_square, 3)
    assert not job.forked
    assert job.result() == (9, os.getpid())


@pytest.fixture(scope="module")
def demo_report_db(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("forked")
    return worked_demo(folder, villages=2, items=40, seed=5, today=TODAY), folder / "userdata"


def test_the_largest_sheet_is_written_on_a_second_core(fork_on, monkeypatch, demo_report_db, tmp_path):
    """The 历史 sheet formatted and hashed by a forked child, the rest here: the file
    reads back whole (zip CRCs checked), every cell as the report holds it, the checksum right."""
    db, userdata = demo_report_db
    settings = load_settings(userdata)
    monkeypatch.setattr(workbook, "SECOND_CORE_ROWS", 1)  # the demo is small: fork anyway
    engine = open_database(db)
    with UnitOfWork(engine) as uow:
        report = build_report(uow.session, settings=settings, month=None, village_ids=None, today=TODAY)
    engine.dispose()
    jobs: list[Forked] = []

    class Recording(Forked):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            jobs.append(self)

    monkeypatch.setattr(forked, "Forked", Recording)
    out = tmp_path / "county.xlsx"
    parts = set(Path(tempfile.gettempdir()).glob("taizhang-*.part*"))
    write_report_workbook(report, out)
    assert len(jobs) == 1 and jobs[0].forked and jobs[0].done
    assert set(Path(tempfile.gettempdir()).glob("taizhang-*.part*")) == parts  # the child's files removed
    assert [f.name for f in tmp_path.iterdir()] == ["county.xlsx"]

    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None  # every member's CRC
        assert not any(CHECKSUM_PENDING in zf.read(name) for name in zf.namelist())
    raw = read_workbook(out)
    names = [t.name for t in report.data_tables]
    for table in report.data_tables:
        assert len(raw.sheets[table.name].rows) == len(table.rows), table.name
    assert raw.sheets["历史"].rows[-1][0] == report.history.rows[-1][0]
    read_back = checksum((n, raw.sheets[n].header, raw.sheets[n].rows) for n in names)
    assert raw.meta["checksum_sha256"] == read_back == report.meta.checksum


def test_the_history_child_starts_while_the_report_is_still_being_read(
    fork_on, monkeypatch, demo_report_db, tmp_path
):
    """As `taizhang export-xlsx` does: build_report hands 历史 over first, the child formats it while
    the ledgers are read, the writer takes its rows; a child whose rows are not the report's (a
    table replaced after it started) is stopped and its files removed."""
    db, userdata = demo_report_db
    settings = load_settings(userdata)
    monkeypatch.setattr(workbook, "SECOND_CORE_ROWS", 1)
    offered: list[str] = []
    engine = open_database(db)
    with workbook.SecondCore() as second:

        def start(table):
            offered.append(table.name)
            second.start(table)

        with UnitOfWork(engine) as uow:
            report = build_report(
                uow.session, settings=settings, month=None, village_ids=None, today=TODAY, on_table=start
            )
        ledger_names = [t.name for t in report.ledgers]
        assert offered == ["历史", *ledger_names]  # 历史 first, before the items were read
        children = list(second.ahead.values())
        assert [c.table.name for c in children] == ["历史"] and children[0].job.forked  # one child only
        out = tmp_path / "early.xlsx"
        write_report_workbook(report, out, second_core=second)
        assert all(c.job.done and not c.path.exists() for c in children) and not second.ahead
    raw = read_workbook(out)
    names = [t.name for t in report.data_tables]
    assert raw.meta["checksum_sha256"] == report.meta.checksum
    assert checksum((n, raw.sheets[n].header, raw.sheets[n].rows) for n in names) == report.meta.checksum

    # the child formatted rows that are not the ones written: it is not used
    with workbook.SecondCore() as second, UnitOfWork(engine) as uow:
        report = build_report(
            uow.session, settings=settings, month=None, village_ids=None, today=TODAY, on_table=second.start
        )
        child = next(a for a in second.ahead.values() if a.table is report.history)
        shorter = replace(report, history=replace(report.history, rows=report.history.rows[:-1]))
        write_report_workbook(shorter, tmp_path / "shorter.xlsx", second_core=second)
        assert child.job.done and not child.path.exists()
    engine.dispose()
    raw = read_workbook(tmp_path / "shorter.xlsx")
    assert len(raw.sheets["历史"].rows) == len(report.history.rows) - 1
    read_back = checksum((n, raw.sheets[n].header, raw.sheets[n].rows) for n in names)
    assert raw.meta["checksum_sha256"] == read_back != report.meta.checksum
