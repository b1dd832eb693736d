"""The large-shop properties on a small shop (issue 14): segments in SQL equal the Python reference on
random shops, reads never wait for the write lock, exports stream in constant memory, doctor in SQL.
bench/scale.py measures the same at 100,000 members."""

from __future__ import annotations

import asyncio
import io
import random
import tracemalloc
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.db.engine import Database
from bot.db.models import LedgerEntry, Member, Order, RedPacket, Streak, User, UserTag
from bot.services import ledger, orders
from bot.services import redpackets as packet_service
from bot.services import segments as segment_service
from bot.services.groups import register
from bot.tools import doctor, export_csv
from games import segments
from games.orders import OrderRow
from games.points import Reason
from games.redpacket import SEGMENT_PREFIX, PacketSpec
from games.segments import And, Expr, Name, Not, Or, Tag

NOW = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
TODAY = date(2026, 9, 1)
TAG_NAMES = ("vip", "wholesale", "b2b")


def random_expr(rng: random.Random, depth: int = 0) -> Expr:
    roll = rng.random()
    if depth >= 3 or roll < 0.35:
        if rng.random() < 0.25:
            return Tag(rng.choice(TAG_NAMES))
        return Name(rng.choice(segments.BUILTINS))
    if roll < 0.5:
        return Not(random_expr(rng, depth + 1))
    operands = tuple(random_expr(rng, depth + 1) for _ in range(rng.randint(2, 3)))
    return And(operands) if roll < 0.75 else Or(operands)


async def random_shop(db: Database, rng: random.Random, members: int) -> None:
    """Customers with random first-seen times, bound orders (some re-imported), check-in days and
    tags, around the segment boundaries (29-31 days, 179-181 days, 6-8 days)."""
    users, streaks, tags, rows = [], [], [], []
    for uid in range(1, members + 1):
        seen = NOW - timedelta(days=rng.choice([0, 1, 29, 30, 31, 200]), seconds=rng.choice([-1, 0, 1]))
        users.append({"id": uid, "first_name": f"U{uid}", "is_bot": uid % 97 == 0, "first_seen_at": seen,
                      "updated_at": seen})
        if rng.random() < 0.5:
            streaks.append({"user_id": uid, "streak": 1, "checkins_total": 1,
                            "last_checkin_day": TODAY - timedelta(days=rng.choice([0, 6, 7, 8, 40]))})
        for tag in TAG_NAMES:
            if rng.random() < 0.15:
                tags.append({"user_id": uid, "tag": tag, "added_by": 1, "added_at": NOW})
        for n in range(rng.choice([0, 0, 1, 2, 3])):
            rows.append((f"O{uid}-{n}", uid, NOW - timedelta(days=rng.choice([1, 179, 180, 181, 400]),
                                                              seconds=rng.choice([-1, 0, 1]))))
    async with db.session() as session:
        await session.execute(User.__table__.insert(), users)  # type: ignore[attr-defined]
        if streaks:
            await session.execute(Streak.__table__.insert(), streaks)  # type: ignore[attr-defined]
        if tags:
            await session.execute(UserTag.__table__.insert(), tags)  # type: ignore[attr-defined]
        await orders.import_rows(session, [OrderRow(i, oid, 100, "CNY", paid, "1")
                                           for i, (oid, _uid, paid) in enumerate(rows, 1)], NOW)
        for oid, uid, _paid in rows:
            await orders.bind(session, user_id=uid, order_id=oid, check="1", now=NOW, currency="CNY")
        # A re-import moves some payment times: the summary must follow.
        moved = rng.sample(rows, k=min(len(rows), 20))
        await orders.import_rows(session, [OrderRow(i, oid, 100, "CNY", NOW - timedelta(days=rng.choice([2, 190])), "1")
                                           for i, (oid, _uid, _paid) in enumerate(moved, 1)], NOW)


async def test_sql_segments_equal_the_python_reference_on_random_shops(db: Database) -> None:
    rng = random.Random(14)
    await random_shop(db, rng, 300)
    async with db.reader() as session:
        reference = await segment_service.facts(session)
        assert await orders.totals_problems(session) == []
        for _ in range(40):
            expr = random_expr(rng)
            expected = segment_service.reference_members(reference, expr, NOW, TODAY)
            assert await segment_service.members_of(session, expr, NOW, TODAY) == expected, segments.render(expr)
            result = await segment_service.summary(session, expr, NOW, TODAY, sample=3)
            assert (result.count, [uid for uid, _name in result.sample]) == (len(expected), expected[:3])
            for uid in rng.sample(range(1, 320), 8):  # some unknown ids and bots too
                mine = [f for f in reference if f.user_id == uid]
                want = segments.evaluate(expr, mine[0], NOW, TODAY) if mine else \
                    segments.evaluate(expr, segments.Facts(user_id=uid, first_seen_at=NOW), NOW, TODAY)
                assert await segment_service.contains(session, expr, uid, NOW, TODAY) is want, \
                    (segments.render(expr), uid)


async def test_one_members_check_is_an_index_lookup(db: Database) -> None:
    """The plan of a one-member check probes primary keys; it never scans the orders or the users."""
    expr = segments.parse("purchased and not dormant or tag:vip or active")
    async with db.reader() as session:
        stmt = (select(segment_service.clause(expr, NOW, TODAY, one=True))
                .select_from(segment_service.CUSTOMERS)
                .where(segment_service.USERS.c.id == 5, segment_service.USERS.c.is_bot.is_(False)))
        compiled = stmt.compile(session.bind, compile_kwargs={"literal_binds": True})
        if db.is_sqlite:
            plan = " | ".join(str(r[-1]) for r in (await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all())
            assert "SCAN" not in plan.replace("SCAN CONSTANT ROW", ""), plan
        else:  # with sequential scans off, a scan in the plan means no index could serve it
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " | ".join(r[0] for r in (await session.execute(text(f"EXPLAIN {compiled}"))).all())
            assert "Seq Scan" not in plan, plan


async def _hold_write_lock(db: Database, held: asyncio.Event, release: asyncio.Event) -> None:
    async with db.session() as session:
        await session.execute(text("UPDATE users SET first_name = first_name WHERE id = 1"))
        held.set()
        await release.wait()


async def test_reads_never_wait_for_the_write_lock(db: Database) -> None:
    """A segment count, an export and doctor run while another transaction holds the write lock."""
    await random_shop(db, random.Random(1), 200)
    held, release = asyncio.Event(), asyncio.Event()
    writer = asyncio.create_task(_hold_write_lock(db, held, release))
    await held.wait()
    try:
        async with asyncio.timeout(3):  # a writer would wait busy_timeout (5 s) on SQLite
            async with db.reader() as session:
                found = await segment_service.summary(session, segments.parse("purchased or tag:vip"), NOW, TODAY)
            assert found.count > 0
            assert await export_csv(db.url, "members", io.StringIO()) == 0
            report = io.StringIO()
            assert await doctor(db.url, report) == 0, report.getvalue()
    finally:
        release.set()
        await writer


class _Sink(io.TextIOBase):
    def __init__(self) -> None:
        self.lines = 0

    def write(self, s: str) -> int:
        self.lines += s.count("\n")
        return len(s)


async def _ledger_rows(db: Database, start: int, count: int) -> None:
    async with db.session() as session:
        users = [{"id": uid, "first_name": f"U{uid}", "first_seen_at": NOW, "updated_at": NOW}
                 for uid in range(start, start + count // 10)]
        await session.execute(User.__table__.insert(), users)  # type: ignore[attr-defined]
        await session.execute(Member.__table__.insert(), [  # type: ignore[attr-defined]
            {"user_id": u["id"], "balance": 10 * 5, "lifetime_points": 10 * 5, "created_at": NOW} for u in users])
        await session.execute(LedgerEntry.__table__.insert(), [  # type: ignore[attr-defined]
            {"user_id": u["id"], "amount": 5, "balance_after": 5 * (n + 1), "reason": "checkin", "ref": None,
             "idempotency_key": f"k:{u['id']}:{n}", "created_at": NOW} for u in users for n in range(10)])


async def _export_peak(url: str) -> tuple[int, int]:
    sink = _Sink()
    tracemalloc.start()
    try:
        assert await export_csv(url, "ledger", sink) == 0  # type: ignore[arg-type]
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return sink.lines, peak


async def test_ledger_export_streams_in_constant_memory(db: Database) -> None:
    await _ledger_rows(db, 1000, 3000)
    small_lines, small_peak = await _export_peak(db.url)
    await _ledger_rows(db, 100_000, 12_000)
    big_lines, big_peak = await _export_peak(db.url)
    assert (small_lines, big_lines) == (3001, 15001)
    # Five times the rows, about the same memory (loading every row would take 5x).
    assert big_peak < small_peak * 1.5 + 512 * 1024, (small_peak, big_peak)
    report = io.StringIO()
    assert await doctor(db.url, report) == 0, report.getvalue()


async def test_doctor_finds_a_wrong_running_balance_and_summary_in_sql(db: Database) -> None:
    await _ledger_rows(db, 1000, 50)
    async with db.session() as session:
        await session.execute(text("UPDATE ledger SET balance_after = 7 WHERE idempotency_key = 'k:1002:3'"))
        await session.execute(Order.__table__.insert().values(  # type: ignore[attr-defined]
            order_id="Z", amount_cents=5, currency="CNY", paid_at=NOW, check_hash="x", user_id=1001,
            imported_at=NOW))
    report = io.StringIO()
    assert await doctor(db.url, report) == 1
    out = report.getvalue()
    assert "member 1002: entry" in out and "balance_after 7 != running sum 20" in out
    assert "customer 1001: 1 linked order(s), summary says 0" in out


async def test_a_segment_grab_is_checked_before_the_write_transaction(db: Database,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    await random_shop(db, random.Random(3), 60)
    async with db.session() as session:
        await ledger.ensure_shop_account(session, NOW)
        await ledger.move(session, user_id=0, amount=1000, reason=Reason.BUDGET, key="b", now=NOW)
        await register(session, chat_id=-5, title="G", label="vip", by=1, now=NOW)
        created = await packet_service.create_packet(
            session, chat_id=-5, funder_id=0, actor_id=1,
            spec=PacketSpec(100, 50, eligibility=SEGMENT_PREFIX + "purchased"),
            source_key="s", now=NOW, rng=random.Random(1))
    packet_id = created.packet.id
    assert packet_id is not None
    seen: list[bool] = []
    members_among = segment_service.members_among

    async def spy(session, expr, user_ids, now, today):  # type: ignore[no-untyped-def]
        seen.append(session.bind is db.read_engine)
        return await members_among(session, expr, user_ids, now, today)

    async def not_in_the_write_transaction(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a segment check ran inside the committer's transaction")

    monkeypatch.setattr(segment_service, "members_among", spy)
    monkeypatch.setattr(segment_service, "contains", not_in_the_write_transaction)
    async with db.reader() as session:
        buyers = set(await segment_service.members_of(session, segments.parse("purchased"), NOW, TODAY))
    outcomes = await asyncio.gather(*(
        db.submit(packet_service.GRAB_OP, packet_service.GrabRequest(packet_id, -5, uid, NOW, TODAY))
        for uid in range(1, 41)), return_exceptions=True)
    won = {uid for uid, o in zip(range(1, 41), outcomes, strict=True) if isinstance(o, packet_service.Grabbed)}
    assert won == buyers & set(range(1, 41)) and won
    # Every check ran on a read snapshot, none in the committer's transaction; taps that arrived
    # together shared a query.
    assert seen and all(seen) and len(seen) < 40
    async with db.reader() as session:
        assert (await session.get(RedPacket, packet_id)).grabbed_count == len(won)  # type: ignore[union-attr]


async def test_a_burst_of_writers_queues_without_database_locked(db: Database) -> None:
    """Sixty write transactions at once, each holding the write lock across an await: on SQLite they
    queue in the process (first come, first served), none fails with "database is locked"."""
    await random_shop(db, random.Random(5), 60)

    async def write(uid: int) -> None:
        async with db.session() as session:
            await session.execute(text("UPDATE users SET first_name = first_name || '.' WHERE id = :u"), {"u": uid})
            await asyncio.sleep(0.01)  # the lock is held meanwhile
            await session.execute(text("UPDATE users SET last_name = 'x' WHERE id = :u"), {"u": uid})

    await asyncio.gather(*(write(1 + uid % 60) for uid in range(60)))
    async with db.reader() as session:
        assert (await session.execute(text("SELECT count(*) FROM users WHERE last_name = 'x'"))).scalar_one() == 60
