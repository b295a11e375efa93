"""Pinyin search keys so people can be found by typing "zdy" or "zhangdayun" for 张大云."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style
from pypinyin.constants import PHRASES_DICT
from pypinyin.converter import DefaultConverter
from pypinyin.core import Pinyin

__all__ = [
    "name_full",
    "name_initials",
    "pinyin_full",
    "pinyin_initials",
    "search_key",
]

# pypinyin (0.55) has no surname mode (mozillazg/python-pinyin#297), so the readings of
# polyphonic characters when used as a surname are listed here: those whose default reading
# differs from the surname reading, plus a few that pypinyin misreads inside words (柏拉图).
_SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    # compound surnames first: they are matched before single characters
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "单于": ("chan", "yu"),
    "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
    "曾": ("zeng",),
    "单": ("shan",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "查": ("zha",),
    "朴": ("piao",),
    "覃": ("qin",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "乐": ("yue",),
    "盖": ("ge",),
    "秘": ("bi",),
    "种": ("chong",),
    "员": ("yun",),
    "贠": ("yun",),
    "召": ("shao",),
    "折": ("she",),
    "祭": ("zhai",),
    "句": ("gou",),
    "阚": ("kan",),
    "卜": ("bu",),
    "薄": ("bo",),
    "繁": ("po",),
    "长": ("chang",),
    "重": ("chong",),
    "乜": ("nie",),
    "洗": ("xian",),
    "藏": ("zang",),
    "都": ("du",),
    "佴": ("nai",),
    "粘": ("nian",),
    "郇": ("xun",),
    "六": ("lu",),
    "扎": ("za",),
    "柏": ("bai",),
    "华": ("hua",),
    "任": ("ren",),
}
_COMPOUND_SURNAMES = tuple(k for k in _SURNAME_READINGS if len(k) == 2)

# Readings for characters that pypinyin converts on their own (not inside a known word) where
# its default is the rarer reading in names and place names: 王长贵 is wang chang gui.
_SINGLE_CHAR_READINGS: dict[str, str] = {
    "长": "cháng",
}


class _Converter(DefaultConverter):
    """pypinyin converter that prefers _SINGLE_CHAR_READINGS outside known words."""

    def post_pinyin(self, han, heteronym, pinyin, **kwargs):  # type: ignore[no-untyped-def]
        if han in PHRASES_DICT or not any(ch in _SINGLE_CHAR_READINGS for ch in han):
            return None
        if len(pinyin) != len(han):
            return None
        return [
            [_SINGLE_CHAR_READINGS[ch]] if ch in _SINGLE_CHAR_READINGS else readings
            for ch, readings in zip(han, pinyin, strict=True)
        ]


_PINYIN = Pinyin(_Converter())


def _syllables(text: str, style: Style) -> list[str]:
    """Pinyin syllables of text; non-Chinese runs are kept, lower-cased, without whitespace."""
    out: list[str] = []
    for item in _PINYIN.lazy_pinyin(text, style=style):
        cleaned = "".join(item.split()).lower()
        if cleaned:
            out.append(cleaned)
    return out


@lru_cache(maxsize=65536)  # surnames and given names repeat: 王, 张, 秀兰 … (an import converts thousands)
def pinyin_initials(text: str) -> str:
    """张大云 -> zdy; 王长贵 -> wcg; other characters kept lower-cased (A栋3号 -> ad3h)."""
    return "".join(_syllables(text or "", Style.FIRST_LETTER))


@lru_cache(maxsize=65536)
def pinyin_full(text: str) -> str:
    """张大云 -> zhangdayun (no tones, ü written as v: 吕 -> lv)."""
    return "".join(_syllables(text or "", Style.NORMAL))


def _split_surname(name: str) -> tuple[str, tuple[str, ...] | None, str]:
    """(surname, its override readings or None, given name)."""
    if len(name) > 2 and name[:2] in _COMPOUND_SURNAMES:
        return name[:2], _SURNAME_READINGS[name[:2]], name[2:]
    return name[:1], _SURNAME_READINGS.get(name[:1]), name[1:]


def name_full(name: str) -> str:
    """Full pinyin of a person's name with the surname read as a surname: 曾小明 -> zengxiaoming."""
    text = "".join((name or "").split())
    if not text:
        return ""
    surname, readings, given = _split_surname(text)
    head = "".join(readings) if readings else pinyin_full(surname)
    return head + pinyin_full(given)


def name_initials(name: str) -> str:
    """Initials of a person's name with the surname read as a surname: 单田芳 -> stf."""
    text = "".join((name or "").split())
    if not text:
        return ""
    surname, readings, given = _split_surname(text)
    head = "".join(r[0] for r in readings) if readings else pinyin_initials(surname)
    return head + pinyin_initials(given)


@lru_cache(maxsize=65536)
def search_key(*parts: str) -> str:
    """One string for SQL LIKE '%q%': per non-empty part its text, initials and full pinyin.

    Parts may be names, so the surname readings (曾 zeng, 单 shan ...) are added as extra
    alternatives when they differ; extra alternatives only widen matches. Duplicates are
    dropped and the pieces are joined with "|", e.g. "张大云|zdy|zhangdayun".
    """
    pieces: list[str] = []
    for part in parts:
        text = (part or "").strip()
        if not text:
            continue
        candidates = (
            text.lower(),
            pinyin_initials(text),
            pinyin_full(text),
            name_initials(text),
            name_full(text),
        )
        for candidate in candidates:
            if candidate and candidate not in pieces:
                pieces.append(candidate)
    return "|".join(pieces)


LIKE_ESCAPE = "\\"


def like_pattern(query: str) -> str:
    """A LIKE '%…%' pattern for what the user typed: spaces and '|' dropped, % and _ taken literally."""
    text = "".join(query.split()).lower().replace("|", "")
    return "%" + text.translate({ord(c): LIKE_ESCAPE + c for c in "\\%_"}) + "%"
