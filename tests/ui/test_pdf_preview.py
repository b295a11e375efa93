"""Previewing and printing a generated PDF (the printer is a PDF file here, pages counted back)."""

import subprocess
from pathlib import Path

from PySide6.QtPrintSupport import QPrinter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from app.ui.pdf_preview import PdfPreviewDialog, render_to


def _three_pages(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(3):
        c.drawString(100, 700, f"page {n + 1}")
        c.showPage()
    c.save()
    return path


def test_printing_sends_every_page(qtbot, tmp_path):
    source = _three_pages(tmp_path / "in.pdf")
    dialog = PdfPreviewDialog(source, "测试")
    qtbot.addWidget(dialog)
    assert dialog.document.pageCount() == 3
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    render_to(printer, dialog.document)
    info = subprocess.run(["pdfinfo", str(tmp_path / "printed.pdf")], capture_output=True, text=True)
    pages = [line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:")]
    assert pages == ["3"]


def test_a_missing_file_is_reported_not_crashed(qtbot, tmp_path):
    import pytest

    with pytest.raises(OSError, match="无法打开"):
        PdfPreviewDialog(tmp_path / "none.pdf", "测试")
