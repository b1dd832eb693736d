"""The group committer: many writes per commit, refusals isolated, failures re-run alone."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import Database, ReadBatch
from bot.db.models import AuditEntry
from bot.services.people import record_audit
from games.errors import DomainError
from tests.factories import NOW


class Refused(DomainError):
    key = "error-generic"


class AuditOp:
    """A bulk op writing audit rows; item < 0 is refused, item == 13 makes the bulk path fail."""

    def __init__(self) -> None:
        self.bulk_calls = 0
        self.single_calls = 0

    async def bulk(self, session: AsyncSession, items: list[int]) -> list[int | DomainError]:
        self.bulk_calls += 1
        if 13 in items:
            raise IntegrityError("simulated race", None, Exception("race"))
        out: list[int | DomainError] = []
        for item in items:
            if item < 0:
                out.append(Refused())
                continue
            await record_audit(session, actor_id=item, action="bulk", now=NOW)
            out.append(item * 2)
        return out

    async def single(self, session: AsyncSession, item: int) -> int:
        self.single_calls += 1
        if item < 0:
            raise Refused()
        await record_audit(session, actor_id=item, action="single", now=NOW)
        return item * 2


async def _count(db: Database, action: str) -> int:
    async with db.session() as session:
        return int((await session.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)  # type: ignore[arg-type]
        )).scalar_one())


async def test_many_items_share_a_few_commits_and_refusals_stay_isolated(db: Database) -> None:
    op = AuditOp()
    results = await asyncio.gather(*(db.submit(op, i) for i in [*range(1, 101), -1, -2]),
                                   return_exceptions=True)
    assert results[:100] == [i * 2 for i in range(1, 101)]
    assert all(isinstance(r, Refused) for r in results[100:])
    assert await _count(db, "bulk") + await _count(db, "single") == 100
    assert db.batches <= 3


async def test_a_failing_batch_is_rolled_back_and_re_run_item_by_item(db: Database) -> None:
    op = AuditOp()
    results = await asyncio.gather(*(db.submit(op, i) for i in [10, 11, 12, 13, 14]))
    assert results == [20, 22, 24, 26, 28]
    assert op.single_calls >= 4
    assert await _count(db, "bulk") == 0  # the failed batch left nothing behind
    assert await _count(db, "single") == 5


async def test_plain_work_and_unexpected_errors_reach_only_their_caller(db: Database) -> None:
    async def ok(session: AsyncSession) -> str:
        await record_audit(session, actor_id=1, action="plain", now=NOW)
        return "done"

    async def boom(session: AsyncSession) -> str:
        raise ValueError("bug")

    results = await asyncio.gather(db.run(ok), db.run(boom), db.run(ok), return_exceptions=True)
    assert results[0] == "done" and results[2] == "done"
    assert isinstance(results[1], ValueError)
    assert await _count(db, "plain") == 2


async def test_close_waits_for_queued_work(db_url: str) -> None:
    db = Database(db_url)
    op = AuditOp()
    pending = [asyncio.ensure_future(db.submit(op, i)) for i in range(1, 21)]
    await asyncio.sleep(0)
    await db.close()
    assert [await p for p in pending] == [i * 2 for i in range(1, 21)]
    db2 = Database(db_url)
    try:
        assert await _count(db2, "bulk") + await _count(db2, "single") == 20
    finally:
        await db2.close()


@pytest.mark.parametrize("n", [1])
async def test_single_item_goes_straight_to_the_single_path(db: Database, n: int) -> None:
    op = AuditOp()
    assert await db.submit(op, 5) == 10
    assert (op.bulk_calls, op.single_calls) == (0, 1)


# ---- reads that arrive together (ReadBatch) ---------------------------------------------------------

async def test_reads_that_arrive_together_share_one_snapshot(db: Database) -> None:
    async with db.session() as session:
        for actor in (1, 2, 3):
            await record_audit(session, actor_id=actor, action="seen", now=NOW)
    batches: list[list[int]] = []

    async def audited(session: AsyncSession, actors: list[int]) -> list[bool]:
        batches.append(actors)
        found = set((await session.execute(select(AuditEntry.actor_id).where(AuditEntry.actor_id.in_(actors))))
                    .scalars())
        return [actor in found for actor in actors]

    reads = ReadBatch(audited, "audited")
    first = await reads.get(db, 1)
    together = await asyncio.gather(*(reads.get(db, actor) for actor in (2, 9, 3, 2, 8)))
    assert first is True and together == [True, False, True, True, False]
    assert batches == [[1], [2, 9, 3, 2, 8]]  # each ask its own answer, one read for the burst


async def test_a_failed_batched_read_is_retried_item_by_item_and_only_a_failing_item_fails(db: Database) -> None:
    calls = 0

    async def flaky(session: AsyncSession, items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("snapshot lost")
        return [item * 2 for item in items]

    reads = ReadBatch(flaky, "flaky")
    # The batch's read fails once: each ask is read again on its own and answered.
    assert await asyncio.gather(reads.get(db, 1), reads.get(db, 2)) == [2, 4]
    assert await asyncio.gather(reads.get(db, 3), reads.get(db, 4)) == [6, 8]

    async def poisoned(session: AsyncSession, items: list[int]) -> list[int]:
        if 13 in items:
            raise RuntimeError("bad item")
        return [item * 2 for item in items]

    reads = ReadBatch(poisoned, "poisoned")
    found = await asyncio.gather(reads.get(db, 1), reads.get(db, 13), reads.get(db, 3), return_exceptions=True)
    assert found[0] == 2 and isinstance(found[1], RuntimeError) and found[2] == 6
