"""kill -9 in the middle of a red-packet stampede: the real bot (``regulars run``, its own process,
long polling over HTTP) is killed while 300 members tap, then started again. Telegram redelivers
what the dead process fetched but never confirmed, and members who got no answer tap again.
Nothing is lost (every share ends with exactly one member, the ledger pays each of them once) and
nothing is paid twice."""

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

from bot.db.engine import Database
from bot.db.models import LedgerEntry, RedPacket, RedPacketShare
from bot.emulator import BotAPIEmulator
from bot.services import ledger
from bot.services.redpackets import accounting

TOKEN = "777:KILL-NINE"
ROOT = Path(__file__).resolve().parents[2]


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
async def test_kill_9_in_the_middle_of_a_stampede_loses_nothing_and_pays_nothing_twice(
        db_url: str, tmp_path: Path) -> None:
    async with BotAPIEmulator(token=TOKEN) as emu:
        owner = emu.create_user("Olivia", language_code="en")
        group = emu.create_group("Tea Lovers", admins=[owner], bot_is_admin=True)
        members = [emu.create_user(f"Member {i}", language_code="en") for i in range(300)]
        for m in members:
            emu.add_member(group, m)
        log = tmp_path / "bot.log"

        async with bot_process(emu, db_url, owner.id, log) as first:
            emu.user_sends(owner, "/setup vip", chat=group)
            await emu.wait_sent(group.id, 1, timeout=180)  # the first process is up (imports take a while)
            emu.user_sends(owner, "/budget add 1000")
            await emu.wait_sent(owner.id, 1, timeout=10)
            before = len(emu.sent(group.id))
            emu.user_sends(owner, "/redpacket 300 100", chat=group)
            packet = (await emu.wait_sent(group.id, before + 1, timeout=10))[-1]
            data = next(b["callback_data"] for b in packet.buttons())
            taps = {m.id: emu.press_button(m, packet.message_id, group, data) for m in members}
            # Killed once a score of taps are answered: some grabs are committed, some are in
            # the group committer's batch, some fetched and not yet handled, some not fetched.
            await emu.wait_until(lambda: sum(t in emu.callback_answers for t in taps.values()) >= 20, timeout=90)
            first.send_signal(signal.SIGKILL)
            await first.wait()
        answered_before = {uid for uid, t in taps.items() if t in emu.callback_answers}
        assert 20 <= len(answered_before) < len(members), "the kill did not land mid-stampede"

        async with bot_process(emu, db_url, owner.id, log) as second:
            # Taps left over from before the kill are answered once the new process is up — too late
            # for Telegram's 15 s if it starts slowly, as a real restart may; what counts is the money.
            before = len(emu.sent(owner.id))
            emu.user_sends(owner, "/me")
            await emu.wait_sent(owner.id, before + 1, timeout=180)
            # Members whose tap got no answer tap again; a few who did, tap again too.
            retry = [m for m in members if m.id not in answered_before] + members[:10]
            again = [emu.press_button(m, packet.message_id, group, data) for m in retry]
            await asyncio.gather(*(emu.wait_callback_answer(t, timeout=60) for t in again))
            await emu.wait_until(lambda: "All 100 shares grabbed" in (emu.message(group.id, packet.message_id).text
                                                                      or ""), timeout=60)
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 30)

    db = Database(db_url)
    try:
        async with db.reader() as session:
            packet_row = (await session.execute(select(RedPacket))).scalar_one()
            assert (packet_row.status, packet_row.grabbed_count, packet_row.grabbed_amount) == ("empty", 100, 300)
            shares = (await session.execute(select(RedPacketShare.user_id, RedPacketShare.amount))).all()
            winners = [uid for uid, _amount in shares]
            assert None not in winners and len(set(winners)) == 100  # every share taken, once per member
            for uid, amount in shares:
                assert await ledger.balance_of(session, uid) == amount  # paid once, exactly its share
            credits = (await session.execute(select(func.count()).select_from(LedgerEntry)
                                             .where(LedgerEntry.user_id.in_(winners)))).scalar_one()  # type: ignore[attr-defined]
            assert credits == 100
            assert await ledger.balance_of(session, ledger.SHOP_ACCOUNT) == 1000 - 300
            assert await ledger.audit(session) == [] and await accounting(session) == []
    finally:
        await db.close()
