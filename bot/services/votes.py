"""Product votes in the database: creation, taps (votes and changes), closing with rewards, cancelling,
results and the books (``regulars doctor``).

The rows are the truth and the results are counted from them: ``vote_choices`` holds each member's
current choice(s), so the tallies on the post, at the close and in ``/vote_results`` are the same
query over the same rows.

Invariants, in the database: one ballot per member per vote (its primary key) — a tap locks it
before changing that member's choices, so concurrent taps by one member serialise; a tap applied
once is recognised by its callback query id (``vote_taps``) and not applied again when Telegram
redelivers it, whatever came in between; a vote closes once (a conditional update from ``open``)
and only that closer pays, each voter once (ledger key ``vote:reward:<vote>:<member>``), and
records ``paid = reward × voters`` (a check constraint). A tap holds a share lock on its vote
(PostgreSQL; SQLite serialises every writer), so no choice slips in after the close counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, distinct, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import LedgerEntry, Order, Vote, VoteBallot, VoteChoice, VoteOption, VoteTap
from bot.services import ledger
from bot.services.sql import insert_for, rowcount
from games import votes as rules
from games.points import Reason, vote_reward_key

VOTES = Vote.__table__  # type: ignore[attr-defined]
OPTIONS = VoteOption.__table__  # type: ignore[attr-defined]
BALLOTS = VoteBallot.__table__  # type: ignore[attr-defined]
CHOICES = VoteChoice.__table__  # type: ignore[attr-defined]
TAPS = VoteTap.__table__  # type: ignore[attr-defined]
LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
ORDERS = Order.__table__  # type: ignore[attr-defined]

OPEN, CLOSED, CANCELLED = "open", "closed", "cancelled"


def ref_of(vote_id: int) -> str:
    """The ledger ``ref`` of a vote's rewards."""
    return f"vote:{vote_id}"


def _postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


# ---- creating ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Created:
    vote_id: int
    new: bool  # False: the same command had already made it (a redelivered update)


async def create_vote(session: AsyncSession, *, chat_id: int, actor_id: int, spec: rules.VoteSpec,
                      source_key: str, now: datetime) -> Created:
    existing = (await session.execute(select(VOTES.c.id).where(VOTES.c.source_key == source_key))).scalar()
    if existing is not None:
        return Created(int(existing), new=False)
    vote_id = (await session.execute(VOTES.insert().values(
        chat_id=chat_id, created_by=actor_id, question=spec.question, options=len(spec.options),
        multi=spec.multi, buyers=spec.buyers, show=str(spec.show), reward=spec.reward, launch=spec.launch, status=OPEN,
        source_key=source_key, voters=0, paid=0, created_at=now, closes_at=spec.closes_at,
    ).returning(VOTES.c.id))).scalar_one()
    await session.execute(OPTIONS.insert(), [
        {"vote_id": vote_id, "no": no, "label": option.label, "sku": option.sku}
        for no, option in enumerate(spec.options, start=1)
    ])
    return Created(int(vote_id), new=True)


async def set_message(session: AsyncSession, vote_id: int, message_id: int | None) -> None:
    await session.execute(update(VOTES).where(VOTES.c.id == vote_id).values(message_id=message_id))


# ---- voting --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cast:
    vote_id: int
    choices: tuple[str, ...]  # the labels of the member's choices now, in option order
    first: bool  # the member's first tap on this vote
    changed: bool  # the choices differ from before the tap
    duplicate: bool  # this very tap was applied already (a redelivered update)
    reward: int
    multi: bool


async def is_buyer(session: AsyncSession, user_id: int) -> bool:
    """At least one order linked to ``user_id`` (/bind)."""
    found = await session.execute(select(ORDERS.c.order_id).where(ORDERS.c.user_id == user_id).limit(1))
    return found.first() is not None


async def cast(session: AsyncSession, *, vote_id: int, chat_id: int, user_id: int, option: int, tap_id: str,
               now: datetime) -> Cast:
    """Apply one tap of ``user_id`` on ``option``. Raises a :class:`rules.VoteRefused` (nothing written)
    when the vote is not there, not open, past its deadline, or for buyers only and they are not one."""
    query = select(VOTES).where(VOTES.c.id == vote_id)
    if _postgres(session):
        query = query.with_for_update(read=True)  # the close waits for the taps in flight, and they for it
    vote = (await session.execute(query)).first()
    if vote is None or vote.chat_id != chat_id or not 1 <= option <= vote.options:
        raise rules.NoSuchVote()
    if vote.status == CANCELLED:
        raise rules.VoteCancelled()
    if vote.status != OPEN or now >= vote.closes_at:
        raise rules.VoteClosed()
    if vote.buyers and not await is_buyer(session, user_id):
        raise rules.NotABuyer()
    inserted = await session.execute(insert_for(session, BALLOTS).values(
        vote_id=vote_id, user_id=user_id, first_at=now, changed_at=now, changes=0, rewarded=0,
    ).on_conflict_do_nothing(index_elements=["vote_id", "user_id"]))
    first = bool(rowcount(inserted))
    if not first:  # the member's ballot, locked: their taps are applied one at a time
        ballot = select(BALLOTS.c.user_id).where(BALLOTS.c.vote_id == vote_id, BALLOTS.c.user_id == user_id)
        await session.execute(ballot.with_for_update() if _postgres(session) else ballot)
    applied = await session.execute(insert_for(session, TAPS).values(query_id=tap_id, vote_id=vote_id)
                                    .on_conflict_do_nothing(index_elements=["query_id"]))
    duplicate = not rowcount(applied)
    current = frozenset((await session.execute(
        select(CHOICES.c.option_no).where(CHOICES.c.vote_id == vote_id, CHOICES.c.user_id == user_id)
    )).scalars())
    chosen = current if duplicate else rules.next_choices(current, option, vote.multi)
    if chosen != current:
        removed, added = current - chosen, chosen - current
        if removed:
            await session.execute(delete(CHOICES).where(CHOICES.c.vote_id == vote_id, CHOICES.c.user_id == user_id,
                                                        CHOICES.c.option_no.in_(sorted(removed))))
        if added:
            await session.execute(CHOICES.insert(), [
                {"vote_id": vote_id, "user_id": user_id, "option_no": no} for no in sorted(added)])
        await session.execute(update(BALLOTS).where(BALLOTS.c.vote_id == vote_id, BALLOTS.c.user_id == user_id)
                              .values(changed_at=now, changes=BALLOTS.c.changes + (0 if first else 1)))
    labels: dict[int, str] = dict((await session.execute(
        select(OPTIONS.c.no, OPTIONS.c.label).where(OPTIONS.c.vote_id == vote_id))).all()) if chosen else {}
    return Cast(vote_id, tuple(labels[no] for no in sorted(chosen)), first and not duplicate,
                not duplicate and chosen != current, duplicate, int(vote.reward), bool(vote.multi))


# ---- closing -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Closed:
    vote_id: int
    chat_id: int
    voters: int
    paid: int
    reward: int


async def close(session: AsyncSession, vote_id: int, now: datetime, *, by: int | None = None,
                chat_id: int | None = None) -> Closed | None:
    """Close an open vote and pay ``reward`` once to each member with a choice, once.

    ``by`` None: the deadline closes it (only once it is due); otherwise staff close it early (in
    ``chat_id``). None when there was nothing to do: not open (closed by someone else, cancelled),
    not due, not in that chat."""
    conditions = [VOTES.c.id == vote_id, VOTES.c.status == OPEN]
    if by is None:
        conditions.append(VOTES.c.closes_at <= now)
    if chat_id is not None:
        conditions.append(VOTES.c.chat_id == chat_id)
    row = (await session.execute(
        update(VOTES).where(*conditions).values(status=CLOSED, closed_at=now, closed_by=by)
        .returning(VOTES.c.chat_id, VOTES.c.reward)
    )).first()
    if row is None:
        return None
    voter_ids = [int(uid) for uid in (await session.execute(
        select(CHOICES.c.user_id).where(CHOICES.c.vote_id == vote_id).distinct().order_by(CHOICES.c.user_id)
    )).scalars()]
    reward = int(row.reward)
    if reward > 0 and voter_ids:
        # The conditional update above made this transaction the only closer: the keys are new.
        await ledger.bulk_credit(session, [
            ledger.Credit(uid, reward, Reason.VOTE, vote_reward_key(vote_id, uid), ref_of(vote_id))
            for uid in voter_ids
        ], now)
        voted = select(CHOICES.c.user_id).where(CHOICES.c.vote_id == vote_id)
        await session.execute(update(BALLOTS).where(BALLOTS.c.vote_id == vote_id, BALLOTS.c.user_id.in_(voted))
                              .values(rewarded=reward))
    await session.execute(delete(TAPS).where(TAPS.c.vote_id == vote_id))  # no tap can apply any more
    paid = reward * len(voter_ids)
    await session.execute(update(VOTES).where(VOTES.c.id == vote_id).values(voters=len(voter_ids), paid=paid))
    return Closed(vote_id, int(row.chat_id), len(voter_ids), paid, reward)


async def cancel(session: AsyncSession, vote_id: int, chat_id: int, now: datetime, *, by: int) -> bool:
    """Cancel an open vote of ``chat_id``: no results, no rewards. False if it was not open there."""
    done = await session.execute(update(VOTES).where(
        VOTES.c.id == vote_id, VOTES.c.chat_id == chat_id, VOTES.c.status == OPEN,
    ).values(status=CANCELLED, closed_at=now, closed_by=by))
    if not rowcount(done):
        return False
    await session.execute(delete(TAPS).where(TAPS.c.vote_id == vote_id))
    return True


async def mark_announced(session: AsyncSession, vote_id: int, now: datetime) -> None:
    await session.execute(update(VOTES).where(VOTES.c.id == vote_id).values(announced_at=now))


async def due(session: AsyncSession, now: datetime) -> list[int]:
    """Open votes whose deadline has passed."""
    return [int(i) for i in (await session.execute(
        select(VOTES.c.id).where(VOTES.c.status == OPEN, VOTES.c.closes_at <= now).order_by(VOTES.c.id)
    )).scalars()]


async def open_deadlines(session: AsyncSession) -> list[tuple[int, datetime]]:
    """(id, deadline) of every open vote."""
    rows = await session.execute(select(VOTES.c.id, VOTES.c.closes_at).where(VOTES.c.status == OPEN)
                                 .order_by(VOTES.c.id))
    return [(int(r.id), r.closes_at) for r in rows.all()]


async def unannounced(session: AsyncSession) -> list[int]:
    """Closed votes whose results were never posted (the process stopped between the two)."""
    return [int(i) for i in (await session.execute(
        select(VOTES.c.id).where(VOTES.c.status == CLOSED, VOTES.c.announced_at.is_(None)).order_by(VOTES.c.id)
    )).scalars()]


async def unposted(session: AsyncSession) -> list[int]:
    """Open votes without a post (the process stopped between the command and the post)."""
    return [int(i) for i in (await session.execute(
        select(VOTES.c.id).where(VOTES.c.status == OPEN, VOTES.c.message_id.is_(None)).order_by(VOTES.c.id)
    )).scalars()]


async def forget_posts(session: AsyncSession, chat_id: int) -> list[int]:
    """The open votes of ``chat_id`` that have a post, which is forgotten (it is in the group's old
    chat after a supergroup migration: the rows moved, the messages did not); returns their ids."""
    ids = [int(i) for i in (await session.execute(
        select(VOTES.c.id).where(VOTES.c.chat_id == chat_id, VOTES.c.status == OPEN, VOTES.c.message_id.is_not(None))
        .order_by(VOTES.c.id)
    )).scalars()]
    if ids:
        await session.execute(update(VOTES).where(VOTES.c.id.in_(ids)).values(message_id=None))
    return ids


# ---- what the post and the results show ------------------------------------------------------------

@dataclass(frozen=True)
class OptionRow:
    no: int
    label: str
    sku: str | None


@dataclass(frozen=True)
class VoteView:
    vote: Row[Any]  # a plain row of votes (it outlives its session)
    options: tuple[OptionRow, ...]
    tally: rules.Tally


async def view(session: AsyncSession, vote_id: int) -> VoteView | None:
    vote = (await session.execute(select(VOTES).where(VOTES.c.id == vote_id))).first()
    if vote is None:
        return None
    options = tuple(OptionRow(int(r.no), r.label, r.sku) for r in (await session.execute(
        select(OPTIONS.c.no, OPTIONS.c.label, OPTIONS.c.sku).where(OPTIONS.c.vote_id == vote_id)
        .order_by(OPTIONS.c.no))).all())
    counts = (await session.execute(
        select(CHOICES.c.option_no, func.count()).where(CHOICES.c.vote_id == vote_id).group_by(CHOICES.c.option_no)
    )).all()
    voters = int((await session.execute(
        select(func.count(distinct(CHOICES.c.user_id))).where(CHOICES.c.vote_id == vote_id))).scalar_one())
    per_option = dict((int(no), int(n)) for no, n in counts)
    tally = rules.tally_counts(tuple(per_option.get(o.no, 0) for o in options), voters)
    return VoteView(vote, options, tally)


@dataclass(frozen=True)
class Listed:
    id: int
    question: str
    status: str
    voters: int
    closes_at: datetime


async def list_votes(session: AsyncSession, chat_id: int, limit: int) -> tuple[list[Listed], int]:
    """The group's votes, newest first (at most ``limit``), and how many there are."""
    total = int((await session.execute(
        select(func.count()).select_from(VOTES).where(VOTES.c.chat_id == chat_id))).scalar_one())
    voters = (select(CHOICES.c.vote_id, func.count(distinct(CHOICES.c.user_id)).label("n"))
              .group_by(CHOICES.c.vote_id).subquery())
    rows = (await session.execute(
        select(VOTES.c.id, VOTES.c.question, VOTES.c.status, VOTES.c.closes_at, func.coalesce(voters.c.n, 0))
        .select_from(VOTES.outerjoin(voters, voters.c.vote_id == VOTES.c.id))
        .where(VOTES.c.chat_id == chat_id).order_by(VOTES.c.id.desc()).limit(limit)
    )).all()
    return [Listed(int(r[0]), r[1], r[2], int(r[4]), r[3]) for r in rows], total


# ---- accounting (regulars doctor) -------------------------------------------------------------------

async def accounting(session: AsyncSession) -> list[str]:
    """Every vote paid exactly what its rows say: a closed vote ``reward`` to each member with a choice
    and nothing to anyone else (its ballots and the ledger agree with ``paid = reward × voters``);
    an open or cancelled vote nothing at all."""
    problems: list[str] = []
    ledger_sums = {r.ref: (int(r.total), int(r.entries), int(r.members)) for r in (await session.execute(
        select(LEDGER.c.ref, func.sum(LEDGER.c.amount).label("total"), func.count().label("entries"),
               func.count(distinct(LEDGER.c.user_id)).label("members"))
        .where(LEDGER.c.ref.like("vote:%"), LEDGER.c.reason == str(Reason.VOTE)).group_by(LEDGER.c.ref)
    )).all()}
    voter_counts: dict[int, int] = dict((await session.execute(
        select(CHOICES.c.vote_id, func.count(distinct(CHOICES.c.user_id))).group_by(CHOICES.c.vote_id))).all())
    rewarded = {r.vote_id: (int(r.total), int(r.paid_ballots), int(r.wrong)) for r in (await session.execute(
        select(BALLOTS.c.vote_id, func.sum(BALLOTS.c.rewarded).label("total"),
               func.count().filter(BALLOTS.c.rewarded > 0).label("paid_ballots"),
               func.count().filter(and_(BALLOTS.c.rewarded > 0, BALLOTS.c.rewarded != VOTES.c.reward)).label("wrong"))
        .join(VOTES, VOTES.c.id == BALLOTS.c.vote_id).group_by(BALLOTS.c.vote_id)
    )).all()}
    for vote in (await session.execute(select(VOTES.c.id, VOTES.c.status, VOTES.c.reward, VOTES.c.voters,
                                              VOTES.c.paid))).all():
        vote_id = int(vote.id)
        paid_ledger, entries, members = ledger_sums.pop(ref_of(vote_id), (0, 0, 0))
        ballots_total, ballots_paid, wrong = rewarded.get(vote_id, (0, 0, 0))
        if vote.status != CLOSED:
            if vote.paid or paid_ledger or ballots_total:
                problems.append(f"vote {vote_id}: {vote.status} but paid {vote.paid} (ledger {paid_ledger}, "
                                f"ballots {ballots_total})")
            continue
        voters = int(voter_counts.get(vote_id, 0))
        if vote.voters != voters:
            problems.append(f"vote {vote_id}: closed with {vote.voters} voters but {voters} members have a choice")
        expected = int(vote.reward) * voters
        if vote.paid != expected or paid_ledger != vote.paid or ballots_total != vote.paid:
            problems.append(f"vote {vote_id}: paid {vote.paid}, expected {expected}; ledger {paid_ledger}, "
                            f"ballots {ballots_total}")
        if entries != members or wrong or (vote.reward and ballots_paid != vote.voters):
            problems.append(f"vote {vote_id}: a member was paid twice or a wrong amount "
                            f"({entries} entries for {members} members, {ballots_paid} ballots paid)")
    for ref, (total, _entries, _members) in ledger_sums.items():
        problems.append(f"{ref}: {total} points paid in the ledger for a vote that does not exist")
    return problems
