"""Member tiers: the sweep that records rises and falls, tells members, and keeps tier groups in sync."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apscheduler.triggers.interval import IntervalTrigger

from bot.views.tiers import SweepReport, sweep
from scheduler.jobs import FeatureJobs, JobSpec

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App

TIER_SWEEP_ID = "tiers-sweep"
TIER_SWEEP_SECONDS = 60


async def sweep_tiers(app: App) -> SweepReport:
    """Every step is claimed in the database, so a sweep that runs twice does each thing once."""
    return await sweep(app)


async def jobs(app: App, session: AsyncSession) -> list[JobSpec]:
    return [JobSpec(TIER_SWEEP_ID, "scheduler.jobs.tiers:sweep_tiers", (),
                    IntervalTrigger(seconds=TIER_SWEEP_SECONDS), misfire_grace_time=TIER_SWEEP_SECONDS)]


SCHEDULE = FeatureJobs(jobs, sweep_tiers)
