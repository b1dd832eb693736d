"""Member tiers and purchase points against the database (SQLite file and PostgreSQL): orders earn
once, refunds take back once (a shortfall is owed and recovered), tiers are recorded once per
change, and tier groups decide whom to invite, tell and remove."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import Group, GroupMember, LedgerEntry, Order, TierEvent
from bot.services import checkin, ledger, purchases
from bot.services import orders as order_service
from bot.services import tiers as tier_service
from games.orders import OrderRow
from games.points import Reason
from games.tiers import GroupAction, Measure, TierSpec
from tests.factories import NOW, balance, count, make_users

ANN, BEN, STAFF = 11, 12, 13
GOLD = TierSpec("GOLD", Measure.POINTS, 100, 150)
CHAT = -100777


def row(order_id: str, yuan: int, status: str = "paid", days_ago: int = 1) -> OrderRow:
    return OrderRow(1, order_id, yuan * 100, "CNY", NOW - timedelta(days=days_ago), "1234", status)


async def imported(db: Database, *rows: OrderRow) -> order_service.ImportResult:
    async with db.session() as session:
        return await order_service.import_rows(session, list(rows), NOW, "CNY")


async def bind(db: Database, user_id: int, order_id: str) -> order_service.Bound:
    async with db.session() as session:
        return await order_service.bind(session, user_id=user_id, order_id=order_id, check="1234", now=NOW,
                                        currency="CNY")


async def rate(db: Database, value: int | None) -> None:
    async with db.session() as session:
        await purchases.set_rate(session, value, by=STAFF, now=NOW)


async def books(db: Database) -> purchases.Totals:
    async with db.reader() as session:
        assert await ledger.audit(session) == []
        totals, problems = await purchases.accounting(session)
    assert problems == []
    return totals


async def test_orders_earn_once_on_bind_or_import(db: Database) -> None:
    await make_users(db, ANN)
    await imported(db, row("A1", 100), row("A2", 50))
    assert (await bind(db, ANN, "A1")).points == 0  # the rate is off: nothing, and nothing owed later
    await rate(db, 100)
    assert (await bind(db, ANN, "A2")).points == 50
    assert (await bind(db, ANN, "A2")).points == 0  # linking again earns nothing
    result = await imported(db, row("A1", 100), row("A2", 50), row("A3", 10))  # A1 was linked before the rate
    assert result.earned == 1 and await balance(db, ANN) == 150
    again = await imported(db, row("A1", 100), row("A2", 50))
    assert again.earned == 0 and await balance(db, ANN) == 150
    assert await count(db, LedgerEntry, LedgerEntry.reason == str(Reason.PURCHASE)) == 2  # type: ignore[arg-type]
    totals = await books(db)
    assert (totals.orders, totals.earned) == (2, 150)


async def test_concurrent_earning_pays_an_order_once(db: Database) -> None:
    await make_users(db, ANN)
    await rate(db, 100)
    await imported(db, row("B1", 80))
    async with db.session() as session:
        await session.execute(Order.__table__.update().values(user_id=ANN))  # type: ignore[attr-defined]

    async def earn() -> int:
        async with db.session() as session:
            return await purchases.earn(session, "B1", currency="CNY", now=NOW)

    results = await asyncio.gather(*(earn() for _ in range(6)), return_exceptions=True)
    assert sorted(r for r in results if isinstance(r, int))[-1] == 80
    assert await balance(db, ANN) == 80
    await books(db)


async def test_the_tier_multiplier_applies_to_purchases_and_check_ins_not_transfers(db: Database) -> None:
    await make_users(db, ANN)
    async with db.session() as session:
        await tier_service.save_tier(session, GOLD, by=STAFF, now=NOW)
        await ledger.move(session, user_id=ANN, amount=100, reason=Reason.GRANT, key="t:grant", now=NOW)
    async with db.reader() as session:
        changes = await tier_service.plan_changes(session, "CNY", NOW)
    async with db.session() as session:
        assert [await tier_service.apply_change(session, c, NOW) for c in changes] == [True]
        assert await tier_service.apply_change(session, changes[0], NOW) is False  # recorded once
        assert await tier_service.with_multiplier(session, ANN, 10) == 15
    await rate(db, 100)
    await imported(db, row("C1", 100))
    assert (await bind(db, ANN, "C1")).points == 150
    async with db.session() as session:
        result = await checkin.check_in(session, user_id=ANN, chat_id=None, today=NOW.date(), now=NOW)
    assert (result.points, result.extra) == (7, 2)  # base 5 × 1.5, rounded down
    async with db.session() as session:
        bulk = await checkin.CHECKIN_OP.bulk(session, [checkin.CheckinRequest(ANN, None, NOW.date() + timedelta(1),
                                                                              NOW + timedelta(days=1))])
    assert isinstance(bulk[0], checkin.CheckinResult) and bulk[0].points == 7
    assert await balance(db, ANN) == 100 + 150 + 7 + 7
    await books(db)


async def test_refund_takes_points_back_once_and_a_shortfall_is_recovered(db: Database) -> None:
    await make_users(db, ANN, BEN)
    await rate(db, 100)
    await imported(db, row("D1", 100), row("D2", 40))
    await bind(db, ANN, "D1")
    await bind(db, BEN, "D2")
    async with db.session() as session:  # Ann spends 70 of her 100
        await ledger.move(session, user_id=ANN, amount=-70, reason=Reason.REDEMPTION, key="t:spend", now=NOW)
    result = await imported(db, row("D1", 100, "refunded"), row("D2", 40, "refunded"))
    assert (result.refunded, result.taken_back) == (2, 140)
    again = await imported(db, row("D1", 100, "refunded"))
    assert again.refunded == 0  # once
    await imported(db, row("D1", 100, "paid"))  # a refund is final: no second earning
    assert await balance(db, ANN) == 0 and await balance(db, BEN) == 0
    async with db.session() as session:
        assert await ledger.owed_of(session, ANN) == 70 and await ledger.owed_of(session, BEN) == 0
        spent = await order_service.spend_of(session, ANN, "CNY")
    assert spent == 0  # refunded orders do not count as spend
    totals = await books(db)
    assert (totals.reversed, totals.shortfall) == (140, 70)
    # The next points Ann earns pay the debt first: a single credit, then a bulk one.
    async with db.session() as session:
        moved = await ledger.move(session, user_id=ANN, amount=50, reason=Reason.CHECKIN, key="t:c1", now=NOW)
        assert moved.balance_after == 0
        await ledger.move(session, user_id=ANN, amount=5, reason=Reason.REFUND, key="t:refund", now=NOW)  # not earning
        after = await ledger.bulk_credit(session, [ledger.Credit(ANN, 30, Reason.CHECKIN, "t:c2")], NOW)
        assert after == [5 + 30 - 20] and await ledger.owed_of(session, ANN) == 0
    assert await balance(db, ANN) == 15
    await books(db)
    async with db.reader() as session:
        lifetime = (await session.execute(select(ledger.MEMBERS.c.lifetime_points)
                                          .where(ledger.MEMBERS.c.user_id == ANN))).scalar_one()
    assert lifetime == 85  # 100 earned − 100 reversed + 50 + 5 + 30


async def test_concurrent_refund_imports_take_back_once(db: Database) -> None:
    await make_users(db, ANN)
    await rate(db, 100)
    await imported(db, row("R1", 60))
    await bind(db, ANN, "R1")

    async def refund() -> list[purchases.Refunded]:
        async with db.session() as session:
            return await purchases.refund(session, ["R1"], now=NOW)

    results = await asyncio.gather(*(refund() for _ in range(5)))
    assert sorted(len(r) for r in results) == [0, 0, 0, 0, 1]
    assert await balance(db, ANN) == 0
    assert await count(db, LedgerEntry, LedgerEntry.reason == str(Reason.PURCHASE_REVERSAL)) == 1  # type: ignore[arg-type]
    await books(db)


async def test_an_unlinked_refunded_order_never_earns(db: Database) -> None:
    await make_users(db, ANN)
    await rate(db, 100)
    await imported(db, row("E1", 100, "refunded"))
    assert (await bind(db, ANN, "E1")).points == 0
    assert await balance(db, ANN) == 0
    await books(db)


async def test_spend_tiers_fall_when_orders_leave_the_window(db: Database) -> None:
    await make_users(db, ANN)
    async with db.session() as session:
        await tier_service.save_tier(session, TierSpec("VIP", Measure.SPEND, 10_000), by=STAFF, now=NOW)
    await imported(db, row("F1", 150, days_ago=300))
    await bind(db, ANN, "F1")

    async def sweep(at: timedelta) -> list[tier_service.Change]:
        async with db.reader() as session:
            changes = await tier_service.plan_changes(session, "CNY", NOW + at)
        async with db.session() as session:
            for change in changes:
                await tier_service.apply_change(session, change, NOW + at)
        return changes

    assert [(c.new, c.direction) for c in await sweep(timedelta(0))] == [("VIP", "up")]
    assert await sweep(timedelta(days=30)) == []
    assert [(c.old, c.new, c.direction) for c in await sweep(timedelta(days=70))] == [("VIP", None, "down")]
    async with db.reader() as session:
        events = list((await session.execute(select(TierEvent).order_by(TierEvent.id))).scalars())  # type: ignore[arg-type]
        assert [e.direction for e in events] == ["up", "down"]
        ids = [e.id for e in events]
        assert [e.id for e in await tier_service.unnotified(session)] == ids
    async with db.session() as session:
        assert ids[0] is not None
        assert await tier_service.claim_notice(session, ids[0], NOW) is True
        assert await tier_service.claim_notice(session, ids[0], NOW) is False


async def test_tier_group_sync_decisions(db: Database) -> None:
    cara, dan = 14, 15
    await make_users(db, ANN, BEN, STAFF, cara, dan)
    async with db.session() as session:
        session.add(Group(chat_id=CHAT, title="Gold room", registered_by=STAFF, registered_at=NOW,
                          gate_tier="GOLD", gate_tier_grace_s=14 * 86400))
        await tier_service.save_tier(session, GOLD, by=STAFF, now=NOW)
        for uid, points in ((ANN, 150), (BEN, 150), (STAFF, 10), (cara, 10)):
            await ledger.move(session, user_id=uid, amount=points, reason=Reason.GRANT, key=f"t:{uid}", now=NOW)
        for uid in (BEN, STAFF, cara):  # Ben is in the group; so are a staff member and Cara (never GOLD)
            session.add(GroupMember(chat_id=CHAT, user_id=uid, first_seen_at=NOW))
    async with db.reader() as session:
        changes = await tier_service.plan_changes(session, "CNY", NOW)
    async with db.session() as session:
        for change in changes:
            await tier_service.apply_change(session, change, NOW)
        (group,) = await tier_service.tier_groups(session)
        plans = {p.user_id: p.action for p in await tier_service.plan_seats(session, group, {STAFF}, NOW)}
    assert plans == {ANN: GroupAction.INVITE}  # Ben is in already; staff and Cara are left alone
    async with db.session() as session:
        assert await tier_service.claim_invite(session, CHAT, ANN, NOW) is True
        assert await tier_service.claim_invite(session, CHAT, ANN, NOW) is False  # one link
    # Ben falls below GOLD (his GOLD was recorded while he was in the group): told, then removed.
    async with db.session() as session:
        await session.execute(tier_service.MEMBER_TIERS.update().where(tier_service.MEMBER_TIERS.c.user_id == BEN)
                              .values(tier=None, multiplier=100))
        fallen = {p.user_id: p for p in await tier_service.plan_seats(session, group, {STAFF}, NOW)}
    assert {uid: p.action for uid, p in fallen.items()} == {BEN: GroupAction.NOTICE}  # Ann holds her link
    async with db.session() as session:
        assert await tier_service.claim_fall(session, CHAT, BEN, NOW) is True
        assert await tier_service.claim_fall(session, CHAT, BEN, NOW) is False
    later = NOW + timedelta(days=14)
    async with db.session() as session:
        plans = {p.user_id: p for p in await tier_service.plan_seats(session, group, {STAFF}, later)}
    assert plans[BEN].action is GroupAction.REMOVE and plans[BEN].seat.fell_at is not None
    async with db.session() as session:
        assert await tier_service.claim_removal(session, CHAT, BEN, plans[BEN].seat.fell_at) is True
        assert await tier_service.claim_removal(session, CHAT, BEN, plans[BEN].seat.fell_at) is False
    assert await count(db, GroupMember, GroupMember.user_id == BEN) == 0  # type: ignore[arg-type]


async def test_a_tier_only_reward_is_redeemed_by_members_of_that_tier_or_above(db: Database) -> None:
    from datetime import UTC as utc

    from bot.services import rewards
    from games.errors import DomainError
    from games.rewards import RewardSpec, TierRequired

    await make_users(db, ANN, BEN)
    async with db.session() as session:
        await tier_service.save_tier(session, GOLD, by=STAFF, now=NOW)
        for uid in (ANN, BEN):
            await ledger.move(session, user_id=uid, amount=150 if uid == ANN else 50, reason=Reason.GRANT,
                              key=f"t:{uid}", now=NOW)
        reward_id = await rewards.add_reward(session, RewardSpec("Gold tea", 20, tier="gold"), STAFF, NOW)
    async with db.reader() as session:
        changes = await tier_service.plan_changes(session, "CNY", NOW)
    async with db.session() as session:
        for change in changes:
            await tier_service.apply_change(session, change, NOW)

    async def redeem(uid: int) -> object:
        request = rewards.RedeemRequest(reward_id, uid, f"t:req:{uid}", NOW, NOW.date(), utc)
        try:
            async with db.session() as session:
                return await rewards.REDEEM_OP.single(session, request)
        except DomainError as refused:
            return refused

    refused = await redeem(BEN)
    assert isinstance(refused, TierRequired) and refused.params == {"name": "Gold tea", "tier": "GOLD"}
    done = await redeem(ANN)
    assert isinstance(done, rewards.Redeemed) and await balance(db, ANN) == 130 and await balance(db, BEN) == 50
