"""Check-in persistence: the rules come from games.checkin, the guarantees from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Checkin, Group, GroupMember, Member, User
from bot.services import ledger
from bot.services.groups import rules_of
from bot.services.sql import insert_for
from games import checkin as rules
from games.errors import AlreadyCheckedIn
from games.points import Reason, idempotency_key

CHECKINS = Checkin.__table__  # type: ignore[attr-defined]
MEMBERS = Member.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CheckinResult:
    day: date
    streak: int
    base: int
    bonus: int
    balance: int

    @property
    def points(self) -> int:
        return self.base + self.bonus


async def check_in(
    session: AsyncSession, *, user_id: int, chat_id: int | None, today: date, now: datetime,
) -> CheckinResult:
    """Check ``user_id`` in for ``today``. Raises AlreadyCheckedIn without writing anything.

    Safe to run concurrently and twice: the unique (user_id, day) row is the single arbiter,
    and the ledger entry carries the key ``checkin:<user>:<day>``.
    """
    group = await session.get(Group, chat_id) if chat_id is not None else None
    day_rules = rules_of(group) if group is not None else rules.CheckinRules()
    member = (await session.execute(
        select(MEMBERS.c.streak, MEMBERS.c.last_checkin_day).where(MEMBERS.c.user_id == user_id)
    )).first()
    if member is None:
        await ledger.ensure_member(session, user_id, now)
        last_day, last_streak = None, 0
    else:
        last_day, last_streak = member.last_checkin_day, member.streak
    outcome = rules.check_in(day_rules, last_day, last_streak, today)
    inserted = (await session.execute(
        insert_for(session, CHECKINS)
        .values(user_id=user_id, day=today, chat_id=chat_id, streak=outcome.streak,
                points=outcome.reward.total, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
        .returning(CHECKINS.c.id)
    )).scalar_one_or_none()
    if inserted is None:
        raise AlreadyCheckedIn(day=today.isoformat())
    await session.execute(
        update(MEMBERS).where(MEMBERS.c.user_id == user_id)
        .values(streak=outcome.streak, last_checkin_day=today, checkins_total=MEMBERS.c.checkins_total + 1)
    )
    if outcome.reward.total > 0:
        moved = await ledger.move(
            session, user_id=user_id, amount=outcome.reward.total, reason=Reason.CHECKIN,
            key=idempotency_key("checkin", user_id, today.isoformat()), ref=f"day:{today.isoformat()}",
            now=now, check_key=False,
        )
        balance = moved.balance_after
    else:
        balance = await ledger.balance_of(session, user_id)
    return CheckinResult(today, outcome.streak, outcome.reward.base, outcome.reward.bonus, balance)


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
        streak=rules.current_streak(member.last_checkin_day, member.streak, today),
        checkins_total=member.checkins_total,
        checked_in_today=member.last_checkin_day == today,
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
    streak = case((MEMBERS.c.last_checkin_day >= yesterday, MEMBERS.c.streak), else_=0).label("cur")
    query = (
        select(User.id, User.first_name, User.last_name, streak, MEMBERS.c.checkins_total)  # type: ignore[call-overload]
        .join(MEMBERS, MEMBERS.c.user_id == User.id)
        .where(MEMBERS.c.checkins_total > 0)
        .order_by(streak.desc(), MEMBERS.c.checkins_total.desc(), User.id)
        .limit(limit)
    )
    rows = await session.execute(_in_group(query, chat_id))
    return [Ranked(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows.all()]


async def top_points(session: AsyncSession, chat_id: int | None, limit: int = 10) -> list[Ranked]:
    """Members of a group (or the whole shop) by points balance."""
    query = (
        select(User.id, User.first_name, User.last_name, MEMBERS.c.balance, MEMBERS.c.lifetime_points)  # type: ignore[call-overload]
        .join(MEMBERS, MEMBERS.c.user_id == User.id)
        .where(MEMBERS.c.lifetime_points > 0)
        .order_by(MEMBERS.c.balance.desc(), User.id)
        .limit(limit)
    )
    rows = await session.execute(_in_group(query, chat_id))
    return [Ranked(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows.all()]


def _in_group(query: Select, chat_id: int | None) -> Select:  # type: ignore[type-arg]
    if chat_id is None:
        return query
    return query.join(GroupMember, GroupMember.user_id == User.id).where(GroupMember.chat_id == chat_id)
