"""Writing an export file safely: into a temporary file beside the target, then renamed over it,
so a power cut or an error never leaves a half-written file under the target's name."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from app.errors import DomainError

__all__ = ["write_atomically"]


def write_atomically(out: Path, build: Callable[[str], None]) -> Path:
    """Build the file into a temporary file beside `out` (`build(temp path)`), then rename it over `out`."""
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise DomainError(f"保存位置不存在：{folder}")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        build(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise DomainError(f"无法保存{out}：{exc.strerror or exc}（该文件是否正在被其他程序打开？）") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
