"""Villages (by 12-digit 行政区划代码) and their cadres."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class Village(SQLModel, table=True):
    """One village; a township or county database holds many."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=12)
    name: str
    township: str
    county: str
    supervision_phone: str = ""
    township_discipline_phone: str = ""
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def township_code(self) -> str:
        return self.code[:9]


class Cadre(SQLModel, table=True):
    """A responsible person (责任人): a village cadre, or township/county staff."""

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    name: str
    role: str = ""
    phone: str = ""
    level: str = "village"
    active: bool = True
