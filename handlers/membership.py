"""The bot's own membership and rights changing: added to or removed from a group, promoted,
demoted, its admin rights changed; made an administrator of the shop channel."""

from __future__ import annotations

import logging
from datetime import datetime

from aiogram import Bot, Router
from aiogram.types import Chat, ChatMemberUpdated
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.config import Settings
from bot.directory import GroupInfo
from bot.outbox import Outbox
from bot.services import groups as group_service
from bot.services import rights as rights_service
from bot.texts import Translator
from bot.views import rights as bot_rights
from games.rights import BotRights, Change, compare

log = logging.getLogger(__name__)


async def bot_membership(event: ChatMemberUpdated, bot: Bot, app: App, session: AsyncSession, out: Outbox,
                         group_: Translator, group: GroupInfo | None, now: datetime) -> None:
    if event.chat.type == "private":
        return
    name = await bot_rights.bot_name(bot)  # before the transaction starts (getMe, cached)
    old = bot_rights.from_member(event.old_chat_member)
    new = bot_rights.from_member(event.new_chat_member)
    if event.chat.type == "channel":
        await shop_channel_changed(event.chat, old, new, app, session, out, group_, now)
        return
    if group is None:  # not a shop group (or no longer one): only the set-up hint
        if new.present and not old.present:
            out.message(event.chat.id, group_("bot-added"))
        return
    if not new.present:
        await group_service.set_active(session, event.chat.id, False)
        out.after_commit(lambda: app.directory.reload(app.db))
    # Staff hear about a change once: the stored state is moved by exactly one update.
    changed, previous = await rights_service.swap(session, event.chat.id, new.encode(), now)
    if not changed:
        return
    change = compare(BotRights.decode(previous) if previous else old, new,
                     supergroup=event.chat.type == "supergroup")
    if change is None:
        return
    text = bot_rights.change_text(group_, change, new, title=group.title, name=name)
    if change.change is not Change.REMOVED and new.can_post:
        out.message(event.chat.id, text)
    else:  # the bot cannot speak in the group any more: the owners hear it privately
        for owner_id in sorted(app.settings.owner_ids):
            out.message(owner_id, text)


def is_shop_channel(settings: Settings, chat: Chat) -> bool:
    channel = settings.shop_channel
    if channel is None:
        return False
    if channel.startswith("@"):
        return chat.username is not None and chat.username.lower() == channel[1:].lower()
    return channel == str(chat.id)


async def shop_channel_changed(chat: Chat, old: BotRights, new: BotRights, app: App, session: AsyncSession,
                               out: Outbox, group_: Translator, now: datetime) -> None:
    """Nothing is ever posted into a channel. For the shop channel the owners hear, privately,
    that the "follows the shop" check works now (with the group set-up hint) or no longer does."""
    if not is_shop_channel(app.settings, chat):
        log.info("bot status in channel %s (not the shop channel): %s", chat.id, new.status)
        return
    changed, previous = await rights_service.swap(session, chat.id, new.encode(), now)
    if not changed:
        return
    was_admin = (BotRights.decode(previous) if previous else old).is_admin
    if new.is_admin == was_admin:
        return
    text = group_("channel-admin-hint" if new.is_admin else "channel-admin-lost", title=chat.title or str(chat.id))
    for owner_id in sorted(app.settings.owner_ids):
        out.message(owner_id, text)


def create_router() -> Router:
    router = Router(name="membership")
    router.my_chat_member.register(bot_membership)
    return router
