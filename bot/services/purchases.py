"""Points for purchases (交易积分): the rate, points for linked orders (once per order), and taking
them back when an order is imported as refunded (once), with the shortfall recorded.

Once per order is the order row's rule: ``points_earned`` is set by a conditional UPDATE
``WHERE points_earned IS NULL AND status = 'paid'``, a refund by ``WHERE status = 'paid'``; the
ledger keys (games/points.py) stand behind both. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import LedgerEntry, Member, Order, PointsRate
from bot.services import ledger
from bot.services import tiers as tier_service
from bot.services.sql import rowcount
from games import purchases as rules
from games.points import Reason, purchase_key, purchase_reversal_key

ORDERS = Order.__table__  # type: ignore[attr-defined]
RATES = PointsRate.__table__  # type: ignore[attr-defined]
LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
MEMBERS = Member.__table__  # type: ignore[attr-defined]


async def current_rate(session: AsyncSession) -> int | None:
    """Points per unit of the shop currency, in hundredths (None: purchase points are off)."""
    return (await session.execute(select(RATES.c.rate).order_by(RATES.c.id.desc()).limit(1))).scalar()


async def set_rate(session: AsyncSession, rate: int | None, *, by: int, now: datetime) -> None:
    await session.execute(RATES.insert().values(rate=rate, set_by=by, set_at=now))


async def earn(session: AsyncSession, order_id: str, *, currency: str, now: datetime) -> int:
    """Pay a linked, paid order's points, once: returns the points paid now (0 if none are due:
    the rate is off, the order is not linked, refunded, in another currency, or already paid)."""
    rate = await current_rate(session)
    if rate is None:
        return 0
    row = (await session.execute(
        select(ORDERS.c.user_id, ORDERS.c.amount_cents, ORDERS.c.currency)
        .where(ORDERS.c.order_id == order_id, ORDERS.c.user_id.is_not(None), ORDERS.c.status == rules.PAID,
               ORDERS.c.points_earned.is_(None))
    )).first()
    if row is None or row.currency != currency:
        return 0
    multiplier = (await tier_service.multipliers_of(session, [row.user_id]))[row.user_id]
    points = rules.order_points(row.amount_cents, rate, multiplier)
    claimed = rowcount(await session.execute(
        update(ORDERS).where(ORDERS.c.order_id == order_id, ORDERS.c.user_id == row.user_id,
                             ORDERS.c.status == rules.PAID, ORDERS.c.points_earned.is_(None))
        .values(points_earned=points, earn_rate=rate, earn_multiplier=multiplier)))
    if not claimed:
        return 0
    if points > 0:
        await ledger.move(session, user_id=row.user_id, amount=points, reason=Reason.PURCHASE,
                          key=purchase_key(order_id), ref=f"order:{order_id}"[:128], now=now)
    return points


async def earn_linked(session: AsyncSession, order_ids: list[str], *, currency: str, now: datetime) -> int:
    """After an import: every linked order among ``order_ids`` that has not earned yet earns now.
    Returns how many orders earned points."""
    if await current_rate(session) is None:
        return 0
    due: list[str] = []
    for start in range(0, len(order_ids), 500):
        due += list((await session.execute(
            select(ORDERS.c.order_id).where(ORDERS.c.order_id.in_(order_ids[start:start + 500]),
                                            ORDERS.c.user_id.is_not(None), ORDERS.c.status == rules.PAID,
                                            ORDERS.c.points_earned.is_(None), ORDERS.c.currency == currency)
        )).scalars())
    earned = 0
    for order_id in sorted(due):
        if await earn(session, order_id, currency=currency, now=now) > 0:
            earned += 1
    return earned


@dataclass(frozen=True)
class Refunded:
    order_id: str
    user_id: int | None
    points: int  # taken back (from the balance, and owed)
    shortfall: int


async def refund(session: AsyncSession, order_ids: list[str], *, now: datetime) -> list[Refunded]:
    """Orders imported as refunded: each becomes refunded once (a refund is final) and the points
    it earned are taken back; what was already spent is recorded as owed."""
    done: list[Refunded] = []
    for order_id in order_ids:
        row = (await session.execute(
            update(ORDERS).where(ORDERS.c.order_id == order_id, ORDERS.c.status == rules.PAID)
            .values(status=rules.REFUNDED, refunded_at=now)
            .returning(ORDERS.c.user_id, ORDERS.c.points_earned)
        )).first()
        if row is None:
            continue
        points = int(row.points_earned or 0)
        if row.user_id is None or points <= 0:
            done.append(Refunded(order_id, row.user_id, 0, 0))
            continue
        result = await ledger.take_back(session, user_id=row.user_id, points=points, reason=Reason.PURCHASE_REVERSAL,
                                        key=purchase_reversal_key(order_id), ref=f"order:{order_id}"[:128], now=now)
        await session.execute(update(ORDERS).where(ORDERS.c.order_id == order_id)
                              .values(points_reversed=points, points_shortfall=result.shortfall))
        done.append(Refunded(order_id, row.user_id, points, result.shortfall))
    return done


# ---- the books ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Totals:
    orders: int  # orders that earned
    earned: int
    reversed: int
    shortfall: int


async def accounting(session: AsyncSession) -> tuple[Totals, list[str]]:
    """Purchase points = the points each earning order's amount, rate and multiplier give
    (games.purchases.order_points) − reversals, in the orders and in the ledger; what members owe
    = shortfalls recorded − recovered. Returns the totals and the problems (empty: all agree)."""
    problems: list[str] = []
    orders = (await session.execute(
        select(ORDERS.c.order_id, ORDERS.c.user_id, ORDERS.c.amount_cents, ORDERS.c.points_earned,
               ORDERS.c.earn_rate, ORDERS.c.earn_multiplier, ORDERS.c.status, ORDERS.c.points_reversed,
               ORDERS.c.points_shortfall).where(ORDERS.c.points_earned.is_not(None))
    )).all()
    entries: dict[str, tuple[int, int]] = {
        key: (int(uid), int(amount)) for key, uid, amount in (await session.execute(
            select(LEDGER.c.idempotency_key, LEDGER.c.user_id, LEDGER.c.amount)
            .where(LEDGER.c.reason.in_([str(Reason.PURCHASE), str(Reason.PURCHASE_REVERSAL)]))
        )).all()}
    earned = reversed_ = shortfall = 0
    matched: set[str] = set()
    for o in orders:
        expected = rules.order_points(o.amount_cents, o.earn_rate or 0, o.earn_multiplier or 0)
        if o.points_earned != expected:
            problems.append(f"order {o.order_id}: earned {o.points_earned} but amount × rate × multiplier "
                            f"gives {expected}")
        key = purchase_key(o.order_id)
        got = entries.get(key)
        if (got[1] if got else 0) != o.points_earned or (got is not None and got[0] != o.user_id):
            problems.append(f"order {o.order_id}: earned {o.points_earned} but the ledger paid "
                            f"{got[1] if got else 0}")
        matched.add(key)
        earned += int(o.points_earned)
        if o.status == rules.REFUNDED and o.points_earned:
            back = entries.get(purchase_reversal_key(o.order_id))
            taken = -(back[1]) if back else 0
            matched.add(purchase_reversal_key(o.order_id))
            if o.points_reversed != o.points_earned or taken + o.points_shortfall != o.points_reversed:
                problems.append(f"order {o.order_id}: refunded; {o.points_earned} earned, {o.points_reversed} "
                                f"reversed = {taken} taken + {o.points_shortfall} owed")
            reversed_ += int(o.points_reversed or 0)
            shortfall += int(o.points_shortfall)
    for key in sorted(set(entries) - matched):
        problems.append(f"ledger entry {key} belongs to no earning order")
    owed = int((await session.execute(select(func.coalesce(func.sum(MEMBERS.c.owed), 0)))).scalar_one())
    recovered = -int((await session.execute(
        select(func.coalesce(func.sum(LEDGER.c.amount), 0)).where(LEDGER.c.reason == str(Reason.RECOVERY))
    )).scalar_one())
    if owed != shortfall - recovered:
        problems.append(f"members owe {owed} but shortfalls {shortfall} − recovered {recovered} = "
                        f"{shortfall - recovered}")
    return Totals(len(orders), earned, reversed_, shortfall), problems
