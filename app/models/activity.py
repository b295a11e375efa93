"""议账 meetings, 回访 visits, satisfaction ratings and 督办 supervision notices."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from app.models.base import new_uuid, utcnow


class Meeting(SQLModel, table=True):
    """A 议账 meeting of the 村“两委” with party members and villager representatives."""

    id: str = Field(default_factory=new_uuid, primary_key=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    held_on: date
    kind: str = "议账会"
    place: str = ""
    host: str = ""
    attendees_total: int
    villagers_count: int
    attendee_names: str = ""
    note: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class MeetingDecision(SQLModel, table=True):
    """What one meeting decided for one item."""

    __tablename__ = "meeting_decision"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: str = Field(foreign_key="meeting.id", index=True)
    item_id: str = Field(foreign_key="item.id", index=True)
    decision: str
    note: str = ""


class FollowUpVisit(SQLModel, table=True):
    """A 回访 after settlement."""

    __tablename__ = "follow_up_visit"

    id: int | None = Field(default=None, primary_key=True)
    item_id: str = Field(foreign_key="item.id", index=True)
    visited_on: date
    visitor: str
    note: str = ""


class SatisfactionRating(SQLModel, table=True):
    """One rating given by the requester (every rating is kept, reopened or not)."""

    __tablename__ = "satisfaction_rating"

    id: int | None = Field(default=None, primary_key=True)
    item_id: str = Field(foreign_key="item.id", index=True)
    rated_on: date
    rating: str
    opinion: str = ""


class SupervisionNotice(SQLModel, table=True):
    """A 督办 notice on an item, open until 销号."""

    __tablename__ = "supervision_notice"

    id: str = Field(default_factory=new_uuid, primary_key=True)
    item_id: str = Field(foreign_key="item.id", index=True)
    issued_on: date
    issuer: str
    content: str
    due_on: date | None = None
    closed_on: date | None = None
    close_note: str = ""
