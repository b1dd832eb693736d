"""Price-guessing rounds in the database: rounds, tries, guesses, the close and its prize, the
personal invite links and the friends who joined through them.

Invariants, in the database: a round moves from open to closed or cancelled once (a conditional
UPDATE), and only a closed round with a winner has paid anything, exactly its prize (a check
constraint, and the ledger key ``guess:prize:<round>``); a member's tries are a row whose ``used``
moves only by ``used = used + 1 WHERE used < tries + bonus`` (and a check constraint), so however
many guesses race, each one costs exactly one try and none goes beyond the allowance; a guess is
unique per (round, member, try number) and per message; a friend is counted once per round (the
key of ``guess_invites``) and a bonus try only while ``bonus < max_bonus``.

Guesses of one round are serialised on the round's row (``FOR UPDATE`` on PostgreSQL, the write
lock on SQLite), so a close never misses a guess that was accepted before it, and a guess never
lands in a round that was closed before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GroupMember, GuessEntry, GuessInvite, GuessLink, GuessPlayer, GuessRound, LedgerEntry, User
from bot.services import ledger
from bot.services.sql import insert_for, rowcount
from games import guessing as rules
from games.points import Reason, guess_prize_key

ROUNDS = GuessRound.__table__  # type: ignore[attr-defined]
PLAYERS = GuessPlayer.__table__  # type: ignore[attr-defined]
GUESSES = GuessEntry.__table__  # type: ignore[attr-defined]
LINKS = GuessLink.__table__  # type: ignore[attr-defined]
INVITES = GuessInvite.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
GROUP_MEMBERS = GroupMember.__table__  # type: ignore[attr-defined]

OPEN, CLOSED, CANCELLED = "open", "closed", "cancelled"
TOP_LISTED = 5  # guesses shown with the results


def ref_of(round_id: int) -> str:
    return f"guess:{round_id}"


# ---- rounds -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Created:
    round_id: int
    new: bool  # False: the same /guess message had already made it


async def create_round(session: AsyncSession, *, chat_id: int, actor_id: int, spec: rules.RoundSpec,
                       photo: str | None, source_key: str, now: datetime) -> Created:
    found = (await session.execute(select(ROUNDS.c.id).where(ROUNDS.c.source_key == source_key))).scalar()
    if found is not None:
        return Created(int(found), new=False)
    row = GuessRound(
        chat_id=chat_id, product=spec.product, photo=photo, price_cents=spec.price, rule=str(spec.rule),
        within_bp=spec.within_bp, tries=spec.tries, prize=spec.prize, hints=spec.hints, invites=spec.invites,
        deadline=spec.deadline, source_key=source_key, created_by=actor_id, created_at=now,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    return Created(row.id, new=True)


async def get(session: AsyncSession, round_id: int) -> Row[Any] | None:
    """The round as a plain row (it outlives its session)."""
    return (await session.execute(select(ROUNDS).where(ROUNDS.c.id == round_id))).first()


async def _locked(session: AsyncSession, round_id: int) -> Row[Any] | None:
    query = select(ROUNDS).where(ROUNDS.c.id == round_id)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def set_message(session: AsyncSession, round_id: int, message_id: int) -> None:
    await session.execute(update(ROUNDS).where(ROUNDS.c.id == round_id).values(message_id=message_id))


async def by_message(session: AsyncSession, chat_id: int, message_id: int) -> int | None:
    """The open round whose post is ``message_id`` in ``chat_id``."""
    found = (await session.execute(select(ROUNDS.c.id).where(
        ROUNDS.c.chat_id == chat_id, ROUNDS.c.message_id == message_id, ROUNDS.c.status == OPEN))).scalar()
    return None if found is None else int(found)


async def of_group(session: AsyncSession, chat_id: int, limit: int) -> tuple[list[Row[Any]], int]:
    """The group's rounds, newest first (at most ``limit``), and how many there are."""
    rows = (await session.execute(select(ROUNDS).where(ROUNDS.c.chat_id == chat_id)
                                  .order_by(ROUNDS.c.id.desc()).limit(limit))).all()
    total = (await session.execute(select(func.count()).select_from(ROUNDS)
                                   .where(ROUNDS.c.chat_id == chat_id))).scalar_one()
    return list(rows), int(total)


async def counts(session: AsyncSession, round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(guesses, players) per round."""
    if not round_ids:
        return {}
    rows = await session.execute(
        select(GUESSES.c.round_id, func.count(), func.count(func.distinct(GUESSES.c.user_id)))
        .where(GUESSES.c.round_id.in_(round_ids)).group_by(GUESSES.c.round_id))
    return {int(r[0]): (int(r[1]), int(r[2])) for r in rows.all()}


async def due(session: AsyncSession, now: datetime) -> list[int]:
    rows = await session.execute(select(ROUNDS.c.id).where(ROUNDS.c.status == OPEN, ROUNDS.c.deadline <= now)
                                 .order_by(ROUNDS.c.id))
    return [int(r) for r in rows.scalars()]


async def open_deadlines(session: AsyncSession) -> list[tuple[int, datetime]]:
    rows = await session.execute(select(ROUNDS.c.id, ROUNDS.c.deadline).where(ROUNDS.c.status == OPEN)
                                 .order_by(ROUNDS.c.id))
    return [(int(r.id), r.deadline) for r in rows.all()]


async def unposted(session: AsyncSession) -> list[int]:
    rows = await session.execute(select(ROUNDS.c.id).where(ROUNDS.c.status == OPEN, ROUNDS.c.message_id.is_(None)))
    return [int(r) for r in rows.scalars()]


async def to_post_again(session: AsyncSession, chat_id: int) -> list[int]:
    """The open rounds of ``chat_id`` (a group that just became a supergroup), whose posts stayed
    behind in the old group: forgotten, so that they are posted again here."""
    ids = [int(r) for r in (await session.execute(select(ROUNDS.c.id).where(
        ROUNDS.c.chat_id == chat_id, ROUNDS.c.status == OPEN, ROUNDS.c.message_id.is_not(None)))).scalars()]
    if ids:
        await session.execute(update(ROUNDS).where(ROUNDS.c.id.in_(ids)).values(message_id=None))
    return ids


async def unannounced(session: AsyncSession) -> list[int]:
    rows = await session.execute(select(ROUNDS.c.id).where(ROUNDS.c.status != OPEN, ROUNDS.c.announced.is_(False))
                                 .order_by(ROUNDS.c.id))
    return [int(r) for r in rows.scalars()]


async def claim_announcement(session: AsyncSession, round_id: int) -> bool:
    """True once per closed or cancelled round: whoever gets it posts the results (before sending,
    so a retry never repeats them)."""
    result = await session.execute(update(ROUNDS).where(ROUNDS.c.id == round_id, ROUNDS.c.status != OPEN,
                                                        ROUNDS.c.announced.is_(False)).values(announced=True))
    return bool(rowcount(result))


# ---- playing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Player:
    used: int
    bonus: int
    tries: int
    max_bonus: int

    @property
    def left(self) -> int:
        return rules.tries_left(self.tries, self.bonus, self.used)

    @property
    def may_earn(self) -> bool:
        """Whether a friend joining now would still earn a try."""
        return self.bonus < self.max_bonus


async def player(session: AsyncSession, round_id: int, user_id: int) -> Player | None:
    row = (await session.execute(select(PLAYERS).where(PLAYERS.c.round_id == round_id,
                                                       PLAYERS.c.user_id == user_id))).first()
    return None if row is None else Player(row.used, row.bonus, row.tries, row.max_bonus)


async def _ensure_player(session: AsyncSession, round_row: Row[Any], user_id: int, now: datetime) -> None:
    stmt = insert_for(session, PLAYERS).values(round_id=round_row.id, user_id=user_id, tries=round_row.tries,
                                               max_bonus=round_row.invites, used=0, bonus=0, focused_at=now)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["round_id", "user_id"]))


async def focus(session: AsyncSession, round_id: int, user_id: int, now: datetime) -> Player | None:
    """The member opened the round in private chat: their guesses go to it from now on. None if
    there is no such round."""
    round_row = await get(session, round_id)
    if round_row is None:
        return None
    if round_row.status == OPEN:
        await _ensure_player(session, round_row, user_id, now)
        await session.execute(update(PLAYERS).where(PLAYERS.c.round_id == round_id, PLAYERS.c.user_id == user_id)
                              .values(focused_at=now))
    return await player(session, round_id, user_id) or Player(0, 0, round_row.tries, round_row.invites)


async def focused_round(session: AsyncSession, user_id: int) -> int | None:
    """The open round the member opened last in private chat, if any."""
    found = (await session.execute(
        select(PLAYERS.c.round_id).join(ROUNDS, ROUNDS.c.id == PLAYERS.c.round_id)
        .where(PLAYERS.c.user_id == user_id, ROUNDS.c.status == OPEN)
        .order_by(PLAYERS.c.focused_at.desc(), PLAYERS.c.round_id.desc()).limit(1)
    )).scalar()
    return None if found is None else int(found)


async def in_group(session: AsyncSession, chat_id: int, user_id: int) -> bool:
    """Whether the bot has seen ``user_id`` in the group (or let them in)."""
    found = (await session.execute(select(GROUP_MEMBERS.c.user_id).where(
        GROUP_MEMBERS.c.chat_id == chat_id, GROUP_MEMBERS.c.user_id == user_id))).first()
    return found is not None


@dataclass(frozen=True)
class Accepted:
    round_id: int
    n: int  # the member's n-th try
    cents: int
    left: int
    hint: rules.Hint | None  # None: the round gives no hints
    won: bool = False  # a within:X% hit: the round closed on this guess
    paid: int = 0
    repeated: bool = False  # the same message again (a redelivered update): nothing new was counted
    player: Player | None = None


class NoSuchRound(rules.GuessError):
    key = "guess-no-such-round"


class RoundOver(rules.GuessError):
    key = "guess-round-over"


class NoTriesLeft(rules.GuessError):
    key = "guess-no-tries"


async def submit_guess(session: AsyncSession, *, round_id: int, user_id: int, cents: int, source_key: str,
                       now: datetime) -> Accepted:
    """Count one try and record the guess, or raise NoSuchRound, RoundOver or NoTriesLeft (nothing
    written). Under a ``within`` rule a hit closes the round at once and pays its prize."""
    round_row = await _locked(session, round_id)
    if round_row is None:
        raise NoSuchRound(id=round_id)
    earlier = (await session.execute(select(GUESSES).where(GUESSES.c.source_key == source_key))).first()
    if earlier is not None:
        state = await player(session, round_id, user_id)
        return Accepted(round_id, earlier.n, earlier.cents, state.left if state else 0, None, repeated=True,
                        won=round_row.winner_guess_id == earlier.id, paid=round_row.paid, player=state)
    if round_row.status != OPEN or now >= round_row.deadline:
        raise RoundOver(id=round_id)
    await _ensure_player(session, round_row, user_id, now)
    moved = (await session.execute(
        update(PLAYERS)
        .where(PLAYERS.c.round_id == round_id, PLAYERS.c.user_id == user_id,
               PLAYERS.c.used < PLAYERS.c.tries + PLAYERS.c.bonus)
        .values(used=PLAYERS.c.used + 1, focused_at=now)
        .returning(PLAYERS.c.used, PLAYERS.c.bonus, PLAYERS.c.tries, PLAYERS.c.max_bonus)
    )).first()
    if moved is None:
        state = await player(session, round_id, user_id)
        raise NoTriesLeft(id=round_id, may_earn=bool(state and state.may_earn))
    state = Player(moved.used, moved.bonus, moved.tries, moved.max_bonus)
    guess_id = (await session.execute(
        GUESSES.insert().values(round_id=round_id, user_id=user_id, n=moved.used, cents=cents,
                                source_key=source_key, at=now).returning(GUESSES.c.id)
    )).scalar_one()
    rule = rules.Rule(round_row.rule)
    hint = rules.hint(round_row.price_cents, cents) if round_row.hints else None
    if rule is rules.Rule.WITHIN and rules.within(round_row.price_cents, cents, round_row.within_bp):
        closed = await _close(session, round_row, now, winner=rules.Guess(guess_id, user_id, cents, now))
        return Accepted(round_id, moved.used, cents, state.left, hint, won=True,
                        paid=closed.paid if closed else 0, player=state)
    return Accepted(round_id, moved.used, cents, state.left, hint, player=state)


# ---- closing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Closed:
    round_id: int
    winner: rules.Guess | None
    paid: int


async def guesses_of(session: AsyncSession, round_id: int) -> list[rules.Guess]:
    rows = await session.execute(select(GUESSES.c.id, GUESSES.c.user_id, GUESSES.c.cents, GUESSES.c.at)
                                 .where(GUESSES.c.round_id == round_id).order_by(GUESSES.c.id))
    return [rules.Guess(int(r.id), int(r.user_id), int(r.cents), r.at) for r in rows.all()]


async def close(session: AsyncSession, round_id: int, now: datetime, *, early: bool = False) -> Closed | None:
    """Close an open round (at its deadline, or ``early`` by staff), decide the winner from its
    guesses and pay the prize, once. None when there was nothing to do (not due, not open)."""
    round_row = await _locked(session, round_id)
    if round_row is None or round_row.status != OPEN or (not early and now < round_row.deadline):
        return None
    winner = rules.winner(rules.Rule(round_row.rule), round_row.price_cents, round_row.within_bp,
                          await guesses_of(session, round_id))
    return await _close(session, round_row, now, winner=winner)


async def _close(session: AsyncSession, round_row: Row[Any], now: datetime, *,
                 winner: rules.Guess | None) -> Closed | None:
    paid = round_row.prize if winner is not None else 0
    result = await session.execute(
        update(ROUNDS).where(ROUNDS.c.id == round_row.id, ROUNDS.c.status == OPEN).values(
            status=CLOSED, closed_at=now, winner_id=winner.user_id if winner else None,
            winner_guess_id=winner.id if winner else None, paid=paid))
    if rowcount(result) != 1:
        return None
    if winner is not None and paid > 0:
        await ledger.move(session, user_id=winner.user_id, amount=paid, reason=Reason.GAME,
                          key=guess_prize_key(round_row.id), ref=ref_of(round_row.id), now=now)
    return Closed(round_row.id, winner, paid)


async def cancel(session: AsyncSession, round_id: int, chat_id: int, now: datetime) -> bool:
    result = await session.execute(update(ROUNDS).where(ROUNDS.c.id == round_id, ROUNDS.c.chat_id == chat_id,
                                                        ROUNDS.c.status == OPEN)
                                   .values(status=CANCELLED, closed_at=now))
    return bool(rowcount(result))


# ---- what the results show --------------------------------------------------------------------

@dataclass(frozen=True)
class Ranked:
    name: str
    cents: int
    at: datetime


@dataclass(frozen=True)
class Results:
    round: Row[Any]
    winner: Ranked | None
    top: list[Ranked]
    guesses: int
    players: int


def _name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p) or "?"


async def results(session: AsyncSession, round_id: int) -> Results | None:
    round_row = await get(session, round_id)
    if round_row is None:
        return None
    guesses = await guesses_of(session, round_id)
    ranked = rules.ranking(rules.Rule(round_row.rule), round_row.price_cents, round_row.within_bp, guesses)
    if round_row.winner_guess_id is not None:  # as decided at the close (a within hit closes on it)
        ranked = [g for g in ranked if g.id == round_row.winner_guess_id] + \
                 [g for g in ranked if g.id != round_row.winner_guess_id]
    best: dict[int, rules.Guess] = {}
    for guess in ranked:  # each member once, with their best guess
        best.setdefault(guess.user_id, guess)
    shown = list(best.values())[:TOP_LISTED]
    names = {r.id: _name(r.first_name, r.last_name) for r in (await session.execute(
        select(USERS.c.id, USERS.c.first_name, USERS.c.last_name).where(USERS.c.id.in_({g.user_id for g in shown}))
    )).all()} if shown else {}
    top = [Ranked(names.get(g.user_id, "?"), g.cents, g.at) for g in shown]
    winner = top[0] if round_row.winner_guess_id is not None and top else None
    return Results(round_row, winner, top if round_row.status == CLOSED else [],
                   len(guesses), len({g.user_id for g in guesses}))


# ---- invite a friend for another try ---------------------------------------------------------------

async def link_of(session: AsyncSession, round_id: int, user_id: int) -> str | None:
    found = (await session.execute(select(LINKS.c.link).where(LINKS.c.round_id == round_id,
                                                              LINKS.c.user_id == user_id))).scalar()
    return None if found is None else str(found)


async def save_link(session: AsyncSession, round_id: int, user_id: int, link: str, now: datetime) -> str:
    """Store ``link`` as the member's link for the round; returns the member's link (an earlier one
    if two presses raced: the caller revokes the loser)."""
    stmt = insert_for(session, LINKS).values(link=link[:128], round_id=round_id, user_id=user_id, created_at=now)
    await session.execute(stmt.on_conflict_do_nothing())
    stored = await link_of(session, round_id, user_id)
    assert stored is not None
    return stored


@dataclass(frozen=True)
class InviteCredit:
    round_id: int
    chat_id: int
    inviter_id: int
    friend_id: int
    counted: bool  # False: the inviter already had every extra try the round allows
    player: Player


async def credit_invite(session: AsyncSession, *, chat_id: int, link: str, friend_id: int, newcomer: bool,
                        now: datetime) -> InviteCredit | None:
    """A friend joined ``chat_id`` through ``link`` (approved after the group's entry thresholds):
    one more try for the member whose link it is, up to the round's ``invites``. Never for the same
    friend twice in a round, nor for someone who was in the group before (``newcomer`` False), nor
    for the inviter themself, nor once the round is over. None when nothing was credited."""
    found = (await session.execute(select(LINKS.c.round_id, LINKS.c.user_id).where(LINKS.c.link == link))).first()
    if found is None or not newcomer or found.user_id == friend_id:
        return None
    round_row = await _locked(session, found.round_id)
    if round_row is None or round_row.chat_id != chat_id or round_row.status != OPEN or now >= round_row.deadline:
        return None
    stmt = insert_for(session, INVITES).values(round_id=found.round_id, friend_id=friend_id,
                                               inviter_id=found.user_id, counted=False, joined_at=now)
    inserted = await session.execute(stmt.on_conflict_do_nothing(index_elements=["round_id", "friend_id"]))
    if not rowcount(inserted):
        return None
    await _ensure_player(session, round_row, found.user_id, now)
    bumped = await session.execute(update(PLAYERS).where(
        PLAYERS.c.round_id == found.round_id, PLAYERS.c.user_id == found.user_id,
        PLAYERS.c.bonus < PLAYERS.c.max_bonus).values(bonus=PLAYERS.c.bonus + 1))
    counted = bool(rowcount(bumped))
    if counted:
        await session.execute(update(INVITES).where(INVITES.c.round_id == found.round_id,
                                                    INVITES.c.friend_id == friend_id).values(counted=True))
    state = await player(session, found.round_id, found.user_id)
    assert state is not None
    return InviteCredit(int(found.round_id), chat_id, int(found.user_id), friend_id, counted, state)


# ---- accounting (regulars doctor) -------------------------------------------------------------

async def accounting(session: AsyncSession) -> list[str]:
    """Each round paid exactly what its rows say: a closed round's winner is the one its guesses
    and rule give, its ``paid`` is its prize if it has a winner (else 0), the ledger holds exactly
    that under ``guess:<id>``; an open or cancelled round paid nothing; every member's used tries
    equal their guesses, within their allowance."""
    problems: list[str] = []
    paid_in_ledger = {r.ref: (int(r.total), int(r.entries), r.user_id) for r in (await session.execute(
        select(LEDGER.c.ref, func.sum(LEDGER.c.amount).label("total"), func.count().label("entries"),
               func.min(LEDGER.c.user_id).label("user_id"))
        .where(LEDGER.c.ref.like("guess:%")).group_by(LEDGER.c.ref))).all()}
    for round_row in (await session.execute(select(ROUNDS).order_by(ROUNDS.c.id))).all():
        name = f"guess round {round_row.id}"
        total, entries, paid_to = paid_in_ledger.get(ref_of(round_row.id), (0, 0, None))
        if round_row.status == CLOSED:
            guesses = await guesses_of(session, round_row.id)
            expected = rules.winner(rules.Rule(round_row.rule), round_row.price_cents, round_row.within_bp, guesses)
            if (expected.id if expected else None) != round_row.winner_guess_id:
                problems.append(f"{name}: its guesses make guess {expected.id if expected else None} the winner, "
                                f"the round says {round_row.winner_guess_id}")
            if expected is not None and expected.user_id != round_row.winner_id:
                problems.append(f"{name}: winner {round_row.winner_id} did not make the winning guess")
            should_pay = round_row.prize if round_row.winner_guess_id is not None else 0
            if round_row.paid != should_pay:
                problems.append(f"{name}: paid {round_row.paid}, its prize and winner say {should_pay}")
        elif round_row.paid:
            problems.append(f"{name}: {round_row.status} but paid {round_row.paid}")
        if total != round_row.paid or entries > 1 or (round_row.paid and paid_to != round_row.winner_id):
            problems.append(f"{name}: the ledger paid {total} in {entries} entries (to {paid_to}), "
                            f"the round says {round_row.paid} to {round_row.winner_id}")
    used = (await session.execute(
        select(PLAYERS.c.round_id, PLAYERS.c.user_id, PLAYERS.c.used,
               func.count(GUESSES.c.id).label("made"))
        .select_from(PLAYERS.outerjoin(GUESSES, and_(GUESSES.c.round_id == PLAYERS.c.round_id,
                                                     GUESSES.c.user_id == PLAYERS.c.user_id)))
        .group_by(PLAYERS.c.round_id, PLAYERS.c.user_id, PLAYERS.c.used)
        .having(PLAYERS.c.used != func.count(GUESSES.c.id))
    )).all()
    problems.extend(f"guess round {r.round_id}: member {r.user_id} used {r.used} tries but made {r.made} guesses"
                    for r in used)
    return problems
