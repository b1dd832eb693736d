"""The daily check-in post."""

from __future__ import annotations

import logging
from datetime import time
from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger

from bot.services import groups as group_service
from bot.services import migration as migration_service
from bot.services.jobruns import claim
from bot.texts import Translator, language_for
from bot.views.checkin import checkin_keyboard, checkin_post_text
from games.checkin import local_day
from scheduler.jobs import MISFIRE_GRACE, FeatureJobs, JobSpec

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App

log = logging.getLogger(__name__)


async def post_checkin(app: App, chat_id: int) -> bool:
    """Post the daily check-in message with its button into a group, once per local day.

    A group that became a supergroup is followed: a job still holding the old id (fired before
    the scheduler synced, or in a process that has not synced yet) posts in the supergroup."""
    today = local_day(app.clock.now(), app.settings.tz)
    async with app.db.session() as session:
        group = await group_service.get_group(session, chat_id)
        moved_to = await migration_service.migrated_to(session, chat_id) if group is None else None
        new_group = await group_service.get_group(session, moved_to) if moved_to is not None else None
    if group is None or not group.active:
        return await post_checkin(app, new_group.chat_id) if new_group is not None else False
    async with app.db.session() as session:
        if not await claim(session, f"checkin-post:{chat_id}:{today.isoformat()}", app.clock.now()):
            log.info("check-in post for %s on %s already done", chat_id, today)
            return False
        rules = group_service.rules_of(group)
        lang = language_for(group.language, app.settings.default_language)
        thread_id = group.thread_id
    group_ = Translator(app.texts, lang)
    await app.sender.send_message(chat_id, checkin_post_text(group_, rules), reply_markup=checkin_keyboard(group_),
                                  message_thread_id=thread_id)
    return True


def checkin_post_job_id(chat_id: int) -> str:
    return f"checkin-post:{chat_id}"


def checkin_post_job(app: App, chat_id: int, post_time: time) -> JobSpec:
    return JobSpec(checkin_post_job_id(chat_id), "scheduler.jobs.checkin:post_checkin", (chat_id,),
                   CronTrigger(hour=post_time.hour, minute=post_time.minute, timezone=app.settings.tz))


async def jobs(app: App, session: AsyncSession) -> list[JobSpec]:
    """Each active group's daily post."""
    specs = []
    for group in await group_service.active_groups(session):
        post_time = group_service.rules_of(group).post_time
        if post_time is not None:
            specs.append(checkin_post_job(app, group.chat_id, post_time))
    return specs


async def catch_up(app: App) -> None:
    """At start-up: a daily post due within the grace time is posted (once per day)."""
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


SCHEDULE = FeatureJobs(jobs, catch_up)
