"""Segments, orders and join-request decisions on SQLite and PostgreSQL, against hand-computed
fixtures."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select, update

from bot.db.engine import Database
from bot.db.models import JoinRequest, Streak, User
from bot.services import access, orders
from bot.services import gate as gate_service
from bot.services import segments as segment_service
from bot.services.groups import register
from bot.services.ledger import ensure_member
from games import segments
from games.errors import BindNotFound, BindRateLimited, BindTaken
from games.orders import OrderRow
from tests.factories import make_users

NOW = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
TODAY = date(2026, 9, 1)

# Seven customers, one bot:
#   1 Ann   seen 400 days ago, 2 orders (last 10 days ago)        → purchased, repeat
#   2 Bob   seen 400 days ago, 1 order 200 days ago               → purchased, dormant
#   3 Cat   seen 10 days ago, no order, checked in today          → new, active, never_purchased
#   4 Dan   seen 50 days ago, 1 order 179 days ago, tag vip       → purchased (not dormant), vip
#   5 Eve   seen 20 days ago, no order, tag vip, checked in 7 days ago → new, vip (not active)
#   6 Fay   seen 100 days ago, 3 orders (last 181 days ago), checked in 6 days ago → repeat, dormant, active
#   7 Gus   seen 29 days ago, 1 order today, tag vip and tag wholesale → new, purchased
#   8 Bot   a bot: not a customer, never counted
FIRST_SEEN = {1: 400, 2: 400, 3: 10, 4: 50, 5: 20, 6: 100, 7: 29, 8: 5}
ORDERS = {  # order id: (user, days ago)
    "A1": (1, 300), "A2": (1, 10), "B1": (2, 200), "D1": (4, 179),
    "F1": (6, 400), "F2": (6, 250), "F3": (6, 181), "G1": (7, 0), "X1": (None, 5),
}
CHECKINS = {3: 0, 5: 7, 6: 6}
TAGS = {4: {"vip"}, 5: {"vip"}, 7: {"vip", "wholesale"}}

EXPECTED = {
    "purchased": {1, 2, 4, 6, 7},
    "never_purchased": {3, 5},
    "repeat": {1, 6},
    "new": {3, 5, 7},
    "dormant": {2, 6},
    "active": {3, 6},
    "tag:vip": {4, 5, 7},
    "purchased and not dormant": {1, 4, 7},
    "purchased and not dormant or tag:vip": {1, 4, 5, 7},
    "purchased and (not dormant or tag:vip)": {1, 4, 7},
    "not (new or active) and never_purchased": set(),
    "repeat or tag:wholesale": {1, 6, 7},
    "not tag:vip and not purchased": {3},
    "dormant and active": {6},
}


async def _seed(db: Database) -> None:
    await make_users(db, *FIRST_SEEN)
    async with db.session() as session:
        users = User.__table__  # type: ignore[attr-defined]
        for uid, days in FIRST_SEEN.items():
            await session.execute(update(users).where(users.c.id == uid).values(
                first_seen_at=NOW - timedelta(days=days), is_bot=(uid == 8)))
        await orders.import_rows(session, [
            OrderRow(i, oid, 1000 * i, "CNY", NOW - timedelta(days=days), "1234")
            for i, (oid, (_uid, days)) in enumerate(ORDERS.items(), start=1)
        ], NOW)
        for uid, days in CHECKINS.items():
            await ensure_member(session, uid, NOW)
            session.add(Streak(user_id=uid, streak=1, last_checkin_day=TODAY - timedelta(days=days),
                               checkins_total=1))
        for uid, tags in TAGS.items():
            for tag in tags:
                await access.add_tag(session, uid, tag, 99, NOW)
    for oid, (uid, _days) in ORDERS.items():
        if uid is not None:
            async with db.session() as session:
                await orders.bind(session, user_id=uid, order_id=oid, check="12 34", now=NOW, currency="CNY")


async def test_segments_match_the_hand_computed_fixture(db: Database) -> None:
    await _seed(db)
    async with db.session() as session:
        for text, expected in EXPECTED.items():
            expr = segments.parse(text)
            assert set(await segment_service.members_of(session, expr, NOW, TODAY)) == expected, text
            for uid in range(1, 8):
                assert await segment_service.contains(session, expr, uid, NOW, TODAY) is (uid in expected), (text, uid)
        result = await segment_service.summary(session, segments.parse("purchased"), NOW, TODAY, sample=2)
    assert result.count == 5 and result.sample == [(1, "User1"), (2, "User2")]


async def test_spend_counts_linked_orders_in_the_shop_currency(db: Database) -> None:
    await _seed(db)
    async with db.session() as session:
        await orders.import_rows(session, [OrderRow(1, "U1", 5000, "USD", NOW, "9")], NOW)
        await orders.bind(session, user_id=1, order_id="U1", check="9", now=NOW, currency="CNY")
        assert await orders.spend_of(session, 1, "CNY") == 1000 + 2000
        assert await orders.spend_of(session, 1, "USD") == 5000
        assert await orders.spend_of(session, 3, "CNY") == 0


async def test_reimport_refreshes_orders_but_keeps_bindings(db: Database) -> None:
    await make_users(db, 1)
    async with db.session() as session:
        first = await orders.import_rows(session, [OrderRow(1, "A", 100, "CNY", NOW, "1")], NOW)
        await orders.bind(session, user_id=1, order_id="A", check="1", now=NOW, currency="CNY")
        again = await orders.import_rows(session, [OrderRow(1, "A", 250, "CNY", NOW, "2"),
                                                   OrderRow(2, "B", 10, "CNY", NOW, "3")], NOW)
        assert (first.new, first.updated, again.new, again.updated) == (1, 0, 1, 1)
        assert await orders.spend_of(session, 1, "CNY") == 250


async def test_an_order_binds_once_even_when_two_accounts_race(db: Database) -> None:
    await make_users(db, 1, 2, 3, 4, 5)
    async with db.session() as session:
        await orders.import_rows(session, [OrderRow(1, "HOT", 100, "CNY", NOW, "4321")], NOW)

    async def attempt(uid: int) -> str:
        try:
            async with db.session() as session:
                await orders.bind(session, user_id=uid, order_id="HOT", check="4321", now=NOW, currency="CNY")
            return "bound"
        except BindTaken:
            return "taken"

    outcomes = await asyncio.gather(*(attempt(uid) for uid in range(1, 6)))
    assert sorted(outcomes) == ["bound"] + ["taken"] * 4


async def test_wrong_checks_are_rate_limited_per_hour(db: Database) -> None:
    await make_users(db, 1)
    async with db.session() as session:
        await orders.import_rows(session, [OrderRow(1, "A", 100, "CNY", NOW, "1234")], NOW)
    for left in (4, 3, 2, 1, 0):
        async with db.session() as session:  # the caller commits the failed attempt (as the handler does)
            with pytest.raises(BindNotFound) as caught:
                await orders.bind(session, user_id=1, order_id="A", check="0000", now=NOW, currency="CNY")
        assert caught.value.params["left"] == left
    async with db.session() as session:
        with pytest.raises(BindRateLimited):
            await orders.bind(session, user_id=1, order_id="A", check="1234", now=NOW, currency="CNY")
    async with db.session() as session:
        bound = await orders.bind(session, user_id=1, order_id="A", check="1234", now=NOW + timedelta(hours=1),
                                  currency="CNY")
    assert not bound.already and bound.total_cents == 100


async def test_a_join_request_is_decided_and_applied_once(db: Database) -> None:
    await make_users(db, 1)
    async with db.session() as session:
        await register(session, chat_id=-100, title="VIP", label="vip", by=1, now=NOW)
        kwargs = {"chat_id": -100, "user_id": 1, "user_chat_id": 1, "first_name": "Ann", "language_code": "en",
                  "invite_link": None, "requested_at": NOW, "now": NOW, "expires_at": NOW + timedelta(minutes=5)}
        request_id = await gate_service.open_request(session, **kwargs)  # type: ignore[arg-type]
        assert request_id is not None
        assert await gate_service.open_request(session, **kwargs) is None  # type: ignore[arg-type]
        # A second request while the first is pending is refused too.
        later = {**kwargs, "requested_at": NOW + timedelta(seconds=1)}
        assert await gate_service.open_request(session, **later) is None  # type: ignore[arg-type]

    async def decide(approved: bool) -> bool:
        async with db.session() as session:
            return await gate_service.decide(session, request_id, approved=approved, reason="x", now=NOW)

    outcomes = await asyncio.gather(*(decide(i % 2 == 0) for i in range(6)))
    assert outcomes.count(True) == 1

    async def claim() -> bool:
        async with db.session() as session:
            return await gate_service.claim_applied(session, request_id)

    assert (await asyncio.gather(*(claim() for _ in range(4)))).count(True) == 1
    async with db.session() as session:
        # Decided: the user may ask again.
        again = await gate_service.open_request(session, **{**kwargs, "requested_at": NOW + timedelta(days=1)})  # type: ignore[arg-type]
    assert again is not None and again != request_id


async def test_a_copy_of_a_decided_request_in_a_burst_does_not_hide_a_new_one(db: Database) -> None:
    """After a restart both come back in one getUpdates batch: the copy is recognised (its date), the
    member's new request is recorded."""
    await make_users(db, 1)
    first = gate_service.NewRequest(-100, 1, 1, "Ann", "en", None, NOW, NOW, NOW + timedelta(minutes=5))
    async with db.session() as session:
        await register(session, chat_id=-100, title="VIP", label="vip", by=1, now=NOW)
        [old] = await gate_service.open_requests(session, [first])
        assert old is not None
        assert await gate_service.decide(session, old, approved=False, reason="x", now=NOW)
    later = NOW + timedelta(minutes=1)
    new = gate_service.NewRequest(-100, 1, 1, "Ann", "en", None, later, later, later + timedelta(minutes=5))
    async with db.session() as session:
        ids = await gate_service.open_requests(session, [first, new, new])
    assert ids[0] is None and ids[1] is not None and ids[1] != old and ids[2] is None


async def test_decisions_of_one_kind_made_at_different_instants_are_one_statement(db: Database) -> None:
    """A burst decided on the real clock: every request has its own time, and the same decision for
    all of them is still one UPDATE (each row keeping its time); a request decided already is left."""
    await make_users(db, 4)
    times = [NOW + timedelta(microseconds=17 * i) for i in range(4)]
    requests = [gate_service.NewRequest(-100, uid, uid, f"U{uid}", "en", None, at, at, at + timedelta(minutes=5))
                for uid, at in zip(range(1, 5), times, strict=True)]
    async with db.session() as session:
        await register(session, chat_id=-100, title="VIP", label="vip", by=1, now=NOW)
        ids = [rid for rid in await gate_service.open_requests(session, requests) if rid is not None]
        assert len(ids) == 4
        assert await gate_service.decide(session, ids[3], approved=False, reason="x", now=NOW)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE JOIN_REQUESTS"):
            statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with db.session() as session:
            decided = await gate_service.decide_many(session, list(zip(ids, times, strict=True)), approved=True,
                                                     reason="ok")
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
    assert decided == set(ids[:3]) and len(statements) == 1
    async with db.reader() as session:
        rows = {r.id: r for r in (await session.execute(select(
            JoinRequest.id, JoinRequest.decided_at, JoinRequest.status, JoinRequest.reason))).all()}
    assert [rows[rid].decided_at for rid in ids] == [*times[:3], NOW]
    assert [(rows[rid].status, rows[rid].reason) for rid in ids] == [("approved", "ok")] * 3 + [("declined", "x")]
