"""Red packets: the expiry sweep, scheduled drops, and the catch-up at start-up."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.db.models import RedPacketSchedule
from bot.services import groups as group_service
from bot.services import ledger, redpackets
from bot.services.people import record_audit
from bot.texts import language_for
from bot.views import redpackets as packets
from games import redpacket as packet_rules
from games.errors import InsufficientPoints
from games.points import drop_slot_key
from scheduler.jobs import MISFIRE_GRACE

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


async def sweep_packets(app: App) -> int:
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
        app.packets.close(packet_id, packet_rules.Expired())
        packets.schedule_refresh(app, packet_id)
        log.info("red packet %s expired; %s points refunded", packet_id, refund)
    return expired


async def drop_packet(app: App, schedule_id: int) -> bool:
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
                spec=drop.spec, source_key=drop_slot_key(schedule_id, today), now=now, rng=app.rng,
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
    await packets.post(app, created.packet.id)
    return True


async def reconcile_packets(app: App, grace: timedelta = MISFIRE_GRACE) -> None:
    """At start-up: refund what expired while the bot was down, make drops missed within ``grace``,
    and post packets that were created but never posted (a crash between the two)."""
    await sweep_packets(app)
    now_local = app.clock.now().astimezone(app.settings.tz).replace(tzinfo=None)
    async with app.db.session() as session:
        drops = await redpackets.schedules(session)
        unposted = [p.id for p in await redpackets.open_packets(session) if p.message_id is None]
    for row in drops:
        assert row.id is not None
        if packet_rules.due_day(redpackets.spec_of(row), now_local, grace) is not None:
            await drop_packet(app, row.id)  # made once per slot: a slot already made is left alone
    for packet_id in unposted:
        if packet_id is not None:
            await packets.post(app, packet_id)
