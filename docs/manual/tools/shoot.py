"""Screenshots for the user manual that `taizhang gui --screenshot` cannot take (dialogs, filled forms,
pages after an action). It walks one month of a new village through the real window offscreen, in a
temporary folder, and saves PNGs into docs/manual/images/. Qt lives only here, never in app/.

Run:  QT_QPA_PLATFORM=offscreen python docs/manual/tools/shoot.py [OUT_DIR]
(docs/manual/tools/refresh_screenshots.sh runs it together with the page screenshots.)
"""

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QDate, QEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget  # noqa: E402

from app.models.enums import Action, DeliberationDecision, Satisfaction  # noqa: E402
from app.services.context import load_settings  # noqa: E402
from app.services.demo import build_demo  # noqa: E402
from app.services.workspace import Workspace  # noqa: E402
from app.store.database import open_database  # noqa: E402
from app.ui.agenda_table_model import COL_DECISION, COL_OPINION, COL_OUTCOME  # noqa: E402
from app.ui.hub import EventHub  # noqa: E402
from app.ui.item_dialog import ItemDialog  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from app.ui.prefs import Prefs  # noqa: E402
from app.ui.register_dialog import RegisterDialog  # noqa: E402
from app.ui.setup_dialog import SetupDialog  # noqa: E402
from app.ui.theme import apply_text_size, register_font  # noqa: E402

TODAY = date(2026, 11, 22)  # fixed, so every refresh draws the same month
MONTH = "2026-11"
VILLAGE, VILLAGE_CODE = "双河村", "510623105210"  # not one of the demo villages, so imports are clean
MESSAGES: list[tuple[str, str]] = []  # every message box the walk met: (kind, title：text)


def _record(kind: str, answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok):  # type: ignore[no-untyped-def]
    def box(_parent, title, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        MESSAGES.append((kind, f"{title}：{text}"))
        return answer

    return box


QMessageBox.warning = _record("warning")  # type: ignore[method-assign]
QMessageBox.information = _record("information")  # type: ignore[method-assign]
QMessageBox.critical = _record("critical")  # type: ignore[method-assign]
QMessageBox.question = _record("question", QMessageBox.StandardButton.Yes)  # type: ignore[method-assign]


def settle(app: QApplication, seconds: float = 0.4) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        # deleteLater() runs only when an event loop returns; offscreen there is none, so run it here
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def wait_until(app: QApplication, ok, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not ok():
        if time.monotonic() > end:
            raise SystemExit(f"等了{timeout}秒仍未完成：{what}；消息：{MESSAGES}")
        app.processEvents()
        time.sleep(0.02)


class Shooter:
    def __init__(self, app: QApplication, out: Path) -> None:
        self.app, self.out = app, out
        self.taken: list[Path] = []

    def grab(self, widget: QWidget, name: str, size: tuple[int, int] | None = None) -> None:
        if size is not None:
            widget.resize(*size)
        widget.show()
        settle(self.app)
        path = self.out / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise SystemExit(f"截图没有保存：{path}")
        self.taken.append(path)


def select(box, data) -> None:  # type: ignore[no-untyped-def]
    index = box.findData(data)
    if index < 0:
        raise SystemExit(f"下拉框里没有：{data}")
    box.setCurrentIndex(index)


def workspace_in(folder: Path, name: str) -> Workspace:
    data = folder / f"{name}-data"
    data.mkdir(parents=True, exist_ok=True)
    engine = open_database(folder / f"{name}.db")
    ws = Workspace(engine, load_settings(data), data, lambda: TODAY)
    ws.sync_configuration()
    return ws


# ---- the village's month ------------------------------------------------------------------------
def setup(shot: Shooter, ws: Workspace) -> None:
    dialog = SetupDialog(ws)
    dialog.name_edit.setText(VILLAGE)
    dialog.code_edit.setText(VILLAGE_CODE)
    dialog.township_edit.setText("富兴镇")
    dialog.county_edit.setText("中江县")
    rows = dialog.cadre_rows
    for row, (name, role, phone) in zip(
        rows, (("杨运润", "村党支部书记", "13800001111"), ("李明", "村委会主任", "13800002222")), strict=False
    ):
        row.name.setText(name)
        row.role.setCurrentText(role)
        row.phone.setText(phone)
    shot.grab(dialog, "01-setup")
    dialog.create_button.click()
    if not ws.villages():
        raise SystemExit(f"建村没有成功：{MESSAGES}")
    dialog.close()


def register(shot: Shooter, window: MainWindow, ws: Workspace, spec: dict, name: str | None) -> str:  # type: ignore[type-arg]
    dialog = RegisterDialog(ws, window.actor(), ws.villages()[0].id, window)
    select(dialog.ledger_box, spec["ledger"])
    select(dialog.category_box, spec["category"])
    select(dialog.source_box, spec["source"])
    dialog.received_edit.setDate(QDate(spec["received"].year, spec["received"].month, spec["received"].day))
    picker = dialog.picker
    picker.search.setText(spec["person"][0])
    settle(shot.app, 0.6)  # the search is debounced
    picker.choose(0)  # no one of that name yet: the only row is “没有找到…，按回车在此新登记”
    if picker.is_new():
        form = picker.form
        person, gender, group, phone, id_number = spec["person"]
        form.name_edit.setText(person)
        if id_number:
            form.id_edit.setText(id_number)  # fills 性别 from the number
        else:
            form.gender_box.setCurrentText(gender)
        form.group_edit.setText(group)
        form.phone_edit.setText(phone)
    dialog.request_edit.setPlainText(spec["request"])
    if name:
        shot.grab(dialog, name)
    dialog.save_button.click()
    if not dialog.created_item_id:
        raise SystemExit(f"登记没有成功：{dialog.summary.text()} {MESSAGES}")
    window.hub.item_changed.emit(dialog.created_item_id)
    dialog.close()
    return dialog.created_item_id


ITEMS = {
    "road": {
        "ledger": "minsheng",
        "category": "基础设施建设",
        "source": "走访",
        "received": date(2026, 11, 16),
        "person": ("王长贵", "男", "三社", "13900001234", "510623195803121237"),  # made-up number
        "request": "三社到村委会的村道有一段塌方，下雨天摩托车过不去，希望尽快修复。",
    },
    "pond": {
        "ledger": "minsheng",
        "category": "基础设施建设",
        "source": "民情电话",
        "received": date(2026, 11, 17),
        "person": ("张大云", "男", "五社", "13900005678", ""),
        "request": "五社山坪塘漏水蓄不住水，明年插秧时几十亩田放不进水。",
    },
    "dibao": {
        "ledger": "kunnan",
        "category": "低保",
        "source": "来信来访",
        "received": date(2026, 11, 18),
        "person": ("刘秀英", "女", "二社", "13900002468", ""),
        "request": "老伴去年去世，本人患慢性病，家里没有劳动力，申请低保。",
    },
    "dispute": {
        "ledger": "wending",
        "category": "土地纠纷",
        "source": "走访",
        "received": date(2026, 11, 19),
        "person": ("陈永福", "男", "四社", "13900003579", ""),
        "request": "与邻居因承包地边界发生争执，多次调解未果。",
    },
}


def meeting(shot: Shooter, window: MainWindow, ids: dict[str, str]) -> None:
    page = window.pages["meeting"]
    window.show_page("meeting")
    page.refresh()
    plan = {
        "road": (DeliberationDecision.HANDLE, "村里组织三社群众投工投劳，5天内修复塌方路段", ""),
        "pond": (DeliberationDecision.ESCALATE, "村里无力修复，报镇上申请一事一议资金", ""),
        "dibao": (
            DeliberationDecision.SETTLE,
            "符合低保条件，会上评议通过",
            "评议通过，已报镇民政办审批",
        ),
        "dispute": (DeliberationDecision.HANDLE, "由村调委会再次组织双方调解", ""),
    }
    model = page.model
    for key, (decision, opinion, outcome) in plan.items():
        row = next(r for r in range(model.rowCount()) if model.item_id(r) == ids[key])
        model.setData(model.index(row, COL_DECISION), decision)
        model.setData(model.index(row, COL_OPINION), opinion)
        if outcome:
            model.setData(model.index(row, COL_OUTCOME), outcome)
    page.place_edit.setText("村委会议室")
    page.host_edit.setText("杨运润")
    page.total_spin.setValue(15)
    page.villagers_spin.setValue(7)
    page.names_edit.setPlainText("杨运润、李明、王德全、赵小芳、周国强等15人")
    shot.grab(window, "03-meeting", (1440, 900))
    page.save()
    if any(kind in ("warning", "critical") for kind, _ in MESSAGES):
        raise SystemExit(f"议账会议没有保存：{MESSAGES}")


def act(shot: Shooter, dialog: ItemDialog, action: Action, name: str | None, **values) -> None:  # type: ignore[no-untyped-def]
    form = dialog.form_for(action)
    form.fill(**values)
    if name:
        shot.grab(form, name)
    if not form.submit():
        raise SystemExit(f"{action} 没有保存：{form.error_label.text()}")
    form.close()


def month_of_work(shot: Shooter, window: MainWindow, ws: Workspace, ids: dict[str, str]) -> None:
    road = ItemDialog(ws, window.hub, ids["road"], window.actor(), window)
    shot.grab(road, "04-item-handling", (1200, 820))
    act(
        shot,
        road,
        Action.SETTLE,
        "04-settle-form",
        measures="组织三社群众12人投工投劳，清理塌方土石，砌挡墙8米",
        outcome="塌方路段已修复，摩托车、农用车可以正常通行",
    )
    shot.grab(road, "05-item-settled", (1200, 820))
    act(
        shot,
        road,
        Action.CONFIRM,
        "05-confirm-form",
        satisfaction=Satisfaction.SATISFIED,
        opinion="路修好了，满意",
        signed_by="王长贵",
    )
    road.close()
    dispute = ItemDialog(ws, window.hub, ids["dispute"], window.actor(), window)
    act(
        shot,
        dispute,
        Action.ESCALATE,
        "04-escalate-form",
        reason="调解两次未成，双方都不接受，报镇司法所调处",
    )
    shot.grab(dispute, "04-item-escalated", (1200, 820))
    dispute.close()
    dibao = ItemDialog(ws, window.hub, ids["dibao"], window.actor(), window)
    act(
        shot,
        dibao,
        Action.CONFIRM,
        None,
        satisfaction=Satisfaction.VERY_SATISFIED,
        opinion="感谢",
        signed_by="刘秀英",
    )
    dibao.close()
    pond = ItemDialog(ws, window.hub, ids["pond"], window.actor(), window)
    act(shot, pond, Action.REPLY, "04-reply-form", text="镇上同意列入明年一事一议项目，年前先派人查看")
    pond.close()
    window.hub.data_reset.emit()
    window.show_page("dashboard")
    shot.grab(window, "02-dashboard", (1440, 900))
    window.show_page("minsheng")
    shot.grab(window, "02-ledger", (1440, 900))


def posting(shot: Shooter, window: MainWindow, folder: Path) -> Path:
    page = window.pages["posting"]
    window.show_page("posting")
    page.refresh()
    select(page.month_box, MONTH)
    page.generate()
    wait_until(shot.app, lambda: page.pdf_path is not None and page.generate_button.isEnabled(), "生成公示表")
    settle(shot.app, 0.8)
    shot.grab(window, "06-posting", (1440, 900))
    page.mark_posted()
    out = folder / f"上报工作簿-{VILLAGE}-{MONTH}.xlsx"
    page.write_workbook(out)
    return out


def village_month(shot: Shooter, folder: Path) -> Path:
    ws = workspace_in(folder, "village")
    setup(shot, ws)
    window = MainWindow(ws, EventHub(), Prefs(str(folder / "prefs.ini")))
    ids = {}
    for key, spec in ITEMS.items():
        ids[key] = register(shot, window, ws, spec, "02-register" if key == "road" else None)
    meeting(shot, window, ids)
    month_of_work(shot, window, ws, ids)
    workbook = posting(shot, window, folder)
    window.show_page("safety")
    shot.grab(window, "08-safety", (1440, 900))
    window.show_page("settings")
    shot.grab(window, "01-settings", (1440, 900))
    window.close()
    return workbook


# ---- the township -------------------------------------------------------------------------------
def township(shot: Shooter, folder: Path, workbook: Path) -> Path:
    """The township's database already holds three demo villages; 双河村's workbook comes in."""
    ws = workspace_in(folder, "township")
    build_demo(engine=ws.engine, config=ws.settings.ledgers, villages=3, items=150, seed=2012, today=TODAY)
    window = MainWindow(ws, EventHub(), Prefs(str(folder / "prefs-township.ini")))
    page = window.pages["import"]
    window.show_page("import")
    page.add_paths([workbook])
    run_import(shot, page, dry_run=True)
    shot.grab(window, "09-import", (1440, 900))
    run_import(shot, page, dry_run=False)
    window.hub.data_reset.emit()
    window.show_page("township")
    settle(shot.app, 1.0)
    shot.grab(window, "09-township", (1440, 900))
    reply = folder / f"答复工作簿-{VILLAGE}.xlsx"
    tpage = window.pages["township"]
    item_id = waiting_item(tpage)
    dialog = ItemDialog(ws, window.hub, item_id, "镇综治办 王强", window)
    act(shot, dialog, Action.REPLY, None, text="镇司法所定于11月25日到现场勘界调处")
    dialog.close()
    tpage.write_replies(VILLAGE_CODE, None, reply)
    wait_until(shot.app, lambda: any("已导出" in t for _k, t in MESSAGES), "导出答复工作簿")
    window.close()
    return reply


def waiting_item(tpage) -> str:  # type: ignore[no-untyped-def]
    """The first item of 双河村 in the township page's 等待乡镇办理 list."""
    tpage.load()
    for row in range(tpage.waiting_model.rowCount()):
        if tpage.waiting_model.index(row, 0).data() == VILLAGE:
            item_id = tpage.waiting_model.item_id(row)
            if item_id:
                return item_id
    raise SystemExit("乡镇汇总页的等待办理事项中没有双河村的事项")


def run_import(shot: Shooter, page, *, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    page.outcome_model.set_rows([])
    page.run(dry_run=dry_run)
    wait_until(
        shot.app, lambda: page.outcome_model.rowCount() > 0 and page.preview_button.isEnabled(), "导入"
    )
    settle(shot.app, 0.5)


def village_gets_reply(shot: Shooter, folder: Path, reply: Path) -> None:
    """Back in the village: the township's reply workbook is imported and the item shows the reply."""
    ws = workspace_in(folder, "village")
    window = MainWindow(ws, EventHub(), Prefs(str(folder / "prefs.ini")))
    page = window.pages["import"]
    window.show_page("import")
    page.add_paths([reply])
    run_import(shot, page, dry_run=False)
    shot.grab(window, "09-reply-imported", (1440, 900))
    window.close()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "manual" / "images"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    register_font()
    apply_text_size(app, "大")
    shot = Shooter(app, out)
    keep = os.environ.get("TAIZHANG_MANUAL_KEEP")  # a folder to keep the databases in (the walk)
    with tempfile.TemporaryDirectory(prefix="taizhang-manual-") as tmp:
        folder = Path(keep) if keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        workbook = village_month(shot, folder)
        reply = township(shot, folder, workbook)
        village_gets_reply(shot, folder, reply)
    for path in shot.taken:
        print(f"已保存：{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    for kind, text in MESSAGES:
        print(f"  弹出的消息（{kind}）：{text}".replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
