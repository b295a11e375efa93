"""The command line as township staff and our checks use it: real files, real output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-11-22"


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_then_empty_stats(tmp_path, capsys):
    db = str(tmp_path / "v.db")
    code, out, _ = run(
        capsys,
        "init",
        "--db",
        db,
        "--village-code",
        "510623105201",
        "--village",
        "柳林沟村",
        "--township",
        "富兴镇",
        "--county",
        "中江县",
        "--cadre",
        "杨运润:村党支部书记:13800001111",
    )
    assert code == 0 and "柳林沟村" in out
    code, out, _ = run(capsys, "stats", "--db", db, "--json", "--today", TODAY)
    data = json.loads(out)
    assert code == 0 and data["registered"] == 0 and data["settlement_rate"] == 0.0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["init", "--village-code", "5106231052", "--village", "村", "--township", "镇", "--county", "县"],
            "行政区划代码应为12位数字",
        ),
        (
            [
                "init",
                "--village-code",
                "510623105201",
                "--village",
                "村",
                "--township",
                "镇",
                "--county",
                "县",
                "--cadre",
                "张三:文书:12345",
            ],
            "联系电话格式不正确",
        ),
        (["show", "no-such-item"], "找不到编号"),
        (["stats", "--village", "999999999999"], "没有行政区划代码"),
        (["demo", "--items", "0"], "每村事项数"),
    ],
)
def test_errors_are_one_chinese_line_and_nonzero(tmp_path, capsys, args, needle):
    code, _out, err = run(capsys, *args, "--db", str(tmp_path / "e.db"))
    assert code == 1
    assert needle in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bad_arguments_say_so_in_chinese(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["stats", "--today", "2026-13-40", "--db", str(tmp_path / "x.db")])
    assert exc.value.code == 2
    assert "参数错误" in capsys.readouterr().err


def test_failed_init_saves_nothing(tmp_path, capsys):
    db = str(tmp_path / "half.db")
    code, _, _ = run(
        capsys,
        "init",
        "--db",
        db,
        "--village-code",
        "510623105201",
        "--village",
        "柳林沟村",
        "--township",
        "富兴镇",
        "--county",
        "中江县",
        "--cadre",
        "张三:文书:123",
    )
    assert code == 1
    code, _out, _ = run(
        capsys,
        "init",
        "--db",
        db,
        "--village-code",
        "510623105201",
        "--village",
        "柳林沟村",
        "--township",
        "富兴镇",
        "--county",
        "中江县",
    )
    assert code == 0, "the failed init must not have left the village half-created"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("demo") / "demo.db")
    assert main(["demo", "--db", db, "--items", "500", "--seed", "7", "--today", TODAY]) == 0
    return db


def _json(capsys, *args: str):
    code, out, _ = run(capsys, *args)
    assert code == 0
    return json.loads(out)


def test_demo_stats_and_overdue_agree(demo_db, capsys):
    stats = _json(capsys, "stats", "--db", demo_db, "--json", "--today", TODAY)
    overdue = _json(capsys, "overdue", "--db", demo_db, "--json", "--today", TODAY)
    for key in (
        "registered",
        "settled",
        "settlement_rate",
        "settled_by_level",
        "escalated",
        "overdue",
        "reopened",
        "satisfaction_rate",
        "by_ledger",
    ):
        assert key in stats
    assert stats["registered"] + stats["voided"] == 500
    assert stats["overdue"] == len(overdue) > 0
    assert sum(stats["settled_by_level"].values()) == stats["settled"]
    assert round(sum(stats["settled_share_by_level"].values()), 2) == 100.0
    assert stats["settlement_rate"] == round(stats["settled"] / stats["registered"], 4)
    assert sum(b["registered"] for b in stats["by_ledger"].values()) == stats["registered"]
    assert sum(b["overdue"] for b in stats["by_ledger"].values()) == stats["overdue"]
    assert set(stats["by_ledger"]) == {"minsheng", "kunnan", "wending"}
    assert stats["escalated"] > 0 and stats["reopened"] > 0
    assert all(r["days_overdue"] > 0 and r["due"] < TODAY for r in overdue)
    assert {r["level"] for r in overdue} <= {"village", "township", "county"}
    assert all(set(r) >= {"uuid", "serial", "ledger", "level", "due", "days_overdue"} for r in overdue)


def test_demo_covers_every_state(demo_db):
    import sqlite3

    con = sqlite3.connect(demo_db)
    states = {r[0] for r in con.execute("SELECT DISTINCT state FROM item")}
    con.close()
    for state in (
        "registered",
        "village_handling",
        "township_handling",
        "settled",
        "confirmed",
        "published",
        "voided",
    ):
        assert state in states


def test_month_stats_count_only_that_month(demo_db, capsys):
    month = _json(capsys, "stats", "--db", demo_db, "--json", "--month", "2026-10", "--today", TODAY)
    assert month["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    assert set(month["by_month"]) == {"2026-10"}
    total = _json(capsys, "stats", "--db", demo_db, "--json", "--today", TODAY)
    assert month["by_month"]["2026-10"]["registered"] == total["by_month"]["2026-10"]["registered"]


def test_demo_is_deterministic_for_a_seed(tmp_path, capsys):
    dbs = [str(tmp_path / f"d{i}.db") for i in range(2)]
    for db in dbs:
        assert main(["demo", "--db", db, "--items", "60", "--seed", "3", "--today", TODAY]) == 0
    capsys.readouterr()
    a, b = (_json(capsys, "overdue", "--db", db, "--json", "--today", TODAY) for db in dbs)
    assert [(r["serial"], r["due"]) for r in a] == [(r["serial"], r["due"]) for r in b]
    a, b = (_json(capsys, "stats", "--db", db, "--json", "--today", TODAY) for db in dbs)
    assert a == b


def test_show_prints_the_whole_record(demo_db, capsys):
    serial = _json(capsys, "overdue", "--db", demo_db, "--json", "--today", TODAY)[0]["serial"]
    code, out, _ = run(capsys, "show", serial, "--db", demo_db, "--today", TODAY)
    assert code == 0
    for needle in (serial, "主要诉求及原因", "诉求人", "已逾期", "办理记录", "建账登记"):
        assert needle in out


def test_first_start_screenshot_opens_a_demo_village(tmp_path, capsys):
    db = tmp_path / "first.db"
    shot = tmp_path / "first.png"
    code, _, _ = run(capsys, "gui", "--db", str(db), "--today", TODAY, "--screenshot", str(shot))
    assert code == 0 and shot.stat().st_size > 10_000
    code, out, _ = run(capsys, "todo", "--db", str(db), "--today", TODAY)
    assert "今日待办" in out and "待议账" in out


def test_main_py_runs_the_same_cli(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "overdue", "--db", str(tmp_path / "m.db"), "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert proc.returncode == 0 and json.loads(proc.stdout) == []


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    blocks = [b.split("```")[0].strip() for b in readme.split("```bash\n")[1:]]
    assert len(blocks) >= 2
    assert blocks[1] in ci


def test_a_county_ledger_file_in_the_data_folder_adds_ledgers_without_code(tmp_path, capsys):
    folder = tmp_path / "xdg" / "taizhang"
    folder.mkdir(parents=True)
    (folder / "ledgers.toml").write_text(
        '[[ledger]]\nkey = "liushou_ertong"\nname = "留守儿童台账"\ncode = "LE"\n'
        'categories = ["学业帮扶", "生活照料"]\n\n'
        '[[ledger]]\nkey = "minsheng"\nname = "民生台账"\ncode = "MS"\ncategories = ["饮水安全"]\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "ledgers", "--db", str(tmp_path / "county.db"))
    assert code == 0
    assert "留守儿童台账（liushou_ertong，编号代码 LE）：学业帮扶、生活照料" in out
    assert "饮水安全" in out.splitlines()[0] and "经济发展" in out.splitlines()[0]


def test_a_broken_ledger_file_is_reported_in_chinese(tmp_path, capsys):
    folder = tmp_path / "xdg" / "taizhang"
    folder.mkdir(parents=True)
    (folder / "ledgers.toml").write_text("[[ledger]]\nkey = \n", encoding="utf-8")
    code, _, err = run(capsys, "ledgers", "--db", str(tmp_path / "county.db"))
    assert code == 1 and "配置文件“ledgers.toml”格式错误" in err


def test_a_village_workbook_imported_at_the_township_gives_the_same_figures(demo_db, tmp_path, capsys):
    book = tmp_path / "village.xlsx"
    town = str(tmp_path / "town.db")
    assert main(["export-xlsx", "--db", demo_db, "--today", TODAY, "--out", str(book)]) == 0
    code, out, _ = run(capsys, "import", str(book), "--db", town, "--today", TODAY, "--dry-run")
    assert code == 0 and "预览（未写入）" in out
    assert _json(capsys, "stats", "--db", town, "--json", "--today", TODAY)["registered"] == 0
    code, out, _ = run(capsys, "import", str(book), "--db", town, "--today", TODAY)
    assert code == 0 and "新增500件" in out
    ours = _json(capsys, "stats", "--db", demo_db, "--json", "--today", TODAY)
    theirs = _json(capsys, "stats", "--db", town, "--json", "--today", TODAY)
    assert {k: v for k, v in theirs.items() if k != "by_ledger"} == {
        k: v for k, v in ours.items() if k != "by_ledger"
    }
    code, out, _ = run(capsys, "import", str(book), "--db", town, "--today", TODAY)
    assert "未变500件" in out
    # the second real import had data to protect: a verified backup was made first
    assert "导入前已备份" in out and list((tmp_path / "backups").glob("town-before-import-*.db"))


def test_errors_out_saves_the_problems_and_export_reply_goes_down(demo_db, tmp_path, capsys):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("这不是工作簿", encoding="utf-8")
    errors = tmp_path / "问题.xlsx"
    code, out, _ = run(
        capsys,
        "import",
        str(bad),
        "--db",
        str(tmp_path / "t.db"),
        "--errors-out",
        str(errors),
        "--today",
        TODAY,
    )
    assert code == 1 and f"已把1处问题及出错的行保存到：{errors}" in out
    from openpyxl import load_workbook

    rows = list(load_workbook(errors)["问题清单"].iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == "notes.xlsx" and "不是Excel工作簿" in rows[0][4]
    # the demo database holds one village: its reply workbook carries the items that went up
    code, out, err = run(
        capsys,
        "export-reply",
        "--db",
        demo_db,
        "--village",
        "510623105201",
        "--out",
        str(tmp_path / "r.xlsx"),
        "--today",
        TODAY,
    )
    assert code == 0, err
    assert "答复工作簿" in out and (tmp_path / "r.xlsx").exists()


def test_a_file_that_is_not_a_workbook_imports_nothing(tmp_path, capsys):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("这不是工作簿", encoding="utf-8")
    code, out, _ = run(capsys, "import", str(bad), "--db", str(tmp_path / "t.db"), "--today", TODAY)
    assert code == 1 and "不是Excel工作簿" in out and "未导入" in out
