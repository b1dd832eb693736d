"""Price guessing: each open round's deadline, and the catch-up at start-up."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.triggers.date import DateTrigger

from bot.services import guessing, jobruns
from bot.views import guessing as view
from scheduler.jobs import FeatureJobs, JobSpec

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App

log = logging.getLogger(__name__)


def close_job_id(round_id: int) -> str:
    return f"guess-close:{round_id}"


async def close_round(app: App, round_id: int) -> bool:
    """The round's deadline: close it, pay its prize and post the results — once, whichever process
    or firing gets there first (the run is claimed; the round moves from open only once)."""
    now = app.clock.now()
    async with app.db.session() as session:
        round_row = await guessing.get(session, round_id)
        if round_row is None or round_row.status != guessing.OPEN or now < round_row.deadline:
            return False
        if not await jobruns.claim(session, close_job_id(round_id), now):
            return False
        closed = await guessing.close(session, round_id, now)
    if closed is None:
        return False
    log.info("guess round %s closed at its deadline; paid %s", round_id, closed.paid)
    await view.announce(app, round_id)
    return True


async def catch_up(app: App) -> None:
    """At start-up: close the rounds whose deadline passed while the bot was down, post the results
    that were decided but never posted (a crash in between), and the rounds never posted."""
    now = app.clock.now()
    async with app.db.reader() as session:
        due = await guessing.due(session, now)
    for round_id in due:
        await close_round(app, round_id)
    async with app.db.reader() as session:
        pending = await guessing.unannounced(session)
        unposted = await guessing.unposted(session)
    for round_id in pending:
        await view.announce(app, round_id)
    for round_id in unposted:
        await view.post(app, round_id)


async def jobs(app: App, session: AsyncSession) -> list[JobSpec]:
    """One date job per open round, at its deadline."""
    return [JobSpec(close_job_id(round_id), "scheduler.jobs.guessing:close_round", (round_id,),
                    DateTrigger(run_date=deadline))
            for round_id, deadline in await guessing.open_deadlines(session)]


SCHEDULE = FeatureJobs(jobs, catch_up)
