"""The broadcast engine's draining side, in SQL: the worker's lease, picking due deliveries with the
facts its policies need, marking a delivery ``sending`` before its request leaves and recording what
came back, contacts (who started the bot, who blocked it), the staff's delivery report, and the
doctor's checks. Planning is in :mod:`bot.services.broadcasts`. Nothing here commits.

Exactly once: a delivery moves ``planned → sending`` by a conditional UPDATE, committed before its
request leaves, and only the worker holding the lease may make that move; it moves back to ``planned``
only on an answer that proves nothing was posted (a 429 or 5xx reply, a connection never made), so no
delivery can be sent twice. A delivery still ``sending`` when a new holder takes over was perhaps
sent, perhaps not (:func:`left_sending`): the worker checks a group's in the group itself (see
:mod:`bot.views.broadcasts`) and records the outcome; one it cannot check is recorded as sent
*unconfirmed* (:func:`resolve_unconfirmed`: ``reason='unconfirmed'``, no message id) and never sent again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.db.models import Broadcast, Contact, Delivery, Group, Lease, User
from bot.services.sql import insert_for, rowcount
from games.errors import DomainError

__all__ = [
    "CONTACT_OP",
    "MARK_OP",
    "OUTCOME_OP",
    "RECHECKED",
    "STATES",
    "UNCONFIRMED",
    "WITHOUT_PHOTO",
    "BroadcastReport",
    "BroadcastSummary",
    "ContactSeen",
    "Delayed",
    "Due",
    "Mark",
    "NotMarked",
    "Outcome",
    "RecipientFacts",
    "Skipped",
    "accounting",
    "apply_decisions",
    "blocked_ids",
    "cancel",
    "contact_ids",
    "due",
    "facts_for",
    "finish_broadcasts",
    "known_before",
    "lease_holder",
    "left_sending",
    "recent",
    "release_lease",
    "report",
    "resolve_unconfirmed",
    "take_lease",
    "take_over_lease",
]

DELIVERIES = Delivery.__table__  # type: ignore[attr-defined]
CONTACTS = Contact.__table__  # type: ignore[attr-defined]
LEASES = Lease.__table__  # type: ignore[attr-defined]
STATES = ("planned", "sending", "sent", "skipped", "failed", "cancelled")
UNCONFIRMED = "unconfirmed"  # the reason of a 'sent' delivery whose request may or may not have arrived
RECHECKED = "rechecked"  # of a 'sent' one left in flight whose post was checked in its group after a restart
# The reason of a 'sent' delivery posted as text because Telegram refused its photo (a file_id that is
# not this bot's, e.g. a catalogue imported from another bot's export).
WITHOUT_PHOTO = "without_photo"
_CHUNK = 500


# ---- the lease ----------------------------------------------------------------------------------------

async def take_lease(session: AsyncSession, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease ``name`` for ``holder`` until ``now + ttl``: True if ``holder`` has it.
    A lease someone else holds is taken only once it has expired (they stopped renewing)."""
    until = now + ttl
    renewed = await session.execute(
        update(LEASES).where(LEASES.c.name == name, or_(LEASES.c.holder == holder, LEASES.c.expires_at < now))
        .values(holder=holder, expires_at=until))
    if rowcount(renewed):
        return True
    inserted = await session.execute(
        insert_for(session, LEASES).values(name=name, holder=holder, expires_at=until)
        .on_conflict_do_nothing(index_elements=["name"]))
    return bool(rowcount(inserted))


async def take_over_lease(session: AsyncSession, name: str, holder: str, *, dead: str, now: datetime,
                          ttl: timedelta) -> bool:
    """Take the lease from ``dead`` (a holder known to be gone) without waiting for it to expire."""
    result = await session.execute(update(LEASES).where(LEASES.c.name == name, LEASES.c.holder == dead)
                                   .values(holder=holder, expires_at=now + ttl))
    return bool(rowcount(result))


async def release_lease(session: AsyncSession, name: str, holder: str, *, now: datetime) -> None:
    """Give the lease up (at shut-down), so a passive process takes over without waiting for it to expire."""
    await session.execute(update(LEASES).where(LEASES.c.name == name, LEASES.c.holder == holder)
                          .values(expires_at=now - timedelta(seconds=1)))


async def lease_holder(session: AsyncSession, name: str) -> tuple[str, datetime] | None:
    row = (await session.execute(select(LEASES.c.holder, LEASES.c.expires_at).where(LEASES.c.name == name))).first()
    return None if row is None else (row[0], row[1])


# ---- picking due deliveries -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    id: int
    broadcast_id: int
    kind: str
    args: str
    recipient_args: str | None
    chat_id: int
    private: bool
    capped: bool
    quiet: bool
    attempts: int
    planned_at: datetime
    marked_at: datetime | None = None  # deliveries left ``sending``: when they were marked,
    after_id: int | None = None  # the newest message id of the chat known before the mark,
    content: str | None = None  # and the digest of what was sent


async def due(session: AsyncSession, *, now: datetime, limit: int, exclude_chats: Iterable[int] = ()) -> list[Due]:
    """Planned deliveries due at ``now``, in order (not_before, broadcast, seq, id), leaving out those to
    ``exclude_chats`` (chats the worker already has a delivery in hand for)."""
    skip = list(exclude_chats)
    query = (select(col(Delivery.id), col(Delivery.broadcast_id), col(Broadcast.kind), col(Broadcast.args),
                    col(Delivery.args), col(Delivery.chat_id), col(Delivery.private), col(Delivery.capped),
                    col(Delivery.quiet), col(Delivery.attempts), col(Broadcast.created_at))
             .join(Broadcast, col(Broadcast.id) == col(Delivery.broadcast_id))
             .where(col(Delivery.state) == "planned", col(Delivery.not_before) <= now,
                    col(Broadcast.status) == "active")  # a cancelled broadcast sends nothing more
             .order_by(col(Delivery.not_before), col(Delivery.broadcast_id), col(Delivery.seq), col(Delivery.id))
             .limit(limit))
    if skip:
        query = query.where(col(Delivery.chat_id).not_in(skip))
    return [Due(*row) for row in (await session.execute(query)).all()]  # type: ignore[arg-type]


async def count_due(session: AsyncSession, *, now: datetime) -> int:
    """How many planned deliveries are due at ``now``."""
    query = select(func.count()).select_from(Delivery).where(
        col(Delivery.state) == "planned", col(Delivery.not_before) <= now)
    return int((await session.execute(query)).scalar_one())


@dataclass
class RecipientFacts:
    """What the policies need about the recipients of a batch of due deliveries."""

    contacts: dict[int, tuple[bool, bool]] = field(default_factory=dict)  # user -> (blocked, promos off)
    removed_groups: set[int] = field(default_factory=set)
    cap_sent: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    languages: dict[int, str | None] = field(default_factory=dict)  # private recipients' language codes


async def facts_for(session: AsyncSession, batch: Sequence[Due], *, now: datetime, cap_window: timedelta
                    ) -> RecipientFacts:
    """Contacts, removed groups, recent capped messages and languages of ``batch``'s recipients, in a
    few queries (chunked), never one per delivery."""
    facts = RecipientFacts()
    private = sorted({d.chat_id for d in batch if d.private})
    groups = sorted({d.chat_id for d in batch if not d.private})
    capped = sorted({d.chat_id for d in batch if d.private and d.capped})
    for chunk in _chunks(private):
        rows = await session.execute(select(col(Contact.user_id), col(Contact.blocked_at), col(Contact.promos_off_at))
                                     .where(col(Contact.user_id).in_(chunk)))
        for user_id, blocked_at, promos_off_at in rows.all():
            facts.contacts[user_id] = (blocked_at is not None, promos_off_at is not None)
        langs = await session.execute(select(col(User.id), col(User.language_code)).where(col(User.id).in_(chunk)))
        facts.languages.update({uid: code for uid, code in langs.all()})
    for chunk in _chunks(groups):
        removed = await session.execute(select(col(Group.chat_id)).where(col(Group.chat_id).in_(chunk),
                                                                          col(Group.active) == False))  # noqa: E712
        facts.removed_groups.update(removed.scalars().all())
    if cap_window > timedelta(0):
        since = now - cap_window
        for chunk in _chunks(capped):
            history = await session.execute(
                select(col(Delivery.chat_id), func.coalesce(col(Delivery.sent_at), col(Delivery.marked_at)))
                .where(col(Delivery.chat_id).in_(chunk), col(Delivery.capped) == True,  # noqa: E712
                       col(Delivery.state).in_(("sent", "sending")),
                       func.coalesce(col(Delivery.sent_at), col(Delivery.marked_at)) > since))
            for chat_id, when in history.all():
                facts.cap_sent[chat_id].append(when)
    return facts


@dataclass(frozen=True)
class Skipped:
    id: int
    reason: str


@dataclass(frozen=True)
class Delayed:
    id: int
    until: datetime
    why: str


async def apply_decisions(session: AsyncSession, skipped: Sequence[Skipped], delayed: Sequence[Delayed],
                          *, now: datetime) -> None:
    """Skip and delay planned deliveries (each only while it is still planned)."""
    if skipped:
        statement = (update(DELIVERIES).where(DELIVERIES.c.id == bindparam("b_id"), DELIVERIES.c.state == "planned")
                     .values(state="skipped", reason=bindparam("b_reason"), sent_at=None, delayed=None))
        await session.execute(statement, [{"b_id": s.id, "b_reason": s.reason} for s in skipped])
    if delayed:
        statement = (update(DELIVERIES).where(DELIVERIES.c.id == bindparam("b_id"), DELIVERIES.c.state == "planned")
                     .values(not_before=bindparam("b_until"), delayed=bindparam("b_why")))
        await session.execute(statement, [{"b_id": d.id, "b_until": d.until, "b_why": d.why} for d in delayed])


# ---- marking and recording (group-committed) -------------------------------------------------------------

class NotMarked(DomainError):
    """The delivery is no longer planned (cancelled, or taken by another worker) or this worker lost
    the lease: it must not be sent."""

    key = "bc-not-marked"


@dataclass(frozen=True)
class Mark:
    delivery_id: int
    holder: str
    lease: str
    now: datetime
    after_id: int | None = None  # see :class:`Delivery`: what a check after a restart needs
    content: str | None = None


class _MarkOp:
    """``planned → sending`` (with ``attempts + 1``), only for the lease's holder while its lease has
    not expired: one conditional
    UPDATE for a whole batch; what it did not move is refused with :class:`NotMarked`."""

    async def bulk(self, session: AsyncSession, items: list[Mark]) -> list[bool | DomainError]:
        moved: set[int] = set()
        by_holder: dict[tuple[str, str, datetime], list[int]] = defaultdict(list)
        for item in items:
            by_holder[(item.lease, item.holder, item.now)].append(item.delivery_id)
        for (lease, holder, now), ids in by_holder.items():
            # Still the holder, and the lease row share-locked until this transaction ends (PostgreSQL):
            # a takeover, which updates that row before it resolves what was left ``sending``, waits
            # for these marks and then finds them. (SQLite has one writer at a time.)
            held = select(LEASES.c.name).where(LEASES.c.name == lease, LEASES.c.holder == holder,
                                               LEASES.c.expires_at > now)
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                held = held.with_for_update(read=True)
            if (await session.execute(held)).first() is None:
                continue
            for chunk in _chunks(ids):
                result = await session.execute(
                    update(DELIVERIES).where(DELIVERIES.c.id.in_(chunk), DELIVERIES.c.state == "planned")
                    .values(state="sending", marked_at=now, attempts=DELIVERIES.c.attempts + 1)
                    .returning(DELIVERIES.c.id))
                moved.update(result.scalars().all())
        facts = [{"b_id": i.delivery_id, "b_after": i.after_id, "b_content": i.content} for i in items
                 if i.delivery_id in moved and (i.after_id is not None or i.content is not None)]
        if facts:
            await session.execute(update(DELIVERIES).where(DELIVERIES.c.id == bindparam("b_id"))
                                  .values(after_id=bindparam("b_after"), content=bindparam("b_content")), facts)
        return [True if item.delivery_id in moved else NotMarked() for item in items]

    async def single(self, session: AsyncSession, item: Mark) -> bool:
        outcome = (await self.bulk(session, [item]))[0]
        if isinstance(outcome, DomainError):
            raise outcome
        return outcome


@dataclass(frozen=True)
class Outcome:
    """What became of a delivery marked ``sending``: ``state`` sent (``message_id``; None with reason
    ``unconfirmed``), skipped or failed (``reason``), or planned again (a retry at ``not_before``).
    ``block_user``: the member blocked the bot (their contact is marked)."""

    delivery_id: int
    state: str
    now: datetime
    message_id: int | None = None
    reason: str | None = None
    not_before: datetime | None = None
    block_user: int | None = None


class _OutcomeOp:
    """Record outcomes: one UPDATE per kind for the whole batch (executemany)."""

    async def bulk(self, session: AsyncSession, items: list[Outcome]) -> list[bool | DomainError]:
        sent = [i for i in items if i.state == "sent"]
        retry = [i for i in items if i.state == "planned"]
        ended = [i for i in items if i.state in ("skipped", "failed")]
        if sent:
            # A late confirmation of one recorded as unconfirmed fills its message id in.
            statement = (update(DELIVERIES)
                         .where(DELIVERIES.c.id == bindparam("b_id"),
                                or_(DELIVERIES.c.state == "sending",
                                    and_(DELIVERIES.c.state == "sent", DELIVERIES.c.message_id.is_(None))))
                         .values(state="sent", message_id=bindparam("b_message"), reason=bindparam("b_reason"),
                                 sent_at=bindparam("b_at"), delayed=None))
            await session.execute(statement, [
                {"b_id": i.delivery_id, "b_message": i.message_id, "b_reason": i.reason, "b_at": i.now}
                for i in sent])
        if retry:
            statement = (update(DELIVERIES).where(DELIVERIES.c.id == bindparam("b_id"), DELIVERIES.c.state == "sending")
                         .values(state="planned", reason=bindparam("b_reason"), not_before=bindparam("b_at")))
            await session.execute(statement, [{"b_id": i.delivery_id, "b_reason": i.reason, "b_at": i.not_before}
                                              for i in retry])
        if ended:
            statement = (update(DELIVERIES).where(DELIVERIES.c.id == bindparam("b_id"), DELIVERIES.c.state == "sending")
                         .values(state=bindparam("b_state"), reason=bindparam("b_reason"), delayed=None))
            await session.execute(statement, [{"b_id": i.delivery_id, "b_state": i.state, "b_reason": i.reason}
                                              for i in ended])
        blocked = sorted({i.block_user for i in items if i.block_user is not None})
        if blocked:
            now = items[0].now
            await session.execute(update(CONTACTS).where(CONTACTS.c.user_id.in_(blocked)).values(blocked_at=now))
        return [True] * len(items)

    async def single(self, session: AsyncSession, item: Outcome) -> bool:
        await self.bulk(session, [item])
        return True


MARK_OP = _MarkOp()
OUTCOME_OP = _OutcomeOp()


async def left_sending(session: AsyncSession) -> list[Due]:
    """At takeover: the deliveries the previous holder left ``sending`` (marked, then it stopped before
    recording what became of the request: perhaps it arrived, perhaps not), with their mark times."""
    query = (select(col(Delivery.id), col(Delivery.broadcast_id), col(Broadcast.kind), col(Broadcast.args),
                    col(Delivery.args), col(Delivery.chat_id), col(Delivery.private), col(Delivery.capped),
                    col(Delivery.quiet), col(Delivery.attempts), col(Broadcast.created_at), col(Delivery.marked_at),
                    col(Delivery.after_id), col(Delivery.content))
             .join(Broadcast, col(Broadcast.id) == col(Delivery.broadcast_id))
             .where(col(Delivery.state) == "sending").order_by(col(Delivery.id)))
    return [Due(*row) for row in (await session.execute(query)).all()]  # type: ignore[arg-type]


async def known_before(session: AsyncSession, chat_id: int, delivery_id: int, marked_at: datetime) -> int:
    """The newest message id of ``chat_id`` that another delivery recorded before ``marked_at`` (0: none):
    every message at or below it was in the chat before that moment."""
    query = select(func.max(col(Delivery.message_id))).where(
        col(Delivery.chat_id) == chat_id, col(Delivery.id) != delivery_id, col(Delivery.state) == "sent",
        col(Delivery.sent_at) <= marked_at)
    return int((await session.execute(query)).scalar_one() or 0)


async def resolve_unconfirmed(session: AsyncSession, ids: Sequence[int], *, now: datetime) -> int:
    """Deliveries left ``sending`` whose fate cannot be checked are recorded as sent unconfirmed —
    perhaps they arrived, perhaps not; sending again could show them twice, so they never are. How many."""
    moved = 0
    for chunk in _chunks(list(ids)):
        result = await session.execute(
            update(DELIVERIES).where(DELIVERIES.c.id.in_(chunk), DELIVERIES.c.state == "sending")
            .values(state="sent", reason=UNCONFIRMED, sent_at=func.coalesce(DELIVERIES.c.marked_at, now)))
        moved += rowcount(result)
    return moved


async def finish_broadcasts(session: AsyncSession, *, now: datetime) -> int:
    """Active broadcasts with nothing left to send (no delivery planned or sending) are done."""
    pending = (select(col(Delivery.id)).where(col(Delivery.broadcast_id) == col(Broadcast.id),
                                              col(Delivery.state).in_(("planned", "sending"))).exists())
    result = await session.execute(update(Broadcast).where(col(Broadcast.status) == "active", ~pending)
                                   .values(status="done", finished_at=now))
    return rowcount(result)


# ---- contacts ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContactSeen:
    user_id: int
    now: datetime


class _ContactOp:
    """A member wrote to the bot in private: they are a contact (not blocked any more), and their
    deliveries waiting for them to start the bot are due now."""

    async def bulk(self, session: AsyncSession, items: list[ContactSeen]) -> list[bool | DomainError]:
        latest: dict[int, datetime] = {}
        for item in items:
            latest[item.user_id] = item.now
        rows = [{"user_id": uid, "started_at": at} for uid, at in latest.items()]
        statement = insert_for(session, CONTACTS)
        statement = statement.on_conflict_do_update(index_elements=["user_id"],
                                                    set_={"blocked_at": None})
        await session.execute(statement, rows)
        for chunk in _chunks(sorted(latest)):
            now = max(latest[uid] for uid in chunk)
            await session.execute(
                update(DELIVERIES).where(DELIVERIES.c.chat_id.in_(chunk), DELIVERIES.c.state == "planned",
                                         DELIVERIES.c.delayed == "start")
                .values(not_before=now, delayed=None))
        return [True] * len(items)

    async def single(self, session: AsyncSession, item: ContactSeen) -> bool:
        await self.bulk(session, [item])
        return True


CONTACT_OP = _ContactOp()


async def contact_ids(session: AsyncSession) -> tuple[set[int], set[int]]:
    """(every contact, those who blocked the bot): the worker's memory of who is known."""
    rows = (await session.execute(select(col(Contact.user_id), col(Contact.blocked_at)))).all()
    return {uid for uid, _ in rows}, {uid for uid, blocked in rows if blocked is not None}


async def blocked_ids(session: AsyncSession) -> set[int]:
    rows = await session.execute(select(col(Contact.user_id)).where(col(Contact.blocked_at).is_not(None)))
    return set(rows.scalars().all())


# ---- the report -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BroadcastSummary:
    id: int
    kind: str
    status: str
    created_at: datetime
    total: int
    sent: int
    planned: int
    skipped: int
    failed: int


@dataclass(frozen=True)
class BroadcastReport:
    summary: BroadcastSummary
    unconfirmed: int
    cancelled: int
    sending: int
    skipped_by: dict[str, int]
    failed_by: dict[str, int]
    delayed: dict[str, tuple[int, datetime]]  # cap | quiet | start -> (count, next time)
    first_sent: datetime | None
    last_sent: datetime | None
    rechecked: int = 0  # left in flight by a stopped worker, then checked in their group: one copy there
    without_photo: int = 0  # sent as text: Telegram refused the photo


def _counts() -> list[Any]:
    state = col(Delivery.state)
    return [func.count(col(Delivery.id)),
            *(func.sum(case((state == name, 1), else_=0)) for name in ("sent", "planned", "skipped", "failed"))]


async def recent(session: AsyncSession, limit: int = 10) -> list[BroadcastSummary]:
    """The latest broadcasts with their counts, newest first."""
    query = (select(col(Broadcast.id), col(Broadcast.kind), col(Broadcast.status), col(Broadcast.created_at),
                    *_counts())
             .outerjoin(Delivery, col(Delivery.broadcast_id) == col(Broadcast.id))
             .group_by(col(Broadcast.id), col(Broadcast.kind), col(Broadcast.status), col(Broadcast.created_at))
             .order_by(col(Broadcast.id).desc()).limit(limit))
    rows = []
    for r in (await session.execute(query)).all():
        total, sent, planned, skipped, failed = (int(v or 0) for v in r[4:])
        status = _shown(r[2], left=total - sent - skipped - failed)
        rows.append(BroadcastSummary(r[0], r[1], status, r[3], total, sent, planned, skipped, failed))
    return rows


def _shown(status: str, *, left: int) -> str:
    """An active broadcast with nothing left to send is shown done (the worker marks it so within seconds)."""
    return "done" if status == "active" and left == 0 else status


async def report(session: AsyncSession, broadcast_id: int) -> BroadcastReport | None:
    head = (await session.execute(select(col(Broadcast.id), col(Broadcast.kind), col(Broadcast.status),
                                         col(Broadcast.created_at)).where(col(Broadcast.id) == broadcast_id))).first()
    if head is None:
        return None
    rows = (await session.execute(
        select(col(Delivery.state), col(Delivery.reason), col(Delivery.delayed), func.count(col(Delivery.id)),
               func.min(col(Delivery.not_before)), func.min(col(Delivery.sent_at)), func.max(col(Delivery.sent_at)))
        .where(col(Delivery.broadcast_id) == broadcast_id)
        .group_by(col(Delivery.state), col(Delivery.reason), col(Delivery.delayed)))).all()
    by_state: dict[str, int] = defaultdict(int)
    skipped_by: dict[str, int] = defaultdict(int)
    failed_by: dict[str, int] = defaultdict(int)
    delayed: dict[str, tuple[int, datetime]] = {}
    unconfirmed = rechecked = without_photo = 0
    first: datetime | None = None
    last: datetime | None = None
    for state, reason, why, count, next_at, first_at, last_at in rows:
        by_state[state] += count
        if state == "skipped":
            skipped_by[reason or "?"] += count
        elif state == "failed":
            failed_by[reason or "?"] += count
        elif state == "sent":
            unconfirmed += count if reason == UNCONFIRMED else 0
            rechecked += count if reason == RECHECKED else 0
            without_photo += count if reason == WITHOUT_PHOTO else 0
            first = first_at if first is None or (first_at is not None and first_at < first) else first
            last = last_at if last is None or (last_at is not None and last_at > last) else last
        elif state == "planned" and why:
            had = delayed.get(why)
            delayed[why] = (count, next_at) if had is None else (had[0] + count, min(had[1], next_at))
    status = _shown(head[2], left=by_state["planned"] + by_state["sending"])
    summary = BroadcastSummary(int(head[0] or 0), head[1], status, head[3], sum(by_state.values()), by_state["sent"],
                               by_state["planned"], by_state["skipped"], by_state["failed"])
    return BroadcastReport(summary, unconfirmed, by_state["cancelled"], by_state["sending"], dict(skipped_by),
                           dict(failed_by), delayed, first, last, rechecked, without_photo)


async def cancel(session: AsyncSession, broadcast_id: int, *, now: datetime) -> int | None:
    """Cancel what is still planned of a broadcast (what is sent stays sent), and of the later steps
    of its series (a broadcast whose source ends in ``:1`` is the first step of one, e.g. a two-step
    wake-up campaign: its later steps share the source up to that number). None if there is no such
    broadcast, else how many deliveries were cancelled."""
    source = (await session.execute(select(col(Broadcast.source)).where(col(Broadcast.id) == broadcast_id))).first()
    if source is None:
        return None
    ids = [broadcast_id]
    if source[0] is not None and source[0].endswith(":1"):
        prefix = source[0][:-1]
        later = select(col(Broadcast.id)).where(col(Broadcast.source).startswith(prefix, autoescape=True),
                                                col(Broadcast.id) != broadcast_id)
        ids += [int(i) for i in (await session.execute(later)).scalars() if i is not None]
    result = await session.execute(update(DELIVERIES).where(DELIVERIES.c.broadcast_id.in_(ids),
                                                            DELIVERIES.c.state == "planned")
                                   .values(state="cancelled", delayed=None))
    await session.execute(update(Broadcast).where(col(Broadcast.id).in_(ids), col(Broadcast.status) == "active")
                          .values(status="cancelled", finished_at=now))
    return rowcount(result)


# ---- the doctor -------------------------------------------------------------------------------------------

async def accounting(session: AsyncSession) -> tuple[dict[str, int], list[str]]:
    """Counts by state, and what is wrong: a state outside the known ones, a sent delivery without a
    send time, or without a message id and not flagged unconfirmed; a planned one of a finished broadcast."""
    counts = {state: count for state, count in (await session.execute(
        select(col(Delivery.state), func.count(col(Delivery.id))).group_by(col(Delivery.state)))).all()}
    problems = [f"{count} deliveries in unknown state {state!r}" for state, count in counts.items()
                if state not in STATES]
    missing_time = (await session.execute(select(func.count(col(Delivery.id))).where(
        col(Delivery.state) == "sent", col(Delivery.sent_at).is_(None)))).scalar_one()
    if missing_time:
        problems.append(f"{missing_time} sent deliveries without a send time")
    no_id = (await session.execute(select(func.count(col(Delivery.id))).where(
        col(Delivery.state) == "sent", col(Delivery.message_id).is_(None),
        or_(col(Delivery.reason).is_(None), col(Delivery.reason) != UNCONFIRMED)))).scalar_one()
    if no_id:
        problems.append(f"{no_id} sent deliveries without a message id that are not flagged unconfirmed")
    orphans = (await session.execute(select(func.count(col(Delivery.id))).join(
        Broadcast, col(Broadcast.id) == col(Delivery.broadcast_id)).where(
        col(Delivery.state).in_(("planned", "sending")), col(Broadcast.status) != "active"))).scalar_one()
    if orphans:
        problems.append(f"{orphans} deliveries still planned or sending in a finished or cancelled broadcast")
    counts[UNCONFIRMED] = (await session.execute(select(func.count(col(Delivery.id))).where(
        col(Delivery.state) == "sent", col(Delivery.reason) == UNCONFIRMED))).scalar_one()
    return counts, problems


def _chunks(values: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start:start + _CHUNK])
