"""Announcements: each scheduled announcement's go-live and each open reservation's expiry (date jobs
built from their rows), and the catch-up at start-up. Both are conditional updates in the database
(``scheduled`` → ``live``, ``open`` → ``expired``), so a job that fires twice, or in two processes,
does its work once; the broadcast engine sends what they plan."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.date import DateTrigger

from bot.services import announcements as service
from games import announcements as rules
from scheduler.jobs import FeatureJobs, JobSpec

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App

log = logging.getLogger(__name__)

# Never dropped: an announcement or an expiry missed while the bot was down runs late.
LATE_OK_SECONDS = int((rules.MAX_RESERVE + timedelta(days=30)).total_seconds())


def live_job_id(announcement_id: int) -> str:
    return f"an-live:{announcement_id}"


def expire_job_id(reservation_id: int) -> str:
    return f"an-expire:{reservation_id}"


async def go_live(app: App, announcement_id: int) -> bool:
    """Take an announcement live at its time: the group post, the reminders, the launch reward."""
    async with app.db.session() as session:
        live = await service.go_live(session, announcement_id, app.clock.now())
    if live is None:
        return False
    log.info("announcement %s is live: %s reminded, %s voters rewarded (%s points)", announcement_id,
             live.reminded, live.rewarded, live.points)
    return True


async def expire_reservation(app: App, reservation_id: int) -> bool:
    """Expire an unclaimed reservation and pass its unit to the next in line."""
    async with app.db.session() as session:
        passed = await service.expire(session, reservation_id, app.clock.now())
    if passed is None:
        return False
    log.info("reservation %s expired; passed to %s", reservation_id,
             passed.to.user_id if passed.to is not None else "nobody")
    return True


async def catch_up(app: App) -> None:
    """At start-up: announcements and reservations whose time passed while the bot was down."""
    async with app.db.reader() as session:
        now = app.clock.now()
        announcements = await service.due(session, now)
        reservations = await service.due_reservations(session, now)
    for announcement_id in announcements:
        await go_live(app, announcement_id)
    for reservation_id in reservations:
        await expire_reservation(app, reservation_id)


async def jobs(app: App, session: AsyncSession) -> list[JobSpec]:
    """A date job per scheduled announcement (its go-live) and per open reservation (its expiry)."""
    specs = [JobSpec(live_job_id(announcement_id), "scheduler.jobs.announcements:go_live", (announcement_id,),
                     DateTrigger(run_date=at, timezone=app.settings.tz), misfire_grace_time=LATE_OK_SECONDS)
             for announcement_id, at in await service.scheduled(session)]
    specs += [JobSpec(expire_job_id(reservation_id), "scheduler.jobs.announcements:expire_reservation",
                      (reservation_id,), DateTrigger(run_date=at, timezone=app.settings.tz),
                      misfire_grace_time=LATE_OK_SECONDS)
              for reservation_id, at in await service.open_reservations(session)]
    return specs


SCHEDULE = FeatureJobs(jobs, catch_up)
