"""/start and /help, per role and chat type."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from bot.commands import help_text
from bot.outbox import Outbox
from bot.services.people import Profile
from bot.texts import Translator
from games.types import Role


async def start(message: Message, out: Outbox, _: Translator, group_: Translator, profile: Profile,
                role: Role) -> None:
    if message.chat.type != "private":
        out.group_line(message.chat.id, "help", None, lambda _items: group_("help-group"))
        return
    out.message(message.chat.id, _("start", name=profile.first_name) + "\n\n" + help_text(_, role))


async def help_command(message: Message, out: Outbox, _: Translator, group_: Translator, role: Role) -> None:
    if message.chat.type != "private":
        # One help message per window however many members ask.
        out.group_line(message.chat.id, "help", None, lambda _items: group_("help-group"))
        return
    out.message(message.chat.id, help_text(_, role))


def create_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart())
    router.message.register(help_command, Command("help"))
    return router
