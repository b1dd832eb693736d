"""Segments over the shop's customers: the facts come from SQL, the rules from ``games.segments``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import false, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Order, Streak, User, UserTag, UTCDateTime
from games import segments
from games.segments import Expr, Facts

USERS = User.__table__  # type: ignore[attr-defined]
ORDERS = Order.__table__  # type: ignore[attr-defined]
STREAKS = Streak.__table__  # type: ignore[attr-defined]
TAGS = UserTag.__table__  # type: ignore[attr-defined]


async def facts(session: AsyncSession, user_id: int | None = None, *, with_tags: bool = True) -> list[Facts]:
    """One :class:`Facts` per known (non-bot) user, or for ``user_id`` only."""
    orders = (
        select(ORDERS.c.user_id.label("uid"), func.count().label("n"),
               type_coerce(func.max(ORDERS.c.paid_at), UTCDateTime()).label("last_paid"))
        .where(ORDERS.c.user_id.is_not(None)).group_by(ORDERS.c.user_id).subquery()
    )
    stmt = (
        select(USERS.c.id, USERS.c.first_seen_at, orders.c.n, orders.c.last_paid, STREAKS.c.last_checkin_day)
        .select_from(USERS.outerjoin(orders, orders.c.uid == USERS.c.id)
                     .outerjoin(STREAKS, STREAKS.c.user_id == USERS.c.id))
        .where(USERS.c.is_bot == false())
        .order_by(USERS.c.id)
    )
    tag_stmt = select(TAGS.c.user_id, TAGS.c.tag)
    if user_id is not None:
        stmt = stmt.where(USERS.c.id == user_id)
        tag_stmt = tag_stmt.where(TAGS.c.user_id == user_id)
    tags: dict[int, set[str]] = {}
    if with_tags:
        for uid, tag in (await session.execute(tag_stmt)).all():
            tags.setdefault(uid, set()).add(tag)
    return [
        Facts(user_id=uid, first_seen_at=first_seen, orders=int(n or 0), last_paid_at=last_paid,
              last_checkin_day=last_day, tags=frozenset(tags.get(uid, ())))
        for uid, first_seen, n, last_paid, last_day in (await session.execute(stmt)).all()
    ]


@dataclass(frozen=True)
class SegmentResult:
    count: int
    sample: list[tuple[int, str]]


async def contains(session: AsyncSession, expr: Expr, user_id: int, now: datetime, today: date) -> bool:
    rows = await facts(session, user_id, with_tags=bool(segments.tags_in(expr)))
    if not rows:
        rows = [Facts(user_id=user_id, first_seen_at=now)]
    return segments.evaluate(expr, rows[0], now, today)


async def members_of(session: AsyncSession, expr: Expr, now: datetime, today: date) -> list[int]:
    rows = await facts(session, with_tags=bool(segments.tags_in(expr)))
    return [f.user_id for f in rows if segments.evaluate(expr, f, now, today)]


async def summary(session: AsyncSession, expr: Expr, now: datetime, today: date, sample: int = 10) -> SegmentResult:
    ids = await members_of(session, expr, now, today)
    names: list[tuple[int, str]] = []
    if ids:
        chosen = ids[:sample]
        found: dict[int, str] = dict((await session.execute(
            select(USERS.c.id, USERS.c.first_name).where(USERS.c.id.in_(chosen))
        )).all())
        names = [(uid, found.get(uid, str(uid))) for uid in chosen]
    return SegmentResult(len(ids), names)
