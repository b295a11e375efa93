"""Benchmark: the window on a county database (100,000 items) against raw SQLite for the same work.

Usage:  python bench/bench_gui.py [--db PATH] [--out docs/performance.md]
Builds the database with `taizhang demo --villages 200 --items 500` if it does not exist, then
measures (median of repeated runs, offscreen): opening the main window with its dashboard, every
search keystroke's result on the 全部事项 page, the common filters, and peak memory. Each figure is
set beside the raw sqlite3 query that fetches the same ids, measured in the same run.
"""

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 11, 22)
RAW_SEARCH = (
    "SELECT i.id FROM item i JOIN person p ON p.id = i.person_id "
    "WHERE i.search_key LIKE ? OR i.request LIKE ? ORDER BY i.received_on DESC, i.serial"
)
RAW_FILTER = (
    "SELECT i.id FROM item i JOIN person p ON p.id = i.person_id JOIN ledger l ON l.id = i.ledger_id "
    "WHERE l.key = ? AND i.category = ? ORDER BY i.received_on DESC, i.serial"
)
RAW_OPEN = "SELECT i.id FROM item i WHERE i.state IN ({}) ORDER BY i.received_on DESC"


def median_ms(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_db(db: Path) -> None:
    if db.exists():
        return
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "demo",
            "--db",
            str(db),
            "--villages",
            "200",
            "--items",
            "500",
            "--seed",
            "1",
            "--today",
            TODAY.isoformat(),
        ],
        check=True,
    )


def raw_figures(db: Path) -> dict[str, float]:
    from app.models.enums import OPEN_STATES

    con = sqlite3.connect(db)
    states = [s.value for s in OPEN_STATES]
    marks = ",".join("?" * len(states))
    out = {
        "search": median_ms(lambda: con.execute(RAW_SEARCH, ("%zdy%", "%zdy%")).fetchall()),
        "search_text": median_ms(lambda: con.execute(RAW_SEARCH, ("%堰渠%", "%堰渠%")).fetchall()),
        "filter": median_ms(lambda: con.execute(RAW_FILTER, ("minsheng", "基础设施建设")).fetchall()),
        "open": median_ms(lambda: con.execute(RAW_OPEN.format(marks), states).fetchall()),
        "count": median_ms(lambda: con.execute("SELECT count(*) FROM item").fetchone()),
    }
    con.close()
    return out


def app_figures(db: Path) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from app.services.context import load_settings
    from app.services.workspace import Workspace
    from app.store.database import open_database
    from app.ui.hub import EventHub
    from app.ui.main_window import MainWindow
    from app.ui.prefs import Prefs
    from app.ui.theme import apply_text_size, register_font

    app = QApplication.instance() or QApplication([])
    register_font()
    apply_text_size(app, "大")
    data = ROOT / "bench" / ".data"
    data.mkdir(exist_ok=True)
    prefs = Prefs(str(data / "prefs.ini"))
    holder: dict[str, MainWindow] = {}

    def open_window() -> None:
        workspace = Workspace(open_database(db), load_settings(data), data, lambda: TODAY)
        window = MainWindow(workspace, EventHub(), prefs)
        window.resize(1440, 900)
        window.show()
        app.processEvents()
        holder["w"] = window

    out = {"open": median_ms(open_window, runs=3), "rss_open": rss_mb()}
    window = holder["w"]
    window.show_page("all")
    page = window.pages["all"]

    def search(text: str) -> None:
        page.search.setText(text)
        page.refresh()  # what the debounce timer fires after the last keystroke
        app.processEvents()

    out["search"] = median_ms(lambda: search("zdy"))
    out["search_text"] = median_ms(lambda: search("堰渠"))
    keystrokes = ["z", "zd", "zdy"]
    out["keystroke_max"] = max(median_ms(lambda t=t: search(t)) for t in keystrokes)
    search("")
    ledger = window.pages["minsheng"]
    window.show_page("minsheng")
    box = ledger.category_box

    def category() -> None:
        box.setCurrentIndex(box.findText("基础设施建设"))
        ledger.refresh()
        app.processEvents()

    out["filter"] = median_ms(category)
    box.setCurrentIndex(0)
    state_box = page.state_box
    window.show_page("all")

    def open_items() -> None:
        state_box.setCurrentIndex(1)  # 办理中
        page.refresh()
        app.processEvents()

    out["open_filter"] = median_ms(open_items)
    page.overdue_box.setChecked(True)
    out["overdue_filter"] = median_ms(lambda: (page.refresh(), app.processEvents()))
    out["rss_peak"] = rss_mb()
    out["rows"] = page.model.rowCount()
    return out


def write_report(out: Path, db: Path, raw: dict[str, float], ui: dict[str, float], items: int) -> None:
    def row(what: str, ours: float, base: float | None, note: str = "", target: float = 500) -> str:
        ratio = f"{ours / base:.1f}×" if base else "—"
        base_txt = f"{base:.1f} ms" if base is not None else "—"
        met = "✓" if ours <= target else "✗"
        return f"| {what} | {ours:.1f} ms | {base_txt} | {ratio} | {met} ≤ {target / 1000:g} s | {note} |"

    lines = [
        "# Performance",
        "",
        f"Measured by `python bench/bench_gui.py` on {date.today():%Y-%m-%d}, on this project's machine "
        "(2 cores), offscreen, against a county database of "
        f"{items:,} items (`taizhang demo --villages 200 --items 500 --seed 1`, "
        f"{db.stat().st_size / 1e6:.0f} MB). "
        "Each figure is the median of repeated runs; the baseline is the raw `sqlite3` query "
        "returning the same "
        "ids, measured in the same run. Ours includes everything the user waits for: the query, loading the "
        "visible rows, their deadline clocks, and repainting the table.",
        "",
        "## The window (issue 3)",
        "",
        "| what | taizhang | raw SQLite | ratio | target | note |",
        "|---|---|---|---|---|---|",
        row(
            "open the window with its dashboard",
            ui["open"],
            raw["open"],
            "baseline: the open-item ids the dashboard needs; ours also computes every open item's clocks "
            "and the month's figures",
            2000,
        ),
        row("search “zdy” (pinyin initials), result shown", ui["search"], raw["search"], "全部事项 page"),
        row("search “堰渠” (request text), result shown", ui["search_text"], raw["search_text"], ""),
        row(
            "slowest keystroke of z → zd → zdy",
            ui["keystroke_max"],
            raw["search"],
            "typing is debounced 250 ms, then one query",
        ),
        row("filter 民生台账 by category", ui["filter"], raw["filter"], ""),
        row("filter 办理中 (all open items)", ui["open_filter"], raw["open"], ""),
        row("filter 只看逾期", ui["overdue_filter"], raw["open"], "clocks computed for every open item"),
        "",
        f"Memory: peak resident set {ui['rss_peak']:.0f} MB after opening and every filter "
        f"({ui['rss_open']:.0f} MB right after opening). The table holds only ids and the rows on screen.",
        "",
        "Reading the figures: a village laptop holds a few hundred items, where every action is instant; "
        "these are the county-sized worst case. Search is bound by SQLite's own `LIKE '%…%'` scan over "
        "100,000 rows (the baseline column), which our code adds little to; a full-text index (FTS5 "
        "trigram) is the next step if townships find it slow.",
        "",
    ]
    replace_section(
        out,
        "## The window (issue 3)",
        "\n".join(lines[lines.index("## The window (issue 3)") :]),
        "\n".join(lines[: lines.index("## The window (issue 3)")]),
    )


def replace_section(path: Path, heading: str, body: str, preamble: str) -> None:
    """Rewrite one '## ' section of the report, keeping every other section as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else preamble + "\n"
    if heading not in text:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        start = text.index(heading)
        nxt = text.find("\n## ", start + len(heading))
        text = text[:start] + body.rstrip("\n") + "\n" + (text[nxt:] if nxt >= 0 else "")
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / ".data" / "county.db")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    ensure_db(args.db)
    raw = raw_figures(args.db)
    ui = app_figures(args.db)
    items = sqlite3.connect(args.db).execute("SELECT count(*) FROM item").fetchone()[0]
    write_report(args.out, args.db, raw, ui, items)
    print(args.out.read_text(encoding="utf-8"))
    sys.stdout.flush()
    os._exit(0)  # skip Qt's teardown at interpreter exit (PySide may crash while finalizing)


if __name__ == "__main__":
    main()
