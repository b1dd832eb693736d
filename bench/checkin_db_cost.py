"""What a check-in costs in the database alone (no Dispatcher): statements and time, for the
group-committed bulk path (a stampede) and the single path (a quiet moment).

    .venv/bin/python bench/checkin_db_cost.py [--members 1000] [--days 5] [--repeat 3]

Runs the same workload on a fresh SQLite file ``--repeat`` times and prints the best run (the least
disturbed by other processes on a shared machine). Written to compare the check-in path before and
after member tiers (the tier multiplier is read on it): run it in both checkouts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event

from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.services import checkin
from bot.services.people import Profile, upsert_user

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


async def one_run(members: int, days: int) -> tuple[float, int, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/cost.db"
        await asyncio.to_thread(upgrade, url)
        db = Database(url)
        statements = [0]

        def count(*_args: Any) -> None:
            statements[0] += 1

        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            async with db.session() as session:
                for uid in range(1, members + 1):
                    await upsert_user(session, Profile(uid, f"U{uid}", None, None, "en", False), START)
            statements[0] = 0
            began = time.perf_counter()
            for day in range(days):  # the stampede: each day's taps in batches of 500
                now = START + timedelta(days=day)
                items = [checkin.CheckinRequest(uid, None, now.date(), now) for uid in range(1, members + 1)]
                for start in range(0, members, 500):
                    async with db.session() as session:
                        await checkin.CHECKIN_OP.bulk(session, items[start:start + 500])
            bulk_s, bulk_statements = time.perf_counter() - began, statements[0]
            statements[0] = 0
            began = time.perf_counter()
            now = START + timedelta(days=days)
            for uid in range(1, members + 1):  # a quiet day: one check-in per transaction
                async with db.session() as session:
                    await checkin.check_in(session, user_id=uid, chat_id=None, today=now.date(), now=now)
            return bulk_s, bulk_statements, time.perf_counter() - began, statements[0]
        finally:
            await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [await one_run(args.members, args.days) for _ in range(args.repeat)]
    bulk = min(r[0] for r in runs)
    single = min(r[2] for r in runs)
    taps = args.members * args.days
    print(f"checkin_db_cost: {args.members} members, best of {args.repeat} runs")
    print(f"  bulk   ({taps} check-ins in batches of 500): {taps / bulk:7.0f} check-ins/s, "
          f"{runs[0][1]} statements ({runs[0][1] / (taps / 500):.1f} per batch)")
    print(f"  single ({args.members} check-ins, one transaction each): {args.members / single:7.0f} check-ins/s, "
          f"{runs[0][3] / args.members:.1f} statements each")


if __name__ == "__main__":
    asyncio.run(main())
