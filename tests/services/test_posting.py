"""The monthly wall posting's content: the right items, the figures, privacy, the posting record.

The month (2026-11, village 柳林沟村, today = Thu 2026-12-03; default rules):
- M1 民生/土地流转 11-03 王长贵: 就地办结 11-03 (ID number in 工作措施, phone in 诉求); 满意 11-05
  -> confirmed, village
- M2 民生/基础设施建设 11-05 王长贵: 议账→乡镇 11-06; 答复 11-10; 办结 11-16 (spaced mobile in
  结果); 很满意 11-18 (landline in 意见) -> confirmed, township
- M3 民生/养老保险 11-10 张大云 (ID and phone on file): 议账村办 11-11 -> open
- M4 民生/危房改造 11-12 王长贵: 就地办结 11-12, not signed -> settled (办理中)
- M5 民生/其他 10-20 王长贵: 议账村办 10-21; 办结 11-02; 满意 11-04 -> confirmed, village
  (received last month: settled rows only)
- M6 民生/经济发展 11-20: 作废 11-21 -> never posted
- M7 民生/其他 10-05: 就地办结 10-06; 满意 10-08 -> last month's, not posted
- M8 民生/经济发展 11-26: 就地办结 12-01; 满意 12-02 -> settled after the month: 办理中 here
- K1 困难/低保 11-08 欧阳娜娜 (her ID number typed into 诉求): 议账村办 11-09; 办结 11-13;
  满意 11-15 -> confirmed, village
- K2 困难/五保（特困供养） 11-25 -> registered (open)
- W1 稳定/邻里纠纷 11-04 李秀英 (a phone in 诉求): 就地办结 11-04; 满意 11-06 -> confirmed, village
- W2 稳定/土地纠纷 11-18 -> open

Figures: 民生 registered 5 (M1 M2 M3 M4 M8), settled 3 (M1 M2 M5), of the cohort 2 -> 40.00%,
in progress 3 (M3 M4 M8); 困难 2/1/50.00%/1; 稳定 2/1/50.00%/1; total 9/5/4 -> 44.44%, in
progress 5; levels village 4 (M1 M5 K1 W1), township 1 (M2), county 0 -> 80.00 / 20.00 / 0.00.
"""

import random
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.models import Item, PostingRecord, Village
from app.models.enums import DeliberationDecision, ItemState, Satisfaction
from app.services import actions
from app.services.context import Settings
from app.services.errors import DomainError
from app.services.identity import find_sensitive, generate_id_number
from app.services.people import create_person
from app.services.posting import (
    Posting,
    build_posting,
    default_period,
    mark_posted,
    record_posting,
)
from app.services.privacy import PrivacyPolicy, default_policy
from app.services.registration import register_item
from app.store.uow import UnitOfWork
from tests.conftest import VillageIds

D = date
TODAY = D(2026, 12, 3)
MONTH = "2026-11"
ACTOR = "村文书"
SUPERVISION = "0838-7201234"
DISCIPLINE = "0838-7305678"
HANDLE, ESCALATE = DeliberationDecision.HANDLE, DeliberationDecision.ESCALATE
SAT, VSAT = Satisfaction.SATISFIED, Satisfaction.VERY_SATISFIED
KEYS = ["minsheng", "kunnan", "wending"]

RNG = random.Random(4)
ZHANG_ID = generate_id_number(RNG, area="510623", birth=D(1968, 3, 9), gender="男")
OUYANG_ID = generate_id_number(RNG, area="510623", birth=D(1975, 8, 21), gender="女")
TYPED_ID = generate_id_number(RNG, area="510623", birth=D(1959, 1, 30), gender="男")
ZHANG_PHONE = "13990001234"


@dataclass
class Month:
    ids: VillageIds
    items: dict[str, Item]
    secrets: list[str]  # full names, ID numbers and phones that must never reach the wall
    unposted_text: list[str]  # request texts of items that must not appear


def _act(engine: Engine, action: Any, item: Item, on: date, **kwargs: Any) -> None:
    with UnitOfWork(engine) as uow:
        action(uow=uow, item_id=item.id, on=on, actor=ACTOR, **kwargs)
        uow.commit()


def _confirm(engine: Engine, item: Item, on: date, rating: Satisfaction, opinion: str = "") -> None:
    _act(
        engine,
        actions.confirm,
        item,
        on,
        satisfaction=rating,
        opinion=opinion or rating.label,
        signed_by="本人",
    )


def build_month(engine: Engine, settings: Settings, village: VillageIds) -> Month:
    """Build the month in the module docstring through the real use cases."""
    with UnitOfWork(engine) as uow:
        v = uow.session.get(Village, village.village_id)
        assert v is not None
        v.supervision_phone, v.township_discipline_phone = SUPERVISION, DISCIPLINE
        uow.session.add(v)
        zhang = create_person(
            uow=uow,
            village_id=village.village_id,
            name="张大云",
            gender="男",
            id_number=ZHANG_ID,
            phone=ZHANG_PHONE,
            today=TODAY,
        )
        ouyang = create_person(
            uow=uow, village_id=village.village_id, name="欧阳娜娜", id_number=OUYANG_ID, today=TODAY
        )
        li = create_person(uow=uow, village_id=village.village_id, name="李秀英", gender="女", today=TODAY)
        uow.commit()
        people = {"王": village.person_id, "张": zhang.id, "欧阳": ouyang.id, "李": li.id}

    def reg(who: str, received: date, ledger: str, category: str, request: str) -> Item:
        with UnitOfWork(engine) as uow:
            item = register_item(
                uow=uow,
                config=settings.ledgers,
                village_id=village.village_id,
                ledger_key=ledger,
                category=category,
                person_id=people[who],
                source="来信来访",
                received_on=received,
                request=request,
                actor=ACTOR,
                today=received,
                responsible_cadre_id=village.cadre_id,
            )
            uow.commit()
            return item

    e = engine
    m7 = reg("王", D(2026, 10, 5), "minsheng", "其他", "上月的诉求：村口路灯不亮。")
    _act(e, actions.settle_on_spot, m7, D(2026, 10, 6), measures="更换灯泡", outcome="路灯已亮")
    _confirm(e, m7, D(2026, 10, 8), SAT)
    m5 = reg("王", D(2026, 10, 20), "minsheng", "其他", "上月受理：三社堰塘漏水，请村上维修。")
    _act(e, actions.deliberate, m5, D(2026, 10, 21), decision=HANDLE, opinion="村上组织维修")
    _act(e, actions.settle, m5, D(2026, 11, 2), measures="组织群众投工投劳", outcome="堰塘已补好")
    _confirm(e, m5, D(2026, 11, 4), SAT, "满意，堰塘不漏了。")

    m1 = reg(
        "王", D(2026, 11, 3), "minsheng", "土地流转", "三社土地撂荒，请村上想办法。联系电话13912345678。"
    )
    _act(
        e,
        actions.settle_on_spot,
        m1,
        D(2026, 11, 3),
        measures=f"核对承包合同（承包人身份证号{TYPED_ID}），联系种植大户流转",
        outcome="已流转给种植大户，租金每亩400元",
    )
    _confirm(e, m1, D(2026, 11, 5), SAT)
    m2 = reg("王", D(2026, 11, 5), "minsheng", "基础设施建设", "二社便桥被洪水冲坏，群众出行困难。")
    _act(e, actions.deliberate, m2, D(2026, 11, 6), decision=ESCALATE, opinion="上报乡镇")
    _act(e, actions.reply, m2, D(2026, 11, 10), text="镇上安排资金修复")
    _act(
        e,
        actions.settle,
        m2,
        D(2026, 11, 16),
        measures="镇村共同筹资，请施工队修复便桥",
        outcome="便桥已修好，有问题请联系施工负责人 138 1234 5678",
    )
    _confirm(e, m2, D(2026, 11, 18), VSAT, "很满意，以后有事打0838-6612345")
    long_request = (
        "年满六十周岁，想了解城乡居民养老保险的领取手续和补缴政策，" * 6 + "社保卡号6222 0212 3456 7890 123。"
    )
    m3 = reg("张", D(2026, 11, 10), "minsheng", "养老保险", long_request)
    _act(e, actions.deliberate, m3, D(2026, 11, 11), decision=HANDLE, opinion="村文书协助办理")
    m4 = reg("王", D(2026, 11, 12), "minsheng", "危房改造", "老房子墙体开裂，雨天漏雨。")
    _act(
        e,
        actions.settle_on_spot,
        m4,
        D(2026, 11, 12),
        measures="现场查看并报镇上鉴定",
        outcome="已纳入危房改造",
    )
    m6 = reg("王", D(2026, 11, 20), "minsheng", "经济发展", "作废事项：重复登记的诉求不应上墙。")
    _act(e, actions.void, m6, D(2026, 11, 21), reason="重复登记")
    m8 = reg("王", D(2026, 11, 26), "minsheng", "经济发展", "想办个农家乐，请村上指导办理手续。")
    _act(
        e, actions.settle_on_spot, m8, D(2026, 12, 1), measures="帮助联系市场监管所", outcome="已办好营业执照"
    )
    _confirm(e, m8, D(2026, 12, 2), SAT)

    k1 = reg("欧阳", D(2026, 11, 8), "kunnan", "低保", f"家中因病致贫，申请低保。身份证号{OUYANG_ID}")
    _act(e, actions.deliberate, k1, D(2026, 11, 9), decision=HANDLE, opinion="入户核实")
    _act(
        e, actions.settle, k1, D(2026, 11, 13), measures="入户核实家庭收入，报镇民政办", outcome="已纳入低保"
    )
    _confirm(e, k1, D(2026, 11, 15), SAT)
    k2 = reg("王", D(2026, 11, 25), "kunnan", "五保（特困供养）", "孤寡老人，申请特困供养。")

    w1 = reg("李", D(2026, 11, 4), "wending", "邻里纠纷", "与邻居因宅基地边界争吵，邻居电话13700001111。")
    _act(e, actions.settle_on_spot, w1, D(2026, 11, 4), measures="调委会现场调解", outcome="双方签订调解协议")
    _confirm(e, w1, D(2026, 11, 6), SAT)
    w2 = reg("王", D(2026, 11, 18), "wending", "土地纠纷", "山林界址不清，两户人争执不下。")

    items = {
        "M1": m1, "M2": m2, "M3": m3, "M4": m4, "M5": m5, "M6": m6, "M7": m7, "M8": m8,
        "K1": k1, "K2": k2, "W1": w1, "W2": w2,
    }  # fmt: skip
    secrets = ["王长贵", "张大云", "欧阳娜娜", "李秀英", ZHANG_ID, OUYANG_ID, TYPED_ID, ZHANG_PHONE]
    secrets += ["13912345678", "13812345678", "0838-6612345", "13700001111", "6222 0212 3456 7890 123"]
    unposted = ["作废事项", "上月的诉求", "宅基地边界", "山林界址"]
    return Month(village, items, secrets, unposted)


@pytest.fixture
def month(engine, settings, village) -> Month:
    return build_month(engine, settings, village)


def make_posting(engine: Engine, settings: Settings, month: Month, **kwargs: Any) -> Posting:
    args: dict[str, Any] = {"privacy": {k: default_policy(k) for k in KEYS}, "today": TODAY, **kwargs}
    with UnitOfWork(engine) as uow:
        return build_posting(
            uow.session, settings=settings, village_id=month.ids.village_id, month=MONTH, **args
        )


def strings(value: Any) -> list[str]:
    """Every string inside a posting (recursively through dataclasses and tuples)."""
    if isinstance(value, str):
        return [value]
    if is_dataclass(value):  # item_ids are internal UUIDs (never printed); random hex can look like a phone
        return [s for f in fields(value) if f.name != "item_ids" for s in strings(getattr(value, f.name))]
    if isinstance(value, tuple | list):
        return [s for v in value for s in strings(v)]
    return []


def numbers(rows: Any) -> list[str]:
    return [r.number for r in rows]


def test_title_period_phones_and_organisations(engine, settings, month):
    p = make_posting(engine, settings, month)
    assert p.title == "柳林沟村2026年11月“三本台账”办理情况公示"
    assert (p.period_from, p.period_to) == (D(2026, 12, 1), D(2026, 12, 10))
    assert p.signed_on == D(2026, 12, 1)
    assert (p.supervision_phone, p.township_discipline_phone) == (SUPERVISION, DISCIPLINE)
    assert p.discipline_label == "富兴镇纪委"
    assert (p.party_branch, p.committee) == ("中共柳林沟村支部委员会", "柳林沟村民委员会")
    assert [s.name for s in p.sections] == ["民生台账", "困难群众台账", "稳定工作台账"]


def test_the_right_items_in_the_right_lists(engine, settings, month):
    p = make_posting(engine, settings, month)
    ms, kn, wd = p.sections
    short = {k: i.serial.removeprefix("510623105201-") for k, i in month.items.items()}
    assert numbers(ms.registered) == [short[k] for k in ("M1", "M2", "M3", "M4", "M8")]
    assert numbers(ms.settled) == [short[k] for k in ("M5", "M1", "M2")]  # in serial order
    assert numbers(ms.in_progress) == [short[k] for k in ("M3", "M4", "M8")]
    assert [r.status for r in ms.registered] == ["已办结", "已办结", "办理中", "办理中", "办理中"]
    m3, m4, m8 = ms.in_progress
    assert (
        m3.status == "村级办理中" and m3.deadline.startswith("村级办结：2026年11月") and "前" in m3.deadline
    )
    assert (m4.status, m4.deadline) == ("已办结，待当事人签字确认", "签字确认后公示")
    assert (m8.status, m8.deadline) == ("已于2026年12月1日办结", "列入2026年12月公示")
    m2 = ms.settled[2]
    assert (m2.level, m2.settled_on) == ("乡镇", D(2026, 11, 16))
    assert m2.opinion.startswith("很满意\n很满意，以后有事打0838-")
    assert ms.settled[0].opinion == "满意\n满意，堰塘不漏了。"
    assert numbers(kn.registered) == [short["K1"], short["K2"]]
    assert numbers(kn.settled) == [short["K1"]]
    posted = {month.items[k].id for k in ("M1", "M2", "M3", "M4", "M5", "M8", "K1", "K2", "W1", "W2")}
    assert set(p.item_ids) == posted  # voided M6 and last month's M7 are not on the wall
    assert wd.counts_only and wd.registered == wd.settled == wd.in_progress == ()


def test_figures_follow_the_signature_rule(engine, settings, month):
    p = make_posting(engine, settings, month)
    f = p.figures
    assert (f.registered, f.settled, f.registered_settled, f.in_progress) == (9, 5, 4, 5)
    assert f.rate == 0.4444
    assert [(lv.label, lv.count, lv.share) for lv in f.levels] == [
        ("村级", 4, 80.0),
        ("乡镇", 1, 20.0),
        ("县级", 0, 0.0),
    ]
    per = {s.key: s.figures for s in p.sections}
    assert (per["minsheng"].registered, per["minsheng"].settled, per["minsheng"].rate) == (5, 3, 0.4)
    assert per["minsheng"].in_progress == 3
    assert (per["kunnan"].registered, per["kunnan"].settled, per["kunnan"].rate) == (2, 1, 0.5)
    assert (per["wending"].registered, per["wending"].settled, per["wending"].in_progress) == (2, 1, 1)


def test_no_name_id_or_phone_leaves_the_service(engine, settings, month):
    p = make_posting(engine, settings, month)
    texts = strings(p)
    for secret in month.secrets:
        assert not any(secret in t for t in texts), secret
    for text in month.unposted_text:
        assert not any(text in t for t in texts), text
    allowed = {SUPERVISION, DISCIPLINE}
    found = [h.text for t in texts for h in find_sensitive(t)]
    assert set(found) <= allowed, found
    ms, kn, _wd = p.sections
    assert {r.requester for r in ms.registered} == {"王某某", "张某某"}
    assert kn.registered[0].requester == "欧阳某某"
    assert "138****5678" in ms.settled[2].outcome
    assert "社保卡号6222***********0123。" in ms.registered[2].request


def test_every_masked_number_is_reported(engine, settings, month):
    p = make_posting(engine, settings, month)
    s = {k: i.serial for k, i in month.items.items()}
    got = sorted((r.serial, r.field, r.kind) for r in p.redactions)
    assert got == sorted(
        [
            (s["M1"], "主要诉求", "电话号码"),
            (s["M1"], "工作措施", "身份证号"),
            (s["M2"], "处理结果", "电话号码"),
            (s["M2"], "当事人意见", "电话号码"),
            (s["K1"], "主要诉求", "身份证号"),
            (s["M3"], "主要诉求", "长数字号码"),
        ]
    )  # W1's phone is in a counts-only ledger: never read into the posting, so nothing to report
    assert p.redactions[0].describe().endswith("中的电话号码")


def test_name_style_and_policies_per_ledger(engine, settings, month):
    privacy = {
        "minsheng": PrivacyPolicy(mask_names=True, name_style="*"),
        "kunnan": PrivacyPolicy(mask_names=False),
        "wending": PrivacyPolicy(show_details=True),
    }
    p = make_posting(engine, settings, month, privacy=privacy)
    ms, kn, wd = p.sections
    assert {r.requester for r in ms.registered} == {"王**", "张**"}
    assert kn.registered[0].requester == "欧阳娜娜"
    assert not wd.counts_only and wd.registered[0].requester == "李某某"
    assert "137****1111" in wd.registered[0].request
    assert any(r.serial == month.items["W1"].serial for r in p.redactions)
    assert "民生台账、稳定工作台账的诉求人姓名只保留姓氏" in p.privacy_note
    assert "只公示件数" not in p.privacy_note


def test_a_missing_policy_falls_back_to_the_safe_default(engine, settings, month):
    p = make_posting(engine, settings, month, privacy={})
    assert p.sections[2].counts_only and p.sections[0].registered[0].requester == "王某某"


def test_posting_period(engine, settings, month):
    assert default_period("2026-11", D(2026, 11, 30)) == (D(2026, 12, 1), D(2026, 12, 10))
    assert default_period("2026-12", D(2027, 1, 10)) == (D(2027, 1, 1), D(2027, 1, 10))
    assert default_period("2026-11", D(2026, 12, 15)) == (D(2026, 12, 15), D(2026, 12, 24))
    p = make_posting(engine, settings, month, period_from=D(2026, 12, 5), period_to=D(2026, 12, 20))
    assert (p.period_from, p.period_to, p.signed_on) == (D(2026, 12, 5), D(2026, 12, 20), D(2026, 12, 5))
    p = make_posting(engine, settings, month, period_from=D(2026, 12, 5))
    assert p.period_to == D(2026, 12, 14)
    with pytest.raises(DomainError, match="结束日期不能早于"):
        make_posting(engine, settings, month, period_from=D(2026, 12, 5), period_to=D(2026, 12, 4))
    with pytest.raises(DomainError, match="开始日期"):
        make_posting(engine, settings, month, period_to=D(2026, 12, 4))


def test_bad_and_future_months_are_refused(engine, settings, village):
    with UnitOfWork(engine) as uow:
        for bad, needle in (("2026-13", "YYYY-MM"), ("2026/11", "YYYY-MM"), ("2027-01", "还没有到")):
            with pytest.raises(DomainError, match=needle):
                build_posting(
                    uow.session,
                    settings=settings,
                    village_id=village.village_id,
                    month=bad,
                    privacy={},
                    today=TODAY,
                )


def test_an_empty_month_posts_zeros(engine, settings, village):
    with UnitOfWork(engine) as uow:
        p = build_posting(
            uow.session,
            settings=settings,
            village_id=village.village_id,
            month="2026-11",
            privacy={},
            today=TODAY,
        )
    assert p.figures.registered == 0 and p.figures.rate == 0.0 and p.item_ids == ()
    assert [lv.share for lv in p.figures.levels] == [0.0, 0.0, 0.0]


def test_same_month_same_content_on_any_day_of_the_window(engine, settings, month):
    first = make_posting(engine, settings, month)
    again = make_posting(engine, settings, month, today=D(2026, 12, 9))
    assert first == again and first.content_hash == again.content_hash
    assert replace(first, redactions=()).content_hash == first.content_hash  # the report is not content


def test_record_posting_and_mark_posted(engine, settings, month):
    p = make_posting(engine, settings, month)
    with UnitOfWork(engine) as uow:
        rec = record_posting(uow=uow, posting=p, file_hash="a" * 64, today=TODAY)
        uow.commit()
    with UnitOfWork(engine) as uow:  # the same content again: one record, latest file hash
        again = record_posting(uow=uow, posting=p, file_hash="b" * 64, today=TODAY)
        uow.commit()
    assert again.id == rec.id and again.file_hash == "b" * 64
    assert (rec.month, rec.period_from, rec.period_to, rec.posted_on) == (
        MONTH,
        D(2026, 12, 1),
        D(2026, 12, 10),
        None,
    )
    with UnitOfWork(engine) as uow:
        done = mark_posted(
            uow=uow, village_id=month.ids.village_id, month=MONTH, on=D(2026, 12, 3), actor=ACTOR
        )
        uow.commit()
    s = {k: i.serial for k, i in month.items.items()}
    assert done.published == tuple(sorted(s[k] for k in ("M1", "M2", "M5", "K1", "W1")))
    with UnitOfWork(engine) as uow:
        states = {k: uow.session.get(Item, i.id) for k, i in month.items.items()}
        records = uow.session.exec(select(PostingRecord)).all()
    published = {k for k, i in states.items() if i.state == ItemState.PUBLISHED.value}
    assert published == {"M1", "M2", "M5", "K1", "W1"}  # signed and settled in November
    assert states["M1"].published_month == MONTH
    assert states["M8"].state == ItemState.CONFIRMED.value  # settled in December: next posting
    assert len(records) == 1 and records[0].posted_on == D(2026, 12, 3)
    after = make_posting(engine, settings, month)
    assert after.content_hash == p.content_hash  # 已晒账 prints the same as 已签字确认


def test_changed_content_is_a_new_record(engine, settings, month):
    with UnitOfWork(engine) as uow:
        record_posting(
            uow=uow, posting=make_posting(engine, settings, month), file_hash="a" * 64, today=TODAY
        )
        uow.commit()
    _act(engine, actions.settle, month.items["M3"], D(2026, 11, 30), measures="协助办理", outcome="已办好")
    with UnitOfWork(engine) as uow:
        record_posting(
            uow=uow, posting=make_posting(engine, settings, month), file_hash="c" * 64, today=TODAY
        )
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert len(uow.session.exec(select(PostingRecord)).all()) == 2


def test_mark_posted_needs_a_generated_posting(engine, settings, month):
    with UnitOfWork(engine) as uow, pytest.raises(DomainError, match="还没有生成"):
        mark_posted(uow=uow, village_id=month.ids.village_id, month=MONTH, on=TODAY, actor=ACTOR)
