"""Following a basic group to the supergroup Telegram made of it, with no staff action.

Whatever notices the upgrade first calls :func:`follow`: the ``migrate_to_chat_id`` /
``migrate_from_chat_id`` service messages (handlers/migration.py) or a 400 carrying
``migrate_to_chat_id`` on any call (the sender, which then repeats its send to the new id).
The rows move in one transaction (bot/services/migration.py); then the directory and every
feature that keeps something per chat in memory follow (each registers a :class:`ChatFollower`;
the scheduled jobs follow the rows on the scheduler's next sync).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.services import migration as service

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


@runtime_checkable
class ChatFollower(Protocol):
    """A feature's in-memory state keyed by chat: told when a group moved (``reposts``: its open
    red packets, whose messages stayed behind in the old group)."""

    async def chat_moved(self, app: App, old_chat_id: int, new_chat_id: int, reposts: list[int]) -> None: ...


class Migrations:
    """The migration follower of one process, injected as ``migrations``: serialises
    :func:`follow` here (the database does it across processes) and knows who to tell."""

    def __init__(self, followers: list[ChatFollower] | None = None) -> None:
        self.lock = asyncio.Lock()
        self.followers: list[ChatFollower] = list(followers or ())


async def follow(app: App, migrations: Migrations, old_chat_id: int, new_chat_id: int, *,
                 title: str | None = None) -> bool:
    """Move group ``old_chat_id`` to ``new_chat_id`` (once; later calls return False) and rebuild
    what depends on its id: the directory, then each follower (the packet board and open packets).
    (The daily post's job follows the moved row on the scheduler's next sync.)"""
    async with migrations.lock:
        async with app.db.session() as session:
            moved = await service.migrate(session, old_chat_id, new_chat_id, app.clock.now(), title=title)
        if moved is None:
            return False
        log.info("group %s was upgraded to supergroup %s; %s", old_chat_id, new_chat_id,
                    "its rows moved" if moved.registered else "it was not a registered group")
        await app.directory.reload(app.db)
        if not moved.registered:
            return True
    for follower in migrations.followers:
        await follower.chat_moved(app, old_chat_id, new_chat_id, list(moved.reposts))
    return True
