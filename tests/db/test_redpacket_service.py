"""Red-packet storage on SQLite and PostgreSQL: two "replicas" racing, expiry once, refusals write nothing."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import LedgerEntry, RedPacket, RedPacketShare
from bot.services import ledger
from bot.services import redpackets as service
from games import redpacket as rules
from games.errors import InsufficientPoints
from tests.factories import NOW, assert_books_balance, make_users, shop_with_budget

CHAT = -100500


async def _packet(db: Database, total: int, shares: int, **options: object) -> int:
    spec = rules.PacketSpec(total, shares, **options)  # type: ignore[arg-type]
    async with db.session() as session:
        created = await service.create_packet(session, chat_id=CHAT, funder_id=ledger.SHOP_ACCOUNT, actor_id=1,
                                              spec=spec, source_key=f"t:{total}:{shares}", now=NOW,
                                              rng=random.Random(5))
    assert created.packet.id is not None
    return created.packet.id


@pytest.mark.slow
async def test_two_replicas_racing_never_hand_out_more_shares_than_exist(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    try:
        await shop_with_budget(first, CHAT, 10_000)
        await make_users(first, *range(1, 601))
        packet_id = await _packet(first, 1000, 100)

        async def grab(db: Database, user_id: int) -> object:
            try:
                return await db.submit(service.GRAB_OP, service.GrabRequest(packet_id, CHAT, user_id,
                                                                            NOW + timedelta(seconds=1)))
            except rules.GrabRefused as refused:
                return refused

        outcomes = await asyncio.gather(*(grab(first if uid % 2 else second, uid) for uid in range(1, 601)),
                                        *(grab(second, uid) for uid in range(1, 51)))  # 50 taps twice
        won = [o for o in outcomes if isinstance(o, service.Grabbed)]
        assert len(won) == 100
        assert all(isinstance(o, service.Grabbed | rules.AllGone | rules.AlreadyGrabbed) for o in outcomes)
        async with first.reader() as session:
            claims = (await session.execute(select(RedPacketShare.user_id, RedPacketShare.amount).where(
                RedPacketShare.user_id.is_not(None)))).all()  # type: ignore[union-attr]
        assert len({uid for uid, _ in claims}) == 100 and sum(a for _, a in claims) == 1000
        await assert_books_balance(first)
    finally:
        await first.close()
        await second.close()


async def test_expiry_refunds_once_even_when_raced(db: Database) -> None:
    await shop_with_budget(db, CHAT, 500)
    await make_users(db, 7)
    packet_id = await _packet(db, 300, 3)
    await db.submit(service.GRAB_OP, service.GrabRequest(packet_id, CHAT, 7, NOW))
    async with db.session() as session:
        assert await service.expire(session, packet_id, NOW + timedelta(hours=23)) is None  # not due yet
    later = NOW + timedelta(hours=24)

    async def expire() -> int | None:
        async with db.session() as session:
            return await service.expire(session, packet_id, later)

    results = await asyncio.gather(expire(), expire(), expire())
    refunds = [r for r in results if r is not None]
    assert len(refunds) == 1
    async with db.session() as session:
        budget = await ledger.balance_of(session, ledger.SHOP_ACCOUNT)
        grabbed = (await session.execute(select(RedPacket.grabbed_amount))).scalar_one()  # type: ignore[call-overload]
    assert budget == 500 - grabbed and refunds[0] == 300 - grabbed
    with pytest.raises(rules.Expired):
        await db.submit(service.GRAB_OP, service.GrabRequest(packet_id, CHAT, 8, later))
    await assert_books_balance(db)


async def test_short_funds_write_nothing(db: Database) -> None:
    await shop_with_budget(db, CHAT, 50)
    await make_users(db, 9)
    with pytest.raises(InsufficientPoints):
        await _packet(db, 100, 2)
    async with db.session() as session:
        with pytest.raises(InsufficientPoints):
            await service.create_packet(session, chat_id=CHAT, funder_id=9, actor_id=9,
                                        spec=rules.PacketSpec(10, 2), source_key="member", now=NOW,
                                        rng=random.Random(1))
    async with db.reader() as session:
        assert (await session.execute(select(func.count()).select_from(RedPacket))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(LedgerEntry))).scalar_one() == 1


async def test_accounting_catches_a_tampered_packet(db: Database) -> None:
    await shop_with_budget(db, CHAT, 500)
    await make_users(db, 7)
    packet_id = await _packet(db, 100, 4)
    await db.submit(service.GRAB_OP, service.GrabRequest(packet_id, CHAT, 7, NOW))
    await assert_books_balance(db)
    async with db.session() as session:
        packet = await session.get(RedPacket, packet_id)
        assert packet is not None
        packet.grabbed_amount += 1  # points appearing from nowhere
    async with db.reader() as session:
        problems = await service.accounting(session)
    assert len(problems) >= 1 and f"red packet {packet_id}" in problems[0]
