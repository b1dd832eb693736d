"""The scheduler, rebuilt from the database: APScheduler 3 in the one process that runs it.

Handlers and services only commit rows (a group's check-in post time, red-packet drop schedules).
:class:`SchedulerRuntime` asks each feature which jobs its rows call for (its
:class:`~scheduler.jobs.FeatureJobs`, handed over by the feature registry), registers them at start
with stable ids, and every few seconds diffs them against what it registered
(:meth:`SchedulerRuntime.sync`), so a change committed by any process — one that runs no
scheduler included — is picked up. The jobs live in an in-memory job store: nothing is pickled,
nothing outlives the process, and each job gets the app as its first argument and the feature
states it names by keyword (no module-level state). Jobs are referenced as ``"module:function"``
with primitive arguments, and each claims its run in the database, so a job that fires twice does
its work once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.jobs import MISFIRE_GRACE_SECONDS, FeatureJobs, JobSpec

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

SYNC_SECONDS = 5.0  # how soon a committed schedule change reaches the scheduler
SYNC_ID = "scheduler-sync"


class SchedulerRuntime:
    """The scheduler of one process: the app and feature states its jobs run against, and the
    features' schedules. Created by the factory (bot/factory.py)."""

    def __init__(self, app: App, schedules: Sequence[FeatureJobs], states: Mapping[str, Any], *,
                 sync_every: float = SYNC_SECONDS) -> None:
        self.app = app
        self.schedules = list(schedules)
        self.states = states
        self.sync_every = sync_every
        self.scheduler = AsyncIOScheduler(
            timezone=app.settings.tz,
            job_defaults={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True, "max_instances": 1},
        )
        self._registered: dict[str, tuple[Any, ...]] = {}

    async def desired_jobs(self) -> list[JobSpec]:
        """Every job the database calls for now, feature by feature."""
        specs: list[JobSpec] = []
        async with self.app.db.reader() as session:
            for schedule in self.schedules:
                specs.extend(await schedule.jobs(self.app, session))
        return specs

    def _state(self, names: Sequence[str]) -> dict[str, Any]:
        return {name: self.states[name] for name in names}

    async def sync(self) -> None:
        """Make the scheduler's jobs match the database: add what is new or changed (same id,
        ``replace_existing``), remove what the database no longer calls for. A one-off job that
        already fired is gone from the scheduler and is not added again."""
        desired = {spec.id: spec for spec in await self.desired_jobs()}
        for job_id in [job_id for job_id in self._registered if job_id not in desired]:
            del self._registered[job_id]
            if self.scheduler.get_job(job_id) is not None:
                self.scheduler.remove_job(job_id)
        for spec in desired.values():
            live = self.scheduler.get_job(spec.id)
            if self._registered.get(spec.id) == spec.signature and (
                    live is not None or isinstance(spec.trigger, DateTrigger)):
                continue
            self.scheduler.add_job(spec.func, trigger=spec.trigger, args=[self.app, *spec.args],
                                   kwargs=self._state(spec.inject), id=spec.id, replace_existing=True,
                                   misfire_grace_time=spec.misfire_grace_time)
            self._registered[spec.id] = spec.signature

    async def start(self, *, paused: bool = False) -> None:
        """Start the scheduler with the database's jobs and the sync loop, then let each feature
        catch up on what was missed while no scheduler ran (a daily post due within the grace
        time, expired packets, drops missed within the grace time, packets made but never posted)."""
        self.scheduler.start(paused=paused)
        await self.sync()
        self.scheduler.add_job(self.sync, trigger=IntervalTrigger(seconds=self.sync_every), id=SYNC_ID,
                               replace_existing=True, misfire_grace_time=max(1, int(self.sync_every)))
        for schedule in self.schedules:
            if schedule.catch_up is not None:
                await schedule.catch_up(self.app, **self._state(schedule.inject))

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
