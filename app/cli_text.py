"""Plain-text (Chinese) rendering of reports for the command line."""

import json
from datetime import date
from typing import Any

from sqlmodel import Session, select

from app.models import Category, Ledger
from app.models.enums import Action, ItemState, Level
from app.services.context import Settings
from app.services.queries import ClockRow, ItemDetail, count_in_state, due_soon_rows, overdue_rows
from app.services.statistics import Period, compute_statistics

LEVEL_NAMES = {lv.value: lv.label for lv in Level}


def ledger_names(session: Session) -> dict[str, str]:
    stmt = select(Ledger).order_by(Ledger.sort_order)  # type: ignore[arg-type]
    return {lg.key: lg.name for lg in session.exec(stmt).all()}


def _pct(x: float) -> str:
    return f"{x * 100:.2f}%"


def _block(f: dict[str, Any]) -> list[str]:
    lv, share = f["settled_by_level"], f["settled_share_by_level"]
    levels = "，".join(f"{LEVEL_NAMES[k]}{lv[k]}件（{share[k]:.2f}%）" for k in lv)
    return [
        f"登记 {f['registered']} 件，办结 {f['settled']} 件，办结率 {_pct(f['settlement_rate'])}",
        f"办结层级：{levels}",
        f"上报乡镇及以上 {f['escalated']} 件，当前逾期 {f['overdue']} 件，"
        f"重新办理 {f['reopened']} 件（共{f['reopen_count']}次），"
        f"满意率 {_pct(f['satisfaction_rate'])}（{f['ratings']}次测评）",
    ]


def stats_text(result: dict[str, Any]) -> str:
    period = result["period"]
    scope = f"{period['start']} 至 {period['end']}" if period["start"] else "全部"
    lines = [f"统计范围：受理日期 {scope}；截至 {result['as_of']}", *_block(result)]
    if result.get("voided"):
        lines.append(f"（另有作废 {result['voided']} 件，不计入以上数字）")
    for block in result["by_ledger"].values():
        lines += ["", f"【{block.get('name', '')}】", *_block(block)]
    return "\n".join(lines)


def overdue_json(r: ClockRow) -> dict[str, Any]:
    return {
        "uuid": r.uuid,
        "serial": r.serial,
        "village": r.village,
        "ledger": r.ledger,
        "category": r.category,
        "state": r.state,
        "level": r.level,
        "limit": r.limit,
        "due": r.due.isoformat() if r.due else None,
        "days_overdue": -(r.days_left or 0),
    }


def _row_line(r: ClockRow) -> str:
    when = (
        f"已逾期{-(r.days_left or 0)}天"
        if (r.days_left or 0) < 0
        else ("今天到期" if r.days_left == 0 else f"还剩{r.days_left}天")
    )
    due = f"{r.due:%m月%d日}" if r.due else ""
    return (
        f"  {r.serial}  {r.village} {r.ledger}·{r.category}  {r.requester}  "
        f"{ItemState(r.state).label}  {r.limit} {due}到期，{when}"
    )


def overdue_text(rows: list[ClockRow], today: date) -> str:
    if not rows:
        return f"截至{today:%Y年%m月%d日}，没有逾期事项。"
    return "\n".join([f"截至{today:%Y年%m月%d日}，逾期事项 {len(rows)} 件：", *(_row_line(r) for r in rows)])


def todo_text(session: Session, settings: Settings, today: date) -> str:
    late = overdue_rows(session, settings, today)
    soon = due_soon_rows(session, settings, today)
    lines = [f"今日待办（{today:%Y年%m月%d日}）", f"■ 已逾期 {len(late)} 件"]
    lines += [_row_line(r) for r in late[:15]]
    lines += [f"■ 两天内到期 {len(soon)} 件", *(_row_line(r) for r in soon[:15])]
    lines.append(
        f"■ 待议账 {count_in_state(session, ItemState.REGISTERED)} 件；"
        f"待当事人签字确认 {count_in_state(session, ItemState.SETTLED)} 件；"
        f"待晒账 {count_in_state(session, ItemState.CONFIRMED)} 件"
    )
    month = compute_statistics(
        session,
        rules=settings.rules,
        cal=settings.calendar,
        today=today,
        period=Period.month(f"{today:%Y-%m}"),
    )
    lines.append(
        f"■ 本月：登记 {month['registered']} 件，办结 {month['settled']} 件，"
        f"办结率 {_pct(month['settlement_rate'])}"
    )
    return "\n".join(lines)


def detail_text(d: ItemDetail) -> str:
    it = d.item
    cadre = f"{d.cadre.name}（{d.cadre.role}）" if d.cadre else "未指定"
    lines = [
        f"{d.ledger.name}  {it.serial}  [{ItemState(it.state).label}]",
        f"村：{d.village.name}   分类：{it.category}   受理日期：{it.received_on:%Y-%m-%d}",
        f"诉求人：{d.person.name} {d.person.gender} {d.person.group_name}",
        f"信息来源：{it.source}{('·' + it.source_detail) if it.source_detail else ''}   责任人：{cadre}",
        f"主要诉求及原因：{it.request}",
        f"处理意见：{it.decision or '—'}",
        f"工作措施：{it.measures or '—'}",
        f"处理结果：{it.outcome or '—'}",
        f"当事人意见：{it.requester_opinion or '—'}"
        + (f"（{it.signed_by} {it.signed_on:%Y-%m-%d} 签字确认）" if it.signed_on else ""),
        f"期限：{d.clocks.describe()}",
        "办理记录：",
    ]
    for ev in d.events:
        changes = json.loads(ev.changes)
        extra = f"  {ev.note}" if ev.note else ""
        moved = (
            ""
            if ev.from_state == ev.to_state or ev.from_state is None
            else (f"  {ItemState(ev.from_state).label} → {ItemState(ev.to_state).label}")
        )
        lines.append(
            f"  {ev.seq}. {ev.on:%Y-%m-%d} {ev.actor} {Action(ev.action).label}{moved}{extra}"
            + (f"（更改：{'、'.join(changes)}）" if ev.action == Action.EDIT.value else "")
        )
    return "\n".join(lines)


def ledgers_text(session: Session) -> str:
    lines = []
    for ledger in session.exec(select(Ledger).order_by(Ledger.sort_order)).all():  # type: ignore[arg-type]
        cats = session.exec(
            select(Category.name).where(Category.ledger_id == ledger.id).order_by(Category.sort_order)  # type: ignore[arg-type]
        ).all()
        lines.append(f"{ledger.name}（{ledger.key}，编号代码 {ledger.code}）：{'、'.join(cats)}")
    return "\n".join(lines)
