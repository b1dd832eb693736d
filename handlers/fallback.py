"""What nobody else handled: stale buttons, unknown commands and chatter in private chat."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.outbox import Outbox
from bot.texts import Translator, shorten

MAX_ECHOED_COMMAND = 33  # "/" and Telegram's 32 characters: a longer "command" is echoed cut


async def stale_button(query: CallbackQuery, out: Outbox, _: Translator) -> None:
    out.popup(_("button-expired"))


async def unknown_command(message: Message, out: Outbox, _: Translator) -> None:
    command = shorten((message.text or "").split()[0], MAX_ECHOED_COMMAND)
    out.message(message.chat.id, _("unknown-command", command=command))


async def chatter(message: Message, out: Outbox, _: Translator) -> None:
    out.message(message.chat.id, _("private-hint"))


def create_router() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(stale_button)
    router.message.register(unknown_command, F.chat.type == "private", F.text.startswith("/"))
    router.message.register(chatter, F.chat.type == "private")
    return router
