"""Many files are read and validated in worker processes; the result is exactly the serial one."""

import os
from datetime import date, datetime

import pytest
from sqlmodel import select

from app.exports.workbook_reader import read_workbook
from app.models import Item, ItemEvent, Person, Village
from app.services import import_files
from app.services.context import load_settings
from app.services.people import create_person
from app.services.registration import register_item
from app.services.villages import create_village
from app.store.database import open_database
from app.store.uow import UnitOfWork
from tests.conftest import export_workbook

TODAY = date(2026, 10, 20)


def village_file(tmp_path, settings, n: int):
    code = f"5106231052{n:02d}"
    engine = open_database(tmp_path / f"{code}.db")
    with UnitOfWork(engine) as uow:
        v = create_village(
            uow=uow, code=code, name=f"第{n}村", township="富兴镇", county="中江县", config=settings.ledgers
        )
        p = create_person(uow=uow, village_id=v.id, name="王长贵", gender="男")
        uow.commit()
        ids = (v.id, p.id)
    for k in range(3):
        with UnitOfWork(engine) as uow:
            register_item(
                uow=uow,
                config=settings.ledgers,
                village_id=ids[0],
                ledger_key="minsheng",
                category="土地流转",
                person_id=ids[1],
                source="走访",
                received_on=date(2026, 10, 1 + k),
                request=f"第{n}村诉求{k}",
                actor="书记",
                today=date(2026, 10, 1 + k),
            )
            uow.commit()
    out = tmp_path / f"{code}.xlsx"
    export_workbook(engine, settings, out, today=TODAY, now=datetime(2026, 10, 20))
    engine.dispose()
    return out


def snapshot(engine):
    with UnitOfWork(engine) as uow:
        s = uow.session
        return (
            sorted(
                (i.id, i.serial, i.request, i.version, i.history_head) for i in s.exec(select(Item)).all()
            ),
            sorted((e.item_id, e.seq, e.hash) for e in s.exec(select(ItemEvent)).all()),
            sorted((p.id, p.name, p.search_key) for p in s.exec(select(Person)).all()),
            sorted(v.code for v in s.exec(select(Village)).all()),
        )


def test_worker_processes_give_the_serial_result(tmp_path, monkeypatch):
    settings = load_settings(tmp_path)
    files = [village_file(tmp_path, settings, n) for n in range(1, 9)]
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("不是工作簿", encoding="utf-8")
    files.insert(3, bad)

    pools = []

    class CountingPool(import_files.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(kwargs.get("max_workers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(import_files, "ProcessPoolExecutor", CountingPool)
    monkeypatch.setattr(import_files.os, "cpu_count", lambda: 2)
    parallel_db = open_database(tmp_path / "parallel.db")
    progress = []
    parallel = import_files.import_workbooks(
        parallel_db,
        settings,
        files,
        dry_run=False,
        read=read_workbook,
        progress=lambda d, t, n: progress.append(d),
    )
    assert pools == [2]  # the worker pool really ran
    monkeypatch.setattr(import_files, "PARALLEL_FROM", 1000)
    serial_db = open_database(tmp_path / "serial.db")
    serial = import_files.import_workbooks(serial_db, settings, files, dry_run=False, read=read_workbook)

    assert [o.name for o in parallel] == [o.name for o in serial] == [f.name for f in files]
    assert [o.ok for o in parallel] == [o.ok for o in serial] == [True] * 3 + [False] + [True] * 5
    assert [str(e) for e in parallel[3].errors] == [str(e) for e in serial[3].errors]
    assert [(o.summary.added, o.summary.events_added) for o in parallel if o.ok] == [(3, 3)] * 8
    assert snapshot(parallel_db) == snapshot(serial_db)
    assert progress == list(range(len(files) + 1))


def report_priority(path):
    """A reader for the test below: tells, as its error, the priority of the process reading."""
    from app.errors import DomainError

    raise DomainError(f"nice={os.nice(0)}")


def test_workers_read_at_a_lower_priority_than_the_writing_process(tmp_path, monkeypatch):
    if not hasattr(os, "nice"):
        pytest.skip("no process priorities here")
    monkeypatch.setattr(import_files.os, "cpu_count", lambda: 2)
    files = [tmp_path / f"{n}.xlsx" for n in range(import_files.PARALLEL_FROM)]
    plans = list(import_files._plans(files, report_priority))
    ours = os.nice(0)
    seen = {str(outcome.errors[0]).split("nice=")[1] for _plan, outcome in plans}
    assert seen and all(int(n) > ours for n in seen)
