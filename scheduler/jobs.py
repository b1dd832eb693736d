"""Thin, idempotent jobs. Each claims its run in the database before doing anything visible."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import JobRun
from bot.services import groups as group_service
from bot.services.sql import insert_for
from bot.texts import Translator, language_for
from games.checkin import local_day

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)
_app: App | None = None
_scheduler: BaseScheduler | None = None


def bind(app: App, scheduler: BaseScheduler | None) -> None:
    """Jobs are module-level functions (picklable, referenced by name); this gives them the app."""
    global _app, _scheduler
    _app, _scheduler = app, scheduler


def current_scheduler() -> BaseScheduler | None:
    return _scheduler


def _require_app() -> App:
    if _app is None:
        raise RuntimeError("scheduler jobs used before scheduler.jobs.bind(app)")
    return _app


async def claim(session: AsyncSession, key: str, app: App) -> bool:
    """True for the first claimant of ``key``; every later one gets False."""
    stmt = insert_for(session, JobRun.__table__).values(key=key, ran_at=app.clock.now())  # type: ignore[attr-defined]
    result = await session.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def post_checkin(chat_id: int) -> bool:
    """Post the daily check-in message with its button into a group, once per local day."""
    from handlers.keyboards import checkin_keyboard
    from handlers.staff import checkin_post_text

    app = _require_app()
    today = local_day(app.clock.now(), app.settings.tz)
    async with app.db.session() as session:
        group = await group_service.get_group(session, chat_id)
        if group is None or not group.active:
            return False
        if not await claim(session, f"checkin-post:{chat_id}:{today.isoformat()}", app):
            log.info("check-in post for %s on %s already done", chat_id, today)
            return False
        rules = group_service.rules_of(group)
        lang = language_for(group.language, app.settings.default_language)
    group_ = Translator(app.texts, lang)
    await app.sender.send_message(chat_id, checkin_post_text(group_, rules), reply_markup=checkin_keyboard(group_))
    return True


async def sweep_join_requests() -> int:
    """Decline join requests past their time and carry out decisions not yet carried out."""
    from bot.gatekeeper import sweep

    return await sweep(_require_app())
