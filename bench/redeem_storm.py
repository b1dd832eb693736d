"""Redeem storm: N members confirm the same reward (a pool of codes) at once, through the real Dispatcher.

    .venv/bin/python bench/redeem_storm.py [--members 2000] [--codes 100] [--rate 1000]

Each member has the confirmation message of a reward with --codes coupon codes open in their private
chat and taps "Confirm". Two load shapes, each on both pipelines below:
  * burst — all N taps handed to the dispatcher at the same instant: the saturation rate (taps/s);
  * paced — taps arrive in chunks of 100 (getUpdates' limit) at half the burst ceiling measured in
            the same run; the time from each tap's arrival to its callback answer gives p50/p99.
Measures, in one run and on the same machine:
  * ceiling — the same pipeline (the bot's dispatcher with its middlewares and session, the same
              SQLite file) with a handler that only answers the callback query;
  * redeem  — the real Regulars redemption: the first --codes taps redeem (group-committed
              redemptions, codes, counters and ledger debits; the code is sent in private), the
              rest are told "sold out".
Checks: exactly --codes redemptions with --codes distinct codes, every tap answered, the books and the
rewards' accounting balance. Target (issue #13): ratio to the ceiling >= 0.5.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import F, Router
from aiogram.types import CallbackQuery
from sqlalchemy import func, select

from bench.common import BOT_ID, InProcessSession, storm, summary
from bot.clock import ManualClock
from bot.config import load_settings
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.models import Redemption
from bot.factory import create_app, create_bot, create_dispatcher
from bot.features import create_states
from bot.outbox import Outbox
from bot.services import ledger, people
from bot.services import rewards as service
from bot.views.rewards import RewardCb
from games import rewards as rules
from games.points import Reason

CONFIRM_MESSAGE = 5  # the confirmation prompt's id in each member's private chat
FIRST_MEMBER = 10_000


def private_callback(update_id: int, user_id: int, data: str) -> dict[str, Any]:
    """A tap on the bot's message ``CONFIRM_MESSAGE`` in ``user_id``'s private chat."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq{update_id}",
            "from": {"id": user_id, "is_bot": False, "first_name": f"Member{user_id}", "language_code": "en"},
            "chat_instance": f"p{user_id}",
            "data": data,
            "message": {
                "message_id": CONFIRM_MESSAGE, "date": 1_700_000_000,
                "chat": {"id": user_id, "type": "private", "first_name": f"Member{user_id}"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Regulars"},
                "text": "Redeem Coupon for 100 points?",
            },
        },
    }


async def _run(n: int, codes: int, db_path: Path, rate: float | None, *, real: bool
               ) -> tuple[float, float, list[float], int, str]:
    url = f"sqlite+aiosqlite:///{db_path}"
    await asyncio.to_thread(upgrade, url)
    settings = load_settings(bot_token="42:bench", database_url=url, timezone="Asia/Shanghai")
    session = InProcessSession()
    bot = create_bot(settings, "42:bench", session=session)
    db = Database(url)
    app = create_app(settings, bot, db=db, clock=ManualClock(datetime(2026, 3, 1, 2, 0, tzinfo=UTC)))
    states = create_states(app)
    now = app.clock.now()
    members = list(range(FIRST_MEMBER, FIRST_MEMBER + n))
    async with db.session() as s:
        for uid in members:
            await people.upsert_user(s, people.Profile(uid, f"Member{uid}", None, None, "en", False), now)
        await ledger.bulk_credit(s, [ledger.Credit(uid, 500, Reason.GRANT, f"bench:{uid}") for uid in members], now)
        reward_id = await service.add_reward(s, rules.RewardSpec("Coupon", 100), 1, now)
        await service.add_codes(s, reward_id, [f"COUPON-{i:05d}" for i in range(codes)], 1, now)
    data = RewardCb(action="ok", id=reward_id).pack()
    routers = None
    if not real:
        router = Router()

        @router.callback_query(F.data == data)
        async def only_answer(query: CallbackQuery, out: Outbox) -> None:
            out.popup("ok")

        routers = [router]
    dp = create_dispatcher(app, states, routers)
    updates = [private_callback(i + 1, uid, data) for i, uid in enumerate(members)]
    try:
        started = time.perf_counter()
        elapsed, latencies, answered = await storm(dp, bot, session, updates, rate)
        # A tap is served when it is answered; the redeemers' codes then go out at Telegram's pace
        # (30 messages/s overall), which the "all done" time includes.
        answered_in = max(session.answered.values()) - started if session.answered else elapsed
        async with db.reader() as s:
            got = (await s.execute(select(func.count(), func.count(func.distinct(Redemption.code)),
                                          func.count(func.distinct(Redemption.user_id))))).one()
            problems = [*(await ledger.audit(s)), *(await service.accounting(s))]
        sent = session.calls.count("SendMessage")
        books = "balanced" if not problems else f"BROKEN {problems[:3]}"
        check = (f"{got[0]} redemptions, {got[1]} distinct codes, {got[2]} members; books and rewards {books}; "
                 f"{db.batches} commits for {db.batched_jobs} writes; {sent} codes sent in private")
        if real and (got[0] != min(codes, n) or got[1] != min(codes, n) or problems):
            check = "FAILED: " + check
        await app.coalescer.close()
    finally:
        await db.close()
    return answered_in, elapsed, latencies, answered, check


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--codes", type=int, default=100)
    args = parser.parse_args()
    n, codes = args.members, args.codes
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        await _run(min(n, 300), min(codes, 30), d / "warm.db", None, real=True)  # warm up code paths
        cb_answered, cb_elapsed, _, cb_ans, _ = await _run(n, codes, d / "cb.db", None, real=False)
        rb_answered, rb_elapsed, _, rb_ans, burst_check = await _run(n, codes, d / "rb.db", None, real=True)
        half = cb_ans / cb_elapsed / 2
        _, _, ch_lat, ch_ans, _ = await _run(n, codes, d / "ch.db", half, real=False)
        _, _, rh_lat, rh_ans, half_check = await _run(n, codes, d / "rh.db", half, real=True)
    c_rate, r_rate = cb_ans / cb_answered, rb_ans / rb_answered
    ratio = r_rate / c_rate
    print(f"redeem_storm: {n} members confirm one reward with {codes} codes at once (SQLite file, real Dispatcher)")
    print(f"  burst  ceiling (answer only): {c_rate:6.0f} taps/s   redeem: {r_rate:6.0f} taps/s "
          f"  answered {cb_ans}/{n} and {rb_ans}/{n}")
    print(f"    all work done (codes delivered in private at Telegram's pace) in {rb_elapsed:.1f} s "
          f"({rb_ans / rb_elapsed:.0f} taps/s; ceiling {cb_elapsed:.1f} s)")
    print(f"    {burst_check}")
    print(f"  paced at half the ceiling ({half:.0f} taps/s), arrival -> callback answer:")
    print(f"    ceiling: answered {ch_ans}/{n}  {summary(ch_lat)}")
    print(f"    redeem : answered {rh_ans}/{n}  {summary(rh_lat)}")
    print(f"    {half_check}")
    print(f"  ratio to ceiling (burst taps answered/s): {ratio:.2f}   (target: ratio >= 0.5)")
    print(f"  peak memory (whole process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    ok = rb_ans == n and rh_ans == n and not burst_check.startswith("FAILED") and not half_check.startswith("FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
