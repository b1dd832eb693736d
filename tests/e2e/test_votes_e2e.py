"""A full vote end to end, the bot talking HTTP to the emulator: staff start it, members vote and
change their vote, the bot is down when the deadline passes, and the restarted bot closes it once,
pays each voter once and posts the results once — however many times it restarts or the job fires."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select

from bot.db.models import Vote
from bot.factory import create_app, create_bot, create_dispatcher, running
from bot.features import create_states, schedules
from bot.views.votes import VoteCb
from scheduler.jobs.votes import close_job_id, close_vote
from scheduler.setup import SchedulerRuntime
from tests.factories import assert_books_balance, balance, member
from tests.harness import Harness, harness


def _results(h: Harness) -> list[str]:
    return [t for t in h.texts_to(h.group.id) if "Results of vote #1" in t]


async def _restart(h: Harness) -> None:
    """A new process on the same database: start-up catches up, then it stops again."""
    bot = create_bot(h.app.settings, h.app.settings.bot_token.get_secret_value())  # type: ignore[union-attr]
    app = create_app(h.app.settings, bot, clock=h.clock)
    states = create_states(app)
    create_dispatcher(app, states)
    try:
        async with running(app, bot, states, menus=False):
            assert await close_vote(app, 1, votes=states["votes"]) is False  # the date job firing late: done
    finally:
        await bot.session.close()


async def test_a_full_vote_whose_deadline_fires_after_a_restart(db_url: str) -> None:
    async with harness(db_url, http=True) as h:
        runtime = SchedulerRuntime(h.app, schedules(), h.states)
        runtime.scheduler.start(paused=True)
        try:
            await h.setup_group()
            await h.say(h.owner, "/vote Next launch? | Longjing @LJ-1 | Oolong | Pu-erh deadline=30m reward=3",
                        chat=h.group)
            await runtime.sync()
            job = runtime.scheduler.get_job(close_job_id(1))
            assert job is not None and job.func_ref == "scheduler.jobs.votes:close_vote"
            assert isinstance(job.trigger, DateTrigger) and job.misfire_grace_time >= 30 * 86400
        finally:
            runtime.shutdown()
        post = h.emu.sent(h.group.id)[-1].message_id
        ann, bob, cat = member(h, "Ann"), member(h, "Bob"), member(h, "Cat")
        for user, option in ((ann, 2), (bob, 2), (cat, 3), (ann, 3), (cat, 1)):  # Ann and Cat change their vote
            await h.tap(user, post, VoteCb(id=1, o=option).pack())
        assert await close_vote(h.app, 1, votes=h.states["votes"]) is False  # not due yet
        await h.settle()
        assert "3 members have voted" in (h.emu.message(h.group.id, post).text or "")

        h.clock.advance(timedelta(minutes=45))  # the bot was down at the deadline
        await _restart(h)
        results = _results(h)
        assert len(results) == 1
        assert "A tie: Longjing, Oolong, Pu-erh, 1 vote each (33%)" in results[0]
        assert "3 voters received 3 points each" in results[0]
        assert h.emu.message(h.group.id, post).buttons() == []
        assert [await balance(h, u) for u in (ann, bob, cat)] == [3, 3, 3]
        await _restart(h)  # and again: nothing more
        assert len(_results(h)) == 1
        async with h.app.db.reader() as session:
            vote = (await session.execute(select(Vote.status, Vote.voters, Vote.paid, Vote.closed_by,  # type: ignore[call-overload]
                                                 Vote.announced_at))).one()
        assert tuple(vote[:4]) == ("closed", 3, 9, None) and vote.announced_at is not None
        await assert_books_balance(h)
