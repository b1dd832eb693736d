"""Recurring posts, segment campaigns, promotion opt-outs and repurchase reminders: planning only.

Everything here plans broadcasts (``bot/services/broadcasts.plan``) in the caller's transaction;
the broadcast engine sends them, holding private deliveries planned ``capped``/``quiet`` back for
the frequency cap and quiet hours and skipping members who opted out.

- A recurring post's run plans one broadcast to its groups, source ``schedule:<id>:<run local
  ISO>``: a job that fires twice for the same run plans once.
- A campaign's recipients are the segment (one SQL query, ``bot/services/segments.py``) ∩ members
  with a contact (they started the bot) that is not blocked and not opted out; the deliveries are
  inserted by one ``INSERT … SELECT``, never one Python object per member.
- A repurchase reminder is planned once per order (source ``repurchase:<order_id>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Boolean, Integer, and_, exists, false, func, literal, or_, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.db.models import (
    Broadcast,
    Contact,
    Delivery,
    Group,
    Order,
    OrderItem,
    Product,
    RecurringPost,
    UTCDateTime,
)
from bot.services.broadcasts import Planned, Target, plan
from bot.services.segments import CUSTOMERS, USERS, clause
from bot.services.sql import insert_for, rowcount
from games import campaigns as rules
from games.campaigns import NewPost, Recurrence
from games.segments import Expr

__all__ = [
    "CAMPAIGN",
    "RECURRING",
    "REPURCHASE",
    "CampaignPlan",
    "Due",
    "Upcoming",
    "add_post",
    "due_reminders",
    "get_post",
    "labels_of",
    "plan_campaign",
    "plan_reminders",
    "posts",
    "promos_off",
    "recurrence_of",
    "reminder_source",
    "run_post",
    "run_source",
    "set_post_status",
    "set_promos",
    "upcoming",
]

# Broadcast kinds (their renderers are in bot/views/campaigns.py).
RECURRING = "recurring"
CAMPAIGN = "campaign"
REPURCHASE = "repurchase"

ACTIVE, PAUSED, CANCELLED = "active", "paused", "cancelled"
CONTACTS = Contact.__table__  # type: ignore[attr-defined]
DELIVERIES = Delivery.__table__  # type: ignore[attr-defined]
ORDERS = Order.__table__  # type: ignore[attr-defined]
ITEMS = OrderItem.__table__  # type: ignore[attr-defined]
PRODUCTS = Product.__table__  # type: ignore[attr-defined]
BROADCASTS = Broadcast.__table__  # type: ignore[attr-defined]
MAX_LISTED = 30  # scheduled broadcasts shown by /schedule
REMINDERS_PER_SWEEP = 500


# ---- recurring posts ------------------------------------------------------------------------------

def recurrence_of(post: RecurringPost) -> Recurrence:
    hours, minutes = post.at_time.split(":")
    return Recurrence(time(int(hours), int(minutes)), post.weekday, post.best)


def labels_of(post: RecurringPost) -> tuple[str, ...]:
    return tuple(label for label in post.labels.split(",") if label)


async def add_post(session: AsyncSession, new: NewPost, by: int, now: datetime) -> int:
    row = RecurringPost(weekday=new.recurrence.weekday, at_time=new.recurrence.at.strftime("%H:%M"),
                        best=new.recurrence.best, text=new.text, labels=",".join(new.labels), status=ACTIVE,
                        created_by=by, created_at=now)
    session.add(row)
    await session.flush()
    assert row.id is not None
    return row.id


async def get_post(session: AsyncSession, post_id: int) -> RecurringPost | None:
    return await session.get(RecurringPost, post_id)


async def posts(session: AsyncSession, *, active_only: bool = False) -> list[RecurringPost]:
    """The posts not cancelled (``active_only``: not paused either), oldest first."""
    statuses = (ACTIVE,) if active_only else (ACTIVE, PAUSED)
    query = select(RecurringPost).where(col(RecurringPost.status).in_(statuses)).order_by(col(RecurringPost.id))
    return list((await session.execute(query)).scalars())


async def set_post_status(session: AsyncSession, post_id: int, action: str) -> str | None:
    """``pause``, ``resume`` or ``cancel`` a post: ``"done"``, ``"same"`` (it already was) or None
    (no such post, or cancelled). A conditional update: two staff at once change it once."""
    current = (await session.execute(select(col(RecurringPost.status)).where(col(RecurringPost.id) == post_id))
               ).scalar()
    if current is None or current == CANCELLED:
        return None
    target, sources = {"pause": (PAUSED, (ACTIVE,)), "resume": (ACTIVE, (PAUSED,)),
                       "cancel": (CANCELLED, (ACTIVE, PAUSED))}[action]
    changed = rowcount(await session.execute(
        update(RecurringPost).where(col(RecurringPost.id) == post_id, col(RecurringPost.status).in_(sources))
        .values(status=target)))
    return "done" if changed else "same"


async def unknown_labels(session: AsyncSession, labels: tuple[str, ...]) -> list[str]:
    """Which of ``labels`` no active group has (a typo would make a post that reaches nobody)."""
    if not labels:
        return []
    known = set((await session.execute(select(col(Group.label)).where(
        col(Group.active) == True, col(Group.label).in_(labels)))).scalars())  # noqa: E712 - SQL
    return [label for label in labels if label not in known]


def run_source(post_id: int, run_local: datetime) -> str:
    return f"schedule:{post_id}:{run_local.strftime('%Y-%m-%dT%H:%M')}"


async def run_post(session: AsyncSession, post_id: int, run_local: datetime, now: datetime) -> Planned | None:
    """Plan the run of ``post_id`` due at ``run_local`` (a local time): one broadcast to the active
    groups it names, once per run whoever asks. None: the post is paused, cancelled or gone, or the
    run is from before the post was made (a catch-up at start-up never posts a run it was not made for)."""
    post = await session.get(RecurringPost, post_id)
    if post is None or post.status != ACTIVE or run_local < post.created_at:
        return None
    query = select(col(Group.chat_id)).where(col(Group.active) == True)  # noqa: E712 - SQL
    labels = labels_of(post)
    if labels:
        query = query.where(col(Group.label).in_(labels))
    chats = list((await session.execute(query.order_by(col(Group.chat_id)))).scalars())
    return await plan(session, kind=RECURRING, args={"text": post.text, "post": post_id},
                      targets=[Target(chat_id, private=False) for chat_id in chats], at=now, now=now,
                      source=run_source(post_id, run_local), created_by=post.created_by)


@dataclass(frozen=True)
class Upcoming:
    """A broadcast with deliveries still planned in the future."""

    broadcast_id: int
    kind: str
    source: str | None
    next_at: datetime
    planned: int


async def upcoming(session: AsyncSession, now: datetime, limit: int = MAX_LISTED) -> tuple[list[Upcoming], int]:
    """Every active broadcast (announcements, campaigns, reminders…) with planned deliveries due after
    ``now``, soonest first (the first ``limit``), and how many there are in all."""
    next_at = type_coerce(func.min(DELIVERIES.c.not_before), UTCDateTime())
    query = (
        select(BROADCASTS.c.id, BROADCASTS.c.kind, BROADCASTS.c.source, next_at.label("next_at"),
               func.count().label("planned"), func.count().over().label("total"))
        .select_from(BROADCASTS.join(DELIVERIES, DELIVERIES.c.broadcast_id == BROADCASTS.c.id))
        .where(BROADCASTS.c.status == "active", DELIVERIES.c.state == "planned", DELIVERIES.c.not_before > now)
        .group_by(BROADCASTS.c.id, BROADCASTS.c.kind, BROADCASTS.c.source)
        .order_by(next_at, BROADCASTS.c.id).limit(limit)
    )
    rows = (await session.execute(query)).all()
    found = [Upcoming(int(r.id), r.kind, r.source, r.next_at,
                      int(r.planned)) for r in rows]
    return found, int(rows[0].total) if rows else 0


# ---- campaigns ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CampaignPlan:
    broadcast_ids: tuple[int, ...]
    created: bool  # False: this command was planned before (a redelivered update)
    recipients: int  # deliveries planned (per broadcast)
    opted_out: int  # segment members with a contact who opted out of promotions (not planned)
    unreachable: int  # segment members who never started the bot, or blocked it


def _reachable(expr: Expr, now: datetime, today: date) -> Any:
    """Segment members who started the bot and have not blocked it."""
    return (USERS.c.is_bot == false(), clause(expr, now, today), CONTACTS.c.blocked_at.is_(None))


async def plan_campaign(
    session: AsyncSession, *, expr: Expr, segment: str, texts: Sequence[str], first_at: datetime,
    after: timedelta, now: datetime, today: date, source: str, created_by: int,
) -> CampaignPlan:
    """Plan a campaign (one text) or a wake-up (two texts, the second ``after`` the first) to the
    reachable members of the segment who have not opted out: private, capped and quiet. Idempotent
    by ``source`` (the staff message that asked)."""
    joined = CUSTOMERS.join(CONTACTS, CONTACTS.c.user_id == USERS.c.id)
    counts = (await session.execute(
        select(func.count().label("reachable"),
               func.count(CONTACTS.c.promos_off_at).label("opted_out"))
        .select_from(joined).where(*_reachable(expr, now, today))
    )).one()
    members = (await session.execute(
        select(func.count()).select_from(CUSTOMERS).where(USERS.c.is_bot == false(), clause(expr, now, today))
    )).scalar_one()
    times = rules.wakeup_times(first_at, after) if len(texts) == 2 else (first_at,)
    ids: list[int] = []
    created = False
    recipients = 0
    for step, (text, at) in enumerate(zip(texts, times, strict=True), start=1):
        step_source = source if len(texts) == 1 else f"{source}:{step}"
        args = {"text": text, "segment": segment, "step": step, "steps": len(texts)}
        planned = await plan(session, kind=CAMPAIGN, args=args, targets=(), at=at, now=now, source=step_source,
                             created_by=created_by, capped=True, quiet=True)
        ids.append(planned.broadcast_id)
        if planned.created:
            created = True
            recipients = await _insert_recipients(session, planned.broadcast_id, expr, at, now, today)
        else:
            recipients = await _count_deliveries(session, planned.broadcast_id)
    reachable, opted_out = int(counts.reachable), int(counts.opted_out)
    return CampaignPlan(tuple(ids), created, recipients, opted_out, int(members) - reachable)


async def _insert_recipients(session: AsyncSession, broadcast_id: int, expr: Expr, at: datetime, now: datetime,
                             today: date) -> int:
    """One ``INSERT … SELECT``: a planned private delivery per reachable, opted-in segment member."""
    members = (
        select(literal(broadcast_id, Integer()), USERS.c.id, literal(True, Boolean()), literal(0, Integer()),
               literal(True, Boolean()), literal(True, Boolean()), literal("planned"),
               literal(at, UTCDateTime()), literal(0, Integer()))
        .select_from(CUSTOMERS.join(CONTACTS, CONTACTS.c.user_id == USERS.c.id))
        .where(*_reachable(expr, now, today), CONTACTS.c.promos_off_at.is_(None))
    )
    columns = ["broadcast_id", "chat_id", "private", "seq", "capped", "quiet", "state", "not_before", "attempts"]
    statement = insert_for(session, DELIVERIES).from_select(columns, members).on_conflict_do_nothing(
        index_elements=["broadcast_id", "chat_id"])
    await session.execute(statement)
    return await _count_deliveries(session, broadcast_id)


async def _count_deliveries(session: AsyncSession, broadcast_id: int) -> int:
    return int((await session.execute(
        select(func.count()).select_from(DELIVERIES).where(DELIVERIES.c.broadcast_id == broadcast_id))).scalar_one())


# ---- promotions opt-out ---------------------------------------------------------------------------

async def set_promos(session: AsyncSession, user_id: int, *, on: bool, now: datetime) -> bool:
    """Opt ``user_id`` out of promotions (``on=False``) or back in. Whoever writes to the bot in
    private has started it: opting out makes a contact if there is none (opting in without one
    changes nothing: promotions are on by default). False: it already was so."""
    if on:
        return bool(rowcount(await session.execute(
            update(Contact).where(col(Contact.user_id) == user_id, col(Contact.promos_off_at).is_not(None))
            .values(promos_off_at=None))))
    inserted = rowcount(await session.execute(
        insert_for(session, CONTACTS)
        .values(user_id=user_id, started_at=now, promos_off_at=now)
        .on_conflict_do_nothing(index_elements=["user_id"])))
    if inserted:
        return True
    return bool(rowcount(await session.execute(
        update(Contact).where(col(Contact.user_id) == user_id, col(Contact.promos_off_at).is_(None))
        .values(promos_off_at=now))))


async def promos_off(session: AsyncSession, user_id: int) -> bool:
    found = (await session.execute(select(col(Contact.promos_off_at)).where(col(Contact.user_id) == user_id))
             ).scalar()
    return found is not None


# ---- repurchase reminders -------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    order_id: str
    user_id: int
    sku: str


def reminder_source(order_id: str) -> str:
    return f"repurchase:{order_id}"


async def due_reminders(session: AsyncSession, now: datetime, limit: int = REMINDERS_PER_SWEEP) -> list[Due]:
    """Linked, paid (not refunded) orders with an item whose cycle passed since the order was paid
    (at most :data:`games.campaigns.REMIND_LATE` ago), not reminded yet, whose member has a contact
    that is not blocked or opted out and has not bought the same item again since. One query per
    sweep (the cycles are few: one condition each); one row per order (its first such item)."""
    cycles = sorted(int(c) for c in (await session.execute(
        select(PRODUCTS.c.cycle_days).where(PRODUCTS.c.cycle_days.is_not(None), PRODUCTS.c.archived_at.is_(None))
        .distinct())).scalars())
    if not cycles:
        return []
    o, i, p = ORDERS.alias("o"), ITEMS.alias("i"), PRODUCTS.alias("p")
    windows = {days: rules.reminder_window(days, now) for days in cycles}
    due = or_(*(and_(p.c.cycle_days == days, o.c.paid_at > after, o.c.paid_at <= until)
                for days, (after, until) in windows.items()))
    o2, i2 = ORDERS.alias("o2"), ITEMS.alias("i2")
    bought_again = exists().where(
        i2.c.order_id == o2.c.order_id, o2.c.user_id == o.c.user_id, i2.c.sku == i.c.sku,
        o2.c.status == "paid", o2.c.paid_at > o.c.paid_at)
    reminded = exists().where(BROADCASTS.c.source == literal("repurchase:") + o.c.order_id)
    query = (
        select(o.c.order_id, o.c.user_id, func.min(i.c.sku).label("sku"))
        .select_from(o.join(i, i.c.order_id == o.c.order_id).join(p, p.c.sku == i.c.sku)
                     .join(CONTACTS, CONTACTS.c.user_id == o.c.user_id))
        .where(o.c.user_id.is_not(None), o.c.status == "paid", p.c.archived_at.is_(None), due,
               CONTACTS.c.blocked_at.is_(None), CONTACTS.c.promos_off_at.is_(None), ~bought_again, ~reminded)
        .group_by(o.c.order_id, o.c.user_id).order_by(o.c.order_id).limit(limit)
    )
    return [Due(str(r.order_id), int(r.user_id), str(r.sku)) for r in (await session.execute(query)).all()]


async def plan_reminders(session: AsyncSession, now: datetime) -> list[Planned]:
    """Plan one private reminder per due order (capped and quiet), once per order."""
    planned = []
    for item in await due_reminders(session, now):
        result = await plan(session, kind=REPURCHASE, args={"order": item.order_id, "sku": item.sku},
                            targets=[Target(item.user_id, private=True)], at=now, now=now,
                            source=reminder_source(item.order_id), capped=True, quiet=True)
        if result.created:
            planned.append(result)
    return planned

