"""The Qt binding itself: PySide6 6.12.0 corrupts None's reference count through model overrides.

Every table model here returns None for roles it does not handle (the documented way); a binding
that decrefs that None crashes the app after enough repaints. This runs in a subprocess because
the failure is a hard abort of the interpreter.
"""

import os
import subprocess
import sys

PROBE = """
import sys
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QApplication
app = QApplication([])
class M(QAbstractTableModel):
    def rowCount(self, p=QModelIndex()): return 1
    def columnCount(self, p=QModelIndex()): return 1
    def data(self, i, role=Qt.ItemDataRole.DisplayRole): return None
model = M()  # kept alive: an index outlives nothing
idx = model.index(0, 0)
before = sys.getrefcount(None)
for _ in range(50000):
    idx.data(Qt.ItemDataRole.BackgroundRole)
print(before - sys.getrefcount(None))
"""


def test_returning_none_from_a_model_keeps_none_alive():
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, f"the Qt binding crashed: {proc.stderr[-400:]}"
    assert abs(int(proc.stdout.strip())) < 100  # no leak of references to None
