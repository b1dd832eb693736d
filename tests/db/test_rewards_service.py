"""Rewards shop and lottery storage on SQLite and PostgreSQL: concurrent redemptions against stock,
codes and balances; concurrent draws against prize stock; the doctor's accounting."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from bot.db.engine import Database
from bot.db.models import LedgerEntry, LotteryDraw, LotteryPrize, Redemption, Reward, RewardCode
from bot.services import ledger
from bot.services import lottery as lottery_service
from bot.services import rewards as service
from games import lottery as lt
from games import rewards as rw
from games.errors import DomainError
from games.points import Reason, draw_request_key, redeem_request_key
from tests.factories import NOW, assert_books_balance, make_users

TZ = ZoneInfo("Asia/Shanghai")
TODAY = NOW.astimezone(TZ).date()


async def _fund(db: Database, points: int, *user_ids: int) -> None:
    await make_users(db, *user_ids)
    async with db.session() as session:
        for uid in user_ids:
            await ledger.move(session, user_id=uid, amount=points, reason=Reason.GRANT, key=f"test:fund:{uid}", now=NOW)


async def _reward(db: Database, text: str, codes: int = 0) -> int:
    async with db.session() as session:
        reward_id = await service.add_reward(session, rw.parse_new(text), 1, NOW)
        if codes:
            await service.add_codes(session, reward_id, [f"CODE-{reward_id}-{i:04d}" for i in range(codes)], 1, NOW)
    return reward_id


def _request(reward_id: int, uid: int, tap: int = 1) -> service.RedeemRequest:
    return service.RedeemRequest(reward_id, uid, redeem_request_key(uid, tap), NOW, TODAY, TZ)


async def _submit(db: Database, request: service.RedeemRequest) -> service.Redeemed | DomainError:
    try:
        return await db.submit(service.REDEEM_OP, request)
    except DomainError as refused:
        return refused


async def _assert_all_accounted(db: Database) -> None:
    await assert_books_balance(db)
    async with db.reader() as session:
        assert await service.accounting(session) == []
        assert await lottery_service.accounting(session) == []


async def test_two_replicas_racing_never_redeem_more_than_the_codes_and_never_a_code_twice(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    try:
        members = list(range(1, 161))
        await _fund(first, 100, *members)
        reward_id = await _reward(first, "Coupon | 30 | stock=40", codes=25)
        # Every member taps twice (a double tap); half go through each replica.
        requests = [_request(reward_id, uid) for uid in members for _ in range(2)]
        outcomes = await asyncio.gather(*(_submit(first if i % 2 else second, r) for i, r in enumerate(requests)))
        won = [o for o in outcomes if isinstance(o, service.Redeemed)]
        firsts = [o for o in won if not o.duplicate]
        assert len(firsts) == 25
        assert len({o.code for o in firsts}) == 25 and all(o.code for o in firsts)
        assert {o.redemption_id for o in won} == {o.redemption_id for o in firsts}  # double taps: the same one
        refused = [o for o in outcomes if isinstance(o, DomainError)]
        assert all(isinstance(o, rw.SoldOut) for o in refused)
        assert await _count(first, Redemption) == 25
        async with first.reader() as session:
            redeemed = (await session.execute(select(Reward.redeemed).where(Reward.id == reward_id))).scalar_one()  # type: ignore[arg-type]
            handed = (await session.execute(select(func.count()).select_from(RewardCode).where(
                RewardCode.redemption_id.is_not(None)))).scalar_one()  # type: ignore[union-attr]
            balances = await ledger.balances_of(session, members)
        assert redeemed == 25 and handed == 25
        assert sorted(balances.values()).count(70) == 25 and sorted(balances.values()).count(100) == 135
        await _assert_all_accounted(first)
    finally:
        await first.close()
        await second.close()


async def test_concurrent_redemptions_never_overdraw_a_balance_or_the_stock(db: Database) -> None:
    await _fund(db, 25, 7)
    await _fund(db, 1000, *range(20, 40))
    cheap = await _reward(db, "Sticker | 10")
    scarce = await _reward(db, "Tea set | 100 | stock=3")
    # One member, ten different confirmations at once: only two fit in 25 points.
    alone = await asyncio.gather(*(_run_single(db, _request(cheap, 7, tap)) for tap in range(10)))
    assert sum(isinstance(o, service.Redeemed) for o in alone) == 2
    assert all(isinstance(o, rw.NotEnoughPoints) for o in alone if not isinstance(o, service.Redeemed))
    # Twenty members, one at a time in their own transactions, racing for a stock of three.
    raced = await asyncio.gather(*(_run_single(db, _request(scarce, uid)) for uid in range(20, 40)))
    assert sum(isinstance(o, service.Redeemed) for o in raced) == 3
    assert all(isinstance(o, rw.SoldOut) for o in raced if not isinstance(o, service.Redeemed))
    async with db.reader() as session:
        assert await ledger.balance_of(session, 7) == 5
        no_code = [o for o in raced if isinstance(o, service.Redeemed)]
    assert all(o.code is None for o in no_code)  # no codes: a redemption number staff fulfil
    await _assert_all_accounted(db)


async def _run_single(db: Database, request: service.RedeemRequest) -> service.Redeemed | DomainError:
    """A redemption in a transaction of its own (as the committer's fallback runs it)."""
    for attempt in range(5):
        try:
            async with db.session() as session:
                return await service.REDEEM_OP.single(session, request)
        except DomainError as refused:
            return refused
        except Exception as exc:  # a deadlock/serialisation victim is retried, as the committer does
            if attempt == 4 or "deadlock" not in str(exc).lower():
                raise
    raise AssertionError("unreachable")


async def test_limits_pauses_and_edits(db: Database) -> None:
    await _fund(db, 1000, 5)
    reward_id = await _reward(db, "Coupon | 10 | limit=1/month | stock=5")
    assert isinstance(await _submit(db, _request(reward_id, 5, 1)), service.Redeemed)
    assert isinstance(await _submit(db, _request(reward_id, 5, 2)), rw.LimitReached)
    later = service.RedeemRequest(reward_id, 5, redeem_request_key(5, 3), NOW + timedelta(days=40),
                                  TODAY + timedelta(days=40), TZ)
    assert isinstance(await _submit(db, later), service.Redeemed)  # next month
    async with db.session() as session:
        with pytest.raises(rw.StockBelowRedeemed):
            await service.edit_reward(session, reward_id, rw.RewardSpec("Coupon", 10, 1))
        assert await service.set_status(session, reward_id, service.PAUSED) is True
    assert isinstance(await _submit(db, _request(reward_id, 5, 4)), rw.Paused)
    assert isinstance(await _submit(db, _request(999, 5, 5)), rw.NoSuchReward)
    await _assert_all_accounted(db)


async def test_a_code_is_stored_once_across_pools(db: Database) -> None:
    first = await _reward(db, "A | 10")
    second = await _reward(db, "B | 10")
    async with db.session() as session:
        added = await service.add_codes(session, first, ["X1", "X2"], 1, NOW)
        again = await service.add_codes(session, second, ["X2", "X3"], 1, NOW)
    assert (added.added, added.repeated, again.added, again.repeated, again.free) == (2, 0, 1, 1, 1)


# ---- lottery -----------------------------------------------------------------------------------

async def _prizes(db: Database, *lines: str) -> list[int]:
    async with db.session() as session:
        return [await lottery_service.add_prize(session, lt.parse_prize(line), 1, NOW) for line in lines]


async def _draw(db: Database, uid: int, *, paid: bool = False, tap: int = 1, seed: int = 0
                ) -> lottery_service.Drawn | DomainError:
    for attempt in range(5):
        try:
            async with db.session() as session:
                return await lottery_service.draw(session, user_id=uid, paid=paid,
                                                  request_key=draw_request_key(uid, tap), now=NOW, today=TODAY,
                                                  rng=random.Random(seed + uid))
        except DomainError as refused:
            return refused
        except Exception as exc:
            if attempt == 4 or "deadlock" not in str(exc).lower():
                raise
    raise AssertionError("unreachable")


async def test_concurrent_draws_never_overdraw_a_prize(db: Database) -> None:
    await make_users(db, *range(1, 31))
    tea, nothing = await _prizes(db, "Tea set | 1000 | stock=3", "none | 1")
    draws = await asyncio.gather(*(_draw(db, uid) for uid in range(1, 31)))
    assert all(isinstance(d, lottery_service.Drawn) for d in draws)
    names = [d.prize_name for d in draws if isinstance(d, lottery_service.Drawn)]
    assert names.count("Tea set") == 3 and names.count("none") == 27
    async with db.reader() as session:
        won = (await session.execute(select(LotteryPrize.won).where(LotteryPrize.id == tea))).scalar_one()  # type: ignore[arg-type]
    assert won == 3
    # The same tap again (a redelivered update) is the same draw; a second free draw today is refused.
    again = await _draw(db, 1)
    assert isinstance(again, lottery_service.Drawn) and again.duplicate
    assert isinstance(await _draw(db, 1, tap=2), lt.NoFreeDraw)
    assert await _count(db, LotteryDraw) == 30
    await _assert_all_accounted(db)
    del nothing


async def test_first_draw_is_guaranteed_and_paid_draws_move_points(db: Database) -> None:
    await _fund(db, 25, 9)
    await _prizes(db, "none | 1000", "5 points | 1 | points=5", "Tea set | 1 | stock=1")
    async with db.session() as session:
        await lottery_service.save_setting(session, "lottery_cost", 10, NOW)
    first = await _draw(db, 9)
    assert isinstance(first, lottery_service.Drawn) and first.guaranteed and first.prize_name == "5 points"
    assert first.balance == 30 and first.odds_ppm == lt.PPM and first.free_left == 0
    paid = [await _draw(db, 9, paid=True, tap=tap) for tap in range(2, 6)]
    done = [d for d in paid if isinstance(d, lottery_service.Drawn)]
    assert len(done) == 3 and isinstance(paid[3], lt.DrawTooPoor)  # 30 points: three draws of 10
    assert all(not d.guaranteed and d.cost == 10 for d in done)
    async with db.reader() as session:
        entries = (await session.execute(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.user_id == 9, LedgerEntry.reason == str(Reason.LOTTERY)))).scalar_one()  # type: ignore[arg-type]
    assert entries == 1 + 3 + sum(1 for d in done if d.points)
    await _assert_all_accounted(db)


async def test_a_reward_prize_hands_out_a_code_from_the_pool(db: Database) -> None:
    await make_users(db, 11, 12)
    reward_id = await _reward(db, "Coupon | 50", codes=1)
    await _prizes(db, f"Coupon | 1 | reward={reward_id}", "none | 1")
    first = await _draw(db, 11)
    assert isinstance(first, lottery_service.Drawn) and first.code == f"CODE-{reward_id}-0000"
    second = await _draw(db, 12)  # the pool is empty: the coupon dropped out of the table
    assert isinstance(second, lottery_service.Drawn) and second.prize_name == "none" and not second.guaranteed
    await _assert_all_accounted(db)


async def test_accounting_catches_tampering(db: Database) -> None:
    await _fund(db, 100, 3)
    reward_id = await _reward(db, "Coupon | 10 | stock=2", codes=2)
    assert isinstance(await _submit(db, _request(reward_id, 3)), service.Redeemed)
    async with db.session() as session:
        await session.execute(update(Reward).where(Reward.id == reward_id).values(redeemed=2))  # type: ignore[arg-type]
        await session.execute(update(Redemption).values(code="FORGED"))
    async with db.reader() as session:
        problems = await service.accounting(session)
    assert any("counter says 2" in p for p in problems) and any("other than the one" in p for p in problems)


async def _count(db: Database, model: type) -> int:
    async with db.reader() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())
