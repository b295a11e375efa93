"""The record of each monthly wall posting (晒账): what was posted, its content hash and file hash."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.models.base import utcnow


class PostingRecord(SQLModel, table=True):
    """One generated posting of one village's month; the same content is recorded once."""

    __tablename__ = "posting"
    __table_args__ = (
        UniqueConstraint("village_id", "month", "content_hash", name="uq_posting_village_month_content"),
    )

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    month: str = Field(index=True)  # YYYY-MM
    item_ids: str = "[]"  # JSON list of the item UUIDs the posting shows or counts
    content_hash: str  # sha256 of the posting's content (what is printed), independent of the paper size
    file_hash: str  # sha256 of the last PDF written for this content
    generated_at: datetime = Field(default_factory=utcnow)
    posted_on: date | None = None  # the day the cadres confirmed it is on the wall
    period_from: date
    period_to: date
