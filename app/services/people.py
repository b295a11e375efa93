"""People and households (一户一页): create and find requesters, with validated ID numbers and phones."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, or_, select

from app.models import Household, Item, Person, Village
from app.services.errors import DomainError
from app.services.identity import check_gender_matches, validate_id_number, validate_phone
from app.services.searchkeys import LIKE_ESCAPE, like_pattern, search_key
from app.store.uow import UnitOfWork

GENDERS = ("男", "女", "")


def create_household(
    *, uow: UnitOfWork, village_id: int, head_name: str, group_name: str = "", address: str = ""
) -> Household:
    if not head_name.strip():
        raise DomainError("请填写户主姓名")
    household = Household(
        village_id=village_id, head_name=head_name.strip(), group_name=group_name, address=address
    )
    uow.session.add(household)
    uow.session.flush()
    return household


def create_person(
    *,
    uow: UnitOfWork,
    village_id: int,
    name: str,
    gender: str = "",
    id_number: str = "",
    phone: str = "",
    group_name: str = "",
    address: str = "",
    household_id: str | None = None,
    today: date | None = None,
) -> Person:
    """A new requester; the ID number (GB 11643) and phone must be valid if given."""
    name = name.strip()
    if not name:
        raise DomainError("请填写诉求人姓名")
    if gender not in GENDERS:
        raise DomainError("性别只能是“男”或“女”")
    if uow.session.get(Village, village_id) is None:
        raise DomainError("找不到该村")
    number = None
    if id_number.strip():
        info = validate_id_number(id_number, today=today)
        if gender:
            check_gender_matches(info, gender)
        gender = gender or info.gender
        number = info.number
        _check_unique_id(uow.session, village_id, number)
    person = Person(
        village_id=village_id,
        name=name,
        gender=gender,
        id_number=number,
        phone=validate_phone(phone) if phone.strip() else "",
        group_name=group_name.strip(),
        address=address.strip(),
        household_id=household_id,
        search_key=search_key(name),
    )
    uow.session.add(person)
    uow.session.flush()
    return person


def _check_unique_id(session: Session, village_id: int, number: str) -> None:
    stmt = select(Person).where(Person.village_id == village_id, Person.id_number == number)
    existing = session.exec(stmt).first()
    if existing is not None:
        raise DomainError(f"该身份证号已登记在“{existing.name}”名下，请直接选择此人")


def find_people(session: Session, village_id: int, query: str, limit: int = 20) -> list[Person]:
    """People whose name or pinyin initials contain the query (e.g. "zdy" finds 张大云)."""
    q = like_pattern(query)
    stmt = select(Person).where(
        Person.village_id == village_id,
        or_(col(Person.name).like(q, escape=LIKE_ESCAPE), col(Person.search_key).like(q, escape=LIKE_ESCAPE)),
    )
    return list(session.exec(stmt.order_by(Person.name).limit(limit)).all())


def join_household(*, uow: UnitOfWork, person_id: str, household_id: str, relation: str) -> Person:
    """Put a person on a household's page (户主, 配偶, 子女 …)."""
    person = uow.session.get(Person, person_id)
    household = uow.session.get(Household, household_id)
    if person is None or household is None:
        raise DomainError("找不到该人员或该户")
    if person.village_id != household.village_id:
        raise DomainError("人员和户不在同一个村")
    person.household_id, person.relation_to_head = household_id, relation.strip()
    uow.session.add(person)
    uow.session.flush()
    return person


@dataclass(frozen=True)
class HouseholdPage:
    """一户一页: the household, its members, and every item any member brought, in any ledger."""

    household: Household
    members: list[Person]
    items: list[Item]


def household_page(session: Session, household_id: str) -> HouseholdPage:
    household = session.get(Household, household_id)
    if household is None:
        raise DomainError("找不到该户")
    members = list(session.exec(select(Person).where(Person.household_id == household_id)).all())
    ids = [m.id for m in members]
    stmt = select(Item).where(col(Item.person_id).in_(ids)).order_by(col(Item.received_on))
    return HouseholdPage(household, members, list(session.exec(stmt).all()))
