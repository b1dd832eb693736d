"""kill -9 in the middle of a 500-group broadcast: the real bot (``regulars run``, its own process,
long polling over HTTP, Telegram's real flood limits enforced by the emulator) is killed while it
drains the broadcast, then started again. The new process takes the worker's lease over (at once: its
holder is a process of this host that no longer runs; elsewhere, once it expires) and checks each
group post that was in flight in the group itself (posted again silently, then the messages before
the new copy looked at through the owner's chat; a late duplicate is deleted), and sends the rest.

Every group shows the post exactly once, no limit is broken, and every delivery is confirmed with its
message id (``bench/broadcast_kill9.py`` repeats this over many kills)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.db.engine import Database
from bot.db.models import Contact, Delivery
from bot.emulator import BotAPIEmulator
from bot.services import deliveries
from bot.services.broadcasts import Target, plan

TOKEN = "778:KILL-BROADCAST"
ROOT = Path(__file__).resolve().parents[2]
GROUPS = 500


@asynccontextmanager
async def bot_process(emu: BotAPIEmulator, db_url: str, owner_id: int, log: Path) -> AsyncIterator[
        asyncio.subprocess.Process]:
    env = {**os.environ, "BOT_TOKEN": TOKEN, "DATABASE_URL": db_url, "TELEGRAM_API_URL": emu.base_url,
           "OWNER_IDS": str(owner_id), "DEFAULT_LANGUAGE": "en", "GROUP_REPLY_WINDOW": "0.2"}
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
                                                       stdout=out, stderr=out)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the lease on both databases: tests/db
async def test_kill_9_in_the_middle_of_a_broadcast_sends_each_group_the_post_exactly_once(
        db_url: str, tmp_path: Path) -> None:
    async with BotAPIEmulator(token=TOKEN, enforce_limits=True) as emu:
        owner = emu.create_user("Olivia", language_code="en")
        groups = [emu.create_group(f"Shop {i}", admins=[owner], bot_is_admin=True) for i in range(GROUPS)]
        db = Database(db_url)
        try:
            now = SystemClock().now()
            async with db.session() as session:
                planned = await plan(session, kind="text", args={"text": "New arrivals today"}, now=now, at=now,
                                     targets=[Target(g.id, False) for g in groups], source="test:kill9")
        finally:
            await db.close()
        log = tmp_path / "bot.log"

        def received() -> int:
            return sum(1 for g in groups if emu.sent(g.id))

        async with bot_process(emu, db_url, owner.id, log) as first:
            emu.user_sends(owner, "/start")  # the owner's chat is where a group's messages are looked at
            await _contact_recorded(db_url, owner.id)
            await emu.wait_until(lambda: received() >= 150, timeout=180)  # mid-broadcast (it starts slowly)
            first.send_signal(signal.SIGKILL)
            await first.wait()
        at_kill = received()
        assert at_kill < GROUPS, "the kill did not land mid-broadcast"

        async with bot_process(emu, db_url, owner.id, log) as second:
            await _settled(db_url, planned.broadcast_id)
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 30)

        visible = {g.id: [m.message_id for m in emu.messages(g.id) if m.from_bot] for g in groups}
        late_copies = sum(1 for g in groups for m in emu.sent(g.id) if m.deleted)
        assert emu.rate_violations == []

    db = Database(db_url)
    try:
        async with db.reader() as session:
            rows = (await session.execute(select(Delivery.chat_id, Delivery.state, Delivery.reason, Delivery.message_id)
                                          .where(Delivery.broadcast_id == planned.broadcast_id))).all()
            _counts, problems = await deliveries.accounting(session)
    finally:
        await db.close()
    assert problems == []
    assert [g.title for g in groups if len(visible[g.id]) != 1] == []  # exactly once, in every group
    assert {state for _chat, state, _reason, _message in rows} == {"sent"}
    assert [chat for chat, _state, reason, _message in rows if reason == deliveries.UNCONFIRMED] == []
    for chat, _state, _reason, message_id in rows:  # each delivery's recorded message is the one shown
        assert visible[chat] == [message_id]
    rechecked = sum(1 for _chat, _state, reason, _message in rows if reason == deliveries.RECHECKED)
    assert late_copies <= rechecked  # a copy posted again to check, deleted: at most one per send in flight


async def _contact_recorded(db_url: str, user_id: int) -> None:
    db = Database(db_url)
    try:
        for _ in range(300):
            async with db.reader() as session:
                if (await session.execute(select(Contact.user_id).where(Contact.user_id == user_id))).first():
                    return
            await asyncio.sleep(0.1)
        raise AssertionError("the owner's /start was not recorded")
    finally:
        await db.close()


async def _settled(db_url: str, broadcast_id: int) -> None:
    """Until nothing of the broadcast is planned or being sent."""
    db = Database(db_url)
    try:
        for _ in range(600):
            async with db.reader() as session:
                left = (await session.execute(select(func.count()).select_from(Delivery).where(
                    Delivery.broadcast_id == broadcast_id,
                    Delivery.state.in_(("planned", "sending"))))).scalar_one()  # type: ignore[attr-defined]
            if left == 0:
                return
            await asyncio.sleep(0.2)
        raise AssertionError("the broadcast did not finish")
    finally:
        await db.close()
