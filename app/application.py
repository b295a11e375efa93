"""Composition root for the GUI: settings, engine, workspace, QApplication, MainWindow, excepthook."""

import logging
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from app.errors import DomainError
from app.logging_setup import make_excepthook, setup_logging
from app.services.context import load_settings
from app.services.workspace import Workspace
from app.store.backup import ensure_daily_backup
from app.store.backups import restore_backup
from app.store.database import DatabaseDamaged, open_database
from app.store.location import data_dir
from app.store.lock import hold_database_lock
from app.ui.hub import EventHub
from app.ui.main_window import MainWindow
from app.ui.prefs import Prefs
from app.ui.setup_dialog import SetupDialog
from app.ui.theme import apply_text_size, register_font


def _install_excepthook() -> None:
    """An unexpected error: traceback to the log, one Chinese message on top of the active window.

    Nothing is closed, so a dialog whose button raised keeps the user's input (see logging_setup).
    """

    def show(text: str) -> None:
        QMessageBox.critical(QApplication.activeWindow(), "程序出错", text)

    sys.excepthook = make_excepthook(show)
    qInstallMessageHandler(_qt_message)


def _qt_message(mode: QtMsgType, _context: object, message: str) -> None:
    """Qt's own warnings go to the log file instead of a console the user never sees."""
    level = logging.DEBUG if mode in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg) else logging.WARNING
    logging.getLogger("qt").log(level, "%s", message)


def _offer_restore(exc: DatabaseDamaged, db_path: Path) -> bool:
    """恢复最近备份？ — True when the user agreed and the newest good backup was restored."""
    if exc.backup is None:
        return False
    answer = QMessageBox.question(
        None, "恢复最近备份？", f"{exc.message}\n\n恢复最近备份？原来的文件会改名保存，不会删除。"
    )
    if answer != QMessageBox.StandardButton.Yes:
        return False
    result = restore_backup(exc.backup.path, db_path)
    QMessageBox.information(
        None, "已恢复", f"已从备份恢复：{result.info.summary()}\n原来的文件改名保存为：{result.set_aside}"
    )
    return True


def _daily_backup_in_background(db_path: Path) -> None:
    def run() -> None:
        try:
            ensure_daily_backup(db_path)
        except DomainError as exc:
            logging.getLogger("taizhang").warning("今天的自动备份没有做成：%s", exc.message)
        except Exception:  # never kill the window from this thread; the log has the traceback
            logging.getLogger("taizhang").exception("今天的自动备份出错")

    threading.Thread(target=run, name="daily-backup", daemon=True).start()


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
        setup_logging(data_dir())
        _install_excepthook()
    clock = (lambda: today) if today else date.today
    try:
        lock = hold_database_lock(db_path, "三本台账（窗口）")  # held until the window closes
    except DomainError as exc:
        if screenshot is not None:
            raise
        QMessageBox.critical(None, "无法打开台账", exc.message)
        return 1
    with lock:
        try:
            try:
                window = build_window(db_path, clock, prefs, app)
            except DatabaseDamaged as exc:
                if screenshot is not None or not _offer_restore(exc, db_path):
                    raise
                window = build_window(db_path, clock, prefs, app)
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
        _daily_backup_in_background(db_path)
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
