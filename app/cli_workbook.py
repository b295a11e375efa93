"""The upward report command: `taizhang export-xlsx [--month YYYY-MM] [--village CODE] --out FILE.xlsx`.

`app/cli.py` wires it in: `add_workbook_commands(sub, common)` in `build_parser`, and the handler in
`WORKBOOK_COMMANDS` joins its `COMMANDS`.
"""

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import select

from app.models import Village
from app.services.context import Settings
from app.services.errors import DomainError
from app.services.replies import build_reply
from app.services.report_data import build_report
from app.services.statistics import Period
from app.store.uow import UnitOfWork


class WorkbookContext(Protocol):
    engine: Engine
    settings: Settings
    today: date


def _month(text: str) -> str:
    try:
        Period.month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"月份应写作YYYY-MM：{text}") from exc
    return text


def add_workbook_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "export-xlsx", parents=[common], help="导出上报工作簿（Excel：汇总、各台账、上报、逾期、办理记录）"
    )
    p.add_argument("--month", type=_month, help="只导出这个月受理或有办理记录的事项，YYYY-MM（默认全部）")
    p.add_argument("--village", help="只导出这个村（行政区划代码；默认库中全部村，乡镇库即为全镇汇总）")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx", help="保存为该Excel文件")
    r = sub.add_parser(
        "export-reply",
        parents=[common],
        help="乡镇（县）导出给某村的答复工作簿：该村上报事项的答复、办结和继续上报情况",
    )
    r.add_argument("--village", required=True, help="答复给这个村（行政区划代码）")
    r.add_argument("--month", type=_month, help="只含这个月有办理记录的事项，YYYY-MM（默认全部）")
    r.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx", help="保存为该Excel文件")


def _cmd_export_xlsx(args: argparse.Namespace, ctx: WorkbookContext) -> int:
    out: Path = args.out
    if out.suffix.lower() != ".xlsx":
        raise DomainError("上报工作簿请保存为 .xlsx 文件")
    from app.exports.workbook import SecondCore, write_report_workbook  # openpyxl: only when writing

    # a county's 历史 sheet is formatted on the second core while the other tables are read
    with SecondCore() as second:
        with UnitOfWork(ctx.engine) as uow:
            ids: list[int] | None = None
            if args.village is not None:
                village = uow.session.exec(select(Village).where(Village.code == args.village)).first()
                if village is None:
                    raise DomainError(f"数据库中没有行政区划代码为{args.village}的村")
                ids = [village.id]  # type: ignore[list-item]
            report = build_report(
                uow.session,
                settings=ctx.settings,
                month=args.month,
                village_ids=ids,
                today=ctx.today,
                on_table=second.start,
            )
        write_report_workbook(report, out, second_core=second)
    m = report.meta
    when = f"{args.month}月" if args.month else "全部"
    print(f"已导出{m.exporter_name}（{m.exporter_code}）{when}上报工作簿：{out}")
    for name, n in m.row_counts:
        print(f"  {name}：{n}行")
    return 0


def _cmd_export_reply(args: argparse.Namespace, ctx: WorkbookContext) -> int:
    from app.exports.workbook import write_report_workbook  # openpyxl: only when writing

    out: Path = args.out
    if out.suffix.lower() != ".xlsx":
        raise DomainError("答复工作簿请保存为 .xlsx 文件")
    with UnitOfWork(ctx.engine) as uow:
        report = build_reply(
            uow.session, settings=ctx.settings, village_code=args.village, month=args.month, today=ctx.today
        )
    write_report_workbook(report, out)
    m = report.meta
    items = sum(len(t.rows) for t in report.ledgers)
    village_name = next((name for code, name, _t, _c in m.places if code == args.village), "")
    print(
        f"已导出{m.exporter_name}给{village_name}（{args.village}）的答复工作簿：{out}"
        f"（{items}件事项，{len(report.history.rows)}条办理记录）"
    )
    print("请把该文件交给村里，在村里的软件中用“导入工作簿”导入。")
    return 0


WORKBOOK_COMMANDS: dict[str, Callable[[argparse.Namespace, Any], int]] = {
    "export-xlsx": _cmd_export_xlsx,
    "export-reply": _cmd_export_reply,
}
