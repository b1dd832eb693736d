"""Red packets on screen: the packet message, its button, its debounced progress edits, and the
in-memory board that answers "all gone" / "already grabbed" without touching the database.

Shared by the handlers and the scheduler jobs (which post scheduled drops and expiry notes). The
feature's own state (:class:`RedPackets`: board, debouncer, random source) is created once per
process by the factory and injected on its own — as ``red_packets`` into handlers and into the jobs
that ask for it — never carried by the app.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramServerError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from bot.limiter import never_sent
from bot.services import redpackets as service
from bot.texts import LIST_NAME, Translator, language_for, lines, shorten
from games import redpacket as rules
from games.errors import DomainError
from games.inputs import MAX_INT32

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

MAX_LISTED_GRABBERS = 30
GRABBER_NAME = 24  # names in the final list are cut ("…"): 30 rows always fit Telegram's 4,096


class GrabCb(CallbackData, prefix="rp"):
    # Range-checked: forged data beyond the column's range is a stale button, not an overflow.
    id: int = Field(ge=1, le=MAX_INT32)


def packet_keyboard(_: Translator, packet_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("rp-button"), callback_data=GrabCb(id=packet_id).pack()),
    ]])


class PacketBoard:
    """Facts about packets that never change once true, kept in memory: a packet that is empty
    or expired stays so, and a member who grabbed a share has grabbed it. They are safe
    to answer from memory even with several bot processes; anything else goes to the database."""

    def __init__(self, max_packets: int = 2_000) -> None:
        self.max_packets = max_packets
        self._closed: OrderedDict[int, DomainError] = OrderedDict()
        self._grabbed: OrderedDict[int, dict[int, int]] = OrderedDict()
        self._passwords: dict[int, dict[str, list[int]]] = {}  # chat -> password -> open packets, oldest first
        self._messages: OrderedDict[int, int] = OrderedDict()  # packet -> its message, once confirmed
        self._checked: set[tuple[int, int]] = set()  # (packet, message) presses already looked up

    def message_of(self, packet_id: int) -> int | None:
        return self._messages.get(packet_id)

    def needs_adoption(self, packet_id: int, message_id: int) -> bool:
        """Whether a press on ``message_id`` should be checked against the packet's recorded
        message (once per message: a stampede on one packet costs one look-up)."""
        if self._messages.get(packet_id) == message_id or (packet_id, message_id) in self._checked:
            return False
        self._checked.add((packet_id, message_id))
        if len(self._checked) > self.max_packets:
            self._checked.clear()
        return True

    def remember_message(self, packet_id: int, message_id: int) -> None:
        self._messages[packet_id] = message_id
        self._messages.move_to_end(packet_id)
        while len(self._messages) > self.max_packets:
            self._messages.popitem(last=False)

    def refusal(self, packet_id: int, user_id: int) -> DomainError | None:
        grabbed = self._grabbed.get(packet_id)
        if grabbed is not None and user_id in grabbed:
            return rules.AlreadyGrabbed(amount=grabbed[user_id])
        return self._closed.get(packet_id)

    def record(self, packet_id: int, user_id: int, outcome: object) -> None:
        if isinstance(outcome, service.Grabbed):
            self._remember(packet_id)[user_id] = outcome.amount
            if outcome.last:
                self.close(packet_id, rules.AllGone())
        elif isinstance(outcome, rules.AlreadyGrabbed):
            self._remember(packet_id)[user_id] = int(outcome.params.get("amount", 0))  # type: ignore[call-overload]
        elif isinstance(outcome, rules.AllGone | rules.Expired):
            # Not NoSuchPacket: a forged id may belong to a packet created later, or to another group.
            self.close(packet_id, outcome)

    def close(self, packet_id: int, reason: DomainError) -> None:
        self._closed[packet_id] = reason
        self._closed.move_to_end(packet_id)
        while len(self._closed) > self.max_packets:
            self._closed.popitem(last=False)
        for passwords in self._passwords.values():
            for word, ids in list(passwords.items()):
                if packet_id in ids:
                    ids.remove(packet_id)
                    if not ids:
                        del passwords[word]

    def _remember(self, packet_id: int) -> dict[int, int]:
        grabbed = self._grabbed.setdefault(packet_id, {})
        self._grabbed.move_to_end(packet_id)
        while len(self._grabbed) > self.max_packets:
            self._grabbed.popitem(last=False)
        return grabbed

    def add_password(self, chat_id: int, password: str, packet_id: int) -> None:
        ids = self._passwords.setdefault(chat_id, {}).setdefault(rules.normalize_password(password), [])
        if packet_id not in ids and packet_id not in self._closed:
            ids.append(packet_id)
            ids.sort()

    def password_packets(self, chat_id: int, text: str) -> list[int]:
        """The open packets of ``chat_id`` whose password ``text`` is, oldest first."""
        passwords = self._passwords.get(chat_id)
        if not passwords or len(text) > 4 * rules.MAX_PASSWORD:
            return []
        return list(passwords.get(rules.normalize_password(text), ()))

    def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup with a new id: its password packets follow it."""
        moved = self._passwords.pop(old_chat_id, None)
        if moved:
            into = self._passwords.setdefault(new_chat_id, {})
            for word, ids in moved.items():
                into[word] = sorted({*into.get(word, []), *ids})

    async def load(self, app: App) -> None:
        """Open password packets, at start-up (they outlive a restart)."""
        self._passwords.clear()
        async with app.db.reader() as session:
            for packet in await service.open_packets(session):
                if packet.password and packet.id is not None:
                    self.add_password(packet.chat_id, packet.password, packet.id)


class Debouncer:
    """At most one run per ``interval`` per key, always of the latest request: a stampede of 1,000
    grabs becomes a handful of edits of the packet message, well inside the group's 20/min."""

    def __init__(self, interval: float = 4.0, first_delay: float = 1.0) -> None:
        self.interval = interval
        self.first_delay = first_delay
        self._actions: dict[Hashable, Callable[[], Awaitable[None]]] = {}
        self._tasks: dict[Hashable, asyncio.Task[None]] = {}
        self._last: dict[Hashable, float] = {}

    def request(self, key: Hashable, action: Callable[[], Awaitable[None]]) -> None:
        self._actions[key] = action
        if key not in self._tasks:
            last = self._last.get(key)
            delay = self.first_delay if last is None else max(self.first_delay, last + self.interval - time.monotonic())
            self._tasks[key] = asyncio.create_task(self._later(key, delay), name=f"debounce:{key}")

    def pending(self) -> int:
        return len(self._actions)

    async def _later(self, key: Hashable, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            return
        await self._run(key)

    async def _run(self, key: Hashable) -> None:
        self._tasks.pop(key, None)
        action = self._actions.pop(key, None)
        if action is None:
            return
        self._last[key] = time.monotonic()
        try:
            await action()
        except Exception:
            log.exception("debounced action %s failed", key)

    async def flush(self) -> None:
        """Run every pending action now (tests; shutdown)."""
        for key, task in list(self._tasks.items()):
            task.cancel()
            await self._run(key)

    async def close(self) -> None:
        await self.flush()


@dataclass
class RedPackets:
    """The red-packet feature's state in one process, injected as ``red_packets``."""

    board: PacketBoard = field(default_factory=PacketBoard)
    debouncer: Debouncer = field(default_factory=Debouncer)
    # Splits: a cryptographically secure source in production, seeded in tests.
    rng: rules.RandomSource = field(default_factory=secrets.SystemRandom)

    async def start(self, app: App) -> None:
        await self.board.load(app)

    async def close(self) -> None:
        await self.debouncer.close()

    async def chat_moved(self, app: App, old_chat_id: int, new_chat_id: int, reposts: list[int]) -> None:
        """A group became a supergroup: its password packets follow it, its open packets are
        posted again there (bot/views/migration.py)."""
        self.board.move_chat(old_chat_id, new_chat_id)
        for packet_id in reposts:
            await post(app, self, packet_id)


# ---- rendering ---------------------------------------------------------------------------------

def _local(app: App, moment: datetime) -> str:
    return moment.astimezone(app.settings.tz).strftime("%m-%d %H:%M")


def render(app: App, _: Translator, packet_view: service.PacketView) -> str:
    packet = packet_view.packet
    funder = shorten(packet_view.funder_name, LIST_NAME) if packet_view.funder_name else _("rp-from-shop")
    head = _("rp-head", funder=funder, total=packet.total, shares=packet.shares,
             split=_("rp-split-equal" if packet.split == str(rules.Split.EQUAL) else "rp-split-lucky"))
    parts = [head]
    if packet.status == service.OPEN:
        parts.append(_("rp-progress", grabbed=packet.grabbed_count, shares=packet.shares,
                       left=packet.total - packet.grabbed_amount))
        if packet.password:
            parts.append(_("rp-password-hint", password=packet.password))
        if packet.eligibility == str(rules.Eligibility.BEFORE):
            parts.append(_("rp-eligibility-before"))
        elif (segment := rules.segment_of(packet.eligibility)) is not None:
            parts.append(_("rp-eligibility-segment", segment=segment))
        parts.append(_("rp-until", until=_local(app, packet.expires_at)))
    elif packet.status == service.EMPTY:
        parts.append(_("rp-all-grabbed", shares=packet.shares))
    else:
        parts.append(_("rp-expired-note", grabbed=packet.grabbed_count, shares=packet.shares,
                       refund=packet.refunded, funder=funder))
    if packet.status != service.OPEN and packet_view.grabbers:
        lucky = rules.luckiest(packet_view.grabbers)
        assert lucky is not None
        parts.append(_("rp-luckiest", name=shorten(lucky.name, LIST_NAME), amount=lucky.amount))
        parts.extend(_("rp-grabber-row", name=shorten(g.name, GRABBER_NAME), amount=g.amount)
                     for g in packet_view.grabbers[:MAX_LISTED_GRABBERS])
        if len(packet_view.grabbers) > MAX_LISTED_GRABBERS:
            parts.append(_("rp-grabbers-more", count=len(packet_view.grabbers) - MAX_LISTED_GRABBERS))
    return lines(*parts)


def group_translator(app: App, chat_id: int) -> Translator:
    group = app.directory.group(chat_id)
    return Translator(app.texts, language_for(group.language if group else None, app.settings.default_language))


def wants_button(packet: object) -> bool:
    """Open packets without a password get the grab button; password packets open by typing."""
    return getattr(packet, "status", None) == service.OPEN and not getattr(packet, "password", None)


async def post(app: App, red_packets: RedPackets, packet_id: int) -> None:
    """Send the packet message into its group and remember its id (for the progress edits)."""
    async with app.db.reader() as session:
        packet_view = await service.view(session, packet_id)
    if packet_view is None or packet_view.packet.message_id is not None:
        return
    packet = packet_view.packet
    _ = group_translator(app, packet.chat_id)
    if packet.password and packet.status == service.OPEN:
        red_packets.board.add_password(packet.chat_id, packet.password, packet_id)
    markup = packet_keyboard(_, packet_id) if wants_button(packet) else None
    group = app.directory.group(packet.chat_id)
    failed: list[TelegramAPIError] = []
    message = await app.sender.send_message(packet.chat_id, render(app, _, packet_view), reply_markup=markup,
                                            message_thread_id=group.thread_id if group else None, failed=failed)
    if message is not None:
        async with app.db.session() as session:
            await service.set_message(session, packet_id, message.message_id)
        red_packets.board.remember_message(packet_id, message.message_id)
        return
    if any(isinstance(exc, TelegramNetworkError | TelegramServerError) and not _surely_lost(exc) for exc in failed):
        # Not repeated after a timeout (bot.limiter): if this one arrived although the call failed,
        # the first press on its button adopts it (see adopt()); otherwise it refunds at expiry.
        log.warning("red packet %s: its post to %s may or may not have arrived", packet_id, packet.chat_id)
        return
    # Telegram refused it for good (a basic group that became a supergroup was already retried
    # at its new id by the sender): the points go back rather than sit in a packet nobody sees.
    async with app.db.session() as session:
        refund = await service.withdraw(session, packet_id, app.clock.now())
    if refund is not None:
        red_packets.board.close(packet_id, rules.Expired())
        log.warning("red packet %s could not be posted in %s; %s points refunded", packet_id, packet.chat_id, refund)


def _surely_lost(exc: TelegramAPIError) -> bool:
    """A network error raised before the request left: Telegram never saw the post."""
    return isinstance(exc, TelegramNetworkError) and never_sent(exc)


async def adopt(app: App, red_packets: RedPackets, packet_id: int, chat_id: int, message_id: int) -> None:
    """A button was pressed on ``message_id`` for ``packet_id``. If the packet has no message on
    record, its post timed out but did arrive: this is it (recorded, then kept up to date). If it
    has another one, this is an orphan copy (a post repeated after a timeout, before this
    version): it is deleted, or at least loses its button, so it cannot mislead anyone."""
    async with app.db.session() as session:
        recorded = await service.claim_message(session, packet_id, chat_id, message_id)
    if recorded is None:
        return
    red_packets.board.remember_message(packet_id, recorded)
    if recorded == message_id:
        log.info("red packet %s: adopted message %s (its post had timed out)", packet_id, message_id)
        schedule_refresh(app, red_packets, packet_id)
        return
    log.warning("red packet %s: removing orphan copy %s (the packet is message %s)", packet_id, message_id, recorded)
    if not await app.sender.delete(chat_id, message_id):
        await app.sender.edit_reply_markup(chat_id, message_id, reply_markup=None)


async def refresh(app: App, packet_id: int) -> None:
    """Edit the packet message to its current state (called through the debouncer)."""
    async with app.db.reader() as session:
        packet_view = await service.view(session, packet_id)
    if packet_view is None or packet_view.packet.message_id is None:
        return
    packet = packet_view.packet
    _ = group_translator(app, packet.chat_id)
    markup = packet_keyboard(_, packet_id) if wants_button(packet) else None
    await app.sender.edit_text(packet.chat_id, packet.message_id, render(app, _, packet_view), reply_markup=markup)


def schedule_refresh(app: App, red_packets: RedPackets, packet_id: int) -> None:
    red_packets.debouncer.request(("rp", packet_id), lambda: refresh(app, packet_id))
