"""The daily check-in post: its button, its callback data and its text (handlers and jobs)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import Markup, Translator
from games.checkin import CheckinRules


class CheckinCb(CallbackData, prefix="ci"):
    pass


def checkin_keyboard(_: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("checkin-button"), callback_data=CheckinCb().pack()),
    ]])


def checkin_post_text(group_: Translator, rules: CheckinRules) -> str:
    bonuses = Markup(", ".join(group_("config-bonus", period=n, points=p) for n, p in sorted(rules.bonuses.items())))
    return group_("checkin-post", base=rules.base, bonuses=bonuses or group_("config-no-bonus"))
