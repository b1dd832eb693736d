"""Fixtures for the emulator's own tests: an emulator on a free port and a real aiogram Bot
talking HTTP to it (a module may override ``emu``, e.g. to enforce Telegram's flood limits)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.emulator import BotAPIEmulator

EMU_TOKEN = "4242:EMU"


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(token=EMU_TOKEN) as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    client = Bot(emu.token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
    try:
        yield client
    finally:
        await client.session.close()
