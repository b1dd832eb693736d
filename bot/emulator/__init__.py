"""A local Telegram Bot API emulator: the demo and the tests run the real bot against it."""

from bot.emulator.server import ApiError, BotAPIEmulator
from bot.emulator.world import ApiCall, EmuChat, EmuUser, RateViolation, StoredMessage

__all__ = ["ApiCall", "ApiError", "BotAPIEmulator", "EmuChat", "EmuUser", "RateViolation", "StoredMessage"]
