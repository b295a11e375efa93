"""The upward report (上报工作簿) as plain data: what `app.exports.workbook` writes, sheet by sheet.

`build_report` reads one scope (one village, or every village of a township/county database) and
returns frozen dataclasses: the meta data the importer trusts, the county's figures
(`compute_statistics`, docs/statistics.md), one table per ledger with every field of every item under
Chinese headers, 上报事项, 逾期事项 and 历史. No Qt and no openpyxl here.

Which rows a report holds
- No month: every item of the scope and every event of those items.
- A month (YYYY-MM): the items received in that month **or** with any history event dated in that
  month (so the receiver gets everything that changed: an item received in August and settled in
  October is in the October report, with its whole current record), and the whole history of each
  of those items, so every file is complete for the items it holds and files can be imported in
  any order (events are matched by UUID + 序号).
  The figures use the period rule of docs/statistics.md (the cohort received in the month).
- 上报事项 and 逾期事项 are the to-do lists as of `today`, for the whole scope whatever the month:
  an item waiting at the township or overdue for months with nothing happening is exactly what the
  upper level must see. Their rows carry the item's UUID, so they match items of earlier reports.
- Voided items are listed (with 作废原因) but left out of the figures, as everywhere.

Exporter code: the village's 12-digit code for one village; the township's 9-digit code when the
scope holds several villages of one township; the county's 6-digit code for several townships.

The checksum (`Meta.checksum`) is the sha256 of a canonical JSON of every data table (ledger
tables, 上报事项, 逾期事项, 历史: sheet name, headers and rows, see `canonical_value`), so an
importer recomputes it from the cells it reads and detects any hand edit.
"""

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from importlib import metadata
from json.encoder import encode_basestring as _json_string  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy import String, or_, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.models import Cadre, Item, ItemEvent, Ledger, Person, Village
from app.models.enums import Action, ItemState, Level, Satisfaction
from app.services.clocks import STATUS_LABELS
from app.services.context import Settings
from app.services.errors import DomainError
from app.services.queries import clock_rows, overdue_rows
from app.services.statistics import LEVELS, Period, compute_statistics
from app.store.plain import plain_rows

FORMAT_VERSION = "1"
BEIJING = timezone(timedelta(hours=8), "CST")

# Column kinds: how the workbook writes a column.
TEXT = "text"  # user text: always a text cell, never a formula
CODE = "code"  # ID numbers, phones, codes, UUIDs: text cells with the "@" format
DATE = "date"
DATETIME = "datetime"  # Beijing time, to the second
INT = "int"
RATIO = "ratio"  # 0.9924 shown as 99.24%
PERCENT = "percent"  # 66.67 shown as 66.67 (already percent)

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT


@dataclass(frozen=True)
class Table:
    """One sheet's data: its name, the title row above the header, the columns and the rows."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)


@dataclass(frozen=True)
class Meta:
    format_version: str
    exporter_code: str
    exporter_name: str
    exporter_kind: str  # village / township / county
    village_codes: tuple[str, ...]
    month: str | None
    as_of: date
    exported_at: datetime  # Beijing time, naive, to the second
    app_version: str
    row_counts: tuple[tuple[str, int], ...]
    digest: "Digest"
    places: tuple[tuple[str, str, str, str], ...] = ()  # (code, village, township, county)

    @property
    def checksum(self) -> str:
        return self.digest.value()


@dataclass(frozen=True)
class Report:
    meta: Meta
    figures: dict[str, Any]  # compute_statistics for the scope and month
    summary: Table  # 汇总: the totals as 指标/数值 rows
    summary_by_ledger: Table  # 汇总: the same figures per ledger
    ledgers: tuple[Table, ...]
    escalated: Table
    overdue: Table
    history: Table
    ledger_names: dict[str, str] = field(default_factory=dict)

    @property
    def data_tables(self) -> tuple[Table, ...]:
        """The tables the checksum covers, in sheet order."""
        return (*self.ledgers, self.escalated, self.overdue, self.history)


# ------------------------------------------------------------------------------------------
# canonical form and checksum
# ------------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Text as a workbook can hold it: line ends as \\n, no XML-illegal control characters."""
    return _ILLEGAL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def canonical_value(value: Any) -> Any:
    """The value as the checksum sees it, the same whether it comes from the database or is read back
    from the workbook: empty → None, a date (or a datetime at midnight) → YYYY-MM-DD, a datetime →
    YYYY-MM-DDTHH:MM:SS, a whole float → int."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.replace(microsecond=0, tzinfo=None)
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _canonical_object(value: Any) -> Any:
    """json's hook for what JSON has no type for: dates and times, as `canonical_value` writes them."""
    if value.__class__ is date:
        return value.isoformat()
    if isinstance(value, datetime):
        if value.tzinfo is not None or value.microsecond:
            value = value.replace(microsecond=0, tzinfo=None)
        if not (value.hour or value.minute or value.second):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot checksum a {type(value).__name__}")


class _CanonicalTexts(dict[Any, Any]):
    """json's `default` for one checksum: a date's or naive time's canonical text looked up in C once
    it was made (a file repeats its dates thousands of times); anything else as `_canonical_object`
    makes it (and refuses it)."""

    def __missing__(self, value: Any) -> Any:
        text = _canonical_object(value)
        if value.__class__ is date or (value.__class__ is datetime and value.tzinfo is None):
            self[value] = text  # equal values of these classes have equal texts
        return text


class Digest:
    """The checksum of a report's data tables, computed when first asked for (`value`): a writer
    that hashes while it formats (`checksum_token`) never needs to ask."""

    def __init__(self, tables: Sequence["Table"]) -> None:
        self.tables = tuple(tables)
        self.digest: str | None = None

    def value(self) -> str:
        if self.digest is None:
            self.digest = checksum((t.name, t.headers, t.rows) for t in self.tables)
        return self.digest

    def __repr__(self) -> str:
        return f"Digest({self.digest or '…'})"


def checksum_token(value: Any) -> str:
    """One value's JSON exactly as `checksum` writes it, for a writer that hashes each row while it
    formats it: a table is `checksum_table_head(name, headers)`, its rows' `[token,…]` joined by
    commas, then `CHECKSUM_TABLE_TAIL`; the document is `[` + the tables joined by commas + `]`
    (equal to `checksum`, tested on generated tables)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return _json_string(value) if value else "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return json.dumps(value)
    return _json_string(_canonical_object(value))


def checksum_table_head(name: str, headers: Sequence[str]) -> str:
    return f"[{checksum_token(name)},[{','.join(checksum_token(h) for h in headers)}],["


CHECKSUM_TABLE_TAIL = "]]"


def _empty_strings_as_null(text: str) -> str:
    """An empty string token in compact JSON (`""` right after `[` or `,`, before `,` or `]`) as
    null. Inside a JSON string every quote is escaped, so a raw `""` there is always such a token;
    str.replace runs at C speed over a county's 200 MB (a regular expression takes seconds)."""
    for _ in range(2):  # ,"","", : the second pass catches the tokens the first one's matches overlapped
        text = text.replace(',"",', ",null,")
    return text.replace(',""]', ",null]").replace('["",', "[null,").replace('[""]', "[null]")


def checksum(tables: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> str:
    """sha256 over [[sheet name, headers, rows], …] as compact UTF-8 JSON, each value canonical
    (`canonical_value`: empty text and empty cells alike, dates as YYYY-MM-DD, times to the second).

    Text, whole numbers and empty cells are written by json's C encoder as they are (a county's
    report has ten million of them); only dates and times go through `_canonical_object` (each
    distinct one once), and empty strings become null in the JSON text. Both sides pass whole
    numbers as int (the database's integers; the reader's numbers without a decimal point)."""
    doc = [
        [name, list(headers), rows if isinstance(rows, list | tuple) else list(rows)]
        for name, headers, rows in tables
    ]
    texts = _CanonicalTexts()
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=texts.__getitem__)
    if '""' in text:  # each pass replaces a pattern containing it
        text = _empty_strings_as_null(text)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------------------
# labels
# ------------------------------------------------------------------------------------------


def _label(enum: Any, value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(enum(value).label)
    except ValueError:
        return value


def _beijing(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).replace(tzinfo=None, microsecond=0)


def _text(value: str | None) -> str:
    if not value:
        return ""
    # printable text (Chinese included) has no line ends and no XML-illegal characters to clean
    return value if value.isprintable() else clean_text(value)


def app_version() -> str:
    try:
        return metadata.version("taizhang")
    except metadata.PackageNotFoundError:
        return "0.1.0"


# ------------------------------------------------------------------------------------------
# the tables
# ------------------------------------------------------------------------------------------

ITEM_COLUMNS = (
    Column("编号", CODE),
    Column("UUID", CODE),
    Column("村", TEXT),
    Column("村代码", CODE),
    Column("台账", TEXT),
    Column("分类", TEXT),
    Column("年度", INT),
    Column("年度序号", INT),
    Column("诉求人", TEXT),
    Column("诉求人UUID", CODE),
    Column("性别", TEXT),
    Column("身份证号", CODE),
    Column("联系电话", CODE),
    Column("村民小组", TEXT),
    Column("住址", TEXT),
    Column("信息来源", TEXT),
    Column("五访五问", TEXT),
    Column("受理日期", DATE),
    Column("登记时间", DATETIME),
    Column("登记人", TEXT),
    Column("主要诉求及原因", TEXT),
    Column("处理意见", TEXT),
    Column("乡镇答复", TEXT),
    Column("答复日期", DATE),
    Column("承办部门", TEXT),
    Column("交办日期", DATE),
    Column("工作措施", TEXT),
    Column("处理结果", TEXT),
    Column("当事人意见", TEXT),
    Column("满意度", TEXT),
    Column("签字确认人", TEXT),
    Column("签字日期", DATE),
    Column("责任人", TEXT),
    Column("责任人电话", CODE),
    Column("状态", TEXT),
    Column("当前层级", TEXT),
    Column("最高到达层级", TEXT),
    Column("本级起算日期", DATE),
    Column("就地办结", TEXT),
    Column("办结层级", TEXT),
    Column("办结日期", DATE),
    Column("办结前状态", TEXT),
    Column("重新办理次数", INT),
    Column("晒账月份", CODE),
    Column("作废原因", TEXT),
    Column("作废日期", DATE),
    Column("版本", INT),
    Column("更新时间", DATETIME),
)

ESCALATED_COLUMNS = (
    Column("编号", CODE),
    Column("UUID", CODE),
    Column("村", TEXT),
    Column("台账", TEXT),
    Column("分类", TEXT),
    Column("诉求人", TEXT),
    Column("受理日期", DATE),
    Column("上报日期", DATE),
    Column("状态", TEXT),
    Column("当前层级", TEXT),
    Column("当前时限", TEXT),
    Column("到期日期", DATE),
    Column("剩余天数", INT),
    Column("时限状态", TEXT),
)

OVERDUE_COLUMNS = (
    Column("编号", CODE),
    Column("UUID", CODE),
    Column("村", TEXT),
    Column("台账", TEXT),
    Column("分类", TEXT),
    Column("诉求人", TEXT),
    Column("状态", TEXT),
    Column("当前层级", TEXT),
    Column("逾期时限", TEXT),
    Column("到期日期", DATE),
    Column("逾期天数", INT),
)

HISTORY_COLUMNS = (
    Column("UUID", CODE),
    Column("编号", CODE),
    Column("序号", INT),
    Column("日期", DATE),
    Column("记录时间", DATETIME),
    Column("经办人", TEXT),
    Column("办理事项", TEXT),
    Column("原状态", TEXT),
    Column("新状态", TEXT),
    Column("说明", TEXT),
    Column("更改内容", TEXT),
)

FIGURE_LABELS = (  # key of compute_statistics → 中文, kind
    ("registered", "登记事项", INT),
    ("settled", "办结事项", INT),
    ("settlement_rate", "办结率", RATIO),
    ("settled_share_village", "村级办结占比（%）", PERCENT),
    ("settled_share_township", "乡镇办结占比（%）", PERCENT),
    ("settled_share_county", "县级办结占比（%）", PERCENT),
    ("settled_in_period", "本期办结", INT),
    ("open", "办理中", INT),
    ("escalated", "上报事项", INT),
    ("reached_county", "上报到县", INT),
    ("overdue", "逾期事项", INT),
    ("reopened", "重新办理事项", INT),
    ("ratings", "测评次数", INT),
    ("satisfaction_rate", "满意率", RATIO),
)


def figure_values(block: dict[str, Any]) -> list[Any]:
    """One figures block as the values of FIGURE_LABELS, in order."""
    flat = dict(block)
    for level in LEVELS:
        flat[f"settled_share_{level}"] = block["settled_share_by_level"][level]
    return [flat[key] for key, _label_, _kind in FIGURE_LABELS]


def _scope_villages(session: Session, village_ids: list[int] | None) -> list[Village]:
    stmt = select(Village).order_by(Village.code)
    if village_ids is not None:
        stmt = stmt.where(col(Village.id).in_(village_ids))
    villages = list(session.exec(stmt).all())
    if not villages:
        raise DomainError("数据库中还没有村，无法导出上报工作簿")
    return villages


def _exporter(villages: list[Village]) -> tuple[str, str, str]:
    if len(villages) == 1:
        return villages[0].code, villages[0].name, "village"
    if len({v.code[:9] for v in villages}) == 1:
        return villages[0].code[:9], villages[0].township, "township"
    if len({v.code[:6] for v in villages}) == 1:
        return villages[0].code[:6], villages[0].county, "county"
    raise DomainError("数据库中的村分属不同的县，请用 --village 指定要导出的村")


class _Labels:
    """`_label(enum, value)` as a dictionary lookup, for hundreds of thousands of rows."""

    def __init__(self, enum: Any) -> None:
        self.enum = enum
        self.table: dict[Any, str] = {None: "", "": ""}
        for member in enum:
            self.table[member.value] = str(member.label)

    def __call__(self, value: Any) -> str:
        found = self.table.get(value)
        return found if found is not None else _label(self.enum, value)


_EIGHT_HOURS = timedelta(hours=8)
_DAYS: dict[str, date] = {}


def _raw(column: Any) -> Any:
    """The column's stored text, not converted by SQLAlchemy (dates are parsed below, with a cache:
    a county's 600,000 rows hold only a few thousand distinct days)."""
    return type_coerce(column, String).label(column.key)


def _day(text: str | date | None) -> date | None:
    if text is None or isinstance(text, date):
        return text
    day = _DAYS.get(text)
    if day is None:
        day = date.fromisoformat(text[:10])
        if len(_DAYS) < 100_000:
            _DAYS[text] = day
    return day


def _moment(text: str | datetime | None) -> datetime | None:
    """A stored moment (naive text is UTC, as SQLAlchemy stores it) as naive Beijing time, to the
    second: the same as `_beijing` of the value SQLAlchemy would return."""
    if text is None:
        return None
    moment = text if isinstance(text, datetime) else datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        return _beijing(moment)
    return (moment + _EIGHT_HOURS).replace(microsecond=0)


def _item_rows(
    session: Session, village_ids: list[int], period: Period | None
) -> dict[int, list[tuple[Any, ...]]]:
    """Item rows per ledger id, in serial order (plain columns: no ORM objects for 100,000 items)."""
    cadre = aliased(Cadre)
    stmt = (
        select(  # type: ignore[call-overload]
            Item.ledger_id,
            Item.serial,
            Item.id,
            Village.name,
            Village.code,
            Ledger.name,
            Item.category,
            Item.year,
            Item.seq,
            Person.name,
            Person.id,
            Person.gender,
            Person.id_number,
            Person.phone,
            Person.group_name,
            Person.address,
            Item.source,
            Item.source_detail,
            _raw(Item.received_on),
            _raw(Item.registered_at),
            Item.registered_by,
            Item.request,
            Item.decision,
            Item.reply,
            _raw(Item.replied_on),
            Item.department,
            _raw(Item.assigned_on),
            Item.measures,
            Item.outcome,
            Item.requester_opinion,
            Item.satisfaction,
            Item.signed_by,
            _raw(Item.signed_on),
            cadre.id,
            cadre.name,
            cadre.phone,
            Item.state,
            Item.level,
            Item.max_level,
            _raw(Item.level_started_on),
            Item.on_the_spot,
            Item.settled_level,
            _raw(Item.settled_on),
            Item.settled_from_state,
            Item.reopen_count,
            Item.published_month,
            Item.void_reason,
            _raw(Item.voided_on),
            Item.version,
            _raw(Item.updated_at),
        )
        .join(Village, col(Village.id) == col(Item.village_id))
        .join(Ledger, col(Ledger.id) == col(Item.ledger_id))
        .join(Person, col(Person.id) == col(Item.person_id))
        .outerjoin(cadre, col(cadre.id) == col(Item.responsible_cadre_id))
        .where(col(Item.village_id).in_(village_ids))
    )
    if period is not None:
        changed = select(ItemEvent.item_id).where(
            col(ItemEvent.on) >= period.start, col(ItemEvent.on) <= period.end
        )
        stmt = stmt.where(
            or_(
                (col(Item.received_on) >= period.start) & (col(Item.received_on) <= period.end),
                col(Item.id).in_(changed),
            )
        )
    sat, state, level = _Labels(Satisfaction), _Labels(ItemState), _Labels(Level)
    out: dict[int, list[tuple[Any, ...]]] = {}
    for r in plain_rows(session, stmt.order_by(Item.serial)):
        (ledger_id, serial, item_id, village_name, village_code, ledger_name, category, year, seq) = r[:9]
        (p_name, p_id, p_gender, p_id_number, p_phone, p_group, p_address) = r[9:16]
        (source, source_detail, received_on, registered_at, registered_by, request, decision) = r[16:23]
        (reply, replied_on, department, assigned_on, measures, outcome, opinion, satisfaction) = r[23:31]
        (signed_by, signed_on, cadre_id, cadre_name, cadre_phone, item_state, item_level) = r[31:38]
        (max_level, level_started_on, on_the_spot, settled_level, settled_on, settled_from) = r[38:44]
        (reopen_count, published_month, void_reason, voided_on, version, updated_at) = r[44:50]
        has_cadre = cadre_id is not None
        out.setdefault(ledger_id, []).append(
            (
                serial,
                item_id,
                village_name,
                village_code,
                ledger_name,
                _text(category),
                year,
                seq,
                _text(p_name),
                p_id,
                _text(p_gender),
                p_id_number or "",
                _text(p_phone),
                _text(p_group),
                _text(p_address),
                _text(source),
                _text(source_detail),
                _day(received_on),
                _moment(registered_at),
                _text(registered_by),
                _text(request),
                _text(decision),
                _text(reply),
                _day(replied_on),
                _text(department),
                _day(assigned_on),
                _text(measures),
                _text(outcome),
                _text(opinion),
                sat(satisfaction),
                _text(signed_by),
                _day(signed_on),
                _text(cadre_name) if has_cadre else "",
                _text(cadre_phone) if has_cadre else "",
                state(item_state),
                level(item_level),
                level(max_level),
                _day(level_started_on),
                "是" if on_the_spot else "否",
                level(settled_level),
                _day(settled_on),
                state(settled_from),
                reopen_count,
                published_month or "",
                _text(void_reason),
                _day(voided_on),
                version,
                _moment(updated_at),
            )
        )
    return out


def _history_rows(
    session: Session, village_ids: list[int], period: Period | None
) -> tuple[tuple[Any, ...], ...]:
    stmt = (
        select(  # type: ignore[call-overload]
            ItemEvent.item_id,
            Item.serial,
            ItemEvent.seq,
            _raw(ItemEvent.on),
            _raw(ItemEvent.at),
            ItemEvent.actor,
            ItemEvent.action,
            ItemEvent.from_state,
            ItemEvent.to_state,
            ItemEvent.note,
            ItemEvent.changes,
        )
        .join(Item, col(Item.id) == col(ItemEvent.item_id))
        .where(col(Item.village_id).in_(village_ids))
    )
    if period is not None:  # every event of each item in the report: a file is whole for its items
        changed = select(ItemEvent.item_id).where(
            col(ItemEvent.on) >= period.start, col(ItemEvent.on) <= period.end
        )
        stmt = stmt.where(
            or_(
                (col(Item.received_on) >= period.start) & (col(Item.received_on) <= period.end),
                col(Item.id).in_(changed),
            )
        )
    action, state = _Labels(Action), _Labels(ItemState)
    return tuple(
        (
            item_id,
            serial,
            seq,
            _day(on),
            _moment(at),
            _text(actor),
            action(act),
            state(from_state),
            state(to_state),
            _text(note),
            _text(changes if changes not in ("{}", "") else ""),
        )
        for item_id, serial, seq, on, at, actor, act, from_state, to_state, note, changes in plain_rows(
            session, stmt.order_by(col(Item.serial), col(ItemEvent.seq))
        )
    )


def _waiting_rows(
    session: Session, settings: Settings, today: date, village_ids: list[int]
) -> tuple[tuple[Any, ...], ...]:
    """Open items now at the township or county, with the limit that matters most."""
    rows = [r for r in clock_rows(session, settings, today, village_ids) if r.level != Level.VILLAGE.value]
    started: dict[str, date] = dict(
        session.exec(
            select(col(Item.id), col(Item.level_started_on)).where(col(Item.id).in_([r.uuid for r in rows]))
        ).all()
    )
    received: dict[str, date] = dict(
        session.exec(
            select(col(Item.id), col(Item.received_on)).where(col(Item.id).in_([r.uuid for r in rows]))
        ).all()
    )
    return tuple(
        (
            r.serial,
            r.uuid,
            r.village,
            r.ledger,
            _text(r.category),
            _text(r.requester),
            received[r.uuid],
            started[r.uuid],
            _label(ItemState, r.state),
            _label(Level, r.level),
            r.limit,
            r.due,
            r.days_left,
            STATUS_LABELS.get(r.status, "无时限"),
        )
        for r in rows
    )


def _overdue_table_rows(
    session: Session, settings: Settings, today: date, village_ids: list[int]
) -> tuple[tuple[Any, ...], ...]:
    return tuple(
        (
            r.serial,
            r.uuid,
            r.village,
            r.ledger,
            _text(r.category),
            _text(r.requester),
            _label(ItemState, r.state),
            _label(Level, r.level),
            r.limit,
            r.due,
            -(r.days_left or 0),
        )
        for r in overdue_rows(session, settings, today, village_ids)
    )


def _sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:31] or "台账"
    candidate, n = base, 2
    while candidate in taken or candidate in ("汇总", "上报事项", "逾期事项", "历史", "_meta"):
        suffix = f"_{n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate)
    return candidate


def build_report(
    session: Session,
    *,
    settings: Settings,
    month: str | None,
    village_ids: list[int] | None,
    today: date,
    now: datetime | None = None,
    on_table: Callable[[Table], None] | None = None,
) -> Report:
    """The upward report of the scope (all villages when `village_ids` is None) for a month or all.

    `on_table(table)` is called with 历史 as soon as it is built (before the rest) and with each
    ledger table once the items are read: a writer may start formatting large tables on another
    core meanwhile (`app.exports.workbook.SecondCore`)."""
    villages = _scope_villages(session, village_ids)
    ids = [v.id for v in villages if v.id is not None]
    code, name, kind = _exporter(villages)
    period = Period.month(month) if month else None
    scope_text = f"{name}（{code}）"
    when = f"{month[:4]}年{int(month[5:])}月" if month else "全部"

    history = Table(
        "历史", f"{scope_text}办理记录（{when}）", HISTORY_COLUMNS, _history_rows(session, ids, period)
    )
    if on_table is not None:
        on_table(history)
    ledgers = list(session.exec(select(Ledger).order_by(col(Ledger.sort_order), col(Ledger.id))).all())
    by_ledger = _item_rows(session, ids, period)
    taken: set[str] = set()
    ledger_tables = tuple(
        Table(
            name=_sheet_name(ledger.name, taken),
            title=f"{scope_text}{ledger.name}（{when}）",
            columns=ITEM_COLUMNS,
            rows=tuple(by_ledger.get(ledger.id or -1, ())),
        )
        for ledger in ledgers
        if ledger.active or ledger.id in by_ledger
    )
    if on_table is not None:
        for table in ledger_tables:
            on_table(table)
    figures = compute_statistics(
        session, rules=settings.rules, cal=settings.calendar, today=today, village_ids=ids, period=period
    )
    escalated = Table(
        "上报事项",
        f"{scope_text}上报事项（截至{today:%Y年%m月%d日}在乡镇、县办理中）",
        ESCALATED_COLUMNS,
        _waiting_rows(session, settings, today, ids),
    )
    overdue = Table(
        "逾期事项",
        f"{scope_text}逾期事项（截至{today:%Y年%m月%d日}）",
        OVERDUE_COLUMNS,
        _overdue_table_rows(session, settings, today, ids),
    )

    summary = Table(
        "汇总",
        f"{scope_text}三本台账统计汇总（{when}，截至{today:%Y年%m月%d日}）",
        (Column("指标", TEXT), Column("数值", TEXT)),
        tuple(
            (label, value)
            for (_k, label, _kind), value in zip(FIGURE_LABELS, figure_values(figures), strict=True)
        ),
    )
    names = {ledger.key: ledger.name for ledger in ledgers}
    summary_by_ledger = Table(
        "汇总",
        "分台账统计",
        (Column("台账", TEXT), *(Column(label, k) for _key, label, k in FIGURE_LABELS)),
        tuple(
            (names.get(key, key), *figure_values(block))
            for key, block in figures.get("by_ledger", {}).items()
        ),
    )
    data = (*ledger_tables, escalated, overdue, history)
    meta = Meta(
        format_version=FORMAT_VERSION,
        exporter_code=code,
        exporter_name=name,
        exporter_kind=kind,
        village_codes=tuple(v.code for v in villages),
        places=tuple((v.code, v.name, v.township, v.county) for v in villages),
        month=month,
        as_of=today,
        exported_at=_beijing(now or datetime.now(UTC)) or datetime.min,
        app_version=app_version(),
        row_counts=tuple((t.name, len(t.rows)) for t in data),
        digest=Digest(data),
    )
    return Report(
        meta=meta,
        figures=figures,
        summary=summary,
        summary_by_ledger=summary_by_ledger,
        ledgers=ledger_tables,
        escalated=escalated,
        overdue=overdue,
        history=history,
        ledger_names=names,
    )
