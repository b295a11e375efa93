"""`taizhang verify`: walk every item's hash-chained history and report the first broken link.

`app/cli.py` wires it in: `add_verify_commands(sub, common)` in `build_parser`, and the handler in
`VERIFY_COMMANDS` joins its `COMMANDS`. Exit status 0: every chain holds; 1: something was changed.
"""

import argparse
import json
import sys
import time
from dataclasses import asdict
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from app.services.chain import verify_chain
from app.store.uow import UnitOfWork


class VerifyContext(Protocol):
    engine: Engine


def add_verify_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("verify", parents=[common], help="检查办理记录是否被改动、删除或插入（历史链校验）")
    p.add_argument("--json", action="store_true", help="输出JSON")


def _cmd_verify(args: argparse.Namespace, ctx: VerifyContext) -> int:
    def progress(done: int, total: int) -> None:
        if not args.json and total:
            print(f"\r正在校验办理记录：{done}/{total}", end="", file=sys.stderr, flush=True)

    started = time.perf_counter()
    with UnitOfWork(ctx.engine) as uow:
        report = verify_chain(uow.session, progress)
    seconds = time.perf_counter() - started
    if args.json:
        data = {
            "ok": report.ok,
            "items_checked": report.items_checked,
            "events_checked": report.events_checked,
            "broken_items": report.broken_items,
            "problems": [asdict(p) for p in report.problems],
            "digest": report.digest,
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(file=sys.stderr)
        print("\n".join(report.lines()))
        print(f"用时{seconds:.1f}秒")
    return 0 if report.ok else 1


VERIFY_COMMANDS = {"verify": _cmd_verify}
