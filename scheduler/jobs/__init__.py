"""Thin, idempotent jobs, one module per feature. Each is a module-level coroutine taking the
app first, then primitive arguments, then (by keyword) the feature state it asks for; each claims
its run in the database before doing anything visible, so a job that fires twice (a restart inside
the grace time, a catch-up) does its work once.

Each module also says which jobs its rows call for (a :class:`FeatureJobs`: ``jobs`` and an
optional start-up ``catch_up``); the feature registry (bot/features.py) hands them to the runtime
(scheduler/setup.py). Jobs call services and views; they never import handlers, and handlers never
import them: a handler commits a row and the scheduler builds its jobs from the rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.triggers.base import BaseTrigger

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App

MISFIRE_GRACE = timedelta(hours=3)
MISFIRE_GRACE_SECONDS = int(MISFIRE_GRACE.total_seconds())


@dataclass(frozen=True)
class JobSpec:
    """One job the database calls for: run ``func(app, *args, **state)`` on ``trigger``, where
    ``state`` holds the feature states named in ``inject`` (e.g. ``red_packets``)."""

    id: str
    func: str
    args: tuple[int, ...]
    trigger: BaseTrigger
    misfire_grace_time: int = MISFIRE_GRACE_SECONDS
    inject: tuple[str, ...] = ()

    @property
    def signature(self) -> tuple[str, tuple[int, ...], str, int, tuple[str, ...]]:
        return self.func, self.args, str(self.trigger), self.misfire_grace_time, self.inject


@dataclass(frozen=True)
class FeatureJobs:
    """A feature's part of the schedule: the jobs its rows call for now, and what to catch up at
    start-up (run with the feature states named in ``inject``)."""

    jobs: Callable[[App, AsyncSession], Awaitable[list[JobSpec]]]
    catch_up: Callable[..., Awaitable[Any]] | None = None
    inject: tuple[str, ...] = ()
