"""A local Telegram Bot API emulator: the demo and the tests run the real bot against it."""

from bot.emulator.core import ApiError
from bot.emulator.server import BotAPIEmulator
from bot.emulator.state import TelegramState
from bot.emulator.world import ApiCall, EmuChat, EmuUser, RateViolation, SentMessage, StoredMessage, UploadedFile

__all__ = [
    "ApiCall",
    "ApiError",
    "BotAPIEmulator",
    "EmuChat",
    "EmuUser",
    "RateViolation",
    "SentMessage",
    "StoredMessage",
    "TelegramState",
    "UploadedFile",
]
