"""The `taizhang` command line: the same services as the GUI, for batch work and checks."""

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from sqlmodel import select

from app import cli_text
from app.cli_backup import BACKUP_COMMANDS, add_backup_commands, daily_backup, error_hints
from app.cli_forms import FORM_COMMANDS, add_form_commands
from app.cli_import import IMPORT_COMMANDS, add_import_commands
from app.cli_posting import POSTING_COMMANDS, add_posting_commands
from app.cli_verify import VERIFY_COMMANDS, add_verify_commands
from app.cli_workbook import WORKBOOK_COMMANDS, add_workbook_commands
from app.logging_setup import help_text, log_unexpected, setup_logging
from app.models import Village
from app.services.context import Settings, load_settings
from app.services.demo import build_demo
from app.services.errors import DomainError
from app.services.queries import item_detail, overdue_rows
from app.services.statistics import Period, compute_statistics
from app.services.villages import add_cadre, create_village, sync_ledgers
from app.store.database import open_database
from app.store.location import data_dir, default_db_path
from app.store.lock import hold_database_lock
from app.store.uow import UnitOfWork


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"参数错误：{message}（用 taizhang --help 查看用法）\n")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应写作YYYY-MM-DD：{text}") from exc


def _month(text: str) -> str:
    try:
        Period.month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"月份应写作YYYY-MM：{text}") from exc
    return text


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="数据库文件（默认在用户数据目录）")
    common.add_argument(
        "--today",
        type=_date,
        default=argparse.SUPPRESS,
        help="按这一天计算期限和统计，YYYY-MM-DD（默认今天）",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(
        prog="taizhang", parents=[common], description="三本台账：民生台账、困难群众台账、稳定工作台账"
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="命令")
    p = sub.add_parser("init", parents=[common], help="建立本村台账数据库")
    p.add_argument("--village-code", required=True, help="12位行政区划代码")
    p.add_argument("--village", required=True, help="村名")
    p.add_argument("--township", required=True, help="乡镇")
    p.add_argument("--county", required=True, help="县（市、区）")
    p.add_argument("--cadre", action="append", default=[], metavar="姓名:职务[:电话]", help="村干部，可重复")
    p = sub.add_parser("demo", parents=[common], help="生成演示村及演示事项")
    p.add_argument("--villages", type=int, default=1, help="村数（默认1）")
    p.add_argument("--items", type=int, default=200, help="每村事项数（默认200）")
    p.add_argument("--seed", type=int, default=2012, help="随机种子（相同种子结果相同）")
    p = sub.add_parser("stats", parents=[common], help="统计：登记、办结、办结率、各级办结占比等")
    p.add_argument("--month", type=_month, help="只统计该月受理的事项，YYYY-MM")
    p.add_argument("--village", help="只统计该村（行政区划代码）")
    p.add_argument("--json", action="store_true", help="输出JSON")
    p = sub.add_parser("overdue", parents=[common], help="列出已逾期未办结的事项")
    p.add_argument("--village", help="只看该村（行政区划代码）")
    p.add_argument("--json", action="store_true", help="输出JSON")
    p = sub.add_parser("show", parents=[common], help="查看一件事项的完整记录和期限")
    p.add_argument("key", help="事项编号或UUID")
    p = sub.add_parser("todo", parents=[common], help="今日待办：逾期、即将到期、待议账、待签字")
    sub.add_parser("ledgers", parents=[common], help="列出台账及分类（含县里自己增加的）")
    p = sub.add_parser("gui", parents=[common], help="打开图形界面（默认）")
    p.add_argument("--screenshot", type=Path, metavar="FILE.png", help="在后台渲染窗口并保存截图后退出")
    p.add_argument(
        "--page",
        help="打开的页面：dashboard、township、minsheng、kunnan、wending、all、meeting、posting、import、"
        "safety、settings",
    )
    add_form_commands(sub, common)
    add_posting_commands(sub, common)
    add_workbook_commands(sub, common)
    add_import_commands(sub, common)
    add_verify_commands(sub, common)
    add_backup_commands(sub, common)
    return parser


def _village_ids(uow: UnitOfWork, code: str | None) -> list[int] | None:
    if code is None:
        return None
    village = uow.session.exec(select(Village).where(Village.code == code)).first()
    if village is None:
        raise DomainError(f"数据库中没有行政区划代码为{code}的村")
    return [village.id]  # type: ignore[list-item]


def _cmd_init(args: argparse.Namespace, ctx: "_Ctx") -> int:
    with UnitOfWork(ctx.engine) as uow:
        village = create_village(
            uow=uow,
            code=args.village_code,
            name=args.village,
            township=args.township,
            county=args.county,
            config=ctx.settings.ledgers,
        )
        for spec in args.cadre:
            parts = [*spec.split(":"), "", ""]
            add_cadre(
                uow=uow,
                village_id=village.id,
                name=parts[0],
                role=parts[1],  # type: ignore[arg-type]
                phone=parts[2],
            )
        uow.commit()
    print(f"已建立{args.county}{args.township}{args.village}（{args.village_code}）的台账：{ctx.db}")
    return 0


def _cmd_demo(args: argparse.Namespace, ctx: "_Ctx") -> int:
    if not (1 <= args.villages <= 1000) or not (1 <= args.items <= 5000):
        raise DomainError("演示村数应在1到1000之间，每村事项数应在1到5000之间")

    def progress(n: int, total: int) -> None:
        print(f"\r正在生成演示数据：{n}/{total} 个村", end="", file=sys.stderr, flush=True)

    count = build_demo(
        engine=ctx.engine,
        config=ctx.settings.ledgers,
        villages=args.villages,
        items=args.items,
        seed=args.seed,
        today=ctx.today,
        progress=progress,
    )
    print(file=sys.stderr)
    print(f"已生成{args.villages}个演示村、共{count}件事项：{ctx.db}")
    return 0


def _cmd_stats(args: argparse.Namespace, ctx: "_Ctx") -> int:
    with UnitOfWork(ctx.engine) as uow:
        result = compute_statistics(
            uow.session,
            rules=ctx.settings.rules,
            cal=ctx.settings.calendar,
            today=ctx.today,
            village_ids=_village_ids(uow, args.village),
            period=Period.month(args.month) if args.month else None,
        )
        names = cli_text.ledger_names(uow.session)
    blocks = result["by_ledger"]
    result["by_ledger"] = {
        k: {"name": names.get(k, k), **blocks[k]}
        for k in sorted(blocks, key=lambda k: list(names).index(k) if k in names else len(names))
    }
    if args.json:
        _print_json(result)
    else:
        print(cli_text.stats_text(result))
    return 0


def _cmd_overdue(args: argparse.Namespace, ctx: "_Ctx") -> int:
    with UnitOfWork(ctx.engine) as uow:
        rows = overdue_rows(uow.session, ctx.settings, ctx.today, _village_ids(uow, args.village))
    if args.json:
        _print_json([cli_text.overdue_json(r) for r in rows])
    else:
        print(cli_text.overdue_text(rows, ctx.today))
    return 0


def _cmd_show(args: argparse.Namespace, ctx: "_Ctx") -> int:
    with UnitOfWork(ctx.engine) as uow:
        print(cli_text.detail_text(item_detail(uow.session, ctx.settings, args.key, ctx.today)))
    return 0


def _cmd_todo(args: argparse.Namespace, ctx: "_Ctx") -> int:
    with UnitOfWork(ctx.engine) as uow:
        print(cli_text.todo_text(uow.session, ctx.settings, ctx.today))
    return 0


def _cmd_ledgers(args: argparse.Namespace, ctx: "_Ctx") -> int:
    with UnitOfWork(ctx.engine) as uow:
        print(cli_text.ledgers_text(uow.session))
    return 0


def _cmd_gui(args: argparse.Namespace, ctx: "_Ctx") -> int:
    screenshot = getattr(args, "screenshot", None)
    if screenshot is not None:  # checks and the manual: never stop at the first-start dialog
        with UnitOfWork(ctx.engine) as uow:
            empty = uow.session.exec(select(Village)).first() is None
        if empty:
            build_demo(
                engine=ctx.engine,
                config=ctx.settings.ledgers,
                villages=1,
                items=120,
                seed=2012,
                today=ctx.today,
            )
    ctx.engine.dispose()
    if screenshot is not None:  # a screenshot needs no screen (a server, CI, a remote shell)
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.application import run_gui  # Qt is loaded only for the window

    return run_gui(ctx.db, getattr(args, "today", None), screenshot, getattr(args, "page", None))


COMMANDS = {
    "init": _cmd_init,
    "demo": _cmd_demo,
    "stats": _cmd_stats,
    "overdue": _cmd_overdue,
    "show": _cmd_show,
    "todo": _cmd_todo,
    "ledgers": _cmd_ledgers,
    "gui": _cmd_gui,
    **FORM_COMMANDS,
    **POSTING_COMMANDS,
    **WORKBOOK_COMMANDS,
    **IMPORT_COMMANDS,
    **VERIFY_COMMANDS,
}


class _Ctx:
    def __init__(self, args: argparse.Namespace) -> None:
        self.is_default_db = getattr(args, "db", None) is None
        self.db: Path = getattr(args, "db", None) or default_db_path()
        self.today: date = getattr(args, "today", None) or date.today()
        self.settings: Settings = load_settings(data_dir())
        # one writer at a time: every command below may write (migrations, ledger sync, the work)
        self.lock = hold_database_lock(self.db, f"taizhang {getattr(args, 'command', None) or 'gui'}")
        try:
            self.engine = open_database(self.db)
        except BaseException:
            self.lock.release()
            raise
        daily_backup(self.db)
        with UnitOfWork(self.engine) as uow:  # a county's new ledgers/categories reach the database
            sync_ledgers(uow.session, self.settings.ledgers)
            uow.commit()


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = build_parser().parse_args(argv)
    command = args.command or "gui"
    with contextlib.suppress(OSError):  # a read-only data folder: no log, the command still runs
        setup_logging(data_dir())
    try:
        if command in BACKUP_COMMANDS:  # they must work on a damaged database: no usual start-up
            return BACKUP_COMMANDS[command](args)
        ctx = _Ctx(args)
        try:
            return COMMANDS[command](args, ctx)
        finally:
            ctx.engine.dispose()
            ctx.lock.release()
    except DomainError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        for line in error_hints(exc, args):
            print(line, file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and cut short: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        print(f"程序内部错误：{type(exc).__name__}: {first}", file=sys.stderr)
        print(help_text(log_unexpected(exc, f"命令 {command} ")).replace("\n", " "), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
