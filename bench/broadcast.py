"""Broadcast: one announcement to 2,000 groups plus 5,000 subscriber messages in private, drained by the
real broadcast engine (lease, policies, limiter slot → mark → send → confirm, group-committed) against
the Bot API emulator enforcing Telegram's flood limits scaled ×10 (300 messages/s overall, 200/min per
group, 10/s per private chat; 429 beyond them).

    .venv/bin/python bench/broadcast.py [--groups 2000] [--members 5000] [--scale 10] [--http]
                                        [--postgres [--pg-url URL]]

Prints the completion time (from planning to the last delivery recorded), the theoretical minimum under
those limits, their ratio (target >= 0.9), the 429s (target 0) and the duplicates (must be 0): the
emulator counts what each chat received. ``--http`` talks to the emulator over HTTP on loopback (as
``regulars run`` does) instead of in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import secrets
import sys
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.config import load_settings
from bot.db.migrate import upgrade
from bot.db.models import Contact, Delivery
from bot.emulator import BotAPIEmulator
from bot.emulator.limits import GLOBAL_PER_SECOND, GROUP_PER_MINUTE, PRIVATE_BURST, PRIVATE_PER_SECOND
from bot.emulator.session import IN_PROCESS_BASE, EmulatorSession
from bot.factory import create_app, create_bot, running
from bot.features import create_states
from bot.limiter import RateLimiter
from bot.services.broadcasts import Target, plan
from bot.services.sql import insert_for
from bot.views.broadcasts import Broadcasts

TOKEN = "4321:BENCH-BROADCAST"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/regulars_bench"


def theoretical_minimum(groups: int, members: int, scale: float) -> float:
    """Seconds Telegram's limits (×scale) allow at best: every chat gets one message, so only the
    overall rate binds — N messages in any one-second window: N at once at 0 s, N more at 1 s, … the
    last message leaves at ceil(total / N) - 1 seconds."""
    per_second = round(GLOBAL_PER_SECOND * scale)
    return float(max(0, math.ceil((groups + members) / per_second) - 1))


async def run(groups: int, members: int, scale: float, db_url: str, http: bool) -> int:
    emu = BotAPIEmulator(token=TOKEN, enforce_limits=True, limit_scale=scale)
    async with AsyncExitStack() as stack:
        if http:
            await stack.enter_async_context(emu)
        owner = emu.create_user("Olivia", language_code="en")
        chats = [emu.create_group(f"Shop {i}", admins=[owner], bot_is_admin=True) for i in range(groups)]
        users = [emu.create_user(f"Fan {i}", language_code="en") for i in range(members)]
        for user in users:
            user.started_bot = True
        settings = load_settings(bot_token=TOKEN, database_url=db_url, owner_ids=str(owner.id),
                                 telegram_api_url=emu.base_url if http else IN_PROCESS_BASE, default_language="en")
        limiter = RateLimiter(global_per_second=round(GLOBAL_PER_SECOND * scale),
                              group_per_minute=round(GROUP_PER_MINUTE * scale),
                              private_per_second=PRIVATE_PER_SECOND * scale, private_burst=PRIVATE_BURST)
        bot = create_bot(settings, TOKEN, limiter=limiter, session=None if http else EmulatorSession(emu))
        app = create_app(settings, bot, clock=SystemClock())
        states = create_states(app)
        engine: Broadcasts = states["broadcasts"]
        now = datetime.now(UTC)
        run_id = secrets.token_hex(4)  # a PostgreSQL database may keep earlier runs' broadcasts
        async with app.db.session() as session:  # the subscribers have started the bot
            for start in range(0, members, 1000):
                await session.execute(insert_for(session, Contact.__table__).on_conflict_do_nothing(),  # type: ignore[attr-defined]
                                      [{"user_id": u.id, "started_at": now} for u in users[start:start + 1000]])
        try:
            async with running(app, bot, states, scheduler=False, menus=False):
                if not await engine.lease_round():
                    print("bench/broadcast.py: another process holds the broadcast lease", file=sys.stderr)
                    return 2
                started = time.perf_counter()
                async with app.db.session() as session:
                    now = app.clock.now()
                    await plan(session, kind="text", args={"text": "New arrival: Longjing 250 g, ¥128"},
                               targets=[Target(c.id, False) for c in chats], at=now, now=now,
                               source=f"bench:groups:{run_id}")
                    await plan(session, kind="text", args={"text": "It's back: Longjing 250 g"},
                               targets=[Target(u.id, True) for u in users], at=now, now=now,
                               source=f"bench:subscribers:{run_id}")
                engine.wake()
                total = groups + members
                while True:
                    async with app.db.reader() as session:
                        left = (await session.execute(select(func.count()).select_from(Delivery).where(
                            Delivery.state.in_(("planned", "sending"))))).scalar_one()  # type: ignore[attr-defined]
                    if left == 0:
                        break
                    await asyncio.sleep(0.1)
                elapsed = time.perf_counter() - started
                batches, jobs = app.db.batches, app.db.batched_jobs
        finally:
            await bot.session.close()
        received = emu.received()
        delivered = sum(1 for chat in [*chats, *users] if received.get(chat.id, 0) >= 1)
        duplicates = sum(max(0, received.get(chat.id, 0) - 1) for chat in [*chats, *users])
        minimum = theoretical_minimum(groups, members, scale)
        ratio = minimum / elapsed if elapsed > 0 else 0.0
        too_many = len(emu.rate_violations)
        print(f"broadcast: {groups} groups + {members} subscribers in private, Telegram's limits ×{scale:g} "
              f"({GLOBAL_PER_SECOND * scale:g}/s overall), {'HTTP' if http else 'in-process'} emulator, "
              f"{'PostgreSQL' if db_url.startswith('postgresql') else 'SQLite file'}")
        print(f"  delivered {delivered}/{total} chats, {total / elapsed:.0f} messages/s; "
              f"{batches} group commits for {jobs} marks and outcomes")
        print(f"  completion {elapsed:.2f} s   theoretical minimum {minimum:.2f} s   ratio {ratio:.2f}   "
              f"429s {too_many}   duplicates {duplicates}")
        if too_many:
            rules = Counter(v.rule for v in emu.rate_violations)
            print("  429s by rule: " + ", ".join(f"{rule}: {count}" for rule, count in rules.most_common()))
        print("  targets: ratio >= 0.9, 429s 0, duplicates 0")
        return 0 if delivered == total and duplicates == 0 and too_many == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=2000)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--scale", type=float, default=10.0, help="Telegram's limits multiplied by this")
    parser.add_argument("--http", action="store_true", help="talk HTTP to the emulator on loopback")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.pg_url if args.postgres else f"sqlite+aiosqlite:///{folder}/broadcast.db"
        upgrade(url)
        return asyncio.run(run(args.groups, args.members, args.scale, url, args.http))


if __name__ == "__main__":
    raise SystemExit(main())
