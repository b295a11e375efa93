"""The item state machine: which action is allowed in which state, and where it leads. One place."""

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

S = ItemState

_ESCALATE = {
    S.VILLAGE_HANDLING: S.TOWNSHIP_HANDLING,
    S.TOWNSHIP_HANDLING: S.COUNTY_REGISTERED,
    S.TOWNSHIP_REPLIED: S.COUNTY_REGISTERED,
    S.DEPARTMENT_HANDLING: S.JOINT_MEETING,
    S.JOINT_MEETING: S.PARTY_GOVERNMENT,
}
_SETTLE_FROM = frozenset(
    {
        S.VILLAGE_HANDLING,
        S.TOWNSHIP_HANDLING,
        S.TOWNSHIP_REPLIED,
        S.DEPARTMENT_HANDLING,
        S.JOINT_MEETING,
        S.PARTY_GOVERNMENT,
    }
)
_DELIBERATE = {
    DeliberationDecision.HANDLE: S.VILLAGE_HANDLING,
    DeliberationDecision.ESCALATE: S.TOWNSHIP_HANDLING,
    DeliberationDecision.SETTLE: S.SETTLED,
}
_NOT_VOIDED = frozenset(ItemState) - {S.VOIDED}

ALLOWED: dict[Action, frozenset[ItemState]] = {
    Action.SETTLE_ON_SPOT: frozenset({S.REGISTERED}),
    Action.DELIBERATE: frozenset({S.REGISTERED, S.VILLAGE_HANDLING}),
    Action.ESCALATE: frozenset(_ESCALATE),
    Action.REPLY: frozenset({S.TOWNSHIP_HANDLING}),
    Action.ASSIGN: frozenset({S.COUNTY_REGISTERED}),
    Action.SETTLE: _SETTLE_FROM,
    Action.CONFIRM: frozenset({S.SETTLED}),
    Action.PUBLISH: frozenset({S.CONFIRMED}),
    Action.FOLLOW_UP: frozenset({S.SETTLED, S.CONFIRMED, S.PUBLISHED}),
    Action.SUPERVISE: _NOT_VOIDED,
    Action.CLOSE_SUPERVISION: frozenset(ItemState),  # a notice can be closed even after 作废
    Action.EDIT: _NOT_VOIDED - {S.PUBLISHED},
    Action.VOID: _NOT_VOIDED - {S.PUBLISHED},
}


def allowed_actions(state: ItemState) -> list[Action]:
    """The actions a user may take on an item in this state (the GUI offers exactly these)."""
    return [action for action, states in ALLOWED.items() if state in states]


def check_allowed(state: ItemState, action: Action) -> None:
    if state not in ALLOWED.get(action, frozenset()):
        raise DomainError(f"事项当前状态为“{state.label}”，不能进行“{action.label}”")


def next_state(
    state: ItemState,
    action: Action,
    *,
    decision: DeliberationDecision | None = None,
    satisfaction: Satisfaction | None = None,
    settled_from: ItemState | None = None,
) -> ItemState:
    """Where `action` leads from `state`; raises DomainError if it is not allowed there."""
    check_allowed(state, action)
    if action is Action.ESCALATE:
        return _ESCALATE[state]
    if action is Action.DELIBERATE:
        if decision is None:
            raise DomainError("议账须写明决定：村级办理、上报乡镇或会上议定办结")
        return _DELIBERATE[decision]
    if action is Action.CONFIRM:
        if satisfaction is None:
            raise DomainError("请选择当事人对处理结果的满意程度")
        if satisfaction.closes:
            return S.CONFIRMED
        return settled_from if settled_from in OPEN_STATES else S.VILLAGE_HANDLING
    simple = {
        Action.SETTLE_ON_SPOT: S.SETTLED,
        Action.REPLY: S.TOWNSHIP_REPLIED,
        Action.ASSIGN: S.DEPARTMENT_HANDLING,
        Action.SETTLE: S.SETTLED,
        Action.PUBLISH: S.PUBLISHED,
        Action.VOID: S.VOIDED,
    }
    return simple.get(action, state)


def level_of(state: ItemState) -> Level | None:
    """The level handling an open item (None once settled or voided)."""
    return STATE_LEVEL.get(state)
