"""Pure computations on a second core: a forked child computes, the parent collects the result later.

A county's report holds 600,000 rows; its 历史 sheet alone costs ten seconds of one core to format,
compress and hash. A forked child shares those rows with the parent (copy-on-write, nothing is
pickled), works while the parent writes the other sheets, and sends back only a small result through
a pipe (`app.exports.workbook`).

Fork is used only where it is safe and cheap: Linux, and no Qt in the process (Qt's threads may
hold locks a forked child would inherit; the window computes in its own thread instead). Everywhere
else, and whenever the child fails (out of memory, killed), `Forked.result` computes in this
process: the caller always gets the right answer, only sooner or later.
"""

import contextlib
import gc
import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["Forked", "fork_allowed", "lower_priority"]


def fork_allowed() -> bool:
    """Linux with os.fork and no Qt loaded (the command line)."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and not any(m.startswith("PySide6") for m in sys.modules)
    )


def lower_priority(steps: int) -> None:
    """This process's priority lowered by `steps` (nice), where the system has priorities."""
    if steps and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(steps)


class Forked:
    """`fn(*args)` in a forked child when `fork_allowed()`, else on the first `result()` here; the
    child's priority lowered by `nice` when the parent's own work is the longer chain."""

    def __init__(self, fn: Callable[..., Any], *args: Any, nice: int = 0) -> None:
        self.fn, self.args, self.nice = fn, args, nice
        self.pid: int | None = None
        self.fd: int | None = None
        self.done = False
        self.value: Any = None
        self.forked = False  # whether a child was started (it may since have been collected)
        if fork_allowed():
            self._start()

    def _start(self) -> None:
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return
        if pid == 0:  # the child: compute, send, leave without running any cleanup of the parent's
            code = 1
            try:
                os.close(read_fd)
                lower_priority(self.nice)  # the parent's work comes first
                gc.disable()  # a collection would touch (copy) every shared object for nothing
                data = pickle.dumps(self.fn(*self.args), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_fd, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        self.pid, self.fd, self.forked = pid, read_fd, True

    def result(self) -> Any:
        """The result, waiting for the child if it is still computing."""
        if self.done:
            return self.value
        value, ok = None, False
        if self.pid is not None and self.fd is not None:
            chunks = []
            with os.fdopen(self.fd, "rb") as fh:
                while block := fh.read(1 << 16):
                    chunks.append(block)
            _pid, status = os.waitpid(self.pid, 0)
            self.pid = self.fd = None
            if os.waitstatus_to_exitcode(status) == 0 and chunks:
                try:
                    value, ok = pickle.loads(b"".join(chunks)), True
                except (pickle.UnpicklingError, EOFError, ValueError):
                    ok = False
        if not ok:
            value = self.fn(*self.args)
        self.value, self.done = value, True
        self.fn, self.args = (lambda: None), ()
        return value

    def cancel(self) -> None:
        """Stop the child (its result is no longer wanted) and reap it."""
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        self._reap()
        self.done, self.fn, self.args = True, (lambda: None), ()

    def _reap(self) -> None:
        if getattr(self, "pid", None) is not None:  # (an __init__ that failed set nothing)
            try:
                if self.fd is not None:
                    os.close(self.fd)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.pid = self.fd = None

    def __del__(self) -> None:  # never collected: reap the child so no zombie is left
        self._reap()
