"""The one rate-aware path for all outgoing Telegram traffic.

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
``bot.packets.adopt``). Edits, deletes and decisions are idempotent and always retried.

Handlers and jobs talk to :class:`Sender`, which never raises Telegram or network
errors into its caller, and busy groups get their chatter batched by
:class:`GroupCoalescer`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeVar

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    AiogramError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from aiohttp import ClientConnectorError

from bot.texts import (
    MAX_CALLBACK_TEXT,
    MAX_CAPTION,
    MAX_TEXT,
    escape,
    fit_html,
    plain_text,
    shorten,
    split_html,
    telegram_length,
)

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

__all__ = [
    "ChatId",
    "GroupCoalescer",
    "RateLimitMiddleware",
    "RateLimiter",
    "Sender",
    "chunk_items",
    "is_group_chat",
    "setup_rate_limiting",
]

logger = logging.getLogger(__name__)

ChatId = int | str
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply
MonotonicFn = Callable[[], float]
SleepFn = Callable[[float], Awaitable[None]]

T = TypeVar("T")
R = TypeVar("R")

# Never sleep for less than this when a limit is still in force: floating-point
# rounding can leave a waiter a hair short of its slot, and it must make progress.
_MIN_SLEEP: Final[float] = 0.001
# Sweep idle per-chat state every this many acquisitions.
_GC_EVERY: Final[int] = 1024


def _normalize_chat(chat_id: ChatId | None) -> ChatId | None:
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
    key = _normalize_chat(chat_id)
    if isinstance(key, int):
        return key < 0
    return True  # "@username" (or any other non-numeric handle): a public group or channel


# --------------------------------------------------------------------------- limiter


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
        key = _normalize_chat(chat_id)
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
        key = _normalize_chat(chat_id)
        if key is None:
            self._global_blocked_until = max(self._global_blocked_until, until)
            logger.warning("rate limiter: all sends blocked for %.1fs", retry_after)
            return
        state = self._state(key)
        state.blocked_until = max(state.blocked_until, until)
        logger.warning("rate limiter: chat %s blocked for %.1fs", key, retry_after)

    def wait_estimate(self, chat_id: ChatId | None) -> float:
        """Seconds until a new send to ``chat_id`` would be allowed (behind those already queued)."""
        now = self._monotonic()
        global_wait = self._global_wait(now)
        key = _normalize_chat(chat_id)
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
        delay = min(self.backoff_max, self.backoff_base * (2**attempt))
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


# ---------------------------------------------------------------------------- sender

_NOT_MODIFIED: Final[str] = "message is not modified"
_CHAT_GONE: Final[tuple[str, ...]] = ("chat not found",)
_THREAD_GONE: Final[str] = "message thread not found"
_NO_PREVIEW: Final[LinkPreviewOptions] = LinkPreviewOptions(is_disabled=True)


class Sender:
    """The facade handlers and jobs use to talk to Telegram.

    Its methods never raise Telegram or network errors: failures are logged with
    context and reported as ``None`` / ``False``. When Telegram says the chat is gone
    for us (bot kicked, user blocked the bot, chat not found) ``on_chat_unavailable``
    is called with the chat id so the app can mark the chat.

    When a basic group has become a supergroup (400 with ``migrate_to_chat_id``),
    ``on_chat_migrated(old, new)`` is awaited (the app moves the group to its new id) and a
    send is made again, once, to the new id; edits and deletes are not (message ids do not
    carry over). A send into a forum topic that no longer exists goes to the General topic.
    """

    def __init__(
        self,
        bot: Bot,
        *,
        on_chat_unavailable: Callable[[int], Awaitable[None]] | None = None,
        limiter: RateLimiter | None = None,
        on_chat_migrated: Callable[[int, int], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.on_chat_unavailable = on_chat_unavailable
        self.on_chat_migrated = on_chat_migrated
        if limiter is None:
            for middleware in bot.session.middleware:
                if isinstance(middleware, RateLimitMiddleware):
                    limiter = middleware.limiter
                    break
        self.limiter: RateLimiter | None = limiter

    async def send_message(
        self,
        chat_id: ChatId,
        text: str,
        *,
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str | None = "HTML",
        reply_to_message_id: int | None = None,
        disable_notification: bool | None = None,
        link_preview: bool = False,
        message_thread_id: int | None = None,
        failed: list[TelegramAPIError] | None = None,
    ) -> Message | None:
        """Send ``text``; a text over Telegram's 4,096 characters goes out as several messages, cut
        at line boundaries (the reply goes with the first, the keyboard with the last, which is
        returned). None if any part could not be sent."""
        parts = _parts(text, parse_mode, MAX_TEXT)
        if len(parts) > 1:
            logger.info("sendMessage to chat %s: a %d-character text goes out in %d messages",
                        chat_id, len(text), len(parts))
            last: Message | None = None
            for n, part in enumerate(parts):
                last = await self.send_message(
                    chat_id, part, reply_markup=reply_markup if n == len(parts) - 1 else None,
                    parse_mode=parse_mode, reply_to_message_id=reply_to_message_id if n == 0 else None,
                    disable_notification=disable_notification if n == 0 else True, link_preview=link_preview,
                    message_thread_id=message_thread_id, failed=failed)
                if last is None:
                    return None
            return last

        def send(target: ChatId, thread: int | None) -> Awaitable[Message]:
            return self.bot.send_message(
                chat_id=target,
                text=text,
                parse_mode=parse_mode,
                reply_markup=reply_markup,
                reply_parameters=_reply_to(reply_to_message_id),
                disable_notification=disable_notification,
                link_preview_options=None if link_preview else _NO_PREVIEW,
                message_thread_id=thread,
            )

        return await self._send("sendMessage", chat_id, message_thread_id, send, failed)

    async def send_photo(
        self,
        chat_id: ChatId,
        photo: str | InputFile,
        *,
        caption: str | None = None,
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str | None = "HTML",
        reply_to_message_id: int | None = None,
        disable_notification: bool | None = None,
        message_thread_id: int | None = None,
        failed: list[TelegramAPIError] | None = None,
    ) -> Message | None:
        """Send a photo; a caption over Telegram's 1,024 characters is cut at a line boundary and
        the rest follows as text messages (the keyboard goes with the last one)."""
        if caption is not None and len(parts := _parts(caption, parse_mode, MAX_CAPTION)) > 1:
            rest = "\n".join(parts[1:])
            photo_message = await self.send_photo(
                chat_id, photo, caption=parts[0], parse_mode=parse_mode, reply_to_message_id=reply_to_message_id,
                disable_notification=disable_notification, message_thread_id=message_thread_id)
            if photo_message is None:
                return None
            return await self.send_message(photo_message.chat.id, rest, reply_markup=reply_markup,
                                           parse_mode=parse_mode, disable_notification=True,
                                           message_thread_id=photo_message.message_thread_id)

        def send(target: ChatId, thread: int | None) -> Awaitable[Message]:
            return self.bot.send_photo(
                chat_id=target,
                photo=photo,
                caption=caption,
                parse_mode=parse_mode,
                reply_markup=reply_markup,
                reply_parameters=_reply_to(reply_to_message_id),
                disable_notification=disable_notification,
                message_thread_id=thread,
            )

        return await self._send("sendPhoto", chat_id, message_thread_id, send, failed)

    async def _send(
        self,
        action: str,
        chat_id: ChatId,
        thread: int | None,
        send: Callable[[ChatId, int | None], Awaitable[Message]],
        failed: list[TelegramAPIError] | None = None,
    ) -> Message | None:
        """A send through :meth:`_guard`, made again to the supergroup a basic group became, or to
        the General topic when its forum topic is gone. What went wrong is appended to ``failed``
        (a :class:`TelegramNetworkError` there means the message may have arrived all the same)."""
        failure: list[TelegramAPIError] = [] if failed is None else failed
        first = len(failure)
        ok, message = await self._guard(action, chat_id, lambda: send(chat_id, thread), failed=failure)
        if ok:
            return message
        error = failure[first] if len(failure) > first else None
        if isinstance(error, TelegramMigrateToChat):
            new_chat_id = error.migrate_to_chat_id
            ok, message = await self._guard(action, new_chat_id, lambda: send(new_chat_id, None), failed=failure)
        elif thread is not None and isinstance(error, TelegramBadRequest) and _THREAD_GONE in error.message.lower():
            logger.warning("%s to chat %s: topic %s is gone, posting in General", action, chat_id, thread)
            ok, message = await self._guard(action, chat_id, lambda: send(chat_id, None), failed=failure)
        return message if ok else None

    async def edit_text(
        self,
        chat_id: ChatId,
        message_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        parse_mode: str | None = "HTML",
    ) -> bool:
        if len(_parts(text, parse_mode, MAX_TEXT)) > 1:
            # An edit cannot become two messages: whole lines are kept, then "…".
            logger.warning("editMessageText in chat %s: a %d-character text was shortened", chat_id, len(text))
            text = fit_html(text) if parse_mode == "HTML" else plain_text(fit_html(escape(text)))
        ok, _ = await self._guard(
            "editMessageText",
            chat_id,
            lambda: self.bot.edit_message_text(
                chat_id=chat_id,
                message_id=message_id,
                text=text,
                parse_mode=parse_mode,
                reply_markup=reply_markup,
                link_preview_options=_NO_PREVIEW,
            ),
            not_modified_ok=True,
        )
        return ok

    async def edit_reply_markup(
        self,
        chat_id: ChatId,
        message_id: int,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> bool:
        ok, _ = await self._guard(
            "editMessageReplyMarkup",
            chat_id,
            lambda: self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=reply_markup
            ),
            not_modified_ok=True,
        )
        return ok

    async def delete(self, chat_id: ChatId, message_id: int) -> bool:
        ok, result = await self._guard(
            "deleteMessage",
            chat_id,
            lambda: self.bot.delete_message(chat_id=chat_id, message_id=message_id),
        )
        return ok and bool(result)

    async def answer_callback(
        self, callback_query_id: str, text: str | None = None, *, show_alert: bool = False
    ) -> bool:
        if text is not None:
            text = shorten(text, MAX_CALLBACK_TEXT)  # a popup holds 200 characters
        ok, result = await self._guard(
            "answerCallbackQuery",
            None,
            lambda: self.bot.answer_callback_query(
                callback_query_id=callback_query_id, text=text, show_alert=show_alert
            ),
        )
        return ok and bool(result)

    async def _guard(
        self,
        action: str,
        chat_id: ChatId | None,
        call: Callable[[], Awaitable[R]],
        *,
        not_modified_ok: bool = False,
        failed: list[TelegramAPIError] | None = None,
    ) -> tuple[bool, R | None]:
        """Run ``call``; turn every Telegram/network failure into ``(False, None)`` (the error is also
        appended to ``failed``, for callers that act on it)."""
        try:
            return True, await call()
        except TelegramForbiddenError as exc:
            if failed is not None:
                failed.append(exc)
            logger.info("%s to chat %s forbidden: %s", action, chat_id, exc.message)
            await self._chat_unavailable(chat_id)
        except TelegramMigrateToChat as exc:
            logger.warning(
                "%s to chat %s: group migrated to supergroup %s", action, chat_id, exc.migrate_to_chat_id
            )
            await self._chat_migrated(chat_id, exc.migrate_to_chat_id)
            if failed is not None:
                failed.append(exc)
        except TelegramBadRequest as exc:
            if failed is not None:
                failed.append(exc)
            description = exc.message.lower()
            if not_modified_ok and _NOT_MODIFIED in description:
                logger.debug("%s in chat %s: message not modified", action, chat_id)
                return True, None
            logger.warning("%s to chat %s rejected: %s", action, chat_id, exc.message)
            if any(marker in description for marker in _CHAT_GONE):
                await self._chat_unavailable(chat_id)
        except TelegramAPIError as exc:
            if failed is not None:
                failed.append(exc)
            logger.warning("%s to chat %s failed (%s): %s", action, chat_id, type(exc).__name__, exc.message)
        except AiogramError as exc:  # e.g. an undecodable response
            logger.warning("%s to chat %s failed (%s): %s", action, chat_id, type(exc).__name__, exc)
        return False, None

    async def _chat_migrated(self, chat_id: ChatId | None, new_chat_id: int) -> None:
        key = _normalize_chat(chat_id)
        if self.on_chat_migrated is None or not isinstance(key, int):
            return
        try:
            await self.on_chat_migrated(key, new_chat_id)
        except Exception:
            logger.exception("on_chat_migrated(%s, %s) failed", key, new_chat_id)

    async def _chat_unavailable(self, chat_id: ChatId | None) -> None:
        key = _normalize_chat(chat_id)
        if self.on_chat_unavailable is None or not isinstance(key, int):
            return
        try:
            await self.on_chat_unavailable(key)
        except Exception:
            logger.exception("on_chat_unavailable(%s) failed", key)


def _parts(text: str, parse_mode: str | None, limit: int) -> list[str]:
    """``text`` in pieces that each fit ``limit`` (Telegram's count, after HTML parsing)."""
    if parse_mode == "HTML":
        return split_html(text, limit) or [text]
    return [plain_text(part) for part in split_html(escape(text), limit)] or [text]


def _reply_to(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


# ------------------------------------------------------------------------- coalescer


def chunk_items(items: Sequence[T], render: Callable[[list[T]], str], max_chars: int,
                measure: Callable[[str], int] = len) -> list[list[T]]:
    """Split ``items`` into consecutive runs whose rendering fits ``max_chars`` (as ``measure`` counts).

    Each run is as long as possible (binary search on the run length, so ``render`` is
    called O(log n) times per run, always on sub-lists). A single item that alone
    renders longer than ``max_chars`` gets a run of its own; nothing is ever dropped.
    Assumes the rendered length grows with the number of items.
    """
    items = list(items)
    if not items:
        return []
    if measure(render(items)) <= max_chars:
        return [items]
    chunks: list[list[T]] = []
    start = 0
    while start < len(items):
        lo, hi = 1, len(items) - start  # lo always fits (or is a lone oversize item)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if measure(render(items[start : start + mid])) <= max_chars:
                lo = mid
            else:
                hi = mid - 1
        chunks.append(items[start : start + lo])
        start += lo
    return chunks


@dataclass(eq=False)
class _Batch:
    items: list[Any] = field(default_factory=list)
    render: Callable[[list[Any]], str] | None = None
    first_added: float = 0.0
    timer: asyncio.Task[None] | None = None  # set only while the timer is still sleeping
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    on_sent: Callable[[list[Message]], Awaitable[None]] | None = None
    keys: set[Hashable] = field(default_factory=set)  # of the items waiting: one item per key
    fallback: Callable[[list[Any]], str] | None = None


_Key = tuple[int, str, int | None]  # (chat, topic, forum thread or None)


class GroupCoalescer:
    """Batches a busy group's chatter: at most one message per ``window`` per (chat, topic).

    In a forum group a batch belongs to one forum thread (``thread_id``) too, and goes there.

    The first item for a (chat, topic) starts a timer of ``window`` seconds (longer if
    the limiter says the chat cannot take a message sooner); at the end, ``render`` of
    the collected items becomes the message, split into consecutive chunks if it would
    exceed ``max_chars`` (Telegram's count: UTF-16 units of the text as shown). Items added
    while a batch is being sent go into the next one. Items keep their order and are never
    dropped, except a second item with the same ``key`` in one batch (the same action twice);
    if rendering fails, the batch still goes out in its plain form.
    """

    def __init__(
        self,
        sender: Sender,
        *,
        window: float = 3.0,
        max_chars: int = 4000,
        monotonic: MonotonicFn = time.monotonic,
        sleep: SleepFn = asyncio.sleep,
        disable_notification: bool | None = None,
    ) -> None:
        self.sender = sender
        self.window = window
        self.max_chars = max_chars
        self.disable_notification = disable_notification
        self._monotonic = monotonic
        self._sleep = sleep
        self._batches: dict[_Key, _Batch] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def add(self, chat_id: int, topic: str, item: T, render: Callable[[list[T]], str],
            on_sent: Callable[[list[Message]], Awaitable[None]] | None = None, *,
            key: Hashable | None = None, fallback: Callable[[list[T]], str] | None = None,
            thread_id: int | None = None) -> None:
        """Queue ``item``; it will be sent with the rest of its (chat, topic, thread) batch. ``on_sent`` is
        awaited once per batch with the message(s) it became (e.g. to delete the previous welcome).

        An item with a ``key`` already waiting in the batch is dropped (the same member's check-in
        twice in one window is one line). ``fallback`` renders the items plainly if ``render`` fails."""
        batch_key = (chat_id, topic, thread_id)
        batch = self._batches.get(batch_key)
        if batch is None:
            batch = self._batches[batch_key] = _Batch()
        if key is not None:
            if key in batch.keys:
                logger.debug("coalescer: %r item %r for chat %s is already waiting", topic, key, chat_id)
                return
            batch.keys.add(key)
        if not batch.items:
            batch.first_added = self._monotonic()
        batch.items.append(item)
        batch.render = render
        if fallback is not None:
            batch.fallback = fallback
        if on_sent is not None:
            batch.on_sent = on_sent
        if batch.timer is None:
            self._start_timer(batch_key, batch)

    def pending(self, chat_id: int | None = None) -> int:
        """How many items are waiting (for one chat, or overall)."""
        return sum(
            len(batch.items)
            for (chat, _, _), batch in self._batches.items()
            if chat_id is None or chat == chat_id
        )

    async def flush(self, chat_id: int | None = None) -> None:
        """Send what is queued now (for one chat, or all) and wait for delivery."""
        keys = [key for key in self._batches if chat_id is None or key[0] == chat_id]
        for key in keys:
            self._cancel_timer(self._batches[key])
        await asyncio.gather(*(self._flush_key(key) for key in keys))

    async def close(self) -> None:
        """Flush everything, cancel timers and wait for in-flight sends (shutdown)."""
        await self.flush()
        for batch in self._batches.values():
            self._cancel_timer(batch)
        tasks = [task for task in self._tasks if task is not asyncio.current_task()]
        if tasks:
            await asyncio.wait(tasks)
        # Anything added while we were waiting still has to go out.
        if any(batch.items for batch in self._batches.values()):
            await self.close()

    # -- internals

    def _start_timer(self, key: _Key, batch: _Batch) -> None:
        delay = self.window
        if self.sender.limiter is not None:
            delay = max(delay, self.sender.limiter.wait_estimate(key[0]))
        task = asyncio.get_running_loop().create_task(self._timer(key, batch, delay))
        batch.timer = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _cancel_timer(self, batch: _Batch) -> None:
        if batch.timer is not None:
            batch.timer.cancel()
            batch.timer = None

    async def _timer(self, key: _Key, batch: _Batch, delay: float) -> None:
        await self._sleep(delay)
        if batch.timer is asyncio.current_task():
            batch.timer = None
        try:
            await self._flush_key(key)
        except Exception:
            logger.exception("coalescer: flushing %r for chat %s failed", key[1], key[0])

    def _render(self, chat_id: int, topic: str, items: list[Any], render: Callable[[list[Any]], str],
                fallback: Callable[[list[Any]], str] | None) -> list[str]:
        """The batch's messages. If rendering fails the batch is not lost: the failure is logged
        once and the items go out in their plain form (``fallback``, else item by item)."""
        try:
            return [render(chunk) for chunk in chunk_items(items, render, self.max_chars, telegram_length)]
        except Exception:
            logger.exception("coalescer: rendering %d %r items for chat %s failed; sending them plainly",
                             len(items), topic, chat_id)
        if fallback is not None:
            try:
                return [fallback(items)]
            except Exception as exc:
                logger.error("coalescer: the plain form of %r for chat %s failed too: %r", topic, chat_id, exc)
        lines: list[str] = []
        for item in items:
            try:
                lines.append(render([item]))
            except Exception:
                lines.append(escape(str(item)))
        return ["\n".join(lines)]

    async def _flush_key(self, key: _Key) -> None:
        batch = self._batches.get(key)
        if batch is None:
            return
        async with batch.lock:
            items, render = batch.items, batch.render
            if not items or render is None:
                return
            batch.items = []
            batch.keys = set()
            waited = self._monotonic() - batch.first_added
            chat_id, topic, thread_id = key
            texts = self._render(chat_id, topic, items, render, batch.fallback)
            logger.debug(
                "coalescer: %d %r items for chat %s after %.1fs in %d message(s)",
                len(items),
                topic,
                chat_id,
                waited,
                len(texts),
            )
            delivered: list[Message] = []
            for text in texts:
                # A text over Telegram's limit (a single huge item) is split by the sender.
                sent = await self.sender.send_message(chat_id, text, disable_notification=self.disable_notification,
                                                      message_thread_id=thread_id)
                if sent is not None:
                    delivered.append(sent)
            if delivered and batch.on_sent is not None:
                try:
                    await batch.on_sent(delivered)
                except Exception:
                    logger.exception("coalescer: after sending %r to chat %s", topic, chat_id)
            if batch.items and batch.timer is None:
                self._start_timer(key, batch)
            elif not batch.items and batch.timer is None and self._batches.get(key) is batch:
                del self._batches[key]
