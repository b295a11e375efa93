"""Benchmark: the SIGKILL durability harness (issue 6) for many kills, summary to docs/performance.md.

Usage:  python bench/bench_kill.py [--kills 2000] [--chains 2] [--books 12] [--import-mode preread|file]
The same harness as tests/durability/test_kill.py: each round forks a writer that registers items,
works them through the workflow, voids some, holds 议账 meetings, runs WAL checkpoints and imports
200-item demo workbooks, kills it with SIGKILL after a seeded random delay, then checks the file
(integrity_check, foreign keys, every reported save, history against items and hash chains, whole
imports only). Chains run side by side, each on its own database file that keeps growing.
"""

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.services.context import load_settings  # noqa: E402
from tests.durability.kill_harness import KillHarness, describe, merged, run_chains  # noqa: E402
from tests.durability.kill_workbooks import WorkbookPool  # noqa: E402

HEADING = "## SIGKILL durability (issue 6)"


def replace_section(path: Path, heading: str, body: str, preamble: str) -> None:
    """Rewrite one '## ' section of the report, keeping every other section as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else preamble + "\n"
    if heading not in text:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        start = text.index(heading)
        nxt = text.find("\n## ", start + len(heading))
        text = text[:start] + body.rstrip("\n") + "\n" + (text[nxt:] if nxt >= 0 else "")
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def report(args: argparse.Namespace, lines: list[str], pool_seconds: float) -> str:
    per_chain = args.kills // args.chains
    return "\n".join(
        [
            HEADING,
            "",
            f"Measured by `python bench/bench_kill.py --kills {args.kills} --chains {args.chains} "
            f"--books {args.books} --import-mode {args.import_mode}` on {date.today():%Y-%m-%d}, on this "
            f"project's machine (2 cores, shared with other work while it ran). {args.chains} chains of "
            f"{per_chain} kills run side by side, each on its own database file that keeps growing from "
            "round to round. A round forks a writer that registers items, works them through the "
            "workflow, voids some, holds 议账 meetings, runs WAL checkpoints and imports 200-item demo "
            "workbooks (a fresh village each, item UUIDs known); the parent kills it with SIGKILL after "
            "a seeded random delay (10% within the first 80 ms — opening and WAL recovery; others up to "
            "0.3 s after opening; rounds that start with an import at a measured fraction of the "
            "import, a third of them aimed at its commit, a fifth just after it), then reads the file "
            "read-only: `PRAGMA integrity_check` = ok, `foreign_key_check` empty, every item, version "
            "and meeting the writer reported after its commit returned is there, every item's events "
            "are 1..version with the last one leading to its state, hash chains verified every 10 "
            "kills and at the end, and each workbook's items all there at the file's versions (with "
            f"its village) or none. {pool_seconds:.0f} s went into making {args.books} import "
            "workbooks before the first kill (not counted below).",
            "",
            "```",
            *lines,
            "```",
            "",
            "`killed while` names the operation the writer had begun and not yet reported saved "
            "(`between operations`: right after a report; `open`: inside `open_database`, which "
            "recovers the WAL the previous writer left; `checkpoint`: inside `PRAGMA "
            "wal_checkpoint(TRUNCATE)` of the WAL earlier writers left; kills aimed at an import's "
            "commit also land in the automatic checkpoint that follows it). `checks` is summed over "
            "the chains: once the files pass 30 MB, `integrity_check` and the full-table reads are "
            "most of each round. Once a chain has imported every workbook it stops starting rounds "
            "with an import. The test suite runs the same harness for 208 kills on smaller files "
            "(`tests/durability/test_kill.py`, 3 workbooks).",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=2000)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--books", type=int, default=12, help="import workbooks made before the first kill")
    parser.add_argument("--items", type=int, default=200, help="items per import workbook")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--import-mode", choices=("preread", "file"), default="preread")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".data" / "kill")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    work = args.work / time.strftime("%Y%m%d-%H%M%S")
    (work / "userdata").mkdir(parents=True)
    settings = load_settings(work / "userdata")
    started = time.perf_counter()
    pool = WorkbookPool(work / "books", settings, items=args.items, seed=args.seed)
    pool.ensure(args.books)
    pool_seconds = time.perf_counter() - started
    print(f"{args.books} workbooks in {pool_seconds:.0f} s; killing…", flush=True)
    chains = [
        KillHarness(
            work / f"chain-{n}.db",
            settings,
            pool,
            seed=args.seed * 1000 + n,
            import_mode=args.import_mode,
            max_books=args.books,
        )
        for n in range(args.chains)
    ]
    summary = merged(run_chains(chains, args.kills // args.chains, progress=True))
    lines = describe(summary)
    print("\n".join(lines))
    replace_section(args.out, HEADING, report(args, lines, pool_seconds), "# Performance")
    print(f"written to {args.out}; databases kept in {work}")
    sys.exit(1 if summary.problems else 0)


if __name__ == "__main__":
    main()
