"""A large shop on one box: builds it with the project's migrations, then measures what staff and
customers do to it (issue 14).

    .venv/bin/python bench/scale.py [--members 100000] [--postgres [--pg-url URL]] [--keep PATH] [--cache DIR]

The shop, scaled by --members (default 100,000): members in 20 groups, ~11 check-ins each over the
last 60 days (1.1 M check-ins and 1.1 M ledger entries at 100k), 20,000 linked orders, 5,000 tagged
members. Rows are written in bulk, but every invariant ``regulars doctor`` checks holds (balances =
sums of entries, running balances, order summaries), and doctor is run on it. With --cache DIR the
built SQLite file is kept in DIR (one per --members) and later runs start from a copy of it.

Measured on SQLite (and with --postgres on PostgreSQL), the real Dispatcher with an in-process Bot
API (no network; the Telegram rate limiter opened wide, so the bot is measured, not Telegram's
pacing):
  segment_ms             /segment "purchased and not dormant or tag:vip", arrival -> reply (median of 5)
  segment_write_lock_ms  time the command spent in write transactions (the write lock on SQLite)
  loop_block_max_ms      the event loop's longest stall while staff run /segment, /top, /me, /audit
  segment_check_ms       one member's segment check (mean of 300 random members, read snapshot)
  grab_segment_ratio     taps/s on a for=repeat packet / taps/s on a plain packet (bursts, same run,
                         three rounds of each, alternating)
  join_burst_p99_ms      100 join requests at once to a group with a segment= gate, arrival -> approval
  export_ledger_*        ``regulars export ledger`` in a fresh process: peak RSS, rows/s
  doctor_s               ``regulars doctor`` in a fresh process, wall clock
  checkin_p99_ratio      check-in p99 at half the ceiling on the big DB / on an empty DB (same run; the
                         empty storm runs before and after the big one, their p99s averaged)
  gc_pause_max_ms        the longest garbage collection while the bot runs, wall clock (after start-up;
                         the longest in CPU time is printed beside it: the rest is waiting for a core)
  database_locked        "database is locked" errors seen anywhere in the run
Prints a table, then one line ``RESULT {json}`` (with --postgres, the PostgreSQL figures under "postgres").
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot
from aiogram.methods import ApproveChatJoinRequest, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from sqlalchemy import text, update

from bench.checkin_storm import ceiling
from bench.checkin_storm import checkin as empty_checkin
from bench.common import InProcessSession, callback_update, percentile, storm
from bot.app import App
from bot.clock import ManualClock
from bot.config import load_settings
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.models import (
    Checkin,
    Group,
    GroupMember,
    LedgerEntry,
    Member,
    Order,
    OrderTotals,
    Streak,
    User,
    UserTag,
)
from bot.directory import Directory
from bot.factory import create_app, create_bot, create_dispatcher, running
from bot.features import create_states
from bot.limiter import RateLimiter
from bot.middlewares import ThrottleMiddleware
from bot.services import ledger
from bot.services import redpackets as packet_service
from bot.services import segments as segment_service
from bot.services.groups import register
from bot.services.people import Profile
from bot.views.checkin import CheckinCb
from bot.views.redpackets import GrabCb, RedPackets
from games import segments
from games.checkin import local_day
from games.points import Reason, checkin_key
from games.redpacket import SEGMENT_PREFIX, PacketSpec

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, as bench/checkin_storm.py
TZ = "Asia/Shanghai"
GROUPS = [-1001000000000 - i for i in range(20)]
OWNERS = list(range(1, 11))  # staff run reports from their own private chats (one reply each)
FIRST_MEMBER = 1_000_000
SEGMENT = "purchased and not dormant or tag:vip"
TAGS = ("vip", "wholesale", "b2b")
CHUNK = 20_000
GRAB_ROUNDS = 3  # plain and for=repeat packets, alternating
TARGETS = {
    "segment_ms": ("<=", 300), "segment_write_lock_ms": ("==", 0), "loop_block_max_ms": ("<=", 100),
    "segment_check_ms": ("<=", 5), "grab_segment_ratio": (">=", 0.8), "join_burst_p99_ms": ("<=", 1000),
    "export_ledger_peak_mib": ("<=", 300), "doctor_s": ("<=", 10), "checkin_p99_ratio": ("<=", 1.5),
    "gc_pause_max_ms": ("<=", 50), "database_locked": ("==", 0),
}


def table(model: Any) -> Any:
    return model.__table__


# ---- building the shop --------------------------------------------------------------------------

def _checkin_days(rng: random.Random, today: date) -> list[date]:
    k = rng.randint(1, 21)  # 11 on average
    return sorted(today - timedelta(days=d) for d in rng.sample(range(1, 61), k))


def _member_rows(uid: int, rng: random.Random, today: date) -> dict[str, list[dict[str, Any]]]:
    """One member's rows: user, wallet, group memberships, check-ins with their ledger credits, streak."""
    seen = NOW - timedelta(days=rng.randint(0, 400), seconds=rng.randint(0, 86_399))
    out: dict[str, list[dict[str, Any]]] = {"users": [], "members": [], "group_members": [], "checkins": [],
                                            "ledger": [], "streaks": []}
    out["users"].append({"id": uid, "first_name": f"U{uid}", "last_name": None, "username": None,
                         "language_code": "en", "is_bot": False, "first_seen_at": seen, "updated_at": seen})
    home = GROUPS[uid % len(GROUPS)]
    chats = [home] + ([GROUPS[(uid // 7) % len(GROUPS)]] if uid % 5 == 0 else [])
    for chat in dict.fromkeys(chats):
        out["group_members"].append({"chat_id": chat, "user_id": uid, "first_seen_at": seen})
    balance = 0
    streak = 0
    previous: date | None = None
    days = _checkin_days(rng, local_day(NOW, _tz()))
    for day in days:
        streak = streak + 1 if previous is not None and (day - previous).days == 1 else 1
        points = 5 + (20 if streak % 7 == 0 else 0)
        balance += points
        at = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC) + timedelta(seconds=uid % 3600)
        out["checkins"].append({"user_id": uid, "day": day, "chat_id": home, "streak": streak, "points": points,
                                "created_at": at})
        out["ledger"].append({"user_id": uid, "amount": points, "balance_after": balance, "reason": "checkin",
                              "ref": None, "idempotency_key": checkin_key(uid, day), "actor_id": None,
                              "created_at": at})
        previous = day
    out["members"].append({"user_id": uid, "balance": balance, "lifetime_points": balance, "created_at": seen})
    if days:
        out["streaks"].append({"user_id": uid, "streak": streak, "last_checkin_day": days[-1],
                               "checkins_total": len(days)})
    return out


def _tz() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(TZ)


def _remove_sqlite(url: str) -> None:
    path = url.removeprefix("sqlite+aiosqlite:///")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def _reset(url: str) -> None:
    if url.startswith("sqlite"):
        _remove_sqlite(url)
        return
    db = Database(url)
    async with db.session() as s:
        await s.execute(text("DROP SCHEMA public CASCADE"))
        await s.execute(text("CREATE SCHEMA public"))
    await db.close()


async def build(url: str, members: int, seed: int = 14) -> dict[str, int]:
    """The shop, built with the migrations and bulk inserts; returns row counts."""
    await _reset(url)
    await asyncio.to_thread(upgrade, url)
    rng = random.Random(seed)
    today = local_day(NOW, _tz())
    db = Database(url)
    counts: dict[str, int] = {}
    order = ["users", "members", "group_members", "streaks", "checkins", "ledger"]
    tables = {"users": table(User), "members": table(Member), "group_members": table(GroupMember),
              "streaks": table(Streak), "checkins": table(Checkin), "ledger": table(LedgerEntry)}
    try:
        async with db.session() as s:
            for i, chat in enumerate(GROUPS):
                await register(s, chat_id=chat, title=f"Group {i + 1}", label="vip" if i == 0 else "general",
                               by=OWNERS[0], now=NOW - timedelta(days=400))
        uids = list(range(FIRST_MEMBER, FIRST_MEMBER + members))
        for start in range(0, members, CHUNK // 10):
            batch: dict[str, list[dict[str, Any]]] = {name: [] for name in order}
            for uid in uids[start:start + CHUNK // 10]:
                for name, rows in _member_rows(uid, rng, today).items():
                    batch[name].extend(rows)
            async with db.session() as s:
                for name in order:
                    if batch[name]:
                        await s.execute(tables[name].insert(), batch[name])
                        counts[name] = counts.get(name, 0) + len(batch[name])
        # 20,000 linked orders (at 100k members) to 12% of the members, some repeat buyers.
        n_orders = members // 5
        buyers = rng.sample(uids, k=max(1, members * 12 // 100))
        order_rows: list[dict[str, Any]] = []
        for i in range(n_orders):
            uid = buyers[i % len(buyers)] if i < len(buyers) else rng.choice(buyers)
            paid = NOW - timedelta(days=rng.randint(0, 400), seconds=rng.randint(0, 86_399))
            order_rows.append({"order_id": f"T{i:07d}", "amount_cents": rng.randint(500, 50_000), "currency": "CNY",
                               "paid_at": paid, "check_hash": "x" * 64, "user_id": uid, "bound_at": paid,
                               "imported_at": paid})
        totals: dict[int, tuple[int, datetime]] = {}
        for row in order_rows:
            n, last = totals.get(row["user_id"], (0, row["paid_at"]))
            totals[row["user_id"]] = (n + 1, max(last, row["paid_at"]))
        tag_rows = []
        for uid in rng.sample(uids, k=max(1, members // 20)):
            for tag in rng.sample(TAGS, k=rng.choice([1, 1, 2])):
                tag_rows.append({"user_id": uid, "tag": tag, "added_by": OWNERS[0], "added_at": NOW})
        async with db.session() as s:
            for start in range(0, len(order_rows), CHUNK):
                await s.execute(table(Order).insert(), order_rows[start:start + CHUNK])
            await s.execute(table(OrderTotals).insert(), [
                {"user_id": uid, "orders": n, "last_paid_at": last} for uid, (n, last) in totals.items()])
            await s.execute(table(UserTag).insert(), tag_rows)
            await ledger.ensure_shop_account(s, NOW)
            await ledger.move(s, user_id=ledger.SHOP_ACCOUNT, amount=10_000_000, reason=Reason.BUDGET,
                              key="budget:scale", now=NOW)
        counts.update(orders=len(order_rows), buyers=len(totals), tags=len(tag_rows),
                      tagged=len({r["user_id"] for r in tag_rows}))
        if not url.startswith("sqlite"):
            async with db.session() as s:
                await s.execute(text("ANALYZE"))
        else:
            async with db.session() as s:
                await s.execute(text("ANALYZE"))
    finally:
        await db.close()
    return counts


# ---- the bot, in process ------------------------------------------------------------------------

class RecordingSession(InProcessSession):
    """Also timestamps join-request approvals and messages, per chat."""

    def __init__(self) -> None:
        super().__init__()
        self.approved: dict[int, float] = {}
        self.messages: dict[int, list[float]] = {}

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:  # noqa: ASYNC109 (aiogram's signature)
        if isinstance(method, ApproveChatJoinRequest):
            self.approved[int(method.user_id)] = time.perf_counter()
        elif isinstance(method, SendMessage):
            self.messages.setdefault(int(method.chat_id), []).append(time.perf_counter())
        return await super().make_request(bot, method, timeout)


class LockedCounter(logging.Handler):
    """Counts "database is locked" anywhere in the logs (messages and tracebacks)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        text_ = record.getMessage() + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
        if "database is locked" in text_.lower():
            self.count += 1


class LoopLag:
    """The event loop's stalls: a task asks to wake every 2 ms and records how late it is."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(0.002)
            self.worst = max(self.worst, loop.time() - t - 0.002)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._watch())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


class GcPauses:
    """Each collection's wall-clock pause, and the CPU time it took (on a shared machine the wall
    clock also counts the time the process waited for a core)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self.cpu: list[float] = []
        self._start = 0.0
        self._start_cpu = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
            self._start_cpu = time.thread_time()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._start))
            self.cpu.append(time.thread_time() - self._start_cpu)


def _message(update_id: int, user_id: int, text_: str) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(NOW.timestamp()),
        "chat": {"id": user_id, "type": "private", "first_name": "Staff"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Staff", "language_code": "en"},
        "text": text_}}


def _join(update_id: int, user_id: int, chat_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "chat_join_request": {
        "chat": {"id": chat_id, "type": "supergroup", "title": "Group"},
        "from": {"id": user_id, "is_bot": False, "first_name": f"Applicant{user_id}", "language_code": "en"},
        "user_chat_id": user_id, "date": int(NOW.timestamp())}}


class WriteTimer:
    """Time spent in write transactions (``Database.session``) while it is on."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.total = 0.0
        self.opened = 0
        self._original = db.session

    def __enter__(self) -> WriteTimer:
        from contextlib import asynccontextmanager

        original = self._original

        @asynccontextmanager
        async def timed() -> Any:
            start = time.perf_counter()
            self.opened += 1
            try:
                async with original() as session:
                    yield session
            finally:
                self.total += time.perf_counter() - start

        self.db.session = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.session = self._original  # type: ignore[method-assign]


class Updates:
    def __init__(self) -> None:
        self.n = 10_000_000

    def next(self) -> int:
        self.n += 1
        return self.n


async def measure_bot(url: str, members: int, taps: int, storm_n: int, half_rate: float, seed: int = 7
                      ) -> dict[str, Any]:
    rng = random.Random(seed)
    settings = load_settings(bot_token="42:bench", database_url=url, timezone=TZ,
                             owner_ids=",".join(map(str, OWNERS)))
    session = RecordingSession()
    limiter = RateLimiter(global_per_second=100_000, group_per_minute=100_000, private_per_second=100_000.0,
                          private_burst=100_000)
    bot = create_bot(settings, "42:bench", session=session, limiter=limiter)
    db = Database(url)
    app: App = create_app(settings, bot, db=db, clock=ManualClock(NOW))
    states = create_states(app)
    red_packets: RedPackets = states["red_packets"]
    red_packets.debouncer.first_delay = 0.5
    dp = create_dispatcher(app, states)
    ids = Updates()
    result: dict[str, Any] = {}
    pauses = GcPauses()
    uids = list(range(FIRST_MEMBER, FIRST_MEMBER + members))
    async with running(app, bot, states, scheduler=False, menus=False):
        gc.callbacks.append(pauses)
        try:
            # /segment and the other reports, each from its own staff chat; the loop watched meanwhile.
            seg_times: list[float] = []
            with LoopLag() as lag, WriteTimer(db) as writes:
                for i in range(5):
                    owner = OWNERS[i]
                    start = time.perf_counter()
                    await dp.feed_raw_update(bot, _message(ids.next(), owner, f"/segment {SEGMENT}"))
                    seg_times.append(session.messages[owner][-1] - start)
                seg_lock = writes.total
                seg_writes = writes.opened
                for i, command in enumerate(["/top", "/me", "/audit"]):
                    await dp.feed_raw_update(bot, _message(ids.next(), OWNERS[5 + i], command))
            result["segment_ms"] = statistics.median(seg_times) * 1000
            result["segment_write_lock_ms"] = seg_lock * 1000
            result["segment_write_transactions"] = seg_writes
            result["loop_block_max_ms"] = lag.worst * 1000
            # One member's check, on a read snapshot (as the gate and GrabOp.prepare do it).
            expr = segments.parse(SEGMENT)
            today = local_day(NOW, _tz())
            checks = []
            with LoopLag() as lag:
                for uid in rng.sample(uids, 300):
                    start = time.perf_counter()
                    async with db.reader() as s:
                        await segment_service.contains(s, expr, uid, NOW, today)
                    checks.append(time.perf_counter() - start)
            result["segment_check_ms"] = statistics.fmean(checks) * 1000
            result["segment_check_p99_ms"] = percentile(checks, 99) * 1000
            result["loop_block_max_ms"] = max(result["loop_block_max_ms"], lag.worst * 1000)
            # Grabs: a plain packet and a for=repeat packet, the same number of taps at once, in
            # GRAB_ROUNDS rounds that alternate which goes first (the machine's load drifts).
            answered_by: dict[str, int] = {}
            elapsed_by: dict[str, float] = {}
            tappers = rng.sample(uids, 2 * taps)
            kinds = ["all", SEGMENT_PREFIX + "repeat"]
            for r in range(GRAB_ROUNDS):
                for k, eligibility in enumerate(kinds if r % 2 == 0 else kinds[::-1]):
                    n = 2 * r + k
                    async with db.session() as s:
                        created = await packet_service.create_packet(
                            s, chat_id=GROUPS[1], funder_id=ledger.SHOP_ACCOUNT, actor_id=OWNERS[0],
                            spec=PacketSpec(taps * 10, taps, eligibility=eligibility), source_key=f"scale:{n}",
                            now=NOW, rng=random.Random(n))
                        packet_id = created.packet.id
                        assert packet_id is not None
                        await packet_service.set_message(s, packet_id, 500 + n)
                    data = GrabCb(id=packet_id).pack()
                    group = tappers[:taps] if eligibility == "all" else tappers[taps:]
                    updates = [callback_update(ids.next(), uid, GROUPS[1], 500 + n, data) for uid in group]
                    elapsed, _lat, answered = await storm(dp, bot, session, updates, None)
                    answered_by[eligibility] = answered_by.get(eligibility, 0) + answered
                    elapsed_by[eligibility] = elapsed_by.get(eligibility, 0.0) + elapsed
            rates = {kind: answered_by[kind] / elapsed_by[kind] for kind in kinds}
            result["grab_plain_taps_per_s"] = rates["all"]
            result["grab_segment_taps_per_s"] = rates[SEGMENT_PREFIX + "repeat"]
            result["grab_segment_ratio"] = rates[SEGMENT_PREFIX + "repeat"] / rates["all"]
            # 100 join requests at once to a group gated by a segment.
            gated = GROUPS[2]
            async with db.session() as s:
                await s.execute(update(table(Group)).where(table(Group).c.chat_id == gated)
                                .values(gate_segment=SEGMENT, gate_mode="all"))
            applicants = rng.sample(uids, 100)
            arrival = time.perf_counter()
            await asyncio.gather(*(dp.feed_raw_update(bot, _join(ids.next(), uid, gated)) for uid in applicants))
            await _settle(lambda: all(uid in session.approved or uid in session.messages for uid in applicants))
            waits = [(session.approved.get(uid) or session.messages[uid][-1]) - arrival for uid in applicants]
            result["join_burst_p99_ms"] = percentile(waits, 99) * 1000
            result["join_approved"] = sum(uid in session.approved for uid in applicants)
            # Check-in storm on the big DB, paced at half the (empty) ceiling.
            chat = GROUPS[3]
            storm_members = [uid for uid in rng.sample(uids, storm_n)]
            updates = [callback_update(ids.next(), uid, chat, 7, CheckinCb().pack()) for uid in storm_members]
            _elapsed, latencies, answered = await storm(dp, bot, session, updates, half_rate)
            result["checkin_big_p99_ms"] = percentile(latencies, 99) * 1000
            result["checkin_big_answered"] = answered
        finally:
            gc.callbacks.remove(pauses)
            await red_packets.debouncer.close()
    result["gc_pause_max_ms"] = max((p for _g, p in pauses.pauses), default=0.0) * 1000
    result["gc_full_collections"] = sum(1 for g, _p in pauses.pauses if g == 2)
    result["gc_collections"] = len(pauses.pauses)
    result["gc_cpu_max_ms"] = max(pauses.cpu, default=0.0) * 1000
    return result


async def _settle(done: Any, limit: float = 30.0) -> None:
    """Wait (polling) until ``done()`` or ``limit`` seconds."""
    deadline = time.perf_counter() + limit
    while not done() and time.perf_counter() < deadline:  # noqa: ASYNC110 (a bench poll, not a sync)
        await asyncio.sleep(0.01)


# ---- the operator tools, each in a fresh process -----------------------------------------------

def run_cli(url: str, *args: str) -> tuple[int, float, str, str]:
    env = {**os.environ, "DATABASE_URL": url, "TIMEZONE": TZ}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    return done.returncode, time.perf_counter() - start, done.stdout if args[0] == "doctor" else "", done.stderr


def export_figures(url: str, what: str) -> dict[str, float]:
    code, seconds, _out, err = run_cli(url, "export", what)
    line = next((ln for ln in err.splitlines() if " rows in " in ln), "")
    if code != 0 or not line:
        raise RuntimeError(f"export {what} failed ({code}): {err[-2000:]}")
    rows = int(line.split(": ", 1)[1].split(" rows", 1)[0])
    rate = float(line.split("(", 1)[1].split(" rows/s", 1)[0].replace(",", ""))
    peak = float(line.rsplit("peak RSS ", 1)[1].split(" MiB", 1)[0])
    return {"rows": rows, "rows_per_s": rate, "peak_mib": peak, "seconds": seconds}


def cache_bytes_per_member(n: int = 100_000) -> float:
    """Memory the per-member caches (directory, throttle) take for n members seen once each."""
    directory = Directory(())
    throttle = ThrottleMiddleware(max_users=n)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for uid in range(FIRST_MEMBER, FIRST_MEMBER + n):
        directory.saved(Profile(uid, f"Member{uid}", None, None, "en", False), GROUPS[uid % len(GROUPS)])
        throttle._allow(uid)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / n


# ---- one backend --------------------------------------------------------------------------------

def _rss_line(counts: dict[str, int]) -> str:
    return (f"{counts.get('users', 0):,} members in {len(GROUPS)} groups, {counts.get('checkins', 0):,} check-ins, "
            f"{counts.get('ledger', 0):,} ledger entries, {counts.get('orders', 0):,} linked orders "
            f"({counts.get('buyers', 0):,} buyers), {counts.get('tagged', 0):,} tagged members")


def _cached(cache: Path, members: int) -> tuple[Path, Path]:
    return cache / f"shop-{members}.db", cache / f"shop-{members}.json"


def _copy_from_cache(url: str, cache: Path, members: int) -> dict[str, int] | None:
    kept, meta = _cached(cache, members)
    if not (kept.exists() and meta.exists()):
        return None
    _remove_sqlite(url)
    shutil.copyfile(kept, url.removeprefix("sqlite+aiosqlite:///"))
    counts: dict[str, int] = json.loads(meta.read_text())
    return counts


def _copy_to_cache(url: str, cache: Path, members: int, counts: dict[str, int]) -> None:
    kept, meta = _cached(cache, members)
    source = url.removeprefix("sqlite+aiosqlite:///")
    if Path(f"{source}-wal").exists() and Path(f"{source}-wal").stat().st_size:
        raise RuntimeError(f"{source} still has a write-ahead log; not caching a partial copy")
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, kept)
    meta.write_text(json.dumps(counts))


async def build_cached(url: str, members: int, cache: Path | None) -> tuple[dict[str, int], bool]:
    """:func:`build`, or (SQLite with a cache directory) a copy of the file an earlier run built.
    Returns the row counts and whether they came from the cache."""
    if cache is None or not url.startswith("sqlite"):
        return await build(url, members), False
    counts = await asyncio.to_thread(_copy_from_cache, url, cache, members)
    if counts is not None:
        return counts, True
    counts = await build(url, members)  # its last connection closed: the WAL is folded into the file
    await asyncio.to_thread(_copy_to_cache, url, cache, members, counts)
    return counts, False


async def backend(name: str, url: str, empty_url: str, members: int, taps: int, storm_n: int,
                  counter: LockedCounter, cache: Path | None = None) -> dict[str, Any]:
    print(f"[{name}] check-in ceiling and the empty-database baseline ...", file=sys.stderr)
    await ceiling(min(storm_n, 200), None)
    c_elapsed, _c_lat, c_answered = await ceiling(storm_n, None)
    half = c_answered / c_elapsed / 2

    async def empty_storm(n: int) -> tuple[list[float], int]:
        """The same storm on an empty database (a fresh one each time)."""
        if empty_url.startswith("sqlite"):
            path = Path(empty_url.removeprefix("sqlite+aiosqlite:///"))
            _e, latencies, answered, _check = await empty_checkin(storm_n, path.with_name(f"{path.stem}{n}.db"), half)
            return latencies, answered
        return await _empty_pg_checkin(empty_url, storm_n, half)

    empty_lat, empty_answered = await empty_storm(1)
    print(f"[{name}] building the shop ({members:,} members) ...", file=sys.stderr)
    started = time.perf_counter()
    counts, copied = await build_cached(url, members, cache)
    build_s = time.perf_counter() - started
    how = "copied from the cache" if copied else "built"
    print(f"[{name}] {how} in {build_s:.0f} s: {_rss_line(counts)}", file=sys.stderr)
    code, doctor_s, doctor_out, doctor_err = run_cli(url, "doctor")
    if code != 0:
        raise RuntimeError(f"doctor found problems in the built shop:\n{doctor_out}{doctor_err[-2000:]}")
    ledger_export = export_figures(url, "ledger")
    members_export = export_figures(url, "members")
    print(f"[{name}] measuring the bot ...", file=sys.stderr)
    bot_figures = await measure_bot(url, members, taps, storm_n, half)
    code_after, _s, _after_out, _after_err = run_cli(url, "doctor")
    # The empty baseline again, right after the big storm: the machine's load drifts during a run,
    # so the big database's p99 is compared with the mean of the two empty runs around it.
    print(f"[{name}] the empty-database baseline again ...", file=sys.stderr)
    empty_lat_after, _answered = await empty_storm(2)
    empty_p99_ms = (percentile(empty_lat, 99) + percentile(empty_lat_after, 99)) / 2 * 1000
    result: dict[str, Any] = {
        "members": counts.get("users", 0),
        "segment_ms": bot_figures["segment_ms"],
        "segment_write_lock_ms": bot_figures["segment_write_lock_ms"],
        "loop_block_max_ms": bot_figures["loop_block_max_ms"],
        "segment_check_ms": bot_figures["segment_check_ms"],
        "grab_segment_ratio": bot_figures["grab_segment_ratio"],
        "join_burst_p99_ms": bot_figures["join_burst_p99_ms"],
        "export_ledger_peak_mib": ledger_export["peak_mib"],
        "export_ledger_rows_per_s": ledger_export["rows_per_s"],
        "doctor_s": doctor_s,
        "checkin_p99_ratio": bot_figures["checkin_big_p99_ms"] / empty_p99_ms,
        "gc_pause_max_ms": bot_figures["gc_pause_max_ms"],
        "database_locked": counter.count,
    }
    extra = {
        "build_s": build_s, "copied": copied, "counts": counts, "ledger_export": ledger_export,
        "members_export": members_export,
        "bot": bot_figures, "checkin_empty_p99_ms": empty_p99_ms,
        "checkin_empty_p99s_ms": [percentile(empty_lat, 99) * 1000, percentile(empty_lat_after, 99) * 1000],
        "checkin_empty_answered": empty_answered, "half_ceiling_taps_per_s": half,
        "doctor_after_ok": code_after == 0, "doctor_report": doctor_out.strip(),
    }
    return {"result": result, "extra": extra}


async def _empty_pg_checkin(url: str, n: int, rate: float) -> tuple[list[float], int]:
    await _reset(url)
    await asyncio.to_thread(upgrade, url)
    settings = load_settings(bot_token="42:bench", database_url=url, timezone=TZ)
    session = InProcessSession()
    bot = create_bot(settings, "42:bench", session=session)
    db = Database(url)
    app = create_app(settings, bot, db=db, clock=ManualClock(NOW))
    async with db.session() as s:
        await register(s, chat_id=GROUPS[0], title="Bench group", label="vip", by=1, now=NOW)
    dp = create_dispatcher(app, create_states(app))
    updates = [callback_update(i + 1, 10_000 + i, GROUPS[0], 7, CheckinCb().pack()) for i in range(n)]
    try:
        _elapsed, latencies, answered = await storm(dp, bot, session, updates, rate)
        await app.coalescer.close()
    finally:
        await db.close()
    return latencies, answered


def _verdict(key: str, value: float) -> str:
    op, target = TARGETS[key]
    ok = value <= target if op == "<=" else value >= target if op == ">=" else value == target
    return f"{op} {target:<6} {'met' if ok else 'NOT met'}"


def print_table(name: str, run: dict[str, Any]) -> None:
    r, x = run["result"], run["extra"]
    b = x["bot"]
    how = "copied from the cache" if x["copied"] else "built"
    print(f"\n{name}: {_rss_line(x['counts'])}; {how} in {x['build_s']:.0f} s")
    rows = [
        ("segment_ms", r["segment_ms"], f"/segment {SEGMENT!r}, median of 5, arrival -> reply"),
        ("segment_write_lock_ms", r["segment_write_lock_ms"],
         f"{b['segment_write_transactions']} write transactions opened by the 5 commands"),
        ("loop_block_max_ms", r["loop_block_max_ms"], "longest event-loop stall during reports and checks"),
        ("segment_check_ms", r["segment_check_ms"], f"mean of 300; p99 {b['segment_check_p99_ms']:.2f} ms"),
        ("grab_segment_ratio", r["grab_segment_ratio"],
         f"for=repeat {b['grab_segment_taps_per_s']:.0f} taps/s vs plain {b['grab_plain_taps_per_s']:.0f} taps/s"),
        ("join_burst_p99_ms", r["join_burst_p99_ms"], f"{b['join_approved']}/100 approved (segment gate)"),
        ("export_ledger_peak_mib", r["export_ledger_peak_mib"],
         f"{x['ledger_export']['rows']:,} rows in {x['ledger_export']['seconds']:.1f} s (whole process); "
         f"members: {x['members_export']['peak_mib']:.0f} MiB, {x['members_export']['rows_per_s']:,.0f} rows/s"),
        ("export_ledger_rows_per_s", r["export_ledger_rows_per_s"], ""),
        ("doctor_s", r["doctor_s"], "whole process; " + ("books balanced" if "FAILED" not in x["doctor_report"]
                                                          else "PROBLEMS")),
        ("checkin_p99_ratio", r["checkin_p99_ratio"],
         f"p99 {b['checkin_big_p99_ms']:.0f} ms big vs {x['checkin_empty_p99_ms']:.0f} ms empty (mean of "
         f"{x['checkin_empty_p99s_ms'][0]:.0f} before and {x['checkin_empty_p99s_ms'][1]:.0f} after) at "
         f"{x['half_ceiling_taps_per_s']:.0f} taps/s; answered {b['checkin_big_answered']}"),
        ("gc_pause_max_ms", r["gc_pause_max_ms"],
         f"{b['gc_collections']} collections, {b['gc_full_collections']} full; longest in CPU time "
         f"{b['gc_cpu_max_ms']:.0f} ms"),
        ("database_locked", r["database_locked"], "doctor after the run: " + ("OK" if x["doctor_after_ok"]
                                                                              else "PROBLEMS")),
    ]
    for key, value, note in rows:
        verdict = _verdict(key, value) if key in TARGETS else ""
        print(f"  {key:<26} {value:>12,.2f}  {verdict:<18} {note}")


def _rounded(result: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in result.items()}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--taps", type=int, default=300, help="taps on each red packet")
    parser.add_argument("--storm", type=int, default=2000, help="members in the check-in storm")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--keep", type=Path, help="build the SQLite shop at this path (kept afterwards)")
    parser.add_argument("--cache", type=Path, help="keep the built SQLite shop in this directory and start "
                        "later runs (same --members) from a copy of it")
    args = parser.parse_args()
    counter = LockedCounter()
    logging.getLogger().addHandler(counter)  # warnings and errors from anywhere
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("bot.db.engine").setLevel(logging.INFO)  # and the committer's re-runs
    print(f"per-member caches (directory + throttle): {cache_bytes_per_member():.0f} bytes per member seen")
    with tempfile.TemporaryDirectory() as tmp:
        big = args.keep or Path(tmp) / "shop.db"
        sqlite = await backend("SQLite", f"sqlite+aiosqlite:///{big}", f"sqlite+aiosqlite:///{Path(tmp) / 'empty.db'}",
                               args.members, args.taps, args.storm, counter, args.cache)
    print_table("SQLite", sqlite)
    final = _rounded(sqlite["result"])
    if args.postgres:
        locked_before = counter.count
        pg = await backend("PostgreSQL", args.pg_url, args.pg_url, args.members, args.taps, args.storm, counter)
        pg["result"]["database_locked"] = counter.count - locked_before
        print_table("PostgreSQL", pg)
        final["postgres"] = _rounded(pg["result"])
    print("RESULT " + json.dumps(final))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
