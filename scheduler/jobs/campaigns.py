"""Recurring posts (a cron job per active post, derived from its row) and the repurchase-reminder
sweep. Both only plan broadcasts; the broadcast engine sends them. Each run is planned once
whoever fires it (the broadcast's source is unique), so a job that fires twice plans once."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.services import campaigns as service
from bot.services.broadcasts import Planned
from games.campaigns import DAY_NAMES, last_run
from scheduler.jobs import MISFIRE_GRACE, FeatureJobs, JobSpec

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App

log = logging.getLogger(__name__)

REMINDERS_ID = "repurchase-sweep"
REMINDERS_SECONDS = 600


def post_job_id(post_id: int) -> str:
    return f"schedule-post:{post_id}"


async def run_post(app: App, post_id: int) -> Planned | None:
    """Plan the run of a recurring post this firing is for (the latest run time at or before now),
    once; a run missed by more than the grace time is not planned late."""
    now = app.clock.now()
    async with app.db.session() as session:
        post = await service.get_post(session, post_id)
        if post is None or post.status != service.ACTIVE:
            return None
        run_local = last_run(service.recurrence_of(post), now.astimezone(app.settings.tz))
        if now - run_local > MISFIRE_GRACE:
            return None
        planned = await service.run_post(session, post_id, run_local, now)
    if planned is not None and planned.created:
        log.info("recurring post %s: run %s planned as broadcast %s (%s groups)", post_id, run_local,
                 planned.broadcast_id, planned.deliveries)
    return planned


async def plan_reminders(app: App) -> int:
    """Plan the repurchase reminders now due (one per order, ever)."""
    async with app.db.session() as session:
        planned = await service.plan_reminders(session, app.clock.now())
    if planned:
        log.info("repurchase reminders planned: %s", len(planned))
    return len(planned)


async def catch_up(app: App) -> None:
    """At start-up: each active post's latest run, if due within the grace time (planned once), and
    the reminders due."""
    async with app.db.reader() as session:
        post_ids = [int(post.id or 0) for post in await service.posts(session, active_only=True)]
    for post_id in post_ids:
        await run_post(app, post_id)
    await plan_reminders(app)


async def jobs(app: App, session: AsyncSession) -> list[JobSpec]:
    """A cron job per active recurring post, and the reminder sweep."""
    specs = []
    for post in await service.posts(session, active_only=True):
        rule = service.recurrence_of(post)
        day = "*" if rule.weekday is None else DAY_NAMES[rule.weekday]
        specs.append(JobSpec(post_job_id(int(post.id or 0)), "scheduler.jobs.campaigns:run_post", (int(post.id or 0),),
                             CronTrigger(day_of_week=day, hour=rule.at.hour, minute=rule.at.minute,
                                         timezone=app.settings.tz)))
    specs.append(JobSpec(REMINDERS_ID, "scheduler.jobs.campaigns:plan_reminders", (),
                         IntervalTrigger(seconds=REMINDERS_SECONDS), misfire_grace_time=REMINDERS_SECONDS))
    return specs


SCHEDULE = FeatureJobs(jobs, catch_up)
