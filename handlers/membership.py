"""The bot being added to or removed from a group."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import ChatMemberUpdated
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.outbox import Outbox
from bot.services import groups as group_service
from bot.texts import Translator

PRESENT = frozenset({"member", "administrator", "creator", "restricted"})


async def bot_membership(event: ChatMemberUpdated, app: App, session: AsyncSession, out: Outbox,
                         group_: Translator) -> None:
    if event.chat.type == "private":
        return
    was = event.old_chat_member.status in PRESENT
    now_in = event.new_chat_member.status in PRESENT
    if now_in and not was:
        out.message(event.chat.id, group_("bot-added"))
    elif was and not now_in:
        await group_service.set_active(session, event.chat.id, False)
        out.after_commit(lambda: app.directory.reload(app.db))


def create_router() -> Router:
    router = Router(name="membership")
    router.my_chat_member.register(bot_membership)
    return router
