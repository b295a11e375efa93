"""The services a window needs, one unit of work per call (the UI never holds a session)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from app.models import Cadre, Item, Ledger, Person, Village
from app.models.enums import Action, ItemState
from app.services import actions, config_files
from app.services.chain import VerifyReport, verify_chain
from app.services.clocks import OVERDUE, WARNING
from app.services.config import RuleSet
from app.services.context import Settings, load_settings
from app.services.demo import build_demo
from app.services.errors import DomainError
from app.services.identity import validate_phone
from app.services.import_files import FileOutcome, Progress, Reader, import_workbooks
from app.services.listing import ItemFilter, ItemListRow, list_item_ids, load_rows
from app.services.meetings import ItemDecision, MeetingResult, record_meeting
from app.services.people import create_person, find_people
from app.services.posting import Posted, Posting, build_posting, mark_posted, record_posting
from app.services.privacy import PrivacyPolicy, load_privacy
from app.services.privacy import save_privacy as write_privacy
from app.services.queries import (
    ClockRow,
    ItemDetail,
    clock_rows,
    count_in_state,
    item_detail,
    with_status,
)
from app.services.registration import register_item
from app.services.replies import build_reply
from app.services.report_data import Report, build_report
from app.services.statistics import Period, compute_statistics
from app.services.township import (
    VillageFigures,
    VillageTrend,
    monthly_trend,
    village_figures,
    waiting_at_township,
)
from app.services.villages import add_cadre, category_names, create_village, sync_ledgers
from app.services.workflow import allowed_actions
from app.store import backups as store_backups
from app.store.backup import backup_before, make_backup
from app.store.backups import BackupInfo, RestoreResult
from app.store.location import backup_dir_for, log_dir
from app.store.uow import UnitOfWork

ACTIONS: dict[Action, Callable[..., Any]] = {
    Action.SETTLE_ON_SPOT: actions.settle_on_spot,
    Action.DELIBERATE: actions.deliberate,
    Action.ESCALATE: actions.escalate,
    Action.REPLY: actions.reply,
    Action.ASSIGN: actions.assign,
    Action.SETTLE: actions.settle,
    Action.CONFIRM: actions.confirm,
    Action.PUBLISH: actions.publish,
    Action.FOLLOW_UP: actions.follow_up,
    Action.SUPERVISE: actions.supervise,
    Action.VOID: actions.void,
    Action.EDIT: actions.edit_item,
}


@dataclass(frozen=True)
class Dashboard:
    overdue: list[ClockRow]
    due_soon: list[ClockRow]
    waiting_deliberation: int
    waiting_signature: int
    waiting_publication: int
    month: dict[str, Any]


@dataclass(frozen=True)
class DetailView:
    detail: ItemDetail
    allowed: list[Action]


class Workspace:
    """Facade over the use cases for the GUI; every method is one transaction."""

    def __init__(
        self, engine: Engine, settings: Settings, data_dir: Path, today: Callable[[], date] = date.today
    ) -> None:
        self.engine, self.settings, self.data_dir, self._today = engine, settings, data_dir, today

    def today(self) -> date:
        return self._today()

    # villages, cadres, configuration
    def villages(self) -> list[Village]:
        with UnitOfWork(self.engine) as uow:
            return list(uow.session.exec(select(Village).order_by(Village.code)).all())

    def setup_village(
        self, *, code: str, name: str, township: str, county: str, cadres: list[tuple[str, str, str]]
    ) -> Village:
        with UnitOfWork(self.engine) as uow:
            village = create_village(
                uow=uow, code=code, name=name, township=township, county=county, config=self.settings.ledgers
            )
            for cadre_name, role, phone in cadres:
                add_cadre(uow=uow, village_id=village.id, name=cadre_name, role=role, phone=phone)  # type: ignore[arg-type]
            uow.commit()
            return village

    def open_demo(self, progress: Callable[[int, int], None] | None = None) -> int:
        return build_demo(
            engine=self.engine,
            config=self.settings.ledgers,
            villages=1,
            items=120,
            seed=2012,
            today=self.today(),
            progress=progress,
        )

    def cadres(self, village_id: int | None = None) -> list[Cadre]:
        with UnitOfWork(self.engine) as uow:
            stmt = select(Cadre).where(Cadre.active)
            if village_id is not None:
                stmt = stmt.where(Cadre.village_id == village_id)
            return list(uow.session.exec(stmt.order_by(Cadre.id)).all())  # type: ignore[arg-type]

    def add_cadre(self, *, village_id: int, name: str, role: str, phone: str) -> Cadre:
        with UnitOfWork(self.engine) as uow:
            cadre = add_cadre(uow=uow, village_id=village_id, name=name, role=role, phone=phone)
            uow.commit()
            return cadre

    def update_village(self, village_id: int, **fields: str) -> Village:
        allowed = {"name", "township", "county", "supervision_phone", "township_discipline_phone"}
        with UnitOfWork(self.engine) as uow:
            village = uow.session.get(Village, village_id)
            if village is None:
                raise DomainError("找不到该村")
            for key, value in fields.items():
                if key not in allowed:
                    raise DomainError(f"不能修改“{key}”")
                value = value.strip()
                if key.endswith("phone") and value:
                    value = validate_phone(value)
                elif key in ("name", "township", "county") and not value:
                    raise DomainError("村名、乡镇和县都不能为空")
                setattr(village, key, value)
            uow.session.add(village)
            uow.commit()
            return village

    def sync_configuration(self) -> None:
        """Bring configured ledgers and categories into the database (at start and after edits)."""
        with UnitOfWork(self.engine) as uow:
            sync_ledgers(uow.session, self.settings.ledgers)
            uow.commit()

    def ledgers(self) -> list[Ledger]:
        with UnitOfWork(self.engine) as uow:
            stmt = select(Ledger).where(Ledger.active).order_by(Ledger.sort_order)  # type: ignore[arg-type]
            return list(uow.session.exec(stmt).all())

    def categories(self, ledger_key: str) -> list[str]:
        with UnitOfWork(self.engine) as uow:
            ledger = uow.session.exec(select(Ledger).where(Ledger.key == ledger_key)).first()
            return category_names(uow.session, ledger.id) if ledger else []  # type: ignore[arg-type]

    # reading
    def dashboard(self, village_ids: list[int] | None = None) -> Dashboard:
        today = self.today()
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            clocks = clock_rows(s, self.settings, today, village_ids)
            return Dashboard(
                overdue=with_status(clocks, OVERDUE),
                due_soon=with_status(clocks, WARNING),
                waiting_deliberation=count_in_state(s, ItemState.REGISTERED, village_ids),
                waiting_signature=count_in_state(s, ItemState.SETTLED, village_ids),
                waiting_publication=count_in_state(s, ItemState.CONFIRMED, village_ids),
                month=compute_statistics(
                    s,
                    rules=self.settings.rules,
                    cal=self.settings.calendar,
                    today=today,
                    village_ids=village_ids,
                    period=Period.month(f"{today:%Y-%m}"),
                    groups=False,
                ),
            )

    def list_ids(self, f: ItemFilter, sort: str = "received_on", descending: bool = True) -> list[str]:
        with UnitOfWork(self.engine) as uow:
            return list_item_ids(uow.session, f, self.settings, self.today(), sort, descending)

    def rows(self, ids: list[str]) -> list[ItemListRow]:
        with UnitOfWork(self.engine) as uow:
            return load_rows(uow.session, ids, self.settings, self.today())

    def detail(self, item_id: str) -> DetailView:
        with UnitOfWork(self.engine) as uow:
            d = item_detail(uow.session, self.settings, item_id, self.today())
            return DetailView(d, allowed_actions(ItemState(d.item.state)))

    def statistics(self, *, month: str | None = None, village_ids: list[int] | None = None) -> dict[str, Any]:
        with UnitOfWork(self.engine) as uow:
            return compute_statistics(
                uow.session,
                rules=self.settings.rules,
                cal=self.settings.calendar,
                today=self.today(),
                village_ids=village_ids,
                period=Period.month(month) if month else None,
            )

    # people
    def find_people(self, village_id: int, query: str) -> list[Person]:
        with UnitOfWork(self.engine) as uow:
            return find_people(uow.session, village_id, query)

    def create_person(self, **fields: Any) -> Person:
        with UnitOfWork(self.engine) as uow:
            person = create_person(uow=uow, today=self.today(), **fields)
            uow.commit()
            return person

    # changes
    def register(self, **fields: Any) -> Item:
        with UnitOfWork(self.engine) as uow:
            item = register_item(uow=uow, config=self.settings.ledgers, today=self.today(), **fields)
            uow.commit()
            return item

    def perform(
        self, action: Action, item_id: str, *, actor: str, on: date | None = None, **fields: Any
    ) -> Any:
        """Run one workflow action on one item (议账, 上报, 办结 …) and commit it."""
        if action not in ACTIONS:
            raise DomainError(f"“{action.label}”不能在这里办理")
        if on is not None and on > self.today():
            raise DomainError(f"办理日期{on:%Y-%m-%d}不能晚于今天")
        with UnitOfWork(self.engine) as uow:
            result = ACTIONS[action](uow=uow, item_id=item_id, on=on or self.today(), actor=actor, **fields)
            uow.commit()
            return result

    def close_supervision(self, notice_id: str, *, actor: str, note: str, on: date | None = None) -> None:
        if on is not None and on > self.today():
            raise DomainError(f"销号日期{on:%Y-%m-%d}不能晚于今天")
        with UnitOfWork(self.engine) as uow:
            actions.close_supervision(
                uow=uow, notice_id=notice_id, on=on or self.today(), actor=actor, note=note
            )
            uow.commit()

    def record_meeting(self, *, decisions: list[ItemDecision], **fields: Any) -> MeetingResult:
        held_on = fields.get("held_on")
        if held_on is not None and held_on > self.today():
            raise DomainError(f"会议日期{held_on:%Y-%m-%d}不能晚于今天")
        with UnitOfWork(self.engine) as uow:
            result = record_meeting(uow=uow, rules=self.settings.rules, decisions=decisions, **fields)
            uow.commit()
            return result

    # configuration files in the data folder (设置 page); each call validates before it writes
    def reload_settings(self) -> None:
        """Re-read the ledgers, deadline rules and holidays from resources/ and the data folder."""
        self.settings = load_settings(self.data_dir)
        self.sync_configuration()

    def save_rules(self, rules: RuleSet) -> RuleSet:
        """Write the deadline rules to the data folder; every clock uses them from now on."""
        saved = config_files.save_rules(data_dir=self.data_dir, rules=rules)
        self.reload_settings()
        return saved

    def add_category(self, ledger_key: str, name: str) -> list[str]:
        """Add a category to a ledger (never removed: items use it); returns the ledger's categories."""
        config_files.add_category(
            data_dir=self.data_dir, config=self.settings.ledgers, ledger_key=ledger_key, name=name
        )
        self.reload_settings()
        self.ledgers()
        return self.categories(ledger_key)

    def add_ledger(self, *, key: str, name: str, code: str, categories: list[str]) -> Ledger:
        """Add a county's own ledger (e.g. 留守儿童台账); its page appears after a restart."""
        new = config_files.NewLedger(key, name, code, tuple(categories))
        new = config_files.check_new_ledger(self.settings.ledgers, new)
        with UnitOfWork(self.engine) as uow:
            for old in uow.session.exec(select(Ledger)).all():
                if new.key == old.key or new.code == old.code:
                    raise DomainError(f"台账标识或代码已被“{old.name}”使用，请换一个")
        config_files.add_ledger(data_dir=self.data_dir, config=self.settings.ledgers, new=new)
        self.reload_settings()
        return next(lg for lg in self.ledgers() if lg.key == new.key)

    def privacy(self) -> dict[str, PrivacyPolicy]:
        """The wall-posting privacy policy of every configured ledger (safe defaults if unset)."""
        return load_privacy(self.data_dir, [spec.key for spec in self.settings.ledgers.ledgers])

    def save_privacy(self, policies: dict[str, PrivacyPolicy]) -> dict[str, PrivacyPolicy]:
        return write_privacy(self.data_dir, policies)

    # 晒账 (wall posting)
    def posting(
        self, *, village_id: int, month: str, period_from: date | None = None, period_to: date | None = None
    ) -> Posting:
        """The month's posting with every text already masked per the ledgers' privacy rules."""
        with UnitOfWork(self.engine) as uow:
            return build_posting(
                uow.session,
                settings=self.settings,
                village_id=village_id,
                month=month,
                privacy=self.privacy(),
                today=self.today(),
                period_from=period_from,
                period_to=period_to,
            )

    def record_posting(self, posting: Posting, file_hash: str) -> None:
        with UnitOfWork(self.engine) as uow:
            record_posting(uow=uow, posting=posting, file_hash=file_hash, today=self.today())
            uow.commit()

    def mark_posted(self, *, village_id: int, month: str, actor: str) -> Posted:
        """The printed posting is on the wall: its signed items become 已晒账."""
        with UnitOfWork(self.engine) as uow:
            posted = mark_posted(uow=uow, village_id=village_id, month=month, on=self.today(), actor=actor)
            uow.commit()
            return posted

    # 上报工作簿 (upward report)
    def report(self, *, month: str | None, village_ids: list[int] | None = None) -> Report:
        """The upward report for a month (or everything), ready for the workbook writer."""
        with UnitOfWork(self.engine) as uow:
            return build_report(
                uow.session, settings=self.settings, month=month, village_ids=village_ids, today=self.today()
            )

    # 乡镇汇总 (township view)
    def township_figures(self, month: str | None = None) -> list[VillageFigures]:
        """Every village side by side with the county's figures for a month (or all time)."""
        with UnitOfWork(self.engine) as uow:
            period = Period.month(month) if month else None
            return village_figures(uow.session, self.settings, self.today(), period)

    def township_trend(self, village_ids: list[int] | None = None) -> dict[int, VillageTrend]:
        """Registered and settled per month over the last twelve months, per village."""
        with UnitOfWork(self.engine) as uow:
            return monthly_trend(uow.session, self.today(), village_ids=village_ids)

    def waiting_at_township(self) -> list[ClockRow]:
        """Items reported to the township and still waiting there, the most urgent first."""
        with UnitOfWork(self.engine) as uow:
            return waiting_at_township(uow.session, self.settings, self.today())

    # 答复工作簿 (township → village)
    def reply_report(self, village_code: str, month: str | None = None) -> Report:
        """The reply workbook's data for one village (its escalated items and their history),
        ready for `app.exports.workbook.write_report_workbook`."""
        with UnitOfWork(self.engine) as uow:
            return build_reply(
                uow.session,
                settings=self.settings,
                village_code=village_code,
                month=month,
                today=self.today(),
            )

    # 导入工作簿 (import at the township or county)
    def import_workbooks(
        self, paths: list[Path], *, dry_run: bool, read: Reader, progress: Progress | None = None
    ) -> list[FileOutcome]:
        """Each file (folders expanded) read, validated and applied in its own transaction;
        `read` is the workbook reader (app.exports), passed in because services do not import exports.
        A verified backup is taken once, before the first file that will really be written."""
        return import_workbooks(
            self.engine,
            self.settings,
            paths,
            dry_run=dry_run,
            read=read,
            progress=progress,
            before_write=self._backup_before_import,
        )

    def _backup_before_import(self) -> None:
        backup_before(self.db_path, "import")

    # 数据安全 (the window holds the database lock, so a restore may replace the data under it)
    @property
    def db_path(self) -> Path:
        return Path(str(self.engine.url.database))

    def backup_folder(self) -> Path:
        return backup_dir_for(self.db_path)

    def log_folder(self) -> Path:
        return log_dir(self.data_dir)

    def backups(self, folder: Path | None = None, *, verify: bool = True) -> list[BackupInfo]:
        """This database's backups (default: its backups folder), newest first."""
        return store_backups.list_backups(self.db_path, folder, verify=verify)

    def check_backup(self, path: Path) -> BackupInfo:
        """Integrity check, schema version and counts of one backup file."""
        return store_backups.verify_backup(path)

    def backup_now(self, out_dir: Path | None = None) -> BackupInfo:
        """A verified backup into the backups folder or `out_dir` (a USB stick)."""
        return store_backups.verify_backup(make_backup(self.db_path, out_dir))

    def restore_backup(self, path: Path) -> RestoreResult:
        """The current state backed up first, then the backup's content in its place."""
        self.engine.dispose()  # no pooled connection may keep pages of the old content
        return store_backups.restore_backup(path, self.db_path)

    def verify_history(self, progress: Callable[[int, int], None] | None = None) -> VerifyReport:
        """Walk every item's hash-chained history (数据安全 page); `report.lines()` is the Chinese result.
        Read-only; run it in a worker (a county's 500,000 events take some seconds)."""
        with UnitOfWork(self.engine) as uow:
            return verify_chain(uow.session, progress)
