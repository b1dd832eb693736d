"""Member tiers (会员等级): staff's tier list, each member's recorded tier and multiplier, the
recompute that records rises and falls (once each), and the state of tier groups' seats.

Rules come from games.tiers; every change is a conditional statement, so two processes (or a job
that fires twice) record a change once. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Ban, Group, GroupMember, Member, MemberTier, Order, Tier, TierEvent, TierSeat
from bot.services import ledger
from bot.services.sql import insert_for, rowcount
from games import tiers as rules
from games.errors import ConfigError
from games.tiers import ONE, GroupAction, Measure, Move, Seat, TierSpec

TIERS = Tier.__table__  # type: ignore[attr-defined]
MEMBER_TIERS = MemberTier.__table__  # type: ignore[attr-defined]
EVENTS = TierEvent.__table__  # type: ignore[attr-defined]
SEATS = TierSeat.__table__  # type: ignore[attr-defined]
MEMBERS = Member.__table__  # type: ignore[attr-defined]
ORDERS = Order.__table__  # type: ignore[attr-defined]
GROUPS = Group.__table__  # type: ignore[attr-defined]
GROUP_MEMBERS = GroupMember.__table__  # type: ignore[attr-defined]
BANS = Ban.__table__  # type: ignore[attr-defined]


# ---- the tier list --------------------------------------------------------------------------------

async def all_tiers(session: AsyncSession) -> list[TierSpec]:
    rows = (await session.execute(select(TIERS.c.name, TIERS.c.measure, TIERS.c.threshold, TIERS.c.multiplier))).all()
    return rules.ranked([TierSpec(r.name, Measure(r.measure), int(r.threshold), int(r.multiplier)) for r in rows])


async def save_tier(session: AsyncSession, spec: TierSpec, *, by: int, now: datetime) -> bool:
    """Add ``spec`` or replace the tier of that name; True if it is new. Members already recorded in
    it get its new multiplier in the same transaction. Raises ConfigError if it does not fit."""
    current = await all_tiers(session)
    rules.check_addition(current, spec)
    existed = any(t.name == spec.name for t in current)
    if existed:
        await session.execute(update(TIERS).where(TIERS.c.name == spec.name).values(
            measure=str(spec.measure), threshold=spec.threshold, multiplier=spec.multiplier))
        await session.execute(update(MEMBER_TIERS).where(MEMBER_TIERS.c.tier == spec.name)
                              .values(multiplier=spec.multiplier))
    else:
        await session.execute(TIERS.insert().values(name=spec.name, measure=str(spec.measure),
                                                    threshold=spec.threshold, multiplier=spec.multiplier,
                                                    created_by=by, created_at=now))
    return not existed


async def remove_tier(session: AsyncSession, name: str) -> bool:
    """Remove a tier (members in it lose its multiplier now; the next recompute tells them). Refused
    (ConfigError ``in-use``) while a group requires it."""
    used = (await session.execute(select(GROUPS.c.title).where(GROUPS.c.gate_tier == name).limit(1))).scalar()
    if used is not None:
        raise ConfigError(detail="in-use", group=used)
    removed = rowcount(await session.execute(delete(TIERS).where(TIERS.c.name == name)))
    if removed:
        await session.execute(update(MEMBER_TIERS).where(MEMBER_TIERS.c.tier == name).values(multiplier=ONE))
    return bool(removed)


# ---- the multiplier (for every feature that pays earnings) -------------------------------------------

async def multipliers_of(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, int]:
    """Each member's tier multiplier in percent (100 for a member without a tier): one statement."""
    ids = sorted(set(user_ids))
    found: dict[int, int] = dict((await session.execute(
        select(MEMBER_TIERS.c.user_id, MEMBER_TIERS.c.multiplier)
        .where(MEMBER_TIERS.c.user_id.in_(ids), MEMBER_TIERS.c.multiplier > ONE)
    )).all()) if ids else {}
    return {uid: int(found.get(uid, ONE)) for uid in ids}


async def with_multiplier(session: AsyncSession, user_id: int, points: int) -> int:
    """``points`` a member earns (a check-in, a game or vote prize, a purchase) with their tier's
    multiplier. Never for refunds, transfers (red packets) or staff corrections."""
    if points <= 0:
        return points
    return rules.multiplied(points, (await multipliers_of(session, [user_id]))[user_id])


# ---- standing and recompute --------------------------------------------------------------------------

async def spend_by_member(session: AsyncSession, currency: str, now: datetime,
                          user_ids: list[int] | None = None) -> dict[int, int]:
    """Linked, unrefunded orders in ``currency`` paid in the last 12 months, per member (cents)."""
    query = (select(ORDERS.c.user_id, func.sum(ORDERS.c.amount_cents))
             .where(ORDERS.c.user_id.is_not(None), ORDERS.c.currency == currency, ORDERS.c.status == "paid",
                    ORDERS.c.paid_at >= rules.spend_since(now))
             .group_by(ORDERS.c.user_id))
    if user_ids is not None:
        query = query.where(ORDERS.c.user_id.in_(user_ids))
    return {int(uid): int(total) for uid, total in (await session.execute(query)).all()}


@dataclass(frozen=True)
class Standing:
    tiers: list[TierSpec]
    progress: rules.Progress
    multiplier: int
    owed: int
    links: list[tuple[str, str]]  # personal links to tier groups not used yet: (title, link)


async def standing(session: AsyncSession, user_id: int, currency: str, now: datetime) -> Standing:
    """A member's tier as of now (computed live; the recorded one catches up on the next sweep),
    the progress to the next, and what they owe from refunds."""
    tiers = await all_tiers(session)
    member = await session.get(Member, user_id)
    lifetime = member.lifetime_points if member else 0
    spend = (await spend_by_member(session, currency, now, [user_id])).get(user_id, 0) \
        if rules.measure_of(tiers) is Measure.SPEND else 0
    progress = rules.progress(tiers, lifetime, spend)
    multiplier = progress.current.multiplier if progress.current else ONE
    links = await open_links(session, user_id) if tiers else []
    return Standing(tiers, progress, multiplier, member.owed if member else 0, links)


async def reaches(session: AsyncSession, user_id: int, tier: str, currency: str, now: datetime) -> bool:
    """Whether the member is in ``tier`` or above as of now (a tier group's join requests; tier-only
    rewards). False if the tier no longer exists."""
    found = await standing(session, user_id, currency, now)
    required = rules.rank_of(found.tiers, tier)
    current = found.progress.current
    return required > 0 and rules.rank_of(found.tiers, current.name if current else None) >= required


@dataclass(frozen=True)
class Ranks:
    """Members' recorded tiers against the tier list: for tier-only rewards (``/reward … | tier=GOLD``),
    read once per batch of redemptions."""

    tiers: list[TierSpec]
    recorded: dict[int, str | None]

    @classmethod
    async def load(cls, session: AsyncSession, user_ids: list[int]) -> Ranks:
        recorded: dict[int, str | None] = dict((await session.execute(
            select(MEMBER_TIERS.c.user_id, MEMBER_TIERS.c.tier).where(MEMBER_TIERS.c.user_id.in_(user_ids))
        )).all()) if user_ids else {}
        return cls(await all_tiers(session), recorded)

    @classmethod
    def empty(cls) -> Ranks:
        return cls([], {})

    def reaches(self, user_id: int, tier: str) -> bool:
        """Whether the member's recorded tier is ``tier`` or above (False if no such tier exists)."""
        required = rules.rank_of(self.tiers, rules.normalize_name(tier))
        return required > 0 and rules.rank_of(self.tiers, self.recorded.get(user_id)) >= required


@dataclass(frozen=True)
class Change:
    user_id: int
    old: str | None
    new: str | None
    direction: Move
    multiplier: int


async def plan_changes(session: AsyncSession, currency: str, now: datetime) -> list[Change]:
    """Every member whose tier now differs from the recorded one (read-only: run on a snapshot)."""
    tiers = await all_tiers(session)
    recorded: dict[int, str | None] = dict((await session.execute(
        select(MEMBER_TIERS.c.user_id, MEMBER_TIERS.c.tier))).all())
    if not tiers and not any(recorded.values()):
        return []
    lifetime: dict[int, int] = dict((await session.execute(
        select(MEMBERS.c.user_id, MEMBERS.c.lifetime_points).where(MEMBERS.c.user_id != ledger.SHOP_ACCOUNT))).all())
    spend = await spend_by_member(session, currency, now) if rules.measure_of(tiers) is Measure.SPEND else {}
    changes: list[Change] = []
    for uid in sorted(set(lifetime) | set(recorded) | set(spend)):
        new = rules.tier_for(tiers, lifetime.get(uid, 0), spend.get(uid, 0))
        old = recorded.get(uid)
        new_name = new.name if new else None
        if new_name == old:
            continue
        direction = rules.move(rules.rank_of(tiers, old), rules.rank_of(tiers, new_name))
        if direction is None:  # the old tier no longer exists
            direction = Move.UP if new is not None else Move.DOWN
        changes.append(Change(uid, old, new_name, direction, new.multiplier if new else ONE))
    return changes


async def apply_change(session: AsyncSession, change: Change, now: datetime) -> bool:
    """Record one change, if the recorded tier is still ``change.old`` (else someone else did):
    the member's tier and multiplier, and an event to tell them (once)."""
    values = {"tier": change.new, "multiplier": change.multiplier, "changed_at": now}
    if change.old is None:
        done = rowcount(await session.execute(
            update(MEMBER_TIERS).where(MEMBER_TIERS.c.user_id == change.user_id, MEMBER_TIERS.c.tier.is_(None))
            .values(**values)))
        if not done:
            if (await session.execute(select(MEMBER_TIERS.c.user_id)
                                      .where(MEMBER_TIERS.c.user_id == change.user_id))).first() is not None:
                return False
            done = rowcount(await session.execute(
                insert_for(session, MEMBER_TIERS).values(user_id=change.user_id, **values)
                .on_conflict_do_nothing(index_elements=["user_id"])))
    else:
        done = rowcount(await session.execute(
            update(MEMBER_TIERS).where(MEMBER_TIERS.c.user_id == change.user_id, MEMBER_TIERS.c.tier == change.old)
            .values(**values)))
    if not done:
        return False
    await session.execute(EVENTS.insert().values(user_id=change.user_id, old_tier=change.old, new_tier=change.new,
                                                 direction=str(change.direction), created_at=now))
    return True


async def recorded_tier(session: AsyncSession, user_id: int) -> str | None:
    return (await session.execute(select(MEMBER_TIERS.c.tier).where(MEMBER_TIERS.c.user_id == user_id))).scalar()


async def unnotified(session: AsyncSession, limit: int = 500) -> list[TierEvent]:
    rows = await session.execute(select(TierEvent).where(EVENTS.c.notified_at.is_(None))
                                 .order_by(EVENTS.c.id).limit(limit))
    return list(rows.scalars())


async def claim_notice(session: AsyncSession, event_id: int, now: datetime) -> bool:
    """Mark an event told (before telling: a member hears it at most once)."""
    return bool(rowcount(await session.execute(
        update(EVENTS).where(EVENTS.c.id == event_id, EVENTS.c.notified_at.is_(None)).values(notified_at=now))))


# ---- tier groups ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TierGroup:
    chat_id: int
    title: str
    tier: str
    grace: timedelta | None


async def tier_groups(session: AsyncSession) -> list[TierGroup]:
    rows = (await session.execute(
        select(GROUPS.c.chat_id, GROUPS.c.title, GROUPS.c.gate_tier, GROUPS.c.gate_tier_grace_s)
        .where(GROUPS.c.gate_tier.is_not(None), GROUPS.c.active.is_(True)))).all()
    return [TierGroup(r.chat_id, r.title, r.gate_tier,
                      None if r.gate_tier_grace_s is None else timedelta(seconds=r.gate_tier_grace_s)) for r in rows]


@dataclass(frozen=True)
class SeatPlan:
    user_id: int
    action: GroupAction
    seat: Seat
    link: str | None


async def plan_seats(session: AsyncSession, group: TierGroup, staff: set[int], now: datetime) -> list[SeatPlan]:
    """What to do about each member the group concerns: those seen in it, those holding a seat, and
    those whose recorded tier reaches the group's."""
    tiers = await all_tiers(session)
    required = rules.rank_of(tiers, group.tier)
    if required == 0:
        return []
    names_at_or_above = [t.name for t in tiers if rules.rank_of(tiers, t.name) >= required]
    recorded: dict[int, str | None] = dict((await session.execute(
        select(MEMBER_TIERS.c.user_id, MEMBER_TIERS.c.tier))).all())
    present = set((await session.execute(
        select(GROUP_MEMBERS.c.user_id).where(GROUP_MEMBERS.c.chat_id == group.chat_id))).scalars())
    seats = {r.user_id: r for r in (await session.execute(
        select(SEATS).where(SEATS.c.chat_id == group.chat_id))).all()}
    reaching = {uid for uid, name in recorded.items() if name in names_at_or_above}
    banned = set((await session.execute(select(BANS.c.user_id))).scalars())  # banned (拉黑): never invited
    plans: list[SeatPlan] = []
    for uid in sorted(present | set(seats) | reaching):
        row = seats.get(uid)
        rank = rules.rank_of(tiers, recorded.get(uid))
        in_group = uid in present
        seat = Seat(in_group=in_group, invited=row is not None and row.invited_at is not None,
                    qualified=(row is not None and row.qualified) or (in_group and rank >= required),
                    fell_at=row.fell_at if row is not None else None)
        action = rules.group_action(required_rank=required, member_rank=rank, is_staff=uid in staff, seat=seat,
                                    grace=group.grace, now=now)
        if action is GroupAction.NONE and seat.qualified and (row is None or not row.qualified):
            await mark_qualified(session, group.chat_id, uid)
        if action is GroupAction.INVITE and uid in banned:
            continue
        if action is not GroupAction.NONE:
            plans.append(SeatPlan(uid, action, seat, row.link if row is not None else None))
    return plans


async def mark_qualified(session: AsyncSession, chat_id: int, user_id: int) -> None:
    stmt = insert_for(session, SEATS).values(chat_id=chat_id, user_id=user_id, qualified=True)
    await session.execute(stmt.on_conflict_do_update(index_elements=["chat_id", "user_id"], set_={"qualified": True}))


async def claim_invite(session: AsyncSession, chat_id: int, user_id: int, now: datetime) -> bool:
    """The member is to get a personal link to the group: once (until it is revoked or used up)."""
    stmt = insert_for(session, SEATS).values(chat_id=chat_id, user_id=user_id, qualified=True, invited_at=now)
    inserted = rowcount(await session.execute(stmt.on_conflict_do_nothing(index_elements=["chat_id", "user_id"])))
    if inserted:
        return True
    return bool(rowcount(await session.execute(
        update(SEATS).where(SEATS.c.chat_id == chat_id, SEATS.c.user_id == user_id, SEATS.c.invited_at.is_(None))
        .values(invited_at=now, qualified=True))))


async def save_link(session: AsyncSession, chat_id: int, user_id: int, link: str | None) -> None:
    """The link made for a claimed invite; None: it could not be made (the invite is released)."""
    values: dict[str, object] = {"link": link} if link else {"link": None, "invited_at": None}
    await session.execute(update(SEATS).where(SEATS.c.chat_id == chat_id, SEATS.c.user_id == user_id).values(**values))


async def claim_revoke(session: AsyncSession, chat_id: int, user_id: int) -> bool:
    return bool(rowcount(await session.execute(
        update(SEATS).where(SEATS.c.chat_id == chat_id, SEATS.c.user_id == user_id, SEATS.c.invited_at.is_not(None))
        .values(invited_at=None, link=None))))


async def claim_fall(session: AsyncSession, chat_id: int, user_id: int, now: datetime) -> bool:
    """The member fell below the group's tier: the notice is sent once."""
    return bool(rowcount(await session.execute(
        update(SEATS).where(SEATS.c.chat_id == chat_id, SEATS.c.user_id == user_id, SEATS.c.fell_at.is_(None))
        .values(fell_at=now))))


async def claim_restore(session: AsyncSession, chat_id: int, user_id: int) -> bool:
    return bool(rowcount(await session.execute(
        update(SEATS).where(SEATS.c.chat_id == chat_id, SEATS.c.user_id == user_id, SEATS.c.fell_at.is_not(None))
        .values(fell_at=None))))


async def claim_removal(session: AsyncSession, chat_id: int, user_id: int, fell_at: datetime) -> bool:
    """The member's seat ends (once): the seat and the record of them in the group go."""
    done = rowcount(await session.execute(
        delete(SEATS).where(SEATS.c.chat_id == chat_id, SEATS.c.user_id == user_id, SEATS.c.fell_at == fell_at)))
    if done:
        await session.execute(delete(GROUP_MEMBERS).where(GROUP_MEMBERS.c.chat_id == chat_id,
                                                          GROUP_MEMBERS.c.user_id == user_id))
    return bool(done)


async def seat_of(session: AsyncSession, chat_id: int, user_id: int) -> TierSeat | None:
    return await session.get(TierSeat, (chat_id, user_id))


async def open_links(session: AsyncSession, user_id: int) -> list[tuple[str, str]]:
    """The member's personal links to tier groups not used yet, as (group title, link): /me shows
    them again (the message with the link may not have reached them)."""
    rows = await session.execute(
        select(GROUPS.c.title, SEATS.c.link).join(GROUPS, GROUPS.c.chat_id == SEATS.c.chat_id)
        .outerjoin(GROUP_MEMBERS, (GROUP_MEMBERS.c.chat_id == SEATS.c.chat_id)
                   & (GROUP_MEMBERS.c.user_id == SEATS.c.user_id))
        .where(SEATS.c.user_id == user_id, SEATS.c.link.is_not(None), GROUP_MEMBERS.c.user_id.is_(None))
        .order_by(GROUPS.c.title))
    return [(str(title), str(link)) for title, link in rows.all()]
