"""The scheduler: APScheduler 3, jobs referenced as "module:function" with primitive args.

Job definitions are derived from the database (group settings), registered at start with
stable ids and ``replace_existing=True``, and re-registered when staff change a setting, so
they survive restarts. Each job claims its run in the database, so a job that fires twice
(two processes, a restart inside the grace time) does its work once.
"""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler import jobs

if TYPE_CHECKING:
    from bot.app import App

MISFIRE_GRACE_SECONDS = 3 * 3600
JOIN_SWEEP_ID = "join-requests-sweep"
JOIN_SWEEP_SECONDS = 30


def create_scheduler(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        timezone=app.settings.tz,
        job_defaults={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True, "max_instances": 1},
    )
    jobs.bind(app, scheduler)
    return scheduler


def checkin_post_job_id(chat_id: int) -> str:
    return f"checkin-post:{chat_id}"


async def schedule_group_jobs(app: App, chat_id: int, post_time: time | None) -> None:
    """(Re)schedule a group's daily check-in post, or remove it when ``post_time`` is None."""
    scheduler = jobs.current_scheduler()
    if scheduler is None:
        return
    job_id = checkin_post_job_id(chat_id)
    if post_time is None:
        if scheduler.get_job(job_id) is not None:
            scheduler.remove_job(job_id)
        return
    scheduler.add_job(
        "scheduler.jobs:post_checkin",
        trigger=CronTrigger(hour=post_time.hour, minute=post_time.minute, timezone=app.settings.tz),
        args=[chat_id],
        id=job_id,
        replace_existing=True,
    )


async def register_jobs(app: App) -> None:
    from bot.services import groups as group_service

    scheduler = jobs.current_scheduler()
    if scheduler is not None:
        scheduler.add_job("scheduler.jobs:sweep_join_requests", trigger=IntervalTrigger(seconds=JOIN_SWEEP_SECONDS),
                          id=JOIN_SWEEP_ID, replace_existing=True, misfire_grace_time=JOIN_SWEEP_SECONDS)
    async with app.db.session() as session:
        groups = await group_service.active_groups(session)
    for group in groups:
        await schedule_group_jobs(app, group.chat_id, group_service.rules_of(group).post_time)
