"""The monthly wall posting (每月上墙公示, 晒账): what goes on the wall, already made safe to print.

`build_posting` gathers one village's month into plain frozen dataclasses. Every string in the
result is already masked: requester names per the ledger's PrivacyPolicy, ID and phone numbers
typed into free text (诉求, 措施, 结果, 意见) replaced by their masked form and listed in
`Posting.redactions` (so is any other run of 11+ digits, such as a bank card number); the ID
numbers and phones of people are never read at all. Ledgers posted as counts only (稳定工作台账
by default) carry no rows. The PDF writer (app/exports/wall_pdf.py)
prints the dataclasses as they are, so it cannot leak what is not here.

Which items (one village, month M, voided items never):
- 本月登记: received in M.
- 本月办结 (晒账 rule): settled in M and confirmed by the requester's signature (state confirmed or
  published) when the posting is made, whenever they were received.
- 办理中: items received in M that are not counted as settled above, and items settled in M that the
  requester has not signed yet; each with its running deadline (app.services.clocks).

Figures (whole village and per ledger):
- registered = 本月登记; settled = 本月办结 as above; in_progress = the 办理中 rows;
- rate (办结率) = items received in M that are counted as settled ÷ registered (a ratio to 4 places,
  the cohort definition of docs/statistics.md with the signature rule added);
- levels: the 本月办结 items by the level that settled them, with shares adding up to 100.00
  (app.services.statistics.shares).

The posting period (公示期) defaults to the 1st–10th of the month after M, so re-generating an
unchanged month gives the same posting whatever day it is done; if that window is already over on
`today`, it runs for 10 days from `today`. The signature date is the first day of the period.
"""

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, or_, select

from app.models import Item, Ledger, Person, PostingRecord, Village
from app.models.base import utcnow
from app.models.enums import ItemState, Level, Satisfaction
from app.services import actions
from app.services.clocks import item_clocks
from app.services.context import Settings
from app.services.errors import DomainError
from app.services.identity import mask_name, redact_sensitive
from app.services.privacy import PrivacyPolicy, default_policy
from app.services.statistics import LEVELS, Period, shares
from app.store.uow import UnitOfWork

__all__ = [
    "FIELD_LABELS",
    "Figures",
    "InProgressRow",
    "LedgerSection",
    "LevelFigure",
    "Posted",
    "Posting",
    "Redaction",
    "RegisteredRow",
    "SettledRow",
    "build_posting",
    "cn_date",
    "default_period",
    "latest_record",
    "mark_posted",
    "record_posting",
]

S = ItemState
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_SIGNED = frozenset({S.CONFIRMED.value, S.PUBLISHED.value})
PERIOD_DAYS = 10
FIELD_LABELS = {"request": "主要诉求", "measures": "工作措施", "outcome": "处理结果", "opinion": "当事人意见"}


def cn_date(day: date) -> str:
    """2026-12-01 -> 2026年12月1日 (how dates are written on a notice)."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Redaction:
    """An ID-like or phone-like number found in an item's free text and masked before printing."""

    serial: str
    field: str  # Chinese label of the field (主要诉求 …)
    kind: str  # 身份证号, 电话号码, or 长数字号码 (a bank card number …)

    def describe(self) -> str:
        return f"{self.serial} {self.field} 中的{self.kind}"


@dataclass(frozen=True)
class LevelFigure:
    level: str  # village / township / county
    label: str  # 村级 / 乡镇 / 县级
    count: int
    share: float  # percent, two decimals


@dataclass(frozen=True)
class Figures:
    registered: int
    settled: int
    registered_settled: int
    rate: float  # ratio to 4 places (0.9231 = 92.31%)
    in_progress: int
    levels: tuple[LevelFigure, ...]


@dataclass(frozen=True)
class RegisteredRow:
    number: str  # the serial without the village code, e.g. MS-2026-0012
    category: str
    requester: str
    received_on: date
    request: str
    status: str  # 已办结 / 办理中


@dataclass(frozen=True)
class SettledRow:
    number: str
    category: str
    requester: str
    request: str
    measures: str
    outcome: str
    level: str  # 村级 / 乡镇 / 县级
    settled_on: date
    opinion: str  # the rating (满意), a line break, the requester's words


@dataclass(frozen=True)
class InProgressRow:
    number: str
    category: str
    requester: str
    received_on: date
    request: str
    status: str
    deadline: str


@dataclass(frozen=True)
class LedgerSection:
    key: str
    name: str
    counts_only: bool  # True: only the figures are posted, the row tuples are empty
    figures: Figures
    registered: tuple[RegisteredRow, ...]
    settled: tuple[SettledRow, ...]
    in_progress: tuple[InProgressRow, ...]


@dataclass(frozen=True)
class Posting:
    village_id: int
    title: str
    county: str
    township: str
    village: str
    month: str
    period_from: date
    period_to: date
    supervision_phone: str
    township_discipline_phone: str
    discipline_label: str  # 富兴镇纪委
    intro: str
    privacy_note: str
    figures_note: str
    party_branch: str  # 中共柳林沟村支部委员会
    committee: str  # 柳林沟村民委员会
    signed_on: date
    figures: Figures
    sections: tuple[LedgerSection, ...]
    item_ids: tuple[str, ...]  # every item shown or counted (for the record and 晒账 marking)
    redactions: tuple[Redaction, ...]

    @property
    def content_hash(self) -> str:
        """sha256 of everything the posting prints (the same month unchanged gives the same hash)."""
        data = asdict(self)
        data.pop("redactions")
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------


def _check_month(month: str) -> Period:
    if not _MONTH.match(month or ""):
        raise DomainError(f"公示月份应写作YYYY-MM，当前为“{month}”")
    return Period.month(month)


def default_period(month: str, today: date) -> tuple[date, date]:
    """The 1st to the 10th of the following month; from `today` for 10 days if that is already over."""
    period = _check_month(month)
    assert period.end is not None
    start = period.end + timedelta(days=1)
    end = start + timedelta(days=PERIOD_DAYS - 1)
    if today > end:
        start, end = today, today + timedelta(days=PERIOD_DAYS - 1)
    return start, end


def _period(month: str, today: date, period_from: date | None, period_to: date | None) -> tuple[date, date]:
    if period_from is None and period_to is None:
        return default_period(month, today)
    if period_from is None:
        raise DomainError("请同时填写公示期的开始日期")
    end = period_to or period_from + timedelta(days=PERIOD_DAYS - 1)
    if end < period_from:
        raise DomainError("公示期的结束日期不能早于开始日期")
    return period_from, end


def _org_names(village: str) -> tuple[str, str]:
    """(party branch, committee): 柳林沟村 -> 中共柳林沟村支部委员会, 柳林沟村民委员会."""
    if village.endswith("社区"):
        return f"中共{village}支部委员会", f"{village}居民委员会"
    base = village.removesuffix("村")
    return f"中共{base}村支部委员会", f"{base}村民委员会"


# Any other run of 11 or more digits (spaces or hyphens between groups allowed): bank card and
# account numbers, or an ID/phone written in a way find_sensitive does not recognise. None of these
# belongs on a public wall either, so they are masked too (first and last 4 digits kept).
_LONG_NUMBER = re.compile(r"(?<!\d)\d(?:[ -]?\d){10,}(?:[ -]?[Xx])?(?![\dXx])")
LONG_NUMBER_KIND = "长数字号码"


def _mask_long_numbers(text: str) -> tuple[str, int]:
    def mask(m: re.Match[str]) -> str:
        chars = [c for c in m.group() if c not in " -"]
        return "".join(chars[:4]) + "*" * (len(chars) - 8) + "".join(chars[-4:])

    return _LONG_NUMBER.subn(mask, text)


class _Redactor:
    """Masks ID/phone numbers in free text, once per item and field, and remembers what it did."""

    def __init__(self) -> None:
        self.found: list[Redaction] = []
        self._done: dict[tuple[str, str], str] = {}

    def __call__(self, item: Item, field: str, text: str) -> str:
        key = (item.id, field)
        if key not in self._done:
            label = FIELD_LABELS[field]
            clean, hits = redact_sensitive((text or "").strip())
            self.found.extend(Redaction(item.serial, label, h.kind) for h in hits)
            clean, count = _mask_long_numbers(clean)
            self.found.extend(Redaction(item.serial, label, LONG_NUMBER_KIND) for _ in range(count))
            self._done[key] = clean
        return self._done[key]


def _opinion(item: Item) -> str:
    text = (item.requester_opinion or "").strip()
    if not item.satisfaction:
        return text
    label = Satisfaction(item.satisfaction).label
    if not text or text.rstrip("。.！!") == label:
        return label
    return f"{label}\n{text}"  # the rating on its own line, then the requester's own words


def _deadline(item: Item, settings: Settings, today: date) -> str:
    if item.state == S.SETTLED.value:
        return "签字确认后公示"
    if item.state in _SIGNED:  # settled after the month ended: on that month's posting
        assert item.settled_on is not None
        return f"列入{item.settled_on.year}年{item.settled_on.month}月公示"
    clocks = item_clocks(item, settings.rules, settings.calendar, today)
    clock = clocks.current
    if clock is None:
        return clocks.waiting or "—"
    note = "" if clock.verified else "（估算）"
    return f"{clock.label}：{cn_date(clock.due)}前{note}"


def _status(item: Item) -> str:
    if item.state == S.SETTLED.value:
        return "已办结，待当事人签字确认"
    if item.state in _SIGNED:  # settled after the month ended
        assert item.settled_on is not None
        return f"已于{cn_date(item.settled_on)}办结"
    return ItemState(item.state).label


def _figures(rows: list[tuple[Item, bool, bool]], in_progress: int) -> Figures:
    """rows: (item, received in the month, counted as settled in the month)."""
    registered = sum(1 for _i, received, _s in rows if received)
    reg_settled = sum(1 for _i, received, counted in rows if received and counted)
    by_level = dict.fromkeys(LEVELS, 0)
    settled = 0
    for item, _received, counted in rows:
        if counted:
            settled += 1
            if item.settled_level in by_level:
                by_level[item.settled_level] += 1
    pct = shares(by_level)
    levels = tuple(LevelFigure(k, Level(k).label, by_level[k], pct[k]) for k in LEVELS)
    rate = round(reg_settled / registered, 4) if registered else 0.0
    return Figures(registered, settled, reg_settled, rate, in_progress, levels)


def _load(session: Session, village_id: int, period: Period) -> list[tuple[Item, str, str]]:
    stmt = (
        select(Item, Ledger.key, Person.name)
        .join(Ledger, col(Ledger.id) == col(Item.ledger_id))
        .join(Person, col(Person.id) == col(Item.person_id))
        .where(Item.village_id == village_id, Item.state != S.VOIDED.value)
        .where(
            or_(
                col(Item.received_on).between(period.start, period.end),
                col(Item.settled_on).between(period.start, period.end),
            )
        )
        .order_by(col(Item.serial))
    )
    return [(i, k, n) for i, k, n in session.exec(stmt).all()]


def _privacy_note(sections: list[LedgerSection], privacy: dict[str, PrivacyPolicy]) -> str:
    parts = ["为保护群众个人信息，身份证号、电话号码一律不予公示"]
    shown = [s for s in sections if not s.counts_only]
    masked = [s.name for s in shown if privacy[s.key].mask_names]
    if masked:
        example = "、".join(sorted({mask_name("张大云", privacy[s.key].name_style) for s in shown}))
        which = "诉求人姓名" if len(masked) == len(shown) else f"{'、'.join(masked)}的诉求人姓名"
        parts.append(f"{which}只保留姓氏（如“{example}”）")
    counts = [s.name for s in sections if s.counts_only]
    if counts:
        parts.append(f"{'、'.join(counts)}只公示件数")
    return "；".join(parts) + "。"


def _section(
    ledger: Ledger,
    items: list[tuple[Item, str]],
    policy: PrivacyPolicy,
    period: Period,
    prefix: str,
    redact: _Redactor,
    settings: Settings,
    today: date,
) -> tuple[LedgerSection, list[tuple[Item, bool, bool]], int]:
    """One ledger's rows (none if posted as counts only), its facts for the figures, and 办理中 count."""
    counts_only = not policy.show_details
    facts: list[tuple[Item, bool, bool]] = []
    reg_rows: list[RegisteredRow] = []
    set_rows: list[SettledRow] = []
    open_rows: list[InProgressRow] = []
    pending_count = 0
    for item, name in items:
        received = period.contains(item.received_on)
        settled_in = period.contains(item.settled_on)
        counted = settled_in and item.state in _SIGNED
        pending = (received and not counted) or (settled_in and item.state == S.SETTLED.value)
        facts.append((item, received, counted))
        pending_count += pending
        if counts_only:
            continue  # counted in the figures, never read into a row
        number = item.serial.removeprefix(prefix)
        who = mask_name(name, policy.name_style) if policy.mask_names else name.strip()
        request = redact(item, "request", item.request)
        if received:
            status = "已办结" if counted else "办理中"
            reg_rows.append(RegisteredRow(number, item.category, who, item.received_on, request, status))
        if counted:
            assert item.settled_on is not None and item.settled_level is not None
            set_rows.append(
                SettledRow(
                    number,
                    item.category,
                    who,
                    request,
                    redact(item, "measures", item.measures),
                    redact(item, "outcome", item.outcome),
                    Level(item.settled_level).label,
                    item.settled_on,
                    redact(item, "opinion", _opinion(item)),
                )
            )
        if pending:
            open_rows.append(
                InProgressRow(
                    number,
                    item.category,
                    who,
                    item.received_on,
                    request,
                    _status(item),
                    _deadline(item, settings, today),
                )
            )
    section = LedgerSection(
        key=ledger.key,
        name=ledger.name,
        counts_only=counts_only,
        figures=_figures(facts, pending_count),
        registered=tuple(reg_rows),
        settled=tuple(set_rows),
        in_progress=tuple(open_rows),
    )
    return section, facts, pending_count


def build_posting(
    session: Session,
    *,
    settings: Settings,
    village_id: int,
    month: str,
    privacy: dict[str, PrivacyPolicy],
    today: date,
    period_from: date | None = None,
    period_to: date | None = None,
) -> Posting:
    """One village's month as it goes on the wall; every text in it is already masked."""
    period = _check_month(month)
    assert period.start is not None and period.end is not None
    if period.start > today:
        raise DomainError(f"{month}还没有到，不能生成公示表")
    village = session.get(Village, village_id)
    if village is None:
        raise DomainError("找不到该村")
    start, end = _period(month, today, period_from, period_to)

    ledgers = list(session.exec(select(Ledger).order_by(col(Ledger.sort_order), col(Ledger.id))).all())
    loaded = _load(session, village_id, period)
    used = {key for _i, key, _n in loaded}
    ledgers = [lg for lg in ledgers if lg.active or lg.key in used]
    policies = {lg.key: privacy.get(lg.key) or default_policy(lg.key) for lg in ledgers}

    redact = _Redactor()
    per_ledger: dict[str, list[tuple[Item, str]]] = {lg.key: [] for lg in ledgers}
    for item, key, name in loaded:
        per_ledger[key].append((item, name))
    built = [
        _section(
            lg, per_ledger[lg.key], policies[lg.key], period, f"{village.code}-", redact, settings, today
        )
        for lg in ledgers
    ]
    sections = [section for section, _facts, _open in built]
    every = [fact for _s, facts, _o in built for fact in facts]
    in_progress_total = sum(n for _s, _f, n in built)

    party, committee = _org_names(village.name)
    discipline = f"{village.township}纪委"
    ledger_names = "、".join(s.name for s in sections)
    return Posting(
        village_id=village_id,
        title=f"{village.name}{period.start.year}年{period.start.month}月“三本台账”办理情况公示",
        county=village.county,
        township=village.township,
        village=village.name,
        month=month,
        period_from=start,
        period_to=end,
        supervision_phone=village.supervision_phone.strip(),
        township_discipline_phone=village.township_discipline_phone.strip(),
        discipline_label=discipline,
        intro=(
            f"根据“三本台账”工作法“月办月结、每月上墙公示”的要求，现将本村"
            f"{period.start.year}年{period.start.month}月{ledger_names}的登记和办结情况公示如下，"
            f"接受群众监督。公示期内如有异议，请向村务监督委员会或{discipline}反映。"
        ),
        privacy_note=_privacy_note(sections, policies),
        figures_note=(
            "说明：“本月办结”指本月办结并经当事人签字确认的事项（含以前月份受理的）；"
            "办结率 = 本月受理事项中已办结并经签字确认的件数 ÷ 本月受理件数；"
            "各级办结占比按本月办结件数计算；未经当事人签字确认的事项列为“办理中”。"
        ),
        party_branch=party,
        committee=committee,
        signed_on=start,
        figures=_figures(every, in_progress_total),
        sections=tuple(sections),
        item_ids=tuple(sorted(item.id for item, _r, _c in every)),
        redactions=tuple(redact.found),
    )


# ---------------------------------------------------------------------------------------------
# The record of each posting, and 晒账 once it is on the wall
# ---------------------------------------------------------------------------------------------


def record_posting(*, uow: UnitOfWork, posting: Posting, file_hash: str, today: date) -> PostingRecord:
    """Record a generated posting; the same content again updates the record instead of adding one."""
    if Period.month(posting.month).start > today:  # type: ignore[operator]
        raise DomainError(f"{posting.month}还没有到，不能记录公示")
    session = uow.session
    content = posting.content_hash
    record = session.exec(
        select(PostingRecord).where(
            PostingRecord.village_id == posting.village_id,
            PostingRecord.month == posting.month,
            PostingRecord.content_hash == content,
        )
    ).first()
    if record is None:
        record = PostingRecord(
            village_id=posting.village_id,
            month=posting.month,
            item_ids=json.dumps(list(posting.item_ids)),
            content_hash=content,
            file_hash=file_hash,
            period_from=posting.period_from,
            period_to=posting.period_to,
        )
    else:
        record.file_hash = file_hash
        record.generated_at = utcnow()
    session.add(record)
    session.flush()
    return record


def latest_record(session: Session, village_id: int, month: str) -> PostingRecord | None:
    stmt = (
        select(PostingRecord)
        .where(PostingRecord.village_id == village_id, PostingRecord.month == month)
        .order_by(col(PostingRecord.generated_at).desc(), col(PostingRecord.id).desc())
    )
    return session.exec(stmt).first()


@dataclass(frozen=True)
class Posted:
    record: PostingRecord
    published: tuple[str, ...]  # serials that became 已晒账


def mark_posted(*, uow: UnitOfWork, village_id: int, month: str, on: date, actor: str) -> Posted:
    """The posting is on the wall: its signed items settled in the month become 已晒账 (published).

    The items are those of the latest posting generated for the month; posted_on is recorded on it.
    """
    period = _check_month(month)
    session = uow.session
    record = latest_record(session, village_id, month)
    if record is None:
        raise DomainError(f"{month}的公示表还没有生成，请先导出公示表")
    ids: list[str] = json.loads(record.item_ids)
    items: list[Any] = []
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        items += session.exec(select(Item).where(col(Item.id).in_(chunk))).all()
    published = []
    for item in sorted(items, key=lambda i: i.serial):
        if item.state == S.CONFIRMED.value and period.contains(item.settled_on):
            actions.publish(uow=uow, item_id=item.id, on=on, actor=actor, month=month)
            published.append(item.serial)
    record.posted_on = on
    session.add(record)
    session.flush()
    return Posted(record, tuple(published))
