"""Ledgers and their categories: configuration seeded from resources/ledgers.toml."""

from sqlmodel import Field, SQLModel, UniqueConstraint


class Ledger(SQLModel, table=True):
    """A ledger (民生台账, 困难群众台账, 稳定工作台账, or a county's own)."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True)
    name: str
    code: str
    sort_order: int = 0
    active: bool = True


class Category(SQLModel, table=True):
    """A category inside a ledger (低保, 邻里纠纷 …)."""

    __table_args__ = (UniqueConstraint("ledger_id", "name", name="uq_category_ledger_name"),)

    id: int | None = Field(default=None, primary_key=True)
    ledger_id: int = Field(foreign_key="ledger.id", index=True)
    name: str
    sort_order: int = 0
    active: bool = True
