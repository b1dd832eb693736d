"""Check-in storm: N members tap the check-in button at once, through the real Dispatcher.

    .venv/bin/python bench/checkin_storm.py [--members 2000] [--db PATH]

Measures, in one run and on the same machine:
  * ceiling  — the same pipeline (aiogram Dispatcher, the bot's request middleware and session)
               with a handler that only answers the callback query: the framework's own limit;
  * check-in — the real Regulars dispatcher (throttle, context, transaction middlewares, the
               check-in handler, group-committed writes to a SQLite file, the callback popup).
Prints taps/s, p50/p99 time from an update's arrival to its callback answer, and the ratio.
Targets (issue #2): every tap answered, p99 < 1 s, ratio >= 0.3.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot, Dispatcher, F, Router
from aiogram.types import CallbackQuery
from sqlalchemy import func, select

from bench.common import InProcessSession, callback_update, summary
from bot.clock import ManualClock
from bot.config import load_settings
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.models import Checkin
from bot.factory import create_app, create_bot, create_dispatcher
from bot.services import ledger
from bot.services.groups import register
from handlers.keyboards import CheckinCb

GROUP = -1001234567890
DATA = CheckinCb().pack()


async def _storm(dp: Dispatcher, bot: Bot, session: InProcessSession, updates: list[dict[str, Any]],
                 **kwargs: Any) -> tuple[float, list[float], int]:
    """Feed every update at once (as polling hands a burst to the dispatcher) and time the answers."""
    start = time.perf_counter()
    await asyncio.gather(*(dp.feed_raw_update(bot, u, **kwargs) for u in updates))
    elapsed = time.perf_counter() - start
    latencies = [session.answered[f"cq{u['update_id']}"] - start for u in updates
                 if f"cq{u['update_id']}" in session.answered]
    return elapsed, latencies, len(latencies)


async def ceiling(n: int) -> tuple[float, list[float], int]:
    session = InProcessSession()
    settings = load_settings(bot_token="42:bench", database_url="sqlite+aiosqlite:///unused.db")
    bot = create_bot(settings, "42:bench", session=session)
    router = Router()

    @router.callback_query(F.data == DATA)
    async def only_answer(query: CallbackQuery) -> None:
        await query.answer("ok")

    dp = Dispatcher()
    dp.include_router(router)
    updates = [callback_update(i + 1, 10_000 + i, GROUP, 7, DATA) for i in range(n)]
    return await _storm(dp, bot, session, updates)


async def checkin(n: int, db_path: Path) -> tuple[float, list[float], int, str]:
    url = f"sqlite+aiosqlite:///{db_path}"
    await asyncio.to_thread(upgrade, url)
    settings = load_settings(bot_token="42:bench", database_url=url, timezone="Asia/Shanghai")
    session = InProcessSession()
    bot = create_bot(settings, "42:bench", session=session)
    db = Database(url)
    app = create_app(settings, bot, db=db, clock=ManualClock(datetime(2026, 3, 1, 2, 0, tzinfo=UTC)))
    async with db.session() as s:
        await register(s, chat_id=GROUP, title="Bench group", label="vip", by=1, now=app.clock.now())
    dp = create_dispatcher(app)
    updates = [callback_update(i + 1, 10_000 + i, GROUP, 7, DATA) for i in range(n)]
    try:
        elapsed, latencies, answered = await _storm(dp, bot, session, updates)
        async with db.session() as s:
            rows = (await s.execute(select(func.count()).select_from(Checkin))).scalar()
            problems = await ledger.audit(s)
        check = (f"{rows} check-ins stored, ledger {'balanced' if not problems else 'BROKEN'}; "
                 f"{db.batches} commits for {db.batched_jobs} writes")
        await app.coalescer.close()
    finally:
        await db.close()
    return elapsed, latencies, answered, check


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: a temporary one)")
    args = parser.parse_args()
    n = args.members
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "checkin_storm.db"
        await ceiling(min(n, 200))  # warm up imports and code paths
        c_elapsed, c_lat, c_ans = await ceiling(n)
        r_elapsed, r_lat, r_ans, check = await checkin(n, db_path)
    c_rate, r_rate = c_ans / c_elapsed, r_ans / r_elapsed
    print(f"checkin_storm: {n} members tap check-in at once (SQLite file, real Dispatcher)")
    print(f"  ceiling (answer only): {c_rate:8.0f} taps/s  answered {c_ans}/{n}  {summary(c_lat)}")
    print(f"  check-in             : {r_rate:8.0f} taps/s  answered {r_ans}/{n}  {summary(r_lat)}")
    print(f"  {check}")
    print(f"  ratio to ceiling: {r_rate / c_rate:.2f}  (target >= 0.3; p99 target < 1000 ms)")
    return 0 if r_ans == n else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
