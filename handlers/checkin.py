"""Daily check-in (签到): the button on the daily post, /checkin, and the words 签到 / check in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.app import App
from bot.directory import GroupInfo
from bot.outbox import Outbox
from bot.services.checkin import CHECKIN_OP, CheckinRequest, CheckinResult
from bot.services.people import Profile
from bot.texts import Translator, lines, plain_names
from bot.views.checkin import CheckinCb
from games.checkin import is_checkin_word
from games.errors import AlreadyCheckedIn


@dataclass(frozen=True)
class _Line:
    name: str
    result: CheckinResult | None  # None: already checked in today


def _render(group_: Translator, items: list[_Line]) -> str:
    rows = []
    for line in items:
        if line.result is None:
            rows.append(group_("checkin-line-already", name=line.name))
        elif line.result.bonus:
            rows.append(group_("checkin-line-bonus", name=line.name, points=line.result.points,
                               streak=line.result.streak, bonus=line.result.bonus))
        else:
            rows.append(group_("checkin-line", name=line.name, points=line.result.points,
                               streak=line.result.streak))
    return lines(group_("checkin-summary", count=len(items)), *rows)


def _plain(items: list[_Line]) -> str:
    return plain_names([line.name for line in items])


async def _check_in(app: App, profile: Profile, group: GroupInfo | None, today: date, now: datetime
                    ) -> CheckinResult | None:
    try:
        return await app.db.submit(CHECKIN_OP, CheckinRequest(profile.id, group.chat_id if group else None,
                                                              today, now))
    except AlreadyCheckedIn:
        return None


async def checkin_message(
    message: Message, app: App, out: Outbox, _: Translator, group_: Translator,
    profile: Profile, group: GroupInfo | None, today: date, now: datetime,
) -> None:
    if message.chat.type == "private":
        result = await _check_in(app, profile, None, today, now)
        if result is None:
            out.message(message.chat.id, _("checkin-already-private"))
        else:
            text: str = _("checkin-done", points=result.points, base=result.base,
                     bonus=result.bonus, streak=result.streak, balance=result.balance)
            if result.extra:
                text += "\n" + _("tiers-checkin-extra", extra=result.extra)
            out.message(message.chat.id, text)
        return
    if group is None:
        out.group_line(message.chat.id, "not-registered", None, lambda _items: group_("group-not-registered"))
        return
    result = await _check_in(app, profile, group, today, now)
    # One line per member and day, however often the check-in arrives in one window.
    out.group_line(message.chat.id, "checkin", _Line(profile.display_name, result), partial(_render, group_),
                   key=(profile.id, today), fallback=_plain)


async def checkin_button(
    query: CallbackQuery, app: App, out: Outbox, _: Translator,
    profile: Profile, group: GroupInfo | None, today: date, now: datetime,
) -> None:
    in_group = query.message is not None and query.message.chat.type != "private"
    if in_group and group is None:
        out.popup(_("group-not-registered"), alert=True)
        return
    result = await _check_in(app, profile, group, today, now)
    if result is None:
        out.popup(_("checkin-already-popup"))
    else:
        out.popup(_("checkin-popup", points=result.points, bonus=result.bonus, streak=result.streak,
                    balance=result.balance), alert=bool(result.bonus))


def create_router() -> Router:
    router = Router(name="checkin")
    router.message.register(checkin_message, Command("checkin"))
    router.message.register(checkin_message, F.text.func(is_checkin_word))
    router.callback_query.register(checkin_button, CheckinCb.filter())
    return router
