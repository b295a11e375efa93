"""Tests for app.services.searchkeys: pinyin initials, full pinyin, surnames and search keys."""

from __future__ import annotations

import sqlite3

import pytest

from app.services.searchkeys import (
    name_full,
    name_initials,
    pinyin_full,
    pinyin_initials,
    search_key,
)


@pytest.mark.parametrize(
    ("text", "initials", "full"),
    [
        ("张大云", "zdy", "zhangdayun"),
        ("王长贵", "wcg", "wangchanggui"),
        ("刘长林", "lcl", "liuchanglin"),
        ("吕布", "lb", "lvbu"),
        ("村长", "cz", "cunzhang"),  # inside a known word pypinyin's reading is kept
        ("银行", "yh", "yinhang"),
        ("A栋3号", "ad3h", "adong3hao"),
        ("ABC", "abc", "abc"),
        (" 张 三 ", "zs", "zhangsan"),
        ("", "", ""),
    ],
)
def test_pinyin(text: str, initials: str, full: str) -> None:
    assert pinyin_initials(text) == initials
    assert pinyin_full(text) == full


@pytest.mark.parametrize(
    ("name", "initials", "full"),
    [
        ("曾小明", "zxm", "zengxiaoming"),
        ("曾国藩", "zgf", "zengguofan"),
        ("单田芳", "stf", "shantianfang"),
        ("解小东", "xxd", "xiexiaodong"),
        ("仇英", "qy", "qiuying"),
        ("区小平", "oxp", "ouxiaoping"),
        ("朴树", "ps", "piaoshu"),
        ("翟志刚", "zzg", "zhaizhigang"),
        ("查良镛", "zly", "zhaliangyong"),
        ("覃明", "qm", "qinming"),
        ("缪斯", "ms", "miaosi"),
        ("尉迟恭", "ycg", "yuchigong"),
        ("万俟卨", "mqx", "moqixie"),
        ("长孙无忌", "zswj", "zhangsunwuji"),
        ("张大云", "zdy", "zhangdayun"),
        ("王长贵", "wcg", "wangchanggui"),
        ("欧阳娜娜", "oynn", "ouyangnana"),
        ("曾", "z", "zeng"),
        ("", "", ""),
    ],
)
def test_name_uses_surname_readings(name: str, initials: str, full: str) -> None:
    assert name_initials(name) == initials
    assert name_full(name) == full


def test_only_the_first_character_is_read_as_a_surname() -> None:
    # 曾 inside the given name keeps its ordinary reading (曾经 ceng)
    assert name_full("张曾") == "zhangceng"
    assert name_initials("单单") == "sd"


def test_search_key_format() -> None:
    assert search_key("张大云") == "张大云|zdy|zhangdayun"
    assert search_key("张大云", "", "  ", "幸福村") == "张大云|zdy|zhangdayun|幸福村|xfc|xingfucun"
    assert search_key() == ""
    assert search_key("", "  ") == ""
    assert search_key("ABC") == "abc"  # duplicates are dropped


def test_search_key_includes_both_readings_of_polyphonic_surnames() -> None:
    key = search_key("曾小明")
    assert key.split("|") == ["曾小明", "cxm", "cengxiaoming", "zxm", "zengxiaoming"]
    assert "shantianfang" in search_key("单田芳")
    assert "dantianfang" in search_key("单田芳")


def test_search_key_works_with_sql_like() -> None:
    con = sqlite3.connect(":memory:")
    con.execute("create table person (name text, key text)")
    people = ["张大云", "王长贵", "曾小明", "单田芳", "李四"]
    con.executemany("insert into person values (?, ?)", [(n, search_key(n, "幸福村")) for n in people])

    def find(q: str) -> list[str]:
        rows = con.execute("select name from person where key like ? order by name", (f"%{q.lower()}%",))
        return [r[0] for r in rows]

    assert find("zdy") == ["张大云"]
    assert find("ZhangDa") == ["张大云"]
    assert find("wcg") == ["王长贵"]
    assert find("zengx") == ["曾小明"]
    assert find("shantian") == ["单田芳"]
    assert find("大云") == ["张大云"]
    assert len(find("xfc")) == len(people)
    con.close()


def test_like_pattern_takes_wildcards_literally_and_ignores_spaces():
    from app.services.searchkeys import like_pattern

    assert like_pattern(" W c G ") == "%wcg%"
    assert like_pattern("50%_a") == "%50\\%\\_a%"
    assert like_pattern("g|w") == "%gw%"
