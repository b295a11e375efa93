"""Tests for app.services.identity: ID numbers, phones, masks and sensitive-data detection."""

from __future__ import annotations

import random
from dataclasses import FrozenInstanceError
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services.errors import DomainError
from app.services.identity import (
    IdInfo,
    Sensitive,
    check_gender_matches,
    find_sensitive,
    generate_id_number,
    id_check_character,
    mask_id_number,
    mask_name,
    mask_phone,
    redact_sensitive,
    validate_id_number,
    validate_phone,
)

TODAY = date(2026, 6, 1)


def check_char(first17: str) -> str:
    """Independent MOD 11-2: weight of position i is 2**(17 - i) mod 11; 10 is written X."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def make(first17: str) -> str:
    assert len(first17) == 17
    return first17 + check_char(first17)


def raises(raw: str, *, today: date = TODAY) -> str:
    with pytest.raises(DomainError) as excinfo:
        validate_id_number(raw, today=today)
    return excinfo.value.message


# --- valid numbers ---------------------------------------------------------------------------


def test_gb11643_standard_example() -> None:
    # 11010519491231002X, the example in GB 11643-1999:
    # digits   1  1  0  1  0  5  1  9  4  9  1  2  3  1  0  0  2
    # weights  7  9 10  5  8  4  2  1  6  3  7  9 10  5  8  4  2
    # products 7  9  0  5  0 20  2  9 24 27  7 18 30  5  0  0  4  -> sum 167
    # 167 mod 11 = 2, and remainder 2 maps to check character X (table "10X98765432").
    assert check_char("11010519491231002") == "X"
    assert id_check_character("11010519491231002") == "X"
    info = validate_id_number("11010519491231002X", today=TODAY)
    assert info == IdInfo("11010519491231002X", date(1949, 12, 31), "女")


def test_normalises_spaces_lowercase_x_and_full_width() -> None:
    assert validate_id_number(" 110105 19491231 002x ", today=TODAY).number == "11010519491231002X"
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert validate_id_number(full_width, today=TODAY).number == "11010519491231002X"


def test_gender_from_seventeenth_digit() -> None:
    male = make("51062319900101123")  # index 16 is 3: odd
    female = make("51062319900101124")  # index 16 is 4: even
    assert validate_id_number(male, today=TODAY).gender == "男"
    assert validate_id_number(female, today=TODAY).gender == "女"
    assert validate_id_number(make("51062319900101120"), today=TODAY).gender == "女"
    assert validate_id_number(make("51062319900101129"), today=TODAY).gender == "男"


@pytest.mark.parametrize("province", ["11", "15", "23", "37", "46", "54", "65", "71", "81", "82"])
def test_accepted_province_codes(province: str) -> None:
    number = make(f"{province}0102199001011234"[:17])
    assert validate_id_number(number, today=TODAY).number == number


def test_hong_kong_macao_taiwan_residence_permits_accepted() -> None:
    for area in ("810000", "820000", "830000"):
        number = make(f"{area}19800101003")
        assert validate_id_number(number, today=TODAY).birth_date == date(1980, 1, 1)


def test_id_info_is_frozen_and_knows_age() -> None:
    info = validate_id_number(make("51062320000229003"), today=TODAY)
    with pytest.raises(FrozenInstanceError):
        info.gender = "女"  # type: ignore[misc]
    assert info.age(date(2026, 2, 28)) == 25
    assert info.age(date(2026, 3, 1)) == 26


# --- failures --------------------------------------------------------------------------------


def test_empty() -> None:
    assert raises("  ") == "身份证号不能为空"


def test_wrong_length() -> None:
    assert raises("11010519491231002") == "身份证号应为18位，当前为17位"
    assert raises("11010519491231002X1") == "身份证号应为18位，当前为19位"
    assert raises("110105491231002").startswith("身份证号应为18位，当前为15位")


@pytest.mark.parametrize("raw", ["11010519491231002A", "1101051949123100X2", "11010519491231-02X"])
def test_non_digits(raw: str) -> None:
    assert raises(raw) == "身份证号只能包含数字，最后一位可以是X"


@pytest.mark.parametrize("province", ["00", "10", "16", "20", "38", "55", "66", "72", "84", "99"])
def test_bad_province(province: str) -> None:
    number = make(f"{province}0102199001011234"[:17])
    assert raises(number) == "身份证号前两位不是有效的省级代码"


def test_impossible_date() -> None:
    assert raises(make("51062320230230123")) == "身份证号中的出生日期无效：2023年02月30日"
    assert raises(make("51062319901301123")) == "身份证号中的出生日期无效：1990年13月01日"
    assert raises(make("51062319900100123")) == "身份证号中的出生日期无效：1990年01月00日"


def test_february_29() -> None:
    assert validate_id_number(make("51062320240229123"), today=TODAY).birth_date == date(2024, 2, 29)
    assert validate_id_number(make("51062320000229123"), today=TODAY).birth_date == date(
        2000, 2, 29
    )  # divisible by 400: leap
    assert raises(make("51062320230229123")) == "身份证号中的出生日期无效：2023年02月29日"
    # 1900 is divisible by 100 but not 400: not a leap year
    assert raises(make("51062319000229123")) == "身份证号中的出生日期无效：1900年02月29日"


def test_future_birth_date() -> None:
    assert raises(make("51062320260602123")) == "身份证号中的出生日期晚于今天：2026年06月02日"
    # born today is fine
    assert validate_id_number(make("51062320260601123"), today=TODAY).birth_date == TODAY


def test_future_birth_date_default_today() -> None:
    future = date.today().replace(year=date.today().year + 1, month=1, day=1)
    with pytest.raises(DomainError, match="晚于今天"):
        validate_id_number(make(f"510623{future:%Y%m%d}123"))


def test_before_1900() -> None:
    # 440524188001010014 is the second example in GB 11643-1999; valid check digit, born 1880.
    assert check_char("44052418800101001") == "4"
    assert raises("440524188001010014") == "身份证号中的出生日期早于1900年：1880年01月01日"
    assert validate_id_number(make("51062319000101123"), today=TODAY).birth_date == date(1900, 1, 1)


def test_wrong_check_digit_does_not_reveal_the_right_one() -> None:
    message = raises("110105194912310021")
    assert message == "身份证号校验位不正确，请核对"
    assert "X" not in message and "应为" not in message
    assert raises("11010519491231003X") == "身份证号校验位不正确，请核对"


# --- gender ----------------------------------------------------------------------------------


def test_check_gender_matches() -> None:
    info = validate_id_number("11010519491231002X", today=TODAY)
    check_gender_matches(info, "女")
    check_gender_matches(info, " 女性 ")
    check_gender_matches(info, "")  # nothing stated: nothing to compare
    with pytest.raises(DomainError) as excinfo:
        check_gender_matches(info, "男")
    assert excinfo.value.message == "性别与身份证号不符（身份证号显示为女）"
    male = validate_id_number(make("51062319900101123"), today=TODAY)
    with pytest.raises(DomainError, match="身份证号显示为男"):
        check_gender_matches(male, "女")
    with pytest.raises(DomainError, match="性别只能填写"):
        check_gender_matches(male, "未知")


# --- phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("+86-19912345678", "19912345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0838-1234567", "0838-1234567"),
        ("08381234567", "0838-1234567"),
        ("0838 1234567", "0838-1234567"),
        ("(0838)1234567", "0838-1234567"),
        ("（0838）1234567", "0838-1234567"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("02887654321", "028-87654321"),
        ("0755-12345678", "0755-12345678"),
        ("0838-1234567-12", "0838-1234567转12"),
        ("0838-1234567转1234", "0838-1234567转1234"),
    ],
)
def test_validate_phone_accepts(raw: str, expected: str) -> None:
    assert validate_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",  # second digit 2 is not a mobile prefix
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "1234567",  # no area code
        "838-1234567",  # area code must start with 0
        "0838-123456",  # local number too short
        "0838-123456789",  # local number too long
        "0838-1234567转12345",  # extension too long
        "电话13812345678",
        "abc",
    ],
)
def test_validate_phone_rejects(raw: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        validate_phone(raw)
    assert excinfo.value.message == "联系电话格式不正确：应为11位手机号或带区号的固定电话"


def test_validate_phone_empty() -> None:
    with pytest.raises(DomainError, match="联系电话不能为空"):
        validate_phone("   ")


# --- masks -----------------------------------------------------------------------------------


def test_mask_id_number() -> None:
    assert mask_id_number("51062319900101123X") == "510623********123X"
    assert mask_id_number("510623 19900101 123x") == "510623********123X"
    assert mask_id_number("510623900101123") == "510623*****1123"
    assert mask_id_number("") == ""


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "138****5678"
    assert mask_phone("0838-1234567") == "0838-*****67"
    assert mask_phone("01012345678") == "010-******78"
    assert mask_phone("0838-1234567转12") == "0838-*****67转12"
    assert mask_phone("") == ""
    # not a valid phone: still nothing beyond the first 3 and last 2 characters shows
    assert mask_phone("12345678") == "123***78"


def test_mask_name() -> None:
    assert mask_name("张大云") == "张某某"
    assert mask_name("张大云", "*") == "张**"
    assert mask_name("张三") == "张某"
    assert mask_name("张三", "*") == "张*"
    assert mask_name("张") == "张某"
    assert mask_name("欧阳娜娜") == "欧阳某某"
    assert mask_name("欧阳修") == "欧阳某"
    assert mask_name("诸葛孔明", "*") == "诸葛**"
    assert mask_name("欧阳") == "欧某"  # too short for a compound surname plus a given name
    assert mask_name(" 王长贵 ") == "王某某"
    assert mask_name("") == ""


# --- finding sensitive numbers ----------------------------------------------------------------


def test_find_sensitive_positives() -> None:
    text = "张三，身份证11010519491231002X，电话138 1234 5678；座机0838-1234567，手机+8613912345678"
    found = find_sensitive(text)
    assert [(s.kind, s.text) for s in found] == [
        ("身份证号", "11010519491231002X"),
        ("电话号码", "138 1234 5678"),
        ("电话号码", "0838-1234567"),
        ("电话号码", "+8613912345678"),
    ]
    for item in found:
        assert text[item.start : item.end] == item.text


@pytest.mark.parametrize(
    ("text", "kind", "match"),
    [
        ("户主510623199001011234。", "身份证号", "510623199001011234"),
        ("旧证510623900101123", "身份证号", "510623900101123"),
        ("证号 510623 19900101 123X 已登记", "身份证号", "510623 19900101 123X"),
        ("手机13812345678", "电话号码", "13812345678"),
        ("手机138-1234-5678。", "电话号码", "138-1234-5678"),
        ("Tel:13812345678", "电话号码", "13812345678"),
        ("电话(0838)1234567", "电话号码", "(0838)1234567"),
        ("电话010-12345678转123", "电话号码", "010-12345678转123"),
        ("联系人张三-13812345678", "电话号码", "13812345678"),
    ],
)
def test_find_sensitive_single(text: str, kind: str, match: str) -> None:
    found = find_sensitive(text)
    assert len(found) == 1
    assert found[0].kind == kind
    assert found[0].text == match


@pytest.mark.parametrize(
    "text",
    [
        "项目总投资2000余万元",
        "2026年工作计划",
        "流转土地800亩",
        "案件编号510623105201-MS-2026-0012",
        "统一代码510623105201",
        "金额13812345678.50元",  # a decimal amount, not a phone
        "编号2026-13812345678",  # continues a hyphenated digit group
        "13812345678901",  # longer digit run
        "1234567890123456789",  # 19 digits: longer than an ID
        "51062319900101123",  # 17 digits
        "日期2026-01-15，时间10:30",
        "",
    ],
)
def test_find_sensitive_negatives(text: str) -> None:
    assert find_sensitive(text) == []


def test_redact_sensitive() -> None:
    text = "户主510623199001011234，电话138 1234 5678，座机0838-1234567，2026年补贴800元。"
    redacted, found = redact_sensitive(text)
    assert redacted == "户主510623********1234，电话138****5678，座机0838-*****67，2026年补贴800元。"
    assert [s.kind for s in found] == ["身份证号", "电话号码", "电话号码"]
    assert all(isinstance(s, Sensitive) for s in found)
    assert redact_sensitive("没有敏感信息") == ("没有敏感信息", [])


def test_find_sensitive_full_width_digits() -> None:
    found = find_sensitive("电话：１３８１２３４５６７８")
    assert [(s.kind, s.text) for s in found] == [("电话号码", "１３８１２３４５６７８")]
    assert redact_sensitive("电话：１３８１２３４５６７８")[0] == "电话：138****5678"


# --- generation and properties ------------------------------------------------------------------


def test_generate_id_number_examples() -> None:
    rng = random.Random(7)
    number = generate_id_number(rng, area="510623", birth=date(1990, 1, 1), gender="男")
    assert number.startswith("51062319900101")
    assert number[17] == check_char(number[:17])
    info = validate_id_number(number, today=TODAY)
    assert (info.birth_date, info.gender) == (date(1990, 1, 1), "男")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"area": "51062", "birth": date(1990, 1, 1), "gender": "男"},
        {"area": "990000", "birth": date(1990, 1, 1), "gender": "男"},
        {"area": "510623", "birth": date(1899, 12, 31), "gender": "男"},
        {"area": "510623", "birth": date(1990, 1, 1), "gender": "M"},
    ],
)
def test_generate_id_number_rejects_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        generate_id_number(random.Random(0), **kwargs)


_PROVINCES = ["11", "13", "21", "32", "44", "51", "53", "65", "71", "81", "82", "83"]
areas = st.builds(
    lambda p, rest: p + rest,
    st.sampled_from(_PROVINCES),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)
births = st.dates(min_value=date(1900, 1, 1), max_value=date.today())
genders = st.sampled_from(["男", "女"])


@given(seed=st.integers(), area=areas, birth=births, gender=genders)
def test_generated_numbers_always_validate(seed: int, area: str, birth: date, gender: str) -> None:
    number = generate_id_number(random.Random(seed), area=area, birth=birth, gender=gender)
    info = validate_id_number(number)
    assert info.number == number
    assert info.birth_date == birth
    assert info.gender == gender
    assert number[17] == check_char(number[:17])


@given(
    seed=st.integers(),
    area=areas,
    birth=births,
    gender=genders,
    position=st.integers(min_value=0, max_value=17),
    data=st.data(),
)
def test_changing_any_one_character_fails(
    seed: int, area: str, birth: date, gender: str, position: int, data: st.DataObject
) -> None:
    number = generate_id_number(random.Random(seed), area=area, birth=birth, gender=gender)
    replacement = data.draw(st.sampled_from([c for c in "0123456789X" if c != number[position]]))
    mutated = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(DomainError):
        validate_id_number(mutated)
