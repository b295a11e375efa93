"""Resident ID numbers, phone numbers, masking and sensitive-data detection (pure functions)."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from app.services.errors import DomainError

__all__ = [
    "IdInfo",
    "Sensitive",
    "SensitiveKind",
    "check_gender_matches",
    "find_sensitive",
    "generate_id_number",
    "id_check_character",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "redact_sensitive",
    "validate_id_number",
    "validate_phone",
]

# --------------------------------------------------------------------------------------------
# Resident ID numbers (GB 11643-1999)
# --------------------------------------------------------------------------------------------

# ISO 7064 MOD 11-2: weight of position i (0-based, left to right) is 2**(17 - i) mod 11.
_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character for each value of (weighted sum mod 11); a value of 10 is written "X".
_CHECK_CHARS = "10X98765432"

# Province-level codes of GB/T 2260 (the first two digits of the address code).
# 71 is Taiwan province as listed in GB/T 2260. 81/82/83 are used by the residence permits
# for Hong Kong, Macao and Taiwan residents (港澳台居民居住证, issued since 2018 with address
# codes 810000/820000/830000); they follow the same 18-digit format and such residents may
# appear in village rosters, so all four are deliberately accepted.
_PROVINCE_CODES: frozenset[str] = frozenset(
    [str(n) for n in range(11, 16)]
    + [str(n) for n in range(21, 24)]
    + [str(n) for n in range(31, 38)]
    + [str(n) for n in range(41, 47)]
    + [str(n) for n in range(50, 55)]
    + [str(n) for n in range(61, 66)]
    + ["71", "81", "82", "83"]
)

_EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class IdInfo:
    """A validated resident ID number and what it tells about its holder."""

    number: str
    birth_date: date
    gender: str  # "男" or "女"

    def age(self, on: date | None = None) -> int:
        """Full years of age on the given day (default today)."""
        day = on or date.today()
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


def id_check_character(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("first17 must be exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _normalise_id(raw: str) -> str:
    # NFKC turns full-width digits and letters (common with Chinese IMEs) into ASCII ones.
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(text.split())
    if text.endswith("x"):
        text = text[:-1] + "X"
    return text


def validate_id_number(raw: str, *, today: date | None = None) -> IdInfo:
    """Validate an 18-digit resident ID number; raise DomainError with a Chinese reason."""
    number = _normalise_id(raw)
    if not number:
        raise DomainError("身份证号不能为空")
    if len(number) != 18:
        if len(number) == 15 and number.isascii() and number.isdigit():
            raise DomainError("身份证号应为18位，当前为15位（15位旧号码已停用，请填写18位号码）")
        raise DomainError(f"身份证号应为18位，当前为{len(number)}位")
    body, last = number[:17], number[17]
    if not (body.isascii() and body.isdigit() and (last == "X" or last in "0123456789")):
        raise DomainError("身份证号只能包含数字，最后一位可以是X")
    if number[:2] not in _PROVINCE_CODES:
        raise DomainError("身份证号前两位不是有效的省级代码")

    y, m, d = number[6:10], number[10:12], number[12:14]
    shown = f"{y}年{m}月{d}日"
    try:
        birth = date(int(y), int(m), int(d))
    except ValueError:
        raise DomainError(f"身份证号中的出生日期无效：{shown}") from None
    if birth < _EARLIEST_BIRTH:
        raise DomainError(f"身份证号中的出生日期早于1900年：{shown}")
    if birth > (today or date.today()):
        raise DomainError(f"身份证号中的出生日期晚于今天：{shown}")

    # Never reveal the expected check character: it would help fabricate numbers.
    if id_check_character(body) != last:
        raise DomainError("身份证号校验位不正确，请核对")

    gender = "男" if int(number[16]) % 2 == 1 else "女"
    return IdInfo(number=number, birth_date=birth, gender=gender)


_GENDER_ALIASES = {"男": "男", "男性": "男", "女": "女", "女性": "女"}


def check_gender_matches(info: IdInfo, gender: str) -> None:
    """Raise DomainError when a stated gender contradicts the ID number; blank is not checked."""
    stated = (gender or "").strip()
    if not stated:
        return
    normalised = _GENDER_ALIASES.get(stated)
    if normalised is None:
        raise DomainError("性别只能填写“男”或“女”")
    if normalised != info.gender:
        raise DomainError(f"性别与身份证号不符（身份证号显示为{info.gender}）")


def generate_id_number(rng: random.Random, *, area: str, birth: date, gender: str) -> str:
    """Build a valid ID number (for demo data and tests) with a random sequence code."""
    if len(area) != 6 or not area.isascii() or not area.isdigit():
        raise ValueError("area must be a 6-digit address code")
    if area[:2] not in _PROVINCE_CODES:
        raise ValueError(f"unknown province code in area {area!r}")
    if gender not in ("男", "女"):
        raise ValueError("gender must be '男' or '女'")
    if birth < _EARLIEST_BIRTH:
        raise ValueError("birth must not be before 1900-01-01")
    order = rng.randrange(0, 100)
    sex_digit = rng.choice((1, 3, 5, 7, 9) if gender == "男" else (0, 2, 4, 6, 8))
    first17 = f"{area}{birth:%Y%m%d}{order:02d}{sex_digit}"
    return first17 + id_check_character(first17)


# --------------------------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------------------------

_PHONE_ERROR = "联系电话格式不正确：应为11位手机号或带区号的固定电话"

_MOBILE_RE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
_LANDLINE_RE = re.compile(
    r"(?P<open>\()?(?P<area>0\d{2,3})(?(open)\))(?P<sep>-?)(?P<local>\d{7,8})"
    r"(?:(?:-|转)(?P<ext>\d{1,4}))?"
)


def _split_landline(area: str, local: str, *, explicit: bool) -> tuple[str, str]:
    """Decide where the area code ends when the user gave no separator.

    Mainland area codes are 3 digits for Beijing (010) and 020-029, 4 digits for all others.
    """
    if explicit:
        return area, local
    digits = area + local
    size = 3 if digits[1] in "12" else 4
    return digits[:size], digits[size:]


def _parse_phone(raw: str) -> tuple[str, str, str] | None:
    """Return ("mobile", number, "") or ("landline", "area-local", ext), or None."""
    text = unicodedata.normalize("NFKC", raw or "")
    compact = "".join(text.split())
    mobile = _MOBILE_RE.fullmatch(compact.replace("-", ""))
    if mobile:
        return "mobile", mobile.group(1), ""
    land = _LANDLINE_RE.fullmatch(compact)
    if not land:
        return None
    explicit = bool(land.group("open") or land.group("sep"))
    area, local = _split_landline(land.group("area"), land.group("local"), explicit=explicit)
    if not 7 <= len(local) <= 8:
        return None
    return "landline", f"{area}-{local}", land.group("ext") or ""


def validate_phone(raw: str) -> str:
    """Normalise a mobile (13812345678) or landline (0838-1234567, 0838-1234567转12) number."""
    if not (raw or "").strip():
        raise DomainError("联系电话不能为空")
    parsed = _parse_phone(raw)
    if parsed is None:
        raise DomainError(_PHONE_ERROR)
    _kind, number, ext = parsed
    return f"{number}转{ext}" if ext else number


# --------------------------------------------------------------------------------------------
# Masking
# --------------------------------------------------------------------------------------------


def _mask_middle(text: str, keep_head: int, keep_tail: int) -> str:
    if len(text) <= keep_head + keep_tail:
        return "*" * len(text)
    return text[:keep_head] + "*" * (len(text) - keep_head - keep_tail) + text[-keep_tail:]


def mask_id_number(n: str) -> str:
    """510623199001011234 -> 510623********1234 (keep the first 6 and the last 4)."""
    number = _normalise_id(n)
    if len(number) >= 11:
        return _mask_middle(number, 6, 4)
    return _mask_middle(number, 1, 1)


def mask_phone(p: str) -> str:
    """13812345678 -> 138****5678; 0838-1234567 -> 0838-*****67 (area code and last 2 kept)."""
    parsed = _parse_phone(p)
    if parsed is None:
        text = "".join((p or "").split())
        return _mask_middle(text, 3, 2)
    kind, number, ext = parsed
    if kind == "mobile":
        return _mask_middle(number, 3, 4)
    area, local = number.split("-")
    masked = f"{area}-{_mask_middle(local, 0, 2)}"
    return f"{masked}转{ext}" if ext else masked


_COMPOUND_SURNAMES: frozenset[str] = frozenset(
    ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙"]
)


def mask_name(name: str, style: str = "某某") -> str:
    """张大云 -> 张某某 (style "某某") or 张** (style "*"); 张三 -> 张某; 欧阳娜娜 -> 欧阳某某.

    The surname is kept; each character of the given name becomes "某" (at most two) or "*".
    """
    text = (name or "").strip()
    if not text:
        return ""
    surname_len = 2 if len(text) > 2 and text[:2] in _COMPOUND_SURNAMES else 1
    surname, given = text[:surname_len], text[surname_len:]
    count = max(len(given), 1)
    if style == "*":
        return surname + "*" * count
    return surname + "某" * min(count, 2)


# --------------------------------------------------------------------------------------------
# Finding sensitive numbers in free text
# --------------------------------------------------------------------------------------------

SensitiveKind = Literal["身份证号", "电话号码"]


@dataclass(frozen=True, slots=True)
class Sensitive:
    """A piece of text that looks like an ID or phone number; text == source[start:end]."""

    kind: SensitiveKind
    start: int
    end: int
    text: str


# Digit runs are delimited so that a match is never a slice of a longer number. Phones must
# also not continue a hyphenated digit group ("510623105201-..." serials, "2026-0012") nor be
# the integer part of a decimal amount.
_ID_PATTERN = r"(?<!\d)(?:\d{17}[\dXx]|\d{6} \d{8} \d{3}[\dXx]|\d{15})(?![\dXx])"
_PHONE_BEFORE = r"(?<!\d)(?<!\d-)(?<!\d\.)"
_PHONE_AFTER = r"(?!-?\d)(?!\.\d)"
_MOBILE_PATTERN = r"(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}"
_LANDLINE_PATTERN = r"(?:\(0\d{2,3}\)|0\d{2,3})[- ]?\d{7,8}(?:(?:-|转)\d{1,4})?"
_SENSITIVE_RE = re.compile(
    rf"(?P<id>{_ID_PATTERN})"
    rf"|{_PHONE_BEFORE}(?P<phone>{_MOBILE_PATTERN}|{_LANDLINE_PATTERN}){_PHONE_AFTER}"
)


def find_sensitive(text: str) -> list[Sensitive]:
    """Find substrings that look like resident ID numbers or phone numbers, left to right."""
    found: list[Sensitive] = []
    if not text:
        return found
    # Match on an NFKC copy so full-width digits count too; NFKC keeps the length of digits,
    # letters and ASCII punctuation, so offsets stay valid whenever lengths agree.
    normalised = unicodedata.normalize("NFKC", text)
    haystack = normalised if len(normalised) == len(text) else text
    for m in _SENSITIVE_RE.finditer(haystack):
        kind: SensitiveKind = "身份证号" if m.group("id") else "电话号码"
        if kind == "电话号码" and _parse_phone(m.group()) is None:
            continue
        found.append(Sensitive(kind, m.start(), m.end(), text[m.start() : m.end()]))
    return found


def redact_sensitive(text: str) -> tuple[str, list[Sensitive]]:
    """Replace every ID or phone number in text with its masked form."""
    found = find_sensitive(text)
    pieces: list[str] = []
    pos = 0
    for item in found:
        pieces.append(text[pos : item.start])
        if item.kind == "身份证号":
            pieces.append(mask_id_number(item.text))
        else:
            pieces.append(mask_phone(item.text))
        pos = item.end
    pieces.append(text[pos:])
    return "".join(pieces), found
