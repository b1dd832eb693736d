"""Check-in storm: N members tap the check-in button at once, through the real Dispatcher.

    .venv/bin/python bench/checkin_storm.py [--members 2000] [--db PATH]

Two load shapes, each run on both pipelines below:
  * burst — all N taps handed to the dispatcher at the same instant: the saturation rate (taps/s);
  * paced — the taps arrive the way long polling delivers them, in chunks of 100 (getUpdates'
            limit) at --rate taps/s (default 1,000/s: 2,000 members within two seconds); the
            time from each tap's arrival to its callback answer gives p50/p99. It runs again at
            half the burst ceiling measured in the same run: a load relative to this machine,
            so that p99 compares across machines (the fixed rate does not).
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
import resource
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Dispatcher, F, Router
from aiogram.types import CallbackQuery
from sqlalchemy import func, select

from bench.common import InProcessSession, callback_update, storm, summary
from bot.clock import ManualClock
from bot.config import load_settings
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.models import Checkin
from bot.factory import create_app, create_bot, create_dispatcher
from bot.features import create_states
from bot.services import ledger
from bot.services.groups import register
from bot.views.checkin import CheckinCb

GROUP = -1001234567890
DATA = CheckinCb().pack()





async def ceiling(n: int, rate: float | None) -> tuple[float, list[float], int]:
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
    return await storm(dp, bot, session, updates, rate)


async def checkin(n: int, db_path: Path, rate: float | None) -> tuple[float, list[float], int, str]:
    url = f"sqlite+aiosqlite:///{db_path}"
    await asyncio.to_thread(upgrade, url)
    settings = load_settings(bot_token="42:bench", database_url=url, timezone="Asia/Shanghai")
    session = InProcessSession()
    bot = create_bot(settings, "42:bench", session=session)
    db = Database(url)
    app = create_app(settings, bot, db=db, clock=ManualClock(datetime(2026, 3, 1, 2, 0, tzinfo=UTC)))
    async with db.session() as s:
        await register(s, chat_id=GROUP, title="Bench group", label="vip", by=1, now=app.clock.now())
    dp = create_dispatcher(app, create_states(app))
    updates = [callback_update(i + 1, 10_000 + i, GROUP, 7, DATA) for i in range(n)]
    try:
        elapsed, latencies, answered = await storm(dp, bot, session, updates, rate)
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
    parser.add_argument("--rate", type=float, default=1000.0, help="paced arrival rate, taps/s")
    args = parser.parse_args()
    n = args.members
    with tempfile.TemporaryDirectory() as tmp:
        await ceiling(min(n, 200), None)  # warm up imports and code paths
        cb_elapsed, _cb_lat, cb_ans = await ceiling(n, None)
        _cp_elapsed, cp_lat, cp_ans = await ceiling(n, args.rate)
        rb_elapsed, _rb_lat, rb_ans, _ = await checkin(n, Path(tmp) / "burst.db", None)
        _rp_elapsed, rp_lat, rp_ans, check = await checkin(n, Path(tmp) / "paced.db", args.rate)
        half = cb_ans / cb_elapsed / 2
        _ch_elapsed, ch_lat, ch_ans = await ceiling(n, half)
        _rh_elapsed, rh_lat, rh_ans, _ = await checkin(n, Path(tmp) / "half.db", half)
    c_rate, r_rate = cb_ans / cb_elapsed, rb_ans / rb_elapsed
    print(f"checkin_storm: {n} members tap check-in (SQLite file, real Dispatcher)")
    print(f"  burst  ceiling (answer only): {c_rate:6.0f} taps/s   check-in: {r_rate:6.0f} taps/s "
          f"  answered {cb_ans}/{n} and {rb_ans}/{n}")
    print(f"  paced at {args.rate:.0f} taps/s, arrival -> callback answer:")
    print(f"    ceiling : answered {cp_ans}/{n}  {summary(cp_lat)}")
    print(f"    check-in: answered {rp_ans}/{n}  {summary(rp_lat)}")
    print(f"  paced at half the ceiling ({half:.0f} taps/s), arrival -> callback answer:")
    print(f"    ceiling : answered {ch_ans}/{n}  {summary(ch_lat)}")
    print(f"    check-in: answered {rh_ans}/{n}  {summary(rh_lat)}")
    print(f"  {check}")
    print(f"  ratio to ceiling (burst taps/s): {r_rate / c_rate:.2f}   (targets: ratio >= 0.3, p99 < 1000 ms)")
    print(f"  peak memory (whole process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    ok = rb_ans == n and rp_ans == n and rh_ans == n
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
