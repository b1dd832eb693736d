"""Engines, sessions and the group committer.

SQLite (the default) is tuned as measured on this kind of machine: WAL, synchronous=NORMAL,
busy_timeout, a small bounded pool, and ``BEGIN IMMEDIATE`` so that a transaction that reads
and then writes can never fail with a stale snapshot under concurrency.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util import await_

from games.errors import DomainError

log = logging.getLogger(__name__)
T = TypeVar("T")
I = TypeVar("I")  # noqa: E741
R = TypeVar("R")
Work = Callable[[AsyncSession], Awaitable[T]]

MAX_BATCH = 1000


WRITE_WAIT = 5.0  # seconds a writer waits for the write lock (as SQLite's busy_timeout)
_HOLDS_LOCK = "regulars_write_lock"


def create_engine(url: str, *, pool_size: int = 5, read_only: bool = False) -> AsyncEngine:
    """An engine; on SQLite ``read_only`` gives deferred (snapshot) transactions that never take
    the write lock, otherwise every transaction starts with ``BEGIN IMMEDIATE``.

    SQLite has one writer at a time. Writers of this process queue for it on an asyncio lock, in
    arrival order, taken where the transaction begins and given back when its connection returns
    to the pool (right after the commit or rollback): they never sleep in SQLite's busy handler,
    whose back-off (up to 100 ms a try) turned a burst of 100 writers into seconds. Other
    processes on the same file still meet ``busy_timeout``."""
    if url.startswith("sqlite"):
        # A reader always ends with its own rollback: the pool need not roll back again (a thread hop).
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=30,
                                     pool_reset_on_return=None if read_only else "rollback")
        writers = asyncio.Lock()

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            # Let SQLAlchemy, not the driver, decide when transactions begin (savepoints work).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.execute("PRAGMA foreign_keys=ON")
            if read_only:
                cur.execute("PRAGMA query_only=ON")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            if read_only:
                conn.exec_driver_sql("BEGIN")
                return
            if not conn.info.get(_HOLDS_LOCK):
                try:
                    await_(asyncio.wait_for(writers.acquire(), WRITE_WAIT))
                except TimeoutError:
                    raise OperationalError("BEGIN IMMEDIATE", None,
                                           Exception("database is locked (waited for the writer queue)")) from None
                conn.info[_HOLDS_LOCK] = True
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _give_back(conn.info)
                raise

        def _give_back(info: dict[Any, Any]) -> None:
            if info.pop(_HOLDS_LOCK, False) and writers.locked():
                writers.release()

        @event.listens_for(engine.sync_engine, "checkin")
        def _on_checkin(_dbapi_conn: DBAPIConnection, record: ConnectionPoolEntry) -> None:
            _give_back(record.info)

        @event.listens_for(engine.sync_engine, "close")
        def _on_close(_dbapi_conn: DBAPIConnection, record: ConnectionPoolEntry) -> None:
            _give_back(record.info)

        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=5, pool_pre_ping=True)


class BulkOp(Protocol[I, R]):
    """A kind of write that the group committer can apply to many items in a few statements.

    ``bulk`` returns one outcome per item, in order: a result, or the DomainError that refused
    that item (refusals write nothing). If ``bulk`` raises instead — a constraint race with another
    process, say — the batch is rolled back and every item is re-run through ``single`` in a
    transaction of its own, which must be correct under any concurrency on its own.
    """

    async def bulk(self, session: AsyncSession, items: list[I]) -> list[R | DomainError]: ...

    async def single(self, session: AsyncSession, item: I) -> R: ...


class Prepared(Protocol[I]):
    """A bulk op that reads what it can before queuing: ``prepare`` runs on a read snapshot, outside
    (and before) the committer's write transaction, and returns the item to queue. Reads there never
    hold the write lock the whole batch waits behind (e.g. a red packet's segment check)."""

    async def prepare(self, db: Database, item: I) -> I: ...


@dataclass
class _Job:
    work: Work[Any] | None
    op: BulkOp[Any, Any] | None = None
    item: Any = None
    future: asyncio.Future[Any] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    async def alone(self, session: AsyncSession) -> Any:
        if self.op is not None:
            return await self.op.single(session, self.item)
        assert self.work is not None
        return await self.work(session)


class Database:
    """The session pool plus a group committer for hot, small writes.

    ``session()`` gives one ordinary transaction (the update middleware uses it). ``run(work)``
    queues ``work(session)`` for the committer, which runs queued work back to back inside ONE
    transaction and commits once: on SQLite the commit, not the statement, is what costs, so a
    stampede of check-ins costs a handful of commits instead of thousands. Each piece of work
    must be atomic on its own terms (check conditions first, write after) and may raise a
    ``DomainError`` before writing. If anything else fails, or the shared commit fails, the
    batch is rolled back and every piece is re-run alone in its own transaction, so one bad
    apple never costs another member's write. Results are handed back only after the commit.
    """

    def __init__(self, url: str, *, pool_size: int = 5) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Reads on SQLite get their own connections with deferred transactions: in WAL mode a
        # reader sees a consistent snapshot and never waits for (or blocks) the writer.
        # On PostgreSQL they share the pool, in READ ONLY transactions (a stray write fails loudly).
        self.read_engine = create_engine(url, pool_size=pool_size, read_only=True) if self.is_sqlite \
            else self.engine.execution_options(postgresql_readonly=True)
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self._queue: asyncio.Queue[_Job | None] | None = None
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0
        self.batched_jobs = 0

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One transaction: commit on success, roll back on any exception."""
        async with self.sessionmaker() as session:
            try:
                yield session
                if session.in_transaction():
                    await session.commit()
            except BaseException:
                if session.in_transaction():
                    await session.rollback()
                raise

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction (a consistent snapshot); writing in it fails on SQLite."""
        async with self.read_sessionmaker() as session:
            try:
                yield session
            finally:
                await session.rollback()

    async def run(self, work: Work[T]) -> T:
        """Run ``work`` in a group-committed transaction and return its result after commit."""
        return await self._submit(_Job(work))

    async def submit(self, op: BulkOp[Any, T], item: Any) -> T:
        """Queue ``item`` for a bulk operation, group-committed with other items of the same op
        (after the op's ``prepare``, if it has one, looked at it on a read snapshot)."""
        prepare = getattr(op, "prepare", None)
        if prepare is not None:
            item = await prepare(self, item)
        return await self._submit(_Job(None, op, item))

    async def _submit(self, job: _Job) -> Any:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._loop(), name="db-group-committer")
        self._queue.put_nowait(job)
        return await job.future

    async def _loop(self) -> None:
        assert self._queue is not None
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            jobs = [first]
            while len(jobs) < MAX_BATCH and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stopping = True
                    break
                jobs.append(nxt)
            try:
                await self._run_batch(jobs)
            except Exception as exc:  # pragma: no cover - _run_batch settles every future itself
                log.exception("group committer batch crashed")
                for job in jobs:
                    _settle(job, False, exc)

    async def _run_batch(self, jobs: list[_Job]) -> None:
        self.batches += 1
        self.batched_jobs += len(jobs)
        if len(jobs) > 1:
            outcomes: list[Any] = []
            try:
                async with self.sessionmaker() as session:
                    async with session.begin():
                        for segment in _segments(jobs):
                            outcomes.extend(await self._segment(segment, session))
            except (DBAPIError, IntegrityError) as exc:
                log.info("batch of %d rolled back (%s); re-running one by one", len(jobs), type(exc).__name__)
            except Exception:
                log.exception("batch of %d failed; re-running one by one", len(jobs))
            else:
                ordered = [job for segment in _segments(jobs) for job in segment]
                for job, outcome in zip(ordered, outcomes, strict=True):
                    _settle(job, not isinstance(outcome, DomainError), outcome)
                return
        for job in jobs:
            await self._run_alone(job)

    @staticmethod
    async def _segment(segment: list[_Job], session: AsyncSession) -> list[Any]:
        op = segment[0].op
        if op is not None:
            outcomes = await op.bulk(session, [job.item for job in segment])
            if len(outcomes) != len(segment):
                raise RuntimeError(f"{type(op).__name__}.bulk returned {len(outcomes)} outcomes "
                                   f"for {len(segment)} items")
            return outcomes
        assert segment[0].work is not None
        try:
            return [await segment[0].work(session)]
        except DomainError as exc:
            # Domain refusals happen before any write by contract, so the batch stays valid.
            return [exc]

    async def _run_alone(self, job: _Job) -> None:
        for attempt in range(3):
            try:
                async with self.sessionmaker() as session:
                    async with session.begin():
                        try:
                            value = await job.alone(session)
                        except DomainError as refusal:
                            _settle(job, False, refusal)
                            return
                _settle(job, True, value)
                return
            except Exception as exc:
                if attempt < 2 and _is_transient(exc):
                    await asyncio.sleep(0.01 * (attempt + 1))
                    continue
                _settle(job, False, exc)
                return

    async def close(self) -> None:
        """Finish every queued write, stop the committer, release the connections."""
        if self._worker is not None and self._queue is not None:
            self._queue.put_nowait(None)
            await self._worker
            self._worker = None
            self._queue = None
        await self.engine.dispose()
        if self.is_sqlite:
            await self.read_engine.dispose()


Read = Callable[[AsyncSession, list[I]], Awaitable[list[R]]]


class ReadBatch(Generic[I, R]):
    """Reads that arrive together share one read snapshot, as writes share the group committer's
    transaction: while a batch is being read, further asks wait and then go as the next batch, so
    a burst of updates that each need the same kind of look-up costs a few queries instead of a
    read transaction each (every statement is a thread hop on aiosqlite).

    ``read(session, items)`` answers a batch with one result per item, in order, on a snapshot
    (it may expunge the ORM objects it returns: the snapshot ends after it). Each Database batches
    on its own."""

    def __init__(self, read: Read[I, R], name: str) -> None:
        self.read = read
        self.name = name
        self._waiting: dict[Database, list[tuple[I, asyncio.Future[R]]]] = {}
        self._workers: dict[Database, asyncio.Task[None]] = {}

    async def get(self, db: Database, item: I) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(db, []).append((item, future))
        worker = self._workers.get(db)
        if worker is None or worker.done():
            self._workers[db] = asyncio.create_task(self._work(db), name=self.name)
        return await future

    async def _work(self, db: Database) -> None:
        try:
            while batch := self._waiting.pop(db, None):
                try:
                    async with db.reader() as session:
                        found = await self.read(session, [item for item, _f in batch])
                    if len(found) != len(batch):
                        raise RuntimeError(f"{self.name}: {len(found)} results for {len(batch)} items")
                except Exception as exc:
                    if len(batch) == 1:
                        if not batch[0][1].done():
                            batch[0][1].set_exception(exc)
                    else:  # one failed read must not fail the whole burst: each item on its own, once
                        log.warning("%s: a batched read of %d failed (%r); reading each alone", self.name,
                                    len(batch), exc)
                        await self._one_by_one(db, batch)
                else:
                    for (_item, future), value in zip(batch, found, strict=True):
                        if not future.done():
                            future.set_result(value)
        finally:
            if self._workers.get(db) is asyncio.current_task():
                del self._workers[db]

    async def _one_by_one(self, db: Database, batch: list[tuple[I, asyncio.Future[R]]]) -> None:
        for item, future in batch:
            try:
                async with db.reader() as session:
                    found = await self.read(session, [item])
                if len(found) != 1:
                    raise RuntimeError(f"{self.name}: {len(found)} results for 1 item")
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
            else:
                if not future.done():
                    future.set_result(found[0])


def _segments(jobs: list[_Job]) -> list[list[_Job]]:
    """Jobs of the same bulk op form one segment (in order of first appearance); any other job
    stands alone. Reordering inside a batch is safe: every job in it was submitted while all the
    others were still pending, so none can depend on another's effects."""
    by_op: dict[int, list[_Job]] = {}
    segments: list[list[_Job]] = []
    for job in jobs:
        if job.op is None:
            segments.append([job])
        elif id(job.op) in by_op:
            by_op[id(job.op)].append(job)
        else:
            by_op[id(job.op)] = [job]
            segments.append(by_op[id(job.op)])
    return segments


def _settle(job: _Job, ok: bool, value: Any) -> None:
    if job.future.done():
        return
    if ok:
        job.future.set_result(value)
    else:
        job.future.set_exception(value)


def _is_transient(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("database is locked", "deadlock", "could not serialize", "serialization"))
