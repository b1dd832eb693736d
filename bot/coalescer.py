"""Batching a busy group's chatter: :class:`GroupCoalescer` and :func:`chunk_items`.

Check-ins, welcomes and other per-member lines in a busy group go out as one message per
window per (chat, topic) instead of one each, cut into pieces that fit Telegram's limit,
through :class:`bot.sender.Sender` (and so under the flood limits of :mod:`bot.limiter`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bot.limiter import MonotonicFn, SleepFn
from bot.texts import escape, telegram_length

if TYPE_CHECKING:
    from aiogram.types import Message

    from bot.sender import Sender

__all__ = ["GroupCoalescer", "chunk_items"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


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
