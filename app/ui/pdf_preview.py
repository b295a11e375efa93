"""Show a generated PDF, print it on the office printer, or save a copy (USB stick, print shop)."""

import shutil
from pathlib import Path

from PySide6.QtCore import QPointF, QRect, QSize, Qt, Slot
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.messages import show_error, show_info


def load_document(path: Path, parent: QWidget) -> QPdfDocument:
    document = QPdfDocument(parent)
    error = document.load(str(path))
    if error != QPdfDocument.Error.None_:
        raise OSError(f"无法打开生成的PDF：{path.name}（{error.name}）")
    return document


def print_document(parent: QWidget, document: QPdfDocument, title: str) -> bool:
    """Print every page through the system print dialog; True if it was sent to the printer."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(f"打印：{title}")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    render_to(printer, document)
    return True


def render_to(printer: QPrinter, document: QPdfDocument) -> None:
    """Each PDF page scaled to the printer's page, keeping its proportions."""
    painter = QPainter(printer)
    try:
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            area = painter.viewport()
            size = (
                document.pagePointSize(page).toSize().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            )
            image = document.render(page, QSize(size.width(), size.height()))
            painter.drawImage(QPointF(0, 0), image, QRect(0, 0, image.width(), image.height()))
    finally:
        painter.end()


class PdfPreviewDialog(QDialog):
    """A finished PDF with 打印 and 另存为; used for the forms of one item."""

    def __init__(self, path: Path, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path, self.title = path, title
        self.setWindowTitle(title)
        self.resize(900, 1000)
        self.document = load_document(path, self)
        layout = QVBoxLayout(self)
        hint = QLabel(f"{title}（共 {self.document.pageCount()} 页）")
        hint.setProperty("role", "hint")
        layout.addWidget(hint)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        layout.addWidget(self.view, 1)
        layout.addLayout(self._build_buttons())

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        print_button = QPushButton("打印…")
        print_button.setProperty("primary", True)
        print_button.clicked.connect(self.print_now)
        save_button = QPushButton("另存为PDF…")
        save_button.clicked.connect(self.save_copy)
        close_button = QPushButton("关闭")
        close_button.clicked.connect(self.reject)
        row.addWidget(print_button)
        row.addWidget(save_button)
        row.addStretch(1)
        row.addWidget(close_button)
        return row

    @Slot()
    def print_now(self) -> None:
        try:
            print_document(self, self.document, self.title)
        except Exception as exc:
            show_error(self, exc, "打印失败")

    @Slot()
    def save_copy(self) -> None:
        target, _ = QFileDialog.getSaveFileName(self, "另存为", self.path.name, "PDF 文件 (*.pdf)")
        if not target:
            return
        try:
            shutil.copyfile(self.path, target)
        except OSError as exc:
            show_error(self, exc, "保存失败")
            return
        show_info(self, f"已保存：{target}")
