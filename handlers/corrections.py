"""Staff corrections: /points USER +N|-N REASON, /points USER, /points limit N (owners)."""

from __future__ import annotations

import re
from datetime import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.outbox import Outbox
from bot.services import corrections as service
from bot.services import ledger, people
from bot.services import lottery as settings_service
from bot.services.people import Profile
from bot.texts import ECHO, LIST_NAME, Markup, Translator, language_for, lines, shorten
from games.errors import InsufficientPoints
from games.points import MAX_MOVEMENT
from games.types import Role
from handlers.filters import IsStaff

AMOUNT = re.compile(r"[+-][0-9]{1,9}")
NOTE = 40  # a ledger entry's note, as staff see it


def _reply(out: Outbox, message: Message, text: str) -> None:
    out.message(message.chat.id, text, reply_to=message.message_id if message.chat.type != "private" else None)


async def _target(session: AsyncSession, arg: str) -> tuple[int, str, bool] | None:
    """(id, name, is a bot) of a user the bot knows by id or @username."""
    user = None
    if arg.isascii() and arg.isdigit() and len(arg) <= 16 and 0 < int(arg) < 2**52:
        user = await people.get_user(session, int(arg))
    elif arg.startswith("@") and 1 < len(arg) <= 33:
        user = await people.find_user_by_username(session, arg)
    return None if user is None else (user.id, user.first_name, user.is_bot)


async def points_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox, _: Translator,
    profile: Profile, role: Role, now: datetime,
) -> None:
    parts = (command.args or "").split()
    if parts and parts[0].lower() == "limit":
        await _limit(message, parts[1:], session, out, _, profile, role, now)
        return
    replied = message.reply_to_message.from_user if message.reply_to_message else None
    target: tuple[int, str, bool] | None
    if parts and not AMOUNT.fullmatch(parts[0]):
        target = await _target(session, parts[0])
        if target is None:
            _reply(out, message, _("pt-unknown-user", arg=shorten(parts[0], ECHO)) + "\n" + _("pt-usage"))
            return
        parts = parts[1:]
    elif replied is not None:
        target = (replied.id, replied.full_name, replied.is_bot)
    else:
        _reply(out, message, _("pt-usage"))
        return
    user_id, name, is_bot = target
    name = shorten(name, LIST_NAME)
    if user_id == ledger.SHOP_ACCOUNT or is_bot:
        _reply(out, message, _("pt-not-a-member", name=name))
        return
    if not parts:
        await _statement(message, app, session, out, _, user_id, name)
        return
    amount_text, reason = parts[0], " ".join(parts[1:])
    if not AMOUNT.fullmatch(amount_text) or not 0 < abs(int(amount_text)) <= MAX_MOVEMENT:
        _reply(out, message, _("pt-bad-amount", value=shorten(amount_text, ECHO), max=MAX_MOVEMENT))
        return
    amount = int(amount_text)
    if not reason:
        _reply(out, message, _("pt-need-reason"))
        return
    if len(reason) > service.MAX_REASON:
        _reply(out, message, _("pt-reason-too-long", max=service.MAX_REASON))
        return
    if role is not Role.OWNER:
        limit = (await settings_service.settings(session)).staff_limit
        if limit <= 0:
            _reply(out, message, _("pt-limit-off"))
            return
        if abs(amount) > limit:
            _reply(out, message, _("pt-over-limit", limit=limit))
            return
    try:
        done = await service.correct(session, user_id=user_id, amount=amount, reason=reason, actor_id=profile.id,
                                     chat_id=message.chat.id, message_id=message.message_id, now=now)
    except InsufficientPoints as short:
        _reply(out, message, _("pt-short", name=name, balance=int(short.params.get("balance", 0))))  # type: ignore[call-overload]
        return
    if done.duplicate:
        return  # the same command delivered again: done (and told) the first time
    key = "pt-granted" if amount > 0 else "pt-deducted"
    _reply(out, message, _(key, name=name, amount=abs(amount), reason=reason, balance=done.balance))
    user = await people.get_user(session, user_id)
    member_ = Translator(app.texts, language_for(user.language_code if user else None, app.settings.default_language))
    out.message(user_id, member_("pt-member-granted" if amount > 0 else "pt-member-deducted", amount=abs(amount),
                                 reason=reason, balance=done.balance), thread_id=None)


async def _limit(message: Message, args: list[str], session: AsyncSession, out: Outbox, _: Translator,
                 profile: Profile, role: Role, now: datetime) -> None:
    if role is not Role.OWNER:
        _reply(out, message, _("owner-only"))
        return
    value = args[0] if len(args) == 1 else ""
    if not (value.isascii() and value.isdigit() and len(value) <= 9 and int(value) <= MAX_MOVEMENT):
        _reply(out, message, _("pt-usage"))
        return
    limit = int(value)
    await settings_service.save_setting(session, "staff_limit", limit, now)
    await people.record_audit(session, actor_id=profile.id, action="points.limit", now=now, details=str(limit))
    _reply(out, message, _("pt-limit-set", limit=limit) if limit else _("pt-limit-owners"))


async def _statement(message: Message, app: App, session: AsyncSession, out: Outbox, _: Translator, user_id: int,
                     name: str) -> None:
    balance, lifetime, entries = await service.statement(session, user_id)
    rows = [_("pt-entry", date=e.created_at.astimezone(app.settings.tz).strftime("%m-%d %H:%M"),
              amount=f"{e.amount:+d}", reason=_(f"reason-{e.reason}"),
              note=_("pt-entry-note", note=shorten(e.ref, NOTE)) if e.ref and e.reason in ("grant", "deduct")
              else Markup("")) for e in entries]
    _reply(out, message, lines(_("pt-statement", name=name, id=user_id, balance=balance, lifetime=lifetime),
                               *(rows or [_("pt-no-entries")])))


def create_router() -> Router:
    router = Router(name="corrections")
    router.message.register(points_command, Command("points"), IsStaff())
    return router
