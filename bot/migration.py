"""Following a basic group to the supergroup Telegram made of it, with no staff action.

Whatever notices the upgrade first calls :func:`follow`: the ``migrate_to_chat_id`` /
``migrate_from_chat_id`` service messages (handlers/migration.py) or a 400 carrying
``migrate_to_chat_id`` on any call (the sender, which then repeats its send to the new id).
The rows move in one transaction (bot/services/migration.py); then the caches, the scheduled
jobs and the open red packets follow.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.services import groups as group_service
from bot.services import migration as service

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


class Migrations:
    """Serialises :func:`follow` inside one process (the database does it across processes)."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()


async def follow(app: App, old_chat_id: int, new_chat_id: int, *, title: str | None = None) -> bool:
    """Move group ``old_chat_id`` to ``new_chat_id`` (once; later calls return False) and rebuild
    what depends on its id: directory, packet board, the daily post's job, open packets."""
    from bot import packets
    from scheduler.setup import checkin_post_job_id, schedule_group_jobs, unschedule_job

    async with app.migrations.lock:
        async with app.db.session() as session:
            moved = await service.migrate(session, old_chat_id, new_chat_id, app.clock.now(), title=title)
            group = await group_service.get_group(session, new_chat_id) if moved and moved.registered else None
            post_time = group_service.rules_of(group).post_time if group is not None else None
        if moved is None:
            return False
        log.info("group %s was upgraded to supergroup %s; %s", old_chat_id, new_chat_id,
                    "its rows moved" if moved.registered else "it was not a registered group")
        await app.directory.reload(app.db)
        if not moved.registered:
            return True
        app.packets.move_chat(old_chat_id, new_chat_id)
        await unschedule_job(checkin_post_job_id(old_chat_id))
        await schedule_group_jobs(app, new_chat_id, post_time)
    for packet_id in moved.reposts:
        await packets.post(app, packet_id)
    return True
