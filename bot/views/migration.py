"""Following a basic group to the supergroup Telegram made of it, with no staff action.

Whatever notices the upgrade first calls :func:`follow`: the ``migrate_to_chat_id`` /
``migrate_from_chat_id`` service messages (handlers/migration.py) or a 400 carrying
``migrate_to_chat_id`` on any call (the sender, which then repeats its send to the new id).
The rows move in one transaction (bot/services/migration.py); then the caches and the open red
packets follow (the scheduled jobs follow the rows on the scheduler's next sync).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

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
    what depends on its id: directory, packet board, open packets. (The daily post's job follows
    the moved row on the scheduler's next sync.)"""
    from bot.views import redpackets as packets

    async with app.migrations.lock:
        async with app.db.session() as session:
            moved = await service.migrate(session, old_chat_id, new_chat_id, app.clock.now(), title=title)
        if moved is None:
            return False
        log.info("group %s was upgraded to supergroup %s; %s", old_chat_id, new_chat_id,
                    "its rows moved" if moved.registered else "it was not a registered group")
        await app.directory.reload(app.db)
        if not moved.registered:
            return True
        app.packets.move_chat(old_chat_id, new_chat_id)
    for packet_id in moved.reposts:
        await packets.post(app, packet_id)
    return True
