"""The ledger on a real SQLite file and on PostgreSQL: idempotency, non-negative balances, races."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.db.engine import Database
from bot.db.models import LedgerEntry, Member
from bot.services import ledger
from games.errors import InsufficientPoints
from games.points import Reason
from tests.factories import NOW, make_users


async def _move(db: Database, user_id: int, amount: int, key: str) -> ledger.Movement:
    async with db.session() as session:
        return await ledger.move(session, user_id=user_id, amount=amount, reason=Reason.GRANT, key=key, now=NOW)


async def test_credit_then_debit_keeps_entries_and_balance_in_step(db: Database) -> None:
    await make_users(db, 1)
    first = await _move(db, 1, 50, "grant:1")
    second = await _move(db, 1, -20, "deduct:1")
    assert (first.balance_after, second.balance_after) == (50, 30)
    async with db.session() as session:
        assert await ledger.balance_of(session, 1) == 30
        assert await ledger.audit(session) == []


async def test_same_key_twice_returns_the_first_result_and_moves_nothing(db: Database) -> None:
    await make_users(db, 1)
    first = await _move(db, 1, 50, "grant:once")
    again = await _move(db, 1, 50, "grant:once")
    assert again.duplicate and again.entry_id == first.entry_id and again.balance_after == 50
    async with db.session() as session:
        assert await ledger.balance_of(session, 1) == 50
        assert (await session.execute(select(func.count()).select_from(LedgerEntry))).scalar() == 1


async def test_debit_below_zero_is_refused_and_writes_nothing(db: Database) -> None:
    await make_users(db, 1)
    await _move(db, 1, 10, "grant:a")
    with pytest.raises(InsufficientPoints) as info:
        await _move(db, 1, -11, "deduct:a")
    assert info.value.params == {"balance": 10, "needed": 11}
    async with db.session() as session:
        assert await ledger.balance_of(session, 1) == 10
        assert (await session.execute(select(func.count()).select_from(LedgerEntry))).scalar() == 1


async def test_the_database_itself_refuses_a_negative_balance(db: Database) -> None:
    await make_users(db, 1)
    await _move(db, 1, 5, "grant:b")
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            member = await session.get(Member, 1)
            assert member is not None
            member.balance = -1
            await session.flush()


async def test_concurrent_debits_never_overdraw(db: Database) -> None:
    """100 concurrent debits of 10 against a balance of 500: exactly 50 succeed."""
    await make_users(db, 7)
    await _move(db, 7, 500, "grant:seed")

    async def debit(i: int) -> bool:
        try:
            await db.run(lambda s: ledger.move(s, user_id=7, amount=-10, reason=Reason.REDEMPTION,
                                               key=f"spend:{i}", now=NOW))
        except InsufficientPoints:
            return False
        return True

    results = await asyncio.gather(*(debit(i) for i in range(100)))
    assert sum(results) == 50
    async with db.session() as session:
        assert await ledger.balance_of(session, 7) == 0
        assert await ledger.audit(session) == []


async def test_concurrent_duplicates_through_separate_transactions_credit_once(db: Database) -> None:
    """The same key raced from 20 independent transactions (as from several replicas)."""
    await make_users(db, 9)

    async def credit() -> ledger.Movement:
        return await _move(db, 9, 25, "welcome:9")

    # Every racer gets an answer (no error): the winner's entry, the others see it as a duplicate.
    movements = await asyncio.gather(*(credit() for _ in range(20)))
    assert {m.balance_after for m in movements} == {25}
    assert sum(not m.duplicate for m in movements) == 1
    async with db.session() as session:
        assert await ledger.balance_of(session, 9) == 25
        assert await ledger.audit(session) == []


async def test_audit_reports_a_tampered_balance(db: Database) -> None:
    await make_users(db, 1, 2)
    await _move(db, 1, 10, "grant:x")
    await _move(db, 2, 10, "grant:y")
    async with db.session() as session:
        member = await session.get(Member, 2)
        assert member is not None
        member.balance = 99
    async with db.session() as session:
        problems = await ledger.audit(session)
    assert [p.user_id for p in problems] == [2]
    assert "99" in problems[0].problem
