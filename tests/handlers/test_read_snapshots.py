"""Read-only staff commands run on a read snapshot (issue 14): they answer while another transaction
holds SQLite's write lock, where a write transaction would wait for it (busy_timeout, 5 s)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.features import create_routers
from bot.middlewares import DB_FLAG, READS_ONLY
from tests.harness import Harness


def test_read_only_commands_are_flagged() -> None:
    flagged = {handler.callback.__name__
               for router in create_routers() for handler in router.message.handlers
               if handler.flags.get(DB_FLAG) == READS_ONLY[DB_FLAG]}
    assert {"segment_command", "audit_command", "invites_command", "settings_command"} <= flagged


async def test_segment_and_audit_answer_while_the_write_lock_is_held(h: Harness) -> None:
    await h.setup_group()
    held, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with h.app.db.session() as session:
            await session.execute(text("UPDATE users SET first_name = first_name"))
            held.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await held.wait()
    try:
        async with asyncio.timeout(3):
            await h.say(h.owner, "/segment purchased or new")
            await h.say(h.owner, "/audit")
    finally:
        release.set()
        await task
    texts = h.texts_to(h.owner.id)
    assert any("purchased or new" in t for t in texts), texts
    assert any("setup" in t.lower() for t in texts[-1:]), texts
