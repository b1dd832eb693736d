"""Commands used by someone who may not, or in the wrong kind of chat: a polite no, derived from the
command registry (bot.commands). Placed before the feature routers whose handlers do not filter
the chat type themselves, so those handlers only ever see their own audience and chats."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.commands import BY_NAME, GROUP, PRIVATE, Audience, names
from bot.outbox import Outbox
from bot.texts import Translator
from handlers.filters import IsOwner, IsStaff


async def refuse(message: Message, command: CommandObject, out: Outbox, _: Translator, group_: Translator) -> None:
    key = "owner-only" if BY_NAME[command.command].audience is Audience.OWNER else "staff-only"
    if message.chat.type == "private":
        out.message(message.chat.id, _(key))
    else:
        # However many customers try, the group gets one refusal per window.
        out.group_line(message.chat.id, key, None, lambda _items: group_(key))


async def elsewhere(message: Message, command: CommandObject, out: Outbox, _: Translator) -> None:
    """A staff command that works only in a group sent in private (or the other way round)."""
    out.message(message.chat.id, _(BY_NAME[command.command].elsewhere),
                reply_to=message.message_id if message.chat.type != "private" else None)


def create_router() -> Router:
    router = Router(name="access")
    router.message.register(refuse, Command(*names(Audience.OWNER)), ~IsOwner())
    router.message.register(refuse, Command(*names(Audience.STAFF)), ~IsStaff())
    for scopes, wrong_chat in ((GROUP, F.chat.type == "private"), (PRIVATE, F.chat.type != "private")):
        tools = (*names(Audience.STAFF, only=scopes), *names(Audience.OWNER, only=scopes))
        if tools:
            router.message.register(elsewhere, Command(*tools), wrong_chat)
    return router
