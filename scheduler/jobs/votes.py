"""Votes: each open vote's deadline (a date job built from its row), and the catch-up at start-up."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.date import DateTrigger

from bot.services import votes as service
from bot.views import votes as views
from bot.views.votes import Votes
from games import votes as rules
from scheduler.jobs import FeatureJobs, JobSpec

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App

log = logging.getLogger(__name__)

STATE = ("votes",)  # the feature state every job here is given
# A deadline is never dropped: a vote whose close was missed (the bot was down) closes late.
LATE_OK_SECONDS = int((rules.MAX_DEADLINE + timedelta(days=1)).total_seconds())


def close_job_id(vote_id: int) -> str:
    return f"vote-close:{vote_id}"


async def close_vote(app: App, vote_id: int, *, votes: Votes) -> bool:
    """Close a vote at its deadline, pay its voters and post the results — once, whichever process or
    firing gets there first (the close is a conditional update from ``open``)."""
    async with app.db.session() as session:
        closed = await service.close(session, vote_id, app.clock.now())
    if closed is None:
        return False
    log.info("vote %s closed at its deadline: %s voters, %s points paid", vote_id, closed.voters, closed.paid)
    await views.announce(app, votes, vote_id)
    return True


async def catch_up(app: App, *, votes: Votes) -> None:
    """At start-up: close the votes whose deadline passed while the bot was down, announce closes whose
    results never went out, and post votes that were made but never posted."""
    async with app.db.reader() as session:
        due = await service.due(session, app.clock.now())
    for vote_id in due:
        await close_vote(app, vote_id, votes=votes)
    async with app.db.reader() as session:
        unannounced = await service.unannounced(session)
        unposted = await service.unposted(session)
    for vote_id in unannounced:
        await views.announce(app, votes, vote_id)
    for vote_id in unposted:
        await views.post(app, vote_id)


async def jobs(app: App, session: AsyncSession) -> list[JobSpec]:
    """One date job per open vote, at its deadline."""
    return [JobSpec(close_job_id(vote_id), "scheduler.jobs.votes:close_vote", (vote_id,),
                    DateTrigger(run_date=closes_at, timezone=app.settings.tz),
                    misfire_grace_time=LATE_OK_SECONDS, inject=STATE)
            for vote_id, closes_at in await service.open_deadlines(session)]


SCHEDULE = FeatureJobs(jobs, catch_up, inject=STATE)
