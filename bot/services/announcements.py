"""Announcements (上新推送, 预约上新, 补货通知): use cases over an ``AsyncSession``; never commits.

Nothing here sends a message: every group post and private notice is planned as broadcast rows
(``bot/services/broadcasts.plan``) in the caller's transaction, with a stable ``source`` per part
(``an:<id>:post``, ``an:<id>:live``…), and rendered by ``bot/views/announcements.py`` when the
broadcast engine sends it. A broadcast names its product by id, not a copy of it: each message shows
the item as the catalogue has it when that message is rendered (a price edited between ``/announce``
and the go-live is the new price; an item archived meanwhile is not posted).

Invariants live in the database: an announcement goes live once (a conditional update from
``scheduled``), a reminder and a waitlist place exist once per member (unique), a reservation once
per member per restock and once per slot and generation (unique), a claim takes a unit by a
conditional update (``stock > 0``), an expired reservation is passed on once (a conditional update
from ``open``). The voters' launch reward is paid through the ledger under a key per vote and member.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, delete, false, func, literal, not_, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Announcement,
    AnnouncementReminder,
    Broadcast,
    Contact,
    Delivery,
    Group,
    LedgerEntry,
    Product,
    Reservation,
    Vote,
    VoteChoice,
    VoteOption,
    WaitlistEntry,
)
from bot.services import catalogue, ledger
from bot.services.broadcasts import Target, plan
from bot.services.sql import insert_for, rowcount
from games import announcements as rules
from games.points import Reason, launch_key

ANNOUNCEMENTS = Announcement.__table__  # type: ignore[attr-defined]
REMINDERS = AnnouncementReminder.__table__  # type: ignore[attr-defined]
WAITLIST = WaitlistEntry.__table__  # type: ignore[attr-defined]
RESERVATIONS = Reservation.__table__  # type: ignore[attr-defined]
PRODUCTS = Product.__table__  # type: ignore[attr-defined]
CONTACTS = Contact.__table__  # type: ignore[attr-defined]
GROUPS = Group.__table__  # type: ignore[attr-defined]
VOTES = Vote.__table__  # type: ignore[attr-defined]
OPTIONS = VoteOption.__table__  # type: ignore[attr-defined]
CHOICES = VoteChoice.__table__  # type: ignore[attr-defined]
LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
BROADCASTS = Broadcast.__table__  # type: ignore[attr-defined]
DELIVERIES = Delivery.__table__  # type: ignore[attr-defined]

SCHEDULED, LIVE, CANCELLED = "scheduled", "live", "cancelled"
OPEN, CLAIMED, EXPIRED = "open", "claimed", "expired"

# Broadcast kinds (the renderers in bot/views/announcements.py).
POST = "an_post"  # the group post of a new arrival (also a pre-announcement's, at go-live)
TEASER = "an_teaser"  # a pre-announcement's teaser, with "🔔 Remind me"
RESTOCK = "an_restock"  # the group post of a restock
LIVE_NOTE = "an_live"  # the private go-live message to each member who asked to be reminded
LAUNCH_NOTE = "an_launch"  # the private launch reward notice to a voter who did not ask for a reminder
NOTICE = "an_notice"  # the private restock notice to the waitlist
RESERVED = "an_reserve"  # a private reservation: code, expiry, "Claim"
KINDS = (POST, TEASER, RESTOCK, LIVE_NOTE, LAUNCH_NOTE, NOTICE, RESERVED)

_CHUNK = 500
_CODE_TRIES = 8
_PASS_TRIES = 50  # members skipped because a concurrent pass gave them a reservation first


def source(announcement_id: int, part: str) -> str:
    """The broadcast source of one part of an announcement: planning it twice plans it once."""
    return f"an:{announcement_id}:{part}"


def command_key(chat_id: int, message_id: int) -> str:
    """The announcement made by one command message (a redelivered update makes no second one)."""
    return f"an:cmd:{chat_id}:{message_id}"


# ---- reading ----------------------------------------------------------------------------------------

def item_args(product_id: int, sku: str, announcement_id: int, **more: Any) -> dict[str, Any]:
    """A broadcast's arguments: which product (its renderer reads the product as it is then) and which
    announcement, with what the announcement itself fixes (``go_live_at``, ``units``…)."""
    return {"product_id": product_id, "sku": sku, "announcement_id": announcement_id, **more}


async def _live_product(session: AsyncSession, sku: str) -> Product:
    item = await catalogue.by_sku(session, sku)
    if item is None:
        raise rules.NoSuchProduct(sku=sku)
    if catalogue.is_archived(item):
        raise rules.ProductArchived(sku=sku)
    return item


@dataclass(frozen=True)
class GroupTarget:
    chat_id: int
    label: str
    title: str


async def groups_for(session: AsyncSession, labels: Sequence[str] | None) -> list[GroupTarget]:
    """The active groups with one of ``labels`` (None: every active group), in a stable order."""
    query = select(GROUPS.c.chat_id, GROUPS.c.label, GROUPS.c.title).where(GROUPS.c.active == true())
    if labels is not None:
        query = query.where(GROUPS.c.label.in_(list(labels)))
    rows = (await session.execute(query.order_by(GROUPS.c.chat_id))).all()
    return [GroupTarget(int(r.chat_id), r.label, r.title) for r in rows]


def _labels_text(labels: Sequence[str] | None) -> str | None:
    return None if labels is None else ",".join(labels)


def _labels_of(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(text.split(","))


async def get(session: AsyncSession, announcement_id: int) -> Announcement | None:
    row = (await session.execute(select(ANNOUNCEMENTS).where(ANNOUNCEMENTS.c.id == announcement_id))).first()
    return None if row is None else Announcement.model_validate(row._mapping)


async def is_started(session: AsyncSession, user_id: int) -> bool:
    """The member started the bot and has not blocked it: a private message can reach them."""
    row = (await session.execute(select(CONTACTS.c.blocked_at).where(CONTACTS.c.user_id == user_id))).first()
    return row is not None and row.blocked_at is None


# ---- /announce new|soon|restock ---------------------------------------------------------------------

@dataclass(frozen=True)
class Live:
    """What a go-live planned: reminders, voters rewarded and the points paid."""

    announcement_id: int
    reminded: int = 0
    rewarded: int = 0
    points: int = 0


@dataclass(frozen=True)
class Restocked:
    units: int | None
    waiting: int
    reserved: int
    told: int
    reserve: timedelta | None


@dataclass(frozen=True)
class Created:
    announcement_id: int
    new: bool  # False: the same command had already made it (a redelivered update)
    kind: str = ""
    item: Product | None = None
    go_live_at: datetime | None = None
    best: bool = False
    groups: tuple[GroupTarget, ...] = ()
    broadcast_id: int | None = None  # the group post (new, restock) or the teaser (soon)
    live: Live | None = None  # it went live in this transaction
    restocked: Restocked | None = None


async def create(
    session: AsyncSession, *, spec: rules.AnnounceSpec, go_live_at: datetime, actor_id: int, source_key: str,
    now: datetime,
) -> Created:
    """Make the announcement ``spec`` describes and plan its broadcasts. Raises an
    :class:`rules.AnnounceRefused` (nothing written) for an unknown or archived item, no matching
    group, or a restock that cannot be one."""
    existing = (await session.execute(
        select(ANNOUNCEMENTS.c.id).where(ANNOUNCEMENTS.c.source_key == source_key))).scalar()
    if existing is not None:
        return Created(int(existing), new=False)
    item = await _live_product(session, spec.sku)
    groups = await groups_for(session, spec.labels)
    if spec.kind is rules.Kind.RESTOCK:
        if item.stock == 0:
            raise rules.RestockSoldOut(sku=item.sku)
        if spec.reserve is not None and item.stock is None:
            raise rules.ReserveUntracked(sku=item.sku)
    elif not groups:
        raise rules.NoGroups(labels=_labels_text(spec.labels) or "all")
    announcement_id = await _insert(session, spec.kind, item, spec.labels, go_live_at, spec.at.best,
                                    spec.reserve, actor_id, source_key, now)
    if spec.kind is rules.Kind.RESTOCK:
        return await _restock_created(session, announcement_id, item, groups, spec.reserve, now)
    kind = POST if spec.kind is rules.Kind.NEW else TEASER
    assert item.id is not None
    args = item_args(item.id, item.sku, announcement_id, go_live_at=go_live_at.isoformat())
    planned = await plan(session, kind=kind, args=args, targets=[Target(g.chat_id, False) for g in groups],
                         at=go_live_at if kind == POST else now, now=now,
                         source=source(announcement_id, "post" if kind == POST else "teaser"), created_by=actor_id)
    live = await go_live(session, announcement_id, now) if kind == POST and go_live_at <= now else None
    return Created(announcement_id, True, str(spec.kind), item, go_live_at, spec.at.best, tuple(groups),
                   planned.broadcast_id, live)


async def _insert(session: AsyncSession, kind: rules.Kind, item: Product, labels: Sequence[str] | None,
                  go_live_at: datetime, best: bool, reserve: timedelta | None, actor_id: int, source_key: str,
                  now: datetime, *, units: int | None = None, status: str = SCHEDULED) -> int:
    announcement_id = (await session.execute(ANNOUNCEMENTS.insert().values(
        kind=str(kind), product_id=item.id, sku=item.sku, labels=_labels_text(labels), status=status,
        go_live_at=go_live_at, best=best, units=units,
        reserve_s=None if reserve is None else int(reserve.total_seconds()),
        source_key=source_key, created_by=actor_id, created_at=now, live_at=now if status == LIVE else None,
    ).returning(ANNOUNCEMENTS.c.id))).scalar_one()
    return int(announcement_id)


# ---- go-live: the group post, the reminders and the voters' launch reward ----------------------------

async def go_live(session: AsyncSession, announcement_id: int, now: datetime) -> Live | None:
    """Take a new arrival or pre-announcement live, once (None: it was live already, or is not due):
    plan a pre-announcement's group post, a private message to each member who asked to be reminded,
    and pay the voters' launch reward in this transaction. An item archived meanwhile does not go
    live: the announcement is cancelled instead (its post not sent yet with it)."""
    item_of = ANNOUNCEMENTS.join(PRODUCTS, PRODUCTS.c.id == ANNOUNCEMENTS.c.product_id)
    archived = (await session.execute(select(PRODUCTS.c.archived_at).select_from(item_of).where(
        ANNOUNCEMENTS.c.id == announcement_id, ANNOUNCEMENTS.c.go_live_at <= now))).first()
    if archived is not None and archived.archived_at is not None:
        await cancel(session, announcement_id, now)
        return None
    claimed = await session.execute(update(ANNOUNCEMENTS).where(
        ANNOUNCEMENTS.c.id == announcement_id, ANNOUNCEMENTS.c.status == SCHEDULED,
        ANNOUNCEMENTS.c.kind.in_([str(rules.Kind.NEW), str(rules.Kind.SOON)]),
        ANNOUNCEMENTS.c.go_live_at <= now,
    ).values(status=LIVE, live_at=now))
    if not rowcount(claimed):
        return None
    ann = await get(session, announcement_id)
    assert ann is not None and ann.id is not None
    args = item_args(ann.product_id, ann.sku, ann.id, go_live_at=ann.go_live_at.isoformat())
    if ann.kind == str(rules.Kind.SOON):
        groups = await groups_for(session, _labels_of(ann.labels))
        await plan(session, kind=POST, args=args, targets=[Target(g.chat_id, False) for g in groups], at=now,
                   now=now, source=source(ann.id, "post"), created_by=ann.created_by)
    rewarded = await _pay_launch(session, ann.sku, now)
    reminded = [int(uid) for uid in (await session.execute(
        select(REMINDERS.c.user_id).where(REMINDERS.c.announcement_id == ann.id, REMINDERS.c.active == true())
        .order_by(REMINDERS.c.id))).scalars()]
    if reminded:
        # They asked for it: neither the promotions cap nor quiet hours hold it back.
        await plan(session, kind=LIVE_NOTE, args=args, now=now, at=now, source=source(ann.id, "live"),
                   targets=[Target(uid, True, seq=seq, args={"points": rewarded[uid]} if uid in rewarded else None)
                            for seq, uid in enumerate(reminded, start=1)], capped=False, quiet=False)
    asked = set(reminded)
    others = [uid for uid in rewarded if uid not in asked]
    if others:
        await plan(session, kind=LAUNCH_NOTE, args=args, now=now, at=now, source=source(ann.id, "launch"),
                   targets=[Target(uid, True, seq=seq, args={"points": rewarded[uid]})
                            for seq, uid in enumerate(others, start=1)], capped=False, quiet=False)
    return Live(ann.id, len(reminded), len(rewarded), sum(rewarded.values()))


async def _pay_launch(session: AsyncSession, sku: str, now: datetime) -> dict[int, int]:
    """Each member who chose an option naming ``sku`` in a vote with a launch reward (not cancelled)
    gets it, once per vote (the ledger key); returns the points each was paid now. Go-lives that
    may pay the same keys (two announcements of the item, or two items named in one multi-choice vote)
    pay one after the other: on PostgreSQL each locks the votes it pays from, in order, before it reads
    which keys are paid (SQLite has one writer at a time)."""
    rows = (await session.execute(
        select(CHOICES.c.user_id, VOTES.c.id, VOTES.c.launch).distinct()
        .select_from(CHOICES.join(OPTIONS, and_(OPTIONS.c.vote_id == CHOICES.c.vote_id,
                                                OPTIONS.c.no == CHOICES.c.option_no))
                     .join(VOTES, VOTES.c.id == CHOICES.c.vote_id))
        .where(func.upper(OPTIONS.c.sku) == sku, VOTES.c.launch > 0, VOTES.c.status != "cancelled")
        .order_by(VOTES.c.id, CHOICES.c.user_id)
    )).all()
    vote_ids = sorted({int(r.id) for r in rows})
    if vote_ids and session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(select(VOTES.c.id).where(VOTES.c.id.in_(vote_ids)).order_by(VOTES.c.id)
                              .with_for_update())
    wanted = {launch_key(int(r.id), int(r.user_id)): r for r in rows}
    paid: set[str] = set()
    keys = list(wanted)
    for start in range(0, len(keys), _CHUNK):
        found = await session.execute(select(LEDGER.c.idempotency_key).where(
            LEDGER.c.idempotency_key.in_(keys[start:start + _CHUNK])))
        paid |= set(found.scalars())
    credits = [ledger.Credit(int(r.user_id), int(r.launch), Reason.LAUNCH, key, f"vote:{r.id}")
               for key, r in wanted.items() if key not in paid]
    await ledger.bulk_credit(session, credits, now)
    rewarded: dict[int, int] = {}
    for credit in credits:
        rewarded[credit.user_id] = rewarded.get(credit.user_id, 0) + credit.amount
    return rewarded


async def due(session: AsyncSession, now: datetime) -> list[int]:
    """Scheduled announcements whose go-live time has passed (the catch-up at start-up)."""
    query = select(ANNOUNCEMENTS.c.id).where(ANNOUNCEMENTS.c.status == SCHEDULED, ANNOUNCEMENTS.c.go_live_at <= now)
    return [int(i) for i in (await session.execute(query.order_by(ANNOUNCEMENTS.c.id))).scalars()]


async def scheduled(session: AsyncSession) -> list[tuple[int, datetime]]:
    """Every scheduled announcement and its go-live time (one job each)."""
    rows = (await session.execute(select(ANNOUNCEMENTS.c.id, ANNOUNCEMENTS.c.go_live_at).where(
        ANNOUNCEMENTS.c.status == SCHEDULED))).all()
    return [(int(r.id), r.go_live_at) for r in rows]


# ---- /announce list, /announce cancel ---------------------------------------------------------------

@dataclass(frozen=True)
class Listed:
    id: int
    kind: str
    sku: str
    name: str
    status: str
    go_live_at: datetime
    labels: str | None
    reminders: int


async def recent(session: AsyncSession, limit: int) -> tuple[list[Listed], int]:
    """The newest ``limit`` announcements (with how many members asked to be reminded), and how many there are."""
    reminders = select(func.count()).select_from(REMINDERS).where(
        REMINDERS.c.announcement_id == ANNOUNCEMENTS.c.id, REMINDERS.c.active == true()).scalar_subquery()
    rows = (await session.execute(
        select(ANNOUNCEMENTS.c.id, ANNOUNCEMENTS.c.kind, ANNOUNCEMENTS.c.sku, PRODUCTS.c.name, ANNOUNCEMENTS.c.status,
               ANNOUNCEMENTS.c.go_live_at, ANNOUNCEMENTS.c.labels, reminders.label("reminders"))
        .select_from(ANNOUNCEMENTS.join(PRODUCTS, PRODUCTS.c.id == ANNOUNCEMENTS.c.product_id))
        .order_by(ANNOUNCEMENTS.c.id.desc()).limit(limit))).all()
    total = (await session.execute(select(func.count()).select_from(ANNOUNCEMENTS))).scalar_one()
    return [Listed(int(r.id), r.kind, r.sku, r.name, r.status, r.go_live_at, r.labels, int(r.reminders))
            for r in rows], int(total)


async def cancel(session: AsyncSession, announcement_id: int, now: datetime) -> int | None:
    """Cancel an announcement that has not gone live (a conditional update from ``scheduled``): its
    deliveries not sent yet are cancelled (the teaser already posted stays; its button then says the
    announcement is gone). Returns how many deliveries were cancelled; None: not scheduled (any more)."""
    done = await session.execute(update(ANNOUNCEMENTS).where(
        ANNOUNCEMENTS.c.id == announcement_id, ANNOUNCEMENTS.c.status == SCHEDULED).values(status=CANCELLED))
    if not rowcount(done):
        return None
    planned = select(BROADCASTS.c.id).where(BROADCASTS.c.source.in_(
        [source(announcement_id, "post"), source(announcement_id, "teaser")]))
    cancelled = await session.execute(update(DELIVERIES).where(
        DELIVERIES.c.broadcast_id.in_(planned), DELIVERIES.c.state == "planned",
    ).values(state="cancelled", reason="cancelled"))
    return rowcount(cancelled)


# ---- "🔔 Remind me" ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    announcement_id: int
    active: bool
    go_live_at: datetime
    name: str


async def remind(session: AsyncSession, announcement_id: int, user_id: int, query_id: str | None, *,
                 toggle: bool, now: datetime) -> Reminder:
    """A member's "Remind me": the first tap subscribes; with ``toggle`` a later tap switches it
    off and on (the same tap delivered again changes nothing); without (a deep link, a member who
    must start the bot first) it is switched on. Raises :class:`rules.NoSuchAnnouncement` or
    :class:`rules.AlreadyLive` (nothing written)."""
    row = (await session.execute(
        select(ANNOUNCEMENTS.c.kind, ANNOUNCEMENTS.c.status, ANNOUNCEMENTS.c.go_live_at, PRODUCTS.c.name)
        .select_from(ANNOUNCEMENTS.join(PRODUCTS, PRODUCTS.c.id == ANNOUNCEMENTS.c.product_id))
        .where(ANNOUNCEMENTS.c.id == announcement_id))).first()
    if row is None or row.kind != str(rules.Kind.SOON) or row.status not in (SCHEDULED, LIVE):
        raise rules.NoSuchAnnouncement()
    if row.status == LIVE:
        raise rules.AlreadyLive(name=row.name)
    inserted = await session.execute(insert_for(session, REMINDERS).values(
        announcement_id=announcement_id, user_id=user_id, active=True, query_id=query_id, created_at=now,
        changed_at=now).on_conflict_do_nothing(index_elements=["announcement_id", "user_id"]))
    mine = and_(REMINDERS.c.announcement_id == announcement_id, REMINDERS.c.user_id == user_id)
    if not rowcount(inserted):
        if toggle:
            same_tap = REMINDERS.c.query_id == query_id if query_id is not None else false()
            await session.execute(update(REMINDERS).where(mine, or_(REMINDERS.c.query_id.is_(None), not_(same_tap)))
                                  .values(active=not_(REMINDERS.c.active), query_id=query_id, changed_at=now))
        else:
            await session.execute(update(REMINDERS).where(mine, REMINDERS.c.active == false())
                                  .values(active=True, changed_at=now))
    active = bool((await session.execute(select(REMINDERS.c.active).where(mine))).scalar_one())
    return Reminder(announcement_id, active, row.go_live_at, row.name)


# ---- "🔔 Notify me": the waitlist --------------------------------------------------------------------

@dataclass(frozen=True)
class Joined:
    product_id: int
    name: str
    place: int  # in line (1: first)
    new: bool  # False: they were waiting already


async def _open_reservations(session: AsyncSession, product_id: int) -> int:
    query = select(func.count()).select_from(RESERVATIONS).where(
        RESERVATIONS.c.product_id == product_id, RESERVATIONS.c.status == OPEN)
    return int((await session.execute(query)).scalar_one())


async def join_waitlist(session: AsyncSession, product_id: int, user_id: int, now: datetime) -> Joined:
    """Join the line for a sold-out item, once (a second tap tells the place). Raises
    :class:`rules.NoSuchProduct` or :class:`rules.InStock` (units are for sale and none are held).
    On PostgreSQL the product's row is locked first: a restock under way (which updates it) ends before
    this reads the stock, so nobody joins the line of an item already back in stock."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(select(PRODUCTS.c.id).where(PRODUCTS.c.id == product_id).with_for_update())
    item = await catalogue.by_id(session, product_id)
    if item is None or catalogue.is_archived(item):
        raise rules.NoSuchProduct(sku=str(product_id))
    if (item.stock is None or item.stock > 0) and not await _open_reservations(session, product_id):
        raise rules.InStock(name=item.name)
    inserted = await session.execute(insert_for(session, WAITLIST).values(
        product_id=product_id, user_id=user_id, joined_at=now).on_conflict_do_nothing(
        index_elements=["product_id", "user_id"]))
    mine = (await session.execute(select(WAITLIST.c.id).where(
        WAITLIST.c.product_id == product_id, WAITLIST.c.user_id == user_id))).scalar_one()
    place = (await session.execute(select(func.count()).select_from(WAITLIST).where(
        WAITLIST.c.product_id == product_id, WAITLIST.c.id <= mine))).scalar_one()
    return Joined(product_id, item.name, int(place), bool(rowcount(inserted)))


async def waiting(session: AsyncSession, product_id: int) -> list[int]:
    """The members waiting for ``product_id``, in the order they joined."""
    return [int(u) for u in (await session.execute(select(WAITLIST.c.user_id).where(
        WAITLIST.c.product_id == product_id).order_by(WAITLIST.c.id))).scalars()]


# ---- restock and fair allocation ---------------------------------------------------------------------

async def _restock_created(session: AsyncSession, announcement_id: int, item: Product, groups: Sequence[GroupTarget],
                           reserve: timedelta | None, now: datetime) -> Created:
    await session.execute(update(ANNOUNCEMENTS).where(ANNOUNCEMENTS.c.id == announcement_id)
                          .values(status=LIVE, live_at=now, units=item.stock))
    broadcast_id, restocked = await _restock(session, announcement_id, item, groups, reserve, now)
    return Created(announcement_id, True, str(rules.Kind.RESTOCK), item, now, False, tuple(groups), broadcast_id,
                   restocked=restocked)


async def _restock(session: AsyncSession, announcement_id: int, item: Product, groups: Sequence[GroupTarget],
                   reserve: timedelta | None, now: datetime) -> tuple[int | None, Restocked]:
    """Post in the groups and tell the waitlist in join order: with ``reserve``, the first N (N = the
    units) get a reservation each and the others their place in line; without, everyone is told and
    leaves the line."""
    assert item.id is not None
    line = await waiting(session, item.id)
    allocation = rules.allocate(line, item.stock, reserve is not None)
    args = item_args(item.id, item.sku, announcement_id, units=item.stock, waiting=len(line),
                     reserve_s=None if reserve is None else int(reserve.total_seconds()))
    broadcast_id: int | None = None
    if groups:
        broadcast_id = (await plan(session, kind=RESTOCK, args=args, targets=[Target(g.chat_id, False) for g in groups],
                                   at=now, now=now, source=source(announcement_id, "post"))).broadcast_id
    if allocation.reserved:
        assert reserve is not None
        targets = []
        for user_id, slot in allocation.reserved:
            reservation = await _reserve(session, announcement_id, item.id, slot, 1, user_id, now, now + reserve)
            assert reservation is not None  # a fresh restock: nobody has one yet
            targets.append(Target(user_id, True, seq=slot, args=reservation.args()))
        await plan(session, kind=RESERVED, args=args, targets=targets, at=now, now=now,
                   source=source(announcement_id, "reserve"), capped=False, quiet=False)
    if allocation.told:
        offset, held = len(allocation.reserved), reserve is not None
        await plan(session, kind=NOTICE, args=args, at=now, now=now, source=source(announcement_id, "notice"),
                   targets=[Target(uid, True, seq=offset + place, args={"place": place, "reserved": held})
                            for uid, place in allocation.told], capped=False, quiet=False)
    leaving = [uid for uid, _slot in allocation.reserved] + ([] if reserve is not None else
                                                             [uid for uid, _place in allocation.told])
    await _leave(session, item.id, leaving)
    return broadcast_id, Restocked(item.stock, len(line), len(allocation.reserved), len(allocation.told), reserve)


async def _leave(session: AsyncSession, product_id: int, user_ids: Iterable[int]) -> None:
    users = list(user_ids)
    for start in range(0, len(users), _CHUNK):
        await session.execute(delete(WAITLIST).where(WAITLIST.c.product_id == product_id,
                                                     WAITLIST.c.user_id.in_(users[start:start + _CHUNK])))


@dataclass(frozen=True)
class Held:
    """A reservation as its private message shows it."""

    id: int
    code: str
    expires_at: datetime
    slot: int
    user_id: int

    def args(self) -> dict[str, Any]:
        return {"reservation_id": self.id, "code": self.code, "expires_at": self.expires_at.isoformat()}


async def _reserve(session: AsyncSession, announcement_id: int, product_id: int, slot: int, gen: int, user_id: int,
                   now: datetime, expires_at: datetime) -> Held | None:
    """Insert a reservation with a fresh code (a colliding code is drawn again). None when the unique
    constraints say this member already had one in this restock, or this slot's generation exists."""
    for _try in range(_CODE_TRIES):
        code = rules.new_code(secrets)
        clash = (await session.execute(select(RESERVATIONS.c.id).where(RESERVATIONS.c.code == code))).first()
        if clash is not None:
            continue
        try:
            async with session.begin_nested():
                reservation_id = (await session.execute(RESERVATIONS.insert().values(
                    announcement_id=announcement_id, product_id=product_id, slot=slot, gen=gen, user_id=user_id,
                    code=code, status=OPEN, created_at=now, expires_at=expires_at,
                ).returning(RESERVATIONS.c.id))).scalar_one()
        except IntegrityError:
            if (await session.execute(select(RESERVATIONS.c.id).where(RESERVATIONS.c.code == code))).first():
                continue  # a code drawn twice at the same moment: draw again
            return None
        return Held(int(reservation_id), code, expires_at, slot, user_id)
    raise RuntimeError("could not draw a unique reservation code")


@dataclass(frozen=True)
class Passed:
    reservation_id: int  # the one that expired
    to: Held | None  # the reservation it became (None: nobody was waiting)


async def expire(session: AsyncSession, reservation_id: int, now: datetime) -> Passed | None:
    """Expire an unclaimed reservation whose time is up and pass its unit to the next in line (a new
    code, a new private message) — once (None: claimed, expired already, or not due)."""
    claimed = await session.execute(update(RESERVATIONS).where(
        RESERVATIONS.c.id == reservation_id, RESERVATIONS.c.status == OPEN, RESERVATIONS.c.expires_at <= now,
    ).values(status=EXPIRED))
    if not rowcount(claimed):
        return None
    old = (await session.execute(select(RESERVATIONS).where(RESERVATIONS.c.id == reservation_id))).one()
    ann = await get(session, old.announcement_id)
    assert ann is not None and ann.reserve_s is not None
    expires_at = now + timedelta(seconds=ann.reserve_s)
    for _attempt in range(_PASS_TRIES):
        had = set((await session.execute(select(RESERVATIONS.c.user_id).where(
            RESERVATIONS.c.announcement_id == old.announcement_id))).scalars())
        user_id = rules.next_in_line(await waiting(session, old.product_id), had)
        if user_id is None:
            return Passed(reservation_id, None)
        held = await _reserve(session, old.announcement_id, old.product_id, old.slot, old.gen + 1, user_id, now,
                              expires_at)
        if held is None:  # they got one from another expiry at this moment: the next one, then
            continue
        await _leave(session, old.product_id, [user_id])
        args = item_args(old.product_id, ann.sku, old.announcement_id, units=ann.units, reserve_s=ann.reserve_s,
                         passed=True)
        await plan(session, kind=RESERVED, args=args, targets=[Target(user_id, True, args=held.args())], at=now,
                   now=now, source=source(old.announcement_id, f"pass:{held.id}"), capped=False, quiet=False)
        return Passed(reservation_id, held)
    return Passed(reservation_id, None)  # everyone in line got one from a concurrent pass meanwhile


async def due_reservations(session: AsyncSession, now: datetime) -> list[int]:
    return [int(i) for i in (await session.execute(select(RESERVATIONS.c.id).where(
        RESERVATIONS.c.status == OPEN, RESERVATIONS.c.expires_at <= now).order_by(RESERVATIONS.c.id))).scalars()]


async def open_reservations(session: AsyncSession) -> list[tuple[int, datetime]]:
    rows = (await session.execute(select(RESERVATIONS.c.id, RESERVATIONS.c.expires_at).where(
        RESERVATIONS.c.status == OPEN))).all()
    return [(int(r.id), r.expires_at) for r in rows]


@dataclass(frozen=True)
class Claimed:
    reservation_id: int
    code: str
    user_id: int
    name: str
    sku: str
    link: str | None
    stock: int | None  # left after this claim


async def claim(session: AsyncSession, *, now: datetime, by: int, code: str | None = None,
                reservation_id: int | None = None, user_id: int | None = None) -> Claimed:
    """Claim a reservation (by its code, or by id for its own member ``user_id``): it becomes the
    member's and takes one unit by a conditional update. Raises an :class:`rules.AnnounceRefused`
    (nothing written): unknown (or someone else's), claimed already, expired, or no unit left."""
    query = select(RESERVATIONS)
    query = query.where(RESERVATIONS.c.code == code) if code is not None else \
        query.where(RESERVATIONS.c.id == reservation_id)
    row = (await session.execute(query)).first()
    if row is None or (user_id is not None and row.user_id != user_id):
        raise rules.NoSuchReservation()
    if row.status == CLAIMED:
        raise rules.AlreadyClaimed(code=rules.format_code(row.code))
    if row.status == EXPIRED or now >= row.expires_at:
        raise rules.ReservationExpired(code=rules.format_code(row.code))
    async with session.begin_nested():
        taken = await session.execute(update(RESERVATIONS).where(
            RESERVATIONS.c.id == row.id, RESERVATIONS.c.status == OPEN, RESERVATIONS.c.expires_at > now,
        ).values(status=CLAIMED, claimed_at=now, claimed_by=by))
        if not rowcount(taken):  # claimed or expired by a concurrent transaction since we read it
            raise rules.AlreadyClaimed(code=rules.format_code(row.code))
        unit = await session.execute(update(PRODUCTS).where(
            PRODUCTS.c.id == row.product_id, or_(PRODUCTS.c.stock.is_(None), PRODUCTS.c.stock > 0),
        ).values(stock=PRODUCTS.c.stock - 1, updated_at=now))
        if not rowcount(unit):
            raise rules.NoUnitLeft(code=rules.format_code(row.code))
    item = await catalogue.by_id(session, row.product_id)
    assert item is not None
    return Claimed(int(row.id), row.code, int(row.user_id), item.name, item.sku, item.link, item.stock)


# ---- /stock ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StockSet:
    item: Product  # as it is after the change
    before: int | None
    after: int
    restock: Created | None = None


async def set_stock(session: AsyncSession, spec: rules.StockSpec, *, actor_id: int, source_key: str,
                    now: datetime) -> StockSet:
    """Set an item's stock (compare-and-set on the value read: a concurrent change is refused, not
    overwritten). Raising it from 0 announces a restock (``spec.labels``, ``spec.reserve``)."""
    item = await _live_product(session, spec.sku)
    before = item.stock
    if (spec.reserve is not None or spec.labels is not None) and not (before == 0 and spec.stock > 0):
        raise rules.StockOptionsUnused(sku=item.sku, stock="—" if before is None else before)
    same = PRODUCTS.c.stock.is_(None) if before is None else PRODUCTS.c.stock == before
    changed = await session.execute(update(PRODUCTS).where(PRODUCTS.c.id == item.id, same)
                                    .values(stock=spec.stock, updated_at=now))
    if not rowcount(changed):
        raise rules.StockChanged(sku=item.sku)
    item.stock = spec.stock  # a detached value: what the update wrote
    if before == 0 and spec.stock > 0:
        existing = (await session.execute(
            select(ANNOUNCEMENTS.c.id).where(ANNOUNCEMENTS.c.source_key == source_key))).scalar()
        if existing is not None:
            return StockSet(item, before, spec.stock, Created(int(existing), new=False))
        groups = await groups_for(session, spec.labels)
        announcement_id = await _insert(session, rules.Kind.RESTOCK, item, spec.labels, now, False, spec.reserve,
                                        actor_id, source_key, now, units=spec.stock, status=LIVE)
        created = await _restock_created(session, announcement_id, item, groups, spec.reserve, now)
        return StockSet(item, before, spec.stock, created)
    return StockSet(item, before, spec.stock)


async def announce_imported(session: AsyncSession, product_ids: Sequence[int], *, actor_id: int, source_key: str,
                            now: datetime) -> list[Created]:
    """Announce the restock of each product a catalogue import brought back from sold out
    (``catalogue.Imported.restocked``), as ``/stock`` does for one: a post in every active group and
    the waitlist told in the order they joined, planned in the import's transaction (the whole file or
    nothing). ``source_key`` names the import; each restock's key adds its product."""
    groups = await groups_for(session, None)
    created: list[Created] = []
    for product_id in product_ids:
        item = await catalogue.by_id(session, product_id)
        assert item is not None and item.stock is not None
        announcement_id = await _insert(session, rules.Kind.RESTOCK, item, None, now, False, None, actor_id,
                                        f"{source_key}:{product_id}", now, units=item.stock, status=LIVE)
        created.append(await _restock_created(session, announcement_id, item, groups, None, now))
    return created


# ---- regulars doctor ----------------------------------------------------------------------------------

async def accounting(session: AsyncSession) -> list[str]:
    """What ``regulars doctor`` checks, with SQL aggregates: no restock slot held twice at once, no
    restock with more claims than units, and every launch reward paid exactly the vote's ``launch``
    to a member who chose an option naming a live item."""
    problems: list[str] = []
    held = (await session.execute(
        select(RESERVATIONS.c.announcement_id, RESERVATIONS.c.slot, func.count().label("n"))
        .where(RESERVATIONS.c.status.in_([OPEN, CLAIMED]))
        .group_by(RESERVATIONS.c.announcement_id, RESERVATIONS.c.slot).having(func.count() > 1))).all()
    problems += [f"announcement {r.announcement_id}: slot {r.slot} held by {r.n} reservations" for r in held]
    claimed = (await session.execute(
        select(ANNOUNCEMENTS.c.id, ANNOUNCEMENTS.c.units, func.count(RESERVATIONS.c.id).label("n"))
        .select_from(ANNOUNCEMENTS.join(RESERVATIONS, RESERVATIONS.c.announcement_id == ANNOUNCEMENTS.c.id))
        .where(RESERVATIONS.c.status == CLAIMED).group_by(ANNOUNCEMENTS.c.id, ANNOUNCEMENTS.c.units))).all()
    problems += [f"announcement {r.id}: {r.n} reservations claimed for {r.units} units" for r in claimed
                 if r.units is None or r.n > r.units]
    vote_ref = literal("vote:") + cast(VOTES.c.id, String)
    chose = select(CHOICES.c.user_id).select_from(CHOICES.join(OPTIONS, and_(
        OPTIONS.c.vote_id == CHOICES.c.vote_id, OPTIONS.c.no == CHOICES.c.option_no))).where(
        CHOICES.c.vote_id == VOTES.c.id, CHOICES.c.user_id == LEDGER.c.user_id,
        func.upper(OPTIONS.c.sku).in_(select(ANNOUNCEMENTS.c.sku).where(ANNOUNCEMENTS.c.status == LIVE)))
    wrong = (await session.execute(
        select(LEDGER.c.id, LEDGER.c.user_id, LEDGER.c.amount, LEDGER.c.ref)
        .select_from(LEDGER.outerjoin(VOTES, LEDGER.c.ref == vote_ref))
        .where(LEDGER.c.reason == str(Reason.LAUNCH),
               or_(VOTES.c.id.is_(None), LEDGER.c.amount != VOTES.c.launch, ~chose.exists())).limit(100))).all()
    problems += [f"ledger entry {r.id}: launch reward {r.amount} to {r.user_id} for {r.ref} does not match the vote"
                 for r in wrong]
    return problems
