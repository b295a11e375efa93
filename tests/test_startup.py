"""The command line starts without loading what only some commands need (openpyxl with numpy,
reportlab): every `taizhang` run, and each import worker, pays for what app.cli imports."""

import subprocess
import sys

from app.cli_posting import PAPER_NAMES
from app.exports.wall_pdf import PAPERS


def test_the_command_line_loads_no_workbook_or_pdf_library_until_a_command_needs_one():
    heavy = "('openpyxl', 'reportlab', 'PySide6')"
    code = f"import sys, app.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_paper_names_offered_are_the_ones_the_posting_knows():
    assert tuple(PAPERS) == PAPER_NAMES
