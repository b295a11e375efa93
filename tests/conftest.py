"""Shared fixtures: a fresh real SQLite file per test, default settings, a small village."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from app.exports.workbook import write_report_workbook
from app.models import Item
from app.services.context import Settings, load_settings
from app.services.people import create_person
from app.services.registration import register_item
from app.services.report_data import Report, build_report
from app.services.villages import add_cadre, create_village
from app.store.database import open_database
from app.store.uow import UnitOfWork


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    empty = tmp_path / "userdata"
    empty.mkdir()
    return load_settings(empty)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = open_database(tmp_path / "ledger.db")
    yield eng
    eng.dispose()


@dataclass
class VillageIds:
    village_id: int
    cadre_id: int
    person_id: str


@pytest.fixture
def village(engine: Engine, settings: Settings) -> VillageIds:
    with UnitOfWork(engine) as uow:
        v = create_village(
            uow=uow,
            code="510623105201",
            name="柳林沟村",
            township="富兴镇",
            county="中江县",
            config=settings.ledgers,
        )
        c = add_cadre(uow=uow, village_id=v.id, name="杨运润", role="村党支部书记", phone="13800001111")
        p = create_person(uow=uow, village_id=v.id, name="王长贵", gender="男", group_name="三社")
        uow.commit()
        return VillageIds(v.id, c.id, p.id)


def make_item(
    engine: Engine,
    settings: Settings,
    ids: VillageIds,
    *,
    received: date,
    ledger: str = "minsheng",
    category: str = "土地流转",
    request: str = "三社土地撂荒严重，希望村上想办法。",
) -> Item:
    """Register one item (committed) and return it detached."""
    with UnitOfWork(engine) as uow:
        item = register_item(
            uow=uow,
            config=settings.ledgers,
            village_id=ids.village_id,
            ledger_key=ledger,
            category=category,
            person_id=ids.person_id,
            source="走访",
            source_detail="访群众问民需",
            received_on=received,
            request=request,
            actor="杨运润",
            today=received,
            responsible_cadre_id=ids.cadre_id,
        )
        uow.commit()
        return item


UI_TODAY = date(2026, 11, 22)


@pytest.fixture
def workspace(engine: Engine, settings: Settings, village: VillageIds, tmp_path: Path):
    """The GUI's facade over a real database holding the `village` fixture (today = 2026-11-22)."""
    from app.services.workspace import Workspace

    return Workspace(engine, settings, tmp_path / "userdata", lambda: UI_TODAY)


@pytest.fixture
def prefs(tmp_path: Path):
    """Preferences in a private ini file, so tests never touch the user's settings."""
    from app.ui.prefs import Prefs

    return Prefs(str(tmp_path / "prefs.ini"))


@pytest.fixture
def no_message_boxes(monkeypatch):
    """Record QMessageBox calls instead of opening modal boxes (which would hang offscreen)."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []

    def record(kind: str, answer=QMessageBox.StandardButton.Ok):
        def box(_parent, title, text, *args, **kwargs):
            shown.append((kind, f"{title}：{text}"))
            return answer

        return box

    monkeypatch.setattr(QMessageBox, "warning", record("warning"))
    monkeypatch.setattr(QMessageBox, "information", record("information"))
    monkeypatch.setattr(QMessageBox, "critical", record("critical"))
    monkeypatch.setattr(QMessageBox, "question", record("question", QMessageBox.StandardButton.Yes))
    return shown


def worked_demo(folder: Path, *, villages: int, items: int, seed: int, today: date) -> Path:
    """A worked demo database (every state) in `folder`/demo.db with its settings in `folder`/userdata,
    closed again (no connection may survive into a forked child); returns the database's path."""
    from app.services.demo import build_demo

    (folder / "userdata").mkdir(exist_ok=True)
    engine = open_database(folder / "demo.db")
    try:
        build_demo(
            engine=engine,
            config=load_settings(folder / "userdata").ledgers,
            villages=villages,
            items=items,
            seed=seed,
            today=today,
            template_villages=1,
        )
    finally:
        engine.dispose()
    return folder / "demo.db"


def export_workbook(
    engine: Engine,
    settings: Settings,
    out: Path,
    *,
    today: date,
    now: datetime | None = None,
    month: str | None = None,
    village_ids: list[int] | None = None,
) -> Report:
    """Build the upward report of the database (all its villages unless given) and write it to `out`."""
    with UnitOfWork(engine) as uow:
        report = build_report(
            uow.session, settings=settings, month=month, village_ids=village_ids, today=today, now=now
        )
    write_report_workbook(report, out)
    return report
