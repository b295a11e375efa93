"""The SIGKILL harness: fork a writer, kill it at a random moment, check the file, repeat on the same file.

Everything is imported once in the parent; each round forks a child (kill_child) that opens its
own engine and works until killed. Delays come from a seeded RNG: short ones land in opening and
recovery, middle ones in registrations, actions, meetings and checkpoints; rounds that start with
an import are killed a measured fraction of the way through it (some aimed at its commit).
"""

import contextlib
import os
import pickle
import random
import select
import signal
import statistics
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from app.services.context import Settings
from app.services.people import create_person
from app.services.villages import add_cadre, create_village
from app.store.database import open_database
from app.store.uow import UnitOfWork
from tests.durability.kill_checks import CheckResult, Expected, chain_problems, check_database
from tests.durability.kill_child import VILLAGE_CODE, child_main
from tests.durability.kill_workbooks import WorkbookPool

IMPORT_FIRST = 0.3  # share of rounds whose child starts with an import
CHECKPOINT_FIRST = 0.08  # ... with a checkpoint of the WAL the previous writers left


def prepare_database(db_path: Path, settings: Settings) -> None:
    """The village the children work in: cadres and a roster of requesters."""
    engine = open_database(db_path)
    try:
        with UnitOfWork(engine) as uow:
            v = create_village(
                uow=uow,
                code=VILLAGE_CODE,
                name="柳林沟村",
                township="富兴镇",
                county="中江县",
                config=settings.ledgers,
            )
            assert v.id is not None
            add_cadre(uow=uow, village_id=v.id, name="杨运润", role="村党支部书记", phone="13800001111")
            for n in range(30):
                name = f"王{'长贵明华芳军丽强敏静'[n % 10]}{n}"
                create_person(uow=uow, village_id=v.id, name=name, gender="男")
            uow.commit()
    finally:
        engine.dispose()


@dataclass
class Summary:
    kills: int = 0
    phases: Counter = field(default_factory=Counter)  # what the child was doing when killed
    import_kills: list[float] = field(default_factory=list)  # seconds into the import
    saved: Counter = field(default_factory=Counter)
    imports_complete: int = 0
    import_seconds: list[float] = field(default_factory=list)
    items: int = 0
    seconds: float = 0.0
    check_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    db_bytes: int = 0


class KillHarness:
    def __init__(
        self,
        db_path: Path,
        settings: Settings,
        pool: WorkbookPool,
        *,
        seed: int,
        import_mode: str = "preread",
        max_books: int = 10**6,
        chain_every: int = 10,
    ) -> None:
        self.db_path, self.settings, self.pool = db_path, settings, pool
        self.seed, self.import_mode, self.max_books = seed, import_mode, max_books
        self.chain_every = chain_every  # the hash-chain walk reads every event: not after every kill
        self.rng = random.Random(seed)
        self.expected = Expected()
        self.complete: set[int] = set()
        self.summary = Summary()
        if not db_path.exists():
            prepare_database(db_path, settings)

    def import_estimate(self) -> float:
        times = self.summary.import_seconds
        return statistics.median(times[-15:]) if times else 1.0

    def next_book(self) -> int:
        return next(i for i in range(len(self.pool.books) + 1) if i not in self.complete)

    def run(self, kills: int, progress: bool = False) -> Summary:
        started = time.perf_counter()
        for n in range(kills):
            problems = self.round(n)
            if problems:
                self.summary.problems = [f"round {n} (seed {self.seed}): {p}" for p in problems]
                break
            if progress and (n + 1) % 100 == 0:
                print(f"  {n + 1} kills, {self.summary.items} items", flush=True)
        if not self.summary.problems:
            self.summary.problems = [f"after the last kill: {p}" for p in chain_problems(self.db_path)]
        self.summary.seconds = time.perf_counter() - started
        self.summary.imports_complete = len(self.complete)
        self.summary.db_bytes = sum(
            p.stat().st_size for p in self.db_path.parent.glob(self.db_path.name + "*") if p.is_file()
        )
        return self.summary

    def round(self, n: int) -> list[str]:
        nb = self.next_book()
        books = self.pool.ensure(min(nb + 2, self.max_books))
        roll = self.rng.random()
        first = "import" if nb < self.max_books and roll < IMPORT_FIRST else ""
        first = "checkpoint" if 1 - roll < CHECKPOINT_FIRST else first
        trigger, delay = self._plan_kill(first)
        seed = self.rng.randrange(2**32)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child never returns from child_main
            os.close(read_fd)
            child_main(
                db_path=self.db_path,
                settings=self.settings,
                books=books,
                next_book=nb,
                seed=seed,
                fd=write_fd,
                first=first,
                import_mode=self.import_mode,
            )
        os.close(write_fd)
        lines, status, killed_at = self._watch(pid, read_fd, trigger, delay)
        problems = self._record(lines, status, killed_at)
        if problems:
            return problems
        t = time.perf_counter()
        chain = (n + 1) % self.chain_every == 0
        result: CheckResult = check_database(self.db_path, self.expected, books, chain=chain)
        self.summary.check_seconds += time.perf_counter() - t
        self.complete = result.complete_books
        self.summary.items = result.items
        return result.problems

    def _plan_kill(self, first: str) -> tuple[bytes, float]:
        """(line that starts the clock, seconds after it) for this round's kill."""
        roll = self.rng.random()
        if first == "checkpoint":
            return b"begin checkpoint", self.rng.uniform(0.0, 0.03)
        if first == "import":
            est = self.import_estimate()
            if roll < 0.2:
                return b"saved import", self.rng.uniform(0.0, 0.1)  # let it finish: kill just after
            if roll < 0.5:
                return b"begin import", est * self.rng.uniform(0.85, 1.1)  # its commit and checkpoint
            return b"begin import", est * self.rng.uniform(0.0, 1.0)
        if roll < 0.1:
            return b"", self.rng.uniform(0.0, 0.08)  # fork, opening, WAL recovery
        return b"saved open", self.rng.uniform(0.0, 0.3)

    def _watch(self, pid: int, fd: int, trigger: bytes, delay: float) -> tuple[list[str], int, float]:
        """Read the child's lines until the kill moment, kill, reap, read the rest."""
        buf = b""
        deadline = time.monotonic() + delay if not trigger else None
        limit = time.monotonic() + 60  # a child that never reaches its trigger is a failure
        while True:
            now = time.monotonic()
            end = min(deadline, limit) if deadline is not None else limit
            if now >= end:
                break
            ready, _, _ = select.select([fd], [], [], end - now)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:  # the child ended by itself (an error)
                    break
                buf += chunk
                if deadline is None and trigger in buf:
                    deadline = time.monotonic() + delay
        killed_at = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        while chunk := os.read(fd, 65536):
            buf += chunk
        os.close(fd)
        return buf.decode().splitlines(), status, killed_at

    def _record(self, lines: list[str], status: int, killed_at: float) -> list[str]:
        s = self.summary
        phase, began = "fork", killed_at
        for line in lines:
            parts = line.split(" ")
            if parts[0] == "error":
                return [f"the child failed: {line[6:]}"]
            if parts[0] == "begin":
                phase, began = parts[1], float(parts[2])
            elif parts[0] == "saved" and len(parts) == 4:
                kind, key, value = parts[1:]
                self.expected.saw(kind, key, value)
                s.saved[kind] += 1
                if kind == "import":
                    s.import_seconds.append(float(value))
                phase = "between operations"
        if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
            return [f"the child was not killed but ended with status {status}: {lines[-3:]}"]
        s.kills += 1
        s.phases[phase.split(":")[0]] += 1
        if phase.startswith("import"):
            s.import_kills.append(killed_at - began)
        return []


def run_chains(chains: list[KillHarness], kills: int, progress: bool = False) -> list[Summary]:
    """Run several chains (each on its own file) at once, each in a forked runner process: the
    writers are CPU-bound and the runners mostly wait, so two cores run two chains in the time of one.
    Make the workbooks first (`pool.ensure`): runners must not write the pool's files concurrently."""
    procs = []
    for harness in chains:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            code = 0
            try:
                data = pickle.dumps(harness.run(kills, progress))
            except BaseException as exc:
                code = 1
                data = pickle.dumps(Summary(problems=["".join(traceback.format_exception(exc))]))
            try:
                with os.fdopen(write_fd, "wb") as out:
                    out.write(data)
            finally:
                os._exit(code)
        os.close(write_fd)
        procs.append((pid, read_fd))
    summaries = []
    for pid, read_fd in procs:
        with os.fdopen(read_fd, "rb") as inp:
            data = inp.read()
        os.waitpid(pid, 0)
        summaries.append(pickle.loads(data) if data else Summary(problems=["the runner died"]))
    return summaries


def merged(summaries: list[Summary]) -> Summary:
    """One summary for several chains run at once (seconds: the longest chain, i.e. wall time)."""
    total = Summary()
    for s in summaries:
        total.kills += s.kills
        total.phases += s.phases
        total.import_kills += s.import_kills
        total.saved += s.saved
        total.imports_complete += s.imports_complete
        total.import_seconds += s.import_seconds
        total.items += s.items
        total.seconds = max(total.seconds, s.seconds)
        total.check_seconds += s.check_seconds
        total.problems += s.problems
        total.db_bytes += s.db_bytes
    return total


def describe(summary: Summary) -> list[str]:
    """The summary as plain lines (the bench prints them and writes them to docs/performance.md)."""
    s = summary
    per_kill = s.seconds / s.kills if s.kills else 0.0
    phases = ", ".join(f"{k} {v}" for k, v in s.phases.most_common())
    imp = sorted(s.import_kills)
    took = statistics.median(s.import_seconds) if s.import_seconds else 0.0
    return [
        f"kills: {s.kills} in {s.seconds:.1f} s ({per_kill * 1000:.0f} ms per kill, "
        f"checks {s.check_seconds:.1f} s)",
        f"killed while: {phases}",
        f"kills inside an import: {len(imp)}"
        + (f" (from {imp[0]:.2f} s to {imp[-1]:.2f} s into it)" if imp else ""),
        f"reported saved: {dict(s.saved)}",
        f"imports complete: {s.imports_complete}"
        + (f"; one import took {took:.2f} s (median)" if took else ""),
        f"database: {s.items} items, {s.db_bytes / 1e6:.1f} MB with its WAL",
        f"problems: {s.problems or 'none'}",
    ]
