"""数据安全 page: back up now (or to a USB stick), the verified backup list, restore with a
confirmation, the history check, and where the data, backups and log files are."""

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import DomainError
from app.services.workspace import Workspace
from app.ui.hub import EventHub
from app.ui.messages import confirm, show_error, show_info
from app.ui.settings_common import hint_label, title_label
from app.ui.worker import run_in_background

HEADERS = ("备份时间", "种类", "检查结果", "村", "事项", "大小", "文件")
COL_WHEN, COL_KIND, COL_CHECK, COL_VILLAGES, COL_ITEMS, COL_SIZE, COL_FILE = range(len(HEADERS))
HELP = (
    "每天第一次打开程序时会自动备份一次；升级、导入和恢复之前也会先备份。"
    "自动备份保留最近7天和最近12个月（每月一份）。"
    "重要的数据请再用“备份到U盘…”另外存一份，U盘放在别处保管。"
)


class SafetyPage(QWidget):
    """Backups and checks; every slow step runs in the background with a progress dialog."""

    def __init__(self, workspace: Workspace, hub: EventHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.hub = workspace, hub
        self.last_result = ""  # the last outcome shown to the user (tests read it)
        self.backups: list[Any] = []
        self._checked: dict[tuple[Path, int, int], Any] = {}
        self._stale = True
        layout = QVBoxLayout(self)
        layout.addWidget(title_label("数据安全"))
        layout.addWidget(hint_label(HELP))
        layout.addLayout(self._build_buttons())
        layout.addWidget(self._build_table(), 1)
        layout.addWidget(self._build_places())
        self.status = hint_label()
        layout.addWidget(self.status)

    # construction
    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.backup_button = QPushButton("立即备份")
        self.usb_button = QPushButton("备份到U盘…")
        self.restore_button = QPushButton("用选中的备份恢复…")
        self.restore_file_button = QPushButton("从U盘或其他文件恢复…")
        self.verify_button = QPushButton("检查历史记录是否被改动")
        self.verify_button.setEnabled(hasattr(self.workspace, "verify_history"))
        for button, slot in (
            (self.backup_button, self.backup_now),
            (self.usb_button, self.backup_to_usb),
            (self.restore_button, self.restore_selected),
            (self.restore_file_button, self.restore_from_file),
            (self.verify_button, self.verify_history),
        ):
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _build_table(self) -> QTableWidget:
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        return self.table

    def _build_places(self) -> QGroupBox:
        box = QGroupBox("文件在哪里")
        form = QFormLayout(box)
        ws = self.workspace
        for label, path, is_folder in (
            ("台账数据库：", ws.db_path, False),
            ("备份文件夹：", ws.backup_folder(), True),
            ("日志文件夹：", ws.log_folder(), True),
        ):
            row = QHBoxLayout()
            text = QLabel(str(path))
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            row.addWidget(text, 1)
            if is_folder:
                button = QPushButton("打开文件夹")
                button.clicked.connect(lambda _=False, p=path: self._open_folder(p))
                row.addWidget(button)
            form.addRow(label, row)
        return box

    # data
    @Slot()
    def refresh(self) -> None:
        """Called after every change: cheap while hidden, the list is re-read when shown."""
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def reload(self) -> None:
        """List the backups; verify the ones not checked yet in the background (a backup never
        changes once written, so each is checked once per session)."""
        self._stale = False
        try:
            listed = self.workspace.backups(verify=False)
        except (OSError, DomainError) as exc:  # an unreadable folder must not stop the page
            listed = []
            self.status.setText(f"无法读取备份文件夹：{exc}")
        self.backups = [self._checked.get(self._key(b.path), b) for b in listed]
        self._fill()
        todo = [b.path for b in self.backups if self._key(b.path) not in self._checked]
        if todo:
            run_in_background(
                self,
                "正在检查备份……",
                lambda p: self._verify(todo, p),
                self._verified,
                self._failed("检查备份没有完成"),
            )

    def _verify(self, paths: list[Path], progress: Any) -> list[Any]:
        found = []
        for n, path in enumerate(paths):
            progress(n, len(paths))
            found.append(self.workspace.check_backup(path))
        return found

    def _verified(self, infos: list[Any]) -> None:
        for info in infos:
            self._checked[self._key(info.path)] = info
        self.backups = [self._checked.get(self._key(b.path), b) for b in self.backups]
        self._fill()

    @staticmethod
    def _key(path: Path) -> tuple[Path, int, int]:
        try:
            st = path.stat()
        except OSError:
            return (path, -1, -1)
        return (path, st.st_size, st.st_mtime_ns)

    def _fill(self) -> None:
        self.table.setRowCount(len(self.backups))
        for row, b in enumerate(self.backups):
            self._fill_row(row, b)
        newest = self.backups[0].made_at.strftime("%Y-%m-%d %H:%M") if self.backups else "还没有"
        self.status.setText(f"共{len(self.backups)}份备份，最近一次：{newest}")

    def _fill_row(self, row: int, b: Any) -> None:
        if self._key(b.path) not in self._checked:
            check = "检查中……"
        else:
            check = "✓ 可用" if b.ok else f"✗ {b.problem}"
        values = (
            b.made_at.strftime("%Y-%m-%d %H:%M"),
            b.reason_label,
            check,
            str(b.villages) if b.ok else "",
            str(b.items) if b.ok else "",
            f"{b.size / 1e6:.1f} MB",
            b.path.name,
        )
        for col, value in enumerate(values):
            self.table.setItem(row, col, QTableWidgetItem(value))

    def selected_backup(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    # actions
    @Slot()
    def backup_now(self) -> None:
        self._run_backup(None)

    @Slot()
    def backup_to_usb(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择U盘或要保存备份的文件夹")
        if folder:
            self._run_backup(Path(folder))

    def _run_backup(self, out_dir: Path | None) -> None:
        def done(info: Any) -> None:
            self._checked[self._key(info.path)] = info
            self.reload()
            self._tell(f"已备份并检查通过：\n{info.path}\n（{info.villages}个村，{info.items}件事项）")

        run_in_background(
            self,
            "正在备份……",
            lambda _p: self.workspace.backup_now(out_dir),
            done,
            self._failed("备份没有完成"),
        )

    @Slot()
    def restore_selected(self) -> None:
        backup = self.selected_backup()
        if backup is None:
            show_info(self, "请先在下面的列表中选中一份备份。")
            return
        self._restore(backup.path)

    @Slot()
    def restore_from_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "选择备份文件", "", "台账备份 (*.db);;所有文件 (*)")
        if name:
            self._restore(Path(name))

    def _restore(self, path: Path) -> None:
        text = (
            f"用这份备份恢复台账：\n{path.name}\n\n"
            "恢复后，这份备份之后登记和办理的内容将不在台账中。"
            "恢复前程序会先把现在的数据备份一份，需要时还能找回。\n\n确定恢复吗？"
        )
        if not confirm(self, text, "从备份恢复"):
            return

        def done(result: Any) -> None:
            self.hub.data_reset.emit()  # every page reloads from the restored file
            self.reload()
            safety = f"\n恢复前的数据已备份到：{result.safety_copy}" if result.safety_copy else ""
            self._tell(f"已从备份恢复：{result.info.summary()}{safety}")

        run_in_background(
            self,
            "正在恢复……",
            lambda _p: self.workspace.restore_backup(path),
            done,
            self._failed("恢复没有完成"),
        )

    @Slot()
    def verify_history(self) -> None:
        verify = getattr(self.workspace, "verify_history", None)
        if verify is None:
            return

        def done(report: Any) -> None:
            lines = report.lines() if hasattr(report, "lines") else [str(report)]
            self._tell("\n".join(lines), "检查历史记录")

        run_in_background(self, "正在检查历史记录……", verify, done, self._failed("检查没有完成"))

    # helpers
    def _tell(self, text: str, title: str = "数据安全") -> None:
        self.last_result = text
        self.hub.status_message.emit(text.splitlines()[0])
        show_info(self, text, title)

    def _failed(self, title: str):  # type: ignore[no-untyped-def]
        def on_error(exc: BaseException) -> None:
            self.last_result = f"{title}：{exc}"
            show_error(self, exc, title)

        return on_error

    def _open_folder(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
