"""Every command, declared once: who may use it, in which chats, its menu entry and its /help line.

The command menus per scope (setMyCommands), /help per role and the refusals (a customer sending a
staff command, a group tool sent in private) all derive from :data:`COMMANDS`; a test fails when a
handler registers a command that is not declared here. Texts: ``cmd-<name>`` (menu description)
and the ``help`` key of each command, in every language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
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

from bot.texts import LANGUAGES, Lang, Texts, Translator
from games.types import Role

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


class Audience(StrEnum):
    EVERYONE = "everyone"  # anyone who talks to the bot
    MEMBER = "member"  # the shop's customers: checking in, points, red packets, orders
    STAFF = "staff"  # shop staff and owners
    OWNER = "owner"  # owners only

    def admits(self, role: Role) -> bool:
        if self is Audience.OWNER:
            return role is Role.OWNER
        if self is Audience.STAFF:
            return role.is_staff
        return True


class Scope(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


PRIVATE = frozenset({Scope.PRIVATE})
GROUP = frozenset({Scope.GROUP})
ANYWHERE = PRIVATE | GROUP


@dataclass(frozen=True)
class CommandSpec:
    """``scopes``: the chats the command works in. ``help``: its line in /help (None: explained on
    another command's line, or not listed). ``menu``: offered in the command menus of its audience
    and scopes (description ``cmd-<name>``). ``elsewhere``: what staff hear when they send a
    command that works in one kind of chat in the other."""

    name: str
    audience: Audience
    scopes: frozenset[Scope]
    help: str | None
    menu: bool = True
    elsewhere: str = "staff-group-only"


_E, _M, _S, _O = Audience.EVERYONE, Audience.MEMBER, Audience.STAFF, Audience.OWNER

# The order is the order of the menus and of /help.
COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", _E, PRIVATE, None),
    CommandSpec("checkin", _M, ANYWHERE, "help-cmd-checkin"),
    CommandSpec("me", _M, ANYWHERE, "help-cmd-me"),
    CommandSpec("top", _M, ANYWHERE, "help-cmd-top"),
    CommandSpec("redpacket", _M, GROUP, "help-cmd-redpacket"),
    CommandSpec("bind", _M, PRIVATE, "help-cmd-bind"),
    CommandSpec("rewards", _M, PRIVATE, "help-cmd-rewards"),
    CommandSpec("draw", _M, PRIVATE, "help-cmd-draw"),
    CommandSpec("help", _E, ANYWHERE, "help-cmd-help"),
    # Group tools: shown to group administrators, explained under "Staff tools".
    CommandSpec("setup", _S, GROUP, "help-cmd-setup"),
    CommandSpec("checkin_config", _S, GROUP, "help-cmd-checkin_config"),
    CommandSpec("checkin_post", _S, GROUP, "help-cmd-checkin_post"),
    CommandSpec("gate", _S, GROUP, "help-cmd-gate"),
    CommandSpec("welcome", _S, GROUP, "help-cmd-welcome"),
    CommandSpec("invite", _S, GROUP, "help-cmd-invite"),
    CommandSpec("invites", _S, GROUP, None),  # on /invite's line
    CommandSpec("settings", _S, GROUP, "help-cmd-settings"),
    CommandSpec("budget", _S, ANYWHERE, "help-cmd-budget"),
    CommandSpec("redpacket_schedule", _S, GROUP, "help-cmd-redpacket_schedule"),
    CommandSpec("vote", _S, GROUP, "help-cmd-vote"),
    CommandSpec("votes", _S, GROUP, "help-cmd-votes"),
    CommandSpec("vote_close", _S, GROUP, None, menu=False),  # on /votes' line
    CommandSpec("vote_cancel", _S, GROUP, None, menu=False),  # on /votes' line
    CommandSpec("guess", _S, GROUP, "help-cmd-guess"),
    CommandSpec("guess_close", _S, GROUP, None, menu=False),  # on /guess's line
    CommandSpec("guess_cancel", _S, GROUP, None, menu=False),  # on /guess's line
    CommandSpec("guesses", _S, GROUP, "help-cmd-guesses"),
    # Staff tools that work anywhere: explained under "Anywhere", not in the menus.
    CommandSpec("ban", _S, ANYWHERE, "help-cmd-ban", menu=False),
    CommandSpec("unban", _S, ANYWHERE, None, menu=False),  # on /ban's line
    CommandSpec("allow", _S, ANYWHERE, "help-cmd-allow", menu=False),
    CommandSpec("tag", _S, ANYWHERE, None, menu=False),  # on /allow's line
    CommandSpec("segment", _S, ANYWHERE, "help-cmd-segment", menu=False),
    CommandSpec("import_orders", _S, PRIVATE, "help-cmd-import_orders", menu=False, elsewhere="orders-private-only"),
    CommandSpec("audit", _S, ANYWHERE, "help-cmd-audit", menu=False),
    CommandSpec("tier", _S, ANYWHERE, "help-cmd-tier", menu=False),
    CommandSpec("points_rate", _S, ANYWHERE, "help-cmd-points_rate", menu=False),
    CommandSpec("vote_results", _S, ANYWHERE, "help-cmd-vote_results", menu=False),
    CommandSpec("reward", _S, PRIVATE, "help-cmd-reward", menu=False, elsewhere="rw-private-only"),
    CommandSpec("redemptions", _S, PRIVATE, "help-cmd-redemptions", menu=False, elsewhere="rw-private-only"),
    CommandSpec("redemption", _S, PRIVATE, None, menu=False, elsewhere="rw-private-only"),  # on /redemptions' line
    CommandSpec("lottery", _S, ANYWHERE, "help-cmd-lottery", menu=False),
    CommandSpec("points", _S, ANYWHERE, "help-cmd-points", menu=False),
    CommandSpec("staff", _O, ANYWHERE, "help-cmd-staff"),
    # ---- catalogue (issue 12): staff, private chat (handlers/catalogue.py) ----
    CommandSpec("product", _S, PRIVATE, "help-cmd-product", menu=False, elsewhere="cat-private-only"),
    CommandSpec("products", _S, PRIVATE, None, menu=False, elsewhere="cat-private-only"),  # on /product's line
    # Announcements (issue 12): new arrivals, pre-announcements, restocks and reservations.
    CommandSpec("announce", _S, PRIVATE, "help-cmd-announce", menu=False, elsewhere="an-private-only"),
    CommandSpec("stock", _S, PRIVATE, "help-cmd-stock", menu=False, elsewhere="an-private-only"),
    CommandSpec("claim", _S, PRIVATE, "help-cmd-claim", menu=False, elsewhere="an-private-only"),
    # Recurring posts and campaigns (issue 12, campaigns).
    CommandSpec("schedule", _S, PRIVATE, "cp-help-schedule", menu=False, elsewhere="cp-private-only"),
    CommandSpec("campaign", _S, PRIVATE, "cp-help-campaign", menu=False, elsewhere="cp-private-only"),
    CommandSpec("stop_promos", _M, PRIVATE, "cp-help-promos", menu=False),
    CommandSpec("start_promos", _M, PRIVATE, None, menu=False),  # on /stop_promos' line
    # ---- broadcast engine: delivery reports
    CommandSpec("broadcasts", _S, ANYWHERE, "help-cmd-broadcasts", menu=False),
    CommandSpec("broadcast", _S, ANYWHERE, None, menu=False),  # on /broadcasts' line
)
BY_NAME = {spec.name: spec for spec in COMMANDS}


def names(audience: Audience, *, only: frozenset[Scope] | None = None) -> tuple[str, ...]:
    """The commands of ``audience`` (``only``: those that work in exactly these chats)."""
    return tuple(c.name for c in COMMANDS if c.audience is audience and (only is None or c.scopes == only))


def _menu_names(audiences: tuple[Audience, ...], scope: Scope) -> tuple[str, ...]:
    return tuple(c.name for c in COMMANDS if c.menu and c.audience in audiences and scope in c.scopes)


CUSTOMERS = (Audience.EVERYONE, Audience.MEMBER)
PRIVATE_COMMANDS = _menu_names(CUSTOMERS, Scope.PRIVATE)
GROUP_COMMANDS = _menu_names(CUSTOMERS, Scope.GROUP)
# Group administrators (where shop staff work) see the group tools too.
ADMIN_GROUP_COMMANDS = _menu_names((*CUSTOMERS, Audience.STAFF), Scope.GROUP)
# Owners see /staff in their private chat.
OWNER_PRIVATE_COMMANDS = _menu_names((*CUSTOMERS, Audience.OWNER), Scope.PRIVATE)


# ---- /help -----------------------------------------------------------------------------------------

def help_text(_: Translator, role: Role) -> str:
    """/help for ``role``: what everyone can do; staff tools (group tools, then those that work
    anywhere); owner tools — each section the lines of the commands declared for it."""

    def section(heading: str, specs: list[CommandSpec]) -> list[str]:
        rows = [_(c.help) for c in specs if c.help]
        return [_(heading), *rows] if rows else []

    parts = ["\n".join(section("help-heading-customer", [c for c in COMMANDS if c.audience in CUSTOMERS]))]
    if role.is_staff:
        staff = [c for c in COMMANDS if c.audience is Audience.STAFF]
        parts.append("\n".join(section("help-heading-staff", [c for c in staff if c.scopes == GROUP])
                               + section("help-heading-anywhere", [c for c in staff if c.scopes != GROUP])))
    if role is Role.OWNER:
        parts.append("\n".join(section("help-heading-owner", [c for c in COMMANDS if c.audience is Audience.OWNER])))
    return "\n\n".join(parts)


# ---- command menus -----------------------------------------------------------------------------------

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
