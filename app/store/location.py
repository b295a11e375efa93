"""Where data lives (the user's data folder, platformdirs, unless --db says otherwise) and whether a
folder there can be used: missing, read-only or full places are explained in Chinese."""

import errno
import os
import shutil
import tempfile
from pathlib import Path

from platformdirs import user_data_path

from app.errors import DomainError

APP_NAME = "taizhang"
MB = 1024 * 1024
MIN_FREE_BYTES = 16 * MB  # room for the WAL, a migration's rebuilt tables and the log

_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)
_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


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


def log_dir(data_folder: Path) -> Path:
    """The rotating log files live in `logs` inside the data folder."""
    return data_folder / "logs"


def read_only_message(folder: Path) -> str:
    return (
        f"文件夹“{folder}”只能读、不能写（可能是只读U盘、光盘或没有权限）。"
        "为了不丢数据，程序不会在这里修改台账。请把数据库复制到电脑硬盘上再打开，或换一个文件夹。"
    )


def disk_full_message(folder: Path, free: int | None = None, needed: int | None = None) -> str:
    sizes = ""
    if free is not None and needed is not None:
        sizes = f"（还剩{free / MB:.1f} MB，至少需要{needed / MB:.1f} MB）"
    return (
        f"磁盘空间不足{sizes}：“{folder}”。台账没有改动。"
        "请删除不用的文件、清空回收站，或换一个空间更大的磁盘或U盘后再试。"
    )


def explain_os_error(exc: OSError, folder: Path) -> DomainError:
    """A Chinese DomainError for an OSError met while writing in `folder`."""
    if exc.errno in _FULL:
        return DomainError(disk_full_message(folder))
    if isinstance(exc, PermissionError) or exc.errno in _READ_ONLY:
        return DomainError(read_only_message(folder))
    if exc.errno == errno.ENOENT:
        return DomainError(f"找不到文件夹“{folder}”（U盘是否已拔出？）")
    return DomainError(f"无法写入“{folder}”：{exc.strerror or exc}")


def ensure_folder(folder: Path) -> None:
    """Create a missing folder; a Chinese message when its parent cannot hold it."""
    if folder.is_dir():
        return
    if folder.exists():
        raise DomainError(f"“{folder}”是一个文件，不是文件夹，无法在里面保存台账")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        err = explain_os_error(exc, folder)
        raise DomainError(f"文件夹“{folder}”不存在，也无法建立。{err.message}") from exc


def ensure_free_space(folder: Path, needed: int) -> None:
    """Refuse to start writing when the disk under `folder` has less than `needed` bytes free."""
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise DomainError(disk_full_message(folder, free, needed))


def probe_writable(folder: Path) -> None:
    """Check that files can really be written here: os.access first, then a small real write.

    os.access alone is not enough (root ignores permissions, a read-only medium may still pass),
    so a temporary file is written, flushed to disk and removed.
    """
    if not os.access(folder, os.W_OK):
        raise DomainError(read_only_message(folder))
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".taizhang-probe-", delete=True) as f:
            f.write(b"taizhang")
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise explain_os_error(exc, folder) from exc
