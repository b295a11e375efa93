"""The import use case for files: read, validate and apply workbooks, one transaction per file.

`import_workbook` reads one file with the injected `read` function (the workbook reader lives in
`app.exports.workbook_reader`; services do not import exports, so the CLI and the GUI pass it in),
validates it completely and applies it in one unit of work. A file with any error writes nothing.
`import_workbooks` does this for many files, folders expanded to their .xlsx files, in a stable order.
"""

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from pickle import PicklingError

from sqlalchemy.engine import Engine

from app.errors import DomainError
from app.services.context import Settings
from app.services.forked import fork_allowed, lower_priority
from app.services.importing import (
    ImportError,
    ImportPlan,
    ImportRejected,
    ImportSummary,
    RawWorkbook,
    apply_import,
    validate,
)
from app.store.uow import UnitOfWork

Reader = Callable[[Path], RawWorkbook]
PARALLEL_FROM = 8  # files; fewer are read here (starting worker processes costs a second or two)
MAX_WORKERS = 4
Progress = Callable[[int, int, str], None]


@dataclass
class FileOutcome:
    """What happened to one file: a summary when it was (or would be) imported, else its errors."""

    path: Path
    summary: ImportSummary | None = None
    errors: list[ImportError] = field(default_factory=list)
    raw: RawWorkbook | None = None  # kept when validation failed, for the failed-rows workbook

    @property
    def ok(self) -> bool:
        return self.summary is not None and not self.errors

    @property
    def name(self) -> str:
        return self.path.name


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders replaced by the .xlsx files directly inside them (sorted, no temp files
    of Excel/WPS such as ~$name.xlsx). Duplicates are dropped, the first mention kept."""
    out: list[Path] = []
    seen: set[Path] = set()
    for p in paths:
        p = Path(p)
        found = (
            sorted(
                c
                for c in p.iterdir()
                if c.is_file() and c.suffix.lower() == ".xlsx" and not c.name.startswith("~$")
            )
            if p.is_dir()
            else [p]
        )
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def plan_workbook(path: Path, read: Reader) -> tuple[ImportPlan | None, FileOutcome]:
    """Read and validate one file without touching the database."""
    outcome = FileOutcome(path)
    try:
        raw = read(path)
    except DomainError as exc:
        outcome.errors = [ImportError(path.name, None, None, None, exc.message)]
        return None, outcome
    plan = validate(raw, path.name)
    if isinstance(plan, list):
        outcome.errors, outcome.raw = plan, raw
        return None, outcome
    return plan, outcome


def import_workbook(
    engine: Engine,
    settings: Settings,
    path: Path,
    *,
    dry_run: bool,
    read: Reader,
    before_write: Callable[[], None] | None = None,
    planned: tuple[ImportPlan | None, FileOutcome] | None = None,
) -> FileOutcome:
    """Validate then apply one workbook in one transaction; nothing is written when anything is wrong.
    `before_write` runs once a file is known to be valid and is about to be written (a backup);
    `planned`: the result of `plan_workbook` when it was already computed (in a worker process)."""
    plan, outcome = planned if planned is not None else plan_workbook(path, read)
    if plan is None:
        return outcome
    if before_write is not None and not dry_run:
        before_write()
    try:
        with UnitOfWork(engine) as uow:
            outcome.summary = apply_import(uow=uow, plan=plan, dry_run=dry_run, config=settings.ledgers)
            if not dry_run:
                uow.commit()
    except ImportRejected as exc:
        outcome.errors = exc.errors
        outcome.summary = None
    return outcome


@contextmanager
def _few_collections() -> Iterator[None]:
    """No automatic cyclic garbage collection while files are imported; one young-generation
    collection after each file instead. An import makes millions of short-lived objects that are
    freed by reference counting, but every few hundred of them start a collection, and the full
    ones walk every object of the process (SQLAlchemy's, pypinyin's tables): 10–20 % of the CPU.
    What exists before the import is frozen out of the collections (`gc.freeze`, inherited by
    forked workers) and given back afterwards."""
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _plan_in_worker(path: Path, read: Reader) -> tuple[ImportPlan | None, FileOutcome]:
    """`plan_workbook` in a worker process, whose automatic collections are off (inherited from
    `_few_collections` with fork, set here with spawn): one young-generation collection per file."""
    gc.disable()
    try:
        return plan_workbook(path, read)
    finally:
        gc.collect(0)


def _yield_to_writer() -> None:
    """Workers run at a lower priority than this process, which writes: on two cores the writer is
    the longest chain (every file's transaction, one after another), so it should never wait for a
    core while workers read files it will only need later."""
    lower_priority(5)


def _start_method() -> str:
    """ "fork" where it is safe and cheap (Linux, no Qt threads in this process: the command line);
    "spawn" elsewhere (Windows, macOS, the window), whose workers import the reader afresh."""
    return "fork" if fork_allowed() else "spawn"


def _plans(files: list[Path], read: Reader) -> Iterator[tuple[ImportPlan | None, FileOutcome]]:
    """Each file's plan, in order. From PARALLEL_FROM files on, files are read and validated in worker
    processes (reading is pure CPU work) while this process writes the earlier ones; a pool that cannot
    start (a locked-down machine) falls back to reading here, one file after another."""
    workers = min(MAX_WORKERS, os.cpu_count() or 1)
    if len(files) < PARALLEL_FROM or workers < 2:
        for path in files:
            yield plan_workbook(path, read)
        return
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context(_start_method()), initializer=_yield_to_writer
        )
        futures = [pool.submit(_plan_in_worker, path, read) for path in files]
    except (OSError, RuntimeError, PicklingError):
        for path in files:
            yield plan_workbook(path, read)
        return
    try:
        for path, future in zip(files, futures, strict=True):
            try:
                yield future.result()
            except BrokenProcessPool:
                yield plan_workbook(path, read)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def import_workbooks(
    engine: Engine,
    settings: Settings,
    paths: Sequence[Path],
    *,
    dry_run: bool,
    read: Reader,
    progress: Progress | None = None,
    before_write: Callable[[], None] | None = None,
) -> list[FileOutcome]:
    """Every file (folders expanded), one transaction each, in the order given;
    `progress(done, total, file name)`."""
    files = expand_paths(paths)
    outcomes: list[FileOutcome] = []
    backed_up = False

    def once() -> None:
        nonlocal backed_up
        if before_write is not None and not backed_up:
            before_write()
            backed_up = True

    with _few_collections():
        for i, (path, planned) in enumerate(zip(files, _plans(files, read), strict=True)):
            if progress is not None:
                progress(i, len(files), path.name)
            outcomes.append(
                import_workbook(
                    engine, settings, path, dry_run=dry_run, read=read, before_write=once, planned=planned
                )
            )
            gc.collect(0)
    if progress is not None:
        progress(len(files), len(files), "")
    return outcomes
