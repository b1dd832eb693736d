"""The lottery in the database: the prize table, settings, draws and their audit trail.

A draw runs in the caller's transaction under locks (``BEGIN IMMEDIATE`` on SQLite; on PostgreSQL
the active prizes, the rewards they hand out and the member's wallet ``FOR UPDATE``): it reads the
table, picks by the re-normalised odds (games.lottery), takes one of the prize's stock with a
conditional update (the check constraint ``won <= stock`` backs it), writes the draw row with the
odds at the time, and moves the points (cost, winnings) in the ledger — all or nothing. The request
key is unique (a redelivered update or a double tap draws once), and so are a member's free draws
of a day (``user, day, free_no``) and their first, guaranteed, draw (``first_user_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import LedgerEntry, LotteryDraw, LotteryPrize, Member, PointsSettings, User
from bot.services import ledger
from bot.services import rewards as reward_service
from bot.services.sql import insert_for, rowcount
from games import lottery as rules
from games.points import Reason, draw_cost_key, draw_prize_key

PRIZES = LotteryPrize.__table__  # type: ignore[attr-defined]
DRAWS = LotteryDraw.__table__  # type: ignore[attr-defined]
SETTINGS = PointsSettings.__table__  # type: ignore[attr-defined]
MEMBERS = Member.__table__  # type: ignore[attr-defined]
LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]

LOTTERY_REF = "lottery"


def _is_pg(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


# ---- settings (one row, shared with staff corrections) ------------------------------------------

@dataclass(frozen=True)
class Settings:
    lottery_cost: int = 0
    lottery_free: int = rules.DEFAULT_FREE
    staff_limit: int = 0


async def settings(session: AsyncSession) -> Settings:
    row = (await session.execute(select(SETTINGS).where(SETTINGS.c.id == 1))).first()
    return Settings() if row is None else Settings(int(row.lottery_cost), int(row.lottery_free), int(row.staff_limit))


async def save_setting(session: AsyncSession, name: str, value: int, now: datetime) -> None:
    """Set one of ``lottery_cost``, ``lottery_free``, ``staff_limit``."""
    if name not in ("lottery_cost", "lottery_free", "staff_limit"):
        raise ValueError(name)
    defaults = {"id": 1, "lottery_cost": 0, "lottery_free": rules.DEFAULT_FREE, "staff_limit": 0, "updated_at": now}
    defaults[name] = value
    await session.execute(insert_for(session, SETTINGS).values(**defaults)
                          .on_conflict_do_update(index_elements=["id"], set_={name: value, "updated_at": now}))


# ---- the prize table ---------------------------------------------------------------------------

async def add_prize(session: AsyncSession, spec: rules.PrizeSpec, actor_id: int, now: datetime) -> int:
    active = int((await session.execute(
        select(func.count()).select_from(PRIZES).where(PRIZES.c.active.is_(True)))).scalar_one())
    if active >= rules.MAX_PRIZES:
        raise rules.TooManyPrizes(max=rules.MAX_PRIZES)
    if spec.reward_id is not None and await reward_service.get(session, spec.reward_id) is None:
        raise rules.BadRewardRef(value=spec.reward_id)
    return int((await session.execute(PRIZES.insert().values(
        name=spec.name, weight=spec.weight, kind=str(spec.kind), points=spec.points, reward_id=spec.reward_id,
        stock=spec.stock, won=0, active=True, created_by=actor_id, created_at=now,
    ).returning(PRIZES.c.id))).scalar_one())


async def remove_prize(session: AsyncSession, prize_id: int) -> bool:
    """Take a prize out of the table (its draws stay, for audit)."""
    done = await session.execute(update(PRIZES).where(PRIZES.c.id == prize_id, PRIZES.c.active.is_(True))
                                 .values(active=False))
    return rowcount(done) == 1


@dataclass(frozen=True)
class TableRow:
    row: Row[Any]
    prize: rules.Prize


async def table(session: AsyncSession, *, lock: bool = False) -> list[TableRow]:
    """The active prizes as a draw sees them (``lock``: for a draw, under FOR UPDATE on PostgreSQL)."""
    query = select(PRIZES).where(PRIZES.c.active.is_(True)).order_by(PRIZES.c.id)
    if lock and _is_pg(session):
        query = query.with_for_update()
    rows = (await session.execute(query)).all()
    rewards = await reward_service.available(session, [r.reward_id for r in rows if r.reward_id is not None])
    result = []
    for row in rows:
        kind = rules.Kind(row.kind)
        left = None if row.stock is None else int(row.stock) - int(row.won)
        value: int | None = int(row.points) if kind is rules.Kind.POINTS else 0 if kind is rules.Kind.NOTHING else None
        ok = True
        if kind is rules.Kind.REWARD and row.reward_id is not None:
            ok, value = rewards.get(int(row.reward_id), (False, 0))
        result.append(TableRow(row, rules.Prize(int(row.id), row.name, int(row.weight), kind, left, value, ok)))
    return result


# ---- drawing -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Drawn:
    draw_id: int
    prize_name: str
    kind: rules.Kind
    points: int  # won (points prizes)
    cost: int  # paid (0: a free draw)
    odds_ppm: int
    guaranteed: bool
    balance: int
    redemption_id: int | None = None
    code: str | None = None
    duplicate: bool = False
    free_left: int = 0


async def _existing(session: AsyncSession, request_key: str, user_id: int) -> Drawn | None:
    row = (await session.execute(select(DRAWS).where(DRAWS.c.request_key == request_key))).first()
    if row is None:
        return None
    code = None
    if row.redemption_id is not None:
        mine = await reward_service.owned(session, user_id, limit=50)
        code = next((o.code for o in mine if o.redemption_id == row.redemption_id), None)
    return Drawn(int(row.id), row.prize_name, rules.Kind(row.kind), int(row.points), int(row.cost), int(row.odds_ppm),
                 bool(row.guaranteed), await ledger.balance_of(session, user_id), row.redemption_id, code,
                 duplicate=True)


async def free_used(session: AsyncSession, user_id: int, day: date) -> int:
    return int((await session.execute(select(func.count()).select_from(DRAWS).where(
        DRAWS.c.user_id == user_id, DRAWS.c.day == day, DRAWS.c.free_no.is_not(None)))).scalar_one())


async def draw(session: AsyncSession, *, user_id: int, paid: bool, request_key: str, now: datetime, today: date,
               rng: rules.RandomSource) -> Drawn:
    """One draw for ``user_id``: free (``paid`` False; raises NoFreeDraw when today's are used) or
    paid (raises NoFreeDraw when paid draws are off, DrawTooPoor when the balance is short).
    Raises NoTable when no prize is in stock. A refusal raises before anything but the member's
    empty wallet is written: the caller rolls back (the handler runs a draw in a savepoint)."""
    existing = await _existing(session, request_key, user_id)
    if existing is not None:
        return existing
    config = await settings(session)
    # Locks in the shop's order (prizes and rewards, then the wallet), as redemptions take them.
    await ledger.ensure_member(session, user_id, now)  # a first-timer's wallet, so that it can be locked
    rows = await table(session, lock=True)
    query = select(MEMBERS.c.balance).where(MEMBERS.c.user_id == user_id)
    if _is_pg(session):
        query = query.with_for_update()
    balance = int((await session.execute(query)).scalar_one())
    used = await free_used(session, user_id, today)
    cost, free_no = 0, None
    if not paid:
        if used >= config.lottery_free:
            raise rules.NoFreeDraw(cost=config.lottery_cost)
        free_no = used + 1
    else:
        if config.lottery_cost <= 0:
            raise rules.NoFreeDraw(cost=0)
        cost = config.lottery_cost
        if balance < cost:
            raise rules.DrawTooPoor(cost=cost, balance=balance)
    first_ever = (await session.execute(select(DRAWS.c.id).where(DRAWS.c.user_id == user_id).limit(1))).first() is None
    choice = rules.pick([r.prize for r in rows], rng, first_ever=first_ever)  # raises NoTable
    prize = choice.prize
    row = next(r.row for r in rows if r.prize.prize_id == prize.prize_id)
    took = await session.execute(
        update(PRIZES).where(PRIZES.c.id == prize.prize_id, PRIZES.c.won == row.won,
                             (PRIZES.c.stock.is_(None)) | (PRIZES.c.won < PRIZES.c.stock))
        .values(won=PRIZES.c.won + 1))
    if rowcount(took) != 1:
        raise RuntimeError(f"lottery prize {prize.prize_id} changed under its lock")
    points = int(row.points) if prize.kind is rules.Kind.POINTS else 0
    draw_id = int((await session.execute(DRAWS.insert().values(
        user_id=user_id, prize_id=prize.prize_id, prize_name=prize.name, kind=str(prize.kind),
        odds_ppm=rules.ppm(choice.chance), guaranteed=choice.guaranteed, cost=cost, points=points, day=today,
        free_no=free_no, first_user_id=user_id if first_ever else None, request_key=request_key, created_at=now,
    ).returning(DRAWS.c.id))).scalar_one())
    redemption_id: int | None = None
    code: str | None = None
    if prize.kind is rules.Kind.REWARD and row.reward_id is not None:
        handed = await reward_service.hand_out(session, int(row.reward_id), user_id, request_key, now)
        if handed is None:
            raise RuntimeError(f"reward {row.reward_id} ran out under its lock")
        redemption_id, code = handed
        await session.execute(update(DRAWS).where(DRAWS.c.id == draw_id).values(redemption_id=redemption_id))
    if cost:
        balance = (await ledger.move(session, user_id=user_id, amount=-cost, reason=Reason.LOTTERY,
                                     key=draw_cost_key(draw_id), ref=LOTTERY_REF, now=now,
                                     check_key=False)).balance_after
    if points:
        balance = (await ledger.move(session, user_id=user_id, amount=points, reason=Reason.LOTTERY,
                                     key=draw_prize_key(draw_id), ref=LOTTERY_REF, now=now,
                                     check_key=False)).balance_after
    left = rules.free_left(used + (1 if free_no else 0), config.lottery_free)
    return Drawn(draw_id, prize.name, prize.kind, points, cost, rules.ppm(choice.chance), choice.guaranteed, balance,
                 redemption_id, code, free_left=left)


@dataclass(frozen=True)
class DrawLine:
    draw_id: int
    name: str
    prize: str
    odds_ppm: int
    guaranteed: bool
    cost: int
    created_at: datetime


async def latest_draws(session: AsyncSession, limit: int = 20) -> list[DrawLine]:
    rows = (await session.execute(
        select(DRAWS.c.id, DRAWS.c.prize_name, DRAWS.c.odds_ppm, DRAWS.c.guaranteed, DRAWS.c.cost,
               DRAWS.c.created_at, USERS.c.first_name, DRAWS.c.user_id)
        .join(USERS, USERS.c.id == DRAWS.c.user_id, isouter=True).order_by(DRAWS.c.id.desc()).limit(limit)
    )).all()
    return [DrawLine(int(r.id), r.first_name or str(r.user_id), r.prize_name, int(r.odds_ppm), bool(r.guaranteed),
                     int(r.cost), r.created_at) for r in rows]


# ---- accounting (regulars doctor) -----------------------------------------------------------------

async def accounting(session: AsyncSession) -> list[str]:
    """Every prize: won = its draws, never beyond its stock; the ledger holds exactly what the draws
    cost and paid out, one entry each."""
    problems: list[str] = []
    drawn = {int(pid): int(n) for pid, n in (await session.execute(
        select(DRAWS.c.prize_id, func.count()).group_by(DRAWS.c.prize_id))).all()}
    for prize in (await session.execute(select(PRIZES).order_by(PRIZES.c.id))).all():
        if drawn.get(prize.id, 0) != prize.won:
            problems.append(f"prize {prize.id} ({prize.name}): counter says {prize.won} won, "
                            f"{drawn.get(prize.id, 0)} draws")
        if prize.stock is not None and prize.won > prize.stock:
            problems.append(f"prize {prize.id} ({prize.name}): won {prize.won} > stock {prize.stock}")
    totals = (await session.execute(select(
        func.coalesce(func.sum(DRAWS.c.cost), 0), func.coalesce(func.sum(DRAWS.c.points), 0),
        func.count(case((DRAWS.c.cost > 0, 1))), func.count(case((DRAWS.c.points > 0, 1)))))).one()
    books = (await session.execute(select(
        func.coalesce(func.sum(case((LEDGER.c.amount < 0, -LEDGER.c.amount), else_=0)), 0),
        func.coalesce(func.sum(case((LEDGER.c.amount > 0, LEDGER.c.amount), else_=0)), 0),
        func.count(case((LEDGER.c.amount < 0, 1))), func.count(case((LEDGER.c.amount > 0, 1))))
        .where(LEDGER.c.ref == LOTTERY_REF))).one()
    if int(totals[0]) != int(books[0]) or int(totals[2]) != int(books[2]):
        problems.append(f"lottery: draws cost {totals[0]} in {totals[2]} paid draws, "
                        f"the ledger took {books[0]} in {books[2]} entries")
    if int(totals[1]) != int(books[1]) or int(totals[3]) != int(books[3]):
        problems.append(f"lottery: draws won {totals[1]} points in {totals[3]} draws, "
                        f"the ledger paid {books[1]} in {books[3]} entries")
    return problems


async def summary(session: AsyncSession) -> tuple[int, int]:
    """(prizes, draws) for the doctor's report."""
    return (int((await session.execute(select(func.count()).select_from(PRIZES))).scalar_one()),
            int((await session.execute(select(func.count()).select_from(DRAWS))).scalar_one()))
