"""The forked writer the harness kills: registers, works and voids items, holds meetings, imports.

It opens its own engine (never the parent's connections), and after every commit returns it writes
one line to the pipe with os.write, so the parent knows exactly what was reported saved:
    begin <kind> <monotonic time>
    saved item <uuid> <version> | saved meeting <uuid> 0 | saved import <index> <seconds>
    saved checkpoint - 0
    error <message>
"""

import os
import random
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from app.exports.workbook_reader import read_workbook
from app.models import Item, Person, Village
from app.models.enums import Action, DeliberationDecision, ItemState, Satisfaction
from app.services import actions
from app.services.context import Settings
from app.services.import_files import import_workbook
from app.services.meetings import ItemDecision, record_meeting
from app.services.registration import register_item
from app.services.workflow import allowed_actions
from app.store.database import open_database
from app.store.uow import UnitOfWork
from tests.durability.kill_workbooks import Workbook

TODAY = date(2026, 11, 20)
ACTOR = "杨运润"
VILLAGE_CODE = "510623105201"
S = ItemState
_DONE = {S.VOIDED, S.PUBLISHED}
_SKIP = {Action.CLOSE_SUPERVISION, Action.VOID}  # voids are their own kind of operation
_WEIGHTS = {"register": 30, "act": 45, "void": 6, "meeting": 6, "import": 8, "checkpoint": 5}


class Reporter:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def line(self, *parts: object) -> None:
        os.write(self.fd, (" ".join(str(p) for p in parts) + "\n").encode())  # < PIPE_BUF: atomic

    def begin(self, kind: str) -> None:
        self.line("begin", kind, f"{time.monotonic():.6f}")


def _import_book(engine: Any, settings: Settings, book: Workbook, mode: str) -> None:
    """The app's import use case (validate, then one unit of work for the whole file). In "preread"
    mode the workbook read once by the parent is the reader's answer; in "file" mode openpyxl reads it."""
    read = read_workbook if mode == "file" else (lambda _path: book.raw)
    outcome = import_workbook(engine, settings, book.path, dry_run=False, read=read)  # type: ignore[arg-type]
    if not outcome.ok:
        raise AssertionError(f"import {book.index} refused: {[str(e) for e in outcome.errors[:3]]}")


class Worker:
    """Keeps a small picture of its village (people, open items) to choose valid operations."""

    def __init__(
        self,
        engine: Any,
        settings: Settings,
        rng: random.Random,
        out: Reporter,
        books: Sequence[Workbook],
        next_book: int,
        import_mode: str,
    ) -> None:
        self.engine, self.settings, self.rng, self.out = engine, settings, rng, out
        self.books, self.next_book, self.import_mode = books, next_book, import_mode
        with UnitOfWork(engine) as uow:
            s = uow.session
            village = s.exec(select(Village).where(Village.code == VILLAGE_CODE)).one()
            assert village.id is not None
            self.village_id: int = village.id
            self.people = list(s.exec(select(Person.id).where(Person.village_id == village.id)).all())
            done = [state.value for state in _DONE]
            rows = s.exec(
                select(Item.id, Item.state).where(Item.village_id == village.id, col(Item.state).not_in(done))
            ).all()
            self.open: dict[str, S] = {r[0]: S(r[1]) for r in rows}
        self.ops: dict[str, Callable[[], None]] = {
            "register": self.register,
            "act": self.act,
            "void": self.void,
            "meeting": self.meeting,
            "import": self.do_import,
            "checkpoint": self.checkpoint,
        }

    def step(self) -> None:
        kind = self.rng.choices(list(_WEIGHTS), weights=list(_WEIGHTS.values()))[0]
        if kind in ("act", "void", "meeting") and not self.open:
            kind = "register"
        self.ops[kind]()

    def _saved_item(self, item: Item) -> None:
        state = S(item.state)
        if state in _DONE:
            self.open.pop(item.id, None)
        else:
            self.open[item.id] = state
        self.out.line("saved", "item", item.id, item.version)

    def register(self) -> None:
        spec = self.rng.choice(self.settings.ledgers.ledgers)
        self.out.begin("register")
        with UnitOfWork(self.engine) as uow:
            item = register_item(
                uow=uow,
                config=self.settings.ledgers,
                village_id=self.village_id,
                ledger_key=spec.key,
                category=self.rng.choice(spec.categories),
                person_id=self.rng.choice(self.people),
                source="走访",
                source_detail="访群众问民需",
                received_on=TODAY,
                request=f"群众反映的第{self.rng.randrange(10**6)}号问题，希望尽快解决。",
                actor=ACTOR,
                today=TODAY,
            )
            uow.commit()
        self._saved_item(item)

    def act(self) -> None:
        item_id = self.rng.choice(list(self.open))
        choices = [a for a in allowed_actions(self.open[item_id]) if a not in _SKIP]
        action = self.rng.choice(choices)
        self.out.begin(f"act:{action.value}")
        with UnitOfWork(self.engine) as uow:
            _perform(uow, item_id, action, self.rng)
            item = uow.session.get(Item, item_id)
            assert item is not None
            uow.commit()
        self._saved_item(item)

    def void(self) -> None:
        item_id = self.rng.choice(list(self.open))
        self.out.begin("void")
        with UnitOfWork(self.engine) as uow:
            item = actions.void(uow=uow, item_id=item_id, on=TODAY, actor=ACTOR, reason="重复登记")
            uow.commit()
        self._saved_item(item)

    def meeting(self) -> None:
        agenda = [i for i, st in self.open.items() if st in (S.REGISTERED, S.VILLAGE_HANDLING)]
        if not agenda:
            return self.register()
        picked = self.rng.sample(agenda, min(len(agenda), self.rng.randint(1, 4)))
        decisions = [ItemDecision(i, DeliberationDecision.HANDLE, "村级办理") for i in picked]
        self.out.begin("meeting")
        with UnitOfWork(self.engine) as uow:
            result = record_meeting(
                uow=uow,
                rules=self.settings.rules,
                village_id=self.village_id,
                held_on=TODAY,
                kind="议账会",
                attendees_total=20,
                villagers_count=12,
                decisions=decisions,
                actor=ACTOR,
            )
            items = [uow.session.get(Item, i) for i in picked]
            uow.commit()
        self.out.line("saved", "meeting", result.meeting.id, 0)
        for item in items:
            assert item is not None
            self._saved_item(item)

    def do_import(self) -> None:
        index = min(self.next_book, len(self.books) - 1)  # past the pool: an import that changes nothing
        self.out.begin(f"import:{index}")
        started = time.monotonic()
        _import_book(self.engine, self.settings, self.books[index], self.import_mode)
        self.out.line("saved", "import", index, f"{time.monotonic() - started:.3f}")
        self.next_book = index + 1

    def checkpoint(self) -> None:
        self.out.begin("checkpoint")
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        self.out.line("saved", "checkpoint", "-", 0)


def _perform(uow: UnitOfWork, item_id: str, action: Action, rng: random.Random) -> None:
    c: dict[str, Any] = {"uow": uow, "item_id": item_id, "on": TODAY, "actor": ACTOR}
    A = Action
    if action is A.SETTLE_ON_SPOT:
        actions.settle_on_spot(**c, measures="现场协调", outcome="已当场解决")
    elif action is A.DELIBERATE:
        decision = rng.choice(list(DeliberationDecision))
        actions.deliberate(**c, decision=decision, opinion="议定办理", outcome="会上议定办结")
    elif action is A.ESCALATE:
        actions.escalate(**c, reason="本级无法解决")
    elif action is A.REPLY:
        actions.reply(**c, text="乡镇已受理")
    elif action is A.ASSIGN:
        actions.assign(**c, department="县农业农村局")
    elif action is A.SETTLE:
        actions.settle(**c, measures="协调办理", outcome="已办结")
    elif action is A.CONFIRM:
        sat = rng.choice([Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.NEUTRAL])
        actions.confirm(**c, satisfaction=sat, opinion="认可", signed_by="本人")
    elif action is A.PUBLISH:
        actions.publish(**c, month=f"{TODAY:%Y-%m}")
    elif action is A.FOLLOW_UP:
        actions.follow_up(**c, note="回访群众，表示认可")
    elif action is A.SUPERVISE:
        actions.supervise(**c, issuer="镇纪委", content="请按时办结")
    elif action is A.EDIT:
        actions.edit_item(**c, reason="更正诉求", request=f"更正后的诉求{rng.randrange(10**6)}")
    else:
        raise AssertionError(f"no operation for {action}")


def child_main(
    *,
    db_path: Path,
    settings: Settings,
    books: Sequence[Workbook],
    next_book: int,
    seed: int,
    fd: int,
    first: str,
    import_mode: str,
) -> None:
    """Work until killed (or a minute has passed); never returns into the parent's code."""
    out = Reporter(fd)
    code = 0
    try:
        out.begin("open")
        engine = open_database(db_path)
        worker = Worker(engine, settings, random.Random(seed), out, books, next_book, import_mode)
        out.line("saved", "open", "-", 0)
        if first:  # "import" or "checkpoint": the round's kill is aimed at it
            worker.ops[first]()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            worker.step()
    except BaseException as exc:  # reported to the parent, which fails the round
        detail = "".join(traceback.format_exception(exc)).replace("\n", " | ")
        out.line("error", detail[-1000:])
        code = 1
    finally:
        os._exit(code)
