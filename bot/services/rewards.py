"""The rewards shop in the database: rewards, code pools, redemptions (single and group-committed).

A redemption is decided under the reward's lock (``BEGIN IMMEDIATE`` on SQLite, ``FOR UPDATE`` on
the reward and the members' wallets on PostgreSQL) and written in ONE transaction: the redemption
row, its code (a conditional update of a free code), the reward's counter (a conditional update on
the value read under the lock) and the debit in the ledger. The database backs every rule: the
request key is unique (a double tap or a redelivered update redeems once), a code belongs to at
most one redemption and exists once, ``redeemed <= stock`` is a check constraint, and the wallet's
``balance >= 0``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import LedgerEntry, Member, Redemption, Reward, RewardCode, User
from bot.services import ledger
from bot.services import tiers as tier_service
from bot.services.sql import insert_for, rowcount
from games import rewards as rules
from games import tiers as tier_names
from games.errors import DomainError
from games.points import Reason, redemption_key

REWARDS = Reward.__table__  # type: ignore[attr-defined]
CODES = RewardCode.__table__  # type: ignore[attr-defined]
REDEMPTIONS = Redemption.__table__  # type: ignore[attr-defined]
MEMBERS = Member.__table__  # type: ignore[attr-defined]
LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]

ACTIVE, PAUSED = "active", "paused"
DELIVERED, PENDING, DONE = "delivered", "pending", "done"
SHOP, LOTTERY = "shop", "lottery"


def _is_pg(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def ref_of(reward_id: int) -> str:
    """The ledger ``ref`` of a reward's redemptions."""
    return f"rw:{reward_id}"


# ---- staff: the catalogue ----------------------------------------------------------------------

def spec_of(reward: Reward | Row[Any]) -> rules.RewardSpec:
    limit = None
    if reward.limit_count is not None and reward.limit_period is not None:
        limit = rules.Limit(reward.limit_count, rules.Period(reward.limit_period))
    return rules.RewardSpec(reward.name, reward.cost, reward.stock, limit, reward.tier, reward.cash)


def _columns(spec: rules.RewardSpec) -> dict[str, object]:
    return {"name": spec.name, "cost": spec.cost, "stock": spec.stock,
            "limit_count": spec.limit.count if spec.limit else None,
            "limit_period": str(spec.limit.period) if spec.limit else None,
            "tier": spec.tier, "cash": spec.cash}


async def add_reward(session: AsyncSession, spec: rules.RewardSpec, actor_id: int, now: datetime) -> int:
    reward_id = (await session.execute(
        REWARDS.insert().values(**_columns(spec), redeemed=0, has_codes=False, status=ACTIVE,
                                created_by=actor_id, created_at=now).returning(REWARDS.c.id)
    )).scalar_one()
    return int(reward_id)


async def get(session: AsyncSession, reward_id: int, *, lock: bool = False) -> Row[Any] | None:
    query = select(REWARDS).where(REWARDS.c.id == reward_id)
    if lock and _is_pg(session):
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def edit_reward(session: AsyncSession, reward_id: int, spec: rules.RewardSpec) -> None:
    """Save ``spec``; a stock below what is already redeemed is refused (nothing written)."""
    reward = await get(session, reward_id, lock=True)
    if reward is None:
        raise rules.NoSuchReward(id=reward_id)
    if spec.stock is not None and spec.stock < reward.redeemed:
        raise rules.StockBelowRedeemed(stock=spec.stock, redeemed=reward.redeemed)
    done = await session.execute(
        update(REWARDS).where(REWARDS.c.id == reward_id, REWARDS.c.redeemed == reward.redeemed)
        .values(**_columns(spec)))
    if rowcount(done) != 1:
        raise RuntimeError(f"reward {reward_id} changed under its lock")


async def set_status(session: AsyncSession, reward_id: int, status: str) -> bool | None:
    """Pause or resume; None: no such reward, False: it already was."""
    if await get(session, reward_id) is None:
        return None
    done = await session.execute(update(REWARDS).where(REWARDS.c.id == reward_id, REWARDS.c.status != status)
                                 .values(status=status))
    return rowcount(done) == 1


@dataclass(frozen=True)
class CodesAdded:
    added: int
    repeated: int  # already in the shop's pools (this reward's or another's)
    free: int  # this reward's codes not yet handed out, now


async def add_codes(session: AsyncSession, reward_id: int, codes: list[str], actor_id: int,
                    now: datetime) -> CodesAdded:
    """Add ``codes`` to a reward's pool; a code already in any pool is skipped (never stored twice)."""
    if await get(session, reward_id, lock=True) is None:
        raise rules.NoSuchReward(id=reward_id)
    before = await _code_count(session, reward_id)
    for start in range(0, len(codes), 1000):
        chunk = codes[start:start + 1000]
        await session.execute(
            insert_for(session, CODES).on_conflict_do_nothing(index_elements=["code"]),
            [{"reward_id": reward_id, "code": code, "uploaded_by": actor_id, "uploaded_at": now} for code in chunk],
        )
    added = await _code_count(session, reward_id) - before
    await session.execute(update(REWARDS).where(REWARDS.c.id == reward_id).values(has_codes=True))
    return CodesAdded(added, len(codes) - added, await free_codes(session, reward_id))


async def _code_count(session: AsyncSession, reward_id: int) -> int:
    return int((await session.execute(
        select(func.count()).select_from(CODES).where(CODES.c.reward_id == reward_id))).scalar_one())


async def free_codes(session: AsyncSession, reward_id: int) -> int:
    return int((await session.execute(
        select(func.count()).select_from(CODES).where(CODES.c.reward_id == reward_id,
                                                      CODES.c.redemption_id.is_(None)))).scalar_one())


@dataclass(frozen=True)
class RewardLine:
    """A reward as listed: its row, how many more can be redeemed (None: unlimited), free codes."""

    reward: Row[Any]
    left: int | None
    free_codes: int | None

    @property
    def id(self) -> int:
        return int(self.reward.id)


async def catalogue(session: AsyncSession, *, include_paused: bool) -> list[RewardLine]:
    query = select(REWARDS).order_by(REWARDS.c.cost, REWARDS.c.id)
    if not include_paused:
        query = query.where(REWARDS.c.status == ACTIVE)
    rows = (await session.execute(query)).all()
    free: dict[int, int] = {int(rid): int(n) for rid, n in (await session.execute(
        select(CODES.c.reward_id, func.count()).where(CODES.c.redemption_id.is_(None)).group_by(CODES.c.reward_id)
    )).all()}
    lines = []
    for row in rows:
        codes = free.get(row.id, 0) if row.has_codes else None
        lines.append(RewardLine(row, rules.left_of(row.stock, row.redeemed, codes), codes))
    return lines


# ---- redeeming ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RedeemRequest:
    reward_id: int
    user_id: int
    request_key: str  # games.points.redeem_request_key: the confirmation tap
    now: datetime
    today: date  # the shop's local day (per-member limits count from the period's first day)
    tz: tzinfo


@dataclass(frozen=True)
class Redeemed:
    redemption_id: int
    reward_id: int
    name: str
    cost: int
    code: str | None  # None: staff fulfil it (the redemption number)
    balance: int
    duplicate: bool = False


def _since(request: RedeemRequest, period: str | None) -> datetime | None:
    if period is None:
        return None
    start = rules.period_start(request.today, rules.Period(period))
    return None if start is None else datetime.combine(start, time(0), tzinfo=request.tz)


class RedeemOp:
    """Redemptions in bulk for the group committer (``single``: a batch of one, alone).

    A batch locks the rewards and wallets it touches, decides every request in arrival order (first
    come, first served) in memory, then writes the redemptions, the codes, the counters and the
    debits in a handful of statements. A request whose key was already redeemed gets that
    redemption back (``duplicate``); refusals write nothing.
    """

    async def single(self, session: AsyncSession, item: RedeemRequest) -> Redeemed:
        async with session.begin_nested():  # a failure leaves nothing behind, even alone
            outcome = (await self.bulk(session, [item]))[0]
        if isinstance(outcome, DomainError):
            raise outcome
        return outcome

    async def bulk(self, session: AsyncSession, items: list[RedeemRequest]) -> list[Redeemed | DomainError]:
        outcomes: list[Redeemed | DomainError | None] = [None] * len(items)
        keys = sorted({item.request_key for item in items})
        done: dict[str, Any] = {row.request_key: row for row in (await session.execute(
            select(REDEMPTIONS.c.id, REDEMPTIONS.c.reward_id, REDEMPTIONS.c.cost, REDEMPTIONS.c.code,
                   REDEMPTIONS.c.request_key).where(REDEMPTIONS.c.request_key.in_(keys))
        )).all()}
        reward_ids = sorted({item.reward_id for item in items})
        query = select(REWARDS).where(REWARDS.c.id.in_(reward_ids)).order_by(REWARDS.c.id)
        if _is_pg(session):
            query = query.with_for_update()
        rewards = {row.id: row for row in (await session.execute(query)).all()}
        user_ids = sorted({item.user_id for item in items})
        query = select(MEMBERS.c.user_id, MEMBERS.c.balance).where(MEMBERS.c.user_id.in_(user_ids)) \
            .order_by(MEMBERS.c.user_id)
        if _is_pg(session):
            query = query.with_for_update()
        balances: dict[int, int] = {int(uid): int(b) for uid, b in (await session.execute(query)).all()}
        wanted: dict[int, int] = defaultdict(int)
        for item in items:
            wanted[item.reward_id] += 1
        codes: dict[int, list[tuple[int, str]]] = {}
        counts: dict[tuple[int, int], int] = {}
        for reward_id, row in rewards.items():
            if row.has_codes:
                codes[reward_id] = [(int(cid), str(code)) for cid, code in (await session.execute(
                    select(CODES.c.id, CODES.c.code)
                    .where(CODES.c.reward_id == reward_id, CODES.c.redemption_id.is_(None))
                    .order_by(CODES.c.id).limit(wanted[reward_id])
                )).all()]
            if row.limit_count is not None:
                since = _since(next(i for i in items if i.reward_id == reward_id), row.limit_period)
                conditions = [REDEMPTIONS.c.reward_id == reward_id,
                              REDEMPTIONS.c.user_id.in_(sorted({i.user_id for i in items if i.reward_id == reward_id}))]
                if since is not None:
                    conditions.append(REDEMPTIONS.c.created_at >= since)
                for uid, n in (await session.execute(
                    select(REDEMPTIONS.c.user_id, func.count()).where(*conditions).group_by(REDEMPTIONS.c.user_id)
                )).all():
                    counts[(reward_id, int(uid))] = int(n)
        tier_ranks = await tier_service.Ranks.load(session, user_ids) if any(r.tier for r in rewards.values()) \
            else tier_service.Ranks.empty()
        taken: dict[int, int] = defaultdict(int)
        accepted: list[tuple[int, RedeemRequest, tuple[int, str] | None]] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.request_key in done:
                row = done[item.request_key]
                known = rewards.get(row.reward_id)
                outcomes[index] = Redeemed(row.id, row.reward_id, known.name if known else "?", row.cost, row.code,
                                           balances.get(item.user_id, 0), duplicate=True)
                continue
            if item.request_key in seen:
                continue  # the same tap twice in one batch: answered like the first, below
            reward = rewards.get(item.reward_id)
            if reward is None:
                outcomes[index] = rules.NoSuchReward(id=item.reward_id)
                continue
            if reward.status != ACTIVE:
                outcomes[index] = rules.Paused(name=reward.name)
                continue
            pool = codes.get(item.reward_id)
            stock_left = None if reward.stock is None else reward.stock - reward.redeemed - taken[item.reward_id]
            if (stock_left is not None and stock_left <= 0) or (pool is not None and not pool):
                outcomes[index] = rules.SoldOut(name=reward.name)
                continue
            if reward.limit_count is not None and counts.get((item.reward_id, item.user_id), 0) >= reward.limit_count:
                outcomes[index] = rules.LimitReached(name=reward.name, count=reward.limit_count,
                                                     period=str(reward.limit_period))
                continue
            if reward.tier and not tier_ranks.reaches(item.user_id, reward.tier):
                outcomes[index] = rules.TierRequired(name=reward.name, tier=tier_names.normalize_name(reward.tier))
                continue
            balance = balances.get(item.user_id, 0)
            if balance < reward.cost:
                outcomes[index] = rules.NotEnoughPoints(name=reward.name, cost=reward.cost, balance=balance)
                continue
            balances[item.user_id] = balance - reward.cost
            taken[item.reward_id] += 1
            counts[(item.reward_id, item.user_id)] = counts.get((item.reward_id, item.user_id), 0) + 1
            code = pool.pop(0) if pool is not None else None
            seen[item.request_key] = index
            accepted.append((index, item, code))
        if accepted:
            await self._write(session, rewards, taken, accepted, outcomes)
        for index, item in enumerate(items):
            if outcomes[index] is None:
                first = outcomes[seen[item.request_key]]
                assert isinstance(first, Redeemed)
                outcomes[index] = Redeemed(first.redemption_id, first.reward_id, first.name, first.cost, first.code,
                                           first.balance, duplicate=True)
        return [o for o in outcomes if o is not None]

    @staticmethod
    async def _write(session: AsyncSession, rewards: dict[int, Row[Any]], taken: dict[int, int],
                     accepted: list[tuple[int, RedeemRequest, tuple[int, str] | None]],
                     outcomes: list[Redeemed | DomainError | None]) -> None:
        await session.execute(REDEMPTIONS.insert(), [
            {"reward_id": item.reward_id, "user_id": item.user_id, "cost": rewards[item.reward_id].cost,
             "code": code[1] if code else None, "status": DELIVERED if code else PENDING, "source": SHOP,
             "request_key": item.request_key, "created_at": item.now, "done_at": None, "done_by": None}
            for _index, item, code in accepted
        ])
        ids: dict[str, int] = {key: int(rid) for rid, key in (await session.execute(
            select(REDEMPTIONS.c.id, REDEMPTIONS.c.request_key)
            .where(REDEMPTIONS.c.request_key.in_([item.request_key for _i, item, _c in accepted]))
        )).all()}
        with_codes = [{"cid": code[0], "rid": ids[item.request_key]} for _i, item, code in accepted if code]
        if with_codes:
            await session.execute(
                update(CODES).where(CODES.c.id == bindparam("cid"), CODES.c.redemption_id.is_(None))
                .values(redemption_id=bindparam("rid")), with_codes)
            handed = (await session.execute(select(func.count()).select_from(CODES).where(
                CODES.c.redemption_id.in_([row["rid"] for row in with_codes])))).scalar_one()
            if int(handed) != len(with_codes):
                raise RuntimeError("a code was taken under the reward's lock")
        for reward_id, n in taken.items():
            moved = await session.execute(
                update(REWARDS).where(REWARDS.c.id == reward_id, REWARDS.c.redeemed == rewards[reward_id].redeemed)
                .values(redeemed=REWARDS.c.redeemed + n))
            if rowcount(moved) != 1:
                raise RuntimeError(f"reward {reward_id} changed under its lock")
        debits = [ledger.Debit(item.user_id, int(rewards[item.reward_id].cost), Reason.REDEMPTION,
                               redemption_key(ids[item.request_key]), ref_of(item.reward_id))
                  for _index, item, _code in accepted]
        balances = await ledger.bulk_debit(session, debits, accepted[0][1].now)
        for (index, item, code), balance in zip(accepted, balances, strict=True):
            reward = rewards[item.reward_id]
            outcomes[index] = Redeemed(ids[item.request_key], item.reward_id, reward.name, int(reward.cost),
                                       code[1] if code else None, balance)


REDEEM_OP = RedeemOp()


async def hand_out(session: AsyncSession, reward_id: int, user_id: int, request_key: str, now: datetime
                   ) -> tuple[int, str | None] | None:
    """A free redemption of a reward (a lottery prize), under the reward's lock: its stock and code
    pool count as for a purchase. Returns (redemption number, code), or None when it is sold out or
    paused (nothing written)."""
    reward = await get(session, reward_id, lock=True)
    if reward is None or reward.status != ACTIVE:
        return None
    if reward.stock is not None and reward.redeemed >= reward.stock:
        return None
    code: tuple[int, str] | None = None
    if reward.has_codes:
        found = (await session.execute(
            select(CODES.c.id, CODES.c.code).where(CODES.c.reward_id == reward_id, CODES.c.redemption_id.is_(None))
            .order_by(CODES.c.id).limit(1))).first()
        if found is None:
            return None
        code = (int(found.id), str(found.code))
    rid = int((await session.execute(REDEMPTIONS.insert().values(
        reward_id=reward_id, user_id=user_id, cost=0, code=code[1] if code else None,
        status=DELIVERED if code else PENDING, source=LOTTERY, request_key=request_key, created_at=now,
    ).returning(REDEMPTIONS.c.id))).scalar_one())
    if code is not None:
        taken = await session.execute(update(CODES).where(CODES.c.id == code[0], CODES.c.redemption_id.is_(None))
                                      .values(redemption_id=rid))
        if rowcount(taken) != 1:
            raise RuntimeError(f"code {code[0]} was taken under the reward's lock")
    moved = await session.execute(update(REWARDS).where(REWARDS.c.id == reward_id,
                                                        REWARDS.c.redeemed == reward.redeemed)
                                  .values(redeemed=REWARDS.c.redeemed + 1))
    if rowcount(moved) != 1:
        raise RuntimeError(f"reward {reward_id} changed under its lock")
    return rid, code[1] if code else None


async def available(session: AsyncSession, reward_ids: list[int]) -> dict[int, tuple[bool, int]]:
    """For each reward: whether one more can be handed out now, and its cost (lottery prizes)."""
    if not reward_ids:
        return {}
    query = select(REWARDS).where(REWARDS.c.id.in_(sorted(set(reward_ids)))).order_by(REWARDS.c.id)
    if _is_pg(session):
        query = query.with_for_update()
    result: dict[int, tuple[bool, int]] = {}
    for reward in (await session.execute(query)).all():
        ok = reward.status == ACTIVE and (reward.stock is None or reward.redeemed < reward.stock)
        if ok and reward.has_codes:
            ok = await free_codes(session, reward.id) > 0
        result[int(reward.id)] = (ok, int(reward.cost))
    return result


# ---- a member's rewards; staff fulfilment ------------------------------------------------------

@dataclass(frozen=True)
class Owned:
    redemption_id: int
    name: str
    code: str | None
    status: str
    created_at: datetime


async def owned(session: AsyncSession, user_id: int, limit: int = 10) -> list[Owned]:
    rows = (await session.execute(
        select(REDEMPTIONS.c.id, REWARDS.c.name, REDEMPTIONS.c.code, REDEMPTIONS.c.status, REDEMPTIONS.c.created_at)
        .join(REWARDS, REWARDS.c.id == REDEMPTIONS.c.reward_id)
        .where(REDEMPTIONS.c.user_id == user_id).order_by(REDEMPTIONS.c.id.desc()).limit(limit)
    )).all()
    return [Owned(int(r.id), r.name, r.code, r.status, r.created_at) for r in rows]


@dataclass(frozen=True)
class Pending:
    redemption_id: int
    reward: str
    user_id: int
    user_name: str
    created_at: datetime


async def pending(session: AsyncSession, limit: int = 30) -> tuple[list[Pending], int]:
    """The redemptions staff still have to fulfil, oldest first, and how many there are."""
    total = int((await session.execute(
        select(func.count()).select_from(REDEMPTIONS).where(REDEMPTIONS.c.status == PENDING))).scalar_one())
    rows = (await session.execute(
        select(REDEMPTIONS.c.id, REWARDS.c.name, REDEMPTIONS.c.user_id, USERS.c.first_name, USERS.c.last_name,
               REDEMPTIONS.c.created_at)
        .join(REWARDS, REWARDS.c.id == REDEMPTIONS.c.reward_id)
        .join(USERS, USERS.c.id == REDEMPTIONS.c.user_id, isouter=True)
        .where(REDEMPTIONS.c.status == PENDING).order_by(REDEMPTIONS.c.id).limit(limit)
    )).all()
    return [Pending(int(r.id), r.name, int(r.user_id),
                    " ".join(p for p in (r.first_name, r.last_name) if p) or str(r.user_id), r.created_at)
            for r in rows], total


async def mark_done(session: AsyncSession, redemption_id: int, actor_id: int, now: datetime
                    ) -> tuple[str, int, str] | None:
    """Mark a pending redemption fulfilled, once. Returns (outcome, member, reward name): outcome
    ``done`` (now), ``already`` (was done, or handed over a code); None: no such redemption."""
    row = (await session.execute(
        select(REDEMPTIONS.c.status, REDEMPTIONS.c.user_id, REWARDS.c.name)
        .join(REWARDS, REWARDS.c.id == REDEMPTIONS.c.reward_id).where(REDEMPTIONS.c.id == redemption_id)
    )).first()
    if row is None:
        return None
    changed = await session.execute(
        update(REDEMPTIONS).where(REDEMPTIONS.c.id == redemption_id, REDEMPTIONS.c.status == PENDING)
        .values(status=DONE, done_at=now, done_by=actor_id))
    return ("done" if rowcount(changed) == 1 else "already"), int(row.user_id), str(row.name)


# ---- accounting (regulars doctor) -----------------------------------------------------------------

async def accounting(session: AsyncSession) -> list[str]:
    """Every reward: stock = redeemed + left (never below zero), its counter equals its redemptions,
    every code handed out once and to a redemption that shows it, and the ledger holds exactly the
    points its redemptions cost."""
    problems: list[str] = []
    counts = {int(r.reward_id): r for r in (await session.execute(
        select(REDEMPTIONS.c.reward_id, func.count().label("n"), func.coalesce(func.sum(REDEMPTIONS.c.cost), 0)
               .label("cost"), func.count(REDEMPTIONS.c.code).label("coded"),
               func.count(func.distinct(REDEMPTIONS.c.code)).label("distinct_codes"))
        .group_by(REDEMPTIONS.c.reward_id))).all()}
    handed = {int(r.reward_id): int(r.n) for r in (await session.execute(
        select(CODES.c.reward_id, func.count().label("n")).where(CODES.c.redemption_id.is_not(None))
        .group_by(CODES.c.reward_id))).all()}
    paid = {str(r.ref): (int(r.total), int(r.n)) for r in (await session.execute(
        select(LEDGER.c.ref, func.sum(LEDGER.c.amount).label("total"), func.count().label("n"))
        .where(LEDGER.c.ref.like("rw:%")).group_by(LEDGER.c.ref))).all()}
    mismatched = (await session.execute(
        select(func.count()).select_from(REDEMPTIONS.join(CODES, CODES.c.redemption_id == REDEMPTIONS.c.id))
        .where(and_(REDEMPTIONS.c.code.is_not(None), REDEMPTIONS.c.code != CODES.c.code)))).scalar_one()
    if int(mismatched):
        problems.append(f"{mismatched} redemption(s) show a code other than the one handed to them")
    codeless = (await session.execute(
        select(func.count()).select_from(REDEMPTIONS.outerjoin(CODES, CODES.c.redemption_id == REDEMPTIONS.c.id))
        .where(REDEMPTIONS.c.code.is_not(None), CODES.c.id.is_(None)))).scalar_one()
    if int(codeless):
        problems.append(f"{codeless} redemption(s) show a code that is not in any pool")
    for reward in (await session.execute(select(REWARDS).order_by(REWARDS.c.id))).all():
        row = counts.get(reward.id)
        n, cost = (int(row.n), int(row.cost)) if row else (0, 0)
        coded, distinct = (int(row.coded), int(row.distinct_codes)) if row else (0, 0)
        name = f"reward {reward.id} ({reward.name})"
        if n != reward.redeemed:
            problems.append(f"{name}: counter says {reward.redeemed} redeemed, {n} redemptions")
        if reward.stock is not None and reward.stock - reward.redeemed < 0:
            problems.append(f"{name}: stock {reward.stock} < redeemed {reward.redeemed}")
        if coded != distinct:
            problems.append(f"{name}: a code was handed out more than once")
        if handed.get(reward.id, 0) != coded:
            problems.append(f"{name}: {handed.get(reward.id, 0)} codes handed out, {coded} redemptions with a code")
        if reward.has_codes and coded != n:
            problems.append(f"{name}: {n - coded} redemption(s) of a code reward without a code")
        total, entries = paid.get(ref_of(reward.id), (0, 0))
        if -total != cost:
            problems.append(f"{name}: redemptions cost {cost}, the ledger took {-total}")
        charged = int((await session.execute(select(func.count()).select_from(REDEMPTIONS).where(
            REDEMPTIONS.c.reward_id == reward.id, REDEMPTIONS.c.cost > 0))).scalar_one())
        if entries != charged:
            problems.append(f"{name}: {charged} paid redemptions, {entries} ledger entries")
    return problems


async def summary(session: AsyncSession) -> tuple[int, int, int]:
    """(rewards, redemptions, codes) for the doctor's report."""
    def count(table: Any) -> Any:
        return select(func.count()).select_from(table)
    return (int((await session.execute(count(REWARDS))).scalar_one()),
            int((await session.execute(count(REDEMPTIONS))).scalar_one()),
            int((await session.execute(count(CODES))).scalar_one()))
