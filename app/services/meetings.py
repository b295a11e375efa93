"""议账 meetings: who attended (and the share of ordinary villagers) and what was decided per item."""

from dataclasses import dataclass
from datetime import date

from app.models import Meeting, MeetingDecision, Village
from app.models.enums import DeliberationDecision
from app.services.actions import deliberate, load_item
from app.services.config import RuleSet
from app.services.errors import DomainError
from app.store.uow import UnitOfWork

MEETING_KINDS = ("议账会", "夜谈会", "村民代表会议", "党员大会", "村“两委”会议")


@dataclass(frozen=True)
class ItemDecision:
    item_id: str
    decision: DeliberationDecision
    opinion: str
    outcome: str = ""


@dataclass(frozen=True)
class MeetingResult:
    meeting: Meeting
    villager_share: float
    warnings: tuple[str, ...]


def record_meeting(
    *,
    uow: UnitOfWork,
    rules: RuleSet,
    village_id: int,
    held_on: date,
    kind: str,
    attendees_total: int,
    villagers_count: int,
    decisions: list[ItemDecision],
    actor: str,
    host: str = "",
    place: str = "",
    attendee_names: str = "",
    note: str = "",
) -> MeetingResult:
    """Record the meeting and deliberate every item on its agenda, all or nothing."""
    if uow.session.get(Village, village_id) is None:
        raise DomainError("找不到该村")
    if kind not in MEETING_KINDS:
        raise DomainError(f"会议类型应为：{'、'.join(MEETING_KINDS)}")
    if attendees_total <= 0:
        raise DomainError("参会人数应大于0")
    if not 0 <= villagers_count <= attendees_total:
        raise DomainError("普通村民人数应在0到参会总人数之间")
    if not decisions:
        raise DomainError("议账会至少要议定一件事项")
    if len({d.item_id for d in decisions}) != len(decisions):
        raise DomainError("同一事项在一次会议中只能议定一次")
    meeting = Meeting(
        village_id=village_id,
        held_on=held_on,
        kind=kind,
        place=place,
        host=host,
        attendees_total=attendees_total,
        villagers_count=villagers_count,
        attendee_names=attendee_names,
        note=note,
    )
    uow.session.add(meeting)
    uow.session.flush()
    for d in decisions:
        item = load_item(uow.session, d.item_id)
        if item.village_id != village_id:
            raise DomainError(f"事项{item.serial}不属于本村")
        try:
            deliberate(
                uow=uow,
                item_id=d.item_id,
                on=held_on,
                actor=actor,
                decision=d.decision,
                opinion=d.opinion,
                outcome=d.outcome,
            )
        except DomainError as exc:  # say which agenda item stopped the meeting from being saved
            raise DomainError(f"事项{item.serial}：{exc.message}") from exc
        note = d.opinion if not d.outcome else f"{d.opinion}（处理结果：{d.outcome}）"
        uow.session.add(
            MeetingDecision(meeting_id=meeting.id, item_id=d.item_id, decision=d.decision.value, note=note)
        )
    uow.session.flush()
    share = villagers_count / attendees_total
    warnings = []
    if share < rules.villager_share_min:
        warnings.append(f"普通村民占参会人数的{share:.0%}，低于{rules.villager_share_min:.0%}的要求")
    return MeetingResult(meeting, share, tuple(warnings))
