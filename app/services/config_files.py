"""Writing the data folder's configuration files (ledgers, deadline rules) safely: validate, then replace."""

import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypinyin import Style, lazy_pinyin

from app.services.config import (
    LIMIT_KEYS,
    LedgerConfig,
    RuleSet,
    load_ledger_config,
    load_rules,
)
from app.services.deadlines import Unit
from app.services.errors import DomainError

LEDGERS_FILE = "ledgers.toml"
RULES_FILE = "deadline_rules.toml"
MAX_LIMIT_DAYS = 90
MAX_WARN_DAYS = 30
MAX_NAME_LENGTH = 20
_CODE = re.compile(r"^[A-Z]{2,4}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

LEDGERS_HEADER = (
    "# 本县（本村）增加的台账和分类，由“设置”页写入；与程序自带的 ledgers.toml 合并使用。\n"
    "# 台账和分类只能增加，不能删除（已有事项在使用）。\n"
)
RULES_HEADER = (
    "# 限时结账规则，由“设置”页写入；unit = calendar（自然日）或 working（工作日）。\n"
    "# 收到之日不计入，从次日起算；期限最后一天遇法定节假日顺延到节假日后的第一天。\n"
)


# ---------------------------------------------------------------------------------------------
# Writing TOML (only the shapes our files use: strings, numbers, booleans, string lists, tables)
# ---------------------------------------------------------------------------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as a TOML value")


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def dump_toml(data: dict[str, Any], header: str = "") -> str:
    """Top-level values first, then tables and arrays of tables (one level of nesting deep enough)."""
    lines = [header.rstrip("\n")] if header else []
    _dump_table(lines, (), data)
    return "\n".join(lines).lstrip("\n") + "\n"


def _dump_table(lines: list[str], path: tuple[str, ...], table: dict[str, Any]) -> None:
    nested = {}
    for key, value in table.items():
        if isinstance(value, dict) or _is_table_array(value):
            nested[key] = value
        else:
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    for key, value in nested.items():
        sub = (*path, toml_key(key))
        if isinstance(value, dict):
            only_tables = value and all(isinstance(v, dict) for v in value.values())
            if not only_tables:  # [limits] above [limits.village_settle] would be noise
                lines += ["", f"[{'.'.join(sub)}]"]
            _dump_table(lines, sub, value)
        else:
            for entry in value:
                lines += ["", f"[[{'.'.join(sub)}]]"]
                _dump_table(lines, sub, entry)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def write_atomic(path: Path, text: str, validate: Callable[[Path], object]) -> None:
    """Write to a temporary file beside `path`, check it with `validate`, then replace `path`.

    On any failure the old file is untouched and the temporary file removed.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise DomainError(f"无法写入数据文件夹“{path.parent}”：{exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            validate(tmp)
        except DomainError as exc:
            raise DomainError(f"设置没有保存：{exc.message}") from exc
        os.replace(tmp, path)
    except OSError as exc:
        raise DomainError(f"无法保存“{path.name}”：{exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def read_raw(path: Path) -> dict[str, Any]:
    """The file's contents as a dict ({} if missing); a broken file is reported, never overwritten."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DomainError(f"数据文件夹中的“{path.name}”格式错误，请先修正或移走它：{exc}") from exc


# ---------------------------------------------------------------------------------------------
# Ledgers and categories (only ever added)
# ---------------------------------------------------------------------------------------------


def check_name(text: str, what: str) -> str:
    name = (text or "").strip()
    if not name:
        raise DomainError(f"请填写{what}")
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError(f"{what}太长了（最多{MAX_NAME_LENGTH}个字）")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        raise DomainError(f"{what}中不能有换行等控制字符")
    return name


def suggest_key(name: str, taken: Iterable[str] = ()) -> str:
    """A ledger key from the pinyin of its name: 留守儿童台账 → liushouertong."""
    base = re.sub(r"台账$", "", name.strip()) or name.strip()
    key = "".join(lazy_pinyin(base, errors="ignore")).lower()
    key = re.sub(r"[^a-z0-9]", "", key)[:30] or "ledger"
    if not key[0].isalpha():
        key = "tz" + key
    used, candidate, n = set(taken), key, 2
    while candidate in used:
        candidate, n = f"{key}{n}", n + 1
    return candidate


def suggest_code(name: str, taken: Iterable[str] = ()) -> str:
    """A ledger code from the pinyin initials: 留守儿童台账 → LSET (2–4 capital letters)."""
    base = re.sub(r"台账$", "", name.strip()) or name.strip()
    letters = "".join(lazy_pinyin(base, style=Style.FIRST_LETTER, errors="ignore")).upper()
    letters = re.sub(r"[^A-Z]", "", letters)
    used = set(taken)
    for size in (4, 3, 2):
        code = letters[:size]
        if len(code) == size and code not in used:
            return code
    return ""


def add_category(*, data_dir: Path, config: LedgerConfig, ledger_key: str, name: str) -> LedgerConfig:
    """Add one category to a ledger in the data folder's ledgers.toml; returns the new configuration."""
    spec = config.ledger(ledger_key)
    name = check_name(name, "分类名称")
    if name in spec.categories:
        raise DomainError(f"“{spec.name}”已经有“{name}”这个分类")
    path = data_dir / LEDGERS_FILE
    raw = read_raw(path)
    entries = _ledger_entries(raw)
    entry = next((e for e in entries if e.get("key") == ledger_key), None)
    if entry is None:
        entries.append({"key": spec.key, "name": spec.name, "code": spec.code, "categories": [name]})
    else:
        entry["categories"] = [*entry.get("categories", []), name]
    return _write_ledgers(path, raw, entries)


@dataclass(frozen=True)
class NewLedger:
    key: str
    name: str
    code: str
    categories: tuple[str, ...]


def check_new_ledger(config: LedgerConfig, new: NewLedger) -> NewLedger:
    """Every rule for a new ledger, checked before anything is written."""
    name = check_name(new.name, "台账名称")
    code = (new.code or "").strip().upper()
    key = (new.key or "").strip() or suggest_key(name, [s.key for s in config.ledgers])
    if not _CODE.match(code):
        raise DomainError("台账代码应为2到4个大写英文字母（如 LSET），用在事项编号里")
    if not _KEY.match(key):
        raise DomainError("台账标识只能用小写英文字母、数字和下划线，以字母开头")
    for spec in config.ledgers:
        if spec.name == name:
            raise DomainError(f"已经有一本“{name}”")
        if spec.code == code:
            raise DomainError(f"台账代码“{code}”已被“{spec.name}”使用，请换一个")
        if spec.key == key:
            raise DomainError(f"台账标识“{key}”已被“{spec.name}”使用，请换一个")
    categories: list[str] = []
    for raw_cat in new.categories:
        if raw_cat.strip():
            cat = check_name(raw_cat, "分类名称")
            if cat in categories:
                raise DomainError(f"分类“{cat}”写了两次")
            categories.append(cat)
    if not categories:
        raise DomainError("请至少填写一个分类（每行一个）")
    return NewLedger(key, name, code, tuple(categories))


def add_ledger(*, data_dir: Path, config: LedgerConfig, new: NewLedger) -> LedgerConfig:
    """Append a new ledger to the data folder's ledgers.toml; returns the new configuration."""
    new = check_new_ledger(config, new)
    path = data_dir / LEDGERS_FILE
    raw = read_raw(path)
    entries = _ledger_entries(raw)
    entries.append({"key": new.key, "name": new.name, "code": new.code, "categories": list(new.categories)})
    return _write_ledgers(path, raw, entries)


def _ledger_entries(raw: dict[str, Any]) -> list[dict[str, Any]]:
    entries = raw.get("ledger", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise DomainError(f"数据文件夹中的“{LEDGERS_FILE}”格式错误：[[ledger]] 应是表格列表")
    return [dict(e) for e in entries]


def _write_ledgers(path: Path, raw: dict[str, Any], entries: list[dict[str, Any]]) -> LedgerConfig:
    data = {k: v for k, v in raw.items() if k != "ledger"}
    data["ledger"] = entries
    loaded: list[LedgerConfig] = []
    write_atomic(path, dump_toml(data, LEDGERS_HEADER), lambda tmp: loaded.append(load_ledger_config(tmp)))
    return loaded[0]


# ---------------------------------------------------------------------------------------------
# Deadline rules
# ---------------------------------------------------------------------------------------------


def check_rules(rules: RuleSet) -> None:
    if not rules.name.strip():
        raise DomainError("请填写规则名称")
    for key in LIMIT_KEYS:
        limit = rules.limits.get(key)
        if limit is None:
            raise DomainError(f"时限规则缺少“{key}”一项")
        if not 0 <= limit.days <= MAX_LIMIT_DAYS:
            raise DomainError(f"“{limit.label}”的天数应在0到{MAX_LIMIT_DAYS}天之间")
        if limit.unit not in (Unit.CALENDAR, Unit.WORKING):
            raise DomainError(f"“{limit.label}”的计算单位只能是自然日或工作日")
    if not 0 <= rules.warn_days <= MAX_WARN_DAYS:
        raise DomainError(f"提前预警天数应在0到{MAX_WARN_DAYS}天之间")
    if not 0 <= rules.villager_share_min <= 1:
        raise DomainError("议账会普通村民最低占比应在0%到100%之间")


def save_rules(*, data_dir: Path, rules: RuleSet) -> RuleSet:
    """Write the whole rule set to the data folder's deadline_rules.toml; returns it as loaded back."""
    check_rules(rules)
    data: dict[str, Any] = {
        "name": rules.name.strip(),
        "warn_days": int(rules.warn_days),
        "villager_share_min": round(float(rules.villager_share_min), 4),
        "limits": {
            key: {
                "label": rules.limits[key].label,
                "days": int(rules.limits[key].days),
                "unit": Unit(rules.limits[key].unit).value,
            }
            for key in LIMIT_KEYS
        },
    }
    loaded: list[RuleSet] = []
    path = data_dir / RULES_FILE
    write_atomic(path, dump_toml(data, RULES_HEADER), lambda tmp: loaded.append(load_rules(tmp)))
    return loaded[0]
