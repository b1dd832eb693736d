"""Announcements (上新推送, 预约上新, 补货通知): /announce new|soon|restock, /stock and /claim (staff,
private); the "🔔 Remind me", "🔔 Notify me" and "✅ Claim" buttons; /start remind_<id> and
/start notify_<id> (the deep links a member who never started the bot is sent to)."""

from __future__ import annotations

import re
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.middlewares import READS_ONLY
from bot.outbox import Outbox
from bot.services import announcements as service
from bot.services import people
from bot.services.people import Profile
from bot.texts import ECHO, Translator, shorten
from bot.views import announcements as views
from bot.views.announcements import ClaimCb, NotifyCb, RemindCb
from games import announcements as rules
from games.errors import DomainError
from games.inputs import parse_id
from games.windows import AtError
from handlers.filters import IsStaff

LIST = re.compile(r"(?i)^\s*list\s*$")


def _reply(out: Outbox, message: Message, text: str) -> None:
    out.message(message.chat.id, text)


def _error(_: Translator, error: DomainError) -> str:
    params = {k: shorten(v, ECHO) if isinstance(v, str) else v for k, v in error.params.items()
              if isinstance(v, int | str)}
    return _(error.key, **params)


# ---- /announce (staff, private) -----------------------------------------------------------------------

async def announce_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox, _: Translator,
    profile: Profile, now: datetime,
) -> None:
    args = (command.args or "").strip()
    if not args:
        _reply(out, message, _("an-usage"))
        return
    action, rest = rules.parse_action(args)
    if action == "cancel":
        await _cancel(message, session, out, _, profile, now, rest)
        return
    try:
        spec = rules.parse_announce(args, now.astimezone(app.settings.tz))
        created = await service.create(session, spec=spec, go_live_at=spec.at.moment, actor_id=profile.id,
                                       source_key=service.command_key(message.chat.id, message.message_id), now=now)
    except rules.AnnounceRefused as refused:
        _reply(out, message, _error(_, refused))
        return
    except (rules.AnnounceError, AtError) as error:
        _reply(out, message, _error(_, error) + "\n" + _("an-usage"))
        return
    if not created.new:  # the same update delivered twice
        return
    await people.record_audit(session, actor_id=profile.id, action=f"announce.{created.kind}", now=now,
                              target=f"an:{created.announcement_id}", details=shorten(args, 1000))
    _reply(out, message, views.created_text(app, _, created))


async def _cancel(message: Message, session: AsyncSession, out: Outbox, _: Translator, profile: Profile,
                  now: datetime, rest: str) -> None:
    announcement_id = parse_id(rest)
    if announcement_id is None:
        _reply(out, message, _("an-cancel-usage"))
        return
    cancelled = await service.cancel(session, announcement_id, now)
    if cancelled is None:
        _reply(out, message, _("an-cancel-not-scheduled", id=announcement_id))
        return
    await people.record_audit(session, actor_id=profile.id, action="announce.cancel", now=now,
                              target=f"an:{announcement_id}", details=f"deliveries={cancelled}")
    _reply(out, message, _("an-cancelled", id=announcement_id, count=cancelled))


async def list_command(message: Message, app: App, session: AsyncSession, out: Outbox, _: Translator) -> None:
    listed, total = await service.recent(session, views.LIST_ROWS)
    _reply(out, message, views.list_text(app, _, listed, total))


# ---- /stock SKU N (staff, private) ---------------------------------------------------------------------

async def stock_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox, _: Translator,
    profile: Profile, now: datetime,
) -> None:
    args = (command.args or "").strip()
    if not args:
        _reply(out, message, _("an-stock-usage"))
        return
    try:
        spec = rules.parse_stock(args)
        result = await service.set_stock(session, spec, actor_id=profile.id, now=now,
                                         source_key=service.command_key(message.chat.id, message.message_id))
    except rules.AnnounceRefused as refused:
        _reply(out, message, _error(_, refused))
        return
    except rules.AnnounceError as error:
        _reply(out, message, _error(_, error) + "\n" + _("an-stock-usage"))
        return
    await people.record_audit(session, actor_id=profile.id, action="stock.set", now=now,
                              target=f"sku:{result.item.sku}", details=f"{result.before}->{result.after}")
    _reply(out, message, views.stock_text(app, _, result))


# ---- /claim CODE (staff, private): a member ordered quoting their reservation code ---------------------

async def claim_command(
    message: Message, command: CommandObject, session: AsyncSession, out: Outbox, _: Translator, profile: Profile,
    now: datetime,
) -> None:
    text = (command.args or "").strip()
    if not text:
        _reply(out, message, _("an-claim-usage"))
        return
    code = rules.normalize_code(text)
    if code is None:
        _reply(out, message, _("an-claim-bad-code", value=shorten(text, ECHO)) + "\n" + _("an-claim-usage"))
        return
    try:
        claimed = await service.claim(session, code=code, by=profile.id, now=now)
    except rules.AnnounceRefused as refused:
        _reply(out, message, _error(_, refused))
        return
    await people.record_audit(session, actor_id=profile.id, action="reservation.claim", now=now,
                              target=f"res:{claimed.reservation_id}", details=f"user={claimed.user_id}")
    _reply(out, message, views.claimed_staff_text(_, claimed))


# ---- buttons -------------------------------------------------------------------------------------------

async def remind_button(query: CallbackQuery, callback_data: RemindCb, bot: Bot, session: AsyncSession,
                        app: App, out: Outbox, _: Translator, profile: Profile, now: datetime) -> None:
    started = await service.is_started(session, profile.id)
    try:
        reminder = await service.remind(session, callback_data.id, profile.id, query.id, toggle=started, now=now)
    except rules.AnnounceRefused as refused:
        out.popup(_error(_, refused))
        return
    if started:
        out.popup(views.remind_text(app, _, reminder))
        return
    # The subscription waits; Telegram opens the bot for them, and Start confirms it.
    me = await bot.me()
    out.popup(_("an-start-first"), url=views.deep_link(me.username or "", rules.DEEP_LINK_REMIND, callback_data.id))


async def notify_button(query: CallbackQuery, callback_data: NotifyCb, bot: Bot, session: AsyncSession,
                        out: Outbox, _: Translator, profile: Profile, now: datetime) -> None:
    try:
        joined = await service.join_waitlist(session, callback_data.id, profile.id, now)
    except rules.AnnounceRefused as refused:
        out.popup(_error(_, refused))
        return
    if await service.is_started(session, profile.id):
        out.popup(views.joined_text(_, joined))
        return
    me = await bot.me()
    out.popup(_("an-start-first"), url=views.deep_link(me.username or "", rules.DEEP_LINK_NOTIFY, callback_data.id))


async def claim_button(query: CallbackQuery, callback_data: ClaimCb, session: AsyncSession, out: Outbox,
                       _: Translator, profile: Profile, now: datetime) -> None:
    if query.message is None or query.message.chat.type != "private":
        out.popup(_("an-claim-no-such"))
        return
    try:
        claimed = await service.claim(session, reservation_id=callback_data.id, user_id=profile.id, by=profile.id,
                                      now=now)
    except rules.AnnounceRefused as refused:
        out.popup(_error(_, refused), alert=True)
        return
    out.popup(_("an-claimed-popup"))
    out.message(query.from_user.id, views.claimed_text(_, claimed))


# ---- /start remind_<id> | notify_<id> ------------------------------------------------------------------

async def start_link(message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox,
                     _: Translator, profile: Profile, now: datetime) -> None:
    """The member started the bot through the link (the broadcast engine records them as a contact:
    handlers/broadcasts.py); the subscription they tapped is confirmed."""
    link = rules.parse_deep_link(command.args or "")
    assert link is not None  # the filter matched it
    kind, item_id = link
    try:
        if item_id is None:
            raise rules.NoSuchAnnouncement()
        if kind == rules.DEEP_LINK_REMIND:
            reminder = await service.remind(session, item_id, profile.id, None, toggle=False, now=now)
            _reply(out, message, _("an-remind-start", name=reminder.name,
                                   when=views.local_time(app, reminder.go_live_at)))
        else:
            joined = await service.join_waitlist(session, item_id, profile.id, now)
            _reply(out, message, _("an-notify-start", name=joined.name, place=joined.place))
    except rules.AnnounceRefused as refused:
        _reply(out, message, _error(_, refused))


def create_router() -> Router:
    router = Router(name="announcements")
    private = F.chat.type == "private"
    router.message.register(list_command, Command("announce", magic=F.args.regexp(LIST)), IsStaff(), private,
                            flags=READS_ONLY)
    router.message.register(announce_command, Command("announce"), IsStaff(), private)
    router.message.register(stock_command, Command("stock"), IsStaff(), private)
    router.message.register(claim_command, Command("claim"), IsStaff(), private)
    router.message.register(start_link, CommandStart(deep_link=True, magic=F.args.func(rules.parse_deep_link)), private)
    router.callback_query.register(remind_button, RemindCb.filter())
    router.callback_query.register(notify_button, NotifyCb.filter())
    router.callback_query.register(claim_button, ClaimCb.filter())
    return router
