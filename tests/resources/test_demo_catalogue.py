"""Checks on the demo-data catalogue (resources/demo/cases.toml and people.toml)."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

DEMO_DIR = Path(__file__).resolve().parents[2] / "resources" / "demo"

CATEGORIES = {
    "minsheng": {
        "经济发展",
        "土地流转",
        "产业结构调整",
        "危房改造",
        "养老保险",
        "医疗保险",
        "农电改造",
        "基础设施建设",
        "其他",
    },
    "kunnan": {"低保", "五保（特困供养）", "重度残疾人", "其他低收入困难户"},
    "wending": {
        "邻里纠纷",
        "土地纠纷",
        "山林纠纷",
        "婚姻家庭纠纷",
        "信访",
        "刑满释放人员/社区矫正",
        "因迁移引发纠纷",
        "其他",
    },
}
SOURCES = {"联系卡", "民情电话", "民生信箱", "信息栏", "来信来访", "走访", "议账会", "夜谈会"}
WU_FANG_WU_WEN = {
    "访能人问发展",
    "访老党员老干部问良策",
    "访上访户问情由",
    "访贫困户问所难",
    "访群众问民需",
}
LEVELS = {"village", "township", "county"}
CASE_KEYS = {
    "ledger",
    "category",
    "source",
    "source_detail",
    "request",
    "decision",
    "measures",
    "outcome",
    "opinion",
    "level",
    "department",
    "township_reply",
}
REQUIRED_TEXT = ("request", "decision", "measures", "outcome")
OPINION_RATINGS = ("很满意", "满意", "基本满意")

ID_NUMBER = re.compile(r"\d{17}[\dXx]")
MOBILE = re.compile(r"1[3-9]\d{9}")


def _load(name: str) -> dict:
    with (DEMO_DIR / name).open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def cases() -> list[dict]:
    return _load("cases.toml")["case"]


@pytest.fixture(scope="module")
def people() -> dict:
    return _load("people.toml")


# ── cases.toml ───────────────────────────────────────────────────────────────


def test_case_count_and_spread(cases):
    assert len(cases) >= 60
    ledgers = Counter(c["ledger"] for c in cases)
    levels = Counter(c["level"] for c in cases)
    assert set(ledgers) == set(CATEGORIES)
    assert set(levels) == LEVELS
    # roughly 80 / 15 / 5: most cases settle in the village, very few reach the county
    assert levels["village"] / len(cases) >= 0.7
    assert levels["county"] < levels["township"] < levels["village"]


def test_every_category_used(cases):
    used = {(c["ledger"], c["category"]) for c in cases}
    for ledger, cats in CATEGORIES.items():
        for cat in cats:
            assert (ledger, cat) in used, f"no case for {ledger}/{cat}"


@pytest.mark.parametrize("key", sorted(CASE_KEYS))
def test_every_case_has_key_as_string(cases, key):
    for i, case in enumerate(cases):
        assert key in case, f"case #{i} lacks {key}"
        assert isinstance(case[key], str), f"case #{i}: {key} is not a string"


def test_no_unknown_keys(cases):
    for i, case in enumerate(cases):
        assert set(case) <= CASE_KEYS, f"case #{i} has unknown keys {set(case) - CASE_KEYS}"


def test_required_text_non_empty(cases):
    for i, case in enumerate(cases):
        for key in REQUIRED_TEXT:
            assert case[key].strip(), f"case #{i}: empty {key}"


def test_ledger_category_source_level(cases):
    for i, case in enumerate(cases):
        assert case["ledger"] in CATEGORIES, f"case #{i}: bad ledger {case['ledger']!r}"
        assert case["category"] in CATEGORIES[case["ledger"]], (
            f"case #{i}: category {case['category']!r} not in ledger {case['ledger']}"
        )
        assert case["source"] in SOURCES, f"case #{i}: bad source {case['source']!r}"
        if case["source"] == "走访":
            assert case["source_detail"] in WU_FANG_WU_WEN, (
                f"case #{i}: 走访 needs one of the 五访五问, got {case['source_detail']!r}"
            )
        assert case["level"] in LEVELS, f"case #{i}: bad level {case['level']!r}"


def test_department_and_reply_match_level(cases, people):
    departments = set(people["departments"])
    for i, case in enumerate(cases):
        if case["level"] == "county":
            assert case["department"].strip(), f"case #{i}: county case without department"
            assert case["department"] in departments, (
                f"case #{i}: department {case['department']!r} not in people.toml"
            )
        else:
            assert case["department"] == "", f"case #{i}: non-county case has a department"
        if case["level"] in {"township", "county"}:
            assert case["township_reply"].strip(), f"case #{i}: escalated case without 答复"
        else:
            assert case["township_reply"] == "", f"case #{i}: village case has a 答复"


def test_opinion_starts_with_rating(cases):
    for i, case in enumerate(cases):
        assert case["opinion"].startswith(OPINION_RATINGS), (
            f"case #{i}: opinion should start with a rating: {case['opinion']!r}"
        )


def test_no_id_or_phone_numbers(cases):
    for i, case in enumerate(cases):
        for key, value in case.items():
            assert not ID_NUMBER.search(value), f"case #{i}: {key} contains an ID-like number"
            assert not MOBILE.search(value), f"case #{i}: {key} contains a mobile-like number"


def test_cases_unique(cases):
    requests = [c["request"] for c in cases]
    dupes = [r for r, n in Counter(requests).items() if n > 1]
    assert not dupes, f"duplicate requests: {dupes}"


# ── people.toml ──────────────────────────────────────────────────────────────


def test_people_lists_sizes(people):
    assert len(people["surnames"]) >= 50
    assert len(people["given_male"]) >= 70
    assert len(people["given_female"]) >= 70
    assert len(people["villages"]) == 20
    assert 4 <= len(people["townships"]) <= 5
    assert len(people["groups"]) >= 10
    assert {c["role"] for c in people["cadres"]} >= {"村党支部书记", "村委会主任", "村文书"}
    assert len(people["departments"]) >= 10


@pytest.mark.parametrize("key", ["surnames", "given_male", "given_female", "groups", "departments"])
def test_people_string_lists_unique_and_clean(people, key):
    values = people[key]
    assert all(isinstance(v, str) and v.strip() == v and v for v in values)
    assert len(values) == len(set(values)), f"duplicates in {key}"


def test_name_lengths(people):
    assert all(len(s) == 1 for s in people["surnames"])
    for key in ("given_male", "given_female"):
        assert all(1 <= len(g) <= 2 for g in people[key]), key


def test_townships_and_villages(people):
    townships = people["townships"]
    villages = people["villages"]
    tcodes = {t["code"]: t["name"] for t in townships}
    assert len(tcodes) == len(townships), "duplicate township codes"
    assert len({t["name"] for t in townships}) == len(townships), "duplicate township names"
    for t in townships:
        assert re.fullmatch(r"510623\d{3}", t["code"]), t

    assert len({v["name"] for v in villages}) == len(villages), "duplicate village names"
    assert len({v["code"] for v in villages}) == len(villages), "duplicate village codes"
    for v in villages:
        assert re.fullmatch(r"\d{12}", v["code"]), v
        assert v["code"][:9] in tcodes, f"{v['name']}: no township with code {v['code'][:9]}"

    by_name = {v["name"]: tcodes[v["code"][:9]] for v in villages}
    assert villages[0]["name"] == "柳林沟村"
    assert by_name["柳林沟村"] == "富兴镇"
    assert by_name["石墙村"] == "南华镇"
    # every township has at least one demo village
    assert set(by_name.values()) == set(tcodes.values())
