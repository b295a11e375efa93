"""What every use case needs besides the database: ledger config, deadline rules, work calendar."""

from dataclasses import dataclass
from pathlib import Path

from app.services.config import LedgerConfig, RuleSet, load_ledger_config, load_rules
from app.services.workcalendar import WorkCalendar


@dataclass(frozen=True)
class Settings:
    ledgers: LedgerConfig
    rules: RuleSet
    calendar: WorkCalendar


def load_settings(data_dir: Path) -> Settings:
    """Defaults from resources/, extended or replaced by files in the data folder if present:
    ledgers.toml (extra ledgers/categories), deadline_rules.toml, holidays.toml (newer holidays)."""
    extra = data_dir / "ledgers.toml"
    rules = data_dir / "deadline_rules.toml"
    holidays = data_dir / "holidays.toml"
    return Settings(
        ledgers=load_ledger_config(extra if extra.exists() else None),
        rules=load_rules(rules if rules.exists() else None),
        calendar=WorkCalendar.from_file(holidays) if holidays.exists() else WorkCalendar(),
    )
