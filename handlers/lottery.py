"""The lottery (抽奖): /lottery (staff: the prize table and settings), /draw and the draw buttons."""

from __future__ import annotations

from datetime import date, datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.outbox import Outbox
from bot.services import ledger, people
from bot.services import lottery as service
from bot.services.people import Profile
from bot.texts import ECHO, Markup, Translator, lines, shorten
from bot.views import lottery as views
from bot.views.lottery import DrawCb, Lottery
from games import lottery as rules
from games.errors import DomainError
from games.points import draw_request_key
from handlers.filters import IsStaff


def _reply(out: Outbox, message: Message, text: str) -> None:
    out.message(message.chat.id, text, reply_to=message.message_id if message.chat.type != "private" else None)


def _error(_: Translator, error: DomainError) -> str:
    params = {k: shorten(v, ECHO) if isinstance(v, str) else v for k, v in error.params.items()
              if isinstance(v, int | str)}
    return _(error.key, **params)


def _number(text: str, low: int, high: int) -> int | None:
    value = text.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 and low <= int(value) <= high else None


# ---- /lottery (staff) ----------------------------------------------------------------------------

async def lottery_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox, _: Translator,
    profile: Profile, now: datetime,
) -> None:
    args = (command.args or "").strip()
    action, _sep, rest = args.partition(" ")
    action = action.lower()
    rest = rest.strip()
    usage = _("lt-usage", max=rules.MAX_FREE)
    if action in ("remove", "cost", "free") and not rest:
        _reply(out, message, usage)
    elif action == "":
        rows = await service.table(session)
        _reply(out, message, views.staff_table(_, rows, await service.settings(session)))
    elif action == "add":
        try:
            spec = rules.parse_prize(rest)
            prize_id = await service.add_prize(session, spec, profile.id, now)
        except rules.LotteryError as error:
            _reply(out, message, _error(_, error) + ("\n" + _("lt-error-usage") if type(error) is not rules.LotteryError
                                                     else ""))
            return
        await people.record_audit(session, actor_id=profile.id, action="lottery.add", now=now, target=f"lt:{prize_id}",
                                  details=shorten(rest, 1000))
        rows, config = await service.table(session), await service.settings(session)
        _reply(out, message, lines(_("lt-added", id=prize_id), views.staff_table(_, rows, config)))
    elif action == "remove":
        removed = _number(rest, 1, 2**31 - 1)
        if removed is None:
            _reply(out, message, _("lt-bad-number", value=shorten(rest, ECHO), min=1, max=2**31 - 1) + "\n" + usage)
            return
        if not await service.remove_prize(session, removed):
            _reply(out, message, _("lt-unknown-prize", id=removed))
            return
        await people.record_audit(session, actor_id=profile.id, action="lottery.remove", now=now,
                                  target=f"lt:{removed}")
        _reply(out, message, _("lt-removed", id=removed))
    elif action in ("cost", "free"):
        high = rules.MAX_COST if action == "cost" else rules.MAX_FREE
        value = _number(rest, 0, high)
        if value is None:
            _reply(out, message, _("lt-bad-number", value=shorten(rest, ECHO), min=0, max=high) + "\n" + usage)
            return
        await service.save_setting(session, "lottery_cost" if action == "cost" else "lottery_free", value, now)
        await people.record_audit(session, actor_id=profile.id, action=f"lottery.{action}", now=now, details=str(value))
        if action == "cost":
            _reply(out, message, _("lt-cost-set", cost=value) if value else _("lt-cost-off"))
        else:
            _reply(out, message, _("lt-free-set", free=value))
    elif action == "draws" and not rest:
        _reply(out, message, views.draws_list(_, await service.latest_draws(session), app.settings.tz))
    else:
        _reply(out, message, usage)


# ---- drawing (members, private) -----------------------------------------------------------------------

async def _draw(app: App, lottery: Lottery, session: AsyncSession, out: Outbox, _: Translator, user_id: int,
                chat_id: int, message_id: int, *, paid: bool, now: datetime, today: date) -> str | None:
    """One draw; sends its result (or the offer of a paid draw). Returns a popup text for a button."""
    try:
        async with session.begin_nested():  # a refusal or a failure leaves nothing behind
            drawn = await service.draw(session, user_id=user_id, paid=paid,
                                       request_key=draw_request_key(user_id, message_id), now=now, today=today,
                                       rng=lottery.rng)
    except rules.NoFreeDraw:
        config = await service.settings(session)
        if paid or config.lottery_cost <= 0:
            out.message(chat_id, _("lt-no-free-left", free=config.lottery_free))
            return _("lt-no-free-left", free=config.lottery_free)
        balance = await ledger.balance_of(session, user_id)
        out.message(chat_id, _("lt-pay-confirm", cost=config.lottery_cost, balance=balance),
                    reply_markup=views.pay_keyboard(_, config.lottery_cost))
        return ""
    except rules.DrawRefused as refused:
        out.message(chat_id, _error(_, refused))
        return _error(_, refused)
    if drawn.duplicate:
        return _("lt-popup-again")
    config = await service.settings(session)
    rows = await service.table(session)
    text = Markup(f"{views.result(_, drawn)}\n\n{views.member_odds(_, rows)}")
    keyboard = views.pay_keyboard(_, config.lottery_cost, again=True) if config.lottery_cost > 0 else None
    out.message(chat_id, text, reply_markup=keyboard)
    return _("lt-popup-done")


async def draw_command(message: Message, app: App, lottery: Lottery, session: AsyncSession, out: Outbox,
                       _: Translator, group_: Translator, profile: Profile, now: datetime, today: date) -> None:
    if message.chat.type != "private":
        out.group_line(message.chat.id, "lt-pointer", None, lambda _items: group_("rw-group-pointer", command="/draw"))
        return
    await _draw(app, lottery, session, out, _, profile.id, message.chat.id, message.message_id, paid=False,
                now=now, today=today)


async def draw_button(query: CallbackQuery, callback_data: DrawCb, app: App, lottery: Lottery, session: AsyncSession,
                      out: Outbox, _: Translator, profile: Profile, now: datetime, today: date) -> None:
    message = query.message
    if message is None or message.chat.type != "private" or callback_data.action not in ("free", "pay"):
        out.popup(_("rw-group-pointer", command="/draw"), alert=True)
        return
    popup = await _draw(app, lottery, session, out, _, profile.id, message.chat.id, message.message_id,
                        paid=callback_data.action == "pay", now=now, today=today)
    out.popup(popup or None)


def create_router() -> Router:
    router = Router(name="lottery")
    router.message.register(lottery_command, Command("lottery"), IsStaff())
    router.message.register(draw_command, Command("draw"))
    router.callback_query.register(draw_button, DrawCb.filter())
    return router
