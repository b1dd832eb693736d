"""The points ledger: every change of points is an entry, written in the caller's transaction.

The only writer of balances (``members``): single movements (:func:`move`) and bulk credits
(:func:`bulk_credit`, used by the group committer's operations); idempotency keys come from
``games/points.py``.

Two statements per movement, both conditional, so concurrency cannot break the invariants:
the balance moves with ``balance = balance + :amount WHERE balance + :amount >= 0`` and the
entry is inserted under a unique idempotency key. A repeated key returns the first result.

A member may owe points (``members.owed``): purchase points taken back on a refund after they were
spent (:func:`take_back` never takes a balance below zero). The next points they earn (a credit
whose reason is in ``games.points.EARNINGS``) pay it back first: the credit's entry, then a
``recovery`` entry for the part that went to the debt, keyed after the credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.db.models import LedgerEntry, Member, User
from bot.services.sql import insert_for
from games.errors import InsufficientPoints
from games.points import EARNINGS, Reason, recovery_key, validate_amount
from games.purchases import Reversal, recovered, reverse

LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
MEMBERS = Member.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]

# The shop's own account: the budget that staff red packets (and other shop-funded rewards) are
# paid from. Owners top it up with /budget add; like any account it can never go below zero.
SHOP_ACCOUNT = 0


@dataclass(frozen=True)
class Movement:
    entry_id: int
    amount: int
    balance_after: int
    duplicate: bool = False


async def ensure_member(session: AsyncSession, user_id: int, now: datetime) -> None:
    stmt = insert_for(session, MEMBERS).values(user_id=user_id, balance=0, lifetime_points=0, created_at=now)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["user_id"]))


async def ensure_members(session: AsyncSession, user_ids: list[int], now: datetime) -> None:
    """The wallets of ``user_ids``, created empty where missing (one statement)."""
    if user_ids:
        await session.execute(
            insert_for(session, MEMBERS).on_conflict_do_nothing(index_elements=["user_id"]),
            [{"user_id": uid, "balance": 0, "lifetime_points": 0, "created_at": now} for uid in user_ids],
        )


async def ensure_shop_account(session: AsyncSession, now: datetime) -> None:
    await session.execute(insert_for(session, USERS).values(
        id=SHOP_ACCOUNT, first_name="Shop", is_bot=True, first_seen_at=now, updated_at=now,
    ).on_conflict_do_nothing(index_elements=["id"]))
    await ensure_member(session, SHOP_ACCOUNT, now)


@dataclass(frozen=True)
class Credit:
    user_id: int
    amount: int
    reason: Reason
    key: str
    ref: str | None = None


async def bulk_credit(session: AsyncSession, credits: list[Credit], now: datetime) -> list[int]:
    """Credit many members at once (a handful of statements for any number of credits); returns
    each credit's balance after it, in order. The caller guarantees the keys are new (it holds
    the lock that decided them); the unique index still backs it up, failing the transaction.
    The group committer's bulk operations (check-in storms, red-packet grabs) pay through this."""
    if not credits:
        return []
    user_ids = sorted({c.user_id for c in credits})
    await ensure_members(session, user_ids, now)
    query = select(MEMBERS.c.user_id, MEMBERS.c.balance, MEMBERS.c.owed).where(MEMBERS.c.user_id.in_(user_ids))
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    rows = (await session.execute(query)).all()
    balances: dict[int, int] = {r.user_id: r.balance for r in rows}
    owed: dict[int, int] = {r.user_id: r.owed for r in rows if r.owed}
    totals: dict[int, int] = {}
    repaid: dict[int, int] = {}
    entries: list[dict[str, object]] = []
    after: list[int] = []
    for credit in credits:
        validate_amount(credit.amount)
        balances[credit.user_id] += credit.amount
        totals[credit.user_id] = totals.get(credit.user_id, 0) + credit.amount
        entries.append({"user_id": credit.user_id, "amount": credit.amount, "balance_after": balances[credit.user_id],
                        "reason": str(credit.reason), "ref": credit.ref, "idempotency_key": credit.key,
                        "actor_id": None, "created_at": now})
        debt = owed.get(credit.user_id, 0)
        if debt and credit.amount > 0 and credit.reason in EARNINGS:
            paid = recovered(debt, credit.amount)
            owed[credit.user_id] = debt - paid
            repaid[credit.user_id] = repaid.get(credit.user_id, 0) + paid
            balances[credit.user_id] -= paid
            entries.append({"user_id": credit.user_id, "amount": -paid, "balance_after": balances[credit.user_id],
                            "reason": str(Reason.RECOVERY), "ref": credit.key[:128],
                            "idempotency_key": recovery_key(credit.key), "actor_id": None, "created_at": now})
        after.append(balances[credit.user_id])
    await session.execute(
        update(MEMBERS).where(MEMBERS.c.user_id == bindparam("uid")).values(
            balance=MEMBERS.c.balance + bindparam("amount"),
            lifetime_points=MEMBERS.c.lifetime_points + bindparam("amount"),
        ),
        [{"uid": uid, "amount": amount} for uid, amount in totals.items()],
    )
    if repaid:  # rare: only members who owe points
        await session.execute(
            update(MEMBERS).where(MEMBERS.c.user_id == bindparam("uid")).values(
                balance=MEMBERS.c.balance - bindparam("paid"), owed=MEMBERS.c.owed - bindparam("paid"),
            ),
            [{"uid": uid, "paid": paid} for uid, paid in repaid.items()],
        )
    await session.execute(LEDGER.insert(), entries)
    return after


@dataclass(frozen=True)
class Debit:
    user_id: int
    amount: int  # points taken (> 0)
    reason: Reason
    key: str
    ref: str | None = None


async def bulk_debit(session: AsyncSession, debits: list[Debit], now: datetime) -> list[int]:
    """Debit many wallets at once (a handful of statements); returns each debit's balance after it,
    in order. The caller holds the wallets' locks (``FOR UPDATE`` on PostgreSQL, the write lock on
    SQLite) and has checked every balance covers its debits; ``CHECK (balance >= 0)`` and the unique
    key still back it up, failing the transaction. Redemption storms pay through this."""
    if not debits:
        return []
    user_ids = sorted({d.user_id for d in debits})
    query = select(MEMBERS.c.user_id, MEMBERS.c.balance).where(MEMBERS.c.user_id.in_(user_ids))
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    balances: dict[int, int] = dict((await session.execute(query)).all())
    totals: dict[int, int] = {}
    entries: list[dict[str, object]] = []
    after: list[int] = []
    for debit in debits:
        validate_amount(debit.amount)
        if debit.amount < 0:
            raise ValueError("a debit takes a positive number of points")
        balance = balances.get(debit.user_id, 0) - debit.amount
        if balance < 0:
            raise InsufficientPoints(balance=balances.get(debit.user_id, 0), needed=debit.amount)
        balances[debit.user_id] = balance
        totals[debit.user_id] = totals.get(debit.user_id, 0) + debit.amount
        after.append(balance)
        entries.append({"user_id": debit.user_id, "amount": -debit.amount, "balance_after": balance,
                        "reason": str(debit.reason), "ref": debit.ref, "idempotency_key": debit.key,
                        "actor_id": None, "created_at": now})
    await session.execute(
        update(MEMBERS).where(MEMBERS.c.user_id == bindparam("uid"))
        .values(balance=MEMBERS.c.balance - bindparam("amount")),
        [{"uid": uid, "amount": amount} for uid, amount in totals.items()],
    )
    await session.execute(LEDGER.insert(), entries)
    return after


async def find_by_key(session: AsyncSession, key: str) -> Movement | None:
    row = (await session.execute(
        select(LEDGER.c.id, LEDGER.c.amount, LEDGER.c.balance_after).where(LEDGER.c.idempotency_key == key)
    )).first()
    return None if row is None else Movement(row.id, row.amount, row.balance_after, duplicate=True)


async def keys_found(session: AsyncSession, keys: list[str]) -> list[bool]:
    """For each key, whether an entry was written under it (one query for all of them)."""
    found = set((await session.execute(
        select(LEDGER.c.idempotency_key).where(LEDGER.c.idempotency_key.in_(sorted(set(keys))))
    )).scalars()) if keys else set()
    return [key in found for key in keys]


async def move(
    session: AsyncSession,
    *,
    user_id: int,
    amount: int,
    reason: Reason,
    key: str,
    now: datetime,
    ref: str | None = None,
    actor_id: int | None = None,
    check_key: bool = True,
) -> Movement:
    """Credit (amount > 0) or debit (amount < 0) a member, exactly once per ``key``.

    Raises InsufficientPoints, before writing anything, if a debit would go below zero.
    ``check_key=False`` skips the look-up when the caller already holds a stronger guarantee
    (e.g. it just inserted the unique check-in row); the unique index still backs it up.
    """
    validate_amount(amount)
    if check_key:
        existing = await find_by_key(session, key)
        if existing is not None:
            return existing
        # Another transaction may be writing the same key right now (a duplicated update handled
        # by two workers): the loser's insert hits the unique index; undo just this movement and
        # answer with the winner's entry instead of failing the caller's whole transaction.
        try:
            async with session.begin_nested():
                return await _write(session, user_id, amount, reason, key, now, ref, actor_id)
        except IntegrityError:
            existing = await find_by_key(session, key)
            if existing is None:
                raise
            return existing
    return await _write(session, user_id, amount, reason, key, now, ref, actor_id)


async def _write(session: AsyncSession, user_id: int, amount: int, reason: Reason, key: str, now: datetime,
                 ref: str | None, actor_id: int | None) -> Movement:
    if amount > 0:
        await ensure_member(session, user_id, now)
    earned = max(amount, 0)
    moved = (await session.execute(
        update(MEMBERS)
        .where(MEMBERS.c.user_id == user_id, MEMBERS.c.balance + amount >= 0)
        .values(balance=MEMBERS.c.balance + amount, lifetime_points=MEMBERS.c.lifetime_points + earned)
        .returning(MEMBERS.c.balance, MEMBERS.c.owed)
    )).first()
    if moved is None:
        balance = (await session.execute(
            select(MEMBERS.c.balance).where(MEMBERS.c.user_id == user_id)
        )).scalar_one_or_none() or 0
        raise InsufficientPoints(balance=balance, needed=-amount)
    balance_after = int(moved.balance)
    entry_id = (await session.execute(
        LEDGER.insert().values(user_id=user_id, amount=amount, balance_after=balance_after, reason=str(reason),
                               ref=ref, idempotency_key=key, actor_id=actor_id, created_at=now)
        .returning(LEDGER.c.id)
    )).scalar_one()
    if moved.owed and amount > 0 and reason in EARNINGS:
        balance_after = await _recover(session, user_id, recovered(int(moved.owed), amount), key, now)
    return Movement(entry_id, amount, balance_after)


async def _recover(session: AsyncSession, user_id: int, paid: int, credit_key: str, now: datetime) -> int:
    """Pay ``paid`` of what ``user_id`` owes from the credit just made; returns the balance after."""
    balance_after = (await session.execute(
        update(MEMBERS)
        .where(MEMBERS.c.user_id == user_id, MEMBERS.c.owed >= paid, MEMBERS.c.balance >= paid)
        .values(balance=MEMBERS.c.balance - paid, owed=MEMBERS.c.owed - paid)
        .returning(MEMBERS.c.balance)
    )).scalar_one()
    await session.execute(LEDGER.insert().values(
        user_id=user_id, amount=-paid, balance_after=balance_after, reason=str(Reason.RECOVERY),
        ref=credit_key[:128], idempotency_key=recovery_key(credit_key), actor_id=None, created_at=now))
    return int(balance_after)


async def take_back(session: AsyncSession, *, user_id: int, points: int, reason: Reason, key: str, now: datetime,
                    ref: str | None = None) -> Reversal:
    """Take back ``points`` once earned (a refunded order's): as much as the balance holds, the rest
    recorded as owed (recovered from the next points earned). Lifetime points drop by ``points``.
    The caller guarantees once (it changed the order's status in this transaction); ``key`` backs it
    up. A balance never goes below zero: the update is conditional on the balance it read."""
    validate_amount(points)
    if points < 0:
        raise ValueError("take_back takes a positive number of points")
    await ensure_member(session, user_id, now)
    for _attempt in range(5):
        balance = await balance_of(session, user_id)
        result = reverse(points, balance)
        changed = (await session.execute(
            update(MEMBERS)
            .where(MEMBERS.c.user_id == user_id, MEMBERS.c.balance == balance)
            .values(balance=MEMBERS.c.balance - result.taken, owed=MEMBERS.c.owed + result.shortfall,
                    lifetime_points=case((MEMBERS.c.lifetime_points >= points, MEMBERS.c.lifetime_points - points),
                                         else_=0))
            .returning(MEMBERS.c.balance)
        )).scalar_one_or_none()
        if changed is None:
            continue  # the balance moved under us (PostgreSQL, another transaction): read it again
        if result.taken:
            await session.execute(LEDGER.insert().values(
                user_id=user_id, amount=-result.taken, balance_after=int(changed), reason=str(reason), ref=ref,
                idempotency_key=key, actor_id=None, created_at=now))
        return result
    raise RuntimeError(f"the balance of {user_id} kept changing")


async def owed_of(session: AsyncSession, user_id: int) -> int:
    value = (await session.execute(select(MEMBERS.c.owed).where(MEMBERS.c.user_id == user_id))).scalar()
    return int(value or 0)


async def balance_of(session: AsyncSession, user_id: int) -> int:
    value = (await session.execute(select(MEMBERS.c.balance).where(MEMBERS.c.user_id == user_id))).scalar()
    return int(value or 0)


async def balances_of(session: AsyncSession, user_ids: list[int]) -> dict[int, int]:
    """The balances of ``user_ids`` (0 for anyone without a wallet)."""
    rows = (await session.execute(
        select(MEMBERS.c.user_id, MEMBERS.c.balance).where(MEMBERS.c.user_id.in_(user_ids))
    )).all() if user_ids else []
    found = {int(uid): int(balance) for uid, balance in rows}
    return {uid: found.get(uid, 0) for uid in user_ids}


async def recent(session: AsyncSession, user_id: int, limit: int = 5) -> list[LedgerEntry]:
    rows = await session.execute(
        select(LedgerEntry).where(col(LedgerEntry.user_id) == user_id).order_by(col(LedgerEntry.id).desc()).limit(limit)
    )
    return list(rows.scalars())


@dataclass(frozen=True)
class Discrepancy:
    user_id: int
    problem: str


async def audit(session: AsyncSession, limit: int = 1000) -> list[Discrepancy]:
    """Check the ledger invariants with SQL aggregates (a window for the running balances); an empty
    list means the books balance. At most ``limit`` problems of each kind are listed."""
    problems: list[Discrepancy] = []
    sums = (select(LEDGER.c.user_id.label("uid"), func.sum(LEDGER.c.amount).label("total"))
            .group_by(LEDGER.c.user_id).subquery())
    total = func.coalesce(sums.c.total, 0)
    for user_id, balance, summed in (await session.execute(
        select(MEMBERS.c.user_id, MEMBERS.c.balance, total)
        .select_from(MEMBERS.outerjoin(sums, sums.c.uid == MEMBERS.c.user_id))
        .where((MEMBERS.c.balance < 0) | (MEMBERS.c.balance != total))
        .order_by(MEMBERS.c.user_id).limit(limit)
    )).all():
        if balance < 0:
            problems.append(Discrepancy(user_id, f"negative balance {balance}"))
        if balance != summed:
            problems.append(Discrepancy(user_id, f"balance {balance} != sum of entries {summed}"))
    for user_id, summed in (await session.execute(
        select(sums.c.uid, sums.c.total).select_from(sums.outerjoin(MEMBERS, MEMBERS.c.user_id == sums.c.uid))
        .where(MEMBERS.c.user_id.is_(None)).order_by(sums.c.uid).limit(limit)
    )).all():
        problems.append(Discrepancy(user_id, f"entries sum to {summed} but there is no member row"))
    # Every entry's balance_after must equal the running sum of that member's entries.
    running = (select(LEDGER.c.id, LEDGER.c.user_id, LEDGER.c.balance_after,
                      func.sum(LEDGER.c.amount).over(partition_by=LEDGER.c.user_id, order_by=LEDGER.c.id,
                                                     rows=(None, 0)).label("running"))
               .subquery())
    flagged: set[int] = set()
    wrong = await session.stream(
        select(running.c.id, running.c.user_id, running.c.balance_after, running.c.running)
        .where(running.c.running != running.c.balance_after).order_by(running.c.user_id, running.c.id)
    )
    async for entry_id, user_id, balance_after, run in wrong:
        if user_id not in flagged:  # a member's first wrong entry says it; the rest follow from it
            flagged.add(user_id)
            problems.append(Discrepancy(user_id, f"entry {entry_id}: balance_after {balance_after} "
                                                 f"!= running sum {run}"))
            if len(flagged) >= limit:
                break
    await wrong.close()
    return problems
