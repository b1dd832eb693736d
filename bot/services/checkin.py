"""Check-in persistence: the rules come from games.checkin, the guarantees from the database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.db.models import Checkin, Group, GroupMember, Member, Streak, User
from bot.services import ledger
from bot.services.groups import rules_of
from bot.services.sql import insert_for
from bot.services.tiers import MEMBER_TIERS, multipliers_of
from games import checkin as rules
from games.errors import AlreadyCheckedIn, DomainError
from games.points import Reason, checkin_key
from games.tiers import ONE, multiplied

CHECKINS = Checkin.__table__  # type: ignore[attr-defined]
STREAKS = Streak.__table__  # type: ignore[attr-defined]
MEMBERS = Member.__table__  # type: ignore[attr-defined]
GROUPS = Group.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CheckinResult:
    day: date
    streak: int
    base: int
    bonus: int
    balance: int
    extra: int = 0  # the member's tier multiplier on top of base + bonus

    @property
    def points(self) -> int:
        return self.base + self.bonus + self.extra


async def check_in(
    session: AsyncSession, *, user_id: int, chat_id: int | None, today: date, now: datetime,
) -> CheckinResult:
    """Check ``user_id`` in for ``today``. Raises AlreadyCheckedIn without writing anything.

    Safe to run concurrently and twice: the unique (user_id, day) row is the single arbiter,
    and the ledger entry carries the key ``checkin:<user>:<day>``.
    """
    group = await session.get(Group, chat_id) if chat_id is not None else await main_group(session)
    day_rules = rules_of(group) if group is not None else rules.CheckinRules()
    # The tier multiplier comes with the streak, in the same round trip (the check-in hot path).
    multiplier_of = select(MEMBER_TIERS.c.multiplier).where(MEMBER_TIERS.c.user_id == user_id).scalar_subquery()
    current = (await session.execute(
        select(STREAKS.c.streak, STREAKS.c.last_checkin_day, multiplier_of.label("multiplier"))
        .where(STREAKS.c.user_id == user_id)
    )).first()
    if current is None:  # a first check-in: the wallet the check-in row belongs to
        await ledger.ensure_member(session, user_id, now)
        last_day, last_streak = None, 0
        multiplier = (await multipliers_of(session, [user_id]))[user_id]
    else:
        last_day, last_streak = current.last_checkin_day, current.streak
        multiplier = current.multiplier or ONE
    outcome = rules.check_in(day_rules, last_day, last_streak, today)
    total = multiplied(outcome.reward.total, multiplier)
    inserted = (await session.execute(
        insert_for(session, CHECKINS)
        .values(user_id=user_id, day=today, chat_id=chat_id, streak=outcome.streak,
                points=total, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
        .returning(CHECKINS.c.id)
    )).scalar_one_or_none()
    if inserted is None:
        raise AlreadyCheckedIn(day=today.isoformat())
    await _save_streaks(session, [{"user_id": user_id, "streak": outcome.streak, "last_checkin_day": today}])
    if total > 0:
        moved = await ledger.move(
            session, user_id=user_id, amount=total, reason=Reason.CHECKIN,
            key=checkin_key(user_id, today), ref=f"day:{today.isoformat()}",
            now=now, check_key=False,
        )
        balance = moved.balance_after
    else:
        balance = await ledger.balance_of(session, user_id)
    return CheckinResult(today, outcome.streak, outcome.reward.base, outcome.reward.bonus, balance,
                         total - outcome.reward.total)


async def _save_streaks(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """One check-in more for each row's member: its new streak and day (created on the first)."""
    stmt = insert_for(session, STREAKS)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["user_id"], set_={
            "streak": stmt.excluded.streak, "last_checkin_day": stmt.excluded.last_checkin_day,
            "checkins_total": STREAKS.c.checkins_total + 1,
        }),
        [{**row, "checkins_total": 1} for row in rows],
    )


async def main_group(session: AsyncSession) -> Group | None:
    """The shop's first registered active group: its rules apply to check-ins in private chat."""
    rows = await session.execute(
        select(Group).where(col(Group.active) == True).order_by(col(Group.registered_at), col(Group.chat_id)).limit(1)  # noqa: E712
    )
    return rows.scalars().first()


@dataclass(frozen=True)
class CheckinRequest:
    user_id: int
    chat_id: int | None
    today: date
    now: datetime


class CheckinOp:
    """Check-ins in bulk for the group committer: a stampede of N taps costs a handful of
    statements per batch instead of several per tap.

    The batch reads the streaks it touches under a lock (``BEGIN IMMEDIATE`` on SQLite, ``FOR
    UPDATE`` on PostgreSQL), applies the rules in order in memory, then writes all rows at once;
    the rewards are paid in one :func:`ledger.bulk_credit`.
    The unique constraints still stand behind it: if another process got there first, the
    insert fails, the batch is rolled back, and every tap is re-run alone through ``single``.
    """

    async def single(self, session: AsyncSession, item: CheckinRequest) -> CheckinResult:
        return await check_in(session, user_id=item.user_id, chat_id=item.chat_id, today=item.today, now=item.now)

    async def bulk(self, session: AsyncSession, items: list[CheckinRequest]) -> list[CheckinResult | DomainError]:
        user_ids = sorted({i.user_id for i in items})
        # Read the streaks under a lock: from here on this transaction's view of these members is
        # authoritative until it commits (a member's first check-in is guarded by the unique
        # (user_id, day) check-in row: a race with another process fails the batch, re-run alone).
        query = select(STREAKS.c.user_id, STREAKS.c.streak, STREAKS.c.last_checkin_day) \
            .where(STREAKS.c.user_id.in_(user_ids))
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        state: dict[int, tuple[int, date | None]] = {
            r.user_id: (r.streak, r.last_checkin_day) for r in (await session.execute(query)).all()
        }
        chat_ids = sorted({i.chat_id for i in items if i.chat_id is not None})
        group_rules = {
            g.chat_id: rules_of(g)
            for g in (await session.execute(select(Group).where(col(Group.chat_id).in_(chat_ids)))).scalars()
        } if chat_ids else {}
        private_rules = rules.CheckinRules()
        if any(i.chat_id is None for i in items):
            main = await main_group(session)
            private_rules = rules_of(main) if main is not None else rules.CheckinRules()
        multipliers = await multipliers_of(session, user_ids)
        outcomes: list[CheckinResult | DomainError] = []
        checkin_rows: list[dict[str, object]] = []
        streak_rows: list[dict[str, object]] = []
        credits: list[ledger.Credit] = []
        paid: list[int] = []  # the outcomes paid by each credit, in order
        for item in items:
            streak, last_day = state.get(item.user_id, (0, None))
            if item.chat_id is None:
                day_rules = private_rules
            else:
                day_rules = group_rules.get(item.chat_id, rules.CheckinRules())
            try:
                outcome = rules.check_in(day_rules, last_day, streak, item.today)
            except AlreadyCheckedIn as refusal:
                outcomes.append(refusal)
                continue
            points = multiplied(outcome.reward.total, multipliers[item.user_id])
            state[item.user_id] = (outcome.streak, item.today)
            checkin_rows.append({"user_id": item.user_id, "day": item.today, "chat_id": item.chat_id,
                                 "streak": outcome.streak, "points": points, "created_at": item.now})
            streak_rows.append({"user_id": item.user_id, "streak": outcome.streak, "last_checkin_day": item.today})
            if points:
                credits.append(ledger.Credit(item.user_id, points, Reason.CHECKIN,
                                             checkin_key(item.user_id, item.today), f"day:{item.today.isoformat()}"))
                paid.append(len(outcomes))
            outcomes.append(CheckinResult(item.today, outcome.streak, outcome.reward.base, outcome.reward.bonus, 0,
                                          points - outcome.reward.total))
        if not checkin_rows:
            return outcomes
        # The ledger pays first: it creates the wallets the check-in rows belong to.
        balances = await ledger.bulk_credit(session, credits, items[0].now)
        after = dict(zip(paid, balances, strict=True))
        unpaid = [i for i, o in enumerate(outcomes) if isinstance(o, CheckinResult) and i not in after]
        if unpaid:  # a check-in worth no points (base 0): the member's balance as it stands
            unpaid_users = sorted({items[i].user_id for i in unpaid})
            await ledger.ensure_members(session, unpaid_users, items[0].now)
            current = await ledger.balances_of(session, unpaid_users)
            after.update((i, current[items[i].user_id]) for i in unpaid)
        await session.execute(CHECKINS.insert(), checkin_rows)
        await _save_streaks(session, streak_rows)
        for index, balance in after.items():
            result = outcomes[index]
            assert isinstance(result, CheckinResult)
            outcomes[index] = replace(result, balance=balance)
        return outcomes


CHECKIN_OP = CheckinOp()


@dataclass(frozen=True)
class MemberCard:
    balance: int
    lifetime_points: int
    streak: int
    checkins_total: int
    checked_in_today: bool
    recent: list[tuple[int, str, datetime]]
    month_days: set[date]


async def member_card(session: AsyncSession, user_id: int, today: date) -> MemberCard:
    member = await session.get(Member, user_id)
    streak = await session.get(Streak, user_id) or Streak(user_id=user_id)
    first_of_month = today.replace(day=1)
    days = set((await session.execute(
        select(CHECKINS.c.day).where(CHECKINS.c.user_id == user_id, CHECKINS.c.day >= first_of_month)
    )).scalars())
    if member is None:
        return MemberCard(0, 0, 0, 0, False, [], days)
    entries = await ledger.recent(session, user_id, limit=5)
    return MemberCard(
        balance=member.balance,
        lifetime_points=member.lifetime_points,
        streak=rules.current_streak(streak.last_checkin_day, streak.streak, today),
        checkins_total=streak.checkins_total,
        checked_in_today=streak.last_checkin_day == today,
        recent=[(e.amount, e.reason, e.created_at) for e in entries],
        month_days=days,
    )


@dataclass(frozen=True)
class Ranked:
    user_id: int
    first_name: str
    last_name: str | None
    value: int
    extra: int

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


async def top_checkins(session: AsyncSession, chat_id: int | None, today: date, limit: int = 10
                       ) -> list[Ranked]:
    """Members of a group (or the whole shop) by current streak, then by total check-ins."""
    yesterday = today - timedelta(days=1)
    streak = case((STREAKS.c.last_checkin_day >= yesterday, STREAKS.c.streak), else_=0).label("cur")
    query = (
        select(User.id, User.first_name, User.last_name, streak, STREAKS.c.checkins_total)  # type: ignore[call-overload]
        .join(STREAKS, STREAKS.c.user_id == User.id)
        .where(STREAKS.c.checkins_total > 0)
        .order_by(streak.desc(), STREAKS.c.checkins_total.desc(), User.id)
        .limit(limit)
    )
    rows = await session.execute(_in_group(query, chat_id))
    return [Ranked(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows.all()]


async def top_points(session: AsyncSession, chat_id: int | None, limit: int = 10) -> list[Ranked]:
    """Members of a group (or the whole shop) by points balance."""
    query = (
        select(User.id, User.first_name, User.last_name, MEMBERS.c.balance, MEMBERS.c.lifetime_points)  # type: ignore[call-overload]
        .join(MEMBERS, MEMBERS.c.user_id == User.id)
        .where(MEMBERS.c.lifetime_points > 0, User.id != ledger.SHOP_ACCOUNT)
        .order_by(MEMBERS.c.balance.desc(), User.id)
        .limit(limit)
    )
    rows = await session.execute(_in_group(query, chat_id))
    return [Ranked(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows.all()]


def _in_group(query: Select, chat_id: int | None) -> Select:  # type: ignore[type-arg]
    if chat_id is None:
        return query
    return query.join(GroupMember, col(GroupMember.user_id) == col(User.id)).where(col(GroupMember.chat_id) == chat_id)
