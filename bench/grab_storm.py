"""Grab storm: N members tap one red packet's button at once, through the real Dispatcher.

    .venv/bin/python bench/grab_storm.py [--members 5000] [--shares 1000] [--rate 1500]

Two load shapes, each run on both pipelines below:
  * burst — all N taps handed to the dispatcher at the same instant: the saturation rate (taps/s);
  * paced — taps arrive the way long polling delivers them, in chunks of 100 (getUpdates' limit)
            at --rate taps/s; the time from each tap's arrival to its callback answer gives p50/p99.
            It runs again at half the burst ceiling measured in the same run: a load relative to
            this machine, so that p99 compares across machines (the fixed rate does not).
Measures, in one run and on the same machine:
  * ceiling — the same pipeline (the bot's dispatcher with its throttle, context and transaction
              middlewares, request middleware and session, on the same SQLite file) with a handler
              that only answers the callback query: the framework's own limit for this bot;
  * grab    — the real Regulars red-packet handler: the first --shares taps win a share
              (group-committed claims and ledger credits), the rest are told "all gone".
Prints taps/s, p50/p99 arrival -> callback answer, the ratio, and checks the books.
Targets (issue #4, SQLite, 2 cores): p99 answer < 1 s, >= 1,500 taps/s processed, ratio >= 0.3.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import F, Router
from aiogram.types import CallbackQuery
from sqlalchemy import func, select

from bench.common import InProcessSession, callback_update, storm, summary
from bot.clock import ManualClock
from bot.config import load_settings
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.models import RedPacketShare
from bot.factory import create_app, create_bot, create_dispatcher
from bot.features import create_states
from bot.outbox import Outbox
from bot.services import ledger
from bot.services import redpackets as service
from bot.services.groups import register
from bot.views.redpackets import GrabCb, RedPackets
from games.points import Reason
from games.redpacket import PacketSpec

GROUP = -1001234567890
MESSAGE_ID = 7
CHUNK = 100




async def _run(n: int, shares: int, db_path: Path, rate: float | None, *, real: bool
               ) -> tuple[float, list[float], int, str]:
    url = f"sqlite+aiosqlite:///{db_path}"
    await asyncio.to_thread(upgrade, url)
    settings = load_settings(bot_token="42:bench", database_url=url, timezone="Asia/Shanghai")
    session = InProcessSession()
    bot = create_bot(settings, "42:bench", session=session)
    db = Database(url)
    app = create_app(settings, bot, db=db, clock=ManualClock(datetime(2026, 3, 1, 2, 0, tzinfo=UTC)))
    states = create_states(app)
    red_packets: RedPackets = states["red_packets"]
    red_packets.debouncer.first_delay = 0.5
    now = app.clock.now()
    async with db.session() as s:
        await register(s, chat_id=GROUP, title="Bench group", label="vip", by=1, now=now)
        await ledger.ensure_shop_account(s, now)
        await ledger.move(s, user_id=ledger.SHOP_ACCOUNT, amount=shares * 10, reason=Reason.BUDGET,
                          key="budget:bench", now=now)
        created = await service.create_packet(s, chat_id=GROUP, funder_id=ledger.SHOP_ACCOUNT, actor_id=1,
                                              spec=PacketSpec(shares * 10, shares), source_key="bench", now=now,
                                              rng=random.Random(1))
        packet_id = created.packet.id
        assert packet_id is not None
        await service.set_message(s, packet_id, MESSAGE_ID)
    data = GrabCb(id=packet_id).pack()
    routers = None
    if not real:
        router = Router()

        @router.callback_query(F.data == data)
        async def only_answer(query: CallbackQuery, out: Outbox) -> None:
            out.popup("ok")

        routers = [router]
    dp = create_dispatcher(app, states, routers)
    updates = [callback_update(i + 1, 10_000 + i, GROUP, MESSAGE_ID, data) for i in range(n)]
    try:
        elapsed, latencies, answered = await storm(dp, bot, session, updates, rate)
        await red_packets.debouncer.close()
        async with db.reader() as s:
            claims = (await s.execute(select(func.count(), func.count(func.distinct(RedPacketShare.user_id)))
                                      .where(RedPacketShare.user_id.is_not(None)))).one()  # type: ignore[union-attr]
            problems = [*(await ledger.audit(s)), *(await service.accounting(s))]
        edits = session.calls.count("EditMessageText")
        books = "balanced" if not problems else "BROKEN"
        check = (f"{claims[0]} shares claimed by {claims[1]} members, books {books}; "
                 f"{db.batches} commits for {db.batched_jobs} writes" + (f"; {edits} message edits" if real else ""))
        await app.coalescer.close()
    finally:
        await db.close()
    return elapsed, latencies, answered, check


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--shares", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1500.0, help="paced arrival rate, taps/s")
    args = parser.parse_args()
    n, shares = args.members, args.shares
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        await _run(min(n, 300), min(shares, 100), d / "warm.db", None, real=True)  # warm up code paths
        cb_elapsed, _, cb_ans, _ = await _run(n, shares, d / "cb.db", None, real=False)
        _, cp_lat, cp_ans, _ = await _run(n, shares, d / "cp.db", args.rate, real=False)
        gb_elapsed, _, gb_ans, burst_check = await _run(n, shares, d / "gb.db", None, real=True)
        _, gp_lat, gp_ans, paced_check = await _run(n, shares, d / "gp.db", args.rate, real=True)
        half = cb_ans / cb_elapsed / 2
        _, ch_lat, ch_ans, _ = await _run(n, shares, d / "ch.db", half, real=False)
        _, gh_lat, gh_ans, half_check = await _run(n, shares, d / "gh.db", half, real=True)
    c_rate, g_rate = cb_ans / cb_elapsed, gb_ans / gb_elapsed
    print(f"grab_storm: {n} members tap one {shares}-share red packet (SQLite file, real Dispatcher)")
    print(f"  burst  ceiling (answer only): {c_rate:6.0f} taps/s   grab: {g_rate:6.0f} taps/s "
          f"  answered {cb_ans}/{n} and {gb_ans}/{n}")
    print(f"    {burst_check}")
    print(f"  paced at {args.rate:.0f} taps/s, arrival -> callback answer:")
    print(f"    ceiling: answered {cp_ans}/{n}  {summary(cp_lat)}")
    print(f"    grab   : answered {gp_ans}/{n}  {summary(gp_lat)}")
    print(f"    {paced_check}")
    print(f"  paced at half the ceiling ({half:.0f} taps/s), arrival -> callback answer:")
    print(f"    ceiling: answered {ch_ans}/{n}  {summary(ch_lat)}")
    print(f"    grab   : answered {gh_ans}/{n}  {summary(gh_lat)}")
    print(f"    {half_check}")
    print(f"  ratio to ceiling (burst taps/s): {g_rate / c_rate:.2f}   "
          "(targets: >= 1,500 taps/s, ratio >= 0.3, p99 < 1000 ms)")
    print(f"  peak memory (whole process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0 if gb_ans == n and gp_ans == n and gh_ans == n else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
