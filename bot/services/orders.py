"""Imported orders and linking them to customers (/bind)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import BindFailure, Order, OrderItem, OrderTotals
from bot.services import catalogue, purchases
from bot.services.sql import insert_for, rowcount
from games.errors import BindNotFound, BindRateLimited, BindTaken
from games.gate import BIND_MAX_FAILURES, BIND_WINDOW, bind_allowed, normalize_check
from games.orders import OrderRow
from games.purchases import PAID, REFUNDED

ORDERS = Order.__table__  # type: ignore[attr-defined]
FAILURES = BindFailure.__table__  # type: ignore[attr-defined]
TOTALS = OrderTotals.__table__  # type: ignore[attr-defined]
ITEMS = OrderItem.__table__  # type: ignore[attr-defined]
CHUNK = 500


def check_hash(order_id: str, check: str) -> str:
    """Only a salted hash of the check value is stored (the order id is the salt)."""
    return hashlib.sha256(f"{order_id}\x00{normalize_check(check)}".encode()).hexdigest()


@dataclass(frozen=True)
class ImportResult:
    new: int
    updated: int
    earned: int = 0  # linked orders that earned purchase points now
    refunded: int = 0  # orders that became refunded now
    taken_back: int = 0  # points taken back (or owed) for them
    refunds: tuple[purchases.Refunded, ...] = ()  # the orders refunded now (their members are told)
    with_skus: int = 0  # orders whose line had a SKU cell (their items were replaced by it)
    items: int = 0  # (order, SKU) pairs those lines hold
    unknown_skus: tuple[str, ...] = ()  # SKUs of those lines the catalogue does not have (kept all the same)


def import_details(result: ImportResult) -> str:
    """An import, for the audit log."""
    details = f"new={result.new} updated={result.updated}"
    if result.earned or result.refunded:
        details += f" earned={result.earned} refunded={result.refunded} taken_back={result.taken_back}"
    if result.with_skus:
        details += f" items={result.items} unknown_skus={len(result.unknown_skus)}"
    return details


async def import_rows(session: AsyncSession, rows: list[OrderRow], now: datetime,
                      currency: str | None = None) -> ImportResult:
    """Insert new orders and refresh known ones (amount, currency, time, check); a binding is kept.
    Rows marked refunded turn their orders refunded (once: a refund is final) and take back the
    points they earned. With ``currency`` (the shop's), linked orders that have not earned purchase
    points earn them now. Runs in the caller's transaction: the whole file or nothing."""
    ids = [r.order_id for r in rows]
    known: set[str] = set()
    buyers: set[int] = set()  # customers whose bound orders this file may change
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for order_id, user_id in (await session.execute(
            select(ORDERS.c.order_id, ORDERS.c.user_id).where(ORDERS.c.order_id.in_(chunk))
        )).all():
            known.add(order_id)
            if user_id is not None:
                buyers.add(user_id)
    stmt = insert_for(session, ORDERS)
    stmt = stmt.on_conflict_do_update(
        index_elements=["order_id"],
        set_={"amount_cents": stmt.excluded.amount_cents, "currency": stmt.excluded.currency,
              "paid_at": stmt.excluded.paid_at, "check_hash": stmt.excluded.check_hash},
    )
    await session.execute(stmt, [
        {"order_id": r.order_id, "amount_cents": r.amount_cents, "currency": r.currency, "paid_at": r.paid_at,
         "check_hash": check_hash(r.order_id, r.check), "user_id": None, "bound_at": None, "imported_at": now}
        for r in rows
    ])
    await refresh_totals(session, sorted(buyers))
    refunds = await purchases.refund(session, [r.order_id for r in rows if r.status == REFUNDED], now=now)
    earned = 0
    if currency is not None:
        earned = await purchases.earn_linked(session, [r.order_id for r in rows if r.status == PAID],
                                             currency=currency, now=now)
    with_skus, items, unknown = await replace_items(session, rows)
    return ImportResult(new=len(set(ids) - known), updated=len(known), earned=earned, refunded=len(refunds),
                        taken_back=sum(r.points for r in refunds), refunds=tuple(refunds), with_skus=with_skus,
                        items=items, unknown_skus=unknown)


async def replace_items(session: AsyncSession, rows: list[OrderRow]) -> tuple[int, int, tuple[str, ...]]:
    """The SKU column of the orders CSV: each line with a SKU cell says what its order holds, so the
    order's items become exactly those (a re-import of the same file changes nothing; a line without
    the cell leaves the order's items alone). SKUs the catalogue lacks are stored too (it may be
    incomplete) and returned, sorted. Returns (orders, items, unknown SKUs)."""
    listed = [r for r in rows if r.skus is not None]
    if not listed:
        return 0, 0, ()
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start:start + CHUNK]
        await session.execute(delete(ITEMS).where(ITEMS.c.order_id.in_([r.order_id for r in chunk])))
        pairs = [{"order_id": r.order_id, "sku": sku} for r in chunk for sku in r.skus or ()]
        if pairs:
            await session.execute(ITEMS.insert(), pairs)
    skus = {sku for r in listed for sku in r.skus or ()}
    unknown = tuple(sorted(skus - await catalogue.known_skus(session, skus)))
    return len(listed), sum(len(r.skus or ()) for r in listed), unknown


def unknown_list(skus: tuple[str, ...], most: int = 10) -> str:
    """The unknown SKUs of an import for its summary: the first ``most``, then "…"."""
    return ", ".join(skus[:most]) + (", …" if len(skus) > most else "")


async def items_of(session: AsyncSession, order_id: str) -> list[str]:
    """The SKUs stored for an order, sorted."""
    return [str(s) for s in (await session.execute(
        select(ITEMS.c.sku).where(ITEMS.c.order_id == order_id).order_by(ITEMS.c.sku))).scalars().all()]


async def refresh_totals(session: AsyncSession, user_ids: list[int]) -> None:
    """Recompute the order summary (``order_totals``) of ``user_ids`` from their linked orders, in the
    caller's transaction: segments read the summary, so it changes with the orders it sums."""
    for start in range(0, len(user_ids), CHUNK):
        chunk = user_ids[start:start + CHUNK]
        await session.execute(delete(TOTALS).where(TOTALS.c.user_id.in_(chunk)))
        await session.execute(TOTALS.insert().from_select(
            ["user_id", "orders", "last_paid_at"],
            select(ORDERS.c.user_id, func.count(), func.max(ORDERS.c.paid_at))
            .where(ORDERS.c.user_id.in_(chunk)).group_by(ORDERS.c.user_id),
        ))


async def recent_failures(session: AsyncSession, user_id: int, now: datetime) -> int:
    return int((await session.execute(
        select(func.count()).select_from(FAILURES)
        .where(FAILURES.c.user_id == user_id, FAILURES.c.created_at > now - BIND_WINDOW)
    )).scalar_one())


@dataclass(frozen=True)
class Bound:
    order_id: str
    already: bool
    total_cents: int
    currency: str
    points: int = 0  # purchase points the order earned now


async def bind(session: AsyncSession, *, user_id: int, order_id: str, check: str, now: datetime,
               currency: str) -> Bound:
    """Link ``order_id`` to ``user_id`` if ``check`` matches. Wrong checks (and unknown orders) are
    recorded and rate-limited; an order bound to someone else stays theirs."""
    failures = await recent_failures(session, user_id, now)
    if not bind_allowed(failures):
        raise BindRateLimited(minutes=int(BIND_WINDOW.total_seconds() // 60))
    row = (await session.execute(
        select(ORDERS.c.check_hash, ORDERS.c.user_id).where(ORDERS.c.order_id == order_id)
    )).first()
    if row is None or row.check_hash != check_hash(order_id, check):
        await session.execute(FAILURES.insert().values(user_id=user_id, order_id=order_id[:64], created_at=now))
        raise BindNotFound(left=max(BIND_MAX_FAILURES - failures - 1, 0))
    if row.user_id == user_id:
        return Bound(order_id, True, await spend_of(session, user_id, currency), currency)
    if row.user_id is not None:
        raise BindTaken(order_id=order_id)
    claimed = await session.execute(
        update(ORDERS).where(ORDERS.c.order_id == order_id, ORDERS.c.user_id.is_(None))
        .values(user_id=user_id, bound_at=now)
    )
    if not rowcount(claimed):
        raise BindTaken(order_id=order_id)
    await refresh_totals(session, [user_id])
    await session.execute(delete(FAILURES).where(FAILURES.c.user_id == user_id,
                                                 FAILURES.c.created_at < now - BIND_WINDOW))
    points = await purchases.earn(session, order_id, currency=currency, now=now)
    return Bound(order_id, False, await spend_of(session, user_id, currency), currency, points)


async def spend_of(session: AsyncSession, user_id: int, currency: str) -> int:
    """Total, in cents, of the customer's linked orders in the shop's currency (refunded ones do not count)."""
    value = (await session.execute(
        select(func.coalesce(func.sum(ORDERS.c.amount_cents), 0))
        .where(ORDERS.c.user_id == user_id, ORDERS.c.currency == currency, ORDERS.c.status == PAID)
    )).scalar_one()
    return int(value)


async def totals_problems(session: AsyncSession, limit: int = 50) -> list[str]:
    """Where the order summary disagrees with the orders (empty: it agrees), in two SQL queries."""
    truth = (select(ORDERS.c.user_id.label("uid"), func.count().label("n"), func.max(ORDERS.c.paid_at).label("last"))
             .where(ORDERS.c.user_id.is_not(None)).group_by(ORDERS.c.user_id).subquery())
    wrong = (await session.execute(
        select(truth.c.uid, truth.c.n, TOTALS.c.orders)
        .select_from(truth.outerjoin(TOTALS, TOTALS.c.user_id == truth.c.uid))
        .where((TOTALS.c.user_id.is_(None)) | (TOTALS.c.orders != truth.c.n) | (TOTALS.c.last_paid_at != truth.c.last))
        .order_by(truth.c.uid).limit(limit)
    )).all()
    extra = (await session.execute(
        select(TOTALS.c.user_id).select_from(TOTALS.outerjoin(truth, truth.c.uid == TOTALS.c.user_id))
        .where(truth.c.uid.is_(None)).order_by(TOTALS.c.user_id).limit(limit)
    )).scalars().all()
    return ([f"customer {uid}: {n} linked order(s), summary says {summary or 0}" for uid, n, summary in wrong]
            + [f"customer {uid}: a summary but no linked order" for uid in extra])
