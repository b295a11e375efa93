"""The wall-posting (晒账) privacy policy per ledger, kept in the data folder's wall_privacy.toml."""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.services.config_files import dump_toml, write_atomic
from app.services.errors import DomainError

PRIVACY_FILE = "wall_privacy.toml"
NAME_STYLES = {"某某": "张某某", "*": "张**"}  # style → how it looks
COUNTS_ONLY_LEDGERS = frozenset({"wending"})  # stability work: posted as counts unless chosen otherwise
HEADER = (
    "# 晒账（上墙公示）隐私设置，由“设置”页写入。身份证号和电话号码在公示中一律不显示。\n"
    "# mask_names 姓名打码；name_style 打码样式（某某 = 张某某，* = 张**）；show_details 公示详细内容。\n"
)


@dataclass(frozen=True)
class PrivacyPolicy:
    mask_names: bool = True
    name_style: str = "某某"
    show_details: bool = True


def default_policy(ledger_key: str) -> PrivacyPolicy:
    return PrivacyPolicy(show_details=ledger_key not in COUNTS_ONLY_LEDGERS)


def load_privacy(data_dir: Path, ledger_keys: list[str]) -> dict[str, PrivacyPolicy]:
    """The policy of every ledger; a missing, corrupt or partial file falls back to the safe defaults."""
    return _load_file(data_dir / PRIVACY_FILE, ledger_keys)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _policy(key: str, entry: Any) -> PrivacyPolicy:
    base = default_policy(key)
    if not isinstance(entry, dict):
        return base
    mask = entry.get("mask_names")
    style = entry.get("name_style")
    details = entry.get("show_details")
    return PrivacyPolicy(
        mask_names=mask if isinstance(mask, bool) else base.mask_names,
        name_style=style if style in NAME_STYLES else base.name_style,
        show_details=details if isinstance(details, bool) else base.show_details,
    )


def save_privacy(data_dir: Path, policies: dict[str, PrivacyPolicy]) -> dict[str, PrivacyPolicy]:
    """Write every ledger's policy at once; returns what was read back."""
    for key, policy in policies.items():
        if policy.name_style not in NAME_STYLES:
            raise DomainError(f"打码样式只能是“张某某”或“张**”（台账“{key}”）")
        if not isinstance(policy.mask_names, bool) or not isinstance(policy.show_details, bool):
            raise DomainError(f"台账“{key}”的隐私设置不完整")
    data = {
        "ledger": {
            key: {"mask_names": p.mask_names, "name_style": p.name_style, "show_details": p.show_details}
            for key, p in policies.items()
        }
    }
    keys = list(policies)
    loaded: list[dict[str, PrivacyPolicy]] = []

    def check(tmp: Path) -> None:
        try:
            with tmp.open("rb") as fh:
                tomllib.load(fh)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DomainError(f"隐私设置文件写入有误：{exc}") from exc
        back = _load_file(tmp, keys)
        if back != policies:
            raise DomainError("隐私设置写入后读回不一致")
        loaded.append(back)

    write_atomic(data_dir / PRIVACY_FILE, dump_toml(data, HEADER), check)
    return loaded[0]


def _load_file(path: Path, ledger_keys: list[str]) -> dict[str, PrivacyPolicy]:
    section = _read(path).get("ledger")
    stored = section if isinstance(section, dict) else {}
    return {key: _policy(key, stored.get(key)) for key in ledger_keys}
