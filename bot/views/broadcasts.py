"""The broadcast engine's sending side (the worker that drains planned deliveries) and the contract
features render their broadcasts through.

A feature that broadcasts registers renderers by kind in its ``Feature`` entry
(``bot/features.py``: ``broadcasts={"announce_new": render_new}``). The worker calls the renderer of
a delivery's broadcast kind when the delivery is due, in the recipient's language, and sends what it
returns; ``None`` skips the delivery with the given reason (e.g. the product was archived).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram.types import InlineKeyboardMarkup

if TYPE_CHECKING:
    from bot.app import App
    from bot.texts import Translator

__all__ = ["Outgoing", "RenderContext", "Renderer", "Skip"]


@dataclass(frozen=True)
class Outgoing:
    """One message to send: HTML ``text`` (a caption when ``photo``, a Telegram file_id, is set)."""

    text: str
    photo: str | None = None
    reply_markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Skip:
    """Do not send this delivery; ``reason`` is a short key shown in the delivery report."""

    reason: str


@dataclass(frozen=True)
class RenderContext:
    broadcast_id: int
    delivery_id: int
    kind: str
    chat_id: int
    private: bool
    args: Mapping[str, Any]  # the broadcast's arguments
    recipient: Mapping[str, Any] = field(default_factory=dict)  # the delivery's own arguments
    _: Translator | None = None  # the recipient's (member's or group's) language


Renderer = Callable[["App", RenderContext], Awaitable[Outgoing | Skip]]
