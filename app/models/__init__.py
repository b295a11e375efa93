"""SQLModel tables and enums: plain data, no Qt, no business rules beyond validation."""

from app.models.activity import (
    FollowUpVisit,
    Meeting,
    MeetingDecision,
    SatisfactionRating,
    SupervisionNotice,
)
from app.models.base import metadata
from app.models.item import Item, ItemEvent
from app.models.ledger import Category, Ledger
from app.models.person import Household, Person
from app.models.posting import PostingRecord
from app.models.village import Cadre, Village

__all__ = [
    "Cadre",
    "Category",
    "FollowUpVisit",
    "Household",
    "Item",
    "ItemEvent",
    "Ledger",
    "Meeting",
    "MeetingDecision",
    "Person",
    "PostingRecord",
    "SatisfactionRating",
    "SupervisionNotice",
    "Village",
    "metadata",
]
