"""Enumerations of the ledger domain, each with its Chinese label."""

from enum import StrEnum


class Level(StrEnum):
    """The three levels of 三级分层处置."""

    VILLAGE = "village"
    TOWNSHIP = "township"
    COUNTY = "county"

    @property
    def label(self) -> str:
        return {"village": "村级", "township": "乡镇", "county": "县级"}[self.value]

    @property
    def rank(self) -> int:
        return ["village", "township", "county"].index(self.value)


class ItemState(StrEnum):
    """Where an item stands in 建账 → 议账 → 结账 → 晒账."""

    REGISTERED = "registered"
    VILLAGE_HANDLING = "village_handling"
    TOWNSHIP_HANDLING = "township_handling"
    TOWNSHIP_REPLIED = "township_replied"
    COUNTY_REGISTERED = "county_registered"
    DEPARTMENT_HANDLING = "department_handling"
    JOINT_MEETING = "joint_meeting"
    PARTY_GOVERNMENT = "party_government"
    SETTLED = "settled"
    CONFIRMED = "confirmed"
    PUBLISHED = "published"
    VOIDED = "voided"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Still being handled (not yet settled, and not voided)."""
        return self in OPEN_STATES

    @property
    def is_settled(self) -> bool:
        return self in SETTLED_STATES


_STATE_LABELS = {
    ItemState.REGISTERED: "待议账",
    ItemState.VILLAGE_HANDLING: "村级办理中",
    ItemState.TOWNSHIP_HANDLING: "已上报乡镇，待答复",
    ItemState.TOWNSHIP_REPLIED: "乡镇已答复，办理中",
    ItemState.COUNTY_REGISTERED: "已上报县三账办，待交办",
    ItemState.DEPARTMENT_HANDLING: "县直部门办理中",
    ItemState.JOINT_MEETING: "提交联席会议研究",
    ItemState.PARTY_GOVERNMENT: "报县委、县政府研究",
    ItemState.SETTLED: "已办结，待当事人签字确认",
    ItemState.CONFIRMED: "当事人已签字确认，待晒账",
    ItemState.PUBLISHED: "已晒账公示",
    ItemState.VOIDED: "已作废",
}

OPEN_STATES = frozenset(
    {
        ItemState.REGISTERED,
        ItemState.VILLAGE_HANDLING,
        ItemState.TOWNSHIP_HANDLING,
        ItemState.TOWNSHIP_REPLIED,
        ItemState.COUNTY_REGISTERED,
        ItemState.DEPARTMENT_HANDLING,
        ItemState.JOINT_MEETING,
        ItemState.PARTY_GOVERNMENT,
    }
)
SETTLED_STATES = frozenset({ItemState.SETTLED, ItemState.CONFIRMED, ItemState.PUBLISHED})

STATE_LEVEL = {
    ItemState.REGISTERED: Level.VILLAGE,
    ItemState.VILLAGE_HANDLING: Level.VILLAGE,
    ItemState.TOWNSHIP_HANDLING: Level.TOWNSHIP,
    ItemState.TOWNSHIP_REPLIED: Level.TOWNSHIP,
    ItemState.COUNTY_REGISTERED: Level.COUNTY,
    ItemState.DEPARTMENT_HANDLING: Level.COUNTY,
    ItemState.JOINT_MEETING: Level.COUNTY,
    ItemState.PARTY_GOVERNMENT: Level.COUNTY,
}


class Action(StrEnum):
    """Every change an item can undergo; each becomes one history event."""

    REGISTER = "register"
    EDIT = "edit"
    SETTLE_ON_SPOT = "settle_on_spot"
    DELIBERATE = "deliberate"
    ESCALATE = "escalate"
    REPLY = "reply"
    ASSIGN = "assign"
    SETTLE = "settle"
    CONFIRM = "confirm"
    PUBLISH = "publish"
    FOLLOW_UP = "follow_up"
    SUPERVISE = "supervise"
    CLOSE_SUPERVISION = "close_supervision"
    VOID = "void"

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    Action.REGISTER: "建账登记",
    Action.EDIT: "更正信息",
    Action.SETTLE_ON_SPOT: "就地办结",
    Action.DELIBERATE: "议账",
    Action.ESCALATE: "逐级上报",
    Action.REPLY: "乡镇答复",
    Action.ASSIGN: "交办县直部门",
    Action.SETTLE: "办结",
    Action.CONFIRM: "当事人意见及签字确认",
    Action.PUBLISH: "晒账公示",
    Action.FOLLOW_UP: "回访",
    Action.SUPERVISE: "督办",
    Action.CLOSE_SUPERVISION: "督办销号",
    Action.VOID: "作废",
}


class DeliberationDecision(StrEnum):
    """What a 议账 meeting decides for one item."""

    HANDLE = "handle"
    ESCALATE = "escalate"
    SETTLE = "settle"

    @property
    def label(self) -> str:
        return {"handle": "村级限时办理", "escalate": "上报乡镇", "settle": "会上议定办结"}[self.value]


class Satisfaction(StrEnum):
    """The requester's rating; only the first two close an item (浦东 rule)."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def label(self) -> str:
        return {
            "very_satisfied": "很满意",
            "satisfied": "满意",
            "neutral": "一般",
            "dissatisfied": "不满意",
            "very_dissatisfied": "很不满意",
        }[self.value]

    @property
    def closes(self) -> bool:
        return self in (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED)

    @classmethod
    def from_text(cls, text: str) -> "Satisfaction":
        """Accepts the English value or the Chinese label."""
        for member in cls:
            if text in (member.value, member.label):
                return member
        raise ValueError(text)
