"""Workflow use cases (议账, 就地办结, 上报, 答复, 交办, 办结, 签字确认, 晒账, 回访, 督办, 作废, 更正).

Each takes one unit of work, checks everything first, then changes the item and appends its history
event together; the caller commits once per user action.
"""

import re
from datetime import date
from typing import Any

from sqlmodel import Session

from app.models import (
    Cadre,
    FollowUpVisit,
    Item,
    Person,
    SatisfactionRating,
    SupervisionNotice,
)
from app.models.enums import (
    OPEN_STATES,
    STATE_LEVEL,
    Action,
    DeliberationDecision,
    ItemState,
    Level,
    Satisfaction,
)
from app.services.errors import DomainError
from app.services.history import check_date, record_event, set_fields
from app.services.searchkeys import search_key
from app.services.villages import category_names
from app.services.workflow import next_state
from app.store.uow import UnitOfWork

S = ItemState
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def load_item(session: Session, item_id: str) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise DomainError("找不到该事项")
    return item


def _require(text: str, what: str) -> str:
    if not text or not text.strip():
        raise DomainError(f"请填写{what}")
    return text.strip()


def _level_fields(item: Item, old: ItemState, new: ItemState, on: date) -> dict[str, Any]:
    """Level, clock start, settlement and reopen bookkeeping for a state change."""
    fields: dict[str, Any] = {}
    if new is S.SETTLED and old is not S.SETTLED:
        origin = S.VILLAGE_HANDLING if old is S.REGISTERED else old
        fields.update(settled_on=on, settled_level=STATE_LEVEL[old].value, settled_from_state=origin.value)
    if old is S.SETTLED and new in OPEN_STATES:
        fields.update(
            reopen_count=item.reopen_count + 1, settled_on=None, settled_level=None, on_the_spot=False
        )
    new_level = STATE_LEVEL.get(new)
    if new_level is not None and (old is S.SETTLED or STATE_LEVEL.get(old) is not new_level):
        top = max(Level(item.max_level), new_level, key=lambda lv: lv.rank)
        fields.update(level=new_level.value, level_started_on=on, max_level=top.value)
    if new is S.DEPARTMENT_HANDLING and old in (S.COUNTY_REGISTERED, S.SETTLED):
        fields["assigned_on"] = on
    return fields


def _transition(
    uow: UnitOfWork,
    item_id: str,
    action: Action,
    *,
    on: date,
    actor: str,
    note: str = "",
    choice: DeliberationDecision | None = None,
    rating: Satisfaction | None = None,
    **fields: Any,
) -> Item:
    session = uow.session
    item = load_item(session, item_id)
    old = ItemState(item.state)
    settled_from = S(item.settled_from_state) if item.settled_from_state else None
    new = next_state(old, action, decision=choice, satisfaction=rating, settled_from=settled_from)
    check_date(session, item, on)
    _require(actor, "经办人")
    changes = set_fields(item, state=new.value, **fields, **_level_fields(item, old, new, on))
    record_event(session, item, action, on=on, actor=actor, from_state=old, note=note, changes=changes)
    session.flush()
    return item


def settle_on_spot(
    *, uow: UnitOfWork, item_id: str, on: date, actor: str, measures: str, outcome: str
) -> Item:
    """能现场处理的立即处理: settle at village level straight from registration."""
    return _transition(
        uow,
        item_id,
        Action.SETTLE_ON_SPOT,
        on=on,
        actor=actor,
        measures=_require(measures, "工作措施"),
        outcome=_require(outcome, "处理结果"),
        on_the_spot=True,
    )


def deliberate(
    *,
    uow: UnitOfWork,
    item_id: str,
    on: date,
    actor: str,
    decision: DeliberationDecision,
    opinion: str,
    outcome: str = "",
) -> Item:
    """Record what the 议账 decided: handle at village level, escalate, or settled at the meeting."""
    fields: dict[str, Any] = {"decision": _require(opinion, "处理意见")}
    if decision is DeliberationDecision.SETTLE:
        fields["outcome"] = _require(outcome, "处理结果")
    return _transition(
        uow, item_id, Action.DELIBERATE, on=on, actor=actor, note=decision.label, choice=decision, **fields
    )


def escalate(*, uow: UnitOfWork, item_id: str, on: date, actor: str, reason: str) -> Item:
    """Report upward one level (村→乡镇→县三账办; 县直部门→联席会议→县委县政府)."""
    return _transition(uow, item_id, Action.ESCALATE, on=on, actor=actor, note=_require(reason, "上报原因"))


def reply(*, uow: UnitOfWork, item_id: str, on: date, actor: str, text: str) -> Item:
    """The township's 答复."""
    return _transition(
        uow, item_id, Action.REPLY, on=on, actor=actor, reply=_require(text, "答复内容"), replied_on=on
    )


def assign(*, uow: UnitOfWork, item_id: str, on: date, actor: str, department: str) -> Item:
    """县三账办 assigns (交办) the item to a county department."""
    dept = _require(department, "承办部门")
    return _transition(uow, item_id, Action.ASSIGN, on=on, actor=actor, note=dept, department=dept)


def settle(*, uow: UnitOfWork, item_id: str, on: date, actor: str, measures: str, outcome: str) -> Item:
    """办结 at the level now handling the item (recorded as the settling level)."""
    return _transition(
        uow,
        item_id,
        Action.SETTLE,
        on=on,
        actor=actor,
        measures=_require(measures, "工作措施"),
        outcome=_require(outcome, "处理结果"),
    )


def confirm(
    *,
    uow: UnitOfWork,
    item_id: str,
    on: date,
    actor: str,
    satisfaction: Satisfaction,
    opinion: str,
    signed_by: str = "",
) -> Item:
    """The requester's opinion and signature. 很满意/满意 closes; anything else reopens."""
    fields: dict[str, Any] = {
        "satisfaction": satisfaction.value,
        "requester_opinion": _require(opinion, "当事人意见"),
    }
    if satisfaction.closes:
        fields.update(signed_by=_require(signed_by, "签字确认人"), signed_on=on)
    item = _transition(
        uow,
        item_id,
        Action.CONFIRM,
        on=on,
        actor=actor,
        note=satisfaction.label,
        rating=satisfaction,
        **fields,
    )
    uow.session.add(
        SatisfactionRating(item_id=item.id, rated_on=on, rating=satisfaction.value, opinion=opinion.strip())
    )
    return item


def publish(*, uow: UnitOfWork, item_id: str, on: date, actor: str, month: str) -> Item:
    """Mark a confirmed item as posted on the wall in `month` (YYYY-MM)."""
    if not _MONTH.match(month):
        raise DomainError(f"公示月份应写作YYYY-MM，当前为“{month}”")
    return _transition(uow, item_id, Action.PUBLISH, on=on, actor=actor, note=month, published_month=month)


def follow_up(*, uow: UnitOfWork, item_id: str, on: date, actor: str, note: str) -> Item:
    """回访 after settlement."""
    text = _require(note, "回访情况")
    item = _transition(uow, item_id, Action.FOLLOW_UP, on=on, actor=actor, note=text)
    uow.session.add(FollowUpVisit(item_id=item.id, visited_on=on, visitor=actor, note=text))
    return item


def supervise(
    *,
    uow: UnitOfWork,
    item_id: str,
    on: date,
    actor: str,
    issuer: str,
    content: str,
    due_on: date | None = None,
) -> SupervisionNotice:
    """督办: a supervision notice on the item, open until 销号."""
    text = _require(content, "督办内容")
    if due_on is not None and due_on < on:
        raise DomainError("督办期限不能早于督办日期")
    notice = SupervisionNotice(
        item_id=item_id, issued_on=on, issuer=_require(issuer, "督办单位"), content=text, due_on=due_on
    )
    _transition(uow, item_id, Action.SUPERVISE, on=on, actor=actor, note=f"{notice.issuer}督办：{text}")
    uow.session.add(notice)
    uow.session.flush()
    return notice


def close_supervision(
    *, uow: UnitOfWork, notice_id: str, on: date, actor: str, note: str
) -> SupervisionNotice:
    """销号: close a supervision notice."""
    notice = uow.session.get(SupervisionNotice, notice_id)
    if notice is None:
        raise DomainError("找不到该督办通知")
    if notice.closed_on is not None:
        raise DomainError("该督办通知已经销号")
    if on < notice.issued_on:
        raise DomainError("销号日期不能早于督办日期")
    text = _require(note, "销号说明")
    _transition(uow, notice.item_id, Action.CLOSE_SUPERVISION, on=on, actor=actor, note=f"督办销号：{text}")
    notice.closed_on, notice.close_note = on, text
    uow.session.add(notice)
    return notice


def void(*, uow: UnitOfWork, item_id: str, on: date, actor: str, reason: str) -> Item:
    """作废 with a reason; the item stays in the history and the reports."""
    text = _require(reason, "作废原因")
    return _transition(
        uow, item_id, Action.VOID, on=on, actor=actor, note=text, void_reason=text, voided_on=on
    )


def _check_references(session: Session, item: Item, fields: dict[str, Any]) -> None:
    if "category" in fields and fields["category"] not in category_names(session, item.ledger_id):
        raise DomainError(f"本台账没有“{fields['category']}”这个分类")
    if "person_id" in fields:
        person = session.get(Person, fields["person_id"])
        if person is None or person.village_id != item.village_id:
            raise DomainError("诉求人不在本村名册中")
    if fields.get("responsible_cadre_id") is not None:
        cadre = session.get(Cadre, fields["responsible_cadre_id"])
        if cadre is None or cadre.village_id != item.village_id:
            raise DomainError("责任人不是本村登记的干部")
    for key in ("request", "source"):
        if key in fields:
            fields[key] = _require(fields[key], "主要诉求" if key == "request" else "信息来源")


EDITABLE = frozenset(
    {
        "category",
        "source",
        "source_detail",
        "request",
        "decision",
        "measures",
        "responsible_cadre_id",
        "person_id",
    }
)


def edit_item(*, uow: UnitOfWork, item_id: str, on: date, actor: str, reason: str, **fields: Any) -> Item:
    """更正: correct recorded details, with the reason in the history."""
    bad = set(fields) - EDITABLE
    if bad:
        raise DomainError(f"这些内容不能直接更正：{'、'.join(sorted(bad))}")
    item = load_item(uow.session, item_id)
    fields = {k: v for k, v in fields.items() if getattr(item, k) != v}
    if not fields:
        raise DomainError("没有修改任何内容")
    _check_references(uow.session, item, fields)
    if "person_id" in fields:  # the list search must find the new requester, not the old one
        person = uow.session.get(Person, fields["person_id"])
        assert person is not None
        fields["search_key"] = f"{person.search_key or search_key(person.name)}|{item.serial.lower()}"
    return _transition(
        uow, item_id, Action.EDIT, on=on, actor=actor, note=_require(reason, "更正原因"), **fields
    )
