"""The log file (`logs/taizhang.log` in the data folder, 1 MB × 5, rotating) and what an unexpected
error does: the traceback goes to the log, the user gets one Chinese message saying what to send.

Nothing written to the log may carry a resident's ID number or phone: every record, traceback
included, passes `services.identity.redact_sensitive` on its way to the file. Qt-free: the GUI
passes in how to show a message.
"""

import logging
import sys
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from app.services.identity import redact_sensitive
from app.store.location import log_dir

LOG_FILE = "taizhang.log"
MAX_BYTES, BACKUP_COUNT = 1_000_000, 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"

_handler: RotatingFileHandler | None = None


class RedactFilter(logging.Filter):
    """Masks ID numbers and phones in the message and in the formatted traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # wrong arguments for the format: log the raw text
            message = f"{record.msg} {record.args}"
        record.msg = redact_sensitive(message)[0]
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_sensitive(record.exc_text)[0]
        if record.stack_info:
            record.stack_info = redact_sensitive(record.stack_info)[0]
        return True


def setup_logging(data_folder: Path) -> Path | None:
    """Send the program's log to the data folder's rotating file; None if it cannot be written
    (a read-only data folder must not stop the program: it then logs nowhere)."""
    global _handler
    path = log_dir(data_folder) / LOG_FILE
    if _handler is not None and Path(_handler.baseFilename) == path.absolute():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    _handler = handler
    return path


def stop_logging() -> None:
    """Detach and close the log file (tests; a new data folder)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def current_log_file() -> Path | None:
    return Path(_handler.baseFilename) if _handler is not None else None


def short_reason(exc: BaseException) -> str:
    """One masked line for the user: the error's kind and the start of its text."""
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return redact_sensitive(f"{type(exc).__name__}: {first}")[0]


def log_unexpected(exc: BaseException, where: str) -> Path | None:
    """Write the whole traceback to the log; returns the log file (None if there is none)."""
    logging.getLogger("taizhang").error("%s时出现意外错误", where, exc_info=exc)
    return current_log_file()


def help_text(log_file: Path | None) -> str:
    if log_file is None:
        return "请把出错前做了什么告诉乡镇或技术人员。"
    return f"请把日志文件\n{log_file}\n发给乡镇或技术人员。"


def unexpected_error_message(exc: BaseException, log_file: Path | None) -> str:
    return (
        "程序遇到意外问题，刚才这一步没有完成。\n"
        "已经打开的窗口和填写的内容都还在，可以检查后再试一次；如果需要，先把填写的内容抄下来。\n"
        f"如果问题反复出现，{help_text(log_file)}\n（问题摘要：{short_reason(exc)}）"
    )


def make_excepthook(show: Callable[[str], None]) -> Callable[..., None]:
    """A sys.excepthook that logs the traceback and shows one Chinese message; it closes nothing,
    so a dialog whose slot raised stays open with the user's input."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        if exc.__traceback__ is None and tb is not None:
            exc = exc.with_traceback(tb)
        log_file = log_unexpected(exc, "界面操作")
        try:
            show(unexpected_error_message(exc, log_file))
        except Exception:  # the message box itself failed: the log has it; never raise from a hook
            traceback.print_exception(kind, exc, tb, file=sys.stderr)

    return hook
