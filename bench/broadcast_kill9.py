"""Broadcast kill -9: does killing the worker mid-broadcast, again and again, leave every group with
its post exactly once?

    .venv/bin/python bench/broadcast_kill9.py [--groups 500] [--kills 10] [--rounds 1]

The real bot (``python -m bot run``, its own process, long polling over HTTP against the emulator with
Telegram's real limits) drains a broadcast to --groups groups and is killed with SIGKILL --kills times,
each time at a random moment while it sends, and started again; then it finishes. A delivery marked
'sending' when the process died may or may not have left: the next process checks it in its group
(posted again silently, the messages before the new copy looked at through the owner's chat, a late
duplicate deleted). Prints, per round and in total: kills, deliveries checked after a restart, late
copies deleted, deliveries left unconfirmed, groups showing no copy and groups showing two (both must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.models import Contact, Delivery
from bot.emulator import BotAPIEmulator
from bot.services.broadcasts import Target, plan
from bot.services.deliveries import RECHECKED, UNCONFIRMED

TOKEN = "779:KILL-BENCH"
ROOT = Path(__file__).resolve().parents[1]


async def start_bot(emu: BotAPIEmulator, db_url: str, owner_id: int, log: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "BOT_TOKEN": TOKEN, "DATABASE_URL": db_url, "TELEGRAM_API_URL": emu.base_url,
           "OWNER_IDS": str(owner_id), "DEFAULT_LANGUAGE": "en"}
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
                                                    stdout=out, stderr=out)


async def one_round(groups: int, kills: int, folder: Path, rng: random.Random
                    ) -> tuple[int, int, int, int, int, int]:
    db_url = f"sqlite+aiosqlite:///{folder}/kill.db"
    await asyncio.to_thread(upgrade, db_url)
    async with BotAPIEmulator(token=TOKEN, enforce_limits=True) as emu:
        owner = emu.create_user("Olivia", language_code="en")
        chats = [emu.create_group(f"Shop {i}", admins=[owner], bot_is_admin=True) for i in range(groups)]
        db = Database(db_url)
        now = SystemClock().now()
        async with db.session() as session:
            await plan(session, kind="text", args={"text": "New arrivals"}, at=now, now=now, source="bench:kill9",
                       targets=[Target(c.id, False) for c in chats])

        def received() -> int:
            return sum(1 for c in chats if emu.sent(c.id))

        async def pending() -> int:
            async with db.reader() as session:
                return int((await session.execute(select(func.count()).select_from(Delivery).where(
                    Delivery.state.in_(("planned", "sending"))))).scalar_one())  # type: ignore[attr-defined]

        def sends_again(before: int) -> Callable[[], bool]:
            return lambda: received() > before

        log = Path(os.environ.get("KILL9_LOG", folder / "bot.log"))
        done_kills = 0
        emu.user_sends(owner, "/start")  # the owner's chat is where a group's messages are looked at
        while done_kills < kills:
            process = await start_bot(emu, db_url, owner.id, log)
            while done_kills == 0 and not await started(db, owner.id):  # noqa: ASYNC110 - seen in the database
                await asyncio.sleep(0.1)
            # Killed at a random moment once it sends (between 0.2 s and 3 s after its first new post).
            await emu.wait_until(sends_again(received()), timeout=120)
            await asyncio.sleep(rng.uniform(0.2, 3.0))
            process.send_signal(signal.SIGKILL)
            await process.wait()
            done_kills += 1
            if await pending() == 0:
                break
        process = await start_bot(emu, db_url, owner.id, log)
        while await pending():  # noqa: ASYNC110 - another process's progress, seen in the database
            await asyncio.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        await process.wait()
        async with db.reader() as session:
            by_reason = dict((await session.execute(select(Delivery.reason, func.count()).where(
                Delivery.reason.in_((UNCONFIRMED, RECHECKED))).group_by(Delivery.reason))).all())  # type: ignore
        unconfirmed, rechecked = by_reason.get(UNCONFIRMED, 0), by_reason.get(RECHECKED, 0)
        await db.close()
        shown = [sum(1 for m in emu.messages(c.id) if m.from_bot) for c in chats]
        late = sum(1 for c in chats for m in emu.sent(c.id) if m.deleted)
        return done_kills, rechecked, late, unconfirmed, shown.count(0), sum(1 for n in shown if n > 1)


async def started(db: Database, user_id: int) -> bool:
    async with db.reader() as session:
        return (await session.execute(select(Contact.user_id).where(Contact.user_id == user_id))).first() is not None


async def run(groups: int, kills: int, rounds: int, seed: int) -> int:
    rng = random.Random(seed)
    totals = [0] * 6
    for n in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            result = await one_round(groups, kills, Path(folder), rng)
        totals = [a + b for a, b in zip(totals, result, strict=True)]
        print(f"round {n + 1}: {result[0]} kills, {result[1]} checked after a restart, {result[2]} late copies "
              f"deleted, {result[3]} unconfirmed, {result[4]} groups without the post, {result[5]} groups showing it "
              "twice", flush=True)
    print(f"broadcast kill -9: {groups} groups, {rounds} rounds: {totals[0]} kills, {totals[1]} checked after a "
          f"restart, {totals[2]} late copies deleted, {totals[3]} unconfirmed, {totals[4]} groups without the post, "
          f"{totals[5]} groups showing it twice (both must be 0)")
    return 0 if totals[4] == totals[5] == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    return asyncio.run(run(args.groups, args.kills, args.rounds, args.seed))


if __name__ == "__main__":
    raise SystemExit(main())
