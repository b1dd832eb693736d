"""The broadcast engine's sending side (the worker that drains planned deliveries) and the contract
features render their broadcasts through.

The worker (:class:`Broadcasts`, the feature's state) runs in the one process holding the database
lease ``broadcast``: every process tries to take it every few seconds; the holder renews it, the others
stay passive and take over once it stops renewing (it died or hung).

On taking over, whatever the previous holder left marked ``sending`` was perhaps posted, perhaps not
(it was killed between its mark and the answer). A bot cannot read a chat's history, so a group's
post is checked in the group itself (:meth:`Broadcasts._recheck`): the post goes out again, silently,
then the messages just before the new copy are looked at, newest first, by forwarding each to the
owner's private chat (silently, the copy deleted at once; ``forward_origin`` tells who sent the
original) down to the newest message known to be older than the mark (its id is kept with the mark:
the newest the worker had seen in that chat, or another delivery's there). A supergroup numbers its
messages one by one, so this sees every message posted since. If the first copy is there (the bot's,
same content, kept as a digest with the mark), the new one is deleted (a late duplicate) and the
first one's id recorded; if not, the new copy is the post. A connection that breaks after a request
left is checked the same way. Private messages (a bot's message ids there are not counted per chat),
a post of several messages, one whose content changed since (an item edited), a group whose content
is protected, and any check that cannot finish (no owner has started the bot, more than
``RECHECK_DEPTH`` messages to read, an error) are recorded as sent *unconfirmed* and never sent again:
never twice comes first.

For each due delivery (in order: time, broadcast, position, id) the worker decides by policy
(:func:`games.broadcasts.decide`: skip, delay, or send), renders it, takes the chat's slot from the
rate limiter, marks the delivery ``sending`` (group-committed), sends at once and records the outcome.
Each chat has at most one delivery in hand at a time, so a chat that must wait (20 messages a minute
in a group) never holds up the others.

A feature that broadcasts registers renderers by kind in its ``Feature`` entry
(``bot/features.py``: ``broadcasts={"announce_new": render_new}``). The worker calls the renderer of
a delivery's broadcast kind when the delivery is due, in the recipient's language, and sends what it
returns; ``None`` skips the delivery with the given reason (e.g. the product was archived).
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import (
    AiogramError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import InlineKeyboardMarkup, Message, MessageOriginChannel, MessageOriginUser

from bot.limiter import RateLimiter, never_sent
from bot.sender import photo_refused, pieces
from bot.services import deliveries as service
from bot.services.broadcasts import load_args
from bot.texts import Translator, escape, language_for
from games import broadcasts as rules
from games.windows import parse_quiet_hours

if TYPE_CHECKING:
    from bot.app import App

__all__ = ["LEASE", "Broadcasts", "Outgoing", "RenderContext", "Renderer", "Skip", "render_text"]

log = logging.getLogger(__name__)

LEASE = "broadcast"
# The worker's even stream runs a little under the overall limit: at the limit itself, a send that
# went out a few milliseconds late holds its slot a little longer and the next one, already marked,
# waits for the limiter — the gap in which a kill leaves a chat without its post grew from ~1 ms to
# tens of ms (p90) that way.
PACE = 0.97
# Checking a post left in flight: the messages above the newest one known to be older than its mark are
# looked at (at most RECHECK_DEPTH of them); one of the bot's with the same content, dated at most
# RECHECK_SLACK before the mark (Telegram's clock against this host's), is the first copy.
RECHECK_SLACK = timedelta(minutes=10)
RECHECK_DEPTH = 30
RECHECK_SENDS = 3  # new copies tried when a copy's own answer is lost (the look-back finds each)


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


# ---- the generic renderer --------------------------------------------------------------------------------

async def render_text(app: App, context: RenderContext) -> Outgoing | Skip:
    """Kind ``"text"``: staff's own text (``args["text"]``, shown as written: escaped, line breaks kept),
    with an optional photo (``args["photo"]``, a file_id) under which it is the caption."""
    text = context.recipient.get("text", context.args.get("text"))
    if not isinstance(text, str) or not text.strip():
        return Skip("empty")
    photo = context.recipient.get("photo", context.args.get("photo"))
    return Outgoing(escape(text), photo=photo if isinstance(photo, str) and photo else None)


# ---- the worker --------------------------------------------------------------------------------------

_STOPPED = "stopped"


@dataclass
class _Hand:
    """A delivery the worker holds, from policy to outcome."""

    due: service.Due
    language: str | None
    committing: bool = False  # its mark is on its way to the database: it must run to the end
    task: asyncio.Task[None] | None = None


class Broadcasts:
    """The broadcast engine's state: the lease, the worker, and the memory of who started the bot.

    ``renderers`` (kind → renderer) are every feature's, set by :func:`bot.features.create_states`.
    ``known``/``blocked``: members known to have started the bot, and those who blocked it (so a
    private message costs no write once its sender is known)."""

    def __init__(self) -> None:
        self.renderers: dict[str, Renderer] = {"text": render_text}
        self.holder = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"
        self.ttl = 12.0  # seconds a lease lasts without renewal
        self.renew_every = 3.0
        self.poll_every = 0.5  # seconds between looks for due deliveries when idle
        self.batch = 200  # deliveries picked at a time
        self.high_water = 600  # at most this many in hand
        self.known: set[int] = set()
        self.blocked: set[int] = set()
        self.leading = False
        self._app: App | None = None
        self._lease_task: asyncio.Task[None] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._hands: dict[int, _Hand] = {}  # chat id -> its delivery in hand
        self._stopping = False
        self._wake = asyncio.Event()
        self._renewed_at = float("-inf")
        self._next_send = 0.0  # the even stream's next moment (monotonic)
        self._contacts: set[asyncio.Task[None]] = set()  # contact writes under way
        self._cap = rules.Cap(0, timedelta(0))
        self._quiet = parse_quiet_hours("off")
        self.unconfirmed_at_takeover = 0  # left in flight by the last holder and recorded unconfirmed
        self.rechecked = 0  # left in flight and checked in their group: exactly one copy left there
        self._left: list[service.Due] = []  # left in flight, to check in their group

    # -- life cycle

    async def start(self, app: App) -> None:
        self._app = app
        self._cap = rules.parse_cap(app.settings.campaign_cap)
        self._quiet = parse_quiet_hours(app.settings.quiet_hours)
        async with app.db.reader() as session:
            self.known, self.blocked = await service.contact_ids(session)
        self._stopping = False
        self._lease_task = asyncio.create_task(self._lease_loop(), name="broadcast-lease")

    async def close(self) -> None:
        self._stopping = True
        self._wake.set()
        await self.contacts_recorded()
        if self._lease_task is not None:
            self._lease_task.cancel()
            await asyncio.gather(self._lease_task, return_exceptions=True)
            self._lease_task = None
        await self._stop_worker()
        if self.leading and self._app is not None:
            self.leading = False
            try:
                async with self._app.db.session() as session:
                    await service.release_lease(session, LEASE, self.holder, now=self._app.clock.now())
            except Exception:
                log.exception("broadcasts: could not release the lease")

    # -- the lease

    async def _lease_loop(self) -> None:
        rounds = 0
        while not self._stopping:
            try:
                await self.lease_round()
                rounds += 1
                if rounds % 10 == 0:  # members another process found blocked, cleared here when they write
                    app = self._require_app()
                    async with app.db.reader() as session:
                        self.blocked = await service.blocked_ids(session)
            except Exception:
                log.exception("broadcasts: lease round failed")
            await asyncio.sleep(self.renew_every)

    async def lease_round(self) -> bool:
        """Take or renew the lease; start the worker on taking it, stop it on losing it. Whether held."""
        app = self._require_app()
        try:
            async with app.db.session() as session:
                now, ttl = app.clock.now(), timedelta(seconds=self.ttl)
                held = await service.take_lease(session, LEASE, self.holder, now=now, ttl=ttl)
                if not held:
                    current = await service.lease_holder(session, LEASE)
                    if current is not None and _gone(current[0]):
                        log.info("broadcasts: the lease's holder %s is no longer running: taking over", current[0])
                        held = await service.take_over_lease(session, LEASE, self.holder, dead=current[0], now=now,
                                                             ttl=ttl)
        except Exception:
            # The database did not answer: keep going while the lease surely still holds.
            log.exception("broadcasts: could not renew the lease")
            held = self.leading and time.monotonic() - self._renewed_at < self.ttl * 0.6
        else:
            if held:
                self._renewed_at = time.monotonic()
        if held and not self.leading:
            await self._take_over()
        elif not held and self.leading:
            log.warning("broadcasts: lease lost to another process; worker stopped")
            self.leading = False
            await self._stop_worker()
        return held

    async def _take_over(self) -> None:
        app = self._require_app()
        async with app.db.session() as session:
            left = await service.left_sending(session)
            probe = self._probe_chat(app)
            self._left = [due for due in left if probe is not None and _checkable(due)]
            blind = [due.id for due in left if due not in self._left]
            if blind:
                self.unconfirmed_at_takeover += await service.resolve_unconfirmed(session, blind,
                                                                                  now=app.clock.now())
        if left:
            log.warning("broadcasts: %d deliveries were being sent when the last worker stopped: %d to check in "
                        "their group, %d recorded as sent unconfirmed (never sent again)",
                        len(left), len(self._left), len(blind))
        self.leading = True
        log.info("broadcasts: this process (%s) now sends the broadcasts", self.holder)
        if not self._stopping:
            self._worker = asyncio.create_task(self._work(), name="broadcast-worker")

    async def _stop_worker(self) -> None:
        if self._worker is not None:
            # Its loop ends at its next turn (it checks leading and stopping); cancelled only if stuck, as
            # a cancel in the middle of a database read can leave an SQLite connection unclosed.
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), timeout=5)
            except TimeoutError:
                self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        # Deliveries not yet marked are dropped (they stay planned); marked ones finish their send.
        finishing, dropped = [], []
        for hand in list(self._hands.values()):
            if hand.task is None:
                continue
            if hand.committing:
                finishing.append(hand.task)
            else:
                hand.task.cancel()
                dropped.append(hand.task)
        if dropped:  # until they have unwound (a database read ends cleanly before the database closes)
            await asyncio.gather(*dropped, return_exceptions=True)
        if finishing:
            # A check of a post left in flight reads up to RECHECK_DEPTH messages at 1 a second.
            await asyncio.wait(finishing, timeout=30 + RECHECK_DEPTH * 1.5)
        self._hands.clear()

    # -- the worker

    async def _work(self) -> None:
        await self._started_up()
        for due in self._left:
            hand = _Hand(due, None, committing=True)  # already marked: a stop lets the check finish
            self._hands[due.chat_id] = hand
            hand.task = asyncio.create_task(self._recheck(hand), name=f"broadcast-recheck-{due.id}")
        self._left = []
        last_finish = 0.0
        while self.leading and not self._stopping:
            picked = 0
            try:
                if len(self._hands) < self.high_water:
                    picked = await self.fill()
                if time.monotonic() - last_finish > 5.0:
                    last_finish = time.monotonic()
                    await self._finish()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("broadcasts: worker round failed")
            if picked >= self.batch // 2:
                await asyncio.sleep(0.05)
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_every)
            except TimeoutError:
                pass

    @staticmethod
    async def _started_up() -> None:
        """Before the first mark: wait (at most 5 s) for the process's start-up to end — ``running()``
        freezes the garbage collector's generations as its last step, after a full collection — and
        build the models a send uses once. A send marked during start-up could wait hundreds of
        milliseconds (a full collection, models built on first use) between its mark and its request:
        a kill then leaves its chat without the post."""
        for _ in range(100):
            if gc.get_freeze_count() > 0:
                break
            await asyncio.sleep(0.05)
        SendMessage(chat_id=0, text="-")
        SendPhoto(chat_id=0, photo="-", caption="-")

    def wake(self) -> None:
        """Look for due deliveries now (something was just planned)."""
        self._wake.set()

    async def _finish(self) -> None:
        app = self._require_app()
        async with app.db.session() as session:
            await service.finish_broadcasts(session, now=app.clock.now())

    async def fill(self) -> int:
        """Pick due deliveries (one per chat not already in hand), apply the policies, and start a send
        for each that goes out. How many were picked."""
        app = self._require_app()
        now = app.clock.now()
        room = min(self.batch, self.high_water - len(self._hands))
        if room <= 0:
            return 0
        # Reads on a snapshot (on SQLite they never hold the write lock the marks wait for); the
        # decisions that skip or delay are written after, in one short transaction.
        async with app.db.reader() as session:
            batch = await service.due(session, now=now, limit=room * 2, exclude_chats=list(self._hands))
            chosen: list[service.Due] = []
            seen: set[int] = set()
            for row in batch:
                if row.chat_id not in seen:
                    seen.add(row.chat_id)
                    chosen.append(row)
                if len(chosen) >= room:
                    break
            if not chosen:
                return 0
            facts = await service.facts_for(session, chosen, now=now, cap_window=self._cap.window)
        local = now.astimezone(app.settings.tz)
        skipped: list[service.Skipped] = []
        delayed: list[service.Delayed] = []
        sending: list[_Hand] = []
        for row in chosen:
            contact = facts.contacts.get(row.chat_id)
            decision = rules.decide(
                rules.Facts(private=row.private, capped=row.capped, quiet=row.quiet, planned_at=row.planned_at,
                            started=contact is not None or row.chat_id in self.known,
                            blocked=contact is not None and contact[0],
                            promos_off=contact is not None and contact[1],
                            group_removed=row.chat_id in facts.removed_groups,
                            cap_sent=facts.cap_sent.get(row.chat_id, ())),
                now=now, cap=self._cap, quiet_hours=self._quiet, local=local)
            if isinstance(decision, rules.Skip):
                skipped.append(service.Skipped(row.id, decision.reason))
            elif isinstance(decision, rules.Delay):
                delayed.append(service.Delayed(row.id, decision.until, decision.why))
            else:
                sending.append(_Hand(row, facts.languages.get(row.chat_id)))
        if skipped or delayed:
            async with app.db.session() as session:
                await service.apply_decisions(session, skipped, delayed, now=now)
        for hand in sending:
            self._hands[hand.due.chat_id] = hand
            hand.task = asyncio.create_task(self._deliver(hand), name=f"broadcast-{hand.due.id}")
        return len(chosen)

    async def wait_idle(self) -> None:
        """Until every delivery in hand has been sent and recorded (tests)."""
        tasks = [hand.task for hand in self._hands.values() if hand.task is not None]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def settle(self, limit: float = 60.0) -> None:
        """Until nothing due is left to send: every delivery due now has been sent, skipped or delayed,
        and the sends in hand recorded (the demo and tests; the worker must be running here)."""
        app = self._require_app()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        await self.lease_round()  # renewed on the clock as it is now (a test's clock may have jumped)
        while True:
            self.wake()
            await asyncio.sleep(0.05)
            await self.wait_idle()
            async with app.db.reader() as session:
                left = await service.count_due(session, now=app.clock.now())
            if left == 0 and not self._hands:
                return
            if loop.time() > deadline:
                raise TimeoutError(f"{left} deliveries still due after {limit} s")

    async def _deliver(self, hand: _Hand) -> None:
        app = self._require_app()
        due = hand.due
        try:
            outgoing = await self._render(app, hand)
            if isinstance(outgoing, Skip):
                async with app.db.session() as session:
                    await service.apply_decisions(session, [service.Skipped(due.id, outgoing.reason)], [],
                                                  now=app.clock.now())
                return
            limiter = app.sender.limiter
            if limiter is not None:
                # Outside the window that matters: wait for the chat's own limit (20 a minute in a group),
                # then for this delivery's turn in an even stream at the overall rate.
                await self._ready(limiter, due.chat_id)
            if self._stopping or not self.leading:
                return
            # Marked (committed) first, then sent at once: the slot is free by now, so the request
            # leaves as soon as the mark is in the database.
            hand.committing = True
            marked_at = app.clock.now()
            after_id = app.sender.last_ids.get(due.chat_id) if not due.private else None
            content = digest(outgoing)
            try:
                await app.db.submit(service.MARK_OP, service.Mark(due.id, self.holder, LEASE, marked_at,
                                                                  after_id=after_id, content=content))
            except service.NotMarked:
                return
            failed: list[TelegramAPIError] = []
            message = await self._send(app, due.chat_id, outgoing, failed)
            outcome = self._outcome(app, hand, message, failed)
            checked = replace(due, marked_at=marked_at, after_id=after_id, content=content)
            if outcome.reason == service.UNCONFIRMED and _checkable(checked) and self._probe_chat(app) is not None:
                # The request may have arrived (the connection broke after it left): checked in the group
                # as a takeover checks one left in flight.
                outcome = await self._recheck_outcome(app, _Hand(checked, hand.language), outgoing)
                if outcome.reason == service.RECHECKED:
                    self.rechecked += 1
                else:
                    self.unconfirmed_at_takeover += 1
            await app.db.submit(service.OUTCOME_OP, outcome)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("broadcasts: delivery %s to %s failed", due.id, due.chat_id)
        finally:
            if self._hands.get(due.chat_id) is hand:
                del self._hands[due.chat_id]
            if len(self._hands) < self.high_water // 2:
                self._wake.set()

    async def _ready(self, limiter: RateLimiter, chat_id: int) -> None:
        """Until a send to ``chat_id`` may leave at once: its chat's limits allow it, its turn in an even
        stream at the overall rate has come (one every 1/rate s, in call order: a second's worth at
        once would leave unevenly, each send costing some CPU), and the overall limit has room."""
        while (wait := limiter.chat_wait(chat_id)) > 0:  # noqa: ASYNC110 - the limiter keeps times, not events
            await asyncio.sleep(wait)
        now = time.monotonic()
        at = max(now, self._next_send)
        self._next_send = at + 1.0 / (limiter.global_per_second * PACE)
        if at > now:
            await asyncio.sleep(at - now)
        while (wait := limiter.wait_estimate(None)) > 0:  # noqa: ASYNC110 - other sends (replies) took the room
            await asyncio.sleep(wait)

    async def _render(self, app: App, hand: _Hand) -> Outgoing | Skip:
        due = hand.due
        renderer = self.renderers.get(due.kind)
        if renderer is None:
            return Skip("unknown_kind")
        if due.private:
            lang = language_for(hand.language, app.settings.default_language)
        else:
            group = app.directory.group(due.chat_id)
            lang = language_for(group.language if group else None, app.settings.default_language)
        context = RenderContext(broadcast_id=due.broadcast_id, delivery_id=due.id, kind=due.kind, chat_id=due.chat_id,
                                private=due.private, args=load_args(due.args), recipient=load_args(due.recipient_args),
                                _=Translator(app.texts, lang))
        try:
            return await renderer(app, context)
        except Exception:
            log.exception("broadcasts: rendering %s for delivery %s failed", due.kind, due.id)
            return Skip("render_error")

    @staticmethod
    async def _send(app: App, chat_id: int, outgoing: Outgoing, failed: list[TelegramAPIError], *,
                    silent: bool = False) -> Message | None:
        # A group's posts go to its chosen forum topic (the sender falls back to General if it is gone).
        group = app.directory.group(chat_id) if chat_id < 0 else None
        thread = group.thread_id if group is not None else None
        quiet = True if silent else None
        if outgoing.photo is not None:
            return await app.sender.send_photo(chat_id, outgoing.photo, caption=outgoing.text,
                                               reply_markup=outgoing.reply_markup, message_thread_id=thread,
                                               disable_notification=quiet, failed=failed)
        return await app.sender.send_message(chat_id, outgoing.text, reply_markup=outgoing.reply_markup,
                                             message_thread_id=thread, disable_notification=quiet, failed=failed)

    # -- a post left in flight by a killed worker

    def _probe_chat(self, app: App) -> int | None:
        """The private chat a group's messages are forwarded to while checking them: the first owner
        who has started the bot and not blocked it (None: nothing can be checked)."""
        for owner in app.settings.owner_ids:
            if owner in self.known and owner not in self.blocked:
                return owner
        return None

    async def _recheck(self, hand: _Hand) -> None:
        """A group delivery the last worker left ``sending``: post it again, silently, then look back
        from the new copy for the first one; keep exactly one (see the module's docstring)."""
        app = self._require_app()
        due = hand.due
        try:
            outgoing = await self._render(app, hand)
            outcome = await self._recheck_outcome(app, hand, outgoing)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("broadcasts: checking delivery %s to %s failed", due.id, due.chat_id)
            outcome = service.Outcome(due.id, "sent", app.clock.now(), reason=service.UNCONFIRMED)
        try:
            if outcome.reason == service.UNCONFIRMED:
                self.unconfirmed_at_takeover += 1
            else:
                self.rechecked += 1
            await app.db.submit(service.OUTCOME_OP, outcome)
        except Exception:  # left ``sending``: the next takeover checks it again (and finds any copy)
            log.exception("broadcasts: recording the check of delivery %s failed", due.id)
        finally:
            if self._hands.get(due.chat_id) is hand:
                del self._hands[due.chat_id]
            self._wake.set()

    async def _recheck_outcome(self, app: App, hand: _Hand, outgoing: Outgoing | Skip) -> service.Outcome:
        """Post ``outgoing`` (what the delivery sent) again, silently, and keep exactly one copy; sent
        unconfirmed (and no new copy left) where that cannot be made sure of."""
        due = hand.due
        unconfirmed = service.Outcome(due.id, "sent", app.clock.now(), reason=service.UNCONFIRMED)
        if isinstance(outgoing, Skip) or digest(outgoing) != due.content:
            return unconfirmed  # not what was sent the first time (the item changed since): no match possible
        if pieces(outgoing.text, photo=outgoing.photo is not None) > 1:
            return unconfirmed  # a post of several messages: a new copy could not be told from the first
        try:
            chat = await app.sender.bot.get_chat(due.chat_id)
        except (TelegramAPIError, AiogramError):
            return unconfirmed
        if chat.has_protected_content:  # its messages cannot be forwarded: nothing can be checked
            return unconfirmed
        async with app.db.reader() as session:
            anchor = max(due.after_id or 0,
                         await service.known_before(session, due.chat_id, due.id, due.marked_at or app.clock.now()))
        limiter = app.sender.limiter
        copy: Message | None = None
        for _attempt in range(RECHECK_SENDS):
            if limiter is not None:
                await self._ready(limiter, due.chat_id)
            failed: list[TelegramAPIError] = []
            copy = await self._send(app, due.chat_id, outgoing, failed, silent=True)
            if copy is not None:
                break
            error = next((e for e in reversed(failed) if not photo_refused(e)), None)
            if error is not None and not (isinstance(error, TelegramNetworkError) and not never_sent(error)):
                return unconfirmed  # Telegram refused it, or it never left: no new copy
            # The new copy's answer was lost (it may have arrived): the next one's look-back finds it too.
        if copy is None:
            log.error("broadcasts: checking delivery %s to %s: every new copy's answer was lost", due.id, due.chat_id)
            return unconfirmed
        found, complete = await self._look_back(app, due, copy, anchor)
        now = app.clock.now()
        if found:
            keep = found[-1]  # the earliest: the first copy
            for extra in [copy.message_id, *found[:-1]]:
                if not await app.sender.delete(due.chat_id, extra):
                    log.error("broadcasts: could not delete the late copy %s of delivery %s in %s",
                              extra, due.id, due.chat_id)
            log.info("broadcasts: delivery %s to %s had arrived (message %s); the new copy was deleted",
                     due.id, due.chat_id, keep)
            return service.Outcome(due.id, "sent", now, message_id=keep, reason=service.RECHECKED)
        if complete:
            log.info("broadcasts: delivery %s to %s had not arrived: posted now (message %s)",
                     due.id, due.chat_id, copy.message_id)
            return service.Outcome(due.id, "sent", now, message_id=copy.message_id, reason=service.RECHECKED)
        if not await app.sender.delete(due.chat_id, copy.message_id):  # never twice: no proof, no new copy
            log.error("broadcasts: could not delete the new copy %s of delivery %s in %s",
                      copy.message_id, due.id, due.chat_id)
        return unconfirmed

    async def _look_back(self, app: App, due: service.Due, copy: Message, anchor: int) -> tuple[list[int], bool]:
        """The ids of the earlier copies of ``copy`` in its chat (newest first) posted since the
        delivery's mark, and whether every message above ``anchor`` (a message id known to be older
        than the mark) was seen. Messages are read by forwarding each to the owner's chat."""
        probe = self._probe_chat(app)
        if probe is None or due.marked_at is None:
            return [], False
        since = due.marked_at - RECHECK_SLACK
        found: list[int] = []
        lowest = max(anchor + 1, copy.message_id - RECHECK_DEPTH)
        for message_id in range(copy.message_id - 1, lowest - 1, -1):
            failed: list[TelegramAPIError] = []
            seen = await app.sender.forward(probe, due.chat_id, message_id, failed=failed)
            if seen is None:
                error = failed[-1] if failed else None
                text = error.message.lower() if isinstance(error, TelegramBadRequest) else ""
                if "not found" in text or "can't be forwarded" in text:  # deleted, or a service message
                    continue
                return found, False
            await app.sender.delete(probe, seen.message_id)
            origin = seen.forward_origin
            if isinstance(origin, MessageOriginUser):
                ours = origin.sender_user.id == app.sender.bot.id
            elif isinstance(origin, MessageOriginChannel):  # a channel's post is signed by the channel
                ours = origin.chat.id == due.chat_id
            else:
                ours = False
            if ours and origin is not None and origin.date >= since and _same_content(seen, copy):
                found.append(message_id)
        return found, lowest == anchor + 1

    def _outcome(self, app: App, hand: _Hand, message: Message | None, failed: list[TelegramAPIError]
                 ) -> service.Outcome:
        due = hand.due
        now = app.clock.now()
        if message is not None:
            # Telegram refused the photo and the sender posted the text alone: sent, and the report says so.
            reason = service.WITHOUT_PHOTO if any(photo_refused(e) for e in failed) else None
            return service.Outcome(due.id, "sent", now, message_id=message.message_id, reason=reason)
        error = failed[-1] if failed else None
        attempts = due.attempts + 1
        if error is None:
            # Not a Telegram answer (an undecodable response): it may have been posted.
            return service.Outcome(due.id, "sent", now, reason=service.UNCONFIRMED)
        if isinstance(error, TelegramForbiddenError):
            text = error.message.lower()
            if not due.private:
                return service.Outcome(due.id, "skipped", now, reason="removed")
            if "initiate" in text:
                return service.Outcome(due.id, "skipped", now, reason="not_started")
            self.blocked.add(due.chat_id)
            return service.Outcome(due.id, "skipped", now, reason="blocked", block_user=due.chat_id)
        if isinstance(error, TelegramRetryAfter):
            if attempts >= rules.MAX_ATTEMPTS:
                return service.Outcome(due.id, "failed", now, reason="flood")
            return service.Outcome(due.id, "planned", now, reason="flood",
                                   not_before=now + timedelta(seconds=max(1, error.retry_after)))
        if isinstance(error, TelegramNetworkError) and not never_sent(error):
            return service.Outcome(due.id, "sent", now, reason=service.UNCONFIRMED)
        if isinstance(error, TelegramServerError | TelegramNetworkError):
            reason = "network" if isinstance(error, TelegramNetworkError) else "server_error"
            if attempts >= rules.MAX_ATTEMPTS:
                return service.Outcome(due.id, "failed", now, reason=reason)
            return service.Outcome(due.id, "planned", now, reason=reason, not_before=now + rules.retry_delay(attempts))
        if isinstance(error, TelegramBadRequest):
            return service.Outcome(due.id, "failed", now, reason=_short(error.message))
        return service.Outcome(due.id, "failed", now, reason=_short(error.message))

    # -- contacts

    def seen_private(self, app: App, user_id: int) -> None:
        """A member wrote to the bot in private (or started it): remember them as a contact; a write
        only the first time (per process), or when they had blocked the bot. The write is
        group-committed in the background: the message is never held up by it (nor by the write lock)."""
        if user_id in self.known and user_id not in self.blocked:
            return
        self.known.add(user_id)
        self.blocked.discard(user_id)
        task = asyncio.create_task(self._record_contact(app, user_id, app.clock.now()), name="broadcast-contact")
        self._contacts.add(task)
        task.add_done_callback(self._contacts.discard)

    async def contacts_recorded(self) -> None:
        """Until the contact writes under way are committed (tests; shut-down)."""
        if self._contacts:
            await asyncio.gather(*self._contacts, return_exceptions=True)

    async def _record_contact(self, app: App, user_id: int, now: datetime) -> None:
        try:
            await app.db.submit(service.CONTACT_OP, service.ContactSeen(user_id, now))
        except Exception:
            log.exception("broadcasts: could not record that %s started the bot", user_id)
            self.known.discard(user_id)
            return
        self._wake.set()  # their deliveries waiting for them are due now

    def _require_app(self) -> App:
        if self._app is None:
            raise RuntimeError("Broadcasts.start(app) was not called")
        return self._app


def _checkable(due: service.Due) -> bool:
    """Whether a delivery left in flight can be checked in its chat: a supergroup's (or channel's)
    messages are numbered one by one in the chat; a private chat's are not."""
    return not due.private and due.chat_id <= -1_000_000_000_000 and due.marked_at is not None


def digest(outgoing: Outgoing) -> str:
    """A short digest of what a delivery sends (text, photo and buttons), kept with its mark."""
    markup = outgoing.reply_markup.model_dump_json(exclude_none=True) if outgoing.reply_markup else ""
    return hashlib.sha256("\x1f".join((outgoing.text, outgoing.photo or "", markup)).encode()).hexdigest()[:16]


def _same_content(one: Message, other: Message) -> bool:
    return ((one.text, one.caption, one.entities, one.caption_entities, bool(one.photo))
            == (other.text, other.caption, other.entities, other.caption_entities, bool(other.photo)))


def _gone(holder: str) -> bool:
    """Whether the holder ``host:pid:random`` is a process of this host that no longer runs (it was
    killed): then its lease need not run out. A holder elsewhere, or a pid in use, may be alive."""
    host, _sep, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:30] or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _short(description: str) -> str:
    text = description.removeprefix("Bad Request: ").removeprefix("Forbidden: ").strip()
    return text[:64] or "error"


# ---- the delivery report ----------------------------------------------------------------------------------

RECENT = 10


def _local(app: App, moment: datetime) -> str:
    return moment.astimezone(app.settings.tz).strftime("%Y-%m-%d %H:%M")


def _reasons(_: Translator, counts: Mapping[str, int]) -> str:
    return ", ".join(_("bc-reason", reason=reason, count=count) for reason, count in sorted(counts.items()))


def recent_text(app: App, _: Translator, rows: list[service.BroadcastSummary]) -> str:
    if not rows:
        return _("bc-none")
    lines = [_("bc-recent-title")]
    for row in rows:
        lines.append(_("bc-recent-line", id=row.id, kind=row.kind, status=_("bc-status", status=row.status),
                       created=_local(app, row.created_at), sent=row.sent, total=row.total, planned=row.planned,
                       skipped=row.skipped, failed=row.failed))
    lines.append(_("bc-recent-hint"))
    return "\n".join(lines)


def report_text(app: App, _: Translator, report: service.BroadcastReport) -> str:
    head = report.summary
    lines = [_("bc-report-title", id=head.id, kind=head.kind, status=_("bc-status", status=head.status),
               created=_local(app, head.created_at)),
             _("bc-report-counts", total=head.total, sent=head.sent, planned=head.planned, skipped=head.skipped,
               failed=head.failed, cancelled=report.cancelled)]
    if report.unconfirmed:
        lines.append(_("bc-report-unconfirmed", count=report.unconfirmed))
    if report.rechecked:
        lines.append(_("bc-report-rechecked", count=report.rechecked))
    if report.sending:
        lines.append(_("bc-report-sending", count=report.sending))
    if report.without_photo:
        lines.append(_("bc-report-without-photo", count=report.without_photo))
    if report.skipped_by:
        lines.append(_("bc-report-skipped", reasons=_reasons(_, report.skipped_by)))
    if report.failed_by:
        lines.append(_("bc-report-failed", reasons=_reasons(_, report.failed_by)))
    for why in ("start", "cap", "quiet"):
        if why in report.delayed:
            count, next_at = report.delayed[why]
            lines.append(_(f"bc-report-delayed-{why}", count=count, next=_local(app, next_at)))
    if report.first_sent is not None and report.last_sent is not None:
        lines.append(_("bc-report-times", first=_local(app, report.first_sent), last=_local(app, report.last_sent)))
    if head.planned:
        lines.append(_("bc-report-cancel-hint", id=head.id))
    return "\n".join(lines)
