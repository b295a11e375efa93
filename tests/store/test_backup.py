"""Backups: one verified self-contained file, daily once, rotation, verification, restore."""

import shutil
import sqlite3
from collections import namedtuple
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.errors import DomainError
from app.store import location
from app.store.backup import (
    backup_before,
    ensure_daily_backup,
    make_backup,
    parse_name,
    rotate_backups,
    timestamped_name,
)
from app.store.backups import latest_good_backup, list_backups, restore_backup, verify_backup
from app.store.database import open_database
from app.store.location import backup_dir_for
from tests.conftest import make_item

DAY = datetime(2026, 11, 22, 8, 30)


def _db(engine) -> Path:
    return Path(engine.url.database)


def _count(db: Path, table: str = "item") -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_a_backup_is_one_checked_file_holding_the_data(engine, settings, village):
    make_item(engine, settings, village, received=DAY.date())
    db = _db(engine)
    path = make_backup(db)
    assert path.parent == backup_dir_for(db)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no -wal, -shm or .part
    info = verify_backup(path)
    assert info.ok and (info.villages, info.items) == (1, 1) and info.events >= 1
    assert info.reason == "manual" and info.reason_label == "手动" and not info.needs_upgrade
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    con.close()


def test_backup_to_another_folder_such_as_a_usb_stick(engine, village, tmp_path):
    usb = tmp_path / "U盘" / "台账备份"
    path = make_backup(_db(engine), usb)
    assert path.parent == usb and verify_backup(path).ok
    assert not backup_dir_for(_db(engine)).exists()


def test_daily_backup_is_made_once_a_day(engine, village):
    db = _db(engine)
    first = ensure_daily_backup(db, DAY)
    assert first is not None and parse_name(first).reason == "daily"
    assert ensure_daily_backup(db, DAY + timedelta(hours=5)) is None
    assert ensure_daily_backup(db, DAY + timedelta(days=1)) is not None
    assert len(list_backups(db)) == 2


def test_nothing_to_back_up_before_there_is_data(tmp_path):
    assert backup_before(tmp_path / "none.db", "import") is None
    empty = tmp_path / "empty.db"
    open_database(empty).dispose()  # tables, but no village yet
    assert ensure_daily_backup(empty) is None and not backup_dir_for(empty).exists()
    assert ensure_daily_backup(tmp_path / "none.db") is None
    with pytest.raises(DomainError, match="还没有数据"):
        make_backup(tmp_path / "none.db")


def test_backup_before_a_risky_step_is_named_for_it(engine, village):
    path = backup_before(_db(engine), "import")
    assert path is not None and parse_name(path).reason == "before-import"
    assert verify_backup(path).reason_label == "导入前"


def _fake(folder: Path, db: Path, reason: str, when: datetime) -> Path:
    path = folder / timestamped_name(db, reason, when)
    path.write_bytes(b"x")
    return path


def test_rotation_keeps_seven_days_twelve_months_and_ten_per_reason(tmp_path):
    db = tmp_path / "taizhang.db"
    folder = backup_dir_for(db)
    folder.mkdir()
    start = datetime(2025, 1, 1, 9)
    daily = [_fake(folder, db, "daily", start + timedelta(days=d)) for d in range(690)]  # to 2026-11-21
    second_today = _fake(folder, db, "daily", start + timedelta(days=689, hours=3))
    imports = [_fake(folder, db, "before-import", start + timedelta(hours=h)) for h in range(15)]
    other_db = _fake(folder, tmp_path / "other.db", "daily", start)
    stranger = folder / "我的备份.db"
    stranger.write_bytes(b"y")
    rotate_backups(db)
    left = {p.name for p in folder.iterdir()}
    last_days = {p.name for p in daily[-7:-1]} | {second_today.name}  # newest of each of 7 days
    assert last_days <= left and daily[-1].name not in left and daily[-8].name not in left
    firsts = [p for p in daily if parse_name(p).made_at.day == 1]
    assert {p.name for p in firsts[-12:]} <= left and firsts[-13].name not in left
    assert {p.name for p in imports[-10:]} <= left and imports[-11].name not in left
    assert other_db.name in left and stranger.name in left  # never touches what is not ours
    assert len(left) == 7 + 12 + 10 + 2


def test_verification_rejects_damaged_foreign_and_newer_files(engine, village, tmp_path):
    good = make_backup(_db(engine))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 200)
    assert "损坏" in verify_backup(junk).problem
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    assert verify_backup(foreign).problem == "不是本软件的台账数据库"
    newer = tmp_path / "newer.db"
    shutil.copy(good, newer)
    con = sqlite3.connect(newer)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    assert "更新版本" in verify_backup(newer).problem
    damaged = tmp_path / "damaged.db"
    shutil.copy(good, damaged)
    _scribble(damaged)
    assert not verify_backup(damaged).ok


def _scribble(path: Path) -> None:
    """Overwrite pages after the first with garbage (the SQLite header stays intact)."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(4096)
        f.write(b"\xa5" * max(4096, size - 4096))


def test_restore_backs_up_the_current_state_first(engine, settings, village):
    db = _db(engine)
    make_item(engine, settings, village, received=DAY.date())
    backup = make_backup(db)
    make_item(engine, settings, village, received=DAY.date(), request="第二件")
    engine.dispose()
    result = restore_backup(backup, db)
    assert _count(db) == 1
    assert result.safety_copy is not None and _count(result.safety_copy) == 2  # nothing lost
    assert result.set_aside is None and result.info.items == 1
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
    with engine.connect() as conn:  # the app's engine reads the restored content
        assert conn.exec_driver_sql("SELECT count(*) FROM item").scalar() == 1


def test_a_damaged_database_is_set_aside_not_overwritten(engine, settings, village):
    db = _db(engine)
    make_item(engine, settings, village, received=DAY.date())
    backup = make_backup(db)
    engine.dispose()
    _scribble(db)
    damaged = db.read_bytes()
    assert latest_good_backup(db).path == backup
    result = restore_backup(backup, db)
    assert result.safety_copy is None and result.set_aside is not None
    assert result.set_aside.read_bytes() == damaged and "已损坏" in result.set_aside.name
    assert _count(db) == 1


def test_a_bad_backup_is_refused_and_nothing_changes(engine, village, tmp_path):
    db = _db(engine)
    engine.dispose()
    before = db.read_bytes()
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 1000)
    with pytest.raises(DomainError, match="不能用来恢复"):
        restore_backup(bad, db)
    assert db.read_bytes() == before and not backup_dir_for(db).exists()


def test_latest_good_backup_skips_a_damaged_newest(engine, village):
    db = _db(engine)
    older = make_backup(db)
    newest = make_backup(db)
    _scribble(newest)
    assert latest_good_backup(db).path == older


def test_a_full_disk_stops_the_backup_with_a_chinese_message(engine, village, monkeypatch):
    """Simulated: shutil.disk_usage reports 1 MB free."""
    db = _db(engine)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(location.shutil, "disk_usage", lambda _p: usage(10**9, 10**9, 2**20))
    with pytest.raises(DomainError, match="磁盘空间不足"):
        make_backup(db)
    assert not any(backup_dir_for(db).glob("*"))


def test_an_upgrade_backup_goes_through_the_same_function(tmp_path):
    db = tmp_path / "v.db"
    open_database(db).dispose()
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '0002'")
    con.commit()
    con.close()
    with pytest.raises(Exception):  # noqa: B017 - 0003 cannot be re-applied; the backup came first
        open_database(db)
    (found,) = list_backups(db)
    assert found.reason == "before-upgrade" and found.schema == "0002" and found.needs_upgrade


def test_restore_onto_a_new_computer_without_a_database(engine, settings, village, tmp_path):
    make_item(engine, settings, village, received=DAY.date())
    usb_copy = make_backup(_db(engine), tmp_path / "usb")
    new_db = tmp_path / "新电脑" / "taizhang" / "taizhang.db"
    result = restore_backup(usb_copy, new_db)
    assert result.safety_copy is None and result.set_aside is None
    assert _count(new_db) == 1 and _count(new_db, "village") == 1
    open_database(new_db).dispose()
