"""Votes in the database, on a SQLite file and PostgreSQL: taps, changes, redelivered taps, the close
paying each voter once under concurrency, cancelling, and the books ``regulars doctor`` checks."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from bot.db.engine import Database
from bot.db.models import Group, LedgerEntry, Order, Vote, VoteBallot, VoteChoice
from bot.services import ledger
from bot.services import votes as service
from games import votes as rules
from games.points import Reason
from tests.factories import NOW, count, make_users

CHAT = -100777
TZ = ZoneInfo("Asia/Shanghai")


async def _group(db: Database) -> None:
    async with db.session() as session:
        session.add(Group(chat_id=CHAT, title="G", registered_by=1, registered_at=NOW))


async def _vote(db: Database, text: str = "Which? | A | B | C reward=5", key: str = "k1") -> int:
    spec = rules.parse_vote(text, NOW, TZ)
    async with db.session() as session:
        created = await service.create_vote(session, chat_id=CHAT, actor_id=1, spec=spec, source_key=key, now=NOW)
    assert created.new
    return created.vote_id


async def _tap(db: Database, vote_id: int, user_id: int, option: int, tap_id: str,
               at: timedelta = timedelta(minutes=1)) -> service.Cast | rules.VoteRefused:
    try:
        async with db.session() as session:
            return await service.cast(session, vote_id=vote_id, chat_id=CHAT, user_id=user_id, option=option,
                                      tap_id=tap_id, now=NOW + at)
    except rules.VoteRefused as refused:
        return refused


async def _close(db: Database, vote_id: int, *, by: int | None = 1) -> service.Closed | None:
    async with db.session() as session:
        return await service.close(session, vote_id, NOW + timedelta(hours=1), by=by)


async def _books(db: Database) -> None:
    async with db.reader() as session:
        assert await ledger.audit(session) == []
        assert await service.accounting(session) == []


async def test_a_vote_is_made_once_per_command(db: Database) -> None:
    await _group(db)
    vote_id = await _vote(db)
    spec = rules.parse_vote("Other | X | Y", NOW, TZ)
    async with db.session() as session:
        again = await service.create_vote(session, chat_id=CHAT, actor_id=1, spec=spec, source_key="k1", now=NOW)
        vv = await service.view(session, vote_id)
    assert again == service.Created(vote_id, new=False)
    assert vv is not None and [o.label for o in vv.options] == ["A", "B", "C"] and vv.vote.reward == 5


async def test_taps_change_the_choice_and_a_redelivered_tap_changes_nothing(db: Database) -> None:
    await _group(db)
    await make_users(db, 11, 12)
    vote_id = await _vote(db)
    first = await _tap(db, vote_id, 11, 1, "q1")
    assert isinstance(first, service.Cast) and first.first and first.changed and first.choices == ("A",)
    changed = await _tap(db, vote_id, 11, 2, "q2")
    assert isinstance(changed, service.Cast) and not changed.first and changed.changed and changed.choices == ("B",)
    again = await _tap(db, vote_id, 11, 1, "q1")  # q1 redelivered after q2: not applied again
    assert isinstance(again, service.Cast) and again.duplicate and again.choices == ("B",)
    same = await _tap(db, vote_id, 11, 2, "q3")
    assert isinstance(same, service.Cast) and not same.changed
    assert isinstance(await _tap(db, vote_id, 11, 9, "q4"), rules.NoSuchVote)  # a forged option
    assert isinstance(await _tap(db, vote_id + 1, 11, 1, "q5"), rules.NoSuchVote)
    with pytest.raises(rules.NoSuchVote):  # a button copied into another chat
        async with db.session() as session:
            await service.cast(session, vote_id=vote_id, chat_id=-1, user_id=12, option=1, tap_id="q6", now=NOW)
    async with db.session() as session:
        ballot = await session.get(VoteBallot, (vote_id, 11))
        vv = await service.view(session, vote_id)
    assert ballot is not None and ballot.changes == 1
    assert vv is not None and vv.tally.counts == (0, 1, 0) and vv.tally.voters == 1


async def test_multi_choice_toggles_and_survives_redelivery_in_any_order(db: Database) -> None:
    await _group(db)
    await make_users(db, 21)
    vote_id = await _vote(db, "Which? | A | B | C multi", key="m")
    for option, tap in ((1, "a"), (3, "b"), (1, "c")):
        await _tap(db, vote_id, 21, option, tap)
    for tap, option in (("a", 1), ("c", 1), ("b", 3)):  # the three redelivered, in another order
        assert isinstance(await _tap(db, vote_id, 21, option, tap), service.Cast)
    async with db.session() as session:
        vv = await service.view(session, vote_id)
    assert vv is not None and vv.tally.counts == (0, 0, 1)


async def test_closed_cancelled_late_and_buyers_only_taps_are_refused(db: Database) -> None:
    await _group(db)
    await make_users(db, 31, 32)
    buyers = await _vote(db, "Buy? | A | B buyers deadline=30m", key="b")
    assert isinstance(await _tap(db, buyers, 31, 1, "t1"), rules.NotABuyer)
    async with db.session() as session:
        session.add(Order(order_id="O-1", amount_cents=100, currency="CNY", paid_at=NOW, check_hash="x",
                          user_id=32, bound_at=NOW, imported_at=NOW))
    assert isinstance(await _tap(db, buyers, 32, 1, "t2"), service.Cast)
    assert isinstance(await _tap(db, buyers, 32, 2, "t3", at=timedelta(minutes=31)), rules.VoteClosed)
    cancelled = await _vote(db, "C? | A | B", key="c")
    async with db.session() as session:
        assert await service.cancel(session, cancelled, CHAT, NOW, by=1)
        assert not await service.cancel(session, cancelled, CHAT, NOW, by=1)
    assert isinstance(await _tap(db, cancelled, 31, 1, "t4"), rules.VoteCancelled)
    assert await _close(db, cancelled) is None
    await _books(db)


async def test_the_deadline_closes_only_when_due_and_pays_once(db: Database) -> None:
    await _group(db)
    await make_users(db, 41, 42, 43)
    vote_id = await _vote(db, "Q | A | B reward=7 deadline=2h", key="d")
    for user, option in ((41, 1), (42, 2), (43, 1)):
        await _tap(db, vote_id, user, option, f"t{user}")
    await _tap(db, vote_id, 43, 1, "t43-again")
    async with db.session() as session:
        assert await service.close(session, vote_id, NOW + timedelta(hours=1)) is None  # not due
    async with db.session() as session:
        assert await service.due(session, NOW + timedelta(hours=2)) == [vote_id]
        closed = await service.close(session, vote_id, NOW + timedelta(hours=2))
    assert closed == service.Closed(vote_id, CHAT, 3, 21, 7)
    assert await _close(db, vote_id) is None  # the second firing, /vote_close after it
    async with db.session() as session:
        balances = await ledger.balances_of(session, [41, 42, 43])
        vv = await service.view(session, vote_id)
    assert balances == {41: 7, 42: 7, 43: 7}
    assert vv is not None and vv.tally.winners == (1,) and vv.tally.counts == (2, 1)
    assert isinstance(await _tap(db, vote_id, 42, 1, "late"), rules.VoteClosed)
    await _books(db)


@pytest.mark.slow
async def test_one_reward_per_member_under_200_concurrent_taps_changes_and_redeliveries(db: Database) -> None:
    await _group(db)
    members = list(range(1000, 1050))
    await make_users(db, *members)
    vote_id = await _vote(db, "Q | A | B | C | D reward=3", key="storm")
    rng = random.Random(11)
    taps: list[tuple[int, int, str]] = []
    for user in members:  # three taps each (two changes), 150 taps
        taps.extend((user, rng.randint(1, 4), f"{user}-{n}") for n in range(3))
    taps.extend(rng.sample(taps, 50))  # 50 of them delivered twice
    rng.shuffle(taps)
    outcomes = await asyncio.gather(*(_tap(db, vote_id, u, o, t) for u, o, t in taps))
    assert all(isinstance(o, service.Cast) for o in outcomes)
    assert sum(1 for o in outcomes if isinstance(o, service.Cast) and o.duplicate) == 50
    # Staff close it while the deadline fires: one closer pays.
    results = await asyncio.gather(_close(db, vote_id), _close(db, vote_id, by=None), _close(db, vote_id))
    closers = [r for r in results if r is not None]
    assert len(closers) == 1 and closers[0].voters == 50 and closers[0].paid == 150
    async with db.session() as session:
        choices = (await session.execute(select(VoteChoice.user_id, func.count()).group_by(VoteChoice.user_id))).all()
        entries = (await session.execute(select(LedgerEntry.user_id, func.count()).where(
            LedgerEntry.reason == str(Reason.VOTE)).group_by(LedgerEntry.user_id))).all()
        balances = await ledger.balances_of(session, members)
    assert sorted(u for u, _n in choices) == members and all(n == 1 for _u, n in choices)
    assert len(entries) == 50 and all(n == 1 for _u, n in entries)
    assert set(balances.values()) == {3}
    await _books(db)


async def test_the_doctor_finds_a_vote_that_paid_wrongly(db: Database) -> None:
    await _group(db)
    await make_users(db, 51, 52)
    vote_id = await _vote(db, "Q | A | B reward=4", key="doc")
    await _tap(db, vote_id, 51, 1, "x")
    await _close(db, vote_id)
    await _books(db)
    async with db.session() as session:  # someone pays a voter again by hand, under the vote's ref
        await ledger.move(session, user_id=52, amount=4, reason=Reason.VOTE, key="forged", now=NOW,
                          ref=service.ref_of(vote_id))
    async with db.reader() as session:
        problems = await service.accounting(session)
    assert problems and f"vote {vote_id}" in problems[0]
    async with db.session() as session:
        await session.execute(update(Vote).where(Vote.id == vote_id).values(voters=0, paid=0))  # type: ignore[arg-type]
    async with db.reader() as session:
        assert len(await service.accounting(session)) >= 2
    assert await count(db, VoteBallot) == 1
