"""Command menus per audience (setMyCommands scopes), in both languages."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)

from bot.texts import LANGUAGES, Lang, Texts

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

GROUP_COMMANDS = ("checkin", "me", "top", "redpacket", "help")
PRIVATE_COMMANDS = ("start", "checkin", "me", "top", "bind", "help")
OWNER_PRIVATE_COMMANDS = (*PRIVATE_COMMANDS, "staff")
# Group administrators (where shop staff work) see the group tools too.
ADMIN_GROUP_COMMANDS = (*GROUP_COMMANDS, "setup", "checkin_config", "checkin_post", "gate", "welcome", "invite",
                        "settings", "budget", "redpacket_schedule")


def menu(texts: Texts, lang: Lang, names: tuple[str, ...]) -> list[BotCommand]:
    return [BotCommand(command=name, description=str(texts(lang, f"cmd-{name}"))) for name in names]


async def _set(bot: Bot, commands: list[BotCommand], scope: object, lang: str | None) -> None:
    try:
        await bot.set_my_commands(commands, scope=scope, language_code=lang)  # type: ignore[arg-type]
    except TelegramAPIError as exc:
        log.warning("setMyCommands failed (%s): %s", type(scope).__name__, exc)


async def set_all_commands(bot: Bot, app: App) -> None:
    default: Lang = app.settings.default_language
    for scope, names in ((BotCommandScopeDefault(), PRIVATE_COMMANDS),
                         (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
                         (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
                         (BotCommandScopeAllChatAdministrators(), ADMIN_GROUP_COMMANDS)):
        await _set(bot, menu(app.texts, default, names), scope, None)
        for lang in LANGUAGES:
            await _set(bot, menu(app.texts, lang, names), scope, lang)
    for user_id in sorted(app.directory.owner_ids):
        await set_private_commands(bot, app, user_id)


async def set_private_commands(bot: Bot, app: App, user_id: int) -> None:
    """Owners see /staff in their private chat menu."""
    names = OWNER_PRIVATE_COMMANDS if user_id in app.directory.owner_ids else PRIVATE_COMMANDS
    scope = BotCommandScopeChat(chat_id=user_id)
    await _set(bot, menu(app.texts, app.settings.default_language, names), scope, None)
    for lang in LANGUAGES:
        await _set(bot, menu(app.texts, lang, names), scope, lang)
