"""Commands for the monthly wall posting (晒账): export the PDF, and record that it is on the wall.

`app/cli.py` wires them in: `add_posting_commands(sub, common)` in `build_parser`, and the handlers
in `POSTING_COMMANDS` join its `COMMANDS`.
"""

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from app.models import Ledger, Village
from app.services.context import Settings
from app.services.errors import DomainError
from app.services.posting import Figures, Posting, build_posting, cn_date, mark_posted, record_posting
from app.services.privacy import load_privacy
from app.services.statistics import Period
from app.store.location import data_dir
from app.store.uow import UnitOfWork

PAPER_NAMES = ("A4", "A3")  # app.exports.wall_pdf.PAPERS (tested equal), without loading reportlab


class PostingContext(Protocol):
    """What the handlers need of the command line's context (`app.cli._Ctx`)."""

    engine: Engine
    settings: Settings
    today: date


def _month(text: str) -> str:
    try:
        Period.month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"月份应写作YYYY-MM：{text}") from exc
    return text


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应写作YYYY-MM-DD：{text}") from exc


def _paper(text: str) -> str:
    if text.upper() not in PAPER_NAMES:
        raise argparse.ArgumentTypeError(f"纸张只能是{'或'.join(PAPER_NAMES)}：{text}")
    return text.upper()


def add_posting_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add export-pdf and mark-posted to the command line's subparsers."""
    p = sub.add_parser(
        "export-pdf", parents=[common], help="生成每月上墙公示表（PDF；姓名打码，不印身份证号和电话）"
    )
    p.add_argument("--month", type=_month, required=True, help="公示的月份，YYYY-MM")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="保存为该PDF文件")
    p.add_argument("--village", help="行政区划代码（库中有多个村时必填）")
    p.add_argument("--paper", type=_paper, default="A4", help="纸张：A4（默认）或A3（大展板）")
    p.add_argument("--from", dest="period_from", type=_date, help="公示期开始日期（默认次月1日）")
    p.add_argument("--to", dest="period_to", type=_date, help="公示期结束日期（默认共10天）")
    p = sub.add_parser(
        "mark-posted", parents=[common], help="公示表已上墙：该月已签字确认的办结事项记为已晒账"
    )
    p.add_argument("--month", type=_month, required=True, help="公示的月份，YYYY-MM")
    p.add_argument("--village", help="行政区划代码（库中有多个村时必填）")
    p.add_argument("--on", type=_date, help="上墙日期，YYYY-MM-DD（默认今天）")
    p.add_argument("--actor", default="村文书", help="经办人（默认：村文书）")


def _village(uow: UnitOfWork, code: str | None) -> Village:
    if code is not None:
        village = uow.session.exec(select(Village).where(Village.code == code)).first()
        if village is None:
            raise DomainError(f"数据库中没有行政区划代码为{code}的村")
        return village
    villages = list(uow.session.exec(select(Village).order_by(col(Village.code)).limit(2)).all())
    if not villages:
        raise DomainError("数据库中还没有村，请先用 taizhang init 建立本村台账")
    if len(villages) > 1:
        raise DomainError("数据库中有多个村，请用 --village 指定行政区划代码")
    return villages[0]


def _figures_line(f: Figures) -> str:
    levels = "、".join(f"{lv.label}{lv.share:.2f}%" for lv in f.levels)
    return (
        f"本月登记{f.registered}件，本月办结{f.settled}件（经当事人签字确认），"
        f"办结率{f.rate * 100:.2f}%，办理中{f.in_progress}件；各级办结占比：{levels}"
    )


def posting_report(posting: Posting, out: Path, paper: str) -> str:
    """What export-pdf prints: the file, the period, the figures and every masked number."""
    lines = [
        f"已生成{posting.title}（{paper}）：{out}",
        f"公示期：{cn_date(posting.period_from)}至{cn_date(posting.period_to)}",
        f"合计：{_figures_line(posting.figures)}",
    ]
    for sec in posting.sections:
        note = "（只公示件数）" if sec.counts_only else ""
        lines.append(f"{sec.name}{note}：{_figures_line(sec.figures)}")
    for label, phone in (
        ("村务监督委员会", posting.supervision_phone),
        (posting.discipline_label, posting.township_discipline_phone),
    ):
        if not phone:
            lines.append(f"注意：{label}电话未设置，公示表上留了空白（可在“设置—本村信息”中填写）")
    if posting.redactions:
        lines.append(f"公示前发现并遮盖了{len(posting.redactions)}处疑似身份证号或电话号码，请核对原始记录：")
        lines += [f"已遮盖：{r.describe()}" for r in posting.redactions]
    else:
        lines.append("公示内容中未发现身份证号或电话号码。")
    return "\n".join(lines)


def _cmd_export_pdf(args: argparse.Namespace, ctx: PostingContext) -> int:
    with UnitOfWork(ctx.engine) as uow:
        village = _village(uow, args.village)
        keys = [lg.key for lg in uow.session.exec(select(Ledger)).all()]
        posting = build_posting(
            uow.session,
            settings=ctx.settings,
            village_id=village.id,  # type: ignore[arg-type]
            month=args.month,
            privacy=load_privacy(data_dir(), keys),
            today=ctx.today,
            period_from=args.period_from,
            period_to=args.period_to,
        )
    from app.exports.wall_pdf import write_wall_posting  # reportlab: only when writing

    file_hash = write_wall_posting(posting, args.out, paper=args.paper)
    with UnitOfWork(ctx.engine) as uow:
        record_posting(uow=uow, posting=posting, file_hash=file_hash, today=ctx.today)
        uow.commit()
    print(posting_report(posting, args.out, args.paper))
    return 0


def _cmd_mark_posted(args: argparse.Namespace, ctx: PostingContext) -> int:
    on = args.on or ctx.today
    if on > ctx.today:
        raise DomainError(f"上墙日期{on:%Y-%m-%d}不能晚于今天")
    with UnitOfWork(ctx.engine) as uow:
        village = _village(uow, args.village)
        done = mark_posted(
            uow=uow,
            village_id=village.id,  # type: ignore[arg-type]
            month=args.month,
            on=on,
            actor=args.actor,
        )
        uow.commit()
    print(
        f"已记录{village.name}{args.month}公示表于{cn_date(on)}上墙，"
        f"{len(done.published)}件已签字确认的办结事项记为已晒账"
    )
    return 0


POSTING_COMMANDS: dict[str, Callable[[argparse.Namespace, Any], int]] = {
    "export-pdf": _cmd_export_pdf,
    "mark-posted": _cmd_mark_posted,
}
