"""The broadcast engine on SQLite and PostgreSQL: the lease (one worker among several app instances,
taken over when the holder stops renewing), the policies (frequency cap, quiet hours, opt-out,
waiting for the member to start the bot, 403 marking), failures, cancelling, and the resolution of
deliveries left 'sending' by a dead worker (a group's checked in the group: exactly one copy stays;
what cannot be checked is recorded unconfirmed and never sent again)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.db.models import Contact, Delivery, Lease
from bot.services import deliveries as service
from bot.services.broadcasts import Target, plan
from bot.texts import escape
from bot.views.broadcasts import LEASE, RECHECK_DEPTH, Broadcasts, Outgoing, digest
from tests.harness import Harness, harness


def engine_of(h: Harness) -> Broadcasts:
    state: Broadcasts = h.states["broadcasts"]
    return state


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def settle(h: Harness) -> None:
    """Until nothing is due or being sent (delayed deliveries stay planned for later)."""
    engine = engine_of(h)
    await engine.contacts_recorded()
    engine.wake()

    async def quiet() -> bool:
        async with h.app.db.reader() as session:
            busy = (await session.execute(select(Delivery.id).where(
                (Delivery.state == "sending") | ((Delivery.state == "planned")
                                                 & (Delivery.not_before <= h.clock.now()))))).first()
        return busy is None and not engine._hands

    await until(quiet)


async def broadcast(h: Harness, text: str, users: list[int], *, capped: bool = False, quiet: bool = False,
                    source: str | None = None) -> int:
    async with h.app.db.session() as session:
        planned = await plan(session, kind="text", args={"text": text}, targets=[Target(u, True) for u in users],
                             at=h.clock.now(), now=h.clock.now(), capped=capped, quiet=quiet, source=source)
    return planned.broadcast_id


async def delivery(h: Harness, broadcast_id: int, chat_id: int) -> Delivery:
    async with h.app.db.reader() as session:
        row = (await session.execute(select(Delivery).where(Delivery.broadcast_id == broadcast_id,
                                                            Delivery.chat_id == chat_id))).scalar_one()
        session.expunge(row)
        return row


def texts(h: Harness, chat_id: int) -> list[str]:
    return [m.text or m.caption or "" for m in h.emu.sent(chat_id)]


# ---- the lease ------------------------------------------------------------------------------------------

async def test_one_worker_holds_the_lease_and_another_takes_over_when_it_stops_renewing(db_url: str) -> None:
    async with harness(db_url) as first, harness(db_url) as second:
        one, two = engine_of(first), engine_of(second)
        assert await one.lease_round() is True
        assert await two.lease_round() is False  # passive while the holder renews
        assert one.leading and not two.leading
        # The holder stops renewing (hung); once its lease has run out the other takes over.
        second.clock.advance(timedelta(seconds=one.ttl + 1))
        assert await two.lease_round() is True
        assert two.leading
        assert await one.lease_round() is False  # it notices and stops its worker
        assert not one.leading
        async with first.app.db.reader() as session:
            holder = (await session.execute(select(Lease.holder).where(Lease.name == LEASE))).scalar_one()
        assert holder == two.holder


async def mark_in_flight(h: Harness, broadcast_id: int, text: str) -> None:
    """What a worker does before its request leaves: the broadcast's deliveries marked ``sending``, with
    the newest message id it knew of in the chat and the digest of ``text``."""
    async with h.app.db.session() as session:
        await session.execute(update(Delivery).where(Delivery.broadcast_id == broadcast_id,
                                                     Delivery.state == "planned")
                              .values(state="sending", marked_at=h.clock.now(), attempts=1,
                                      after_id=h.app.sender.last_ids.get(h.group.id),
                                      content=digest(Outgoing(escape(text)))))


async def left_in_flight(h: Harness, broadcast_id: int, text: str = "") -> Broadcasts:
    """A dead worker marked the broadcast's deliveries, then was killed; this app's engine takes over."""
    await mark_in_flight(h, broadcast_id, text)
    async with h.app.db.session() as session:
        await session.execute(update(Lease).where(Lease.name == LEASE).values(holder="elsewhere:1:dead"))
    engine = engine_of(h)
    engine.leading = False
    h.clock.advance(timedelta(seconds=engine.ttl + 1))
    assert await engine.lease_round() is True
    await settle(h)
    return engine


async def paused(h: Harness) -> None:
    """This app's worker stops (it would send what a test is about to leave in flight)."""
    engine = engine_of(h)
    engine.leading = False
    await engine._stop_worker()


async def group_post(h: Harness, text: str, *, worker: bool = False) -> int:
    """Plan ``text`` to the harness's group; the worker is paused first unless ``worker``."""
    if not worker:
        await paused(h)
    async with h.app.db.session() as session:
        planned = await plan(session, kind="text", args={"text": text}, targets=[Target(h.group.id, False)],
                             at=h.clock.now(), now=h.clock.now())
    return planned.broadcast_id


def posts(h: Harness, text: str) -> list[int]:
    """The bot's messages showing ``text`` in the harness's group now (deleted ones gone)."""
    return [m.message_id for m in h.emu.messages(h.group.id) if m.from_bot and m.shown == text]


async def test_a_private_message_left_in_flight_is_recorded_unconfirmed_and_never_sent_again(db_url: str) -> None:
    async with harness(db_url) as h:
        member = h.emu.create_user("Mia")
        await h.say(member, "/start")
        await h.say(h.owner, "/start")
        await paused(h)
        broadcast_id = await broadcast(h, "hello", [member.id])
        engine = await left_in_flight(h, broadcast_id, "hello")
        row = await delivery(h, broadcast_id, member.id)
        assert (row.state, row.reason, row.message_id) == ("sent", service.UNCONFIRMED, None)
        assert not any("hello" in t for t in texts(h, member.id))
        assert engine.unconfirmed_at_takeover == 1
        async with h.app.db.reader() as session:
            counts, problems = await service.accounting(session)
        assert problems == [] and counts[service.UNCONFIRMED] == 1


async def test_a_group_post_left_in_flight_that_never_left_is_posted_once_after_the_check(db_url: str) -> None:
    async with harness(db_url) as h:
        await h.say(h.owner, "/start")  # the owner's chat is where the group's messages are looked at
        member = h.emu.create_user("Mia")
        await h.say(member, "hello", chat=h.group)  # the newest message the worker knew of at the mark
        broadcast_id = await group_post(h, "New arrivals today")
        await mark_in_flight(h, broadcast_id, "New arrivals today")
        await h.say(member, "anyone here?", chat=h.group)  # the group's chatter since is looked past
        engine = await left_in_flight(h, broadcast_id, "New arrivals today")
        row = await delivery(h, broadcast_id, h.group.id)
        assert posts(h, "New arrivals today") == [row.message_id]
        assert (row.state, row.reason) == ("sent", service.RECHECKED)
        assert engine.rechecked == 1 and engine.unconfirmed_at_takeover == 0
        sent = [m for m in h.emu.sent(h.group.id) if m.shown == "New arrivals today"]
        assert len(sent) == 1  # one copy ever (the new one, silent: it is late)
        forwarded = h.emu.sent(h.owner.id, method="forwardMessage")
        assert len(forwarded) == 1 and forwarded[0].deleted  # "anyone here?" read; the owner's chat keeps nothing


async def test_a_group_post_left_in_flight_that_did_arrive_keeps_the_first_copy(db_url: str) -> None:
    async with harness(db_url) as h:
        await h.say(h.owner, "/start")
        broadcast_id = await group_post(h, "New arrivals today")
        await mark_in_flight(h, broadcast_id, "New arrivals today")  # marked by the dead worker...
        first = await h.app.sender.send_message(h.group.id, "New arrivals today")  # ...whose request arrived
        assert first is not None
        member = h.emu.create_user("Mia")
        await h.say(member, "nice!", chat=h.group)
        engine = await left_in_flight(h, broadcast_id, "New arrivals today")
        row = await delivery(h, broadcast_id, h.group.id)
        assert posts(h, "New arrivals today") == [first.message_id] == [row.message_id]  # the late copy is gone
        assert row.reason == service.RECHECKED and engine.rechecked == 1
        assert all(m.deleted for m in h.emu.sent(h.owner.id, method="forwardMessage"))


async def test_an_older_identical_post_is_not_taken_for_the_one_in_flight(db_url: str) -> None:
    async with harness(db_url) as h:
        await h.say(h.owner, "/start")
        await h.app.sender.send_message(h.group.id, "Good morning")  # yesterday's post, same words
        h.clock.advance(timedelta(days=1))
        broadcast_id = await group_post(h, "Good morning")
        await left_in_flight(h, broadcast_id, "Good morning")
        row = await delivery(h, broadcast_id, h.group.id)
        assert len(posts(h, "Good morning")) == 2  # yesterday's and today's
        assert row.message_id == posts(h, "Good morning")[-1] and row.reason == service.RECHECKED


async def test_a_group_post_whose_answer_was_lost_is_checked_in_the_group_not_left_unconfirmed(db_url: str) -> None:
    async with harness(db_url) as h:
        await h.say(h.owner, "/start")
        broadcast_id = await group_post(h, "New arrivals today", worker=True)
        h.emu.inject_timeout_after_success("sendMessage", chat_id=h.group.id)  # posted, then the line broke
        await settle(h)
        row = await delivery(h, broadcast_id, h.group.id)
        assert posts(h, "New arrivals today") == [row.message_id]  # the first copy kept, the check's deleted
        assert (row.state, row.reason) == ("sent", service.RECHECKED)
        assert [m.deleted for m in h.emu.sent(h.group.id) if m.shown == "New arrivals today"] == [False, True]


async def test_a_post_of_several_messages_left_in_flight_is_not_posted_again(db_url: str) -> None:
    async with harness(db_url) as h:
        await h.say(h.owner, "/start")
        text = "\n".join(f"line {n}: " + "tea " * 30 for n in range(60))  # over 4,096: two messages
        broadcast_id = await group_post(h, text)
        await left_in_flight(h, broadcast_id, text)
        row = await delivery(h, broadcast_id, h.group.id)
        assert (row.state, row.reason) == ("sent", service.UNCONFIRMED)
        assert h.emu.sent(h.group.id) == []  # a new copy could not be told from the first: none


async def test_an_old_message_forwarded_into_the_group_does_not_end_the_look_back(db_url: str) -> None:
    async with harness(db_url) as h:
        await h.say(h.owner, "/start")
        broadcast_id = await group_post(h, "New arrivals today")
        await mark_in_flight(h, broadcast_id, "New arrivals today")
        first = await h.app.sender.send_message(h.group.id, "New arrivals today")  # the first copy arrived
        assert first is not None
        [old] = [m for m in h.emu.sent(h.owner.id) if not m.deleted][:1]  # from before the mark, dated then
        h.clock.advance(timedelta(days=1))
        forwarded = await h.app.sender.forward(h.group.id, h.owner.id, old.message_id)  # an old date, after the mark
        assert forwarded is not None and forwarded.forward_origin is not None
        await left_in_flight(h, broadcast_id, "New arrivals today")
        row = await delivery(h, broadcast_id, h.group.id)
        assert posts(h, "New arrivals today") == [first.message_id] == [row.message_id]


async def test_a_post_whose_item_changed_since_the_mark_is_not_posted_again(db_url: str) -> None:
    async with harness(db_url) as h:
        await h.say(h.owner, "/start")
        broadcast_id = await group_post(h, "New arrivals today")
        await left_in_flight(h, broadcast_id, "New arrivals yesterday")  # what was sent then was not this
        row = await delivery(h, broadcast_id, h.group.id)
        assert (row.state, row.reason) == ("sent", service.UNCONFIRMED)
        assert h.emu.sent(h.group.id) == []  # its first copy could not be recognised: no new one


async def test_a_check_whose_own_copy_loses_its_answer_still_leaves_one(db_url: str) -> None:
    async with harness(db_url) as h:
        await h.say(h.owner, "/start")
        broadcast_id = await group_post(h, "New arrivals today", worker=True)
        h.emu.inject_timeout_after_success("sendMessage", chat_id=h.group.id, times=2)  # the post, then a copy
        await settle(h)
        row = await delivery(h, broadcast_id, h.group.id)
        sent = [m for m in h.emu.sent(h.group.id) if m.shown == "New arrivals today"]
        assert len(sent) == 3 and [m.deleted for m in sent] == [False, True, True]
        assert posts(h, "New arrivals today") == [row.message_id] == [sent[0].message_id]
        assert row.reason == service.RECHECKED


async def test_a_group_with_protected_content_cannot_be_checked_so_nothing_is_posted_again(db_url: str) -> None:
    async with harness(db_url) as h:
        await h.say(h.owner, "/start")
        h.group.protected = True  # "restrict saving content": its messages cannot be forwarded
        broadcast_id = await group_post(h, "New arrivals today")
        await left_in_flight(h, broadcast_id, "New arrivals today")
        row = await delivery(h, broadcast_id, h.group.id)
        assert (row.state, row.reason) == ("sent", service.UNCONFIRMED)
        assert h.emu.sent(h.group.id) == []


async def test_without_an_owner_who_started_the_bot_a_group_post_in_flight_stays_unconfirmed(db_url: str) -> None:
    async with harness(db_url) as h:
        broadcast_id = await group_post(h, "New arrivals today")
        engine = await left_in_flight(h, broadcast_id, "New arrivals today")
        row = await delivery(h, broadcast_id, h.group.id)
        assert (row.state, row.reason, row.message_id) == ("sent", service.UNCONFIRMED, None)
        assert posts(h, "New arrivals today") == []  # never sent again without a way to check
        assert engine.unconfirmed_at_takeover == 1


async def test_a_check_that_cannot_see_far_enough_back_deletes_its_copy(db_url: str) -> None:
    async with harness(db_url) as h:
        await h.say(h.owner, "/start")
        broadcast_id = await group_post(h, "New arrivals today")
        await mark_in_flight(h, broadcast_id, "New arrivals today")
        member = h.emu.create_user("Mia")
        for n in range(RECHECK_DEPTH + 5):  # a busy group: more since the mark than the check looks at
            await h.say(member, f"message {n}", chat=h.group)
        await left_in_flight(h, broadcast_id, "New arrivals today")
        row = await delivery(h, broadcast_id, h.group.id)
        assert (row.state, row.reason) == ("sent", service.UNCONFIRMED)
        assert posts(h, "New arrivals today") == []  # the new copy was deleted: never twice


# ---- policies -------------------------------------------------------------------------------------------

async def test_the_frequency_cap_delays_a_second_campaign_message_until_it_frees(db_url: str) -> None:
    async with harness(db_url) as h:
        member = h.emu.create_user("Mia")
        await h.say(member, "/start")
        first = await broadcast(h, "first offer", [member.id], capped=True)
        await settle(h)
        sent_at = (await delivery(h, first, member.id)).sent_at
        assert sent_at is not None
        second = await broadcast(h, "second offer", [member.id], capped=True)
        plain = await broadcast(h, "order shipped", [member.id])  # not capped: goes out at once
        await settle(h)
        row = await delivery(h, second, member.id)
        assert (row.state, row.delayed) == ("planned", "cap")
        assert row.not_before == sent_at + timedelta(hours=24)
        assert (await delivery(h, plain, member.id)).state == "sent"
        async with h.app.db.reader() as session:
            report = await service.report(session, second)
        assert report is not None and report.delayed["cap"] == (1, sent_at + timedelta(hours=24))
        h.clock.set(sent_at + timedelta(hours=24))
        await settle(h)
        assert (await delivery(h, second, member.id)).state == "sent"
        assert sum("offer" in t for t in texts(h, member.id)) == 2


async def test_quiet_hours_hold_a_campaign_until_morning_and_an_opt_out_skips_it(db_url: str) -> None:
    async with harness(db_url) as h:
        awake, opted = h.emu.create_user("Ann"), h.emu.create_user("Bob")
        for member in (awake, opted):
            await h.say(member, "/start")
        await engine_of(h).contacts_recorded()
        async with h.app.db.session() as session:
            await session.execute(update(Contact).where(Contact.user_id == opted.id).values(
                promos_off_at=h.clock.now()))
        h.clock.set(datetime(2026, 3, 2, 15, 30, tzinfo=UTC))  # 23:30 in Shanghai
        campaign = await broadcast(h, "late deal", [awake.id, opted.id], capped=True, quiet=True)
        await settle(h)
        held = await delivery(h, campaign, awake.id)
        morning = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
        assert (held.state, held.delayed, held.not_before) == ("planned", "quiet", morning)
        skipped = await delivery(h, campaign, opted.id)
        assert (skipped.state, skipped.reason) == ("skipped", "opted_out")
        h.clock.set(morning)
        await settle(h)
        assert (await delivery(h, campaign, awake.id)).state == "sent"
        assert not any("late deal" in t for t in texts(h, opted.id))


async def test_a_member_who_never_started_the_bot_is_waited_for_and_403_marks_a_blocker(db_url: str) -> None:
    async with harness(db_url) as h:
        stranger, blocker = h.emu.create_user("Sam"), h.emu.create_user("Ben")
        await h.say(blocker, "/start")
        h.emu.user_blocks_bot(blocker)
        first = await broadcast(h, "restock!", [stranger.id, blocker.id])
        await settle(h)
        waiting = await delivery(h, first, stranger.id)
        assert (waiting.state, waiting.delayed) == ("planned", "start")
        blocked = await delivery(h, first, blocker.id)
        assert (blocked.state, blocked.reason) == ("skipped", "blocked")
        async with h.app.db.reader() as session:
            blocked_at = (await session.execute(select(Contact.blocked_at).where(
                Contact.user_id == blocker.id))).scalar_one()
        assert blocked_at is not None
        # The next broadcast does not even try the blocker.
        second = await broadcast(h, "again", [blocker.id])
        await settle(h)
        assert (await delivery(h, second, blocker.id)).reason == "blocked"
        # They come back and write: no longer blocked. The stranger starts the bot: their post goes out.
        await h.say(blocker, "hi")
        await h.say(stranger, "/start")
        await settle(h)
        async with h.app.db.reader() as session:
            assert (await session.execute(select(Contact.blocked_at).where(
                Contact.user_id == blocker.id))).scalar_one() is None
        assert (await delivery(h, first, stranger.id)).state == "sent"
        assert any("restock!" in t for t in texts(h, stranger.id))


async def test_a_bad_request_fails_with_a_reason_and_cancel_stops_what_is_planned(db_url: str) -> None:
    async with harness(db_url) as h:
        member, later = h.emu.create_user("Mia"), h.emu.create_user("Lou")
        await h.say(member, "/start")
        h.emu.inject("sendMessage", 400, description="message is too long", chat_id=member.id)
        failing = await broadcast(h, "x", [member.id])
        await settle(h)
        row = await delivery(h, failing, member.id)
        assert (row.state, row.reason) == ("failed", "message is too long")
        waiting = await broadcast(h, "y", [later.id])  # waits for Lou to start the bot
        await settle(h)
        async with h.app.db.session() as session:
            assert await service.cancel(session, waiting, now=h.clock.now()) == 1
            assert await service.cancel(session, 999_999, now=h.clock.now()) is None
        await h.say(later, "/start")
        await settle(h)
        assert (await delivery(h, waiting, later.id)).state == "cancelled"
        assert not any(t == "y" for t in texts(h, later.id))
