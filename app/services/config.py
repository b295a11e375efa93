"""Configuration files: the ledgers with their categories, and the deadline rule set."""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.resources import resource_path
from app.services.deadlines import Unit
from app.services.errors import DomainError

LIMIT_KEYS = (
    "village_settle",
    "township_reply",
    "township_settle",
    "county_register",
    "department_settle",
    "department_report",
)


@dataclass(frozen=True)
class LedgerSpec:
    key: str
    name: str
    code: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class LedgerConfig:
    sources: tuple[str, ...]
    five_visits: tuple[str, ...]
    ledgers: tuple[LedgerSpec, ...]

    def ledger(self, key: str) -> LedgerSpec:
        for spec in self.ledgers:
            if spec.key == key:
                return spec
        raise DomainError(f"没有名为“{key}”的台账")


@dataclass(frozen=True)
class Limit:
    key: str
    label: str
    days: int
    unit: Unit


@dataclass(frozen=True)
class RuleSet:
    name: str
    warn_days: int
    villager_share_min: float
    limits: dict[str, Limit]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise DomainError(f"找不到配置文件：{path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DomainError(f"配置文件“{path.name}”格式错误：{exc}") from exc


def _ledger_spec(raw: dict[str, Any], where: str) -> LedgerSpec:
    try:
        key, name, code = str(raw["key"]), str(raw["name"]), str(raw["code"])
        categories = tuple(str(c) for c in raw["categories"])
    except (KeyError, TypeError) as exc:
        raise DomainError(f"{where}：台账配置缺少 key、name、code 或 categories") from exc
    if not (key and name and code and categories):
        raise DomainError(f"{where}：台账“{name or key}”的名称、代码和分类都不能为空")
    return LedgerSpec(key, name, code, categories)


def load_ledger_config(extra: Path | None = None) -> LedgerConfig:
    """The standard ledgers, extended by a county's own file (new ledgers or extra categories)."""
    base = _read_toml(resource_path("ledgers.toml"))
    specs = {s.key: s for s in (_ledger_spec(r, "ledgers.toml") for r in base["ledger"])}
    sources = list(base["sources"])
    if extra is not None:
        more = _read_toml(extra)
        for raw in more.get("ledger", []):
            spec = _ledger_spec(raw, extra.name)
            if spec.key in specs:
                old = specs[spec.key]
                cats = old.categories + tuple(c for c in spec.categories if c not in old.categories)
                spec = LedgerSpec(old.key, old.name, old.code, cats)
            specs[spec.key] = spec
        sources += [s for s in more.get("sources", []) if s not in sources]
    codes = [s.code for s in specs.values()]
    if len(set(codes)) != len(codes):
        raise DomainError("台账代码（code）不能重复")
    return LedgerConfig(tuple(sources), tuple(base["five_visits"]), tuple(specs.values()))


def load_rules(path: Path | None = None) -> RuleSet:
    """The deadline rule set; every limit must be present with a non-negative day count and unit."""
    source = path or resource_path("deadline_rules.toml")
    raw = _read_toml(source)
    limits: dict[str, Limit] = {}
    for key in LIMIT_KEYS:
        entry = raw.get("limits", {}).get(key)
        if entry is None:
            raise DomainError(f"时限规则“{source.name}”缺少“{key}”一项")
        try:
            days, unit = int(entry["days"]), Unit(entry["unit"])
        except (KeyError, ValueError, TypeError) as exc:
            raise DomainError(
                f"时限规则“{key}”应写明天数（days）和单位（unit = calendar 或 working）"
            ) from exc
        if days < 0:
            raise DomainError(f"时限规则“{key}”的天数不能为负数")
        limits[key] = Limit(key, str(entry.get("label", key)), days, unit)
    try:
        warn_days = int(raw.get("warn_days", 2))
        share = float(raw.get("villager_share_min", 0.4))
    except (TypeError, ValueError) as exc:
        raise DomainError(f"时限规则“{source.name}”中的 warn_days 或 villager_share_min 不是数字") from exc
    if not 0 <= warn_days <= 30:
        raise DomainError("预警天数（warn_days）应在0到30天之间")
    if not 0 <= share <= 1:
        raise DomainError("普通村民最低占比（villager_share_min）应在0到1之间，例如0.4")
    return RuleSet(
        name=str(raw.get("name", source.stem)),
        warn_days=warn_days,
        villager_share_min=share,
        limits=limits,
    )
