"""导入工作簿: pick or drop the villages' workbooks, preview without writing, import, see each file's result.

A file with any error imports nothing (one transaction per file, `app.services.import_files`); its
problems are listed with file, sheet, row and column and can be saved as a workbook for the village.
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QBrush, QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.exports.import_errors import write_error_workbook
from app.exports.workbook_reader import read_workbook
from app.services.import_files import FileOutcome, expand_paths
from app.services.workspace import Workspace
from app.ui.hub import EventHub
from app.ui.messages import show_error, show_info
from app.ui.table_base import HeaderedTableModel
from app.ui.worker import run_in_background

Index = QModelIndex | QPersistentModelIndex
FAILED_COLOUR = "#fde2e1"
HINT = (
    "把各村发来的上报工作簿、或乡镇发回的答复工作簿（.xlsx）拖到这里，或点“选择文件…”“选择文件夹…”。"
    "先点“预览（不写入）”看看每个文件会新增、更新多少件；有任何问题的文件一件也不导入，"
    "问题会列在下面（哪个文件、哪张表、第几行、哪一列），可保存成问题清单发回给村里改正。"
)


def result_text(outcome: FileOutcome) -> str:
    if not outcome.ok:
        return "未导入（有问题）"
    assert outcome.summary is not None
    return "可以导入（预览）" if outcome.summary.dry_run else "已导入"


class OutcomeTableModel(HeaderedTableModel):
    """One row per file: what was (or would be) added, updated, left unchanged; how many problems."""

    HEADERS = ("文件", "结果", "新增", "更新", "未变", "未导入事项", "冲突", "问题数")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[FileOutcome] = []

    def set_rows(self, rows: Sequence[FileOutcome]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_total(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        o = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            s = o.summary
            counts = (s.added, s.updated, s.unchanged, s.rejected, len(s.conflicts)) if s else ("",) * 5
            return (o.name, result_text(o), *counts, len(o.errors))[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole and not o.ok:
            return QBrush(QColor(FAILED_COLOUR))
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ProblemTableModel(HeaderedTableModel):
    """Every error (the file was not imported) and every conflict (one item kept as it was here)."""

    HEADERS = ("文件", "类别", "工作表", "行", "列", "说明")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[Any, ...]] = []

    def set_outcomes(self, outcomes: Sequence[FileOutcome]) -> None:
        self.beginResetModel()
        self._rows = []
        for o in outcomes:
            for e in o.errors:
                self._rows.append((e.file, "错误", e.sheet or "", e.row or "", e.column or "", e.message))
            for c in o.summary.conflicts if o.summary else ():
                self._rows.append((o.name, "冲突", "", "", "", str(c)))
        self.endResetModel()

    def row_total(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(self._rows[index.row()][index.column()])
        if role == Qt.ItemDataRole.ForegroundRole and self._rows[index.row()][1] == "错误":
            return QBrush(QColor("#b00020"))
        return None


class ImportPage(QWidget):
    def __init__(
        self,
        workspace: Workspace,
        hub: EventHub,
        parent: QWidget | None = None,
        *,
        read: Callable[[Path], Any] = read_workbook,
    ) -> None:
        super().__init__(parent)
        self.workspace, self.hub, self.read = workspace, hub, read
        self.files: list[Path] = []
        self.outcomes: list[FileOutcome] = []
        self.busy = False
        self.outcome_model = OutcomeTableModel(self)
        self.problem_model = ProblemTableModel(self)
        self.setAcceptDrops(True)
        self._build()

    # construction
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        title = QLabel("导入工作簿（各村上报、乡镇答复）")
        title.setProperty("role", "title")
        layout.addWidget(title)
        hint = QLabel(HINT)
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        layout.addWidget(hint)
        layout.addLayout(self._build_buttons())
        split = QSplitter(Qt.Orientation.Vertical)
        self.files_label = QLabel("要导入的文件")
        self.result_label = QLabel("每个文件的结果")
        self.result_label.setWordWrap(True)
        self.problem_label = QLabel("问题清单")
        self.file_list = QListWidget()
        self.file_list.setAcceptDrops(False)  # the page takes the drop
        split.addWidget(self._titled(self.files_label, self.file_list))
        self.outcome_view = self._table(self.outcome_model)
        split.addWidget(self._titled(self.result_label, self.outcome_view))
        self.problem_view = self._table(self.problem_model)
        split.addWidget(self._titled(self.problem_label, self.problem_view, self.save_button))
        for n, stretch in enumerate((2, 3, 3)):
            split.setStretchFactor(n, stretch)
        layout.addWidget(split, 1)
        self._update_buttons()

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.pick_files_button = QPushButton("选择文件…")
        self.pick_files_button.clicked.connect(self.pick_files)
        self.pick_folder_button = QPushButton("选择文件夹…")
        self.pick_folder_button.clicked.connect(self.pick_folder)
        self.clear_button = QPushButton("清空列表")
        self.clear_button.clicked.connect(self.clear)
        self.preview_button = QPushButton("预览（不写入）")
        self.preview_button.clicked.connect(lambda: self.run(dry_run=True))
        self.import_button = QPushButton("导入")
        self.import_button.setProperty("primary", True)
        self.import_button.clicked.connect(lambda: self.run(dry_run=False))
        self.save_button = QPushButton("保存问题清单…")
        self.save_button.clicked.connect(self.save_problems)
        for button in (self.pick_files_button, self.pick_folder_button, self.clear_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.preview_button)
        row.addWidget(self.import_button)
        return row

    def _titled(self, label: QLabel, body: QWidget, extra: QWidget | None = None) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(label, 1)
        if extra is not None:
            top.addWidget(extra)
        layout.addLayout(top)
        layout.addWidget(body, 1)
        return box

    def _table(self, model: HeaderedTableModel) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().setVisible(False)
        view.horizontalHeader().setStretchLastSection(True)
        view.horizontalHeader().setResizeContentsPrecision(50)
        model.modelReset.connect(view.resizeColumnsToContents)
        view.resizeColumnsToContents()  # headers readable before the first import too
        return view

    # choosing files
    def add_paths(self, paths: Sequence[Path]) -> None:
        """Add files and folders (a folder brings the .xlsx files directly inside it)."""
        try:
            found = expand_paths([*self.files, *paths])
        except OSError as exc:
            show_error(self, exc, "无法读取文件夹")
            return
        self.files = found
        self.file_list.clear()
        self.file_list.addItems([str(p) for p in self.files])
        self.files_label.setText(f"要导入的文件（{len(self.files)}个）")
        self._update_buttons()

    @Slot()
    def pick_files(self) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(
            self, "选择工作簿", str(Path.home()), "Excel 工作簿 (*.xlsx)"
        )
        self.add_paths([Path(p) for p in chosen])

    @Slot()
    def pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择放工作簿的文件夹", str(Path.home()))
        if folder:
            self.add_paths([Path(folder)])

    @Slot()
    def clear(self) -> None:
        self.files = []
        self.file_list.clear()
        self.files_label.setText("要导入的文件")
        self.show_outcomes([])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    def _update_buttons(self) -> None:
        ready = bool(self.files) and not self.busy
        self.preview_button.setEnabled(ready)
        self.import_button.setEnabled(ready)
        self.save_button.setEnabled(any(o.errors for o in self.outcomes))

    # importing
    def run(self, *, dry_run: bool) -> None:
        """Preview or import every listed file in the background, then show each file's result."""
        if not self.files or self.busy:
            return
        files = list(self.files)

        def work(progress: Callable[[int, int], None]) -> list[FileOutcome]:
            return self.workspace.import_workbooks(
                files, dry_run=dry_run, read=self.read, progress=lambda n, total, _name: progress(n, total)
            )

        self.busy = True
        self._update_buttons()
        title = "正在检查（不写入）……" if dry_run else "正在导入……"
        run_in_background(self, title, work, lambda r: self._done(r, dry_run), self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self._update_buttons()
        show_error(self, exc, "导入失败")

    def _done(self, outcomes: list[FileOutcome], dry_run: bool) -> None:
        self.busy = False
        self.show_outcomes(outcomes)
        imported = [o for o in outcomes if o.ok]
        if not dry_run and imported:
            self.hub.data_reset.emit()
        self.hub.status_message.emit(self.result_label.text())

    def show_outcomes(self, outcomes: list[FileOutcome]) -> None:
        self.outcomes = outcomes
        self.outcome_model.set_rows(outcomes)
        self.problem_model.set_outcomes(outcomes)
        self.result_label.setText(self.summary_text(outcomes))
        self.problem_label.setText(f"问题清单（{self.problem_model.row_total()}条）")
        self._update_buttons()

    @staticmethod
    def summary_text(outcomes: list[FileOutcome]) -> str:
        if not outcomes:
            return "每个文件的结果"
        good = [o for o in outcomes if o.ok]
        bad = len(outcomes) - len(good)
        dry = any(o.summary.dry_run for o in good if o.summary)
        verb = "预览：可以导入" if dry else "已导入"
        added = sum(o.summary.added for o in good if o.summary)
        updated = sum(o.summary.updated for o in good if o.summary)
        text = f"共{len(outcomes)}个文件，{verb}{len(good)}个（新增{added}件，更新{updated}件）"
        if bad:
            text += f"，{bad}个文件有问题、未导入（这些文件的内容一件也没有写入）"
        return text + "。"

    # the problems as a workbook for the villages
    @Slot()
    def save_problems(self) -> None:
        default = str(Path.home() / f"导入问题清单-{self.workspace.today():%Y%m%d}.xlsx")
        target, _ = QFileDialog.getSaveFileName(self, "保存问题清单", default, "Excel 工作簿 (*.xlsx)")
        if target:
            self.write_problems(Path(target))

    def write_problems(self, out: Path) -> None:
        """Written off the UI thread: a county's failed files can hold many thousands of rows."""
        outcomes = list(self.outcomes)

        def saved(listed: int) -> None:
            show_info(self, f"已保存问题清单（{listed}条）：{out}\n可发回给有关的村，改正后重新上报。")

        run_in_background(
            self,
            "正在保存问题清单…",
            lambda _progress: write_error_workbook(outcomes, out),
            saved,
            lambda exc: show_error(self, exc, "保存失败"),
        )
