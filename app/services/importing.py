"""Import of upward-report workbooks (issue 5) at the township or county: validate, then apply.

`app.exports.workbook_reader.read_workbook` turns a file into a `RawWorkbook` (plain values, no
openpyxl objects); `validate` checks it completely and returns an `ImportPlan` or the list of every
`ImportError` (file, sheet, row, column, Chinese message); `apply_import` writes a plan in the
caller's unit of work: items matched by UUID (a higher 版本 wins, equal or lower changes nothing),
missing villages, ledgers, cadres and people created, history events appended by (UUID, 序号).
Nothing is written when anything is wrong: the caller commits only after `apply_import` returned.

Applying a plan (history merge, field ownership, conflicts) is `app.services.import_apply`.

Note: `ImportError` shadows the Python builtin inside this module only; import it by name.
"""

import hashlib
import re
import uuid as uuidlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from app.models.enums import Action, ItemState, Level, Satisfaction
from app.models.item import NO_HISTORY
from app.services.chain import FORMAT as CHAIN_FORMAT
from app.services.chain import HASHED, content_of_row, event_hash
from app.services.errors import DomainError
from app.services.report_data import (
    BEIJING,
    CODE,
    DATE,
    DATETIME,
    ESCALATED_COLUMNS,
    FORMAT_VERSION,
    HISTORY_COLUMNS,
    INT,
    ITEM_COLUMNS,
    OVERDUE_COLUMNS,
    TEXT,
    Column,
    checksum,
)
from app.services.searchkeys import search_key

SUMMARY = "汇总"
ESCALATED = "上报事项"
OVERDUE = "逾期事项"
HISTORY = "历史"
META = "_meta"
HEADER_ROW = 2
FIRST_DATA_ROW = 3

_CODE = {6: "县", 9: "乡镇", 12: "村"}
_DIGITS = re.compile(r"^\d+$")
STATE_BY_LABEL = {s.label: s.value for s in ItemState}
LEVEL_BY_LABEL = {lv.label: lv.value for lv in Level}
ACTION_BY_LABEL = {a.label: a.value for a in Action}
SATISFACTION_BY_LABEL = {s.label: s.value for s in Satisfaction}
YES_NO = {"是": True, "否": False}


# ------------------------------------------------------------------------------------------
# plain data
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawSheet:
    """One sheet as read: the header (row 2) and the data rows (from row 3), plain python values."""

    name: str
    header: list[Any]
    rows: list[list[Any]]


@dataclass(frozen=True)
class RawWorkbook:
    file_name: str
    meta: dict[str, str]
    sheet_names: list[str]
    sheets: dict[str, RawSheet]


@dataclass(frozen=True)
class ImportError:  # the name the issue uses; shadows the builtin in this module only
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = "，".join(
            p
            for p in (
                self.file,
                f"工作表“{self.sheet}”" if self.sheet else "",
                f"第{self.row}行" if self.row else "",
                f"{self.column}列" if self.column else "",
            )
            if p
        )
        return f"{where}：{self.message}"


class ImportRejected(DomainError):
    """apply_import found a problem only the database can reveal; nothing was written."""

    def __init__(self, errors: list[ImportError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class ImportPlan:
    file_name: str
    meta: dict[str, str]
    villages: dict[str, str]  # code → name
    items: list[dict[str, Any]]  # Item fields plus _village_code, _ledger, _person, _cadre
    events: list[dict[str, Any]]  # ItemEvent fields (+ _row for messages)


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    events_added: int = 0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)
    conflicts: list[Any] = field(default_factory=list)  # import_apply.Conflict
    direction: str = "up"  # "up": a report from below; "down": a reply from above


# ------------------------------------------------------------------------------------------
# validation
# ------------------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """0 → A, 26 → AA."""
    n, out = index + 1, ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


# (index, column, the type its values have as they stand, required) per column of a sheet: what
# `_Checker.values` walks; str for text columns, int for integer ones, None for the others
_Spec = tuple[tuple[int, Column, type | None, bool], ...]


def _spec(columns: Sequence[Column], required: set[str]) -> _Spec:
    def plain(c: Column) -> type | None:
        return str if c.kind in (TEXT, CODE) else int if c.kind == INT else None

    return tuple((i, c, plain(c), c.header in required) for i, c in enumerate(columns))


class _Checker:
    def __init__(self, file_name: str) -> None:
        self.file = file_name
        self.errors: list[ImportError] = []
        # equal texts and dates as one object: a plan pickled back from a worker process then
        # carries each once (an item's UUID, 编号, dates and its events' actors repeat)
        self.same: Callable[[Any, Any], Any] = {}.setdefault

    def add(self, sheet: str | None, row: int | None, index: int | None, header: str, message: str) -> None:
        column = f"{column_letter(index)}（{header}）" if index is not None else None
        self.errors.append(ImportError(self.file, sheet, row, column, message))

    def cell(self, sheet: str, row_no: int, index: int, column: Column, value: Any, required: bool) -> Any:
        """The value converted to its python type, or None after recording an error."""
        h = column.header
        if value is None or value == "":
            if required:
                self.add(sheet, row_no, index, h, f"“{h}”不能为空")
            return None
        if column.kind == DATE:
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            self.add(sheet, row_no, index, h, f"“{h}”应为日期，实际为“{value}”")
            return None
        if column.kind == DATETIME:
            if isinstance(value, datetime):
                return value.replace(microsecond=0)
            self.add(sheet, row_no, index, h, f"“{h}”应为日期时间，实际为“{value}”")
            return None
        if column.kind == INT:
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.add(sheet, row_no, index, h, f"“{h}”应为整数，实际为“{value}”")
                return None
            if isinstance(value, float) and not value.is_integer():
                self.add(sheet, row_no, index, h, f"“{h}”应为整数，实际为“{value}”")
                return None
            return int(value)
        if not isinstance(value, str):
            self.add(sheet, row_no, index, h, f"“{h}”应为文字，实际为“{value}”")
            return None
        return value

    def values(self, sheet: str, row_no: int, row: list[Any], spec: "_Spec") -> list[Any]:
        """Every column's value as `cell` gives it; the commonest cells (empty, a non-empty text in a
        text column, an int in an integer column) are taken without the call."""
        out: list[Any] = []
        n = len(row)
        same = self.same
        for i, column, plain, required in spec:
            value = row[i] if i < n else None
            if value is None:
                out.append(self.cell(sheet, row_no, i, column, value, True) if required else None)
            elif value.__class__ is plain and (value or plain is int):
                out.append(same(value, value) if plain is str else value)
            else:
                value = self.cell(sheet, row_no, i, column, value, required)
                out.append(same(value, value) if value.__class__ is date else value)
        return out

    def label(self, sheet: str, row_no: int, index: int, header: str, value: Any, table: dict) -> Any:
        if value is None:
            return None
        if value not in table:
            known = "、".join(str(k) for k in table)
            self.add(sheet, row_no, index, header, f"“{header}”的值“{value}”不认识，应为：{known}")
            return None
        return table[value]


_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _is_uuid(text: Any) -> bool:
    """What uuid.UUID accepts (the canonical form by a compiled regex; anything else by uuid.UUID,
    which also takes braces, "urn:uuid:", hyphens anywhere…)."""
    if not isinstance(text, str):
        return False
    if _CANONICAL_UUID.fullmatch(text):
        return True
    try:
        uuidlib.UUID(text)
    except ValueError:
        return False
    return True


def _to_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=BEIJING).astimezone(UTC)


ITEM_REQUIRED = {
    "编号",
    "UUID",
    "村",
    "村代码",
    "台账",
    "分类",
    "年度",
    "年度序号",
    "诉求人",
    "诉求人UUID",
    "信息来源",
    "受理日期",
    "主要诉求及原因",
    "状态",
    "当前层级",
    "最高到达层级",
    "本级起算日期",
    "就地办结",
    "重新办理次数",
    "版本",
}


def _check_header(ck: _Checker, sheet: RawSheet, columns: Sequence[Column]) -> bool:
    expected = [c.header for c in columns]
    got = list(sheet.header)
    while got and got[-1] in (None, ""):
        got.pop()
    ok = True
    for i in range(max(len(expected), len(got))):
        want = expected[i] if i < len(expected) else None
        have = got[i] if i < len(got) else None
        if want != have:
            ok = False
            if want is None:
                ck.add(sheet.name, HEADER_ROW, i, str(have), f"多出一列“{have}”，表头被改动过")
            else:
                ck.add(
                    sheet.name, HEADER_ROW, i, want, f"表头应为“{want}”，实际为“{have or ''}”，表头被改动过"
                )
    return ok


def _check_meta(ck: _Checker, raw: RawWorkbook) -> list[str] | None:
    """The data sheet names in order, or None when the meta data is unusable."""
    meta = raw.meta
    version = (meta.get("format_version") or "").strip()
    if not _DIGITS.match(version):
        ck.add(META, None, None, "", f"文件格式版本“{version}”无法识别")
        return None
    if int(version) > int(FORMAT_VERSION):
        ck.add(META, None, None, "", f"文件格式版本为{version}，本软件只认识{FORMAT_VERSION}，请先升级软件")
        return None
    if version != FORMAT_VERSION:
        ck.add(META, None, None, "", f"文件格式版本为{version}，本软件只认识{FORMAT_VERSION}")
        return None
    code = (meta.get("exporter_code") or "").strip()
    if not (_DIGITS.match(code) and len(code) in _CODE):
        ck.add(META, None, None, "", f"导出单位代码“{code}”应为12位（村）、9位（乡镇）或6位（县）数字")
    for village_code in filter(None, (meta.get("village_codes") or "").split(",")):
        if not (_DIGITS.match(village_code) and len(village_code) == 12):
            ck.add(META, None, None, "", f"村代码“{village_code}”应为12位数字")
        elif code and not village_code.startswith(code):
            ck.add(META, None, None, "", f"村代码{village_code}不属于导出单位{code}")
    names = [n for n in (meta.get("sheets") or "").split(",") if n]
    if not names or names[0] != SUMMARY or names[-3:] != [ESCALATED, OVERDUE, HISTORY]:
        ck.add(META, None, None, "", "工作表清单不完整，文件不是本软件导出的上报工作簿")
        return None
    expected_order = [*names, META]
    if raw.sheet_names != expected_order:
        ck.add(
            None,
            None,
            None,
            "",
            f"工作表应为：{'、'.join(expected_order)}；实际为：{'、'.join(raw.sheet_names)}",
        )
        return None
    if not meta.get("checksum_sha256"):
        ck.add(META, None, None, "", "缺少校验和")
    return names[1:]


def _item_row(ck: _Checker, sheet: str, row_no: int, row: list[Any]) -> dict[str, Any] | None:
    n_errors = len(ck.errors)
    v = dict(zip(_ITEM_HEADERS, ck.values(sheet, row_no, row, _ITEM_SPEC), strict=True))
    idx = _ITEM_INDEX

    def lab(h: str, table: dict) -> Any:
        return ck.label(sheet, row_no, idx[h], h, v[h], table)

    state = lab("状态", STATE_BY_LABEL)
    level = lab("当前层级", LEVEL_BY_LABEL)
    max_level = lab("最高到达层级", LEVEL_BY_LABEL)
    settled_level = lab("办结层级", LEVEL_BY_LABEL)
    settled_from = lab("办结前状态", STATE_BY_LABEL)
    satisfaction = lab("满意度", SATISFACTION_BY_LABEL)
    on_the_spot = lab("就地办结", YES_NO)
    for h in ("UUID", "诉求人UUID"):
        if v[h] is not None and not _is_uuid(v[h]):
            ck.add(sheet, row_no, idx[h], h, f"“{h}”不是有效的UUID：“{v[h]}”")
    code = v["村代码"]
    if code is not None and not (_DIGITS.match(code) and len(code) == 12):
        ck.add(sheet, row_no, idx["村代码"], "村代码", f"村代码应为12位数字，实际为“{code}”")
    if v["版本"] is not None and v["版本"] < 1:
        ck.add(sheet, row_no, idx["版本"], "版本", "版本应为正整数")
    month = v["晒账月份"]
    if month is not None and not _MONTH.match(month):
        ck.add(sheet, row_no, idx["晒账月份"], "晒账月份", f"晒账月份应为YYYY-MM，实际为“{month}”")
    if len(ck.errors) > n_errors:
        return None
    return {
        "id": v["UUID"],
        "category": v["分类"],
        "serial": v["编号"],
        "year": v["年度"],
        "seq": v["年度序号"],
        "person_id": v["诉求人UUID"],
        "source": v["信息来源"],
        "source_detail": v["五访五问"] or "",
        "received_on": v["受理日期"],
        "registered_at": _to_utc(v["登记时间"])
        or _to_utc(datetime.combine(v["受理日期"], datetime.min.time())),
        "registered_by": v["登记人"] or "",
        "request": v["主要诉求及原因"],
        "decision": v["处理意见"] or "",
        "reply": v["乡镇答复"] or "",
        "replied_on": v["答复日期"],
        "department": v["承办部门"] or "",
        "assigned_on": v["交办日期"],
        "measures": v["工作措施"] or "",
        "outcome": v["处理结果"] or "",
        "requester_opinion": v["当事人意见"] or "",
        "satisfaction": satisfaction,
        "signed_by": v["签字确认人"] or "",
        "signed_on": v["签字日期"],
        "state": state,
        "level": level,
        "max_level": max_level,
        "level_started_on": v["本级起算日期"],
        "on_the_spot": on_the_spot,
        "settled_level": settled_level,
        "settled_on": v["办结日期"],
        "settled_from_state": settled_from,
        "reopen_count": v["重新办理次数"],
        "published_month": month,
        "void_reason": v["作废原因"] or "",
        "voided_on": v["作废日期"],
        "version": v["版本"],
        "updated_at": _to_utc(v["更新时间"]),
        "_row": (sheet, row_no),
        "_village_code": code,
        "_village_name": v["村"],
        "_ledger": v["台账"],
        "_cadre": (v["责任人"], v["责任人电话"] or "") if v["责任人"] else None,
        "_person": {
            "id": v["诉求人UUID"],
            "name": v["诉求人"],
            "gender": v["性别"] or "",
            "id_number": v["身份证号"] or None,
            "phone": v["联系电话"] or "",
            "group_name": v["村民小组"] or "",
            "address": v["住址"] or "",
        },
    }


HISTORY_REQUIRED = {"UUID", "编号", "序号", "日期", "记录时间", "经办人", "办理事项", "新状态"}
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_ITEM_SPEC = _spec(ITEM_COLUMNS, ITEM_REQUIRED)
_ITEM_HEADERS = tuple(c.header for c in ITEM_COLUMNS)
_ITEM_INDEX = {c.header: i for i, c in enumerate(ITEM_COLUMNS)}
_HISTORY_SPEC = _spec(HISTORY_COLUMNS, HISTORY_REQUIRED)
_HISTORY_INDEX = {c.header: i for i, c in enumerate(HISTORY_COLUMNS)}


def _event_row(ck: _Checker, row_no: int, row: list[Any]) -> dict[str, Any] | None:
    n_errors = len(ck.errors)
    item_id, serial, seq, on, at, actor, action, from_state, to_state, note, changes = ck.values(
        HISTORY, row_no, row, _HISTORY_SPEC
    )
    idx = _HISTORY_INDEX
    action = ck.label(HISTORY, row_no, idx["办理事项"], "办理事项", action, ACTION_BY_LABEL)
    from_state = ck.label(HISTORY, row_no, idx["原状态"], "原状态", from_state, STATE_BY_LABEL)
    to_state = ck.label(HISTORY, row_no, idx["新状态"], "新状态", to_state, STATE_BY_LABEL)
    if item_id is not None and not _is_uuid(item_id):
        ck.add(HISTORY, row_no, idx["UUID"], "UUID", f"“UUID”不是有效的UUID：“{item_id}”")
    if seq is not None and seq < 1:
        ck.add(HISTORY, row_no, idx["序号"], "序号", "序号应为正整数")
    if len(ck.errors) > n_errors:
        return None
    return {
        "item_id": item_id,
        "seq": seq,
        "on": on,
        "at": _to_utc(at),
        "actor": actor,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "note": note or "",
        "changes": changes or "{}",
        "_row": row_no,
        "_serial": serial,
    }


def validate(raw: RawWorkbook, file_name: str) -> "ImportPlan | list[ImportError]":
    """Check everything that can be checked without the database; a plan, or every error found."""
    ck = _Checker(file_name)
    ledger_sheets = _check_meta(ck, raw)
    if ledger_sheets is None:
        return ck.errors
    layouts: list[tuple[str, Sequence[Column]]] = [
        *((name, ITEM_COLUMNS) for name in ledger_sheets[:-3]),
        (ESCALATED, ESCALATED_COLUMNS),
        (OVERDUE, OVERDUE_COLUMNS),
        (HISTORY, HISTORY_COLUMNS),
    ]
    headers_ok = all([_check_header(ck, raw.sheets[name], cols) for name, cols in layouts])
    for name, _cols in layouts:
        stated = raw.meta.get(f"rows:{name}")
        actual = len(raw.sheets[name].rows)
        if stated is None or not _DIGITS.match(stated) or int(stated) != actual:
            ck.add(name, None, None, "", f"行数与文件记录的{stated}行不符（实际{actual}行）")
    digest = checksum((name, raw.sheets[name].header, raw.sheets[name].rows) for name, _c in layouts)
    if raw.meta.get("checksum_sha256") and digest != raw.meta["checksum_sha256"]:
        ck.add(META, None, None, "", "校验和不符：文件在导出后被改动过")
    if not headers_ok:
        return ck.errors

    items: list[dict[str, Any]] = []
    seen: dict[str, tuple[str, int]] = {}
    villages: dict[str, str] = {}
    for name in ledger_sheets[:-3]:
        for offset, row in enumerate(raw.sheets[name].rows):
            row_no = FIRST_DATA_ROW + offset
            item = _item_row(ck, name, row_no, row)
            if item is None:
                continue
            if item["id"] in seen:
                first = seen[item["id"]]
                ck.add(name, row_no, 1, "UUID", f"UUID与工作表“{first[0]}”第{first[1]}行重复")
                continue
            seen[item["id"]] = (name, row_no)
            villages[item["_village_code"]] = item["_village_name"]
            items.append(item)
    events: list[dict[str, Any]] = []
    event_keys: set[tuple[str, int]] = set()
    for offset, row in enumerate(raw.sheets[HISTORY].rows):
        row_no = FIRST_DATA_ROW + offset
        event = _event_row(ck, row_no, row)
        if event is None:
            continue
        key = (event["item_id"], event["seq"])
        if key in event_keys:
            ck.add(HISTORY, row_no, 2, "序号", f"同一事项的序号{event['seq']}重复")
            continue
        event_keys.add(key)
        events.append(event)
    if ck.errors:
        return ck.errors
    _precompute(items, events)
    return ImportPlan(file_name, dict(raw.meta), villages, items, events)


def _precompute(items: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    """Work that needs no database, done here so that it runs in the import's worker processes:
    requesters' pinyin search keys (`_person_key`) and, for an item whose events in the file run from
    序号 1 without a gap, its hash chain as a new item's (`_prev_hash`, `_hash`; see services.chain)."""
    for it in items:
        it["_person_key"] = search_key(it["_person"]["name"])
    by_item: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_item.setdefault(e["item_id"], []).append(e)
    for item_events in by_item.values():
        item_events.sort(key=lambda e: e["seq"])
        if [e["seq"] for e in item_events] != list(range(1, len(item_events) + 1)):
            continue
        prev = NO_HISTORY
        for e in item_events:  # as chain_rows links a new item's rows (it reads only hashed fields)
            e["_prev_hash"] = prev
            e["_hash"] = prev = event_digest(e, prev)


_CHAIN_HEAD = "[" + encode_basestring(CHAIN_FORMAT) + ","


def event_digest(event: dict[str, Any], prev_hash: str) -> str:
    """`chain.event_hash(chain.content_of_row(event), prev_hash)`, with the JSON array written
    directly for what validation makes (a date, a UTC time, text, a whole 序号): compact JSON without
    ASCII escaping is each value as json writes it (`encode_basestring` is the function json's
    encoder calls) joined by commas; a date's and a UTC time's texts are what `content_of_row` makes
    of them. Anything else goes through chain (tests/services/test_import_speed.py)."""
    item_id, seq, on, at, actor, action, from_state, to_state, note, changes = _hashed(event)
    if not (
        on.__class__ is date
        and at.__class__ is datetime
        and at.tzinfo is UTC
        and seq.__class__ is int
        and item_id.__class__ is str
        and actor.__class__ is str
        and action.__class__ is str
        and to_state.__class__ is str
        and note.__class__ is str
        and changes.__class__ is str
        and prev_hash.__class__ is str
        and (from_state is None or from_state.__class__ is str)
    ):
        return event_hash(content_of_row(event), prev_hash)
    quote = encode_basestring
    text = (
        f'{_CHAIN_HEAD}{quote(item_id)},{seq},"{on.isoformat()}","{at.isoformat(" ")[:19]}",{quote(actor)},'
        f"{quote(action)},{'null' if from_state is None else quote(from_state)},{quote(to_state)},"
        f"{quote(note)},{quote(changes)},{quote(prev_hash)}]"
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_hashed = itemgetter(*HASHED)  # item_id, seq, on, at, actor, action, from_state, to_state, note, changes


def apply_import(**kwargs: Any) -> ImportSummary:
    """See `app.services.import_apply.apply_import` (kept here for callers of the first version)."""
    from app.services.import_apply import apply_import as apply

    return apply(**kwargs)
