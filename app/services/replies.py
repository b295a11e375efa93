"""The reply workbook (答复工作簿): what a township (or county) sends back down to one village.

It is an upward-report workbook in the same format (the village imports it with the same
`taizhang import`), holding the items of that village that reached the sender's level — escalated
items, with the sender's replies, settlements and onward escalations — and their history. Its sender
(`exporter_*` in the meta data) is the township (first 9 digits of the village code) or, when this
database spans several townships, the county (first 6 digits), so the village's importer knows the
file comes from above and applies field ownership accordingly (`app.services.import_apply`).
"""

from dataclasses import replace
from datetime import date, datetime

from sqlmodel import Session, select

from app.models import Village
from app.models.enums import Level
from app.services.context import Settings
from app.services.errors import DomainError
from app.services.report_data import ITEM_COLUMNS, Digest, Report, build_report

_UUID = [c.header for c in ITEM_COLUMNS].index("UUID")
_MAX_LEVEL = [c.header for c in ITEM_COLUMNS].index("最高到达层级")


def sender_of(session: Session, village: Village) -> tuple[str, str, str]:
    """(code, name, kind) of this database as the level above `village`."""
    codes = list(session.exec(select(Village.code)).all())
    if len({c[:9] for c in codes}) <= 1:
        return village.code[:9], village.township or village.code[:9], "township"
    return village.code[:6], village.county or village.code[:6], "county"


def build_reply(
    session: Session,
    *,
    settings: Settings,
    village_code: str,
    today: date,
    month: str | None = None,
    now: datetime | None = None,
) -> Report:
    """The reply workbook's data for one village; DomainError when there is nothing to send."""
    village = session.exec(select(Village).where(Village.code == village_code)).first()
    if village is None:
        raise DomainError(f"数据库中没有行政区划代码为{village_code}的村")
    report = build_report(
        session, settings=settings, month=month, village_ids=[village.id], today=today, now=now
    )  # type: ignore[list-item]
    village_label = Level.VILLAGE.label
    ledgers = tuple(
        replace(t, rows=tuple(r for r in t.rows if r[_MAX_LEVEL] != village_label)) for t in report.ledgers
    )
    kept = {r[_UUID] for t in ledgers for r in t.rows}
    if not kept:
        raise DomainError(f"{village.name}没有上报到乡镇或县的事项，无需答复")
    history = replace(report.history, rows=tuple(r for r in report.history.rows if r[0] in kept))
    code, name, kind = sender_of(session, village)
    scope = f"{name}给{village.name}的答复"
    ledgers = tuple(
        replace(t, title=t.title.replace(f"{village.name}（{village.code}）", scope)) for t in ledgers
    )
    data = (*ledgers, report.escalated, report.overdue, history)
    meta = replace(
        report.meta,
        exporter_code=code,
        exporter_name=name,
        exporter_kind=kind,
        row_counts=tuple((t.name, len(t.rows)) for t in data),
        digest=Digest(data),
    )
    return replace(report, meta=meta, ledgers=ledgers, history=history)
