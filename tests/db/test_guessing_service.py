"""Price-guessing storage on SQLite and PostgreSQL: one try per guess under concurrency, the invite
bonus once per friend, the close and its prize once, and the doctor's accounting."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update

from bot.db.engine import Database
from bot.db.models import GuessEntry, GuessInvite, GuessRound, LedgerEntry
from bot.services import guessing as service
from bot.services import ledger
from games import guessing as rules
from tests.factories import NOW, make_users, shop_with_budget

CHAT = -100700


async def _round(db: Database, args: str = "Tea | 10.00 tries=3 prize=50 invites=2", key: str = "t:1") -> int:
    spec = rules.parse_round(args, NOW, rules.ZoneInfo("Asia/Shanghai"))
    async with db.session() as session:
        created = await service.create_round(session, chat_id=CHAT, actor_id=1, spec=spec, photo=None,
                                             source_key=key, now=NOW)
    return created.round_id


async def _guess(db: Database, round_id: int, user_id: int, cents: int, key: str,
                 at: timedelta = timedelta(minutes=1)) -> service.Accepted | rules.GuessError:
    try:
        async with db.session() as session:
            return await service.submit_guess(session, round_id=round_id, user_id=user_id, cents=cents,
                                              source_key=key, now=NOW + at)
    except rules.GuessError as refused:
        return refused


async def _count(db: Database, query: object) -> int:
    async with db.reader() as session:
        return int((await session.execute(query)).scalar_one())  # type: ignore[call-overload]


async def _problems(db: Database) -> list[str]:
    async with db.reader() as session:
        return [*(await service.accounting(session)), *[str(d) for d in await ledger.audit(session)]]


async def test_one_try_per_guess_under_concurrency(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)  # two "replicas"
    try:
        await shop_with_budget(first, CHAT, 1)
        await make_users(first, *range(1, 11))
        round_id = await _round(first)
        # Ten members send eight guesses each at once (3 tries each), and every message twice.
        calls = [_guess(first if n % 2 else second, round_id, uid, 900 + n, f"{uid}:{n}")
                 for uid in range(1, 11) for n in range(8)]
        calls += [_guess(second if n % 2 else first, round_id, uid, 900 + n, f"{uid}:{n}")
                  for uid in range(1, 11) for n in range(8)]
        outcomes = await asyncio.gather(*calls)
        fresh = [o for o in outcomes if isinstance(o, service.Accepted) and not o.repeated]
        assert len(fresh) == 30
        assert all(isinstance(o, service.Accepted | service.NoTriesLeft) for o in outcomes)
        async with first.reader() as session:
            rows = (await session.execute(select(GuessEntry.user_id, GuessEntry.n))).all()  # type: ignore[call-overload]
            for uid in range(1, 11):
                state = await service.player(session, round_id, uid)
                assert state is not None and state.used == 3 and state.left == 0
        assert sorted(rows) == sorted((uid, n) for uid in range(1, 11) for n in (1, 2, 3))
        assert await _problems(first) == []
    finally:
        await first.close()
        await second.close()


async def test_a_refused_guess_writes_nothing(db: Database) -> None:
    await shop_with_budget(db, CHAT, 1)
    await make_users(db, 1)
    round_id = await _round(db, "Tea | 10 tries=1")
    assert isinstance(await _guess(db, round_id, 1, 500, "a"), service.Accepted)
    assert isinstance(await _guess(db, round_id, 1, 600, "b"), service.NoTriesLeft)
    assert isinstance(await _guess(db, round_id, 1, 600, "c", at=timedelta(days=2)), service.RoundOver)
    assert isinstance(await _guess(db, 999, 1, 600, "d"), service.NoSuchRound)
    again = await _guess(db, round_id, 1, 500, "a")  # the same message delivered again
    assert isinstance(again, service.Accepted) and again.repeated and again.n == 1
    assert await _count(db, select(func.count()).select_from(GuessEntry)) == 1


async def test_the_invite_bonus_counts_once_per_friend(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    try:
        await shop_with_budget(first, CHAT, 1)
        await make_users(first, *range(1, 8))
        round_id = await _round(first, "Tea | 10 tries=1 invites=2")
        assert isinstance(await _guess(first, round_id, 1, 500, "a"), service.Accepted)
        async with first.session() as session:
            await service.save_link(session, round_id, 1, "https://t.me/+abc", NOW)

        async def joined(db: Database, friend: int, newcomer: bool = True) -> service.InviteCredit | None:
            async with db.session() as session:
                return await service.credit_invite(session, chat_id=CHAT, link="https://t.me/+abc", friend_id=friend,
                                                   newcomer=newcomer, now=NOW + timedelta(minutes=5))

        # Friend 2's join is delivered eight times, to two replicas at once.
        credits = await asyncio.gather(*(joined(first if n % 2 else second, 2) for n in range(8)))
        assert [c.counted for c in credits if c is not None] == [True]
        assert await joined(first, 1) is None  # the inviter themself
        assert await joined(first, 3, newcomer=False) is None  # was in the group before
        assert await joined(first, 3, newcomer=False) is None
        assert await joined(first, 99999) is not None  # a second friend: the second try
        maxed = await joined(first, 4)  # a third: thanked, but the round allows two
        assert maxed is not None and not maxed.counted
        async with first.session() as session:
            await service.save_link(session, round_id, 5, "https://t.me/+other", NOW)
            assert await service.save_link(session, round_id, 5, "https://t.me/+raced", NOW) == "https://t.me/+other"
            state = await service.player(session, round_id, 1)
        assert state is not None and (state.bonus, state.left, state.may_earn) == (2, 2, False)
        assert await _count(first, select(func.count()).select_from(GuessInvite)) == 3
        # The bonus tries are real tries, and the database holds the line too.
        outcomes = await asyncio.gather(*(_guess(first, round_id, 1, 600 + n, f"b{n}") for n in range(5)))
        assert len([o for o in outcomes if isinstance(o, service.Accepted)]) == 2
    finally:
        await first.close()
        await second.close()


async def test_no_bonus_after_the_round(db: Database) -> None:
    await shop_with_budget(db, CHAT, 1)
    await make_users(db, 1, 2)
    round_id = await _round(db)
    async with db.session() as session:
        await service.save_link(session, round_id, 1, "https://t.me/+abc", NOW)
        assert await service.close(session, round_id, NOW, early=True) is not None
        assert await service.credit_invite(session, chat_id=CHAT, link="https://t.me/+abc", friend_id=2,
                                           newcomer=True, now=NOW) is None
        assert await service.credit_invite(session, chat_id=CHAT, link="https://t.me/+unknown", friend_id=2,
                                           newcomer=True, now=NOW) is None


async def test_the_close_pays_the_prize_once_to_the_earliest_closest(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    try:
        await shop_with_budget(first, CHAT, 1)
        await make_users(first, 1, 2, 3)
        round_id = await _round(first)  # closest, 10.00, prize 50
        await _guess(first, round_id, 1, 1100, "1a", timedelta(minutes=1))
        await _guess(first, round_id, 2, 900, "2a", timedelta(minutes=2))  # as close as 1's, but later
        await _guess(first, round_id, 3, 2000, "3a", timedelta(minutes=3))
        deadline = NOW + timedelta(hours=24)

        async def close(db: Database) -> service.Closed | None:
            async with db.session() as session:
                return await service.close(session, round_id, deadline)

        async with first.session() as session:
            assert await service.close(session, round_id, deadline - timedelta(seconds=1)) is None  # not yet
        closed = [c for c in await asyncio.gather(*(close(first if n % 2 else second) for n in range(6))) if c]
        assert len(closed) == 1 and closed[0].winner is not None and closed[0].winner.user_id == 1
        async with first.reader() as session:
            assert await ledger.balance_of(session, 1) == 50
            results = await service.results(session, round_id)
        assert results is not None and results.winner is not None
        assert [r.cents for r in results.top] == [1100, 900, 2000]
        assert await _count(first, select(func.count()).select_from(LedgerEntry)
                            .where(LedgerEntry.ref == service.ref_of(round_id))) == 1  # type: ignore[arg-type]
        assert await _problems(first) == []
    finally:
        await first.close()
        await second.close()


async def test_within_closes_on_the_first_hit_and_nobody_wins_without_one(db: Database) -> None:
    await shop_with_budget(db, CHAT, 1)
    await make_users(db, 1, 2)
    round_id = await _round(db, "Tea | 10.00 rule=within:5% prize=20 hints=on", key="w")
    miss = await _guess(db, round_id, 1, 949, "m")
    assert isinstance(miss, service.Accepted) and not miss.won and miss.hint is rules.Hint.HIGHER
    hit = await _guess(db, round_id, 2, 1050, "h")  # exactly at the boundary
    assert isinstance(hit, service.Accepted) and hit.won and hit.paid == 20
    assert isinstance(await _guess(db, round_id, 1, 1000, "late"), service.RoundOver)
    empty = await _round(db, "Tea | 10.00 rule=under prize=20", key="u")
    await _guess(db, empty, 1, 1001, "over")
    async with db.session() as session:
        closed = await service.close(session, empty, NOW, early=True)
        assert closed is not None and closed.winner is None and closed.paid == 0
        assert await service.claim_announcement(session, empty) and not await service.claim_announcement(session, empty)
    assert await _problems(db) == []


async def test_the_doctor_sees_a_round_that_paid_what_its_rows_do_not_say(db: Database) -> None:
    await shop_with_budget(db, CHAT, 1)
    await make_users(db, 1, 2)
    round_id = await _round(db)
    await _guess(db, round_id, 1, 1000, "a")
    await _guess(db, round_id, 2, 1500, "b")
    async with db.session() as session:
        await service.close(session, round_id, NOW, early=True)
    async with db.session() as session:  # someone rewrites the winner by hand
        guess_2 = (await session.execute(select(GuessEntry.id).where(GuessEntry.user_id == 2))).scalar_one()  # type: ignore[arg-type]
        await session.execute(update(GuessRound).values(winner_id=2, winner_guess_id=guess_2))  # type: ignore[arg-type]
    problems = await _problems(db)
    assert any("the winner" in p for p in problems) and any("ledger paid 50" in p for p in problems)


async def test_regulars_doctor_reports_the_rounds(db_url: str) -> None:
    import io

    from bot.tools import doctor

    db = Database(db_url)
    try:
        await shop_with_budget(db, CHAT, 1)
        await make_users(db, 1)
        round_id = await _round(db)
        await _guess(db, round_id, 1, 1000, "a")
        async with db.session() as session:
            await service.close(session, round_id, NOW, early=True)
        out = io.StringIO()
        assert await doctor(db_url, out) == 0 and "price guessing OK: 1 rounds" in out.getvalue()
        async with db.session() as session:  # the prize is paid a second time by hand
            await ledger.move(session, user_id=1, amount=50, reason=ledger.Reason.GAME, key="forged",
                              ref=service.ref_of(round_id), now=NOW)
        out = io.StringIO()
        assert await doctor(db_url, out) == 1
        assert "price guessing FAILED" in out.getvalue() and "the ledger paid 100 in 2 entries" in out.getvalue()
    finally:
        await db.close()
