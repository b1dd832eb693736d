"""What a handler wants to say, delivered only after its transaction has committed.

Handlers never talk to Telegram while holding a database transaction (a rate-limited send can
wait seconds), and never announce points that a failed commit took back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.coalescer import GroupCoalescer
from bot.sender import Sender

log = logging.getLogger(__name__)


class _Origin:
    """The forum topic the update came from (the default for replies into its chat)."""


ORIGIN = _Origin()


@dataclass
class _Message:
    chat_id: int
    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    reply_to: int | None = None
    thread_id: int | None = None


@dataclass
class _Line:
    chat_id: int
    topic: str
    item: Any
    render: Callable[[list[Any]], str]
    on_sent: Callable[[Any], Awaitable[None]] | None = None
    key: Hashable | None = None
    fallback: Callable[[list[Any]], str] | None = None
    thread_id: int | None = None


@dataclass
class Outbox:
    callback_id: str | None = None
    # (chat, forum thread) the update came from: replies into that chat go to that topic.
    origin: tuple[int, int] | None = None
    _callback: tuple[str | None, bool, str | None] | None = None
    _messages: list[_Message] = field(default_factory=list)
    _lines: list[_Line] = field(default_factory=list)
    _after: list[Callable[[], Awaitable[object]]] = field(default_factory=list)

    def after_commit(self, action: Callable[[], Awaitable[object]]) -> None:
        """Run ``action`` once the update's transaction has committed (e.g. reload caches)."""
        self._after.append(action)

    def message(
        self, chat_id: int, text: str, *, reply_markup: InlineKeyboardMarkup | None = None,
        reply_to: int | None = None, thread_id: int | _Origin | None = ORIGIN,
    ) -> None:
        """``thread_id``: the forum topic (None: General); by default the topic the update came from."""
        self._messages.append(_Message(chat_id, text, reply_markup, reply_to, self._thread(chat_id, thread_id)))

    def popup(self, text: str | None = None, *, alert: bool = False, url: str | None = None) -> None:
        """Answer the update's callback query (exactly once, at delivery). ``url``: a t.me link to
        this bot with a start parameter, which Telegram opens (answerCallbackQuery allows no other)."""
        self._callback = (text, alert, url)

    def group_line(self, chat_id: int, topic: str, item: Any, render: Callable[[list[Any]], str],
                   on_sent: Callable[[Any], Awaitable[None]] | None = None, *, key: Hashable | None = None,
                   fallback: Callable[[list[Any]], str] | None = None,
                   thread_id: int | _Origin | None = ORIGIN) -> None:
        """Add one line to a coalesced group message (one message per window, not per member).
        Lines with the same ``key`` in one window are one line (see ``GroupCoalescer.add``)."""
        self._lines.append(_Line(chat_id, topic, item, render, on_sent, key, fallback,
                                 self._thread(chat_id, thread_id)))

    def _thread(self, chat_id: int, thread_id: int | _Origin | None) -> int | None:
        if not isinstance(thread_id, _Origin):
            return thread_id
        return self.origin[1] if self.origin is not None and self.origin[0] == chat_id else None

    @property
    def empty(self) -> bool:
        return not (self._messages or self._lines or self._callback)

    async def deliver(self, sender: Sender, coalescer: GroupCoalescer) -> None:
        # Cache reloads first, so that whoever reads a reply and acts on it finds them done.
        # A failing action is logged and never costs the member their reply.
        after, self._after = self._after, []
        for action in after:
            try:
                await action()
            except Exception:
                log.exception("after-commit action failed")
        if self.callback_id is not None:
            text, alert, url = self._callback or (None, False, None)
            await sender.answer_callback(self.callback_id, text, show_alert=alert, url=url)
            self.callback_id = None
        for line in self._lines:
            coalescer.add(line.chat_id, line.topic, line.item, line.render, line.on_sent, key=line.key,
                          fallback=line.fallback, thread_id=line.thread_id)
        for msg in self._messages:
            await sender.send_message(msg.chat_id, msg.text, reply_markup=msg.reply_markup,
                                      reply_to_message_id=msg.reply_to, message_thread_id=msg.thread_id)
        self._messages.clear()
        self._lines.clear()

