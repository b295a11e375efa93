"""The import's fast paths give exactly what the general code gives: cell values and errors, UUID
checks, event hashes, and rows inserted without Core's per-row work."""

import gc
import hashlib
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from app.models import Item, Person, SatisfactionRating
from app.services import import_apply, import_files, importing
from app.services.chain import content_of_row, event_hash
from app.services.import_apply import insert_rows
from app.services.report_data import (
    HISTORY_COLUMNS,
    ITEM_COLUMNS,
    _canonical_object,
    _empty_strings_as_null,
    checksum,
)
from app.store.uow import UnitOfWork

TEXTS = st.text(alphabet=st.sampled_from('a张"\\\n\t\x01\u2028😀{}:,'), max_size=8)
CELLS = st.one_of(
    st.none(),
    st.just(""),
    TEXTS,
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CELLS, max_size=len(ITEM_COLUMNS) + 2), st.booleans())
def test_checker_values_equal_cell_by_cell(row, history):
    columns, spec = (
        (HISTORY_COLUMNS, importing._HISTORY_SPEC) if history else (ITEM_COLUMNS, importing._ITEM_SPEC)
    )
    required = importing.HISTORY_REQUIRED if history else importing.ITEM_REQUIRED
    fast, slow = importing._Checker("f.xlsx"), importing._Checker("f.xlsx")
    got = fast.values("表", 3, row, spec)
    want = [
        slow.cell("表", 3, i, c, row[i] if i < len(row) else None, c.header in required)
        for i, c in enumerate(columns)
    ]
    assert got == want and [type(v) for v in got] == [type(v) for v in want]
    assert fast.errors == slow.errors


def _reference_is_uuid(text):
    if not isinstance(text, str):
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.uuids().map(str),
        st.uuids().map(lambda u: str(u).upper()),
        st.uuids().map(lambda u: "{" + str(u) + "}"),
        st.uuids().map(lambda u: u.hex),
        st.uuids().map(lambda u: str(u) + "\n"),
        st.text(alphabet=st.sampled_from("0123456789abcdefABCDEFg-{}_ +urn:id\n"), max_size=40),
        st.integers(),
    )
)
def test_uuid_check_equals_uuid_module(text):
    assert importing._is_uuid(text) == _reference_is_uuid(text)


MOMENTS = st.one_of(
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(timezones=st.just(timezone(timedelta(hours=8)))),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2900, 1, 1)),
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "item_id": st.one_of(st.uuids().map(str), TEXTS),
            "seq": st.one_of(st.integers(1, 10**6), st.just(True)),
            "on": st.one_of(st.dates(), st.datetimes()),
            "at": MOMENTS,
            "actor": TEXTS,
            "action": TEXTS,
            "from_state": st.one_of(st.none(), TEXTS),
            "to_state": TEXTS,
            "note": TEXTS,
            "changes": TEXTS,
        }
    ),
    st.one_of(st.just("0" * 64), TEXTS),
)
def test_event_digest_equals_the_chain_hash(event, prev):
    assert importing.event_digest(event, prev) == event_hash(content_of_row(event), prev)


def test_event_digest_takes_the_fast_path_for_what_validation_makes(monkeypatch):
    event = {
        "item_id": str(uuid.uuid4()),
        "seq": 2,
        "on": date(2026, 9, 1),
        "at": datetime(2026, 9, 1, 2, 3, 4, 567, tzinfo=UTC),
        "actor": '杨"运\\润',
        "action": "settle",
        "from_state": None,
        "to_state": "settled",
        "note": "说明\n第二行",
        "changes": '{"a": [1, "b"]}',
    }
    want = event_hash(content_of_row(event), "f" * 64)
    monkeypatch.setattr(importing, "event_hash", None)  # the general path would fail now
    assert importing.event_digest(event, "f" * 64) == want


def _item(n, village_id, person_id, **extra):
    row = Item(
        id=f"id-{n}",
        village_id=village_id,
        ledger_id=1,
        category="土地流转",
        serial=f"T{n:05d}",
        year=2026,
        seq=n + 1,
        person_id=person_id,
        source="走访",
        received_on=date(2026, 9, 1 + n),
        request="测试",
        state="registered",
        level_started_on=date(2026, 9, 1),
    ).model_dump()
    row.update(extra)
    return row


def _written(engine, write, tables):
    """The rows as SQLite holds them after `write`, rolled back afterwards."""
    with UnitOfWork(engine) as uow:
        for table, rows in tables:
            write(uow.session, table, [dict(r) for r in rows])
        conn = uow.session.connection()
        return {
            table.name: conn.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY 1, 2").all()
            for table, _rows in tables
        }


def _core(session, table, rows):
    session.execute(insert(table), rows)


def test_insert_rows_stores_what_core_stores(village, engine):
    beijing = timezone(timedelta(hours=8))
    items = [
        _item(0, village.village_id, village.person_id, registered_at=datetime(5, 1, 2, tzinfo=UTC)),
        _item(
            1,
            village.village_id,
            village.person_id,
            registered_at=datetime(2026, 9, 2, 23, 30, 1, 250, tzinfo=beijing),
            updated_at=datetime(2026, 9, 3, 4, 5, 6, 789, tzinfo=UTC),
            on_the_spot=True,
            settled_on=date(2026, 9, 4),
            satisfaction=None,
        ),
    ]
    people = [
        {
            "id": f"p-{n}",
            "village_id": village.village_id,
            "household_id": None,
            "name": "张三",
            "gender": "",
            "id_number": None if n else "510623197405214269",
            "phone": "",
            "group_name": "",
            "address": "",
            "relation_to_head": "",
            "search_key": "张三|zs",
            "created_at": datetime(2026, 1, 1, 8, n, tzinfo=beijing),
        }
        for n in range(3)
    ]
    ratings = [
        {"item_id": "id-0", "rated_on": date(2026, 9, 9), "rating": "satisfied", "opinion": ""},
        {"item_id": "id-1", "rated_on": date(2026, 9, 10), "rating": "very", "opinion": "好"},
    ]
    tables = [(Person.__table__, people), (Item.__table__, items), (SatisfactionRating.__table__, ratings)]
    fast, core = _written(engine, insert_rows, tables), _written(engine, _core, tables)
    assert fast == core
    assert len(fast["item"]) == 2 and len(fast["person"]) == 4 and len(fast["satisfaction_rating"]) == 2


def test_insert_rows_leaves_defaults_to_core(village, engine):
    """Rows without a column that has a default (created_at) go through Core, which fills it."""
    row = {"id": "p-x", "village_id": village.village_id, "name": "李四"}
    with UnitOfWork(engine) as uow:
        insert_rows(uow.session, Person.__table__, [row])
        stored = (
            uow.session.connection()
            .exec_driver_sql("SELECT name, gender, created_at FROM person WHERE id = 'p-x'")
            .one()
        )
    assert stored[0] == "李四" and stored[1] == "" and stored[2]


def test_few_collections_gives_the_collector_back_as_it_was():
    assert gc.isenabled()
    with import_files._few_collections():
        assert not gc.isenabled() and gc.get_freeze_count() > 0
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), import_files._few_collections():
        raise RuntimeError
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        with import_files._few_collections():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()


VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(['""', '","', "a", '"', "\\", "[", "]"]),
    TEXTS,
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))])),
    st.sampled_from(
        [datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8))), datetime(2026, 1, 1, tzinfo=UTC)]
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(TEXTS, st.lists(TEXTS, max_size=3), st.lists(st.lists(VALUES, max_size=5), max_size=5)),
        max_size=3,
    )
)
def test_file_checksum_equals_report_checksum(tables):
    assert checksum(tables) == plain_checksum(tables)


def plain_checksum(tables) -> str:
    """The checksum's definition without its shortcuts (each date and time through the hook, every
    empty-string pass run): `checksum` must give exactly this."""
    doc = [[name, list(headers), list(rows)] for name, headers, rows in tables]
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=_canonical_object)
    return hashlib.sha256(_empty_strings_as_null(text).encode("utf-8")).hexdigest()


def test_file_checksum_refuses_what_checksum_refuses():
    tables = [("表", ["时间"], [[time(8, 30)]])]
    with pytest.raises(TypeError):
        checksum(tables)
    with pytest.raises(TypeError):
        plain_checksum(tables)


@settings(max_examples=300, deadline=None)
@given(st.datetimes(timezones=st.just(UTC)))
def test_utc_text_is_what_the_datetime_processor_stores(moment):
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    process = Item.__table__.c.updated_at.type.dialect_impl(dialect).bind_processor(dialect)
    assert import_apply._utc_text(moment) == process(moment)
