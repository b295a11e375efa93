"""A realistic, deterministic demo: villages with items in every state, drawn from the seed cases."""

import random
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from app.models.enums import DeliberationDecision, ItemState, Satisfaction
from app.resources import resource_path
from app.services import actions
from app.services.config import LedgerConfig
from app.services.demo_scale import _NameKeys, clone_village
from app.services.identity import generate_id_number
from app.services.people import create_person
from app.services.registration import register_item
from app.services.villages import add_cadre, create_village
from app.store.uow import UnitOfWork

S = ItemState
DEFAULT_COUNTY = "中江县"


@dataclass(frozen=True)
class DemoCatalogue:
    cases: list[dict[str, Any]]
    people: dict[str, Any]

    @classmethod
    def load(cls) -> "DemoCatalogue":
        with resource_path("demo", "cases.toml").open("rb") as fh:
            cases = tomllib.load(fh)["case"]
        with resource_path("demo", "people.toml").open("rb") as fh:
            people = tomllib.load(fh)
        return cls(cases, people)


def demo_villages(catalogue: DemoCatalogue, count: int) -> list[tuple[str, str, str]]:
    """(code, name, township) for `count` villages; beyond the catalogue, numbered extra villages."""
    towns = {t["code"]: t["name"] for t in catalogue.people["townships"]}
    base = [(v["code"], v["name"], towns[v["code"][:9]]) for v in catalogue.people["villages"]]
    out = base[:count]
    serial = 0
    while len(out) < count:
        code, name, town = base[serial % len(base)]
        serial += 1
        out.append((f"{code[:9]}{300 + serial:03d}", f"{name[:-1]}{serial}村", town))
    return out


class _VillageBuilder:
    """Builds one village's cadres, people and items with a shared random stream."""

    def __init__(
        self, uow: UnitOfWork, config: LedgerConfig, cat: DemoCatalogue, rng: random.Random, today: date
    ) -> None:
        self.uow, self.config, self.cat, self.rng, self.today = uow, config, cat, rng, today

    def name(self) -> tuple[str, str]:
        p = self.cat.people
        gender = self.rng.choice(("男", "女"))
        given = p["given_male"] if gender == "男" else p["given_female"]
        surnames = p["surnames"]
        surname = surnames[min(int(self.rng.expovariate(1 / 12)), len(surnames) - 1)]
        return surname + self.rng.choice(given), gender

    def phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"

    def build(self, code: str, name: str, township: str, items: int) -> int:
        village = create_village(
            uow=self.uow, code=code, name=name, township=township, county=DEFAULT_COUNTY, config=self.config
        )
        village.supervision_phone = f"0838-7{self.rng.randrange(10**6):06d}"
        village.township_discipline_phone = f"0838-7{self.rng.randrange(10**6):06d}"
        vid = village.id
        assert vid is not None
        cadres = [
            add_cadre(uow=self.uow, village_id=vid, name=self.name()[0], role=c["role"], phone=self.phone())
            for c in self.cat.people["cadres"]
        ]
        people = [self._person(vid, code) for _ in range(max(items * 2 // 3, 1))]
        for _ in range(items):
            self._item(vid, self.rng.choice(people), self.rng.choice(cadres[:3]).id)
        return vid

    def _person(self, vid: int, code: str) -> str:
        name, gender = self.name()
        birth = date(self.rng.randint(1940, 2000), self.rng.randint(1, 12), self.rng.randint(1, 28))
        number = generate_id_number(self.rng, area=code[:6], birth=birth, gender=gender)
        person = create_person(
            uow=self.uow,
            village_id=vid,
            name=name,
            gender=gender,
            id_number=number,
            phone=self.phone() if self.rng.random() < 0.8 else "",
            group_name=self.rng.choice(self.cat.people["groups"]),
            today=self.today,
        )
        return person.id

    def _case(self) -> dict[str, Any]:
        """Most requests are settled in the village (小事不出村): weight the levels like the seed."""
        roll = self.rng.random()
        level = "village" if roll < 0.86 else "township" if roll < 0.97 else "county"
        return self.rng.choice([c for c in self.cat.cases if c["level"] == level])

    def _item(self, vid: int, person_id: str, cadre_id: int | None) -> None:
        case = self._case()
        received = self.today - timedelta(days=int(self.rng.triangular(0, 200, 10)))
        item = register_item(
            uow=self.uow,
            config=self.config,
            village_id=vid,
            ledger_key=case["ledger"],
            category=case["category"],
            person_id=person_id,
            source=case["source"],
            source_detail=case.get("source_detail", ""),
            received_on=received,
            request=case["request"],
            actor="村文书",
            today=self.today,
            responsible_cadre_id=cadre_id,
        )
        _Story(self, item.id, case, received).play()


class _Story:
    """Walks one item through the workflow on plausible dates, stopping at `today`."""

    def __init__(self, b: _VillageBuilder, item_id: str, case: dict[str, Any], start: date) -> None:
        self.b, self.item_id, self.case, self.day = b, item_id, case, start
        self.slow = b.rng.random() < 0.12  # some items drag on and become overdue

    def step(self, lo: int, hi: int, fn: Callable[..., Any], **kw: Any) -> bool:
        """Run `fn` a few days later, unless that day is still in the future."""
        gap = self.b.rng.randint(lo, hi) + (self.b.rng.randint(5, 25) if self.slow else 0)
        day = self.day + timedelta(days=gap)
        if day > self.b.today:
            return False
        fn(uow=self.b.uow, item_id=self.item_id, on=day, actor=self.actor, **kw)
        self.day = day
        return True

    @property
    def actor(self) -> str:
        return "村文书" if self.level == "village" else "乡镇干部" if self.level == "township" else "县三账办"

    def play(self) -> None:
        rng, c = self.b.rng, self.case
        self.level = "village"
        if rng.random() < 0.01:
            self.step(0, 3, actions.void, reason="重复登记，与本月另一事项为同一诉求")
            return
        if c["level"] == "village" and rng.random() < 0.25:
            done = self.step(0, 1, actions.settle_on_spot, measures=c["measures"], outcome=c["outcome"])
        else:
            done = self._handle(rng, c)
        if done:
            self._close(rng, c)

    def _handle(self, rng: random.Random, c: dict[str, Any]) -> bool:
        escalate = c["level"] != "village" or rng.random() < 0.03
        decision = DeliberationDecision.ESCALATE if escalate else DeliberationDecision.HANDLE
        if not self.step(1, 4, actions.deliberate, decision=decision, opinion=c["decision"]):
            return False
        if not escalate:
            return self.step(1, 5, actions.settle, measures=c["measures"], outcome=c["outcome"])
        self.level = "township"
        reply = c.get("township_reply") or "乡镇已受理，正协调相关站所办理。"
        if not self.step(2, 9, actions.reply, text=reply):
            return False
        if c["level"] != "county":
            return self.step(1, 5, actions.settle, measures=c["measures"], outcome=c["outcome"])
        if not self.step(1, 4, actions.escalate, reason="涉及县级职能部门，乡镇无法办结"):
            return False
        self.level = "county"
        dept = c.get("department") or "县农业农村局"
        if not self.step(1, 4, actions.assign, department=dept):
            return False
        return self.step(5, 14, actions.settle, measures=c["measures"], outcome=c["outcome"])

    def _close(self, rng: random.Random, c: dict[str, Any]) -> None:
        if rng.random() < 0.08:
            unhappy = rng.choice([Satisfaction.NEUTRAL, Satisfaction.DISSATISFIED])
            if not self.step(
                1, 5, actions.confirm, satisfaction=unhappy, opinion="问题还没有完全解决，希望再想办法。"
            ):
                return
            if not self.step(
                2, 6, actions.settle, measures=c["measures"] + "（重新办理）", outcome=c["outcome"]
            ):
                return
        rating = Satisfaction.VERY_SATISFIED if rng.random() < 0.5 else Satisfaction.SATISFIED
        if not self.step(
            1, 6, actions.confirm, satisfaction=rating, opinion=c.get("opinion") or "满意。", signed_by="本人"
        ):
            return
        if rng.random() < 0.4:
            self.step(3, 15, actions.follow_up, note="回访群众，对办理结果表示认可。")
        month_end = date(self.day.year + self.day.month // 12, self.day.month % 12 + 1, 1)
        if month_end <= self.b.today:
            actions.publish(
                uow=self.b.uow,
                item_id=self.item_id,
                on=max(month_end, self.day),
                actor="村文书",
                month=f"{self.day:%Y-%m}",
            )


TEMPLATE_VILLAGES = 10


def build_demo(
    *,
    engine: Engine,
    config: LedgerConfig,
    villages: int,
    items: int,
    seed: int,
    today: date,
    progress: Callable[[int, int], None] | None = None,
    template_villages: int = TEMPLATE_VILLAGES,
) -> int:
    """Create `villages` demo villages of `items` items each; one transaction per village.

    The first TEMPLATE_VILLAGES are worked through the real use cases; further villages copy one
    of them (app.services.demo_scale) so a county-sized demo takes seconds, not a quarter hour.
    """
    cat = DemoCatalogue.load()
    rng = random.Random(seed)
    plan = demo_villages(cat, villages)
    templates: list[int] = []
    keys = _NameKeys()
    for n, (code, name, township) in enumerate(plan, start=1):
        with UnitOfWork(engine) as uow:
            builder = _VillageBuilder(uow, config, cat, rng, today)
            if len(templates) < template_villages:
                templates.append(builder.build(code, name, township, items))
            else:
                clone_village(
                    uow.session,
                    templates[n % len(templates)],
                    code=code,
                    name=name,
                    township=township,
                    county=DEFAULT_COUNTY,
                    rng=rng,
                    draw_name=builder.name,
                    keys=keys,
                )
            uow.commit()
        if progress:
            progress(n, len(plan))
    return villages * items
