"""One writer per database: a real second process holds the lock; a dead holder never blocks."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.errors import DomainError
from app.store.lock import hold_database_lock, lock_path_for

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
from pathlib import Path
from app.store.lock import hold_database_lock
hold_database_lock(Path(sys.argv[1]), "台账测试程序")
print("held", flush=True)
time.sleep(60)
"""


@pytest.fixture
def holder(tmp_path):
    """A second process that holds the lock on tmp/ledger.db until the test ends."""
    db = tmp_path / "ledger.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield db, proc
    proc.kill()
    proc.wait()


def test_a_second_writer_is_told_who_holds_the_database(holder):
    db, proc = holder
    with pytest.raises(DomainError) as caught:
        hold_database_lock(db)
    text = caught.value.message
    assert text.startswith("数据库正被另一个程序使用")
    assert "台账测试程序" in text and f"进程号：{proc.pid}" in text and "启动于 20" in text
    assert text.endswith("请先关闭它")


def test_a_cli_command_refused_by_the_lock_writes_nothing(holder, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    db, _ = holder
    code = main(["init", "--db", str(db), "--village-code", "510623105201", "--village", "柳林沟村",
                 "--township", "富兴镇", "--county", "中江县"])  # fmt: skip
    assert code == 1
    assert "数据库正被另一个程序使用" in capsys.readouterr().err
    assert not db.exists()  # no database file, no migration, no backup
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "xdg") == ["ledger.db.lock"]


def test_a_lock_left_by_a_killed_process_does_not_block(tmp_path):
    db = tmp_path / "ledger.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    os.kill(proc.pid, signal.SIGKILL)  # a crash: the lock file stays behind
    proc.wait()
    assert json.loads(lock_path_for(db).read_text(encoding="utf-8"))["pid"] == str(proc.pid)
    with hold_database_lock(db, "新程序"):
        info = json.loads(lock_path_for(db).read_text(encoding="utf-8"))
        assert info["pid"] == str(os.getpid()) and info["program"] == "新程序"


def test_the_lock_is_reentrant_in_one_process_and_released_with_the_last_holder(tmp_path):
    db = tmp_path / "ledger.db"
    first = hold_database_lock(db)
    second = hold_database_lock(db)
    assert second is first
    first.release()
    assert _other_process_can_lock(db) is False  # still held once
    second.release()
    assert _other_process_can_lock(db) is True


def _other_process_can_lock(db: Path) -> bool:
    code = "import sys; from pathlib import Path; from app.store.lock import hold_database_lock as h\n"
    code += "try:\n    h(Path(sys.argv[1]))\nexcept Exception:\n    sys.exit(3)\n"
    return subprocess.run([sys.executable, "-c", code, str(db)], cwd=ROOT).returncode == 0


def test_a_second_window_is_told_and_opens_nothing(holder, qtbot, tmp_path, monkeypatch, no_message_boxes):
    from PySide6.QtCore import qInstallMessageHandler

    from app.application import run_gui
    from app.logging_setup import stop_logging

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    db, proc = holder
    try:
        assert run_gui(db, None) == 1
    finally:
        qInstallMessageHandler(None)
        stop_logging()
    ((kind, text),) = no_message_boxes
    assert kind == "critical" and "数据库正被另一个程序使用" in text and f"进程号：{proc.pid}" in text
    assert not db.exists()
