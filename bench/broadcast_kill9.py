"""Broadcast kill -9: how often does killing the worker mid-broadcast leave a chat without its post?

    .venv/bin/python bench/broadcast_kill9.py [--groups 500] [--kills 10] [--rounds 1]

The real bot (``python -m bot run``, its own process, long polling over HTTP against the emulator with
Telegram's real limits) drains a broadcast to --groups groups and is killed with SIGKILL --kills times,
each time at a random moment while it sends, and started again; then it finishes. A delivery marked
'sending' when the process died may or may not have left: it is never sent again (no duplicate, ever)
and is recorded as sent unconfirmed. Prints, per round and in total: kills, deliveries left
unconfirmed, groups that got no copy (the price of never sending twice), groups that got two (must be 0).
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
from bot.db.models import Delivery
from bot.emulator import BotAPIEmulator
from bot.services.broadcasts import Target, plan
from bot.services.deliveries import UNCONFIRMED

TOKEN = "779:KILL-BENCH"
ROOT = Path(__file__).resolve().parents[1]


async def start_bot(emu: BotAPIEmulator, db_url: str, owner_id: int, log: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "BOT_TOKEN": TOKEN, "DATABASE_URL": db_url, "TELEGRAM_API_URL": emu.base_url,
           "OWNER_IDS": str(owner_id), "DEFAULT_LANGUAGE": "en"}
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
                                                    stdout=out, stderr=out)


async def one_round(groups: int, kills: int, folder: Path, rng: random.Random) -> tuple[int, int, int, int]:
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
        while done_kills < kills:
            process = await start_bot(emu, db_url, owner.id, log)
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
            unconfirmed = int((await session.execute(select(func.count()).select_from(Delivery).where(
                Delivery.reason == UNCONFIRMED))).scalar_one())
        await db.close()
        counts = emu.received()
        zero = sum(1 for c in chats if counts.get(c.id, 0) == 0)
        twice = sum(1 for c in chats if counts.get(c.id, 0) > 1)
        return done_kills, unconfirmed, zero, twice


async def run(groups: int, kills: int, rounds: int, seed: int) -> int:
    rng = random.Random(seed)
    totals = [0, 0, 0, 0]
    for n in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            result = await one_round(groups, kills, Path(folder), rng)
        totals = [a + b for a, b in zip(totals, result, strict=True)]
        print(f"round {n + 1}: {result[0]} kills, {result[1]} deliveries unconfirmed, {result[2]} groups without "
              f"the post, {result[3]} groups with it twice", flush=True)
    print(f"broadcast kill -9: {groups} groups, {rounds} rounds: {totals[0]} kills, {totals[1]} unconfirmed, "
          f"{totals[2]} groups without the post ({totals[2] / max(1, totals[0]):.2f} per kill), "
          f"{totals[3]} duplicates (must be 0)")
    return 0 if totals[3] == 0 else 1


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
