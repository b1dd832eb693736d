"""Inline keyboards and their callback data."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import Translator


class CheckinCb(CallbackData, prefix="ci"):
    pass


def checkin_keyboard(_: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("checkin-button"), callback_data=CheckinCb().pack()),
    ]])
