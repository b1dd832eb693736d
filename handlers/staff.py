"""Staff tools: /staff (owners), /setup, /checkin_config, /checkin_post (refusals: handlers/access.py)."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.db.models import Group
from bot.directory import GroupInfo
from bot.outbox import Outbox
from bot.services import groups as group_service
from bot.services import people
from bot.services import rights as rights_service
from bot.services.people import Profile
from bot.texts import ECHO, LIST_NAME, Markup, Translator, lines, shorten
from bot.views import rights as bot_rights
from bot.views.checkin import checkin_keyboard, checkin_post_text
from games.checkin import CheckinRules, parse_config
from games.errors import ConfigError
from games.inputs import MAX_TELEGRAM_ID, parse_id
from handlers.filters import GROUP_TYPES, IsOwner, IsStaff

LABEL_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")
STAFF_ROWS = 50  # /staff list names the first 50, then "and N more"


def _reply(out: Outbox, message: Message, text: str) -> None:
    out.message(message.chat.id, text, reply_to=message.message_id if message.chat.type != "private" else None)


def _rules_summary(_: Translator, rules: CheckinRules) -> str:
    bonuses = Markup(", ".join(_("config-bonus", period=n, points=p) for n, p in sorted(rules.bonuses.items())))
    return _("config-summary", base=rules.base, bonuses=bonuses or _("config-no-bonus"),
             post=rules.post_time.strftime("%H:%M") if rules.post_time else _("config-post-off"))


# ---- /staff add|remove|list (owners) ---------------------------------------------------------

async def resolve_target(session: AsyncSession, message: Message, arg: str | None) -> tuple[int, str] | None:
    if message.reply_to_message and message.reply_to_message.from_user and not arg:
        target = message.reply_to_message.from_user
        return target.id, target.full_name
    if not arg:
        return None
    user_id = parse_id(arg, maximum=MAX_TELEGRAM_ID)
    if user_id is not None:
        user = await people.get_user(session, user_id)
        return user_id, (user.first_name if user else arg)
    if arg.startswith("@"):
        user = await people.find_user_by_username(session, arg)
        if user is not None:
            return user.id, user.first_name
    return None


async def is_a_bot(session: AsyncSession, bot: Bot, message: Message, user_id: int) -> bool:
    """Whether ``user_id`` is this bot, the bot replied to, or an account the bot knows is a bot."""
    replied = message.reply_to_message.from_user if message.reply_to_message else None
    if user_id == bot.id or (replied is not None and replied.id == user_id and replied.is_bot):
        return True
    user = await people.get_user(session, user_id)
    return user is not None and user.is_bot


async def staff_command(
    message: Message, command: CommandObject, bot: Bot, app: App, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, now: datetime,
) -> None:
    parts = (command.args or "").split()
    action = parts[0].lower() if parts else ""
    if action == "list":
        ids = sorted(await people.staff_ids(session))
        names = []
        for uid in ids[:STAFF_ROWS]:
            user = await people.get_user(session, uid)
            names.append(_("staff-list-row", name=shorten(user.first_name, LIST_NAME) if user else str(uid), id=uid))
        more = _("list-more", count=len(ids) - STAFF_ROWS) if len(ids) > STAFF_ROWS else None
        _reply(out, message, lines(_("staff-list", count=len(ids)), *(names or [_("staff-list-empty")]), more))
        return
    if action not in ("add", "remove"):
        _reply(out, message, _("staff-usage"))
        return
    if len(parts) < 2 and not (message.reply_to_message and message.reply_to_message.from_user):
        _reply(out, message, _("staff-usage"))
        return
    replied = message.reply_to_message.from_user if message.reply_to_message else None
    if len(parts) < 2 and replied is not None and replied.is_bot:
        _reply(out, message, _("staff-not-a-bot"))
        return
    target = await resolve_target(session, message, parts[1] if len(parts) > 1 else None)
    if target is None:
        _reply(out, message, _("staff-unknown-user", arg=shorten(parts[1], ECHO) if len(parts) > 1 else ""))
        return
    user_id, name = target
    if action == "add" and await is_a_bot(session, bot, message, user_id):
        _reply(out, message, _("staff-not-a-bot"))
        return
    if action == "add":
        changed = await people.add_staff(session, user_id, profile.id, now)
        key = "staff-added" if changed else "staff-already"
    else:
        changed = await people.remove_staff(session, user_id)
        key = "staff-removed" if changed else "staff-not-staff"
    if changed:
        await people.record_audit(session, actor_id=profile.id, action=f"staff.{action}", now=now,
                                  target=str(user_id))
        out.after_commit(lambda: app.directory.reload(app.db))
    _reply(out, message, _(key, name=name, id=user_id))


# ---- group set-up (staff, in a group) -----------------------------------------------------------

async def setup(
    message: Message, command: CommandObject, bot: Bot, app: App, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, now: datetime,
) -> None:
    label = (command.args or "general").strip().lower()
    if len(label) > 32 or not set(label) <= LABEL_CHARS:
        _reply(out, message, _("setup-bad-label", label=shorten(label, ECHO)))
        return
    me = await bot_rights.fetch(bot, message.chat.id)
    if me is None or not me.is_admin:
        _reply(out, message, _("setup-need-admin"))
        return
    name = await bot_rights.bot_name(bot)
    channel = app.settings.shop_channel
    channel_admin = True
    if channel is not None:
        # The "follows the shop" threshold asks the channel who is in it: the bot must be admin there.
        # (Asked before the transaction starts: never hold one across an API call.)
        try:
            in_channel = await bot.get_chat_member(channel, bot.id)
            channel_admin = in_channel.status in ("administrator", "creator")
        except TelegramAPIError:
            channel_admin = False
    title = message.chat.title or str(message.chat.id)
    # In a forum, the topic /setup is sent in becomes the home of the bot's own posts.
    thread_id = message.message_thread_id if message.is_topic_message else None
    new = await group_service.register(session, chat_id=message.chat.id, title=title, label=label,
                                       by=profile.id, now=now, thread_id=thread_id)
    await people.record_audit(session, actor_id=profile.id, action="group.setup", now=now,
                              chat_id=message.chat.id, details=f"label={label}")
    await people.add_to_group(session, message.chat.id, profile.id, now)
    # What staff are told now is the state a later rights change is compared with.
    await rights_service.swap(session, message.chat.id, me.encode(), now)
    group = await group_service.get_group(session, message.chat.id)
    assert group is not None
    out.after_commit(lambda: app.directory.reload(app.db))
    done = _("setup-done" if new else "setup-updated", title=title, label=label,
             rules=_rules_summary(_, group_service.rules_of(group)))
    report = bot_rights.report(_, me, supergroup=message.chat.type == "supergroup", name=name)
    if message.chat.type == "group":  # how to get a supergroup is in the report; the move is ours
        report = Markup(f"{report}\n{_('setup-basic-group')}")
    _reply(out, message, Markup(f"{done}\n\n{report}"))
    if channel is not None and not channel_admin:
        _reply(out, message, _("setup-channel-not-admin", channel=channel))
    if message.chat.is_forum:
        _reply(out, message, _("setup-topic" if thread_id is not None else "setup-general-topic"))


async def group_row(session: AsyncSession, message: Message, out: Outbox, _: Translator,
                    group: GroupInfo | None) -> Group | None:
    """The registered group a staff command is about, or None after telling staff to /setup first."""
    if group is None:
        _reply(out, message, _("group-not-registered"))
        return None
    return await group_service.get_group(session, group.chat_id)


async def checkin_config(
    message: Message, command: CommandObject, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, group: GroupInfo | None, now: datetime,
) -> None:
    row = await group_row(session, message, out, _, group)
    if row is None:
        return
    current = group_service.rules_of(row)
    if not command.args:
        _reply(out, message, _("config-usage", rules=_rules_summary(_, current)))
        return
    try:
        rules = parse_config(command.args, current)
    except ConfigError as exc:
        _reply(out, message, _("config-error", item=shorten(str(exc.params.get("detail", "")), ECHO),
                               rules=_rules_summary(_, current)))
        return
    await group_service.save_rules(session, row.chat_id, rules)
    await people.record_audit(session, actor_id=profile.id, action="checkin.config", now=now,
                              chat_id=row.chat_id, details=command.args)
    _reply(out, message, _("config-saved", rules=_rules_summary(_, rules)))


async def checkin_post(
    message: Message, session: AsyncSession, out: Outbox, _: Translator, group_: Translator,
    group: GroupInfo | None, profile: Profile, now: datetime,
) -> None:
    row = await group_row(session, message, out, _, group)
    if row is None:
        return
    await people.record_audit(session, actor_id=profile.id, action="checkin.post", now=now, chat_id=row.chat_id)
    out.message(row.chat_id, checkin_post_text(group_, group_service.rules_of(row)),
                reply_markup=checkin_keyboard(group_), thread_id=row.thread_id)


def create_router() -> Router:
    router = Router(name="staff")
    router.message.register(staff_command, Command("staff"), IsOwner())
    router.message.register(setup, Command("setup"), IsStaff(), F.chat.type.in_(GROUP_TYPES))
    router.message.register(checkin_config, Command("checkin_config"), IsStaff())
    router.message.register(checkin_post, Command("checkin_post"), IsStaff())
    return router
