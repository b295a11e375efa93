"""People and households (一户一页): a requester may appear in many items and ledgers."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import new_uuid, utcnow


class Household(SQLModel, table=True):
    """A household page: its head, village group and address."""

    id: str = Field(default_factory=new_uuid, primary_key=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    head_name: str
    group_name: str = ""
    address: str = ""
    note: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class Person(SQLModel, table=True):
    """A villager who brings requests; ID number and phone are validated on entry."""

    id: str = Field(default_factory=new_uuid, primary_key=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    household_id: str | None = Field(default=None, foreign_key="household.id", index=True)
    name: str = Field(index=True)
    gender: str = ""
    id_number: str | None = Field(default=None, index=True)
    phone: str = ""
    group_name: str = ""
    address: str = ""
    relation_to_head: str = ""
    search_key: str = ""
    created_at: datetime = Field(default_factory=utcnow)
