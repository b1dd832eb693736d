"""The broadcast engine end to end: the real bot's worker drains a broadcast to groups and members
through the emulator enforcing Telegram's flood limits (429 beyond them): every group and every member
who started the bot gets the post exactly once, with no limit broken; members who never started the
bot wait for them (and get it as soon as they do), the one who blocked it is skipped and marked, a
group the bot was removed from is skipped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Contact, Delivery
from bot.services import deliveries as service
from bot.services.broadcasts import Target, plan
from bot.views.broadcasts import Broadcasts
from tests.harness import harness, wait_for


async def test_a_broadcast_reaches_every_group_and_started_member_once_within_the_limits(db_url: str) -> None:
    async with harness(db_url, limits=True) as h:
        engine: Broadcasts = h.states["broadcasts"]
        groups = [h.emu.create_group(f"Shop {i}", admins=[h.owner], bot_is_admin=True) for i in range(30)]
        kicked = h.emu.create_group("Gone", admins=[h.owner], bot_is_admin=True)
        kicked.bot_status = "kicked"
        started = [h.emu.create_user(f"Fan {i}", language_code="en") for i in range(12)]
        strangers = [h.emu.create_user(f"Stranger {i}", language_code="en") for i in range(3)]
        blocker = h.emu.create_user("Blocker", language_code="en")
        for member in [*started, blocker]:
            await h.feed(h.emu.user_sends(member, "/start"))
        h.emu.user_blocks_bot(blocker)
        before = h.emu.received()
        targets = [Target(g.id, False) for g in [*groups, kicked]] + [
            Target(u.id, True) for u in [*started, *strangers, blocker]]
        async with h.app.db.session() as session:
            planned = await plan(session, kind="text", args={"text": "New tea <b>&</b> cakes\nfrom today"},
                                 targets=targets, at=h.clock.now(), now=h.clock.now(), source="test:e2e")
        engine.wake()

        async def remaining() -> int:
            async with h.app.db.reader() as session:
                rows = (await session.execute(select(Delivery.state, Delivery.delayed).where(
                    Delivery.broadcast_id == planned.broadcast_id))).all()
            return sum(1 for state, delayed in rows if state in ("planned", "sending") and delayed != "start")

        await until(lambda: _zero(remaining), timeout=30)
        await engine.wait_idle()

        received = h.emu.received()
        for chat in [*groups, *started]:
            assert received.get(chat.id, 0) - before.get(chat.id, 0) == 1, chat.title
        post = h.emu.sent(groups[0].id)[-1]
        assert post.text == "New tea &lt;b&gt;&amp;&lt;/b&gt; cakes\nfrom today"  # staff text shown as written
        for chat in [kicked, blocker, *strangers]:
            assert received.get(chat.id, 0) - before.get(chat.id, 0) == 0
        assert h.emu.rate_violations == []

        async with h.app.db.reader() as session:
            report = await service.report(session, planned.broadcast_id)
            blocked_at = (await session.execute(select(Contact.blocked_at).where(
                Contact.user_id == blocker.id))).scalar_one()
        assert report is not None
        assert report.summary.sent == len(groups) + len(started)
        assert report.skipped_by == {"removed": 1, "blocked": 1}
        assert report.delayed["start"][0] == len(strangers)
        assert blocked_at is not None

        # A stranger starts the bot: their delivery is due at once and goes out.
        await h.feed(h.emu.user_sends(strangers[0], "/start"))
        engine.wake()
        await wait_for(lambda: len(h.emu.sent(strangers[0].id)) >= 2, timeout=10)  # /start's answer + the post
        assert any("New tea" in (m.text or "") for m in h.emu.sent(strangers[0].id))
        # A week later the others are given up on.
        h.clock.advance(timedelta(days=7, seconds=1))
        engine.wake()

        async def skipped_not_started() -> int:
            async with h.app.db.reader() as session:
                found = await service.report(session, planned.broadcast_id)
            assert found is not None
            return found.skipped_by.get("not_started", 0)

        async def both_given_up() -> bool:
            return await skipped_not_started() == 2

        await until(both_given_up, timeout=10)


async def _zero(count: Callable[[], Awaitable[int]]) -> bool:
    return await count() == 0


async def until(check: Callable[[], Awaitable[bool]], timeout: float) -> None:
    """Poll an async condition (the database) until it holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
