"""The scheduler, rebuilt from the database: APScheduler 3 in the one process that runs it.

Handlers and services only commit rows (a group's check-in post time, red-packet drop schedules).
:class:`SchedulerRuntime` derives the jobs those rows call for (:func:`desired_jobs`), registers
them at start with stable ids, and every few seconds diffs them against what it registered
(:meth:`SchedulerRuntime.sync`), so a change committed by any process — one that runs no
scheduler included — is picked up. The jobs live in an in-memory job store: nothing is pickled,
nothing outlives the process, and each job gets the app as its first argument (no module-level
state). Jobs are referenced as ``"module:function"`` with primitive arguments after the app, and
each claims its run in the database, so a job that fires twice does its work once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.services import groups as group_service
from bot.services import redpackets
from games import redpacket as packet_rules
from scheduler.jobs import MISFIRE_GRACE
from scheduler.jobs.checkin import post_checkin
from scheduler.jobs.redpackets import reconcile_packets

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = int(MISFIRE_GRACE.total_seconds())
SYNC_SECONDS = 5.0  # how soon a committed schedule change reaches the scheduler
SYNC_ID = "scheduler-sync"
PACKET_SWEEP_ID = "redpacket-sweep"
PACKET_SWEEP_SECONDS = 30
JOIN_SWEEP_ID = "join-requests-sweep"
JOIN_SWEEP_SECONDS = 30


def checkin_post_job_id(chat_id: int) -> str:
    return f"checkin-post:{chat_id}"


def drop_job_id(schedule_id: int) -> str:
    return f"redpacket-drop:{schedule_id}"


@dataclass(frozen=True)
class JobSpec:
    """One job the database calls for: run ``func(app, *args)`` on ``trigger``."""

    id: str
    func: str
    args: tuple[int, ...]
    trigger: BaseTrigger
    misfire_grace_time: int = MISFIRE_GRACE_SECONDS

    @property
    def signature(self) -> tuple[str, tuple[int, ...], str, int]:
        return self.func, self.args, str(self.trigger), self.misfire_grace_time


def checkin_post_job(app: App, chat_id: int, post_time: time) -> JobSpec:
    return JobSpec(checkin_post_job_id(chat_id), "scheduler.jobs.checkin:post_checkin", (chat_id,),
                   CronTrigger(hour=post_time.hour, minute=post_time.minute, timezone=app.settings.tz))


def drop_job(app: App, schedule_id: int, drop: packet_rules.DropSchedule) -> JobSpec | None:
    """A red-packet drop: a daily cron at local HH:MM, or one date trigger (None once past its grace)."""
    if drop.every is packet_rules.Every.DAILY:
        trigger: BaseTrigger = CronTrigger(hour=drop.at.hour, minute=drop.at.minute, timezone=app.settings.tz)
    else:
        assert drop.on is not None
        run_at = datetime.combine(drop.on, drop.at, tzinfo=app.settings.tz)
        if run_at + MISFIRE_GRACE < app.clock.now():
            return None
        trigger = DateTrigger(run_date=run_at, timezone=app.settings.tz)
    return JobSpec(drop_job_id(schedule_id), "scheduler.jobs.redpackets:drop_packet", (schedule_id,), trigger)


async def desired_jobs(app: App) -> list[JobSpec]:
    """Every job the database calls for now: the sweeps, each group's daily post, each drop."""
    specs = [
        JobSpec(JOIN_SWEEP_ID, "scheduler.jobs.gate:sweep_join_requests", (),
                IntervalTrigger(seconds=JOIN_SWEEP_SECONDS), misfire_grace_time=JOIN_SWEEP_SECONDS),
        JobSpec(PACKET_SWEEP_ID, "scheduler.jobs.redpackets:sweep_packets", (),
                IntervalTrigger(seconds=PACKET_SWEEP_SECONDS)),
    ]
    async with app.db.reader() as session:
        for group in await group_service.active_groups(session):
            post_time = group_service.rules_of(group).post_time
            if post_time is not None:
                specs.append(checkin_post_job(app, group.chat_id, post_time))
        for row in await redpackets.schedules(session):
            assert row.id is not None
            spec = drop_job(app, row.id, redpackets.spec_of(row))
            if spec is not None:
                specs.append(spec)
    return specs


class SchedulerRuntime:
    """The scheduler of one process and the app its jobs run against, created by the factory."""

    def __init__(self, app: App, *, sync_every: float = SYNC_SECONDS) -> None:
        self.app = app
        self.sync_every = sync_every
        self.scheduler = AsyncIOScheduler(
            timezone=app.settings.tz,
            job_defaults={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True, "max_instances": 1},
        )
        self._registered: dict[str, tuple[str, tuple[int, ...], str, int]] = {}

    async def sync(self) -> None:
        """Make the scheduler's jobs match the database: add what is new or changed (same id,
        ``replace_existing``), remove what the database no longer calls for. A one-off job that
        already fired is gone from the scheduler and is not added again."""
        desired = {spec.id: spec for spec in await desired_jobs(self.app)}
        for job_id in [job_id for job_id in self._registered if job_id not in desired]:
            del self._registered[job_id]
            if self.scheduler.get_job(job_id) is not None:
                self.scheduler.remove_job(job_id)
        for spec in desired.values():
            live = self.scheduler.get_job(spec.id)
            if self._registered.get(spec.id) == spec.signature and (
                    live is not None or isinstance(spec.trigger, DateTrigger)):
                continue
            self.scheduler.add_job(spec.func, trigger=spec.trigger, args=[self.app, *spec.args], id=spec.id,
                                   replace_existing=True, misfire_grace_time=spec.misfire_grace_time)
            self._registered[spec.id] = spec.signature

    async def start(self, *, paused: bool = False) -> None:
        """Start the scheduler with the database's jobs and the sync loop, then catch up on what
        was missed while no scheduler ran: a daily post due within the grace time (posted once per
        day), expired packets, drops missed within the grace time, packets made but never posted."""
        self.scheduler.start(paused=paused)
        await self.sync()
        self.scheduler.add_job(self.sync, trigger=IntervalTrigger(seconds=self.sync_every), id=SYNC_ID,
                               replace_existing=True, misfire_grace_time=max(1, int(self.sync_every)))
        app = self.app
        now = app.clock.now().astimezone(app.settings.tz)
        async with app.db.reader() as session:
            post_times = [(group.chat_id, group_service.rules_of(group).post_time)
                          for group in await group_service.active_groups(session)]
        for chat_id, post_time in post_times:
            if post_time is None:
                continue
            due = now.replace(hour=post_time.hour, minute=post_time.minute, second=0, microsecond=0)
            if due <= now <= due + MISFIRE_GRACE:
                await post_checkin(app, chat_id)
        await reconcile_packets(app)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
