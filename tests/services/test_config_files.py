"""The data folder's configuration files: written safely, loaded back, bad input refused untouched."""

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from app.services import config_files as cf
from app.services.config import load_ledger_config, load_rules
from app.services.context import load_settings
from app.services.deadlines import Unit
from app.services.errors import DomainError
from app.services.privacy import PRIVACY_FILE, PrivacyPolicy, load_privacy, save_privacy

KEYS = ["minsheng", "kunnan", "wending"]


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# --- ledgers ------------------------------------------------------------------------------------


def test_add_category_round_trips_through_load_ledger_config(tmp_path: Path):
    cf.add_category(data_dir=tmp_path, config=load_ledger_config(), ledger_key="minsheng", name="饮水安全")
    config = load_ledger_config(tmp_path / cf.LEDGERS_FILE)
    assert config.ledger("minsheng").categories[-1] == "饮水安全"
    assert config.ledger("minsheng").categories[0] == "经济发展"  # the standard ones stay
    assert config.ledger("kunnan").categories == load_ledger_config().ledger("kunnan").categories
    assert _leftovers(tmp_path) == []


def test_a_second_category_keeps_the_first_and_other_keys_of_the_file(tmp_path: Path):
    (tmp_path / cf.LEDGERS_FILE).write_text('sources = ["村民微信群"]\n', encoding="utf-8")
    config = cf.add_category(data_dir=tmp_path, config=load_ledger_config(), ledger_key="wending", name="甲")
    config = cf.add_category(data_dir=tmp_path, config=config, ledger_key="wending", name='乙"引号\\')
    loaded = load_ledger_config(tmp_path / cf.LEDGERS_FILE)
    assert loaded.ledger("wending").categories[-2:] == ("甲", '乙"引号\\')
    assert "村民微信群" in loaded.sources


def test_add_ledger_round_trips_and_derives_its_key(tmp_path: Path):
    new = cf.NewLedger("", "留守儿童台账", "lset", ("学习教育", "生活照料", ""))
    config = cf.add_ledger(data_dir=tmp_path, config=load_ledger_config(), new=new)
    spec = load_ledger_config(tmp_path / cf.LEDGERS_FILE).ledger("liushouertong")
    assert (spec.name, spec.code, spec.categories) == ("留守儿童台账", "LSET", ("学习教育", "生活照料"))
    assert config.ledger("liushouertong") == spec
    assert load_settings(tmp_path).ledgers.ledger("liushouertong") == spec


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (cf.NewLedger("", "", "LSET", ("甲",)), "台账名称"),
        (cf.NewLedger("", "留守儿童台账", "L", ("甲",)), "2到4个大写英文字母"),
        (cf.NewLedger("", "留守儿童台账", "LS3", ("甲",)), "2到4个大写英文字母"),
        (cf.NewLedger("", "留守儿童台账", "MS", ("甲",)), "已被“民生台账”使用"),
        (cf.NewLedger("minsheng", "留守儿童台账", "LSET", ("甲",)), "已被“民生台账”使用"),
        (cf.NewLedger("", "民生台账", "XX", ("甲",)), "已经有一本"),
        (cf.NewLedger("", "留守儿童台账", "LSET", ("", " ")), "至少填写一个分类"),
        (cf.NewLedger("", "留守儿童台账", "LSET", ("甲", "甲")), "写了两次"),
        (cf.NewLedger("Bad Key", "留守儿童台账", "LSET", ("甲",)), "台账标识"),
    ],
)
def test_a_bad_new_ledger_is_refused_and_the_file_untouched(tmp_path: Path, new, message):
    cf.add_category(data_dir=tmp_path, config=load_ledger_config(), ledger_key="minsheng", name="饮水安全")
    before = (tmp_path / cf.LEDGERS_FILE).read_bytes()
    with pytest.raises(DomainError, match=message):
        cf.add_ledger(data_dir=tmp_path, config=load_ledger_config(tmp_path / cf.LEDGERS_FILE), new=new)
    assert (tmp_path / cf.LEDGERS_FILE).read_bytes() == before
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "message"), [("", "请填写"), ("土地流转", "已经有"), ("甲\n乙", "控制字符")]
)
def test_a_bad_category_is_refused_and_nothing_written(tmp_path: Path, name, message):
    with pytest.raises(DomainError, match=message):
        cf.add_category(data_dir=tmp_path, config=load_ledger_config(), ledger_key="minsheng", name=name)
    assert not (tmp_path / cf.LEDGERS_FILE).exists()
    with pytest.raises(DomainError, match="没有名为"):
        cf.add_category(data_dir=tmp_path, config=load_ledger_config(), ledger_key="nope", name="甲")


def test_a_broken_ledgers_file_is_reported_not_overwritten(tmp_path: Path):
    path = tmp_path / cf.LEDGERS_FILE
    path.write_text("[[ledger]\nkey = ", encoding="utf-8")
    with pytest.raises(DomainError, match="格式错误"):
        cf.add_category(data_dir=tmp_path, config=load_ledger_config(), ledger_key="minsheng", name="甲")
    assert path.read_text(encoding="utf-8") == "[[ledger]\nkey = "


def test_suggested_keys_and_codes():
    assert cf.suggest_key("留守儿童台账") == "liushouertong"
    assert cf.suggest_key("留守儿童台账", ["liushouertong"]) == "liushouertong2"
    assert cf.suggest_code("留守儿童台账") == "LSET"
    assert cf.suggest_code("留守老人台账", ["LSLR"]) == "LSL"


# --- deadline rules -----------------------------------------------------------------------------


def _changed_rules(days: int = 7, unit: Unit = Unit.WORKING):
    rules = load_rules()
    limits = dict(rules.limits)
    limits["village_settle"] = replace(limits["village_settle"], days=days, unit=unit)
    return replace(rules, limits=limits, warn_days=3, villager_share_min=0.5)


def test_save_rules_round_trips_through_load_rules(tmp_path: Path):
    saved = cf.save_rules(data_dir=tmp_path, rules=_changed_rules())
    loaded = load_rules(tmp_path / cf.RULES_FILE)
    assert loaded == saved
    assert loaded.limits["village_settle"].days == 7
    assert loaded.limits["village_settle"].unit is Unit.WORKING
    assert loaded.limits["township_reply"] == load_rules().limits["township_reply"]
    assert (loaded.warn_days, loaded.villager_share_min) == (3, 0.5)
    assert load_settings(tmp_path).rules == loaded
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (_changed_rules(days=-1), "0到90"),
        (_changed_rules(days=91), "0到90"),
        (replace(_changed_rules(), warn_days=-2), "提前预警"),
        (replace(_changed_rules(), villager_share_min=1.5), "0%到100%"),
        (replace(_changed_rules(), name=" "), "规则名称"),
    ],
)
def test_bad_rules_are_refused_and_the_file_untouched(tmp_path: Path, rules, message):
    cf.save_rules(data_dir=tmp_path, rules=_changed_rules(days=6))
    before = (tmp_path / cf.RULES_FILE).read_bytes()
    with pytest.raises(DomainError, match=message):
        cf.save_rules(data_dir=tmp_path, rules=rules)
    assert (tmp_path / cf.RULES_FILE).read_bytes() == before


def test_a_file_that_does_not_load_back_is_never_put_in_place(tmp_path: Path):
    target = tmp_path / "x.toml"
    target.write_text("old = 1\n", encoding="utf-8")

    def refuse(_tmp: Path) -> None:
        raise DomainError("读回失败")

    with pytest.raises(DomainError, match="设置没有保存：读回失败"):
        cf.write_atomic(target, "new = 2\n", refuse)
    assert target.read_text(encoding="utf-8") == "old = 1\n"
    assert _leftovers(tmp_path) == []


def test_dump_toml_escapes_what_toml_needs():
    text = cf.dump_toml({"a": 'x"y\\z\t\x7f', "n": [1, 2], "t": {"b": True, "f": 0.25}})
    assert tomllib.loads(text) == {"a": 'x"y\\z\t\x7f', "n": [1, 2], "t": {"b": True, "f": 0.25}}


# --- wall privacy -------------------------------------------------------------------------------


def test_privacy_defaults_mask_every_name_and_post_stability_as_counts(tmp_path: Path):
    policies = load_privacy(tmp_path, KEYS)
    assert all(p.mask_names and p.name_style == "某某" for p in policies.values())
    assert policies["minsheng"].show_details and policies["kunnan"].show_details
    assert policies["wending"].show_details is False


def test_privacy_round_trip(tmp_path: Path):
    chosen = {
        "minsheng": PrivacyPolicy(mask_names=False, name_style="*", show_details=True),
        "kunnan": PrivacyPolicy(mask_names=True, name_style="*", show_details=False),
        "wending": PrivacyPolicy(mask_names=True, name_style="某某", show_details=True),
    }
    assert save_privacy(tmp_path, chosen) == chosen
    assert load_privacy(tmp_path, KEYS) == chosen
    assert load_privacy(tmp_path, [*KEYS, "liushouertong"])["liushouertong"] == PrivacyPolicy()


@pytest.mark.parametrize(
    "content",
    [
        "[[ledger\n",
        b"\xff\xfe garbage",
        'ledger = "x"\n',
        '[ledger.minsheng]\nmask_names = "no"\nname_style = "##"\nshow_details = 3\n'
        '[ledger.wending]\nshow_details = "yes"\n',
    ],
)
def test_a_corrupt_privacy_file_gives_the_defaults(tmp_path: Path, content):
    path = tmp_path / PRIVACY_FILE
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    assert load_privacy(tmp_path, KEYS) == load_privacy(tmp_path / "missing", KEYS)


def test_a_bad_privacy_style_is_refused(tmp_path: Path):
    with pytest.raises(DomainError, match="打码样式"):
        save_privacy(tmp_path, {"minsheng": PrivacyPolicy(name_style="##")})
    assert not (tmp_path / PRIVACY_FILE).exists()
