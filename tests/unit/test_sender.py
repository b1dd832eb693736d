"""Tests for bot/limiter.py, bot/sender.py and bot/coalescer.py: limiter, session middleware, Sender
facade and GroupCoalescer.

Everything runs in virtual time: :class:`VirtualClock` hands out ``monotonic`` and
``sleep``; sleepers are parked on a heap and woken, earliest first, only once every
runnable task has settled, so concurrent waiters see a consistent timeline.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Message
from aiohttp import ClientConnectorError
from hypothesis import given
from hypothesis import strategies as st

from bot.coalescer import GroupCoalescer, chunk_items
from bot.limiter import RateLimiter, RateLimitMiddleware, is_group_chat, setup_rate_limiting
from bot.sender import Sender, photo_refused

GROUP = -1001
GROUP_B = -1002
USER = 501
USER_B = 502
EPS = 1e-6


# ----------------------------------------------------------------------- virtual time


class VirtualClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.start = start
        self.now = start
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self.sleeps: list[float] = []

    @property
    def elapsed(self) -> float:
        return self.now - self.start

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (self.now + max(0.0, delay), next(self._seq), future))
        await future

    async def settle(self) -> None:
        """Yield until nothing but us is runnable."""
        loop = asyncio.get_running_loop()
        for _ in range(100_000):
            await asyncio.sleep(0)
            if not loop._ready:  # type: ignore[attr-defined]
                return
        raise AssertionError("event loop never settled")

    def _wake_next(self, limit: float | None = None) -> bool:
        while self._heap and self._heap[0][2].done():  # cancelled sleepers
            heapq.heappop(self._heap)
        if not self._heap or (limit is not None and self._heap[0][0] > limit):
            return False
        when, _, future = heapq.heappop(self._heap)
        self.now = max(self.now, when)
        future.set_result(None)
        return True

    async def run(self, *aws: Awaitable[Any]) -> list[Any]:
        """Run ``aws`` concurrently to completion, advancing virtual time as needed."""
        tasks = [asyncio.ensure_future(aw) for aw in aws]
        while True:
            await self.settle()
            if all(task.done() for task in tasks):
                return [task.result() for task in tasks]
            if not self._wake_next():
                raise AssertionError("deadlock: tasks are blocked but nobody is sleeping")

    async def advance(self, seconds: float) -> None:
        target = self.now + seconds
        await self.settle()
        while self._wake_next(limit=target):
            await self.settle()
        self.now = max(self.now, target)
        await self.settle()

    async def drain(self) -> None:
        """Advance until no task sleeps any more."""
        await self.settle()
        while self._wake_next():
            await self.settle()


def max_in_window(times: list[float], window: float) -> int:
    """Most events in any half-open window [t, t + window)."""
    times = sorted(times)
    best = 0
    j = 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


# ----------------------------------------------------------------------- fake session


@dataclass
class Call:
    api: str
    chat_id: Any
    at: float
    method: TelegramMethod[Any]
    outcome: str = "ok"


ErrorFactory = Callable[[TelegramMethod[Any]], Exception]


def retry_after(seconds: int) -> ErrorFactory:
    return lambda m: TelegramRetryAfter(method=m, message="Too Many Requests", retry_after=seconds)


def server_error(m: TelegramMethod[Any]) -> Exception:
    return TelegramServerError(method=m, message="Internal Server Error")


def network_error(m: TelegramMethod[Any]) -> Exception:
    return TelegramNetworkError(method=m, message="Connection reset")


def refused(m: TelegramMethod[Any]) -> Exception:
    """A connection that was never made: the request cannot have reached Telegram."""
    error = TelegramNetworkError(method=m, message="ClientConnectorError: Cannot connect to host")
    error.__cause__ = ClientConnectorError.__new__(ClientConnectorError)
    return error


def forbidden(m: TelegramMethod[Any]) -> Exception:
    return TelegramForbiddenError(method=m, message="Forbidden: bot was blocked by the user")


def bad_request(description: str) -> ErrorFactory:
    return lambda m: TelegramBadRequest(method=m, message=description)


class FakeSession(BaseSession):
    """Records every request (FIFO) in virtual time; can fail the next N requests."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self.clock = clock
        self.calls: list[Call] = []
        self.failures: list[ErrorFactory] = []
        self.gate: asyncio.Event | None = None
        self._message_ids = itertools.count(1)

    def fail_next(self, count: int, factory: ErrorFactory) -> None:
        self.failures.extend([factory] * count)

    def ok_calls(self, api: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.outcome == "ok" and (api is None or c.api == api)]

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,
    ) -> TelegramType:
        call = Call(method.__api_method__, getattr(method, "chat_id", None), self.clock.now, method)
        self.calls.append(call)
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            error = self.failures.pop(0)(method)
            call.outcome = type(error).__name__
            raise error
        return self._result(method)

    def _result(self, method: TelegramMethod[Any]) -> Any:
        if method.__returning__ is Message:
            chat_id = method.chat_id if isinstance(method.chat_id, int) else -1  # type: ignore[attr-defined]
            return Message(
                message_id=next(self._message_ids),
                date=datetime(2025, 1, 1, tzinfo=UTC),
                chat=Chat(id=chat_id, type="private" if chat_id > 0 else "supergroup"),
                text=getattr(method, "text", None),
            )
        if method.__api_method__ == "sendMediaGroup":
            return []
        return True


@dataclass
class Stack:
    clock: VirtualClock
    session: FakeSession
    bot: Bot
    limiter: RateLimiter
    middleware: RateLimitMiddleware
    sender: Sender
    unavailable: list[int]


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def limiter(clock: VirtualClock) -> RateLimiter:
    return RateLimiter(monotonic=clock.monotonic, sleep=clock.sleep)


@pytest.fixture
async def stack(clock: VirtualClock, limiter: RateLimiter) -> AsyncGenerator[Stack, None]:
    session = FakeSession(clock)
    bot = Bot(token="42:TEST-token", session=session)
    middleware = RateLimitMiddleware(limiter, jitter=lambda: 0.5)  # jitter factor exactly 1.0
    bot.session.middleware(middleware)
    unavailable: list[int] = []

    async def on_unavailable(chat_id: int) -> None:
        unavailable.append(chat_id)

    sender = Sender(bot, on_chat_unavailable=on_unavailable)
    yield Stack(clock, session, bot, limiter, middleware, sender, unavailable)
    await bot.session.close()


# ------------------------------------------------------------------------ RateLimiter


async def _timed_acquire(limiter: RateLimiter, clock: VirtualClock, chat: int | str | None) -> float:
    await limiter.acquire(chat)
    return clock.now


def test_chat_kinds() -> None:
    assert is_group_chat(-100123)
    assert is_group_chat("-100123")
    assert is_group_chat("@regulars_shop")
    assert not is_group_chat(42)
    assert not is_group_chat("42")


async def test_group_limit_holds_over_100_sends(clock: VirtualClock, limiter: RateLimiter) -> None:
    order: list[int] = []

    async def send(i: int) -> float:
        await limiter.acquire(GROUP)
        order.append(i)
        return clock.now

    times = await clock.run(*(send(i) for i in range(100)))
    assert order == list(range(100)), "waiters on one chat are served FIFO"
    assert max(times) - clock.start >= 240  # 5 windows of 20: at 0, 60, 120, 180, 240
    assert max(times) - clock.start < 241
    assert max_in_window(times, 60.0) == 20
    for earlier, later in itertools.pairwise(sorted(times)[::20]):
        assert later - earlier >= 60


async def test_global_limit_across_many_private_chats(clock: VirtualClock, limiter: RateLimiter) -> None:
    chats = [1000 + n for n in range(50)]
    jobs = [(chat, _timed_acquire(limiter, clock, chat)) for _ in range(4) for chat in chats]
    times = await clock.run(*(job for _, job in jobs))
    assert max_in_window(times, 1.0) <= 30
    assert max(times) - clock.start >= (200 - 30) / 30
    assert max(times) - clock.start < 200 / 30 + 1
    per_chat: dict[int, list[float]] = {}
    for (chat, _), at in zip(jobs, times, strict=True):
        per_chat.setdefault(chat, []).append(at)
    for chat_times in per_chat.values():
        # burst of 3, then one per second
        assert max_in_window(chat_times, 1.0) <= 3
        assert sorted(chat_times)[3] - sorted(chat_times)[0] >= 1.0 - EPS


async def test_private_chat_gets_one_message_per_second(clock: VirtualClock) -> None:
    strict = RateLimiter(private_burst=1, monotonic=clock.monotonic, sleep=clock.sleep)
    times = await clock.run(*(_timed_acquire(strict, clock, USER) for _ in range(10)))
    for earlier, later in itertools.pairwise(times):
        assert later - earlier >= 1.0 - EPS
    assert times[-1] - clock.start == pytest.approx(9.0, abs=0.05)

    bursty = RateLimiter(monotonic=clock.monotonic, sleep=clock.sleep)  # default burst 3
    start = clock.now
    times = await clock.run(*(_timed_acquire(bursty, clock, USER) for _ in range(6)))
    assert [round(t - start, 2) for t in times] == [0, 0, 0, 1, 2, 3]


async def test_group_waiter_does_not_delay_other_chats(clock: VirtualClock, limiter: RateLimiter) -> None:
    group_jobs = [_timed_acquire(limiter, clock, GROUP) for _ in range(25)]
    others = [
        _timed_acquire(limiter, clock, USER),
        _timed_acquire(limiter, clock, GROUP_B),
        _timed_acquire(limiter, clock, None),
    ]
    times = await clock.run(*group_jobs, *others)
    group_times, other_times = times[:25], times[25:]
    assert max(group_times) - clock.start >= 60
    assert other_times == [clock.start] * 3


async def test_penalize_blocks_one_chat_or_everything(clock: VirtualClock, limiter: RateLimiter) -> None:
    limiter.penalize(GROUP, 10)
    assert limiter.wait_estimate(GROUP) == pytest.approx(10)
    assert limiter.wait_estimate(USER) == 0
    group_at, user_at = await clock.run(
        _timed_acquire(limiter, clock, GROUP), _timed_acquire(limiter, clock, USER)
    )
    assert group_at - clock.start == pytest.approx(10, abs=0.01)
    assert user_at == clock.start

    start = clock.now
    limiter.penalize(None, 5)
    assert limiter.wait_estimate(USER_B) == pytest.approx(5)
    times = await clock.run(
        _timed_acquire(limiter, clock, USER_B),
        _timed_acquire(limiter, clock, GROUP_B),
        _timed_acquire(limiter, clock, None),
    )
    assert all(t - start == pytest.approx(5, abs=0.01) for t in times)


async def test_penalty_arriving_while_queued_is_honoured(clock: VirtualClock, limiter: RateLimiter) -> None:
    for _ in range(20):
        await limiter.acquire(GROUP)
    waiter = asyncio.ensure_future(_timed_acquire(limiter, clock, GROUP))
    await clock.advance(30)
    assert not waiter.done()
    limiter.penalize(GROUP, 100)  # until start + 130, well past the window's end at start + 60
    (at,) = await clock.run(waiter)
    assert at - clock.start == pytest.approx(130, abs=0.01)


async def test_wait_estimate(clock: VirtualClock, limiter: RateLimiter) -> None:
    assert limiter.wait_estimate(GROUP) == 0
    assert limiter.wait_estimate(None) == 0
    for _ in range(20):
        await limiter.acquire(GROUP)
    assert limiter.wait_estimate(GROUP) == pytest.approx(60)
    assert limiter.wait_estimate(GROUP_B) == pytest.approx(0)

    # queued waiters count: with 20 more already waiting, a new send is a window further out
    waiters = [asyncio.ensure_future(limiter.acquire(GROUP)) for _ in range(20)]
    await clock.settle()
    assert limiter.wait_estimate(GROUP) == pytest.approx(120)

    for _ in range(3):
        await limiter.acquire(USER)
    assert limiter.wait_estimate(USER) == pytest.approx(1.0)
    await clock.run(*waiters)


async def test_cancelled_waiter_frees_its_place(clock: VirtualClock, limiter: RateLimiter) -> None:
    for _ in range(20):
        await limiter.acquire(GROUP)
    doomed = asyncio.ensure_future(limiter.acquire(GROUP))
    await clock.settle()
    doomed.cancel()
    await clock.settle()
    (at,) = await clock.run(_timed_acquire(limiter, clock, GROUP))
    assert at - clock.start == pytest.approx(60, abs=0.01)


async def test_string_chat_ids_share_state(clock: VirtualClock, limiter: RateLimiter) -> None:
    for _ in range(10):
        await limiter.acquire(-100500)
    for _ in range(10):
        await limiter.acquire("-100500")
    assert limiter.wait_estimate(-100500) == pytest.approx(60)
    clock.now += 1  # stay clear of the global 30/s
    for _ in range(20):
        await limiter.acquire("@Regulars")
    assert limiter.wait_estimate("@regulars") == pytest.approx(60)
    assert limiter.wait_estimate(-100500) == pytest.approx(59)


async def test_idle_chat_state_is_forgotten(clock: VirtualClock, limiter: RateLimiter) -> None:
    for chat in range(1, 1025):
        await limiter.acquire(chat)
        clock.now += 0.05
    assert len(limiter._chats) < 1024


# ------------------------------------------------------------------------- middleware


async def test_retry_after_is_honoured(stack: Stack) -> None:
    stack.session.fail_next(1, retry_after(7))
    message, _other = await stack.clock.run(
        stack.bot.send_message(GROUP, "hello"),
        _delayed(stack.clock, 1, stack.bot.send_message(USER, "meanwhile")),
    )
    assert isinstance(message, Message)
    attempts = [c for c in stack.session.calls if c.chat_id == GROUP]
    assert [c.outcome for c in attempts] == ["TelegramRetryAfter", "ok"]
    assert attempts[1].at - attempts[0].at == pytest.approx(7, abs=0.01)
    # the penalty is per chat: others carry on
    assert [c.at - stack.clock.start for c in stack.session.calls if c.chat_id == USER] == [1]


async def test_retry_after_gives_up_after_five_retries(stack: Stack) -> None:
    stack.session.fail_next(6, retry_after(2))
    with pytest.raises(TelegramRetryAfter):
        await stack.clock.run(stack.bot.send_message(GROUP, "hello"))
    assert len(stack.session.calls) == 6
    assert stack.clock.elapsed == pytest.approx(10, abs=0.1)


async def test_server_error_is_retried_with_backoff(stack: Stack) -> None:
    stack.session.fail_next(2, server_error)
    (message,) = await stack.clock.run(stack.bot.send_message(USER, "hi"))
    assert isinstance(message, Message)
    offsets = [c.at - stack.clock.start for c in stack.session.calls]
    assert offsets == pytest.approx([0, 0.5, 1.5])
    assert [c.outcome for c in stack.session.calls] == ["TelegramServerError"] * 2 + ["ok"]


async def test_network_error_gives_up_after_four_retries(stack: Stack) -> None:
    stack.session.fail_next(10, refused)
    with pytest.raises(TelegramNetworkError):
        await stack.clock.run(stack.bot.send_message(USER, "hi"))
    offsets = [c.at - stack.clock.start for c in stack.session.calls]
    assert offsets == pytest.approx([0, 0.5, 1.5, 3.5, 7.5])


async def test_a_post_that_may_have_arrived_is_not_repeated(stack: Stack) -> None:
    # A dropped connection or a timeout after the request left: Telegram may have posted it.
    stack.session.fail_next(1, network_error)
    with pytest.raises(TelegramNetworkError):
        await stack.clock.run(stack.bot.send_message(USER, "hi"))
    assert len(stack.session.calls) == 1
    # Idempotent calls are repeated after the same error.
    stack.session.fail_next(1, network_error)
    await stack.clock.run(stack.bot.edit_message_text(chat_id=USER, message_id=1, text="hi"))
    stack.session.fail_next(1, network_error)
    await stack.clock.run(stack.bot.approve_chat_join_request(GROUP, USER))
    assert [c.outcome for c in stack.session.calls[1:]] == ["TelegramNetworkError", "ok"] * 2


def test_backoff_is_exponential_with_jitter(limiter: RateLimiter) -> None:
    low = RateLimitMiddleware(limiter, jitter=lambda: 0.0)
    high = RateLimitMiddleware(limiter, jitter=lambda: 1.0)
    for attempt, base in enumerate([0.5, 1, 2, 4]):
        assert low.backoff(attempt) == pytest.approx(base * 0.75)
        assert high.backoff(attempt) == pytest.approx(base * 1.25)


async def test_other_errors_propagate_at_once(stack: Stack) -> None:
    stack.session.fail_next(1, bad_request("Bad Request: chat not found"))
    with pytest.raises(TelegramBadRequest):
        await stack.clock.run(stack.bot.send_message(USER, "hi"))
    stack.session.fail_next(1, forbidden)
    with pytest.raises(TelegramForbiddenError):
        await stack.clock.run(stack.bot.send_message(USER, "hi"))
    assert len(stack.session.calls) == 2
    assert stack.clock.elapsed == 0


async def test_callback_answer_is_not_queued_behind_a_saturated_group(stack: Stack) -> None:
    bot = stack.bot
    sends = [bot.send_message(GROUP, f"msg {i}") for i in range(25)]
    results = await stack.clock.run(
        *sends,
        _delayed(stack.clock, 5, bot.answer_callback_query("cbq-1", text="ok")),
        _delayed(stack.clock, 5, bot.delete_message(GROUP, 7)),
        _delayed(stack.clock, 5, bot.get_chat_member(GROUP, USER)),
    )
    assert results[25] is True
    by_api = {c.api: c.at - stack.clock.start for c in stack.session.calls}
    assert by_api["answerCallbackQuery"] == 5
    assert by_api["deleteMessage"] == 5
    assert by_api["getChatMember"] == 5
    group_times = [c.at for c in stack.session.ok_calls("sendMessage")]
    assert max(group_times) - stack.clock.start >= 60
    assert max_in_window(group_times, 60) == 20


async def test_edits_count_against_the_group_limit(stack: Stack) -> None:
    bot = stack.bot
    for i in range(10):
        await bot.send_message(GROUP, f"msg {i}")
    for i in range(10):
        await bot.edit_message_text(text="edited", chat_id=GROUP, message_id=i + 1)
    (at,) = await stack.clock.run(
        _then_now(stack.clock, bot.edit_message_reply_markup(chat_id=GROUP, message_id=1))
    )
    assert at - stack.clock.start == pytest.approx(60, abs=0.01)


async def test_inline_edits_only_touch_the_global_limit(stack: Stack) -> None:
    for i in range(20):
        await stack.bot.send_message(GROUP, f"msg {i}")
    (ok,) = await stack.clock.run(stack.bot.edit_message_text(text="x", inline_message_id="inline-1"))
    assert ok is True
    assert stack.clock.elapsed == 0


async def test_media_group_counts_each_item(stack: Stack) -> None:
    media = [InputMediaPhoto(media=f"file-{i}") for i in range(10)]
    await stack.bot.send_media_group(GROUP, media=media)
    assert stack.limiter.wait_estimate(GROUP) == 0
    await stack.bot.send_media_group(GROUP, media=media)
    assert stack.limiter.wait_estimate(GROUP) == pytest.approx(60)


async def test_setup_rate_limiting_is_idempotent(clock: VirtualClock) -> None:
    bot = Bot(token="42:TEST-token", session=FakeSession(clock))
    first = setup_rate_limiting(bot)
    assert setup_rate_limiting(bot) is first
    assert sum(isinstance(m, RateLimitMiddleware) for m in bot.session.middleware) == 1
    assert Sender(bot).limiter is first


# ---------------------------------------------------------------------------- Sender


async def test_send_message_defaults(stack: Stack) -> None:
    message = await stack.sender.send_message(USER, "<b>hi</b> https://example.com", reply_to_message_id=3)
    assert isinstance(message, Message)
    method = stack.session.calls[0].method
    assert method.parse_mode == "HTML"
    assert method.link_preview_options.is_disabled is True
    assert method.reply_parameters.message_id == 3
    assert method.reply_parameters.allow_sending_without_reply is True

    await stack.sender.send_photo(USER, "file-id", caption="look")
    assert stack.session.calls[1].api == "sendPhoto"


async def test_a_photo_telegram_refuses_falls_back_to_the_text(stack: Stack) -> None:
    """A refused photo (a file_id this bot was never given) sends the caption as text with the same
    keyboard; the refusal stays in ``failed``. Other refusals, or no caption, send nothing more."""
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Buy", url="https://t.me/x")]])
    failed: list[TelegramAPIError] = []
    stack.session.fail_next(1, bad_request("Bad Request: wrong file identifier/HTTP URL specified"))
    message = await stack.sender.send_photo(GROUP, "AgAC-other-bot", caption="<b>Tea</b>", reply_markup=keyboard,
                                            failed=failed)
    assert message is not None and [c.api for c in stack.session.calls] == ["sendPhoto", "sendMessage"]
    text = stack.session.calls[1].method
    assert text.text == "<b>Tea</b>" and text.reply_markup == keyboard and text.parse_mode == "HTML"
    assert len(failed) == 1 and photo_refused(failed[0])
    stack.session.fail_next(1, bad_request("Bad Request: wrong remote file identifier specified: Wrong string length"))
    assert await stack.sender.send_photo(GROUP, "abcde") is None  # no caption: nothing to post
    stack.session.fail_next(1, bad_request("Bad Request: can't parse entities: unclosed tag"))
    assert await stack.sender.send_photo(GROUP, "AgAC-1", caption="<b>x") is None
    assert [c.api for c in stack.session.calls[2:]] == ["sendPhoto", "sendPhoto"]
    assert not photo_refused(bad_request("Bad Request: chat not found")(stack.session.calls[0].method))
    assert not photo_refused(None)


async def test_a_refused_photo_with_a_long_caption_goes_as_one_text(stack: Stack) -> None:
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Buy", url="https://t.me/x")]])
    caption = "\n".join(f"line {n}: " + "tea " * 20 for n in range(20))  # about 1,800: over a caption's 1,024
    failed: list[TelegramAPIError] = []
    stack.session.fail_next(1, bad_request("Bad Request: wrong file identifier/HTTP URL specified"))
    message = await stack.sender.send_photo(GROUP, "AgAC-other-bot", caption=caption, reply_markup=keyboard,
                                            failed=failed)
    assert message is not None and [c.api for c in stack.session.calls] == ["sendPhoto", "sendMessage"]
    text = stack.session.calls[1].method
    assert text.text == caption and text.reply_markup == keyboard  # the whole caption, with the keyboard
    assert len(failed) == 1 and photo_refused(failed[0])


async def test_forbidden_marks_chat_unavailable(stack: Stack) -> None:
    stack.session.fail_next(1, forbidden)
    assert await stack.sender.send_message(USER, "hi") is None
    assert stack.unavailable == [USER]
    stack.session.fail_next(1, forbidden)
    assert await stack.sender.edit_text(GROUP, 5, "x") is False
    assert stack.unavailable == [USER, GROUP]


async def test_not_modified_counts_as_success(stack: Stack) -> None:
    not_modified = bad_request(
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    stack.session.fail_next(1, not_modified)
    assert await stack.sender.edit_text(GROUP, 5, "same") is True
    stack.session.fail_next(1, not_modified)
    assert await stack.sender.edit_reply_markup(GROUP, 5) is True
    stack.session.fail_next(1, bad_request("Bad Request: message to edit not found"))
    assert await stack.sender.edit_text(GROUP, 5, "same") is False
    assert stack.unavailable == []


async def test_sender_never_raises(stack: Stack) -> None:
    sender = stack.sender
    stack.session.fail_next(5, refused)
    (result,) = await stack.clock.run(sender.send_message(USER, "hi"))
    assert result is None
    stack.session.fail_next(6, retry_after(1))
    (result,) = await stack.clock.run(sender.send_message(GROUP, "hi"))
    assert result is None
    stack.session.fail_next(1, bad_request("Bad Request: can't parse entities"))
    assert await sender.send_message(USER, "<b>") is None
    stack.session.fail_next(1, bad_request("Bad Request: message to delete not found"))
    assert await sender.delete(GROUP, 1) is False
    stack.session.fail_next(1, bad_request("Bad Request: query is too old"))
    assert await sender.answer_callback("cbq") is False
    assert stack.unavailable == []


async def test_chat_not_found_marks_chat_unavailable(stack: Stack) -> None:
    stack.session.fail_next(1, bad_request("Bad Request: chat not found"))
    assert await stack.sender.send_message(GROUP, "hi") is None
    assert stack.unavailable == [GROUP]


async def test_failing_unavailable_callback_is_contained(stack: Stack) -> None:
    async def boom(chat_id: int) -> None:
        raise RuntimeError("db down")

    sender = Sender(stack.bot, on_chat_unavailable=boom)
    stack.session.fail_next(1, forbidden)
    assert await sender.send_message(USER, "hi") is None


async def test_answer_delete_and_edit_success(stack: Stack) -> None:
    assert await stack.sender.answer_callback("cbq", "done", show_alert=True) is True
    assert await stack.sender.delete(GROUP, 1) is True
    assert await stack.sender.edit_text(GROUP, 1, "new") is True
    method = stack.session.calls[0].method
    assert (method.callback_query_id, method.text, method.show_alert) == ("cbq", "done", True)


# ------------------------------------------------------------------------- coalescer


def render_lines(items: list[str]) -> str:
    return "\n".join(items)


def make_coalescer(stack: Stack, **kwargs: Any) -> GroupCoalescer:
    return GroupCoalescer(stack.sender, monotonic=stack.clock.monotonic, sleep=stack.clock.sleep, **kwargs)


async def test_items_within_the_window_become_one_message(stack: Stack) -> None:
    coalescer = make_coalescer(stack)
    clock = stack.clock
    for i in range(50):
        coalescer.add(GROUP, "joins", f"member {i} joined", render_lines)
        await clock.advance(0.05)
    await clock.drain()
    sent = stack.session.ok_calls("sendMessage")
    assert len(sent) == 1
    assert sent[0].method.text == "\n".join(f"member {i} joined" for i in range(50))
    assert sent[0].at - clock.start == pytest.approx(3.0)
    assert coalescer.pending() == 0
    await coalescer.close()


async def test_topics_and_chats_are_batched_separately(stack: Stack) -> None:
    coalescer = make_coalescer(stack)
    coalescer.add(GROUP, "joins", "a", render_lines)
    coalescer.add(GROUP, "points", "b", render_lines)
    coalescer.add(GROUP_B, "joins", "c", render_lines)
    coalescer.add(GROUP, "joins", "d", render_lines)
    await stack.clock.drain()
    texts = sorted((c.chat_id, c.method.text) for c in stack.session.ok_calls("sendMessage"))
    assert texts == [(GROUP_B, "c"), (GROUP, "a\nd"), (GROUP, "b")]
    await coalescer.close()


async def test_long_batches_are_split_into_ordered_chunks(stack: Stack) -> None:
    seen: list[list[str]] = []

    def render(items: list[str]) -> str:
        seen.append(list(items))
        return render_lines(items)

    coalescer = make_coalescer(stack, max_chars=1000)
    items = [f"{i:03d} " + "x" * 95 for i in range(100)]  # 99 chars each, 100 per line incl. "\n"
    for item in items:
        coalescer.add(GROUP, "log", item, render)
    await stack.clock.drain()
    texts = [c.method.text for c in stack.session.ok_calls("sendMessage")]
    assert len(texts) == 10
    assert all(len(text) <= 1000 for text in texts)
    assert [line for text in texts for line in text.split("\n")] == items
    positions = {item: n for n, item in enumerate(items)}
    for sub in seen:  # render only ever sees consecutive runs of the batch
        idx = [positions[i] for i in sub]
        assert idx == list(range(idx[0], idx[0] + len(idx)))
    await coalescer.close()


async def test_on_sent_hears_once_per_batch_with_every_chunk(stack: Stack) -> None:
    heard: list[list[str | None]] = []

    async def on_sent(messages: list[Any]) -> None:
        heard.append([m.text for m in messages])

    coalescer = make_coalescer(stack, max_chars=250)
    for i in range(5):
        coalescer.add(GROUP, "welcome", f"{i} " + "y" * 98, render_lines, on_sent)
    await stack.clock.drain()
    coalescer.add(GROUP, "welcome", "late", render_lines, on_sent)
    await stack.clock.drain()
    assert [len(batch) for batch in heard] == [3, 1]  # 5 items in 3 chunks, then one more batch
    assert heard[1] == ["late"]
    await coalescer.close()


async def test_items_added_while_sending_go_into_the_next_batch(stack: Stack) -> None:
    coalescer = make_coalescer(stack)
    clock = stack.clock
    gate = stack.session.gate = asyncio.Event()
    coalescer.add(GROUP, "joins", "a", render_lines)
    coalescer.add(GROUP, "joins", "b", render_lines)
    await clock.advance(3.0)
    assert len(stack.session.calls) == 1  # the flush is in flight, held at the gate
    coalescer.add(GROUP, "joins", "c", render_lines)
    coalescer.add(GROUP, "joins", "d", render_lines)
    await clock.advance(1.0)
    stack.session.gate = None
    gate.set()
    await clock.drain()
    sent = stack.session.ok_calls("sendMessage")
    assert [c.method.text for c in sent] == ["a\nb", "c\nd"]
    assert sent[1].at - sent[0].at >= 3.0
    await coalescer.close()


async def test_timer_waits_for_the_limiter(stack: Stack) -> None:
    for i in range(20):
        await stack.sender.send_message(GROUP, f"direct {i}")
    coalescer = make_coalescer(stack)
    coalescer.add(GROUP, "joins", "late", render_lines)
    await stack.clock.drain()
    sent = [c for c in stack.session.calls if c.method.text == "late"]
    assert len(sent) == 1
    assert sent[0].at - stack.clock.start == pytest.approx(60, abs=0.01)
    await coalescer.close()


async def test_flush_one_chat_now(stack: Stack) -> None:
    coalescer = make_coalescer(stack)
    coalescer.add(GROUP, "joins", "a", render_lines)
    coalescer.add(GROUP_B, "joins", "b", render_lines)
    await stack.clock.run(coalescer.flush(GROUP))
    assert [c.method.text for c in stack.session.ok_calls("sendMessage")] == ["a"]
    assert coalescer.pending() == 1
    assert stack.clock.elapsed == 0
    await stack.clock.drain()
    assert [c.method.text for c in stack.session.ok_calls("sendMessage")] == ["a", "b"]
    await coalescer.close()


async def test_close_flushes_everything_and_cancels_timers(stack: Stack) -> None:
    coalescer = make_coalescer(stack)
    for i in range(5):
        coalescer.add(GROUP, "joins", f"g{i}", render_lines)
        coalescer.add(USER, "dm", f"u{i}", render_lines)
    await stack.clock.run(coalescer.close())
    texts = sorted(c.method.text for c in stack.session.ok_calls("sendMessage"))
    assert texts == ["g0\ng1\ng2\ng3\ng4", "u0\nu1\nu2\nu3\nu4"]
    assert stack.clock.elapsed == 0
    assert coalescer.pending() == 0
    await stack.clock.settle()
    assert not coalescer._tasks
    await stack.clock.drain()
    assert len(stack.session.calls) == 2


async def test_failed_delivery_does_not_break_the_coalescer(stack: Stack) -> None:
    coalescer = make_coalescer(stack)
    stack.session.fail_next(1, bad_request("Bad Request: can't parse entities"))
    coalescer.add(GROUP, "joins", "<broken", render_lines)
    await stack.clock.drain()
    coalescer.add(GROUP, "joins", "fine", render_lines)
    await stack.clock.drain()
    assert [c.method.text for c in stack.session.ok_calls("sendMessage")] == ["fine"]
    await coalescer.close()


@given(
    lengths=st.lists(st.integers(min_value=1, max_value=60), max_size=60),
    max_chars=st.integers(min_value=1, max_value=300),
)
def test_chunk_items_properties(lengths: list[int], max_chars: int) -> None:
    items = ["x" * n for n in lengths]
    chunks = chunk_items(items, render_lines, max_chars)
    assert [item for chunk in chunks for item in chunk] == items
    assert all(chunk for chunk in chunks)
    for n, chunk in enumerate(chunks):
        assert len(chunk) == 1 or len(render_lines(chunk)) <= max_chars
        if n + 1 < len(chunks):  # greedy: the next item would not have fit
            assert len(render_lines([*chunk, chunks[n + 1][0]])) > max_chars


# --------------------------------------------------------------------------- helpers


async def _delayed(clock: VirtualClock, seconds: float, coro: Coroutine[Any, Any, Any]) -> Any:
    await clock.sleep(seconds)
    return await coro


async def _then_now(clock: VirtualClock, coro: Awaitable[Any]) -> float:
    await coro
    return clock.now


# ---------------------------------------------------- supergroup migration and forum topics


def migrated(new_chat_id: int) -> ErrorFactory:
    from aiogram.exceptions import TelegramMigrateToChat

    description = "Bad Request: group chat was upgraded to a supergroup chat"
    return lambda m: TelegramMigrateToChat(method=m, message=description, migrate_to_chat_id=new_chat_id)


async def test_a_send_to_a_migrated_group_is_made_again_at_its_new_id(stack: Stack) -> None:
    moves: list[tuple[int, int]] = []
    sent_before_move: list[int] = []

    async def on_migrated(old: int, new: int) -> None:
        sent_before_move.append(len(stack.session.ok_calls()))
        moves.append((old, new))

    sender = Sender(stack.bot, on_chat_migrated=on_migrated)
    stack.session.fail_next(1, migrated(GROUP_B))
    message = await sender.send_message(GROUP, "daily post", reply_to_message_id=3)
    assert message is not None and message.chat.id == GROUP_B
    assert moves == [(GROUP, GROUP_B)] and sent_before_move == [0]  # moved first, then sent again
    assert [(c.chat_id, c.outcome) for c in stack.session.calls] == [(GROUP, "TelegramMigrateToChat"), (GROUP_B, "ok")]
    # Edits and deletes are not repeated (message ids do not carry over), but the move is made.
    stack.session.fail_next(2, migrated(GROUP_B))
    assert await sender.edit_text(GROUP, 5, "x") is False
    assert await sender.delete(GROUP, 5) is False
    assert moves == [(GROUP, GROUP_B)] * 3 and len(stack.session.calls) == 4


async def test_a_send_to_a_deleted_topic_goes_to_general(stack: Stack) -> None:
    stack.session.fail_next(1, bad_request("Bad Request: message thread not found"))
    assert await stack.sender.send_message(GROUP, "post", message_thread_id=7) is not None
    assert [c.method.message_thread_id for c in stack.session.calls] == [7, None]
    stack.session.fail_next(1, bad_request("Bad Request: TOPIC_CLOSED"))
    assert await stack.sender.send_message(GROUP, "post", message_thread_id=7) is None
    assert len(stack.session.calls) == 3  # a closed topic is not worked around


async def test_forum_threads_are_batched_separately(stack: Stack) -> None:
    coalescer = make_coalescer(stack)
    coalescer.add(GROUP, "checkin", "a", render_lines, thread_id=5)
    coalescer.add(GROUP, "checkin", "b", render_lines)
    coalescer.add(GROUP, "checkin", "c", render_lines, thread_id=5)
    await stack.clock.drain()
    sent = sorted((c.method.message_thread_id or 0, c.method.text) for c in stack.session.ok_calls("sendMessage"))
    assert sent == [(0, "b"), (5, "a\nc")]
    assert coalescer.pending() == 0
    await coalescer.close()


def test_pieces_counts_the_messages_a_send_makes() -> None:
    from bot.sender import pieces

    assert pieces("short") == 1 and pieces("short", photo=True) == 1
    long = "\n".join("x" * 100 for _ in range(50))  # 5,049 characters
    assert pieces(long) == 2
    assert pieces(long, photo=True) == 2  # a caption of at most 1,024, the rest (under 4,096) one text
    longer = "\n".join("x" * 100 for _ in range(100))
    assert pieces(longer) == 3 and pieces(longer, photo=True) == 4
