"""Join requests, entry-threshold settings, welcome settings and invite links, in the database.

A request is a row; it is decided by a conditional UPDATE of a *pending* row (so a duplicate
update, a racing timeout or a restart can never decide it twice) and marked ``applied`` by
another conditional UPDATE once Telegram has been told (so the applicant is told, and a welcome
gift paid, once).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, case, delete, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Ban, Group, InviteLink, JoinRequest
from bot.services import segments as segment_service
from bot.services.sql import insert_for, rowcount
from games import segments
from games.gate import GateRules, Mode

GROUPS = Group.__table__  # type: ignore[attr-defined]
REQUESTS = JoinRequest.__table__  # type: ignore[attr-defined]
LINKS = InviteLink.__table__  # type: ignore[attr-defined]
BANS = Ban.__table__  # type: ignore[attr-defined]
PENDING, APPROVED, DECLINED = "pending", "approved", "declined"


def rules_of(group: Group) -> GateRules:
    return GateRules(
        mode=Mode(group.gate_mode), password=group.gate_password, attempts=group.gate_attempts,
        channel=group.gate_channel, allow=group.gate_allow, segment=group.gate_segment,
        spend_cents=group.gate_spend_cents, timeout=timedelta(seconds=group.gate_timeout_s),
        tier=group.gate_tier,
        tier_grace=None if group.gate_tier_grace_s is None else timedelta(seconds=group.gate_tier_grace_s),
    )


async def save_rules(session: AsyncSession, chat_id: int, rules: GateRules) -> None:
    await session.execute(update(GROUPS).where(GROUPS.c.chat_id == chat_id).values(
        gate_mode=str(rules.mode), gate_password=rules.password, gate_attempts=rules.attempts,
        gate_channel=rules.channel, gate_allow=rules.allow, gate_segment=rules.segment,
        gate_spend_cents=rules.spend_cents, gate_timeout_s=int(rules.timeout.total_seconds()),
        gate_tier=rules.tier,
        gate_tier_grace_s=None if rules.tier_grace is None else int(rules.tier_grace.total_seconds()),
    ))


async def save_welcome(session: AsyncSession, chat_id: int, *, text: str | None, gift: int) -> None:
    await session.execute(update(GROUPS).where(GROUPS.c.chat_id == chat_id)
                          .values(welcome_text=text, welcome_gift=gift))


async def swap_welcome_message(session: AsyncSession, chat_id: int, message_id: int) -> int | None:
    """Remember the latest welcome message; returns the one before it (to delete)."""
    previous = (await session.execute(
        select(GROUPS.c.welcome_message_id).where(GROUPS.c.chat_id == chat_id)
    )).scalar_one_or_none()
    await session.execute(update(GROUPS).where(GROUPS.c.chat_id == chat_id).values(welcome_message_id=message_id))
    return previous


# ---- join requests ------------------------------------------------------------------------------

async def open_request(
    session: AsyncSession, *, chat_id: int, user_id: int, user_chat_id: int, first_name: str,
    language_code: str | None, invite_link: str | None, requested_at: datetime, now: datetime,
    expires_at: datetime,
) -> int | None:
    """Record a new pending request; None if it is a duplicate delivery of one already recorded,
    or this user already has one pending for this group."""
    [found] = await open_requests(session, [NewRequest(
        chat_id, user_id, user_chat_id, first_name, language_code, invite_link, requested_at, now, expires_at)])
    return found


@dataclass(frozen=True)
class Ask:
    """What a new join request needs to know before its decision is written."""

    chat_id: int
    user_id: int
    is_bot: bool
    now: datetime
    today: date


@dataclass(frozen=True)
class Context:
    group: Group | None  # detached: read on a snapshot that has ended
    banned: bool
    in_segment: bool | None  # None: the group has no segment threshold, or the applicant is a bot or banned


async def contexts(session: AsyncSession, asks: list[Ask]) -> list[Context]:
    """Each request's group, ban and segment threshold, for many requests at once: a statement per
    kind (and per segment), not per request. A segment is decided at the earliest ``now`` among
    the requests (they arrived within the same few milliseconds)."""
    chats = sorted({a.chat_id for a in asks})
    groups = {g.chat_id: g for g in (await session.execute(select(Group).where(GROUPS.c.chat_id.in_(chats))))
              .scalars()}
    banned = set((await session.execute(
        select(BANS.c.user_id).where(BANS.c.user_id.in_(sorted({a.user_id for a in asks})))
    )).scalars())
    by_segment: dict[tuple[str, date], list[Ask]] = {}
    for a in asks:
        group = groups.get(a.chat_id)
        if group is not None and group.gate_segment and not a.is_bot and a.user_id not in banned:
            by_segment.setdefault((group.gate_segment, a.today), []).append(a)
    inside: dict[tuple[str, date], set[int]] = {}
    for (segment, today), members in by_segment.items():
        inside[(segment, today)] = await segment_service.members_among(
            session, segments.parse(segment), sorted({a.user_id for a in members}), min(a.now for a in members),
            today)
    session.expunge_all()  # the groups keep their loaded values after the snapshot ends
    found = []
    for a in asks:
        group = groups.get(a.chat_id)
        key = (group.gate_segment, a.today) if group is not None and group.gate_segment else None
        found.append(Context(group, a.user_id in banned,
                             a.user_id in inside[key] if key is not None and key in inside else None))
    return found


@dataclass(frozen=True)
class NewRequest:
    chat_id: int
    user_id: int
    user_chat_id: int
    first_name: str
    language_code: str | None
    invite_link: str | None
    requested_at: datetime
    now: datetime
    expires_at: datetime


async def open_requests(session: AsyncSession, requests: list[NewRequest]) -> list[int | None]:
    """:func:`open_request` for many requests in one statement (and one for their links' names):
    each one's id, or None for a duplicate (of a request already pending, or of an earlier one in
    the list)."""
    links = sorted({r.invite_link for r in requests if r.invite_link})
    names: dict[str, str | None] = dict((await session.execute(
        select(LINKS.c.link, LINKS.c.name).where(LINKS.c.link.in_(links)))).all()) if links else {}
    # One row per distinct request (chat, user, date): a copy of a request delivered again is the same
    # request (the unique (chat, user, date) skips it if it is already recorded, even decided), while a
    # new request by the same member is a row of its own (the pending key skips it while one is pending).
    rows: dict[tuple[int, int, datetime], dict[str, object]] = {}
    for r in requests:
        pending = f"{r.chat_id}:{r.user_id}"
        rows.setdefault(_request_key(r.chat_id, r.user_id, r.requested_at), dict(
            chat_id=r.chat_id, user_id=r.user_id, user_chat_id=r.user_chat_id, first_name=r.first_name[:256],
            language_code=r.language_code, invite_link=(r.invite_link or None) and r.invite_link[:128],
            invite_name=names.get(r.invite_link) if r.invite_link else None, status=PENDING, pending_key=pending,
            password_attempts=0, applied=False, requested_at=r.requested_at, created_at=r.now,
            expires_at=r.expires_at))
    stmt = insert_for(session, REQUESTS).on_conflict_do_nothing().returning(
        REQUESTS.c.id, REQUESTS.c.chat_id, REQUESTS.c.user_id, REQUESTS.c.requested_at)
    opened = {_request_key(chat_id, user_id, at): int(rid)
              for rid, chat_id, user_id, at in (await session.execute(stmt, list(rows.values()))).all()}
    ids: list[int | None] = []
    for r in requests:  # a request's first copy gets the id, any later one in the list is its duplicate
        ids.append(opened.pop(_request_key(r.chat_id, r.user_id, r.requested_at), None))
    return ids


def _request_key(chat_id: int, user_id: int, requested_at: datetime) -> tuple[int, int, datetime]:
    return chat_id, user_id, requested_at.astimezone(UTC).replace(microsecond=0)


async def decide_many(session: AsyncSession, decided_at: Sequence[tuple[int, datetime]], *, approved: bool,
                      reason: str) -> set[int]:
    """:func:`decide` for many requests with the same decision, in one statement, each (request id,
    when it was decided) keeping its own time: the ids decided now."""
    if not decided_at:
        return set()
    times = dict(decided_at)
    when: ColumnElement[datetime] | datetime
    if len(set(times.values())) == 1:
        when = next(iter(times.values()))
    else:
        when = case({rid: literal(at, REQUESTS.c.decided_at.type) for rid, at in times.items()}, value=REQUESTS.c.id)
    return set((await session.execute(
        update(REQUESTS).where(REQUESTS.c.id.in_(list(times)), REQUESTS.c.status == PENDING)
        .values(status=APPROVED if approved else DECLINED, reason=reason[:64], pending_key=None, decided_at=when)
        .returning(REQUESTS.c.id)
    )).scalars())


async def needs_check_many(session: AsyncSession, request_ids: list[int]) -> None:
    """:func:`set_needs_check` (True) for many requests."""
    if request_ids:
        await session.execute(update(REQUESTS).where(REQUESTS.c.id.in_(request_ids), REQUESTS.c.status == PENDING)
                              .values(needs_check=True))


async def revoke_banned(session: AsyncSession, requests: Iterable[tuple[int, int]], *, reason: str) -> set[int]:
    """Turn each approval not yet carried out into a decline when its applicant was banned meanwhile:
    the request ids revoked."""
    by_user = dict(requests)
    if not by_user:
        return set()
    banned = set((await session.execute(select(BANS.c.user_id).where(BANS.c.user_id.in_(sorted(set(by_user.values())))))
                  ).scalars())
    ids = [rid for rid, uid in by_user.items() if uid in banned]
    if not ids:
        return set()
    return set((await session.execute(
        update(REQUESTS).where(REQUESTS.c.id.in_(ids), REQUESTS.c.status == APPROVED,
                               REQUESTS.c.applied == False)  # noqa: E712
        .values(status=DECLINED, reason=reason[:64]).returning(REQUESTS.c.id)
    )).scalars())


async def claim_notified_many(session: AsyncSession, request_ids: list[int]) -> set[int]:
    """Claim telling the applicants the decision (before the messages go out), once per request: the
    ids claimed now."""
    if not request_ids:
        return set()
    return set((await session.execute(
        update(REQUESTS).where(REQUESTS.c.id.in_(request_ids), REQUESTS.c.status != PENDING,
                               REQUESTS.c.notified == False)  # noqa: E712
        .values(notified=True).returning(REQUESTS.c.id)
    )).scalars())


async def claim_applied_many(session: AsyncSession, request_ids: list[int], outcome: str | None) -> set[int]:
    """:func:`claim_applied` for many requests with the same outcome: the ids claimed now."""
    if not request_ids:
        return set()
    return set((await session.execute(
        update(REQUESTS).where(REQUESTS.c.id.in_(request_ids), REQUESTS.c.status != PENDING,
                               REQUESTS.c.applied == False)  # noqa: E712
        .values(applied=True, outcome=outcome).returning(REQUESTS.c.id)
    )).scalars())


async def get_request(session: AsyncSession, request_id: int) -> JoinRequest | None:
    return await session.get(JoinRequest, request_id, populate_existing=True)


async def decide(session: AsyncSession, request_id: int, *, approved: bool, reason: str, now: datetime) -> bool:
    """Decide a pending request; False if it was decided already (by a timeout, a duplicate, a restart)."""
    result = await session.execute(
        update(REQUESTS).where(REQUESTS.c.id == request_id, REQUESTS.c.status == PENDING)
        .values(status=APPROVED if approved else DECLINED, reason=reason[:64], pending_key=None, decided_at=now)
    )
    return bool(rowcount(result))


async def record_password(session: AsyncSession, request_id: int, *, before: int, used: int, ok: bool | None) -> bool:
    """Count one password attempt, only if nobody else counted one meanwhile."""
    result = await session.execute(
        update(REQUESTS).where(REQUESTS.c.id == request_id, REQUESTS.c.status == PENDING,
                               REQUESTS.c.password_attempts == before)
        .values(password_attempts=used, password_ok=ok)
    )
    return bool(rowcount(result))


async def claim_applied(session: AsyncSession, request_id: int, outcome: str | None = None) -> bool:
    """Mark a decision carried out, with what Telegram answered; False if it already was."""
    result = await session.execute(
        update(REQUESTS).where(REQUESTS.c.id == request_id, REQUESTS.c.status != PENDING,
                               REQUESTS.c.applied == False)  # noqa: E712
        .values(applied=True, outcome=outcome)
    )
    return bool(rowcount(result))


async def set_needs_check(session: AsyncSession, request_id: int, needed: bool) -> None:
    """A threshold could not be checked (Telegram did not answer): the sweep asks again."""
    await session.execute(update(REQUESTS).where(REQUESTS.c.id == request_id, REQUESTS.c.status == PENDING)
                          .values(needs_check=needed))


async def to_check_again(session: AsyncSession) -> list[int]:
    return list((await session.execute(
        select(REQUESTS.c.id).where(REQUESTS.c.status == PENDING, REQUESTS.c.needs_check == True)  # noqa: E712
        .order_by(REQUESTS.c.id)
    )).scalars())


async def outcome_seen(session: AsyncSession, chat_id: int, outcome: str, since: datetime,
                       excluding: int) -> bool:
    """Whether another request of ``chat_id`` met ``outcome`` after ``since`` (staff were told then)."""
    return (await session.execute(
        select(func.count()).select_from(REQUESTS)
        .where(REQUESTS.c.chat_id == chat_id, REQUESTS.c.outcome == outcome, REQUESTS.c.id != excluding,
               REQUESTS.c.decided_at >= since)
    )).scalar_one() > 0


async def awaiting_password(session: AsyncSession, user_id: int) -> int | None:
    """The oldest pending request of ``user_id`` still waiting for its group's password."""
    return (await session.execute(
        select(REQUESTS.c.id).join(GROUPS, GROUPS.c.chat_id == REQUESTS.c.chat_id)
        .where(REQUESTS.c.user_id == user_id, REQUESTS.c.status == PENDING, REQUESTS.c.password_ok.is_(None),
               GROUPS.c.gate_password.is_not(None))
        .order_by(REQUESTS.c.id).limit(1)
    )).scalar_one_or_none()


async def pending_of_user(session: AsyncSession, user_id: int) -> list[int]:
    return list((await session.execute(
        select(REQUESTS.c.id).where(REQUESTS.c.user_id == user_id, REQUESTS.c.status == PENDING)
    )).scalars())


async def expired(session: AsyncSession, now: datetime) -> list[int]:
    return list((await session.execute(
        select(REQUESTS.c.id).where(REQUESTS.c.status == PENDING, REQUESTS.c.expires_at <= now)
        .order_by(REQUESTS.c.id)
    )).scalars())


async def unapplied(session: AsyncSession) -> list[int]:
    return list((await session.execute(
        select(REQUESTS.c.id).where(REQUESTS.c.status != PENDING, REQUESTS.c.applied == False)  # noqa: E712
        .order_by(REQUESTS.c.id)
    )).scalars())


# ---- invite links -------------------------------------------------------------------------------

async def add_link(session: AsyncSession, *, link: str, chat_id: int, name: str | None, by: int,
                   now: datetime) -> None:
    await session.execute(LINKS.insert().values(link=link, chat_id=chat_id, name=name, created_by=by, created_at=now))


async def links_named(session: AsyncSession, chat_id: int, name_or_link: str) -> list[str]:
    """The group's links called ``name_or_link`` (or that link itself)."""
    rows = await session.execute(
        select(LINKS.c.link).where(LINKS.c.chat_id == chat_id,
                                   or_(LINKS.c.name == name_or_link, LINKS.c.link == name_or_link))
        .order_by(LINKS.c.created_at)
    )
    return list(rows.scalars())


async def remove_links(session: AsyncSession, chat_id: int, links: list[str]) -> int:
    """Take revoked ``links`` off the group's list (their join requests keep their history)."""
    result = await session.execute(delete(LINKS).where(LINKS.c.chat_id == chat_id, LINKS.c.link.in_(links)))
    return rowcount(result)


async def link_stats(session: AsyncSession, chat_id: int) -> list[tuple[str, str | None, int, int]]:
    """Each link of the group: (link, name, requests, approved)."""
    approved = func.sum(case((REQUESTS.c.status == APPROVED, 1), else_=0))
    rows = await session.execute(
        select(LINKS.c.link, LINKS.c.name, func.count(REQUESTS.c.id), func.coalesce(approved, 0))
        .select_from(LINKS.outerjoin(REQUESTS, REQUESTS.c.invite_link == LINKS.c.link))
        .where(LINKS.c.chat_id == chat_id)
        .group_by(LINKS.c.link, LINKS.c.name, LINKS.c.created_at)
        .order_by(LINKS.c.created_at)
    )
    return [(link, name, int(n), int(a)) for link, name, n, a in rows.all()]


async def joined_via(session: AsyncSession, chat_id: int, name: str, limit: int = 30) -> list[tuple[int, str]]:
    """Who joined the group through the link(s) called ``name`` (newest first)."""
    rows = await session.execute(
        select(REQUESTS.c.user_id, REQUESTS.c.first_name)
        .where(REQUESTS.c.chat_id == chat_id, REQUESTS.c.invite_name == name, REQUESTS.c.status == APPROVED)
        .order_by(REQUESTS.c.id.desc()).limit(limit)
    )
    return [(uid, first_name) for uid, first_name in rows.all()]
