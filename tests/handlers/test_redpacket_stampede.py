"""1,000 members grab a 100-share packet at once through the real Dispatcher (SQLite file and PostgreSQL)."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import func, select

from bot.db.models import RedPacket, RedPacketShare
from bot.services import ledger
from bot.services.redpackets import accounting
from bot.views.redpackets import GrabCb
from tests.harness import Harness


@pytest.mark.slow
async def test_a_thousand_concurrent_grabs_on_a_hundred_shares(h: Harness) -> None:
    h.red_packets.rng = random.Random(9)
    await h.setup_group()
    await h.say(h.owner, "/budget add 10000")
    await h.say(h.owner, "/redpacket 5000 100", chat=h.group)
    async with h.app.db.session() as session:
        packet = (await session.execute(select(RedPacket))).scalars().one()
    assert packet.message_id is not None
    members = [h.emu.create_user(f"M{i}", language_code="en") for i in range(1000)]
    data = GrabCb(id=packet.id).pack()  # type: ignore[arg-type]
    taps = []
    for member in members:
        cq_id = h.emu.press_button(member, packet.message_id, h.group, data)
        taps.append((cq_id, h.emu.last_update))
    await asyncio.gather(*(h.feed(update) for _, update in taps))
    answers = [await h.emu.wait_callback_answer(cq_id, timeout=30) for cq_id, _ in taps]
    texts = [a.get("text") or "" for a in answers]
    grabbed = [t for t in texts if "You grabbed" in t]
    gone = [t for t in texts if t.startswith("All gone")]
    assert len(grabbed) == 100 and len(gone) == 900, set(texts) - set(grabbed) - set(gone)
    async with h.app.db.reader() as session:
        claims = (await session.execute(
            select(RedPacketShare.user_id, RedPacketShare.amount).where(RedPacketShare.user_id.is_not(None))  # type: ignore[union-attr]
        )).all()
        status, grabbed_count = (await session.execute(
            select(RedPacket.status, RedPacket.grabbed_count))).one()  # type: ignore[call-overload]
        paid = (await session.execute(select(func.sum(ledger.LEDGER.c.amount)).where(
            ledger.LEDGER.c.ref == f"rp:{packet.id}", ledger.LEDGER.c.amount > 0))).scalar_one()
        assert await ledger.audit(session) == []
        assert await accounting(session) == []
    assert len(claims) == 100 and len({uid for uid, _ in claims}) == 100
    assert sum(amount for _, amount in claims) == 5000 == paid
    assert status == "empty" and grabbed_count == 100
    await h.settle()
    final = h.emu.message(h.group.id, packet.message_id).text or ""  # type: ignore[arg-type]
    assert "All 100 shares grabbed" in final
