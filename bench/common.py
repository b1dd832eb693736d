"""Shared bench parts: an in-process Bot API session (no network) and latency statistics.

The session answers like Telegram would and records when each callback query was answered, so
a benchmark measures the bot (dispatcher, middlewares, handlers, database), not the network.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.methods import AnswerCallbackQuery, GetMe, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message, User

BOT_ID = 42


class InProcessSession(BaseSession):
    """Answers Bot API calls in-process (FIFO, no network) and timestamps callback answers."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: dict[str, float] = {}
        self.calls: list[str] = []
        self._next_id = 1

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
                           ) -> TelegramType:
        self.calls.append(type(method).__name__)
        if isinstance(method, AnswerCallbackQuery):
            self.answered[method.callback_query_id] = time.perf_counter()
            return True  # type: ignore[return-value]
        if isinstance(method, GetMe):
            return User(id=BOT_ID, is_bot=True, first_name="Regulars", username="regulars_bot")  # type: ignore[return-value]
        if isinstance(method, SendMessage):
            self._next_id += 1
            chat_type = "private" if int(method.chat_id) > 0 else "supergroup"
            return Message(message_id=self._next_id, date=datetime.now(UTC),  # type: ignore[return-value]
                           chat=Chat(id=int(method.chat_id), type=chat_type), text=method.text)
        return True  # type: ignore[return-value]

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,
                             chunk_size: int = 65536, raise_for_status: bool = True
                             ) -> AsyncGenerator[bytes, None]:
        yield b""

    async def close(self) -> None:
        return None


def callback_update(update_id: int, user_id: int, chat_id: int, message_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq{update_id}",
            "from": {"id": user_id, "is_bot": False, "first_name": f"Member{user_id}", "language_code": "en"},
            "chat_instance": "bench",
            "data": data,
            "message": {
                "message_id": message_id, "date": 1_700_000_000,
                "chat": {"id": chat_id, "type": "supergroup", "title": "Bench group"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Regulars"},
                "text": "Daily check-in",
            },
        },
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(latencies: list[float]) -> str:
    return (f"p50 {percentile(latencies, 50) * 1000:.0f} ms, p99 {percentile(latencies, 99) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms, mean {statistics.fmean(latencies) * 1000:.0f} ms")


CHUNK = 100  # getUpdates returns at most 100 updates at a time


async def storm(dp: Dispatcher, bot: Bot, session: InProcessSession, updates: list[dict[str, Any]],
                rate: float | None) -> tuple[float, list[float], int]:
    """Feed the updates (all at once, or in polling-sized chunks at ``rate``/s) and time each one
    from its arrival to its callback answer. Returns (elapsed, latencies, answered)."""
    arrival: dict[str, float] = {}
    tasks: list[asyncio.Task[Any]] = []
    start = time.perf_counter()
    step = len(updates) if rate is None else CHUNK
    for i in range(0, len(updates), step):
        if rate is not None:
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        now = time.perf_counter()
        for u in updates[i:i + step]:
            arrival[f"cq{u['update_id']}"] = now
            tasks.append(asyncio.create_task(dp.feed_raw_update(bot, u)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    latencies = [session.answered[key] - t for key, t in arrival.items() if key in session.answered]
    return elapsed, latencies, len(latencies)
