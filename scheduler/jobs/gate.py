"""Join requests: the periodic sweep."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apscheduler.triggers.interval import IntervalTrigger

from bot.views.gate import sweep
from scheduler.jobs import FeatureJobs, JobSpec

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App

JOIN_SWEEP_ID = "join-requests-sweep"
JOIN_SWEEP_SECONDS = 30


async def sweep_join_requests(app: App) -> int:
    """Decline join requests past their time and carry out decisions not yet carried out."""
    return await sweep(app)


async def jobs(app: App, session: AsyncSession) -> list[JobSpec]:
    return [JobSpec(JOIN_SWEEP_ID, "scheduler.jobs.gate:sweep_join_requests", (),
                    IntervalTrigger(seconds=JOIN_SWEEP_SECONDS), misfire_grace_time=JOIN_SWEEP_SECONDS)]


SCHEDULE = FeatureJobs(jobs)
