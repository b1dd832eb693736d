"""Thin, idempotent jobs. Each claims its run in the database before doing anything visible."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Group, JobRun, RedPacketSchedule
from bot.services import groups as group_service
from bot.services import migration as migration_service
from bot.services.sql import insert_for, rowcount
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
    return bool(rowcount(result))


async def post_checkin(chat_id: int) -> bool:
    """Post the daily check-in message with its button into a group, once per local day."""
    from handlers.keyboards import checkin_keyboard
    from handlers.staff import checkin_post_text

    app = _require_app()
    today = local_day(app.clock.now(), app.settings.tz)
    async with app.db.session() as session:
        group = await group_service.get_group(session, chat_id)
        moved_to = await migration_service.migrated_to(session, chat_id) if group is None else None
        new_group = await group_service.get_group(session, moved_to) if moved_to is not None else None
    if group is None or not group.active:
        return await _follow_migration(app, chat_id, new_group) if new_group is not None else False
    async with app.db.session() as session:
        if not await claim(session, f"checkin-post:{chat_id}:{today.isoformat()}", app):
            log.info("check-in post for %s on %s already done", chat_id, today)
            return False
        rules = group_service.rules_of(group)
        lang = language_for(group.language, app.settings.default_language)
        thread_id = group.thread_id
    group_ = Translator(app.texts, lang)
    await app.sender.send_message(chat_id, checkin_post_text(group_, rules), reply_markup=checkin_keyboard(group_),
                                  message_thread_id=thread_id)
    return True


async def _follow_migration(app: App, old_chat_id: int, new_group: Group) -> bool:
    """The daily post of a basic group that became a supergroup (followed by another process, or
    before a restart): the job moves to the new id and posts there."""
    from scheduler.setup import checkin_post_job_id, schedule_group_jobs, unschedule_job

    await unschedule_job(checkin_post_job_id(old_chat_id))
    await schedule_group_jobs(app, new_group.chat_id, group_service.rules_of(new_group).post_time)
    return await post_checkin(new_group.chat_id)


# ---- red packets ------------------------------------------------------------------------------

async def sweep_packets() -> int:
    """Refund every open packet whose time is up (each once, whichever process gets there first)."""
    from bot import packets
    from bot.services import redpackets
    from games.redpacket import Expired

    app = _require_app()
    now = app.clock.now()
    async with app.db.reader() as session:
        due = await redpackets.due(session, now)
    expired = 0
    for packet_id in due:
        async with app.db.session() as session:
            refund = await redpackets.expire(session, packet_id, now)
        if refund is None:
            continue
        expired += 1
        app.packets.close(packet_id, Expired())
        packets.schedule_refresh(app, packet_id)
        log.info("red packet %s expired; %s points refunded", packet_id, refund)
    return expired


async def drop_packet(schedule_id: int) -> bool:
    """Make today's packet of a scheduled drop, once per slot, and post it."""
    from bot import packets
    from bot.services import ledger, redpackets
    from bot.services.people import record_audit
    from games.errors import InsufficientPoints
    from games.redpacket import due_day
    from scheduler.setup import MISFIRE_GRACE_SECONDS

    app = _require_app()
    now = app.clock.now()
    async with app.db.session() as session:
        row = await session.get(RedPacketSchedule, schedule_id)
        if row is None or not row.active:
            return False
        group = await group_service.get_group(session, row.chat_id)
        if group is None or not group.active:
            return False
        drop = redpackets.spec_of(row)
        # The slot is the day the drop was due, not the day the job happens to run.
        today = due_day(drop, now.astimezone(app.settings.tz).replace(tzinfo=None),
                        timedelta(seconds=MISFIRE_GRACE_SECONDS))
        if today is None:
            return False
        try:
            made = await redpackets.create_packet(
                session, chat_id=row.chat_id, funder_id=ledger.SHOP_ACCOUNT, actor_id=row.created_by,
                spec=drop.spec, source_key=redpackets.slot_key(schedule_id, today), now=now, rng=app.rng,
                schedule_id=schedule_id,
            )
        except InsufficientPoints as short:
            balance = int(short.params.get("balance", 0))  # type: ignore[call-overload]
            created = None
        else:
            created = made
            if made.new:
                await record_audit(session, actor_id=row.created_by, action="redpacket.drop", now=now,
                                   chat_id=row.chat_id, target=f"rp:{made.packet.id}",
                                   details=f"schedule {schedule_id}")
            if drop.every.value == "once":
                row.active = False
    if created is None:
        log.warning("scheduled red packet %s skipped: shop budget %s < %s", schedule_id, balance, drop.spec.total)
        lang = language_for(None, app.settings.default_language)
        await app.sender.send_message(row.created_by, app.texts(lang, "rps-skipped", id=schedule_id,
                                                                 balance=balance, total=drop.spec.total))
        return False
    if not created.new:
        log.info("scheduled red packet %s for %s already made", schedule_id, today)
        return False
    assert created.packet.id is not None
    await packets.post(app, created.packet.id)
    return True


async def reconcile_packets(grace: timedelta) -> None:
    """At start-up: refund what expired while the bot was down, make drops missed within ``grace``,
    and post packets that were created but never posted (a crash between the two)."""
    from bot import packets
    from bot.services import redpackets
    from games import redpacket as packet_rules

    app = _require_app()
    await sweep_packets()
    now_local = app.clock.now().astimezone(app.settings.tz).replace(tzinfo=None)
    async with app.db.session() as session:
        drops = await redpackets.schedules(session)
        unposted = [p.id for p in await redpackets.open_packets(session) if p.message_id is None]
    for row in drops:
        assert row.id is not None
        if packet_rules.due_day(redpackets.spec_of(row), now_local, grace) is not None:
            await drop_packet(row.id)  # made once per slot: a slot already made is left alone
    for packet_id in unposted:
        if packet_id is not None:
            await packets.post(app, packet_id)


async def sweep_join_requests() -> int:
    """Decline join requests past their time and carry out decisions not yet carried out."""
    from bot.gatekeeper import sweep

    return await sweep(_require_app())
