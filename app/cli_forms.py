"""Commands that print forms: the 一事一档 sheet, the requester's receipt, the cadres' contact card.

`app/cli.py` wires them in: `add_form_commands(sub, common)` in `build_parser`, and the handlers
in `FORM_COMMANDS` join its `COMMANDS`.
"""

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import select

from app.models import Cadre, Village
from app.services.context import Settings
from app.services.errors import DomainError
from app.services.queries import ItemDetail, item_detail
from app.store.uow import UnitOfWork


class FormContext(Protocol):
    """What the handlers need of the command line's context (`app.cli._Ctx`)."""

    engine: Engine
    settings: Settings
    today: date


def add_form_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add print-item, receipt and contact-card to the command line's subparsers."""
    p = sub.add_parser("print-item", parents=[common], help="打印一事一档活页（PDF，含办理记录和签字栏）")
    p.add_argument("key", help="事项编号或UUID")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="保存为该PDF文件")
    p = sub.add_parser("receipt", parents=[common], help="打印交给诉求人的受理回执（跟踪卡，PDF）")
    p.add_argument("key", help="事项编号或UUID")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="保存为该PDF文件")
    p = sub.add_parser("contact-card", parents=[common], help="打印发给农户的干部联系卡（PDF，每页多张）")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="保存为该PDF文件")
    p.add_argument("--village", help="行政区划代码（库中有多个村时必填）")


def _detail(ctx: FormContext, key: str) -> ItemDetail:
    with UnitOfWork(ctx.engine) as uow:
        return item_detail(uow.session, ctx.settings, key, ctx.today)


def _cmd_print_item(args: argparse.Namespace, ctx: FormContext) -> int:
    detail = _detail(ctx, args.key)
    from app.exports.forms_pdf import write_item_sheet  # reportlab: only when writing

    path = write_item_sheet(detail, args.out)
    print(f"已生成一事一档（{detail.item.serial}）：{path}")
    return 0


def _cmd_receipt(args: argparse.Namespace, ctx: FormContext) -> int:
    detail = _detail(ctx, args.key)
    from app.exports.forms_pdf import write_receipt

    path = write_receipt(detail, args.out)
    print(f"已生成受理回执（{detail.item.serial}）：{path}")
    return 0


def _village(uow: UnitOfWork, code: str | None) -> Village:
    if code is not None:
        village = uow.session.exec(select(Village).where(Village.code == code)).first()
        if village is None:
            raise DomainError(f"数据库中没有行政区划代码为{code}的村")
        return village
    villages = list(uow.session.exec(select(Village).order_by(Village.code).limit(2)).all())
    if not villages:
        raise DomainError("数据库中还没有村，请先用 taizhang init 建立本村台账")
    if len(villages) > 1:
        raise DomainError("数据库中有多个村，请用 --village 指定行政区划代码")
    return villages[0]


def _cmd_contact_card(args: argparse.Namespace, ctx: FormContext) -> int:
    with UnitOfWork(ctx.engine) as uow:
        village = _village(uow, args.village)
        stmt = select(Cadre).where(Cadre.village_id == village.id, Cadre.active).order_by(Cadre.id)  # type: ignore[arg-type]
        cadres = list(uow.session.exec(stmt).all())
    if not cadres:
        raise DomainError(f"{village.name}还没有登记村干部，请先在“设置”中添加")
    from app.exports.forms_pdf import write_contact_cards

    path = write_contact_cards(village, cadres, args.out)
    print(f"已生成{village.name}干部联系卡（{len(cadres)}名干部）：{path}")
    return 0


FORM_COMMANDS: dict[str, Callable[[argparse.Namespace, Any], int]] = {
    "print-item": _cmd_print_item,
    "receipt": _cmd_receipt,
    "contact-card": _cmd_contact_card,
}
