"""One writer per database: a lock file `<db>.lock` held (flock / msvcrt.locking) for the life of
the process, naming who holds it (program, pid, host, start time).

The operating system drops the lock when the holder dies, so a lock file left behind by a crash
never blocks; its stale text is simply overwritten. Within one process the lock is re-entrant
(the CLI's `gui` command and the window both ask for it) and counted.
"""

import json
import os
import socket
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.errors import DomainError
from app.store.location import ensure_folder, explain_os_error

_WINDOWS_LOCK_OFFSET = 1 << 20  # lock a byte far past the text, so others can still read it


@dataclass
class DatabaseLock:
    path: Path
    fd: int
    count: int = 1

    def release(self) -> None:
        """Give the lock up when the last holder in this process releases it."""
        self.count -= 1
        if self.count > 0:
            return
        _held.pop(self.path, None)
        try:
            _unlock(self.fd)
        finally:
            os.close(self.fd)

    def __enter__(self) -> "DatabaseLock":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


_held: dict[Path, DatabaseLock] = {}


def lock_path_for(db_path: Path) -> Path:
    return Path(f"{db_path}.lock")


def hold_database_lock(db_path: Path, program: str | None = None) -> DatabaseLock:
    """Take the database's lock or raise a Chinese DomainError naming the program that holds it."""
    path = lock_path_for(db_path.resolve())
    held = _held.get(path)
    if held is not None:
        held.count += 1
        return held
    ensure_folder(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise explain_os_error(exc, path.parent) from exc
    try:
        _lock(fd)
    except OSError:
        holder = _read(fd)
        os.close(fd)
        raise DomainError(_busy_message(holder)) from None
    _write(fd, program)
    lock = DatabaseLock(path, fd)
    _held[path] = lock
    return lock


def _busy_message(holder: dict[str, str]) -> str:
    who = holder.get("program") or "未知程序"
    pid = holder.get("pid") or "未知"
    started = holder.get("started") or "未知时间"
    host = holder.get("host")
    where = f"，电脑：{host}" if host and host != socket.gethostname() else ""
    return f"数据库正被另一个程序使用（程序：{who}，进程号：{pid}{where}，启动于 {started}），请先关闭它"


def _write(fd: int, program: str | None) -> None:
    info = {
        "program": program or _program_name(),
        "pid": str(os.getpid()),
        "host": socket.gethostname(),
        "started": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
    }
    data = json.dumps(info, ensure_ascii=False).encode("utf-8")
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)
    os.fsync(fd)


def _read(fd: int) -> dict[str, str]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 4096)
        info = json.loads(data.decode("utf-8"))
        return {k: str(v) for k, v in info.items()} if isinstance(info, dict) else {}
    except (OSError, ValueError):
        return {}


def _program_name() -> str:
    command = next((a for a in sys.argv[1:] if not a.startswith("-")), "")
    return f"taizhang {command}".strip()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
