"""Villages, their cadres, and the ledger configuration kept in the database."""

import re

from sqlmodel import Session, select

from app.models import Cadre, Category, Ledger, Village
from app.services.config import LedgerConfig
from app.services.errors import DomainError
from app.services.identity import validate_phone
from app.store.uow import UnitOfWork

_CODE = re.compile(r"^\d{12}$")


def check_village_code(code: str) -> str:
    code = code.strip()
    if not _CODE.match(code):
        raise DomainError(f"行政区划代码应为12位数字，当前为“{code}”")
    return code


def sync_ledgers(session: Session, config: LedgerConfig) -> None:
    """Add configured ledgers and categories the database does not have yet; never delete any."""
    for order, spec in enumerate(config.ledgers):
        ledger = session.exec(select(Ledger).where(Ledger.key == spec.key)).first()
        if ledger is None:
            ledger = Ledger(key=spec.key, name=spec.name, code=spec.code, sort_order=order)
            session.add(ledger)
            session.flush()
        known = set(session.exec(select(Category.name).where(Category.ledger_id == ledger.id)))
        for cat_order, name in enumerate(spec.categories):
            if name not in known:
                session.add(Category(ledger_id=ledger.id, name=name, sort_order=cat_order))  # type: ignore[arg-type]
    session.flush()


def create_village(
    *, uow: UnitOfWork, code: str, name: str, township: str, county: str, config: LedgerConfig
) -> Village:
    """Register a village (and make sure the configured ledgers exist)."""
    code = check_village_code(code)
    for label, value in (("村名", name), ("乡镇", township), ("县", county)):
        if not value.strip():
            raise DomainError(f"请填写{label}")
    session = uow.session
    if session.exec(select(Village).where(Village.code == code)).first():
        raise DomainError(f"行政区划代码{code}的村已经存在")
    village = Village(code=code, name=name.strip(), township=township.strip(), county=county.strip())
    session.add(village)
    sync_ledgers(session, config)
    session.flush()
    return village


def add_cadre(
    *, uow: UnitOfWork, village_id: int, name: str, role: str, phone: str = "", level: str = "village"
) -> Cadre:
    if not name.strip():
        raise DomainError("请填写责任人姓名")
    if uow.session.get(Village, village_id) is None:
        raise DomainError("找不到该村")
    cadre = Cadre(
        village_id=village_id,
        name=name.strip(),
        role=role.strip(),
        phone=validate_phone(phone) if phone.strip() else "",
        level=level,
    )
    uow.session.add(cadre)
    uow.session.flush()
    return cadre


def list_villages(session: Session) -> list[Village]:
    return list(session.exec(select(Village).order_by(Village.code)).all())


def ledger_by_key(session: Session, key: str) -> Ledger:
    ledger = session.exec(select(Ledger).where(Ledger.key == key)).first()
    if ledger is None:
        raise DomainError(f"没有“{key}”这本台账，请检查台账配置")
    return ledger


def ledger_names(session: Session) -> dict[int, Ledger]:
    return {lg.id: lg for lg in session.exec(select(Ledger).order_by(Ledger.sort_order)).all()}  # type: ignore[misc]


def category_names(session: Session, ledger_id: int) -> list[str]:
    stmt = select(Category.name).where(Category.ledger_id == ledger_id, Category.active)
    return list(session.exec(stmt.order_by(Category.sort_order)).all())
