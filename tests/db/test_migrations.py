"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.db.engine import Database
from bot.db.migrate import alembic_config, current_head, upgrade
from bot.db.models import metadata
from tests.conftest import PG_URL, in_thread


async def test_migrated_schema_matches_the_models(db: Database) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with db.engine.connect() as connection:
        differences = await connection.run_sync(diff)
        version = (await connection.exec_driver_sql("SELECT version_num FROM alembic_version")).scalar()
    assert differences == []
    assert version == current_head()


async def _run_sql(url: str, statements: list[str]) -> list[list[tuple[object, ...]]]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    results: list[list[tuple[object, ...]]] = []
    try:
        async with engine.begin() as connection:
            for statement in statements:
                result = await connection.execute(text(statement))
                results.append([tuple(row) for row in result.all()] if result.returns_rows else [])
    finally:
        await engine.dispose()
    return results


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (the shared test databases stay at the head)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    request.getfixturevalue("pg_url")
    import asyncpg

    base, name = PG_URL.rsplit("/", 1)
    fresh = f"{name}_fresh"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    in_thread(lambda: asyncio.run(admin(f'DROP DATABASE IF EXISTS "{fresh}"')))
    in_thread(lambda: asyncio.run(admin(f'CREATE DATABASE "{fresh}"')))
    yield f"{base}/{fresh}"
    in_thread(lambda: asyncio.run(admin(f'DROP DATABASE IF EXISTS "{fresh}"')))


def test_streaks_move_out_of_the_wallet_and_back(fresh_url: str) -> None:
    """0007 copies every check-in streak from members into streaks; the downgrade copies it back."""
    in_thread(lambda: upgrade(fresh_url, "0006_join_delivery"))
    in_thread(lambda: asyncio.run(_run_sql(fresh_url, [
        "INSERT INTO users (id, first_name, is_bot, first_seen_at, updated_at) VALUES "
        "(1, 'Ann', false, '2026-01-01 00:00:00', '2026-01-01 00:00:00'), "
        "(2, 'Ben', false, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        "INSERT INTO members (user_id, balance, lifetime_points, streak, last_checkin_day, checkins_total, "
        "created_at) VALUES (1, 15, 20, 2, '2026-01-02', 3, '2026-01-01 00:00:00'), "
        "(2, 7, 7, 0, NULL, 0, '2026-01-01 00:00:00')",
    ])))
    in_thread(lambda: upgrade(fresh_url, "0007_streaks"))
    streaks, members = in_thread(lambda: asyncio.run(_run_sql(fresh_url, [
        "SELECT user_id, streak, last_checkin_day, checkins_total FROM streaks ORDER BY user_id",
        "SELECT * FROM members ORDER BY user_id",
    ])))
    assert [(r[0], r[1], str(r[2]), r[3]) for r in streaks] == [(1, 2, "2026-01-02", 3)]
    assert [r[:3] for r in members] == [(1, 15, 20), (2, 7, 7)] and len(members[0]) == 4  # the wallet only
    with pytest.raises(Exception, match=r"(?i)check"):  # the wallet's CHECKs survived the rebuild
        in_thread(lambda: asyncio.run(_run_sql(fresh_url, ["UPDATE members SET balance = -1 WHERE user_id = 2"])))
    in_thread(lambda: command.downgrade(alembic_config(fresh_url), "0006_join_delivery"))
    (members,) = in_thread(lambda: asyncio.run(_run_sql(fresh_url, [
        "SELECT user_id, balance, streak, last_checkin_day, checkins_total FROM members ORDER BY user_id",
    ])))
    assert [(r[0], r[1], r[2], str(r[3]) if r[3] else None, r[4]) for r in members] == [
        (1, 15, 2, "2026-01-02", 3), (2, 7, 0, None, 0)]


def test_tiers_migration_keeps_the_wallet_and_order_checks(fresh_url: str) -> None:
    """0012 adds members.owed and the orders' purchase columns with their CHECKs, keeping the old
    ones (SQLite rebuilds both tables); its downgrade drops them again."""
    in_thread(lambda: upgrade(fresh_url, "0011_rewards"))
    in_thread(lambda: asyncio.run(_run_sql(fresh_url, [
        "INSERT INTO users (id, first_name, is_bot, first_seen_at, updated_at) VALUES "
        "(1, 'Ann', false, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        "INSERT INTO members (user_id, balance, lifetime_points, created_at) VALUES (1, 15, 20, '2026-01-01 00:00:00')",
        "INSERT INTO orders (order_id, amount_cents, currency, paid_at, check_hash, imported_at) VALUES "
        "('A1', 100, 'CNY', '2026-01-01 00:00:00', 'x', '2026-01-01 00:00:00')",
    ])))
    in_thread(lambda: upgrade(fresh_url))
    members, orders = in_thread(lambda: asyncio.run(_run_sql(fresh_url, [
        "SELECT user_id, balance, owed FROM members", "SELECT order_id, status, points_shortfall FROM orders",
    ])))
    assert members == [(1, 15, 0)] and orders == [("A1", "paid", 0)]
    for bad in ("UPDATE members SET balance = -1", "UPDATE members SET owed = -1",
                "UPDATE orders SET amount_cents = 0", "UPDATE orders SET status = 'lost'"):
        with pytest.raises(Exception, match=r"(?i)check"):
            in_thread(lambda bad=bad: asyncio.run(_run_sql(fresh_url, [bad])))  # type: ignore[misc]
    in_thread(lambda: command.downgrade(alembic_config(fresh_url), "0011_rewards"))
    (members,) = in_thread(lambda: asyncio.run(_run_sql(fresh_url, ["SELECT * FROM members"])))
    assert [r[:3] for r in members] == [(1, 15, 20)] and len(members[0]) == 4
