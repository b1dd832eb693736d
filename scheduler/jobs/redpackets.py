"""Red packets: the expiry sweep, scheduled drops, and the catch-up at start-up."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.db.models import RedPacketSchedule
from bot.services import groups as group_service
from bot.services import ledger, redpackets
from bot.services.people import record_audit
from bot.texts import language_for
from bot.views import redpackets as packets
from bot.views.redpackets import RedPackets
from games import redpacket as packet_rules
from games.errors import InsufficientPoints
from games.points import drop_slot_key
from scheduler.jobs import MISFIRE_GRACE, FeatureJobs, JobSpec

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App

log = logging.getLogger(__name__)

PACKET_SWEEP_ID = "redpacket-sweep"
PACKET_SWEEP_SECONDS = 30
STATE = ("red_packets",)  # the feature state every job here is given


async def sweep_packets(app: App, *, red_packets: RedPackets) -> int:
    """Refund every open packet whose time is up (each once, whichever process gets there first)."""
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
        red_packets.board.close(packet_id, packet_rules.Expired())
        packets.schedule_refresh(app, red_packets, packet_id)
        log.info("red packet %s expired; %s points refunded", packet_id, refund)
    return expired


async def drop_packet(app: App, schedule_id: int, *, red_packets: RedPackets) -> bool:
    """Make today's packet of a scheduled drop, once per slot, and post it."""
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
        today = packet_rules.due_day(drop, now.astimezone(app.settings.tz).replace(tzinfo=None), MISFIRE_GRACE)
        if today is None:
            return False
        try:
            made = await redpackets.create_packet(
                session, chat_id=row.chat_id, funder_id=ledger.SHOP_ACCOUNT, actor_id=row.created_by,
                spec=drop.spec, source_key=drop_slot_key(schedule_id, today), now=now, rng=red_packets.rng,
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
            if drop.every is packet_rules.Every.ONCE:
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
    await packets.post(app, red_packets, created.packet.id)
    return True


async def reconcile_packets(app: App, *, red_packets: RedPackets, grace: timedelta = MISFIRE_GRACE) -> None:
    """At start-up: refund what expired while the bot was down, make drops missed within ``grace``,
    and post packets that were created but never posted (a crash between the two)."""
    await sweep_packets(app, red_packets=red_packets)
    now_local = app.clock.now().astimezone(app.settings.tz).replace(tzinfo=None)
    async with app.db.session() as session:
        drops = await redpackets.schedules(session)
        unposted = [p.id for p in await redpackets.open_packets(session) if p.message_id is None]
    for row in drops:
        assert row.id is not None
        if packet_rules.due_day(redpackets.spec_of(row), now_local, grace) is not None:
            # Made once per slot: a slot already made is left alone.
            await drop_packet(app, row.id, red_packets=red_packets)
    for packet_id in unposted:
        if packet_id is not None:
            await packets.post(app, red_packets, packet_id)


def drop_job_id(schedule_id: int) -> str:
    return f"redpacket-drop:{schedule_id}"


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
    return JobSpec(drop_job_id(schedule_id), "scheduler.jobs.redpackets:drop_packet", (schedule_id,), trigger,
                   inject=STATE)


async def jobs(app: App, session: AsyncSession) -> list[JobSpec]:
    """The expiry sweep and each drop schedule's job."""
    specs = [JobSpec(PACKET_SWEEP_ID, "scheduler.jobs.redpackets:sweep_packets", (),
                     IntervalTrigger(seconds=PACKET_SWEEP_SECONDS), inject=STATE)]
    for row in await redpackets.schedules(session):
        assert row.id is not None
        spec = drop_job(app, row.id, redpackets.spec_of(row))
        if spec is not None:
            specs.append(spec)
    return specs


SCHEDULE = FeatureJobs(jobs, reconcile_packets, inject=STATE)
