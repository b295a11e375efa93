"""Composition root for the GUI: settings, engine, workspace, QApplication, MainWindow, excepthook."""

import sys
import time
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

from app.errors import DomainError
from app.services.context import load_settings
from app.services.workspace import Workspace
from app.store.database import open_database
from app.store.location import data_dir
from app.ui.hub import EventHub
from app.ui.main_window import MainWindow
from app.ui.prefs import Prefs
from app.ui.setup_dialog import SetupDialog
from app.ui.theme import apply_text_size, register_font


def _install_excepthook() -> None:
    """An unexpected error shows a Chinese message instead of killing the window."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        detail = "".join(traceback.format_exception(kind, exc, tb))
        print(detail, file=sys.stderr)
        QMessageBox.critical(
            None,
            "程序出错",
            f"程序遇到意外错误，刚才的操作没有保存。\n请把下面这行发给技术支持：\n{kind.__name__}: {exc}",
        )

    sys.excepthook = hook


def build_window(
    db_path: Path, today: Callable[[], date], prefs: Prefs, app: QApplication
) -> MainWindow | None:
    """Everything the window needs, injected; None if the user closed the first-start setup."""
    settings = load_settings(data_dir())
    engine = open_database(db_path)
    workspace = Workspace(engine, settings, data_dir(), today)
    workspace.sync_configuration()
    if not workspace.villages():
        SetupDialog(workspace).exec()
        if not workspace.villages():
            return None
    return MainWindow(workspace, EventHub(), prefs, lambda name: apply_text_size(app, name))


def run_gui(
    db_path: Path, today: date | None, screenshot: Path | None = None, page: str | None = None
) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("三本台账")
    register_font()
    prefs = Prefs()
    apply_text_size(app, prefs.text_size())
    if screenshot is None:
        _install_excepthook()
    try:
        window = build_window(db_path, (lambda: today) if today else date.today, prefs, app)
    except DomainError as exc:  # a broken configuration file or an unusable database file
        if screenshot is not None:
            raise
        QMessageBox.critical(None, "无法打开台账", exc.message)
        return 1
    if window is None:
        return 0
    if page:
        window.show_page(page)
    if screenshot is not None:
        return _screenshot(app, window, screenshot)
    window.show()
    return app.exec()


def _screenshot(app: QApplication, window: MainWindow, path: Path) -> int:
    window.resize(1440, 900)
    window.show()
    deadline = time.monotonic() + 1.0  # let deferred layout work (column widths) finish
    while time.monotonic() < deadline:
        app.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(path))
    window.close()
    return 0 if ok else 1
