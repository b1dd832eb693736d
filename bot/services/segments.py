"""Segments over the shop's customers, evaluated in SQL: one query per expression.

The rules are ``games.segments``; :func:`clause` compiles an expression tree to one SQL condition
over indexed per-customer rows — ``users`` (first seen), ``order_totals`` (orders and last payment,
kept by ``bot/services/orders.py`` as orders are bound or re-imported), ``streaks`` (last check-in
day, kept by every check-in) and ``user_tags`` (primary key user + tag, index tag + user). So a
whole-shop segment is one scan of the customers with primary-key joins, and one customer's check
is a handful of primary-key look-ups whatever the size of the shop.

:func:`facts` loads the Python evaluator's inputs straight from the orders (not the summary): it is
the reference the SQL is tested against, and is not used by the bot.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select, true, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Order, OrderTotals, Streak, User, UserTag, UTCDateTime
from games import segments
from games.segments import And, Expr, Facts, Name, Not, Or, Tag

if TYPE_CHECKING:
    from bot.db.engine import Database

USERS = User.__table__  # type: ignore[attr-defined]
ORDERS = Order.__table__  # type: ignore[attr-defined]
TOTALS = OrderTotals.__table__  # type: ignore[attr-defined]
STREAKS = Streak.__table__  # type: ignore[attr-defined]
TAGS = UserTag.__table__  # type: ignore[attr-defined]

CUSTOMERS = USERS.outerjoin(TOTALS, TOTALS.c.user_id == USERS.c.id).outerjoin(STREAKS, STREAKS.c.user_id == USERS.c.id)


def _builtin(name: str, now: datetime, today: date) -> ColumnElement[bool]:
    """The SQL of a built-in name, true or false (never NULL) for every customer, exactly as
    ``games.segments.builtin`` decides it."""
    orders = func.coalesce(TOTALS.c.orders, 0)
    if name == "purchased":
        return orders >= 1
    if name == "never_purchased":
        return orders == 0
    if name == "repeat":
        return orders >= 2
    if name == "new":  # now - first_seen < NEW_DAYS
        seen: ColumnElement[bool] = USERS.c.first_seen_at > now - timedelta(days=segments.NEW_DAYS)
        return seen
    if name == "dormant":  # now - last_paid >= DORMANT_DAYS
        return and_(TOTALS.c.last_paid_at.is_not(None),
                    TOTALS.c.last_paid_at <= now - timedelta(days=segments.DORMANT_DAYS))
    if name == "active":  # (today - last_checkin_day).days < ACTIVE_DAYS
        return and_(STREAKS.c.last_checkin_day.is_not(None),
                    STREAKS.c.last_checkin_day > today - timedelta(days=segments.ACTIVE_DAYS))
    raise ValueError(f"unknown segment {name!r}")


def clause(expr: Expr, now: datetime, today: date, *, one: bool = False) -> ColumnElement[bool]:
    """``expr`` as a condition on a row of ``CUSTOMERS``. Tags become a correlated primary-key
    probe for one customer (``one``) and a semi-join on the tag index for the whole shop."""
    if isinstance(expr, Name):
        return _builtin(expr.name, now, today)
    if isinstance(expr, Tag):
        if one:
            return exists().where(TAGS.c.user_id == USERS.c.id, TAGS.c.tag == expr.tag)
        tagged: ColumnElement[bool] = USERS.c.id.in_(select(TAGS.c.user_id).where(TAGS.c.tag == expr.tag))
        return tagged
    if isinstance(expr, Not):
        return not_(clause(expr.operand, now, today, one=one))
    if isinstance(expr, And):
        return and_(true(), *(clause(e, now, today, one=one) for e in expr.operands))
    if isinstance(expr, Or):
        return or_(false(), *(clause(e, now, today, one=one) for e in expr.operands))
    raise TypeError(f"not a segment expression: {expr!r}")


async def contains(session: AsyncSession, expr: Expr, user_id: int, now: datetime, today: date) -> bool:
    """Whether ``user_id`` is in the segment: one query of primary-key look-ups. Someone the bot
    has never seen counts as new, with no orders, check-ins or tags."""
    found = (await session.execute(
        select(clause(expr, now, today, one=True)).select_from(CUSTOMERS)
        .where(USERS.c.id == user_id, USERS.c.is_bot == false())
    )).first()
    if found is None:
        return segments.evaluate(expr, Facts(user_id=user_id, first_seen_at=now), now, today)
    return bool(found[0])


async def members_among(session: AsyncSession, expr: Expr, user_ids: list[int], now: datetime, today: date
                        ) -> set[int]:
    """Which of ``user_ids`` are in the segment: one query of primary-key look-ups for all of them
    (unknown ids decided as :func:`contains` does)."""
    found: dict[int, bool] = {}
    for start in range(0, len(user_ids), 500):
        chunk = user_ids[start:start + 500]
        found.update((int(uid), bool(ok)) for uid, ok in (await session.execute(
            select(USERS.c.id, clause(expr, now, today, one=True)).select_from(CUSTOMERS)
            .where(USERS.c.id.in_(chunk), USERS.c.is_bot == false())
        )).all())
    stranger = segments.evaluate(expr, Facts(user_id=0, first_seen_at=now), now, today)
    return {uid for uid in user_ids if found.get(uid, stranger)}


_Key = tuple["Database", str, date]


class SegmentChecks:
    """One-member checks that arrive together share a read snapshot and one query.

    While a check of a segment runs, further checks of the same segment (and day) wait and then go
    as one batch (:func:`members_among`), like the group committer does for writes: a stampede of
    taps on a ``for=repeat`` packet, or a burst of join requests, costs a few queries, not one read
    transaction each. A batch is decided at the earliest ``now`` among its checks (they arrived
    within the same few milliseconds)."""

    def __init__(self) -> None:
        # Keyed by database too: each Database (each app, each test) batches on its own.
        self._waiting: dict[_Key, list[tuple[int, datetime, asyncio.Future[bool]]]] = {}
        self._workers: dict[_Key, asyncio.Task[None]] = {}

    async def check(self, db: Database, segment: str, user_id: int, now: datetime, today: date) -> bool:
        key = (db, segment, today)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append((user_id, now, future))
        worker = self._workers.get(key)
        if worker is None or worker.done():
            self._workers[key] = asyncio.create_task(self._work(key), name="segment-checks")
        return await future

    async def _work(self, key: _Key) -> None:
        db, segment, today = key
        try:
            while batch := self._waiting.pop(key, None):
                try:
                    async with db.reader() as session:
                        inside = await members_among(session, segments.parse(segment),
                                                     sorted({uid for uid, _now, _f in batch}),
                                                     min(now for _uid, now, _f in batch), today)
                except Exception as exc:
                    for _uid, _now, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                else:
                    for uid, _now, future in batch:
                        if not future.done():
                            future.set_result(uid in inside)
        finally:
            if self._workers.get(key) is asyncio.current_task():
                del self._workers[key]


CHECKS = SegmentChecks()


async def members_of(session: AsyncSession, expr: Expr, now: datetime, today: date) -> list[int]:
    """The ids of every customer in the segment, in order (one query)."""
    return list((await session.execute(
        select(USERS.c.id).select_from(CUSTOMERS)
        .where(USERS.c.is_bot == false(), clause(expr, now, today)).order_by(USERS.c.id)
    )).scalars())


@dataclass(frozen=True)
class SegmentResult:
    count: int
    sample: list[tuple[int, str]]


async def summary(session: AsyncSession, expr: Expr, now: datetime, today: date, sample: int = 10) -> SegmentResult:
    """How many customers are in the segment and the first ``sample`` of them, in one query (the
    count is a window over the whole result, taken before the limit)."""
    rows = (await session.execute(
        select(USERS.c.id, USERS.c.first_name, func.count().over().label("total"))
        .select_from(CUSTOMERS)
        .where(USERS.c.is_bot == false(), clause(expr, now, today))
        .order_by(USERS.c.id).limit(sample)
    )).all()
    if not rows:
        return SegmentResult(0, [])
    return SegmentResult(int(rows[0].total), [(int(r.id), r.first_name or str(r.id)) for r in rows])


async def facts(session: AsyncSession, user_id: int | None = None) -> list[Facts]:
    """The reference: one :class:`Facts` per known (non-bot) user (or ``user_id`` only), the orders
    summed from the orders themselves. For tests and audits only — it loads every customer."""
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
    for uid, tag in (await session.execute(tag_stmt)).all():
        tags.setdefault(uid, set()).add(tag)
    return [
        Facts(user_id=uid, first_seen_at=first_seen, orders=int(n or 0), last_paid_at=last_paid,
              last_checkin_day=last_day, tags=frozenset(tags.get(uid, ())))
        for uid, first_seen, n, last_paid, last_day in (await session.execute(stmt)).all()
    ]


def reference_members(rows: list[Facts], expr: Expr, now: datetime, today: date) -> list[int]:
    """The Python evaluator over :func:`facts` (the reference the SQL must equal)."""
    return [f.user_id for f in rows if segments.evaluate(expr, f, now, today)]
