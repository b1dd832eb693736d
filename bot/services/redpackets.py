"""Red packets in the database: creation, grabs (single and group-committed), expiry, schedules.

Shares are **pre-split at creation**, not computed at grab time. The whole split is then decided
once, in the same transaction that debits the funder, and stored as rows that anyone can audit
(the shares visibly sum to the total). A grab only has to take "the next unclaimed share", so
its cost and its correctness do not depend on how many people are grabbing: no running
remainder to read and rewrite, no arithmetic that a race could make add up to more or less than
the total. The price is one row per share at creation (bounded by MAX_SHARES).

Invariants, in the database: one share per member per packet (unique), never more grabs than
shares and never more paid out than funded (check constraints), the packet's counters move
only by a conditional update on the value the grab read under the packet's lock.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.db.models import GroupMember, LedgerEntry, RedPacket, RedPacketSchedule, RedPacketShare, User
from bot.services import ledger
from bot.services import segments as segment_service
from bot.services.sql import rowcount
from games import redpacket as rules
from games import segments
from games.errors import DomainError, InsufficientPoints
from games.points import Reason, fund_key, grab_key, refund_key

if TYPE_CHECKING:
    from bot.db.engine import Database

PACKETS = RedPacket.__table__  # type: ignore[attr-defined]
SHARES = RedPacketShare.__table__  # type: ignore[attr-defined]
SCHEDULES = RedPacketSchedule.__table__  # type: ignore[attr-defined]
LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
GROUP_MEMBERS = GroupMember.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]

OPEN, EMPTY, EXPIRED = "open", "empty", "expired"


@dataclass(frozen=True)
class Created:
    packet: RedPacket
    new: bool  # False: the same command (or scheduled slot) had already created it


async def create_packet(
    session: AsyncSession, *, chat_id: int, funder_id: int, actor_id: int, spec: rules.PacketSpec,
    source_key: str, now: datetime, rng: rules.RandomSource, schedule_id: int | None = None,
) -> Created:
    """Create a packet, debit its funder and store its shares, all or nothing.

    ``source_key`` names the cause (the staff command's message, a schedule's slot): the same
    cause twice returns the first packet. Raises InsufficientPoints (nothing written) when the
    funder cannot pay.
    """
    found = await session.execute(select(RedPacket).where(col(RedPacket.source_key) == source_key))
    existing = found.scalars().first()
    if existing is not None:
        return Created(existing, new=False)
    amounts = rules.split(spec.total, spec.shares, spec.split, rng)
    if funder_id == ledger.SHOP_ACCOUNT:
        await ledger.ensure_shop_account(session, now)
    balance = await ledger.balance_of(session, funder_id)
    if balance < spec.total:
        raise InsufficientPoints(balance=balance, needed=spec.total)
    async with session.begin_nested():  # a refused debit leaves nothing behind
        packet = RedPacket(
            chat_id=chat_id, funder_id=funder_id, created_by=actor_id, total=spec.total, shares=spec.shares,
            split=str(spec.split), password=spec.password, eligibility=str(spec.eligibility),
            source_key=source_key, schedule_id=schedule_id, created_at=now, expires_at=now + spec.expires_in,
        )
        session.add(packet)
        await session.flush()
        assert packet.id is not None
        await ledger.move(session, user_id=funder_id, amount=-spec.total, reason=Reason.RED_PACKET,
                          key=fund_key(packet.id), ref=f"rp:{packet.id}", now=now, actor_id=actor_id,
                          check_key=False)
        await session.execute(SHARES.insert(), [
            {"packet_id": packet.id, "seq": seq, "amount": amount} for seq, amount in enumerate(amounts, start=1)
        ])
    return Created(packet, new=True)


async def set_message(session: AsyncSession, packet_id: int, message_id: int) -> None:
    await session.execute(update(PACKETS).where(PACKETS.c.id == packet_id).values(message_id=message_id))


async def claim_message(session: AsyncSession, packet_id: int, chat_id: int, message_id: int) -> int | None:
    """Record ``message_id`` as the packet's message if it has none yet (its post timed out but
    arrived); returns the packet's message id now (None: no such packet in ``chat_id``)."""
    await session.execute(update(PACKETS).where(PACKETS.c.id == packet_id, PACKETS.c.chat_id == chat_id,
                                                PACKETS.c.message_id.is_(None)).values(message_id=message_id))
    return (await session.execute(
        select(PACKETS.c.message_id).where(PACKETS.c.id == packet_id, PACKETS.c.chat_id == chat_id)
    )).scalar_one_or_none()


# ---- grabbing ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class GrabRequest:
    packet_id: int
    chat_id: int
    user_id: int
    now: datetime
    today: date | None = None  # the shop's local day (segments such as "active" need it)
    by_password: bool = False  # the member typed the packet's password (password packets open no other way)
    # Whether the member is in the packet's segment, decided on a read snapshot before the batch's
    # write transaction (GrabOp.prepare); None: not decided yet (or the packet has no segment).
    in_segment: bool | None = None


@dataclass(frozen=True)
class Grabbed:
    packet_id: int
    amount: int
    balance: int
    seq: int
    shares: int

    @property
    def last(self) -> bool:
        return self.seq == self.shares


class GrabOp:
    """Grabs in bulk for the group committer.

    A batch locks the packets it touches (``BEGIN IMMEDIATE`` on SQLite, ``FOR UPDATE`` on
    PostgreSQL), decides every grab in memory in arrival order (first come, first served), then
    writes the shares, the packets' counters and the ledger credits in a few statements.
    ``single`` is the same decision for a batch of one, in its own transaction.

    A packet for a segment (``for=repeat``) needs each member's segment check: ``prepare`` does it
    before the item is queued, on a read snapshot (indexed look-ups), so the batch's write lock is
    never held for it. A packet's eligibility never changes, so it is remembered per packet.
    """

    MAX_REMEMBERED = 10_000

    def __init__(self) -> None:
        # (database, packet id) -> the packet's segment (None: no segment); one look-up per packet.
        self._eligibility: dict[tuple[Database, int], str | None] = {}
        self._loading: dict[tuple[Database, int], asyncio.Task[tuple[bool, str | None]]] = {}

    async def _load(self, db: Database, packet_id: int) -> tuple[bool, str | None]:
        async with db.reader() as session:
            eligibility = (await session.execute(
                select(PACKETS.c.eligibility).where(PACKETS.c.id == packet_id)
            )).scalar_one_or_none()
        if eligibility is None:
            return False, None  # no such packet (yet): not remembered
        if len(self._eligibility) >= self.MAX_REMEMBERED:
            self._eligibility.clear()
        self._eligibility[(db, packet_id)] = rules.segment_of(eligibility)
        return True, self._eligibility[(db, packet_id)]

    def _loaded(self, key: tuple[Database, int]) -> None:
        self._loading.pop(key, None)

    async def prepare(self, db: Database, item: GrabRequest) -> GrabRequest:
        if item.in_segment is not None:
            return item
        key = (db, item.packet_id)
        if key in self._eligibility:
            segment = self._eligibility[key]
        else:
            task = self._loading.get(key)
            if task is None or task.done():
                task = self._loading[key] = asyncio.create_task(self._load(db, item.packet_id))
                task.add_done_callback(lambda _done: self._loaded(key))
            found, segment = await asyncio.shield(task)
            if not found:
                return item  # no such packet: the batch says so
        if segment is None:
            return item
        inside = await segment_service.CHECKS.check(db, segment, item.user_id, item.now, item.today or item.now.date())
        return replace(item, in_segment=inside)

    async def single(self, session: AsyncSession, item: GrabRequest) -> Grabbed:
        outcome = (await self.bulk(session, [item]))[0]
        if isinstance(outcome, DomainError):
            raise outcome
        return outcome

    async def bulk(self, session: AsyncSession, items: list[GrabRequest]) -> list[Grabbed | DomainError]:
        outcomes: list[Grabbed | DomainError | None] = [None] * len(items)
        by_packet: dict[int, list[int]] = defaultdict(list)
        for index, item in enumerate(items):
            by_packet[item.packet_id].append(index)
        query = select(PACKETS).where(PACKETS.c.id.in_(sorted(by_packet)))
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        packets = {row.id: row for row in (await session.execute(query)).all()}
        credits: list[ledger.Credit] = []
        credited: list[int] = []  # index into items, parallel to credits
        share_rows: list[dict[str, object]] = []
        for packet_id, indexes in by_packet.items():
            packet = packets.get(packet_id)
            if packet is None:
                for index in indexes:
                    outcomes[index] = rules.NoSuchPacket()
                continue
            user_ids = sorted({items[i].user_id for i in indexes})
            taken: dict[int, int] = dict((await session.execute(
                select(SHARES.c.user_id, SHARES.c.amount)
                .where(SHARES.c.packet_id == packet_id, SHARES.c.user_id.in_(user_ids))
            )).all())
            eligible: set[int] | None = None
            segment = rules.segment_of(packet.eligibility)
            if segment is not None:
                expr = segments.parse(segment)
                eligible = set()
                for uid in user_ids:
                    item = items[next(i for i in indexes if items[i].user_id == uid)]
                    inside = item.in_segment
                    if inside is None:  # not prepared (a direct call): decide it here
                        inside = await segment_service.contains(session, expr, uid, item.now,
                                                                item.today or item.now.date())
                    if inside:
                        eligible.add(uid)
            elif packet.eligibility == str(rules.Eligibility.BEFORE):
                eligible = set((await session.execute(
                    select(GROUP_MEMBERS.c.user_id).where(
                        GROUP_MEMBERS.c.chat_id == packet.chat_id, GROUP_MEMBERS.c.user_id.in_(user_ids),
                        GROUP_MEMBERS.c.first_seen_at < packet.created_at)
                )).scalars())
            next_seq = packet.grabbed_count + 1
            free: dict[int, int] = dict((await session.execute(
                select(SHARES.c.seq, SHARES.c.amount)
                .where(SHARES.c.packet_id == packet_id, SHARES.c.seq >= next_seq)
                .order_by(SHARES.c.seq).limit(len(indexes))
            )).all()) if packet.status == OPEN else {}
            seq = next_seq
            paid = 0
            for index in indexes:
                item = items[index]
                if item.chat_id != packet.chat_id or (packet.password and not item.by_password):
                    outcomes[index] = rules.NoSuchPacket()
                elif item.user_id in taken:
                    outcomes[index] = rules.AlreadyGrabbed(amount=taken[item.user_id])
                elif packet.status == EXPIRED or item.now >= packet.expires_at:
                    outcomes[index] = rules.Expired()
                elif packet.status == EMPTY or seq > packet.shares:
                    outcomes[index] = rules.AllGone()
                elif eligible is not None and item.user_id not in eligible:
                    outcomes[index] = rules.NotInSegment(segment=segment) if segment else rules.NotEligible()
                else:
                    amount = free[seq]
                    taken[item.user_id] = amount
                    share_rows.append({"pid": packet_id, "s": seq, "uid": item.user_id, "at": item.now})
                    credits.append(ledger.Credit(item.user_id, amount, Reason.RED_PACKET,
                                                 grab_key(packet_id, item.user_id), f"rp:{packet_id}"))
                    credited.append(index)
                    outcomes[index] = Grabbed(packet_id, amount, 0, seq, packet.shares)
                    paid += amount
                    seq += 1
            grabs = seq - next_seq
            if grabs:
                moved = await session.execute(
                    update(PACKETS)
                    .where(PACKETS.c.id == packet_id, PACKETS.c.grabbed_count == packet.grabbed_count,
                           PACKETS.c.status == OPEN)
                    .values(grabbed_count=PACKETS.c.grabbed_count + grabs,
                            grabbed_amount=PACKETS.c.grabbed_amount + paid,
                            status=EMPTY if seq > packet.shares else OPEN,
                            closed_at=items[indexes[-1]].now if seq > packet.shares else None)
                )
                if rowcount(moved) != 1:
                    raise RuntimeError(f"red packet {packet_id} changed under its lock")
        if share_rows:
            balances = await ledger.bulk_credit(session, credits, items[0].now)  # creates missing members
            await session.execute(
                update(SHARES).where(SHARES.c.packet_id == bindparam("pid"), SHARES.c.seq == bindparam("s"),
                                     SHARES.c.user_id.is_(None))
                .values(user_id=bindparam("uid"), grabbed_at=bindparam("at")),
                share_rows,
            )
            for index, balance in zip(credited, balances, strict=True):
                grabbed = outcomes[index]
                assert isinstance(grabbed, Grabbed)
                outcomes[index] = Grabbed(grabbed.packet_id, grabbed.amount, balance, grabbed.seq, grabbed.shares)
        return [o for o in outcomes if o is not None]


GRAB_OP = GrabOp()


# ---- expiry -----------------------------------------------------------------------------------

async def expire(session: AsyncSession, packet_id: int, now: datetime) -> int | None:
    """Close an open packet whose time is up and refund what is left to its funder, once.

    Returns the refund (0 when nothing was left), or None when there was nothing to do (not
    yet due, already empty, already expired — by this process or another)."""
    packet = await session.get(RedPacket, packet_id, with_for_update=True)
    if packet is None or packet.status != OPEN or now < packet.expires_at:
        return None
    return await _close_and_refund(session, packet, now)


async def withdraw(session: AsyncSession, packet_id: int, now: datetime) -> int | None:
    """Close an open packet that never reached its group (its post failed) and give its funder
    back what is left, once: a packet nobody can see must not hold the budget until it expires.
    Returns the refund, or None when there was nothing to do (posted meanwhile, or closed)."""
    packet = await session.get(RedPacket, packet_id, with_for_update=True)
    if packet is None or packet.status != OPEN or packet.message_id is not None:
        return None
    return await _close_and_refund(session, packet, now, unposted=True)


async def _close_and_refund(session: AsyncSession, packet: RedPacket, now: datetime, *,
                            unposted: bool = False) -> int | None:
    """Close ``packet`` (still open, with no grab since it was read; ``unposted``: and still without
    a message) and refund what is left to its funder, once. None if another closer won."""
    left = packet.total - packet.grabbed_amount
    conditions = [PACKETS.c.id == packet.id, PACKETS.c.status == OPEN, PACKETS.c.grabbed_count == packet.grabbed_count]
    if unposted:
        conditions.append(PACKETS.c.message_id.is_(None))
    closed = await session.execute(
        update(PACKETS).where(*conditions).values(status=EXPIRED, refunded=left, closed_at=now)
    )
    if rowcount(closed) != 1:
        return None
    if left > 0:
        assert packet.id is not None
        await ledger.move(session, user_id=packet.funder_id, amount=left, reason=Reason.REFUND,
                          key=refund_key(packet.id), ref=f"rp:{packet.id}", now=now)
    return left


async def due(session: AsyncSession, now: datetime) -> list[int]:
    rows = await session.execute(
        select(PACKETS.c.id).where(PACKETS.c.status == OPEN, PACKETS.c.expires_at <= now).order_by(PACKETS.c.id)
    )
    return list(rows.scalars())


async def open_count(session: AsyncSession, chat_id: int, funder_id: int) -> int:
    """How many packets ``funder_id`` has open in ``chat_id``."""
    return int((await session.execute(
        select(func.count()).select_from(PACKETS)
        .where(PACKETS.c.chat_id == chat_id, PACKETS.c.funder_id == funder_id, PACKETS.c.status == OPEN)
    )).scalar_one())


async def open_packets(session: AsyncSession) -> list[RedPacket]:
    rows = await session.execute(select(RedPacket).where(col(RedPacket.status) == OPEN).order_by(col(RedPacket.id)))
    return list(rows.scalars())


# ---- what the packet message shows --------------------------------------------------------------

@dataclass(frozen=True)
class PacketView:
    packet: Row[Any]  # a plain row of red_packets (not an ORM object: it outlives its session)
    funder_name: str
    grabbers: list[rules.Grabber]


def _name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p) or "?"


async def view(session: AsyncSession, packet_id: int) -> PacketView | None:
    packet = (await session.execute(select(PACKETS).where(PACKETS.c.id == packet_id))).first()
    if packet is None:
        return None
    funder = (await session.execute(
        select(USERS.c.first_name, USERS.c.last_name).where(USERS.c.id == packet.funder_id))).first()
    rows = await session.execute(
        select(SHARES.c.user_id, SHARES.c.amount, USERS.c.first_name, USERS.c.last_name)
        .join(USERS, USERS.c.id == SHARES.c.user_id)
        .where(SHARES.c.packet_id == packet_id, SHARES.c.user_id.is_not(None))
        .order_by(SHARES.c.seq)
    )
    grabbers = [rules.Grabber(r.user_id, _name(r.first_name, r.last_name), r.amount) for r in rows.all()]
    funder_name = "" if packet.funder_id == ledger.SHOP_ACCOUNT or funder is None \
        else _name(funder.first_name, funder.last_name)
    return PacketView(packet, funder_name, grabbers)


# ---- scheduled drops --------------------------------------------------------------------------

async def add_schedule(session: AsyncSession, *, chat_id: int, schedule: rules.DropSchedule, actor_id: int,
                       now: datetime) -> RedPacketSchedule:
    row = RedPacketSchedule(
        chat_id=chat_id, every=str(schedule.every), at=schedule.at.strftime("%H:%M"), on=schedule.on,
        total=schedule.spec.total, shares=schedule.spec.shares, options=schedule.spec.encode_options(),
        created_by=actor_id, created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


def spec_of(row: RedPacketSchedule) -> rules.DropSchedule:
    spec = rules.parse_packet([str(row.total), str(row.shares), *row.options.split()])
    return rules.DropSchedule(rules.Every(row.every), rules.parse_time(row.at), row.on, spec)


async def schedules(session: AsyncSession, chat_id: int | None = None) -> list[RedPacketSchedule]:
    query = select(RedPacketSchedule).where(col(RedPacketSchedule.active) == True)  # noqa: E712
    if chat_id is not None:
        query = query.where(col(RedPacketSchedule.chat_id) == chat_id)
    return list((await session.execute(query.order_by(col(RedPacketSchedule.id)))).scalars())


async def cancel_schedule(session: AsyncSession, schedule_id: int, chat_id: int) -> bool:
    result = await session.execute(
        update(SCHEDULES).where(SCHEDULES.c.id == schedule_id, SCHEDULES.c.chat_id == chat_id,
                                SCHEDULES.c.active.is_(True)).values(active=False)
    )
    return bool(rowcount(result))


# ---- accounting (regulars doctor) -------------------------------------------------------------

async def accounting(session: AsyncSession) -> list[str]:
    """Every packet: funded = grabbed + refunded + still open, in its own rows and in the ledger."""
    problems: list[str] = []
    share_sums = {r.packet_id: r for r in (await session.execute(
        select(SHARES.c.packet_id, func.sum(SHARES.c.amount).label("total"),
               func.sum(case((SHARES.c.user_id.is_not(None), SHARES.c.amount), else_=0)).label("paid"),
               func.count(SHARES.c.user_id).label("grabs"))
        .group_by(SHARES.c.packet_id)
    )).all()}
    ledger_sums = {r.ref: r for r in (await session.execute(
        select(LEDGER.c.ref,
               func.sum(case((LEDGER.c.amount < 0, -LEDGER.c.amount), else_=0)).label("funded"),
               func.sum(case(((LEDGER.c.reason == str(Reason.RED_PACKET)) & (LEDGER.c.amount > 0), LEDGER.c.amount),
                             else_=0)).label("paid"),
               func.sum(case((LEDGER.c.reason == str(Reason.REFUND), LEDGER.c.amount), else_=0)).label("refunded"))
        .where(LEDGER.c.ref.like("rp:%"))
        .group_by(LEDGER.c.ref)
    )).all()}
    for packet in (await session.execute(select(PACKETS))).all():
        ref = f"rp:{packet.id}"
        shares = share_sums.get(packet.id)
        if shares is None or int(shares.total) != packet.total:
            problems.append(f"red packet {packet.id}: shares do not sum to its total {packet.total}")
            continue
        if int(shares.grabs) != packet.grabbed_count or int(shares.paid) != packet.grabbed_amount:
            problems.append(f"red packet {packet.id}: grabbed {packet.grabbed_count}/{packet.grabbed_amount} "
                            f"but shares say {shares.grabs}/{shares.paid}")
        sums = ledger_sums.get(ref)
        funded, paid, refunded = (int(sums.funded), int(sums.paid), int(sums.refunded)) if sums else (0, 0, 0)
        if funded != packet.total:
            problems.append(f"red packet {packet.id}: funded {funded} in the ledger, total {packet.total}")
        if paid != packet.grabbed_amount or refunded != packet.refunded:
            problems.append(f"red packet {packet.id}: ledger paid {paid} refunded {refunded}, packet says "
                            f"{packet.grabbed_amount} and {packet.refunded}")
        still_open = packet.total - packet.grabbed_amount - packet.refunded
        if packet.status == OPEN and packet.refunded:
            problems.append(f"red packet {packet.id}: open but refunded {packet.refunded}")
        if packet.status != OPEN and still_open != 0:
            problems.append(f"red packet {packet.id}: {packet.status} with {still_open} points unaccounted for")
    return problems
