"""Where data lives: the user's data folder (platformdirs) unless --db says otherwise."""

from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "taizhang"


def data_dir() -> Path:
    """The per-user data folder (created on first use)."""
    path = user_data_path(APP_NAME, appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    return data_dir() / "taizhang.db"


def backup_dir_for(db_path: Path) -> Path:
    """Backups sit beside the database in a `backups` folder."""
    return db_path.parent / "backups"
