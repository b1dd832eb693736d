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
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)
T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[T]]

MAX_BATCH = 256


def create_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=30)

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            # Let SQLAlchemy, not the driver, decide when transactions begin (savepoints work).
            dbapi_conn.isolation_level = None  # type: ignore[attr-defined]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=5, pool_pre_ping=True)


@dataclass
class _Job:
    work: Work[Any]
    future: asyncio.Future[Any] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


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
        self._queue: asyncio.Queue[_Job] | None = None
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0
        self.batched_jobs = 0

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One transaction: commit on success, roll back on any exception."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def run(self, work: Work[T]) -> T:
        """Run ``work`` in a group-committed transaction and return its result after commit."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._loop(), name="db-group-committer")
        job = _Job(work)
        self._queue.put_nowait(job)
        return await job.future  # type: ignore[no-any-return]

    async def _loop(self) -> None:
        assert self._queue is not None
        while True:
            first = await self._queue.get()
            jobs = [first]
            while len(jobs) < MAX_BATCH and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
            try:
                await self._run_batch(jobs)
            except Exception:  # pragma: no cover - _run_batch settles every future itself
                log.exception("group committer batch crashed")

    async def _run_batch(self, jobs: list[_Job]) -> None:
        self.batches += 1
        self.batched_jobs += len(jobs)
        if len(jobs) > 1:
            results: list[tuple[bool, Any]] = []
            try:
                async with self.sessionmaker() as session:
                    async with session.begin():
                        for job in jobs:
                            results.append(await self._attempt(job, session))
            except (DBAPIError, IntegrityError) as exc:
                log.info("batch of %d rolled back (%s); re-running one by one", len(jobs), type(exc).__name__)
            except Exception:
                log.exception("batch of %d failed; re-running one by one", len(jobs))
            else:
                for job, (ok, value) in zip(jobs, results, strict=True):
                    _settle(job, ok, value)
                return
        for job in jobs:
            await self._run_alone(job)

    @staticmethod
    async def _attempt(job: _Job, session: AsyncSession) -> tuple[bool, Any]:
        from games.errors import DomainError

        try:
            return True, await job.work(session)
        except DomainError as exc:
            # Domain refusals happen before any write by contract, so the batch stays valid.
            return False, exc

    async def _run_alone(self, job: _Job) -> None:
        for attempt in range(3):
            try:
                async with self.sessionmaker() as session:
                    async with session.begin():
                        ok, value = await self._attempt(job, session)
                _settle(job, ok, value)
                return
            except Exception as exc:
                if attempt < 2 and _is_transient(exc):
                    await asyncio.sleep(0.01 * (attempt + 1))
                    continue
                _settle(job, False, exc)
                return

    async def close(self) -> None:
        if self._worker is not None:
            assert self._queue is not None
            while not self._queue.empty():
                await asyncio.sleep(0.01)
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None
            self._queue = None
        await self.engine.dispose()


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
