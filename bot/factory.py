"""One place that wires the bot: settings → database, texts, sender (the app); the features' states,
dispatcher and scheduler from the feature registry (bot/features.py)."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import LinkPreviewOptions

from bot.app import App
from bot.clock import Clock, SystemClock
from bot.coalescer import GroupCoalescer
from bot.config import Settings
from bot.db.engine import Database
from bot.directory import Directory
from bot.features import FeatureStates, close_states, create_routers, schedules, start_states
from bot.limiter import RateLimiter, RateLimitMiddleware
from bot.middlewares import (
    ContextMiddleware,
    DuplicateUpdateMiddleware,
    InputMiddleware,
    ThrottleMiddleware,
    TransactionMiddleware,
)
from bot.sender import Sender
from bot.services import groups as group_service
from bot.texts import Texts
from scheduler.setup import SYNC_SECONDS, SchedulerRuntime

log = logging.getLogger(__name__)


def create_bot(settings: Settings, token: str, *, session: BaseSession | None = None,
               limiter: RateLimiter | None = None) -> Bot:
    if session is None:
        proxy = settings.telegram_proxy.get_secret_value() if settings.telegram_proxy else None
        session = AiohttpSession(  # a proxy goes through aiohttp-socks (socks5, socks4 or http)
            api=TelegramAPIServer.from_base(settings.telegram_api_url) if settings.telegram_api_url else None,
            proxy=proxy,
        )
    session.middleware(RateLimitMiddleware(limiter or RateLimiter()))
    return Bot(token, session=session, default=DefaultBotProperties(
        parse_mode=ParseMode.HTML, link_preview=LinkPreviewOptions(is_disabled=True),
    ))


def create_app(settings: Settings, bot: Bot, *, db: Database | None = None, clock: Clock | None = None,
               texts: Texts | None = None) -> App:
    db = db or Database(settings.database_url)
    directory = Directory(settings.owner_ids)

    async def chat_unavailable(chat_id: int) -> None:
        if chat_id < 0:
            async with db.session() as session:
                await group_service.set_active(session, chat_id, False)
            await directory.reload(db)

    # A migration the sender runs into is followed once the features' states exist (create_states).
    sender = Sender(bot, on_chat_unavailable=chat_unavailable)
    return App(
        settings=settings, clock=clock or SystemClock(), db=db, texts=texts or Texts(), sender=sender,
        coalescer=GroupCoalescer(sender, window=settings.group_reply_window), directory=directory,
    )


def inline_sync_filters(router: Router) -> None:
    """Evaluate plain (synchronous) filters such as ``F.text`` right on the event loop.

    aiogram runs every non-async filter through ``asyncio.to_thread``: a thread hop per filter
    per update, which in a stampede costs more than the handler itself (measured: a sixth of the
    pipeline's time). Our synchronous filters are cheap, pure attribute checks, so they are
    wrapped as coroutines instead.
    """
    for observer in router.observers.values():
        for handler in observer.handlers:
            for flt in handler.filters or ():
                if not flt.awaitable:
                    flt.callback = _as_coroutine(flt.callback)
                    flt.awaitable = True
    for sub in router.sub_routers:
        inline_sync_filters(sub)


def _as_coroutine(function: Any) -> Any:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return call


def create_dispatcher(app: App, states: FeatureStates, routers: list[Router] | None = None) -> Dispatcher:
    """The bot's dispatcher: its middlewares around ``routers`` (default: every feature's), with
    the app and each feature's state for handlers to ask for by name."""
    # No FSM: no handler keeps conversation state in aiogram's storage (state lives in the database),
    # and its memory storage would keep a record per chat and user for ever (~0.5 KB per member,
    # all of it walked by every full garbage collection).
    dp = Dispatcher(app=app, disable_fsm=True, **states)
    dp.update.outer_middleware(DuplicateUpdateMiddleware())
    dp.message.outer_middleware(InputMiddleware())
    for observer in (dp.message, dp.callback_query):
        observer.outer_middleware(ThrottleMiddleware())
    for observer in (dp.message, dp.callback_query, dp.my_chat_member, dp.chat_member):
        observer.outer_middleware(ContextMiddleware())
        observer.middleware(TransactionMiddleware())
    dp.chat_join_request.middleware(TransactionMiddleware())
    chosen = create_routers() if routers is None else routers
    for router in chosen:
        inline_sync_filters(router)
    dp.include_routers(*chosen)
    return dp


async def poll(dp: Dispatcher, bot: Bot, **kwargs: Any) -> None:
    """Long polling as ``regulars run`` does it. Any webhook is removed first — Telegram refuses
    getUpdates while one is set (409 Conflict) — keeping the updates it holds for us."""
    await bot.delete_webhook(drop_pending_updates=False)
    await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types(), **kwargs)


GC_THRESHOLDS = (10_000, 10, 10)  # young collections every 10,000 net allocations (CPython's default: 700)


@asynccontextmanager
async def running(app: App, bot: Bot, states: FeatureStates, *, scheduler: bool = True, menus: bool = True,
                  sync_every: float = SYNC_SECONDS) -> AsyncIterator[SchedulerRuntime | None]:
    """Start-up and shut-down around polling: caches and feature states, command menus (``menus``),
    scheduler, flushes.

    With ``scheduler`` (exactly one process runs it) the jobs are built from the database and kept
    in step with it every ``sync_every`` seconds; the runtime is yielded, else None."""
    from bot.commands import set_all_commands
    from bot.views.gate import sweep

    await app.directory.reload(app.db)
    await start_states(app, states)
    if menus:
        await set_all_commands(bot, app)
    # Join requests that timed out, or whose decision never reached Telegram, while we were down.
    await sweep(app)
    runtime = SchedulerRuntime(app, schedules(), states, sync_every=sync_every) if scheduler else None
    thresholds: tuple[int, int, int] | None = None
    try:
        if runtime is not None:
            await runtime.start()
        # What start-up built (modules, routers, caches) lives as long as the process: moved out of
        # the collector's generations, full collections during a storm no longer walk it.
        gc.collect()
        gc.freeze()
        # Fewer, larger young collections: an update's objects mostly die (by reference counting)
        # before one runs, instead of being promoted while in flight until they trigger full
        # collections mid-storm (bench/scale.py: 2,000 taps went from ~370 collections, 3 of them
        # full, to ~20 and none).
        thresholds = gc.get_threshold()
        gc.set_threshold(*GC_THRESHOLDS)
        yield runtime
    finally:
        if thresholds is not None:
            gc.set_threshold(*thresholds)
        if runtime is not None:
            runtime.shutdown()
        await close_states(states)
        await app.coalescer.close()
        await app.db.close()
        gc.unfreeze()
