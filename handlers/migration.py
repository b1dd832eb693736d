"""A basic group upgraded to a supergroup: Telegram's two service messages, in either order."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message

from bot.app import App
from bot.outbox import Outbox
from bot.views.migration import Migrations, follow


async def migrated_to(message: Message, app: App, migrations: Migrations, out: Outbox) -> None:
    """In the old basic group: "this group became supergroup ``migrate_to_chat_id``"."""
    old_chat_id, new_chat_id = message.chat.id, message.migrate_to_chat_id
    assert new_chat_id is not None
    out.after_commit(lambda: follow(app, migrations, old_chat_id, new_chat_id))


async def migrated_from(message: Message, app: App, migrations: Migrations, out: Outbox) -> None:
    """In the new supergroup: "this supergroup was basic group ``migrate_from_chat_id``"."""
    old_chat_id, new_chat_id, title = message.migrate_from_chat_id, message.chat.id, message.chat.title
    assert old_chat_id is not None
    out.after_commit(lambda: follow(app, migrations, old_chat_id, new_chat_id, title=title))


def create_router() -> Router:
    router = Router(name="migration")
    router.message.register(migrated_to, F.migrate_to_chat_id)
    router.message.register(migrated_from, F.migrate_from_chat_id)
    return router
