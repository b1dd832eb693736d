"""A basic group upgraded to a supergroup: the shop follows it to the new id with no staff action,
whichever sign of the upgrade reaches the bot first (the two service messages in either order, or
a 400 with ``migrate_to_chat_id`` on a send), exactly once."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db.models import (
    AuditEntry,
    ChatMigration,
    Checkin,
    Group,
    GroupMember,
    LedgerEntry,
    RedPacket,
    RedPacketSchedule,
)
from bot.features import schedules
from bot.services import ledger
from bot.views.migration import follow
from scheduler.jobs.checkin import checkin_post_job_id, post_checkin
from scheduler.jobs.redpackets import drop_packet
from scheduler.setup import SchedulerRuntime
from tests.harness import Harness


async def basic_shop(h: Harness) -> tuple[Any, Any, Any]:
    """A registered basic group with check-in, welcome and a scheduled drop configured, and two
    members who checked in there (a basic group has no join requests, so no gate: /gate is refused)."""
    ann = h.emu.create_user("Ann", language_code="en")
    ben = h.emu.create_user("Ben", language_code="en")
    basic = h.emu.create_group("Corner Shop", members=[ann, ben], admins=[h.owner], bot_is_admin=True,
                               supergroup=False)
    await h.say(h.owner, "/setup corner", chat=basic)
    await h.say(h.owner, "/checkin_config base=7 streak3=15 post=09:30", chat=basic)
    await h.say(h.owner, "/gate password=oolong attempts=2", chat=basic)
    assert "need a supergroup" in h.texts_to(basic.id)[-1]
    await h.say(h.owner, "/welcome gift=20", chat=basic)
    await h.say(h.owner, "/budget add 500")
    await h.say(h.owner, "/redpacket_schedule daily 10:00 100 5", chat=basic)
    await h.say(ann, "签到", chat=basic)
    await h.say(ben, "签到", chat=basic)
    return basic, ann, ben


async def rows_of(h: Harness, chat_id: int) -> dict[str, int]:
    async with h.app.db.reader() as session:
        counts = {}
        for name, model in (("groups", Group), ("members", GroupMember), ("checkins", Checkin),
                            ("schedules", RedPacketSchedule), ("packets", RedPacket), ("audit", AuditEntry)):
            counts[name] = (await session.execute(
                select(func.count()).select_from(model).where(model.chat_id == chat_id)  # type: ignore[attr-defined]
            )).scalar_one()
    return counts


async def fund_entries(h: Harness) -> list[tuple[str, int]]:
    """The shop account's debits: (reason, amount)."""
    async with h.app.db.reader() as session:
        return [(r, a) for r, a in (await session.execute(
            select(LedgerEntry.reason, LedgerEntry.amount)
            .where(LedgerEntry.user_id == ledger.SHOP_ACCOUNT, LedgerEntry.amount < 0)  # type: ignore[arg-type]
        )).all()]


@pytest.mark.parametrize("new_first", [False, True], ids=["old-chat-first", "new-chat-first"])
async def test_service_messages_move_every_setting_once(h: Harness, new_first: bool) -> None:
    basic, ann, _ben = await basic_shop(h)
    before = await rows_of(h, basic.id)
    assert before["groups"] == 1 and before["checkins"] == 2 and before["schedules"] == 1
    runtime = SchedulerRuntime(h.app, schedules(), h.states)
    scheduler = runtime.scheduler
    scheduler.start(paused=True)
    try:
        await h.say(h.owner, "/checkin_config post=09:30", chat=basic)  # the job exists for the old id
        await runtime.sync()
        assert scheduler.get_job(checkin_post_job_id(basic.id)) is not None
        new = h.emu.upgrade_to_supergroup(basic, by=h.owner, new_first=new_first)
        service = h.emu.pending_updates[-2:]
        assert ("migrate_from_chat_id" in service[0]["message"]) is new_first
        for update in service:
            await h.feed(update)
        await h.settle()
        # Every row followed the group; nothing is left under the old id.
        after = await rows_of(h, new.id)
        assert after == {**before, "audit": after["audit"]} and after["audit"] >= before["audit"]
        assert await rows_of(h, basic.id) == dict.fromkeys(before, 0)
        async with h.app.db.reader() as session:
            group = await session.get(Group, new.id)
            assert group is not None and group.label == "corner" and group.checkin_base == 7
            assert group.checkin_post_time == "09:30" and group.gate_password is None
            assert group.welcome_gift == 20
        # The daily post's job is rebuilt for the new id on the scheduler's next sync.
        await runtime.sync()
        assert scheduler.get_job(checkin_post_job_id(basic.id)) is None
        job = scheduler.get_job(checkin_post_job_id(new.id))
        assert job is not None and job.args == (h.app, new.id) and "minute='30'" in str(job.trigger)
    finally:
        runtime.shutdown()
    # A scheduler in another process still fires the job for the old id: it posts in the supergroup.
    assert await post_checkin(h.app, basic.id) is True
    assert h.emu.sent(new.id)[-1].button_labels() == ["✅ Check in"]
    assert await post_checkin(h.app, new.id) is False  # once a day
    # The supergroup answers as the shop's group: check-in works and keeps the streak and base.
    sent_before = len(h.emu.sent())
    await h.say(ann, "签到", chat=new)
    assert "not set up" not in h.texts_to(new.id)[-1] and "Ann" in h.texts_to(new.id)[-1]
    h.clock.advance(timedelta(days=1))
    await h.say(ann, "签到", chat=new)
    assert "+7" in h.texts_to(new.id)[-1]
    # The same service messages again (a redelivery) change nothing and say nothing.
    sent_now = len(h.emu.sent())
    for update in service:
        await h.feed(update)
    await h.settle()
    assert len(h.emu.sent()) == sent_now > sent_before
    assert await follow(h.app, h.states["migrations"], basic.id, new.id) is False
    async with h.app.db.reader() as session:
        assert (await session.execute(select(func.count()).select_from(ChatMigration))).scalar_one() == 1


async def test_a_400_on_the_daily_post_moves_the_group_and_posts_in_the_supergroup(h: Harness) -> None:
    basic, ann, ben = await basic_shop(h)
    await h.say(h.owner, "/checkin_post", chat=basic)
    old_post = h.emu.sent(basic.id)[-1]
    new = h.emu.upgrade_to_supergroup(basic)
    late = h.emu.pending_updates[-2:]  # the service messages, not yet seen by the bot
    assert await post_checkin(h.app, basic.id) is True
    posts = [m for m in h.emu.sent(new.id) if m.button_labels() == ["✅ Check in"]]
    assert len(posts) == 1 and "7" in (posts[0].text or "")
    before = await rows_of(h, new.id)
    assert before["groups"] == 1 and await rows_of(h, basic.id) == dict.fromkeys(before, 0)
    # The service messages arrive late: nothing more happens.
    sent = len(h.emu.sent())
    for update in late:
        await h.feed(update)
    await h.settle()
    assert len(h.emu.sent()) == sent and await rows_of(h, new.id) == before
    # Tomorrow's post is made for the new id; today's is not made twice.
    assert await post_checkin(h.app, new.id) is False
    h.clock.advance(timedelta(days=1))
    assert await post_checkin(h.app, new.id) is True
    answer = await h.tap(ann, h.emu.sent(new.id)[-1].message_id, chat=new)
    assert "+7" in (answer["text"] or "")
    # A button on a message from before the upgrade still belongs to the shop's group.
    answer = await h.tap(ben, old_post.message_id, chat=basic)
    assert "+7" in (answer["text"] or "")


async def test_a_400_on_a_scheduled_drop_posts_it_in_the_supergroup_with_one_debit(h: Harness) -> None:
    h.red_packets.rng = random.Random(5)
    basic, ann, _ben = await basic_shop(h)
    new = h.emu.upgrade_to_supergroup(basic, notify=False)
    h.clock.advance(timedelta(minutes=60))  # 10:00 shop time
    assert await drop_packet(h.app, 1, red_packets=h.red_packets) is True
    assert await drop_packet(h.app, 1, red_packets=h.red_packets) is False
    posts = [m for m in h.emu.sent(new.id) if m.button_labels() == ["🧧 Grab"]]
    assert len(posts) == 1
    assert not [m for m in h.emu.sent(basic.id) if "Red packet" in (m.text or "")]
    assert await fund_entries(h) == [("red_packet", -100)]
    async with h.app.db.reader() as session:
        packet = (await session.execute(select(RedPacket))).scalars().one()
        assert packet.chat_id == new.id and packet.message_id == posts[0].message_id
        assert await ledger.balance_of(session, ledger.SHOP_ACCOUNT) == 400
    grab = posts[0].buttons()[0]["callback_data"]
    answer = await h.tap(ann, posts[0].message_id, grab, chat=new)
    assert "You grabbed" in (answer["text"] or "")


async def test_a_400_on_a_coalesced_reply_resends_it_to_the_supergroup(h: Harness) -> None:
    basic, ann, ben = await basic_shop(h)
    h.clock.advance(timedelta(days=1))
    # Ann checks in; before the group reply goes out, Telegram upgrades the group.
    await h.feed(h.emu.user_sends(ann, "签到", chat=basic))
    new = h.emu.upgrade_to_supergroup(basic, notify=False)
    await h.settle()
    replies = h.texts_to(new.id)
    assert len(replies) == 1 and "Ann" in replies[0]
    # Ben, now in the supergroup, is answered there as a member of the registered group.
    await h.say(ben, "签到", chat=new)
    assert "Ben" in h.texts_to(new.id)[-1] and "not set up" not in h.texts_to(new.id)[-1]
    assert (await rows_of(h, new.id))["groups"] == 1


async def test_open_packets_are_posted_again_in_the_supergroup(h: Harness) -> None:
    h.red_packets.rng = random.Random(6)
    basic, ann, _ben = await basic_shop(h)
    await h.say(h.owner, "/redpacket 50 5", chat=basic)
    old_post = h.emu.sent(basic.id)[-1]
    assert old_post.button_labels() == ["🧧 Grab"]
    new = h.emu.upgrade_to_supergroup(basic, by=h.owner)
    for update in h.emu.pending_updates[-2:]:
        await h.feed(update)
    await h.settle()
    reposts = [m for m in h.emu.sent(new.id) if m.button_labels() == ["🧧 Grab"]]
    assert len(reposts) == 1
    grab = reposts[0].buttons()[0]["callback_data"]
    assert "You grabbed" in ((await h.tap(ann, reposts[0].message_id, grab, chat=new))["text"] or "")
    await h.settle()
    assert "1/5" in (h.emu.message(new.id, reposts[0].message_id).text or "")
    assert len(await fund_entries(h)) == 1  # one packet, funded once


async def test_a_packet_that_cannot_be_posted_gives_the_budget_back(h: Harness) -> None:
    h.red_packets.rng = random.Random(7)
    await h.setup_group()
    await h.say(h.owner, "/budget add 300")
    await h.say(h.owner, "/redpacket_schedule daily 10:00 100 5", chat=h.group)
    h.group.bot_status = "kicked"  # removed from the group without the bot noticing
    h.clock.advance(timedelta(minutes=60))
    await drop_packet(h.app, 1, red_packets=h.red_packets)
    async with h.app.db.reader() as session:
        assert await ledger.balance_of(session, ledger.SHOP_ACCOUNT) == 300
        packet = (await session.execute(select(RedPacket))).scalars().one()
        assert packet.status == "expired" and packet.refunded == 100 and packet.message_id is None


async def test_setup_in_a_basic_group_says_how_to_get_a_supergroup(h: Harness) -> None:
    basic = h.emu.create_group("Corner Shop", admins=[h.owner], bot_is_admin=True, supergroup=False)
    await h.say(h.owner, "/setup", chat=basic)
    assert any("supergroup" in text and "Visible" in text for text in h.texts_to(basic.id))
    await h.setup_group()
    assert not any("basic group" in text for text in h.texts_to(h.group.id))
