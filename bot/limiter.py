"""Telegram's flood limits on every outgoing call: the limiter and the session middleware.

Telegram's limits are part of correctness, so every API call the bot makes goes
through :class:`RateLimitMiddleware` (registered on ``bot.session``), which consults
one shared :class:`RateLimiter`:

* about 30 messages per second overall (sliding one-second window);
* 20 messages per minute per group, sends and edits alike (sliding 60 s window);
* about one message per second per private chat (token bucket with a small burst);
* a 429 ``retry_after`` blocks the offending chat until it has passed.

Only methods that post into a chat are limited; everything else (answering callback
queries, getters, deletes, ``getUpdates``...) is never queued behind sends. Idempotent
calls among them (join-request decisions, bans, ``getChatMember``, deletes...) are retried
on 429 (after ``retry_after``), 5xx and network errors like posts are; the rest pass
straight through.

A post is never repeated when the first attempt may have reached Telegram: a network
error after the request was sent (a timeout, a dropped connection) can hide a message
that *was* posted, and posting it again shows it twice (a red packet would leave an
orphan copy with a live button). So a message-creating call is retried after a network
error only when the connection was never made (nothing was sent); otherwise the error
goes to the caller, which reports the message as not sent. Posts that carry state keep
their message id in the database and recognise a copy that did arrive (see
``bot.views.redpackets.adopt``). Edits, deletes and decisions are idempotent and always retried.

Handlers and jobs talk to :class:`bot.sender.Sender`, which never raises Telegram or network
errors into its caller, and busy groups get their chatter batched by
:class:`bot.coalescer.GroupCoalescer`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods.base import TelegramType
from aiohttp import ClientConnectorError

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

__all__ = [
    "CREATES_MESSAGE",
    "RATE_LIMITED_METHODS",
    "RETRIED_METHODS",
    "ChatId",
    "MonotonicFn",
    "RateLimitMiddleware",
    "RateLimiter",
    "SleepFn",
    "is_group_chat",
    "never_sent",
    "normalize_chat",
    "setup_rate_limiting",
]

logger = logging.getLogger(__name__)

ChatId = int | str
MonotonicFn = Callable[[], float]
SleepFn = Callable[[float], Awaitable[None]]

# Never sleep for less than this when a limit is still in force: floating-point
# rounding can leave a waiter a hair short of its slot, and it must make progress.
_MIN_SLEEP: Final[float] = 0.001
# Sweep idle per-chat state every this many acquisitions.
_GC_EVERY: Final[int] = 1024


def normalize_chat(chat_id: ChatId | None) -> ChatId | None:
    """``-100123`` and ``"-100123"`` are the same chat; usernames compare case-insensitively."""
    if chat_id is None or isinstance(chat_id, int):
        return chat_id
    text = chat_id.strip()
    try:
        return int(text)
    except ValueError:
        return text.lower()


def is_group_chat(chat_id: ChatId) -> bool:
    """Groups, supergroups and channels have negative ids or are addressed as ``@username``."""
    key = normalize_chat(chat_id)
    if isinstance(key, int):
        return key < 0
    return True  # "@username" (or any other non-numeric handle): a public group or channel


@dataclass(eq=False)
class _ChatState:
    is_group: bool
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    pending: int = 0  # callers inside acquire() for this chat (waiting or about to record)
    blocked_until: float = float("-inf")  # 429 penalty
    sent: deque[float] = field(default_factory=deque)  # groups: send times inside the window
    tokens: float = 0.0  # private chats: token bucket
    updated: float = 0.0


class RateLimiter:
    """Waits until a send to a chat is allowed under every Telegram limit, then records it.

    Waiters for one chat are served first-in first-out and never hold up other chats;
    only the global limit is shared (also FIFO among chats that are otherwise ready).
    Pure asyncio: time and sleeping are injected so tests can run in virtual time.
    """

    def __init__(
        self,
        *,
        global_per_second: int = 30,
        group_per_minute: int = 20,
        private_per_second: float = 1.0,
        private_burst: int = 3,
        monotonic: MonotonicFn = time.monotonic,
        sleep: SleepFn = asyncio.sleep,
    ) -> None:
        if global_per_second < 1 or group_per_minute < 1 or private_burst < 1:
            raise ValueError("limits must be at least 1")
        if private_per_second <= 0:
            raise ValueError("private_per_second must be positive")
        self.global_per_second = global_per_second
        self.group_per_minute = group_per_minute
        self.private_per_second = float(private_per_second)
        self.private_burst = private_burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._global_window = 1.0
        self._group_window = 60.0
        self._global_sent: deque[float] = deque()
        self._global_blocked_until = float("-inf")
        self._global_lock = asyncio.Lock()
        self._chats: dict[ChatId, _ChatState] = {}
        self._acquired = 0

    # -- public API

    async def acquire(self, chat_id: ChatId | None) -> None:
        """Wait until a message may be sent to ``chat_id`` (None: global limit only); record it."""
        key = normalize_chat(chat_id)
        if key is None:
            async with self._global_lock:
                await self._wait_global()
                self._record_global(self._monotonic())
            self._after_acquire()
            return

        state = self._state(key)
        state.pending += 1
        try:
            async with state.lock:
                while True:
                    wait = self._chat_wait(state, self._monotonic())
                    if wait > 0:
                        await self._sleep(max(wait, _MIN_SLEEP))
                        continue
                    async with self._global_lock:
                        await self._wait_global()
                        now = self._monotonic()
                        # A 429 may have arrived while we queued for a global slot.
                        if self._chat_wait(state, now) > 0:
                            continue
                        self._record_global(now)
                        self._record_chat(state, now)
                        break
        finally:
            state.pending -= 1
        self._after_acquire()

    def penalize(self, chat_id: ChatId | None, retry_after: float) -> None:
        """After a 429: block ``chat_id`` (everything if None) until now + ``retry_after``."""
        until = self._monotonic() + max(0.0, float(retry_after))
        key = normalize_chat(chat_id)
        if key is None:
            self._global_blocked_until = max(self._global_blocked_until, until)
            logger.warning("rate limiter: all sends blocked for %.1fs", retry_after)
            return
        state = self._state(key)
        state.blocked_until = max(state.blocked_until, until)
        logger.warning("rate limiter: chat %s blocked for %.1fs", key, retry_after)

    def chat_wait(self, chat_id: ChatId) -> float:
        """Seconds until ``chat_id``'s own limits (not the overall one) allow a send behind those queued."""
        key = normalize_chat(chat_id)
        state = self._chats.get(key) if key is not None else None
        return 0.0 if state is None else self._chat_wait(state, self._monotonic(), ahead=state.pending)

    def wait_estimate(self, chat_id: ChatId | None) -> float:
        """Seconds until a new send to ``chat_id`` would be allowed (behind those already queued)."""
        now = self._monotonic()
        global_wait = self._global_wait(now)
        key = normalize_chat(chat_id)
        state = self._chats.get(key) if key is not None else None
        if state is None:
            return global_wait
        return max(global_wait, self._chat_wait(state, now, ahead=state.pending))

    # -- internals

    def _state(self, key: ChatId) -> _ChatState:
        state = self._chats.get(key)
        if state is None:
            state = _ChatState(is_group=is_group_chat(key))
            if not state.is_group:
                state.tokens = float(self.private_burst)
                state.updated = self._monotonic()
            self._chats[key] = state
        return state

    async def _wait_global(self) -> None:
        while True:
            wait = self._global_wait(self._monotonic())
            if wait <= 0:
                return
            await self._sleep(max(wait, _MIN_SLEEP))

    def _global_wait(self, now: float) -> float:
        sent = self._global_sent
        horizon = now - self._global_window
        while sent and sent[0] <= horizon:
            sent.popleft()
        wait = self._global_blocked_until - now
        if len(sent) >= self.global_per_second:
            wait = max(wait, sent[-self.global_per_second] + self._global_window - now)
        return max(wait, 0.0)

    def _record_global(self, now: float) -> None:
        self._global_sent.append(now)

    def _tokens_at(self, state: _ChatState, at: float) -> float:
        elapsed = max(0.0, at - state.updated)
        return min(float(self.private_burst), state.tokens + elapsed * self.private_per_second)

    def _chat_wait(self, state: _ChatState, now: float, *, ahead: int = 0) -> float:
        """Seconds until the send after ``ahead`` already-queued ones may go to this chat."""
        start = max(now, state.blocked_until)
        if state.is_group:
            sent = state.sent
            horizon = now - self._group_window
            while sent and sent[0] <= horizon:
                sent.popleft()
            limit = self.group_per_minute
            if not ahead:
                at = start
                if len(sent) >= limit:
                    at = max(at, sent[-limit] + self._group_window)
                return at - now
            times = list(sent)
            at = start
            for _ in range(ahead + 1):
                if len(times) >= limit:
                    at = max(at, times[-limit] + self._group_window)
                times.append(at)
            return at - now
        tokens = self._tokens_at(state, start)
        at = start
        for i in range(ahead + 1):
            if tokens < 1.0:
                at += (1.0 - tokens) / self.private_per_second
                tokens = 1.0
            if i < ahead:
                tokens -= 1.0
        return at - now

    def _record_chat(self, state: _ChatState, now: float) -> None:
        if state.is_group:
            state.sent.append(now)
        else:
            state.tokens = self._tokens_at(state, now) - 1.0
            state.updated = now

    def _after_acquire(self) -> None:
        self._acquired += 1
        if self._acquired % _GC_EVERY == 0:
            self._collect_idle()

    def _collect_idle(self) -> None:
        """Forget chats with nothing in force, so state does not grow with every chat ever seen."""
        now = self._monotonic()
        idle: list[ChatId] = []
        for key, state in self._chats.items():
            if state.pending or state.lock.locked() or state.blocked_until > now:
                continue
            if state.is_group:
                self._chat_wait(state, now)  # prunes the window
                if not state.sent:
                    idle.append(key)
            elif self._tokens_at(state, now) >= self.private_burst:
                idle.append(key)
        for key in idle:
            del self._chats[key]


# ------------------------------------------------------------------------ middleware

# Methods that post (or change) a message in a chat, by Bot API name. Everything else
# passes straight through the middleware.
RATE_LIMITED_METHODS: Final[frozenset[str]] = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendAudio",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendPaidMedia",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendChecklist",
        "sendDice",
        "sendSticker",
        "sendInvoice",
        "sendGame",
        "sendLivePhoto",
        "sendRichMessage",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "editMessageLiveLocation",
        "editMessageChecklist",
        "stopMessageLiveLocation",
        "stopPoll",
        "editEphemeralMessageText",
        "editEphemeralMessageCaption",
        "editEphemeralMessageMedia",
        "editEphemeralMessageReplyMarkup",
    }
)


# Methods that post nothing but are safe to repeat: retried on 429/5xx/network errors, never throttled.
RETRIED_METHODS: Final[frozenset[str]] = frozenset(
    {
        "approveChatJoinRequest",
        "declineChatJoinRequest",
        "getChatMember",
        "getChat",
        "getChatAdministrators",
        "getChatMemberCount",
        "getMe",
        "getFile",
        "banChatMember",
        "unbanChatMember",
        "restrictChatMember",
        "deleteMessage",
        "deleteMessages",
        "answerCallbackQuery",
        "pinChatMessage",
        "unpinChatMessage",
        "setMyCommands",
        "deleteMyCommands",
        "setChatMenuButton",
        "deleteWebhook",
    }
)
# Calls that create a new message: repeating one the first attempt delivered posts it twice.
CREATES_MESSAGE: Final[frozenset[str]] = frozenset(
    name for name in RATE_LIMITED_METHODS if name.startswith(("send", "copy", "forward"))
)


def never_sent(exc: TelegramNetworkError) -> bool:
    """Whether a network error happened before the request left (no connection was made), so
    Telegram cannot have carried it out. Timeouts and dropped connections are ambiguous."""
    cause = exc.__cause__
    if isinstance(cause, ClientConnectorError):
        return True
    # aiohttp-socks: the proxy refused or timed out before the request was forwarded.
    return type(cause).__name__ in {"ProxyConnectionError", "ProxyTimeoutError"}


def _rate_limit_target(method: TelegramMethod[Any]) -> tuple[bool, ChatId | None, int]:
    """(is limited, chat to charge or None for global-only, number of messages it posts)."""
    name = getattr(method, "__api_method__", "")
    if name not in RATE_LIMITED_METHODS:
        return False, None, 0
    chat_id = getattr(method, "chat_id", None)
    if not isinstance(chat_id, int | str):
        chat_id = None  # edits of inline messages: no chat, global limit only
    weight = 1
    if name == "sendMediaGroup":
        weight = max(1, len(getattr(method, "media", None) or ()))
    return True, chat_id, weight


class RateLimitMiddleware(BaseRequestMiddleware):
    """Session middleware: throttles chat posts through a :class:`RateLimiter` and retries.

    * ``TelegramRetryAfter``: the chat is penalized and the call retried once the
      penalty has passed, at most ``max_retry_after`` times, then the error is re-raised.
    * ``TelegramServerError`` (5xx) / ``TelegramNetworkError``: retried with exponential
      backoff and jitter (``backoff_base * 2**n``), at most ``max_error_retries`` times —
      except a network error on a message-creating call that may have reached Telegram
      (see :func:`never_sent`): re-raised at once, so a message is never posted twice.
    * Anything else propagates at once. Methods that do not post into a chat are not
      throttled; the idempotent ones (:data:`RETRIED_METHODS`) get the same retries, with a
      429 waited out on the spot (it blocks no chat); the others pass straight through.
    """

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        max_retry_after: int = 5,
        max_error_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        sleep: SleepFn | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.limiter = limiter
        self.max_retry_after = max_retry_after
        self.max_error_retries = max_error_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._sleep: SleepFn = sleep if sleep is not None else limiter._sleep
        self._jitter = jitter

    def backoff(self, attempt: int) -> float:
        """Delay before error retry number ``attempt`` (0-based): base·2ⁿ, jittered ±25 %."""
        delay = min(self.backoff_max, self.backoff_base * (2.0**attempt))
        return delay * (0.75 + 0.5 * self._jitter())

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        limited, chat_id, weight = _rate_limit_target(method)
        api_name = getattr(method, "__api_method__", "")
        if not limited:
            if api_name not in RETRIED_METHODS:
                return await make_request(bot, method)
            chat_id, weight = None, 0  # retried, never throttled

        name = type(method).__name__
        flood_retries = 0
        error_retries = 0
        while True:
            for _ in range(weight):
                await self.limiter.acquire(chat_id)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if flood_retries >= self.max_retry_after:
                    logger.error(
                        "%s to chat %s: still flood-limited after %d retries, giving up",
                        name,
                        chat_id,
                        flood_retries,
                    )
                    raise
                flood_retries += 1
                logger.warning(
                    "%s to chat %s: 429, retry %d/%d in %ss",
                    name,
                    chat_id,
                    flood_retries,
                    self.max_retry_after,
                    exc.retry_after,
                )
                if chat_id is None:
                    # Inline-message edit or a call that posts nothing: no chat to block, and one
                    # message's (or method's) flood control must not stop the whole bot.
                    await self._sleep(float(exc.retry_after))
                else:
                    # acquire() waits the penalty out (and holds back other sends to the chat).
                    self.limiter.penalize(chat_id, exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if isinstance(exc, TelegramEntityTooLarge) or error_retries >= self.max_error_retries:
                    raise
                if isinstance(exc, TelegramNetworkError) and api_name in CREATES_MESSAGE and not never_sent(exc):
                    logger.warning("%s to chat %s: %s; not repeated (it may have been posted)",
                                   name, chat_id, exc.message)
                    raise
                delay = self.backoff(error_retries)
                error_retries += 1
                logger.warning(
                    "%s to chat %s failed (%s: %s), retry %d/%d in %.2fs",
                    name,
                    chat_id,
                    type(exc).__name__,
                    exc.message,
                    error_retries,
                    self.max_error_retries,
                    delay,
                )
                await self._sleep(delay)


def setup_rate_limiting(bot: Bot, limiter: RateLimiter | None = None) -> RateLimiter:
    """Register a :class:`RateLimitMiddleware` on ``bot.session`` (once) and return its limiter."""
    for middleware in bot.session.middleware:
        if isinstance(middleware, RateLimitMiddleware):
            return middleware.limiter
    limiter = limiter if limiter is not None else RateLimiter()
    bot.session.middleware(RateLimitMiddleware(limiter))
    return limiter

