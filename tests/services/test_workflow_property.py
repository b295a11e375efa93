"""Property tests of the one item state machine, run against a real SQLite database.

Random sequences of every use case (on one to three items, on dates moving forward, now and then
back-dated) are applied one UnitOfWork per action. An action the machine does not allow must raise
a Chinese DomainError and leave the item, its history and its side tables exactly as they were.
After every step the stored item and its history are checked against an independent model of the
four steps (建账 → 议账 → 结账 → 晒账) written from DOMAIN.md, not from app/services/workflow.py.
"""

import itertools
import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.models import FollowUpVisit, Item, SatisfactionRating, SupervisionNotice
from app.models.enums import (
    OPEN_STATES,
    SETTLED_STATES,
    STATE_LEVEL,
    Action,
    DeliberationDecision,
    ItemState,
    Level,
    Satisfaction,
)
from app.services import actions
from app.services.context import Settings, load_settings
from app.services.errors import DomainError
from app.services.history import history
from app.services.people import create_person
from app.services.registration import register_item
from app.services.villages import add_cadre, create_village
from app.services.workflow import allowed_actions, next_state
from app.store.database import open_database
from app.store.uow import UnitOfWork

S = ItemState
D = DeliberationDecision
CJK = re.compile(r"[\u4e00-\u9fff]")

# ----------------------------------------------------------------------------------------------
# The independent model (from DOMAIN.md "The four steps" and "Follow-up, satisfaction, supervision")
# ----------------------------------------------------------------------------------------------

_ESCALATE_TO = {
    S.VILLAGE_HANDLING: S.TOWNSHIP_HANDLING,  # 村 cannot settle → 乡镇
    S.TOWNSHIP_HANDLING: S.COUNTY_REGISTERED,  # 乡镇 cannot settle → 县三账办 (replied or not)
    S.TOWNSHIP_REPLIED: S.COUNTY_REGISTERED,
    S.DEPARTMENT_HANDLING: S.JOINT_MEETING,  # 县直部门 → 联席会议
    S.JOINT_MEETING: S.PARTY_GOVERNMENT,  # 联席会议 → 县委、县政府
}
_HANDLING = frozenset(
    {
        S.VILLAGE_HANDLING,
        S.TOWNSHIP_HANDLING,
        S.TOWNSHIP_REPLIED,
        S.DEPARTMENT_HANDLING,
        S.JOINT_MEETING,
        S.PARTY_GOVERNMENT,
    }
)
_LIVE = frozenset(ItemState) - {S.VOIDED}
MODEL_ALLOWED: dict[Action, frozenset[ItemState]] = {
    Action.SETTLE_ON_SPOT: frozenset({S.REGISTERED}),
    Action.DELIBERATE: frozenset({S.REGISTERED, S.VILLAGE_HANDLING}),
    Action.ESCALATE: frozenset(_ESCALATE_TO),
    Action.REPLY: frozenset({S.TOWNSHIP_HANDLING}),
    Action.ASSIGN: frozenset({S.COUNTY_REGISTERED}),
    Action.SETTLE: _HANDLING,
    Action.CONFIRM: frozenset({S.SETTLED}),
    Action.PUBLISH: frozenset({S.CONFIRMED}),
    Action.FOLLOW_UP: frozenset(SETTLED_STATES),
    Action.SUPERVISE: _LIVE,
    # 销号 of a notice stays possible after 作废, or the notice would stay open forever
    Action.CLOSE_SUPERVISION: frozenset(ItemState),
    Action.EDIT: _LIVE - {S.PUBLISHED},
    Action.VOID: _LIVE - {S.PUBLISHED},
}


def model_allowed(state: ItemState) -> set[Action]:
    return {action for action, states in MODEL_ALLOWED.items() if state in states}


# One "move" is one call of a use case with fixed arguments. `always_fails` moves break a rule
# that holds in every state (missing signature, unknown category, non-editable field).
MOVES: list[tuple[str, Action]] = [
    ("settle_on_spot", Action.SETTLE_ON_SPOT),
    *[(f"deliberate:{d.value}", Action.DELIBERATE) for d in DeliberationDecision],
    ("escalate", Action.ESCALATE),
    ("reply", Action.REPLY),
    ("assign", Action.ASSIGN),
    ("settle", Action.SETTLE),
    *[(f"confirm:{s.value}", Action.CONFIRM) for s in Satisfaction],
    ("confirm_unsigned", Action.CONFIRM),
    ("publish", Action.PUBLISH),
    ("follow_up", Action.FOLLOW_UP),
    ("supervise", Action.SUPERVISE),
    ("close_supervision", Action.CLOSE_SUPERVISION),
    ("void", Action.VOID),
    ("edit", Action.EDIT),
    ("edit_bad_category", Action.EDIT),
    ("edit_bad_field", Action.EDIT),
]
_EDIT_SERIAL = itertools.count(1)
ALWAYS_FAILS = {"confirm_unsigned", "edit_bad_category", "edit_bad_field"}


@dataclass
class ItemModel:
    item_id: str
    received: date
    state: ItemState = S.REGISTERED
    settled_from: ItemState | None = None
    settled_on: date | None = None
    reopen_count: int = 0
    max_rank: int = 0
    last_on: date = date.min
    open_notices: list[str] = field(default_factory=list)
    closed_notices: list[str] = field(default_factory=list)


def model_next(m: ItemModel, move: str) -> ItemState:
    """Where a successful move leads, according to DOMAIN.md."""
    name, _, arg = move.partition(":")
    if name == "settle_on_spot" or name == "settle":
        return S.SETTLED
    if name == "deliberate":
        return {D.HANDLE: S.VILLAGE_HANDLING, D.ESCALATE: S.TOWNSHIP_HANDLING, D.SETTLE: S.SETTLED}[D(arg)]
    if name == "escalate":
        return _ESCALATE_TO[m.state]
    if name == "reply":
        return S.TOWNSHIP_REPLIED
    if name == "assign":
        return S.DEPARTMENT_HANDLING
    if name == "confirm":
        # 很满意/满意 closes; anything else sends it back to the handling it was settled from
        return S.CONFIRMED if Satisfaction(arg).closes else (m.settled_from or S.VILLAGE_HANDLING)
    if name == "publish":
        return S.PUBLISHED
    if name == "void":
        return S.VOIDED
    return m.state  # follow_up, supervise, close_supervision, edit


# ----------------------------------------------------------------------------------------------
# Running moves against the database
# ----------------------------------------------------------------------------------------------


@dataclass
class World:
    engine: Engine
    settings: Settings
    village_id: int
    person_id: str
    categories: tuple[str, ...]


def make_world(tmp: Path) -> World:
    empty = tmp / "userdata"
    empty.mkdir()
    cfg = load_settings(empty)
    engine = open_database(tmp / "ledger.db")
    with UnitOfWork(engine) as uow:
        v = create_village(
            uow=uow,
            code="510623105201",
            name="柳林沟村",
            township="富兴镇",
            county="中江县",
            config=cfg.ledgers,
        )
        add_cadre(uow=uow, village_id=v.id, name="杨运润", role="村党支部书记")
        p = create_person(uow=uow, village_id=v.id, name="王长贵", gender="男")
        uow.commit()
        vid, pid = v.id, p.id
    return World(engine, cfg, vid, pid, cfg.ledgers.ledger("minsheng").categories)


def register(world: World, received: date, n: int) -> str:
    with UnitOfWork(world.engine) as uow:
        item = register_item(
            uow=uow,
            config=world.settings.ledgers,
            village_id=world.village_id,
            ledger_key="minsheng",
            category="基础设施建设",
            person_id=world.person_id,
            source="走访",
            received_on=received,
            request=f"第{n}件：三社道路损毁，希望修路。",
            actor="杨运润",
            today=received,
        )
        uow.commit()
        return item.id


def run_move(uow: UnitOfWork, world: World, m: ItemModel, move: str, on: date, salt: int) -> str | None:
    """Call the use case behind `move`; returns the id of a new supervision notice, if any."""
    name, _, arg = move.partition(":")
    common: dict[str, Any] = {"uow": uow, "on": on, "actor": "杨运润"}
    if name == "settle_on_spot":
        actions.settle_on_spot(item_id=m.item_id, measures="现场协调", outcome="当场解决", **common)
    elif name == "deliberate":
        actions.deliberate(
            item_id=m.item_id,
            decision=D(arg),
            opinion="议账会研究决定",
            outcome="会上议定办结" if D(arg) is D.SETTLE else "",
            **common,
        )
    elif name == "escalate":
        actions.escalate(item_id=m.item_id, reason="本级无力解决", **common)
    elif name == "reply":
        actions.reply(item_id=m.item_id, text="已受理，限期办理", **common)
    elif name == "assign":
        actions.assign(item_id=m.item_id, department="县交通运输局", **common)
    elif name == "settle":
        actions.settle(item_id=m.item_id, measures="协调资金", outcome="道路已修复", **common)
    elif name == "confirm":
        actions.confirm(
            item_id=m.item_id,
            satisfaction=Satisfaction(arg),
            opinion=f"当事人意见{salt}",
            signed_by="王长贵",
            **common,
        )
    elif name == "confirm_unsigned":
        actions.confirm(
            item_id=m.item_id, satisfaction=Satisfaction.SATISFIED, opinion="满意", signed_by="", **common
        )
    elif name == "publish":
        actions.publish(item_id=m.item_id, month=f"{on:%Y-%m}", **common)
    elif name == "follow_up":
        actions.follow_up(item_id=m.item_id, note="回访，群众认可", **common)
    elif name == "supervise":
        notice = actions.supervise(item_id=m.item_id, issuer="镇纪委", content=f"督办{salt}", **common)
        return notice.id
    elif name == "close_supervision":
        notice_id = (m.open_notices or m.closed_notices)[0]
        actions.close_supervision(notice_id=notice_id, note="已整改", **common)
    elif name == "void":
        actions.void(item_id=m.item_id, reason="重复登记", **common)
    elif name == "edit":
        fields: dict[str, Any] = [
            {"request": f"更正后的诉求{salt}"},
            {"category": world.categories[salt % len(world.categories)]},
            {"source_detail": f"访群众问民需{salt}", "measures": "补记措施"},
        ][salt % 3]
        # always a real change: an edit that changes nothing is refused ("没有修改任何内容")
        fields["request"] = f"更正后的诉求{next(_EDIT_SERIAL)}"
        actions.edit_item(item_id=m.item_id, reason="登记有误", **fields, **common)
    elif name == "edit_bad_category":
        actions.edit_item(item_id=m.item_id, reason="登记有误", category="没有这个分类", **common)
    elif name == "edit_bad_field":
        actions.edit_item(item_id=m.item_id, reason="登记有误", state="published", **common)
    else:  # pragma: no cover
        raise AssertionError(move)
    return None


def snapshot(world: World, item_id: str) -> tuple[Any, ...]:
    """Everything one action may write for an item, as plain values."""
    with UnitOfWork(world.engine) as uow:
        s = uow.session
        item = s.get(Item, item_id)
        assert item is not None
        row = item.model_dump()
        events = [e.model_dump() for e in history(s, item_id)]
        ratings = [r.model_dump() for r in s.exec(select(SatisfactionRating).order_by(SatisfactionRating.id))]
        visits = [v.model_dump() for v in s.exec(select(FollowUpVisit).order_by(FollowUpVisit.id))]
        notices = [n.model_dump() for n in s.exec(select(SupervisionNotice).order_by(SupervisionNotice.id))]
    return row, events, ratings, visits, notices


def check_invariants(world: World, m: ItemModel) -> None:
    with UnitOfWork(world.engine) as uow:
        s = uow.session
        item = s.get(Item, m.item_id)
        assert item is not None
        events = history(s, m.item_id)
        ratings = list(s.exec(select(SatisfactionRating).where(SatisfactionRating.item_id == m.item_id)))
        notices = list(s.exec(select(SupervisionNotice).where(SupervisionNotice.item_id == m.item_id)))

    state = ItemState(item.state)  # a valid state
    assert state is m.state
    assert set(allowed_actions(state)) == model_allowed(state)

    # settlement bookkeeping
    if state in SETTLED_STATES:
        assert item.settled_level in {lv.value for lv in Level}
        assert item.settled_on is not None
        assert m.settled_from is not None
        assert item.settled_level == STATE_LEVEL[m.settled_from].value
        assert item.settled_from_state == m.settled_from.value
    if state in OPEN_STATES:
        assert item.settled_level is None
        assert item.settled_on is None
        assert item.level == STATE_LEVEL[state].value
    if state in SETTLED_STATES:
        assert item.settled_on == m.settled_on
    max_rank = Level(item.max_level).rank
    assert max_rank >= Level(item.level).rank
    assert max_rank == m.max_rank, "max_level is the highest level ever reached, it never goes down"

    if state in (S.CONFIRMED, S.PUBLISHED):
        assert item.signed_by
        assert item.signed_on is not None
        assert Satisfaction(item.satisfaction).closes
    if state is S.PUBLISHED:
        assert re.fullmatch(r"\d{4}-\d{2}", item.published_month or "")
    if state is S.VOIDED:
        assert item.void_reason.strip()

    # reopening: one per confirm whose rating does not close, every rating kept
    confirms = [e for e in events if e.action == Action.CONFIRM]
    not_closing = [e for e in confirms if not Satisfaction.from_text(e.note).closes]
    assert item.reopen_count == len(not_closing) == m.reopen_count
    assert len(ratings) == len(confirms)
    assert sum(not Satisfaction(r.rating).closes for r in ratings) == item.reopen_count

    # supervision notices: those the model knows of, open ones without a closing date
    assert {n.id for n in notices} == set(m.open_notices) | set(m.closed_notices)
    for n in notices:
        assert (n.closed_on is None) == (n.id in m.open_notices)

    # history: contiguous, in step with the item, every transition one the machine allows
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert item.version == len(events)
    assert events[0].action == Action.REGISTER
    assert events[0].from_state is None
    assert events[0].to_state == S.REGISTERED
    assert events[-1].to_state == item.state
    assert all(a.on <= b.on for a, b in itertools.pairwise(events))
    assert events[-1].on == m.last_on
    for prev, event in itertools.pairwise(events):
        assert event.from_state == prev.to_state
        old, new, action = ItemState(event.from_state), ItemState(event.to_state), Action(event.action)
        assert action in allowed_actions(old)
        if action is Action.DELIBERATE:
            assert new in (S.VILLAGE_HANDLING, S.TOWNSHIP_HANDLING, S.SETTLED)
        elif action is Action.CONFIRM:
            assert new is S.CONFIRMED or new in OPEN_STATES
        else:
            assert new is next_state(old, action)
        assert isinstance(json.loads(event.changes), dict)


def candidate_moves(m: ItemModel, *, progress: bool) -> list[str]:
    """Moves the model expects to succeed now (used to steer sequences deeper into the machine);
    with `progress`, only those that move the item on to another state (void excepted)."""
    allowed = model_allowed(m.state)
    out = []
    for move, action in MOVES:
        if move in ALWAYS_FAILS or action not in allowed:
            continue
        if move == "close_supervision" and not m.open_notices:
            continue
        if progress and (action is Action.VOID or model_next(m, move) is m.state):
            continue
        out.append(move)
    return out


UPWARD = {"deliberate:handle", "deliberate:escalate", "escalate", "reply", "assign"}

step_st = st.tuples(
    st.integers(0, 2),  # which item
    st.integers(
        0, 9
    ),  # 0-3: upward if possible, 0-4: a move to another state, 5-6: any move expected to succeed,
    # 7-8: any move at all, 9: any move, back-dated before the item's last event
    st.integers(0, 10_000),  # which move / salt
    st.integers(0, 4),  # days forward
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_items=st.integers(1, 3),
    start=st.dates(date(2025, 1, 1), date(2027, 12, 1)),
    steps=st.lists(step_st, min_size=1, max_size=40),
)
# The whole way up to 县委、县政府 and back (mode 7 = the move MOVES[pick]; 9 = back-dated).
@example(
    n_items=1,
    start=date(2026, 9, 28),
    steps=[
        (0, 7, 2, 1),  # deliberate: escalate → township
        (0, 7, 5, 1),  # reply
        (0, 7, 5, 0),  # reply again: refused
        (0, 7, 4, 1),  # escalate → county office
        (0, 7, 6, 1),  # assign → department
        (0, 7, 4, 1),  # escalate → joint meeting
        (0, 7, 4, 1),  # escalate → party and government
        (0, 7, 4, 1),  # escalate further: refused
        (0, 7, 16, 0),  # supervise
        (0, 7, 7, 2),  # settle (county level)
        (0, 7, 15, 0),  # follow-up while settled
        (0, 7, 19, 0),  # edit while settled
        (0, 7, 11, 1),  # dissatisfied → back to party and government
        (0, 9, 7, 0),  # back-dated settle: refused
        (0, 7, 7, 1),  # settle again
        (0, 7, 13, 0),  # satisfied without signature: refused
        (0, 7, 9, 1),  # satisfied → confirmed
        (0, 7, 14, 1),  # publish
        (0, 7, 18, 0),  # void a published item: refused
        (0, 7, 17, 0),  # close the supervision notice
        (0, 7, 17, 0),  # close it again: refused
        (0, 7, 15, 3),  # follow-up after publication
    ],
)
@example(
    n_items=2,
    start=date(2026, 2, 10),
    steps=[(0, 7, 16, 0), (1, 7, 0, 1), (0, 7, 18, 1), (0, 7, 17, 1), (0, 7, 1, 0), (1, 7, 12, 1)],
)
def test_random_action_sequences_keep_the_machine_consistent(n_items, start, steps):
    with tempfile.TemporaryDirectory() as tmp:
        world = make_world(Path(tmp))
        try:
            models = []
            for n in range(n_items):
                received = start + timedelta(days=n)
                m = ItemModel(register(world, received, n), received, last_on=received)
                models.append(m)
                check_invariants(world, m)
            today = start + timedelta(days=n_items)
            for which, mode, pick, days in steps:
                m = models[which % n_items]
                today += timedelta(days=days)
                backdated = mode == 9 and m.last_on > m.received
                steer = candidate_moves(m, progress=mode <= 4) if mode <= 6 else []
                if mode <= 3:  # mostly upward, so that the county levels are reached too
                    steer = [mv for mv in steer if mv in UPWARD] or steer
                move = steer[pick % len(steer)] if steer else MOVES[pick % len(MOVES)][0]
                action = dict(MOVES)[move]
                if move == "close_supervision" and not (m.open_notices or m.closed_notices):
                    continue  # nothing to close
                on = m.last_on - timedelta(days=1) if backdated else today
                expect_ok = (
                    not backdated
                    and move not in ALWAYS_FAILS
                    and action in model_allowed(m.state)
                    and not (move == "close_supervision" and not m.open_notices)
                )
                before = snapshot(world, m.item_id)
                notice_id = None
                error: DomainError | None = None
                with UnitOfWork(world.engine) as uow:
                    try:
                        notice_id = run_move(uow, world, m, move, on, pick)
                    except DomainError as exc:
                        error = exc
                    else:
                        uow.commit()
                if expect_ok:
                    assert error is None, f"{move} in {m.state} on {on}: {error}"
                    assert action in allowed_actions(m.state)
                    new = model_next(m, move)
                    if new is S.SETTLED and m.state is not S.SETTLED:
                        m.settled_from = S.VILLAGE_HANDLING if m.state is S.REGISTERED else m.state
                        m.settled_on = on
                    if new in OPEN_STATES:
                        m.max_rank = max(m.max_rank, STATE_LEVEL[new].rank)
                    if m.state is S.SETTLED and new in OPEN_STATES:
                        m.reopen_count += 1
                    m.state = new
                    m.last_on = on
                    hypothesis_event(f"reached {new.value}")
                    if notice_id is not None:
                        m.open_notices.append(notice_id)
                    if move == "close_supervision":
                        m.closed_notices.append(m.open_notices.pop(0))
                else:
                    assert error is not None, f"{move} in {m.state} on {on} should have been refused"
                    assert CJK.search(str(error)), f"message not Chinese: {error}"
                    assert snapshot(world, m.item_id) == before, f"refused {move} changed the database"
                    if not backdated and move not in ALWAYS_FAILS and move != "close_supervision":
                        assert action not in allowed_actions(m.state)
                check_invariants(world, m)
        finally:
            world.engine.dispose()


# ----------------------------------------------------------------------------------------------
# Exhaustive: every state x every action
# ----------------------------------------------------------------------------------------------


def _kwargs(action: Action) -> list[dict[str, Any]]:
    if action is Action.DELIBERATE:
        return [{"decision": d} for d in DeliberationDecision]
    if action is Action.CONFIRM:
        return [
            {"satisfaction": s, "settled_from": f} for s in Satisfaction for f in [None, *sorted(_HANDLING)]
        ]
    return [{}]


@pytest.mark.parametrize("state", list(ItemState))
def test_next_state_is_total_over_states_and_actions(state):
    allowed = set(allowed_actions(state))
    for action in Action:
        for kwargs in _kwargs(action):
            if action in allowed:
                result = next_state(state, action, **kwargs)
                assert isinstance(result, ItemState)
                assert result in ItemState
            else:
                with pytest.raises(DomainError) as info:
                    next_state(state, action, **kwargs)
                assert CJK.search(info.value.message)


@pytest.mark.parametrize("state", list(ItemState))
def test_allowed_actions_match_the_domain_model(state):
    assert set(allowed_actions(state)) == model_allowed(state)
    assert Action.REGISTER not in allowed_actions(state)  # an item is registered once
    if state is S.VOIDED:  # a voided item accepts nothing further but the 销号 of an open notice
        assert allowed_actions(state) == [Action.CLOSE_SUPERVISION]


def test_missing_decision_or_rating_is_refused_in_chinese():
    with pytest.raises(DomainError, match=CJK):
        next_state(S.REGISTERED, Action.DELIBERATE)
    with pytest.raises(DomainError, match=CJK):
        next_state(S.SETTLED, Action.CONFIRM)


def test_unsatisfied_rating_returns_to_the_state_settled_from():
    for origin in _HANDLING:
        for rating in Satisfaction:
            got = next_state(S.SETTLED, Action.CONFIRM, satisfaction=rating, settled_from=origin)
            assert got is (S.CONFIRMED if rating.closes else origin)
