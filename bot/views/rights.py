"""The bot's own rights in a chat, as Telegram reports them (getChatMember), and how staff read them:
which features work, which are missing, and exactly which right to grant where."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatMemberUnion

from bot.texts import Markup, Translator
from games.rights import NEEDS, RIGHTS, BotRights, Change, Feature, RightsChange

log = logging.getLogger(__name__)


def from_member(member: ChatMemberUnion) -> BotRights:
    """The rights in a ChatMember object (of getChatMember or a my_chat_member update)."""
    rights = {right: getattr(member, right, None) for right in RIGHTS}
    return BotRights.of(member.status, rights, can_send=bool(getattr(member, "can_send_messages", True)))


async def fetch(bot: Bot, chat_id: int | str) -> BotRights | None:
    """The bot's rights in ``chat_id`` now; None when Telegram could not tell (logged)."""
    try:
        member = await bot.get_chat_member(chat_id, bot.id)
    except TelegramAPIError as exc:
        log.warning("getChatMember(%s, bot) failed: %s", chat_id, exc)
        return None
    return from_member(member)


async def bot_name(bot: Bot) -> str:
    me = await bot.me()
    return f"@{me.username}" if me.username else me.full_name


def feature_name(_: Translator, feature: Feature) -> Markup:
    return _(f"rights-feature-{feature}")


def right_name(_: Translator, feature: Feature) -> Markup:
    return _(f"rights-right-{NEEDS[feature]}")


def how_to_grant(_: Translator, features: tuple[Feature, ...], name: str) -> Markup:
    """"Group → Administrators → @bot → enable "…"" for the rights ``features`` need."""
    rights = Markup(_("rights-separator").join(_("rights-quoted", right=right_name(_, f)) for f in features))
    return _("rights-how", bot=name, rights=rights)


def report(_: Translator, rights: BotRights, *, supergroup: bool, name: str) -> Markup:
    """Every feature that depends on a right: working, or what is missing and how to grant it."""
    lines = []
    for feature in Feature:
        if rights.works(feature, supergroup=supergroup):
            lines.append(_("rights-line-ok", feature=feature_name(_, feature)))
        elif NEEDS[feature] in rights.granted:  # only the chat type is wrong
            lines.append(_("rights-line-supergroup", feature=feature_name(_, feature)))
        else:
            lines.append(_("rights-line-missing", feature=feature_name(_, feature), right=right_name(_, feature)))
    parts = [_("rights-report", lines=Markup("\n".join(lines)))]
    missing = rights.missing()
    if missing:
        parts.append(how_to_grant(_, missing, name))
    if not supergroup:
        parts.append(_("rights-needs-supergroup"))
    return Markup("\n".join(parts))


def change_text(_: Translator, change: RightsChange, rights: BotRights, *, title: str, name: str) -> Markup:
    """What staff hear when the bot's rights in a group change: the features affected, and the fix."""
    if change.change is Change.REMOVED:
        return _("rights-removed", title=title)
    parts = [_(f"rights-change-{change.change}", title=title)]
    parts += [_("rights-line-again", feature=feature_name(_, f)) for f in change.gained]
    parts += [_("rights-line-stopped", feature=feature_name(_, f), right=right_name(_, f)) for f in change.lost]
    missing = rights.missing()
    if missing:
        parts.append(how_to_grant(_, missing, name))
    return Markup("\n".join(parts))
