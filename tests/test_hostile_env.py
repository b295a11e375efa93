"""Hostile places: missing, read-only and full folders, damaged or foreign files.

CI runs as root, which ignores permission bits, and has no read-only mount; where a condition is
simulated the test name says how. Each check ends in one Chinese message and an untouched file.
"""

import errno
import os
import sqlite3
from collections import namedtuple
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from app.cli import main
from app.errors import DomainError
from app.store import database, location
from app.store.backup import make_backup
from app.store.database import DatabaseDamaged, open_database
from app.store.location import backup_dir_for, explain_os_error

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


def _init(db: Path) -> int:
    return main(["init", "--db", str(db), "--village-code", "510623105201", "--village", "柳林沟村",
                 "--township", "富兴镇", "--county", "中江县"])  # fmt: skip


def _scribble(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(4096)
        f.write(b"\xa5" * max(4096, size - 4096))


def test_a_missing_folder_is_created(tmp_path):
    db = tmp_path / "新建" / "台账" / "ledger.db"
    open_database(db).dispose()
    assert db.is_file()


def test_a_folder_that_cannot_be_made_is_explained(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("我是文件")
    with pytest.raises(DomainError, match="无法建立"):
        open_database(blocker / "sub" / "ledger.db")
    assert blocker.read_text() == "我是文件"


def test_read_only_folder_simulated_with_os_access(tmp_path, monkeypatch):
    db = tmp_path / "ledger.db"
    open_database(db).dispose()
    before = db.read_bytes()
    monkeypatch.setattr(location.os, "access", lambda *_a, **_k: False)
    with pytest.raises(DomainError, match="只能读、不能写"):
        open_database(db)
    assert db.read_bytes() == before


def test_read_only_medium_simulated_by_a_probe_write_failing_with_erofs(tmp_path, monkeypatch):
    db = tmp_path / "ledger.db"
    open_database(db).dispose()

    def erofs(*_a, **_k):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(location.tempfile, "NamedTemporaryFile", erofs)
    with pytest.raises(DomainError, match="只读U盘"):
        open_database(db)


def test_sqlite_refusing_a_write_transaction_is_read_only(tmp_path, monkeypatch):
    """A real SQLite read-only error: the engine opens the file with mode=ro (as on a locked medium)."""
    db = tmp_path / "ledger.db"
    open_database(db).dispose()
    uri = f"sqlite:///{db.resolve().as_uri()}?mode=ro&uri=true"
    monkeypatch.setattr(database, "make_engine", lambda _p: create_engine(uri))
    with pytest.raises(DomainError, match="只能读、不能写"):
        open_database(db)


@pytest.mark.skipif(IS_ROOT, reason="root ignores permission bits (CI); the simulated tests cover it")
def test_read_only_folder_for_real_when_not_root(tmp_path):
    db = tmp_path / "ro" / "ledger.db"
    open_database(db).dispose()
    db.parent.chmod(0o555)
    db.chmod(0o444)
    try:
        with pytest.raises(DomainError, match="不能写"):
            open_database(db)
    finally:
        db.parent.chmod(0o755)


def test_full_disk_simulated_by_disk_usage(tmp_path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(location.shutil, "disk_usage", lambda _p: usage(10**9, 10**9, 100_000))
    with pytest.raises(DomainError, match=r"磁盘空间不足（还剩0\.1 MB"):
        open_database(tmp_path / "ledger.db")
    assert not (tmp_path / "ledger.db").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is a Linux device")
def test_a_real_enospc_from_dev_full_is_explained_as_a_full_disk():
    with pytest.raises(OSError) as caught, open("/dev/full", "wb") as f:
        f.write(b"x")
        f.flush()
    assert caught.value.errno == errno.ENOSPC
    assert "磁盘空间不足" in explain_os_error(caught.value, Path("/dev")).message


def test_a_damaged_file_offers_the_latest_good_backup_and_is_left_alone(tmp_path):
    db = tmp_path / "ledger.db"
    assert _init(db) == 0
    backup = make_backup(db)
    _scribble(db)
    damaged = db.read_bytes()
    with pytest.raises(DatabaseDamaged) as caught:
        open_database(db)
    assert "文件已损坏或不是台账数据库" in caught.value.message
    assert caught.value.backup is not None and caught.value.backup.path == backup
    assert db.read_bytes() == damaged


def test_a_text_file_is_not_a_database_and_without_backups_says_so(tmp_path):
    db = tmp_path / "ledger.db"
    db.write_text("这不是数据库" * 100, encoding="utf-8")
    with pytest.raises(DatabaseDamaged, match="没有找到可用的备份") as caught:
        open_database(db)
    assert caught.value.backup is None
    assert db.read_text(encoding="utf-8") == "这不是数据库" * 100


def test_cli_prints_the_restore_command_and_restore_sets_the_bad_file_aside(tmp_path, capsys):
    db = tmp_path / "ledger.db"
    assert _init(db) == 0
    backup = make_backup(db)
    _scribble(db)
    damaged = db.read_bytes()
    capsys.readouterr()
    assert main(["stats", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "文件已损坏或不是台账数据库" in err and f'taizhang restore "{backup}" --db "{db}"' in err
    assert main(["restore", str(backup), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "已从备份恢复" in out and "改名保存" in out
    (aside,) = tmp_path.glob("ledger-已损坏-*.db")
    assert aside.read_bytes() == damaged
    assert main(["stats", "--db", str(db)]) == 0


def test_cli_backup_list_and_restore_round_trip(tmp_path, capsys):
    db = tmp_path / "ledger.db"
    usb = tmp_path / "usb"
    assert _init(db) == 0
    assert main(["ledgers", "--db", str(db)]) == 0  # the first start of the day with a village backs up
    assert main(["backup", "--db", str(db), "--out", str(usb)]) == 0
    assert "已备份并检查通过" in capsys.readouterr().out
    (copy,) = usb.glob("*.db")
    assert main(["backups", "--db", str(db), "--dir", str(usb)]) == 0
    assert "✓ 可用" in capsys.readouterr().out
    con = sqlite3.connect(db)
    con.execute("UPDATE village SET name = '改过的村'")
    con.commit()
    con.close()
    assert main(["restore", str(copy), "--db", str(db)]) == 0
    assert "恢复前的数据已先备份到" in capsys.readouterr().out
    con = sqlite3.connect(db)
    assert con.execute("SELECT name FROM village").fetchone() == ("柳林沟村",)
    con.close()
    names = {b.name for b in backup_dir_for(db).glob("*.db")}
    assert any("before-restore" in n for n in names) and any("daily" in n for n in names)
