"""What nobody else handled: stale buttons, unknown commands and chatter in private chat."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.outbox import Outbox
from bot.texts import Translator


async def stale_button(query: CallbackQuery, out: Outbox, _: Translator) -> None:
    out.popup(_("button-expired"))


async def unknown_command(message: Message, out: Outbox, _: Translator) -> None:
    command = (message.text or "").split()[0]
    out.message(message.chat.id, _("unknown-command", command=command))


async def chatter(message: Message, out: Outbox, _: Translator) -> None:
    out.message(message.chat.id, _("private-hint"))


def create_router() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(stale_button)
    router.message.register(unknown_command, F.chat.type == "private", F.text.startswith("/"))
    router.message.register(chatter, F.chat.type == "private")
    return router
