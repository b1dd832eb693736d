"""Check-in persistence on SQLite and PostgreSQL: once a day, streaks, group commit under load."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import Checkin, LedgerEntry
from bot.services import ledger
from bot.services.checkin import (
    CHECKIN_OP,
    CheckinRequest,
    CheckinResult,
    check_in,
    member_card,
    top_checkins,
    top_points,
)
from bot.services.groups import register, save_rules
from bot.services.people import add_to_group
from games.checkin import CheckinRules
from games.errors import AlreadyCheckedIn
from games.points import Reason
from tests.factories import NOW, make_users

DAY = date(2026, 3, 1)
GROUP = -100777


async def _setup_group(db: Database, rules: CheckinRules | None = None) -> None:
    async with db.session() as session:
        await register(session, chat_id=GROUP, title="VIP", label="vip", by=1, now=NOW)
        if rules is not None:
            await save_rules(session, GROUP, rules)


async def _check_in(db: Database, user_id: int, day: date, chat_id: int | None = GROUP) -> CheckinResult:
    """Through the bulk operation (what the bot uses); alone it falls back to the single path."""
    return await db.submit(CHECKIN_OP, CheckinRequest(user_id, chat_id, day, NOW))


async def _check_in_single(db: Database, user_id: int, day: date, chat_id: int | None = GROUP
                           ) -> CheckinResult:
    return await db.run(partial(check_in, user_id=user_id, chat_id=chat_id, today=day, now=NOW))


@pytest.mark.parametrize("path", ["bulk", "single"])
async def test_streak_bonus_and_reset(db: Database, path: str) -> None:
    tap = _check_in if path == "bulk" else _check_in_single
    await make_users(db, 1)
    await _setup_group(db, CheckinRules(base=5, bonuses={3: 10}))
    results = [await tap(db, 1, DAY + timedelta(days=i)) for i in range(3)]
    assert [(r.streak, r.points) for r in results] == [(1, 5), (2, 5), (3, 15)]
    assert results[-1].balance == 25
    after_gap = await tap(db, 1, DAY + timedelta(days=5))
    assert (after_gap.streak, after_gap.points, after_gap.balance) == (1, 5, 30)


@pytest.mark.parametrize("path", ["bulk", "single"])
async def test_second_check_in_the_same_day_is_refused_without_writing(db: Database, path: str) -> None:
    tap = _check_in if path == "bulk" else _check_in_single
    await make_users(db, 1)
    await _setup_group(db)
    await tap(db, 1, DAY)
    with pytest.raises(AlreadyCheckedIn):
        await tap(db, 1, DAY)
    async with db.session() as session:
        assert (await session.execute(select(func.count()).select_from(Checkin))).scalar() == 1
        assert (await session.execute(select(func.count()).select_from(LedgerEntry))).scalar() == 1
        assert await ledger.audit(session) == []


async def test_private_chat_check_in_uses_the_default_rules(db: Database) -> None:
    await make_users(db, 1)
    result = await _check_in(db, 1, DAY, chat_id=None)
    assert result.points == CheckinRules().base


async def test_concurrent_taps_by_many_members_and_duplicates(db: Database) -> None:
    """300 members, each tapping twice at once: 300 check-ins, 300 entries, books balanced."""
    ids = list(range(1000, 1300))
    await make_users(db, *ids)
    await _setup_group(db)

    async def tap(uid: int) -> bool:
        try:
            await _check_in(db, uid, DAY)
        except AlreadyCheckedIn:
            return False
        return True

    results = await asyncio.gather(*(tap(uid) for uid in ids + ids))
    assert sum(results) == 300
    assert db.batches < 30  # group commit: a few transactions, not one per tap
    async with db.session() as session:
        assert (await session.execute(select(func.count()).select_from(Checkin))).scalar() == 300
        assert (await session.execute(select(func.sum(LedgerEntry.amount)))).scalar() == 300 * 5
        assert await ledger.audit(session) == []


async def test_concurrent_check_ins_from_two_processes_worth_of_pools(db_url: str) -> None:
    """Two Database objects (as two replicas) racing the same members: each is credited once."""
    a, b = Database(db_url), Database(db_url)
    try:
        ids = list(range(2000, 2050))
        await make_users(a, *ids)
        await _setup_group(a)

        async def tap(database: Database, uid: int) -> bool:
            try:
                await _check_in(database, uid, DAY)
            except AlreadyCheckedIn:
                return False
            return True

        results = await asyncio.gather(*(tap(d, uid) for uid in ids for d in (a, b)))
        assert sum(results) == 50
        # One process's batch lost the race on the unique rows and was re-run tap by tap.
        async with a.session() as session:
            assert (await session.execute(select(func.count()).select_from(Checkin))).scalar() == 50
            assert await ledger.audit(session) == []
    finally:
        await a.close()
        await b.close()


async def test_member_card_and_leaderboards(db: Database) -> None:
    await make_users(db, 1, 2, 3)
    await _setup_group(db)
    async with db.session() as session:
        for uid in (1, 2, 3):
            await add_to_group(session, GROUP, uid, NOW)
    for i in range(3):
        await _check_in(db, 1, DAY + timedelta(days=i))
    await _check_in(db, 2, DAY + timedelta(days=2))
    today = DAY + timedelta(days=2)
    async with db.session() as session:
        card = await member_card(session, 1, today)
        assert (card.balance, card.streak, card.checkins_total, card.checked_in_today) == (15, 3, 3, True)
        assert len(card.recent) == 3 and card.recent[0][1] == "checkin"
        assert card.month_days == {DAY, DAY + timedelta(days=1), today}
        board = await top_checkins(session, GROUP, today)
        assert [(r.user_id, r.value) for r in board] == [(1, 3), (2, 1)]
        # Two days later user 1's streak has lapsed; user 2's too.
        lapsed = await top_checkins(session, GROUP, today + timedelta(days=2))
        assert [r.value for r in lapsed] == [0, 0]
        assert [(r.user_id, r.value) for r in await top_points(session, GROUP)] == [(1, 15), (2, 5)]
        assert [(r.user_id, r.value) for r in await top_points(session, None)] == [(1, 15), (2, 5)]
        empty = await member_card(session, 3, today)
        assert (empty.balance, empty.streak, empty.recent) == (0, 0, [])


async def test_a_batch_racing_another_process_falls_back_and_stays_exact(db_url: str) -> None:
    """Members checked in by another process between our batch's read and write are refused."""
    db = Database(db_url)
    try:
        ids = list(range(3000, 3020))
        await make_users(db, *ids)
        await _setup_group(db)
        # Another "replica" checks in half of them alone first.
        for uid in ids[:10]:
            await _check_in_single(db, uid, DAY)
        results = await asyncio.gather(*(_check_in(db, uid, DAY) for uid in ids), return_exceptions=True)
        assert sum(isinstance(r, AlreadyCheckedIn) for r in results) == 10
        assert [r.balance for r in results if isinstance(r, CheckinResult)] == [5] * 10
        async with db.session() as session:
            assert await ledger.audit(session) == []
    finally:
        await db.close()


async def test_a_batch_keeps_wallet_and_streak_apart(db: Database) -> None:
    """One group-committed batch: paid check-ins go through the ledger; a check-in worth nothing
    (a group paying only streak bonuses) still counts for the streak; a member's earlier points
    stay in the wallet."""
    from bot.db.models import Member, Streak

    await make_users(db, 1, 2, 3)
    await _setup_group(db, CheckinRules(base=5, bonuses={}))
    async with db.session() as session:
        await register(session, chat_id=GROUP - 1, title="Streaks only", label="s", by=1, now=NOW)
        await save_rules(session, GROUP - 1, CheckinRules(base=0, bonuses={3: 10}))
        await ledger.move(session, user_id=3, amount=40, reason=Reason.GRANT, key="test:3", now=NOW)
    batches = db.batches
    results = await asyncio.gather(_check_in(db, 1, DAY), _check_in(db, 2, DAY, GROUP - 1), _check_in(db, 3, DAY),
                                   _check_in(db, 1, DAY), return_exceptions=True)
    assert db.batches == batches + 1  # one transaction for all four
    assert [(r.points, r.balance) for r in results[:3]] == [(5, 5), (0, 0), (5, 45)]  # type: ignore[union-attr]
    assert isinstance(results[3], AlreadyCheckedIn)
    async with db.reader() as session:
        streaks = {s.user_id: (s.streak, s.last_checkin_day, s.checkins_total)
                   for s in (await session.execute(select(Streak))).scalars()}
        wallets = {m.user_id: m.balance for m in (await session.execute(select(Member))).scalars()}
        assert streaks == {uid: (1, DAY, 1) for uid in (1, 2, 3)}
        assert wallets == {1: 5, 2: 0, 3: 45}
        assert await ledger.audit(session) == []
        card = await member_card(session, 3, DAY)
        assert (card.balance, card.streak, card.checkins_total, card.checked_in_today) == (45, 1, 1, True)
