"""Import workbooks for the kill harness: one demo village per workbook, item UUIDs recorded.

A demo database holds one template village worked through the real use cases; every workbook is a
fresh copy of it (`clone_village`: new village code, new item UUIDs and serials) exported with the
real upward-report exporter and read back once in the parent. The children inherit the read workbook
through fork and hand it to the import use case as its reader, so a kill lands in the validation and
database work of the import rather than in openpyxl (the bench can read the file each time instead).
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import select

from app.exports.workbook import write_report_workbook
from app.exports.workbook_reader import read_workbook
from app.models import Item, ItemEvent, Village
from app.services.context import Settings
from app.services.demo import build_demo
from app.services.demo_scale import _NameKeys, clone_village
from app.services.importing import ImportPlan, RawWorkbook, validate
from app.services.report_data import build_report
from app.store.database import open_database
from app.store.uow import UnitOfWork

SOURCE_TODAY = date(2026, 11, 20)
SOURCE_NOW = datetime(2026, 11, 20, 2, 0)
_SURNAMES = "王李张刘陈杨黄赵周吴"
_GIVEN = "明华芳军丽强敏静伟秀"


@dataclass
class Workbook:
    """One import file and what a complete import of it must leave in the database."""

    index: int
    path: Path
    village_code: str
    versions: dict[str, int]  # item UUID -> version in the file
    events: int
    raw: RawWorkbook | None = field(default=None, repr=False)


class WorkbookPool:
    """Workbooks made on demand; `ensure(n)` makes sure the first n exist."""

    def __init__(self, folder: Path, settings: Settings, *, items: int = 200, seed: int = 7) -> None:
        self.folder, self.settings = folder, settings
        folder.mkdir(parents=True, exist_ok=True)
        self.source = folder / "source.db"
        self.books: list[Workbook] = []
        self._rng = random.Random(seed)
        self._keys = _NameKeys()
        engine = open_database(self.source)
        try:
            build_demo(
                engine=engine,
                config=settings.ledgers,
                villages=1,
                items=items,
                seed=seed,
                today=SOURCE_TODAY,
                template_villages=1,
            )
            with UnitOfWork(engine) as uow:
                template = uow.session.exec(select(Village)).one()
                assert template.id is not None
                self.template_id: int = template.id
        finally:
            engine.dispose()  # no connection may survive into a forked child

    def ensure(self, count: int) -> list[Workbook]:
        while len(self.books) < count:
            self.books.append(self._make(len(self.books)))
        return self.books

    def _name(self) -> tuple[str, str]:
        return self._rng.choice(_SURNAMES) + self._rng.choice(_GIVEN), self._rng.choice(("男", "女"))

    def _make(self, index: int) -> Workbook:
        code = f"510699{900 + index // 1000:03d}{index % 1000:03d}"
        path = self.folder / f"import-{index:04d}-{code}.xlsx"
        engine = open_database(self.source)
        try:
            with UnitOfWork(engine) as uow:
                village = clone_village(
                    uow.session,
                    self.template_id,
                    code=code,
                    name=f"导入测试{index}村",
                    township="富兴镇",
                    county="中江县",
                    rng=self._rng,
                    draw_name=self._name,
                    keys=self._keys,
                )
                uow.commit()
                vid = village.id
            with UnitOfWork(engine) as uow:
                report = build_report(
                    uow.session,
                    settings=self.settings,
                    month=None,
                    village_ids=[vid],  # type: ignore[list-item]
                    today=SOURCE_TODAY,
                    now=SOURCE_NOW,
                )
                rows: list[Any] = uow.session.exec(
                    select(Item.id, Item.version).where(Item.village_id == vid)
                ).all()
                ids = [r[0] for r in rows]
                events = len(
                    uow.session.exec(select(ItemEvent.id).where(ItemEvent.item_id.in_(ids))).all()  # type: ignore[attr-defined]
                )
        finally:
            engine.dispose()
        write_report_workbook(report, path)
        raw = read_workbook(path)
        plan = validate(raw, path.name)
        assert isinstance(plan, ImportPlan), plan
        return Workbook(index, path, code, {r[0]: r[1] for r in rows}, events, raw)
