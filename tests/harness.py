"""A running Regulars wired to the Bot API emulator, for flow (handler) and e2e tests.

``feed`` hands an update straight to the real Dispatcher (fast, deterministic). The bot talks to
the emulator in-process by default (:class:`bot.emulator.session.EmulatorSession`: the same
parameters, answers and exceptions as over HTTP, without sockets); ``http=True`` serves the
emulator on a port and uses aiogram's own HTTP session, so long polling runs exactly like
production (the e2e ring). Command menus are set at start-up only with ``menus=True``.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher

from bot.app import App
from bot.clock import ManualClock
from bot.config import load_settings
from bot.emulator import BotAPIEmulator
from bot.emulator.session import IN_PROCESS_BASE, EmulatorSession
from bot.factory import create_app, create_bot, create_dispatcher, running
from bot.features import FeatureStates, create_states
from bot.limiter import RateLimiter
from bot.texts import Texts
from bot.views.checkin import CheckinCb
from bot.views.redpackets import RedPackets

TOKEN = "123456:TEST-TOKEN"

# 2026-03-02 09:00 in Shanghai.
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@dataclass
class Harness:
    emu: BotAPIEmulator
    app: App
    bot: Bot
    dp: Dispatcher
    clock: ManualClock
    owner: Any
    group: Any
    states: FeatureStates

    @property
    def red_packets(self) -> RedPackets:
        state: RedPackets = self.states["red_packets"]
        return state

    async def feed(self, update: dict[str, Any]) -> None:
        await self.dp.feed_raw_update(self.bot, update)

    async def feed_after_restart(self, update: dict[str, Any]) -> None:
        """Feed ``update`` to a fresh dispatcher, as a restarted bot receives an update delivered again:
        its memory of seen update ids is gone, so only the database can tell it is a copy."""
        await create_dispatcher(self.app, self.states).feed_raw_update(self.bot, update)

    async def settle(self) -> None:
        """Deliver coalesced group messages now."""
        await self.app.coalescer.flush()
        for state in self.states.values():  # the post edits of every feature that debounces them
            debouncer = getattr(state, "debouncer", None)
            if debouncer is not None:
                await debouncer.flush()

    async def say(self, user: Any, text: str, chat: Any = None) -> dict[str, Any]:
        update = self.emu.user_sends(user, text, chat=chat)
        await self.feed(update)
        await self.settle()
        return update

    async def tap(self, user: Any, message_id: int, data: str | None = None, chat: Any = None) -> dict[str, Any]:
        """Press a button; returns the callback answer's parameters."""
        cq_id = self.emu.press_button(user, message_id, chat or self.group, data or CheckinCb().pack())
        update = self.emu.last_update
        await self.feed(update)
        return await self.emu.wait_callback_answer(cq_id, timeout=5)

    def texts_to(self, chat_id: int) -> list[str]:
        return [m.text or "" for m in self.emu.sent(chat_id)]

    async def setup_group(self) -> None:
        await self.say(self.owner, "/setup vip", chat=self.group)


@functools.cache
def shared_texts() -> Texts:
    """Parsing the locale files costs more than the rest of a harness's start: parsed once per
    session (a Texts is read-only once built; it caches fixed sentences per language and key)."""
    return Texts()


@asynccontextmanager
async def harness(db_url: str, *, language: str = "en", limits: bool = False, http: bool = False,
                  menus: bool = False) -> AsyncIterator[Harness]:
    """``limits=False`` (flow tests) relaxes the sender's per-chat pacing so a test need not wait
    a second between two private replies; ``limits=True`` uses Telegram's real limits and has the
    emulator answer 429 to anything beyond them. ``http``: talk HTTP to a served emulator instead
    of in-process; ``menus``: set the command menus at start-up, as ``regulars run`` does."""
    emu = BotAPIEmulator(token=TOKEN, enforce_limits=limits)
    async with AsyncExitStack() as stack:
        if http:
            await stack.enter_async_context(emu)
        owner = emu.create_user("Olivia", username="olivia", language_code="en")
        group = emu.create_group("Tea Lovers", admins=[owner], bot_is_admin=True)
        settings = load_settings(
            bot_token=TOKEN, database_url=db_url, telegram_api_url=emu.base_url if http else IN_PROCESS_BASE,
            owner_ids=str(owner.id), timezone="Asia/Shanghai", default_language=language, group_reply_window=0.05,
        )
        clock = ManualClock(START)
        emu.clock = lambda: clock.now().timestamp()  # Telegram's dates and windows follow the test's clock
        limiter = None if limits else RateLimiter(global_per_second=10_000, group_per_minute=10_000,
                                                  private_per_second=10_000.0, private_burst=10_000)
        bot = create_bot(settings, TOKEN, limiter=limiter, session=None if http else EmulatorSession(emu))
        app = create_app(settings, bot, clock=clock, texts=shared_texts())
        states = create_states(app)
        dp = create_dispatcher(app, states)
        try:
            async with running(app, bot, states, scheduler=False, menus=menus):
                yield Harness(emu, app, bot, dp, clock, owner, group, states)
        finally:
            await bot.session.close()


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.01)
