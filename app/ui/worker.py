"""Background work on QThreadPool with a progress dialog; the operation never touches widgets."""

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget


class _Signals(QObject):
    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[Callable[[int, int], None]], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn(self.signals.progress.emit)
        except Exception as exc:  # handed to the UI thread, shown in Chinese
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


_running: set[_Task] = set()


def run_in_background(
    parent: QWidget,
    title: str,
    fn: Callable[[Callable[[int, int], None]], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> _Task:
    """Run fn(progress) off the UI thread; show a progress dialog; call back on the UI thread."""
    dialog = QProgressDialog(title, "", 0, 0, parent)
    dialog.setWindowTitle("请稍候")
    dialog.setCancelButton(None)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    task = _Task(fn)
    _running.add(task)

    def progress(n: int, total: int) -> None:
        dialog.setMaximum(total)
        dialog.setValue(n)

    def finish(result: Any, ok: bool) -> None:
        _running.discard(task)
        dialog.reset()
        dialog.deleteLater()
        (on_done if ok else on_error)(result)

    task.signals.progress.connect(progress)
    task.signals.done.connect(lambda r: finish(r, True))
    task.signals.failed.connect(lambda e: finish(e, False))
    QThreadPool.globalInstance().start(task)
    return task
