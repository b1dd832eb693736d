"""Shared fixtures: real databases (a SQLite file and PostgreSQL), migrated with Alembic."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.models import metadata

T = TypeVar("T")


def in_thread(fn: Callable[[], T]) -> T:
    """Run ``fn`` in a fresh thread: Alembic and the probes run their own event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


BASE_PG_URL = os.environ.get("REGULARS_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
# The suite runs in two processes (pytest-xdist, ``-n 2`` in pyproject.toml): the first uses the
# database itself, each other worker a database of its own next to it (``test_gw1``), created here.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
PG_URL = BASE_PG_URL if _WORKER == "gw0" else f"{BASE_PG_URL}_{_WORKER}"


def _pg_reachable() -> str | None:
    """None if PostgreSQL answers, else the reason it does not."""
    try:
        import asyncpg
    except ImportError:
        return "asyncpg is not installed (pip install -e '.[test]')"

    async def probe() -> None:
        dsn = BASE_PG_URL.replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncio.wait_for(asyncpg.connect(dsn), timeout=3)
        try:
            if PG_URL != BASE_PG_URL:
                name = PG_URL.rsplit("/", 1)[1]
                if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                    await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    try:
        in_thread(lambda: asyncio.run(probe()))
    except Exception as exc:
        return f"PostgreSQL at {BASE_PG_URL} is not reachable: {exc!r}"
    return None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test copies it (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    in_thread(lambda: upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    reason = _pg_reachable()
    if reason is not None:
        pytest.skip(reason)

    async def reset() -> None:
        import asyncpg

        conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await conn.close()

    in_thread(lambda: asyncio.run(reset()))
    in_thread(lambda: upgrade(PG_URL))
    yield PG_URL


async def _truncate(db: Database) -> None:
    names = ", ".join(t.name for t in metadata.sorted_tables)
    async with db.session() as session:
        from sqlalchemy import text

        await session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "regulars.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    url = request.getfixturevalue("pg_url")
    db = Database(url)
    try:
        await _truncate(db)
    finally:
        await db.close()
    yield url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    try:
        yield database
    finally:
        await database.close()
