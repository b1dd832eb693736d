"""The scheduler: APScheduler 3, jobs referenced as "module:function" with primitive args.

Job definitions are derived from the database (group settings), registered at start with
stable ids and ``replace_existing=True``, and re-registered when staff change a setting, so
they survive restarts. Each job claims its run in the database, so a job that fires twice
(two processes, a restart inside the grace time) does its work once.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from games import redpacket as packet_rules
from scheduler import jobs

if TYPE_CHECKING:
    from bot.app import App

PACKET_SWEEP_SECONDS = 30

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


async def unschedule_job(job_id: str) -> None:
    scheduler = jobs.current_scheduler()
    if scheduler is not None and scheduler.get_job(job_id) is not None:
        scheduler.remove_job(job_id)


def drop_job_id(schedule_id: int) -> str:
    return f"redpacket-drop:{schedule_id}"


async def schedule_drop(app: App, schedule_id: int, drop: packet_rules.DropSchedule) -> None:
    """(Re)schedule a red-packet drop: a daily cron at local HH:MM, or one date trigger."""
    scheduler = jobs.current_scheduler()
    if scheduler is None:
        return
    if drop.every is packet_rules.Every.DAILY:
        trigger: CronTrigger | DateTrigger = CronTrigger(hour=drop.at.hour, minute=drop.at.minute,
                                                         timezone=app.settings.tz)
    else:
        assert drop.on is not None
        run_at = datetime.combine(drop.on, drop.at, tzinfo=app.settings.tz)
        if run_at + timedelta(seconds=MISFIRE_GRACE_SECONDS) < app.clock.now():
            return
        trigger = DateTrigger(run_date=run_at, timezone=app.settings.tz)
    scheduler.add_job("scheduler.jobs:drop_packet", trigger=trigger, args=[schedule_id],
                      id=drop_job_id(schedule_id), replace_existing=True)


async def unschedule_drop(schedule_id: int) -> None:
    scheduler = jobs.current_scheduler()
    if scheduler is not None and scheduler.get_job(drop_job_id(schedule_id)) is not None:
        scheduler.remove_job(drop_job_id(schedule_id))


async def register_jobs(app: App) -> None:
    from bot.services import groups as group_service
    from bot.services import redpackets

    scheduler = jobs.current_scheduler()
    if scheduler is not None:
        scheduler.add_job("scheduler.jobs:sweep_join_requests", trigger=IntervalTrigger(seconds=JOIN_SWEEP_SECONDS),
                          id=JOIN_SWEEP_ID, replace_existing=True, misfire_grace_time=JOIN_SWEEP_SECONDS)
    async with app.db.session() as session:
        groups = await group_service.active_groups(session)
        drops = await redpackets.schedules(session)
    now = app.clock.now().astimezone(app.settings.tz)
    for group in groups:
        post_time = group_service.rules_of(group).post_time
        await schedule_group_jobs(app, group.chat_id, post_time)
        if post_time is not None:
            # Down at post time and back within the grace time: post today's now (claimed once per day).
            due = now.replace(hour=post_time.hour, minute=post_time.minute, second=0, microsecond=0)
            if due <= now <= due + timedelta(seconds=MISFIRE_GRACE_SECONDS):
                await jobs.post_checkin(group.chat_id)
    for row in drops:
        assert row.id is not None
        await schedule_drop(app, row.id, redpackets.spec_of(row))
    scheduler = jobs.current_scheduler()
    if scheduler is not None:
        scheduler.add_job("scheduler.jobs:sweep_packets", trigger=IntervalTrigger(seconds=PACKET_SWEEP_SECONDS),
                          id="redpacket-sweep", replace_existing=True)
    # A bot that was down catches up now: expired packets are refunded, drops missed within the
    # grace time are made, packets created but never posted are posted.
    await jobs.reconcile_packets(grace=timedelta(seconds=MISFIRE_GRACE_SECONDS))
