"""End to end over HTTP (aiogram's own session against the served emulator): a member reaches a
tier and gets a personal join link, uses it, falls below, is told, and is removed after the grace
period — once each, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.handlers.test_tiers import tier_group_flow
from tests.harness import harness


async def test_tier_group_over_http(db_url: str) -> None:
    async with harness(db_url, http=True) as h:
        await tier_group_flow(h)
