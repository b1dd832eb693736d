"""Announcements end to end: staff commands through the real Dispatcher, the real broadcast engine
sending, the emulator enforcing Telegram's flood limits (429 beyond them), on SQLite and PostgreSQL.

- A pre-announcement with 50 subscribers: the teaser reaches the group once; members tap 🔔 Remind
  me (those who never started the bot are sent to it and confirm with /start remind_<id>; a few never
  do); the go-live job fires twice and goes live once: the group post once, exactly one private
  message to each subscriber who started the bot, the others waiting for them (the delivery report
  says so); the voters' launch reward is paid once.
- A restock with a waitlist of 30 and 10 units reserved for an hour: exactly the first 10 in line get
  a reservation (distinct codes), the other 20 their place in line, each once; some claim; the expiry
  jobs (as the scheduler builds them from the rows, fired twice) pass each unclaimed reservation to
  the next in line (a new code, one message), never a claimed one; claims never exceed the units and
  the stock never goes below 0.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select

from bot.db.models import Announcement, Broadcast, Product, Reservation
from bot.emulator import EmuUser
from bot.services import announcements as service
from bot.services import deliveries
from bot.views.announcements import NotifyCb, RemindCb
from bot.views.broadcasts import Broadcasts
from bot.views.votes import VoteCb
from games import announcements as an
from scheduler.jobs import announcements as jobs
from tests.factories import assert_books_balance, balance, member
from tests.harness import Harness, harness

SUBSCRIBERS, NEWCOMERS, NEVER = 50, 8, 3  # NEWCOMERS start through the deep link, NEVER never start
WAITLIST, UNITS = 30, 10


# ---- helpers --------------------------------------------------------------------------------------

async def _engine_settles(h: Harness) -> None:
    """The real engine sends everything due now (within the limits), and the sends are recorded."""
    engine: Broadcasts = h.states["broadcasts"]
    await h.settle()
    await engine.contacts_recorded()
    await engine.settle(limit=30)


async def _staff(h: Harness, text: str) -> str:
    await h.say(h.owner, text)
    return h.texts_to(h.owner.id)[-1]


async def _members(h: Harness, prefix: str, n: int, *, started: bool = True) -> list[EmuUser]:
    users = [member(h, f"{prefix} {i}") for i in range(n)]
    if started:
        for user in users:
            await h.feed(h.emu.user_sends(user, "/start"))
        await h.settle()
    return users


def _new_messages(h: Harness, before: dict[int, int], users: list[EmuUser]) -> list[int]:
    """How many messages each of ``users`` received since ``before`` (a ``received()`` snapshot)."""
    now = h.emu.received()
    return [now.get(u.id, 0) - before.get(u.id, 0) for u in users]


def _button(message: Any, prefix: str) -> str:
    return next(b["callback_data"] for b in message.buttons() if b.get("callback_data", "").startswith(prefix))


async def _due_jobs(h: Harness, prefix: str) -> list[tuple[int, ...]]:
    """The arguments of the announcement jobs the scheduler would build from the rows now (its ``jobs``
    spec), whose id starts with ``prefix`` and whose time has come."""
    async with h.app.db.reader() as session:
        specs = await jobs.jobs(h.app, session)
    due = []
    for spec in specs:
        assert isinstance(spec.trigger, DateTrigger)
        if spec.id.startswith(prefix) and spec.trigger.run_date <= h.clock.now():
            due.append(spec.args)
    return due


async def _fire(h: Harness, prefix: str, job: Any) -> int:
    """Fire every due job of ``prefix`` twice (a job firing again, or in two processes, works once);
    how many did their work."""
    worked = 0
    for args in await _due_jobs(h, prefix):
        worked += await job(h.app, *args)
        assert not await job(h.app, *args)
    return worked


async def _rows(h: Harness, model: Any, *where: Any) -> list[Any]:
    """The rows of ``model``'s table (plain rows: they outlive the session)."""
    async with h.app.db.reader() as session:
        return list((await session.execute(select(model.__table__).where(*where).order_by(model.id))).all())


async def _report(h: Harness, announcement_id: int, part: str) -> deliveries.BroadcastReport:
    [broadcast] = await _rows(h, Broadcast, Broadcast.source == service.source(announcement_id, part))
    async with h.app.db.reader() as session:
        found = await deliveries.report(session, broadcast.id)
    assert found is not None
    return found


# ---- a pre-announcement with 50 subscribers and its go-live -----------------------------------------------

async def test_a_pre_announcement_reminds_each_started_subscriber_once_at_go_live(db_url: str) -> None:
    async with harness(db_url, limits=True) as h:
        await h.setup_group()
        assert "LJ-250" in await _staff(h, "/product add LJ-250 | Longjing 250g | 128 | stock=40")
        # A vote with a launch reward names the item: its voters are paid once when it goes live.
        await h.say(h.owner, "/vote Next tea? | Longjing @lj-250 | Pu-erh launch=10", chat=h.group)
        vote = h.emu.sent(h.group.id)[-1]
        vote_id = VoteCb.unpack(vote.buttons()[0]["callback_data"]).id

        regulars = await _members(h, "Fan", SUBSCRIBERS - NEWCOMERS - NEVER)
        newcomers = await _members(h, "New", NEWCOMERS, started=False)
        strangers = await _members(h, "Shy", NEVER, started=False)
        pu_erh = (await _members(h, "Pu", 1))[0]  # voted for the other option
        lurker = (await _members(h, "Lurker", 1))[0]  # voted for the item, never asked for a reminder
        voters = [regulars[0], regulars[1], newcomers[0], strangers[0], lurker]
        for user in voters:
            await h.tap(user, vote.message_id, VoteCb(id=vote_id, o=1).pack())
        await h.tap(pu_erh, vote.message_id, VoteCb(id=vote_id, o=2).pack())
        await h.settle()

        reply = await _staff(h, "/announce soon lj-250 at=20:00")
        assert "pre-announcement" in reply and "At 2026-03-02 20:00" in reply
        [ann] = await _rows(h, Announcement)
        assert ann.status == service.SCHEDULED
        before = h.emu.received()
        await _engine_settles(h)
        assert h.emu.received()[h.group.id] - before.get(h.group.id, 0) == 1  # the teaser, once
        teaser = h.emu.sent(h.group.id)[-1]
        assert "Coming soon" in (teaser.text or teaser.caption or "")
        remind = _button(teaser, "anr:")
        assert RemindCb.unpack(remind).id == ann.id

        for user in regulars:
            answer = await h.tap(user, teaser.message_id, remind)
            assert "I'll message you when" in answer["text"] and answer.get("url") is None
        for user in [*newcomers, *strangers]:
            answer = await h.tap(user, teaser.message_id, remind)
            assert answer["url"] == f"https://t.me/regulars_bot?start=remind_{ann.id}"
        for user in newcomers:
            await h.say(user, f"/start remind_{ann.id}")
            assert "message you here when" in h.texts_to(user.id)[-1]
        await h.settle()
        listing = await _staff(h, "/announce list")
        assert f"{SUBSCRIBERS} reminders" in listing

        # Not due yet: the job does nothing.
        assert await _due_jobs(h, "an-live:") == []
        assert not await jobs.go_live(h.app, ann.id)
        # Go-live: the job the scheduler built for it, fired twice.
        h.clock.advance(timedelta(hours=11, seconds=1))
        assert await _due_jobs(h, "an-live:") == [(ann.id,)]
        before = h.emu.received()
        assert await _fire(h, "an-live:", jobs.go_live) == 1
        await _engine_settles(h)

        started = [*regulars, *newcomers]
        assert h.emu.received()[h.group.id] - before.get(h.group.id, 0) == 1  # the post, once
        assert "New arrival" in (h.emu.sent(h.group.id)[-1].text or "")
        assert _new_messages(h, before, started) == [1] * len(started)
        assert _new_messages(h, before, strangers) == [0] * NEVER
        assert _new_messages(h, before, [lurker, pu_erh]) == [1, 0]  # the launch notice; nothing
        for user in started:
            assert "you asked me to remind you" in h.texts_to(user.id)[-1]
        for user in (regulars[0], regulars[1], newcomers[0]):
            assert "+10 points" in h.texts_to(user.id)[-1]
        assert "you voted for it" in h.texts_to(lurker.id)[-1]
        assert h.emu.rate_violations == []

        live = await _report(h, ann.id, "live")
        assert live.summary.total == SUBSCRIBERS and live.summary.sent == SUBSCRIBERS - NEVER
        assert live.delayed["start"][0] == NEVER  # waiting for them to start the bot
        assert live.summary.failed == 0 and live.skipped_by == {}
        post = await _report(h, ann.id, "post")
        assert post.summary.total == post.summary.sent == 1

        # Remind me under the teaser, now: it is live already (and nothing is planned for it).
        late = await h.tap(pu_erh, teaser.message_id, remind)
        assert "already live" in late["text"] and late.get("url") is None
        assert (await _report(h, ann.id, "live")).summary.total == SUBSCRIBERS

        # The voters are credited once; a later announcement of the item pays nobody again.
        expected = dict.fromkeys(voters, 10) | {pu_erh: 0, regulars[2]: 0}
        for user, points in expected.items():
            assert await balance(h, user) == points, user.first_name
        assert await jobs.go_live(h.app, ann.id) is False
        assert "voters got" not in await _staff(h, "/announce new LJ-250")
        for user, points in expected.items():
            assert await balance(h, user) == points
        await assert_books_balance(h)
        await _engine_settles(h)
        assert h.emu.rate_violations == []


# ---- a restock with a waitlist of 30 and 10 units reserved for an hour -----------------------------------

async def _open_codes(h: Harness, product_id: int) -> dict[int, str]:
    """member id → the code of their open reservation."""
    rows = await _rows(h, Reservation, Reservation.product_id == product_id, Reservation.status == service.OPEN)
    return {r.user_id: r.code for r in rows}


async def _claim_by_button(h: Harness, user: EmuUser) -> None:
    message = h.emu.sent(user.id)[-1]
    answer = await h.tap(user, message.message_id, _button(message, "anc:"), chat=h.emu.chats[user.id])
    assert "Claimed" in answer["text"]


async def _stock(h: Harness, product_id: int) -> int:
    [product] = await _rows(h, Product, Product.id == product_id)
    assert product.stock is not None
    return int(product.stock)


async def _claimed(h: Harness, product_id: int) -> int:
    return len(await _rows(h, Reservation, Reservation.product_id == product_id,
                           Reservation.status == service.CLAIMED))


async def test_a_restock_reserves_units_for_the_first_in_line_and_passes_unclaimed_ones_on(db_url: str) -> None:
    async with harness(db_url, limits=True) as h:
        await h.setup_group()
        await _staff(h, "/product add TEA-9 | Jasmine pearls | 88 | stock=0")
        await _staff(h, "/announce new TEA-9")
        await _engine_settles(h)
        post = h.emu.sent(h.group.id)[-1]
        notify = _button(post, "ann:")
        product_id = NotifyCb.unpack(notify).id

        line = await _members(h, "Fan", WAITLIST)
        for place, user in enumerate(line, start=1):
            answer = await h.tap(user, post.message_id, notify)
            assert f"#{place}" in answer["text"] and "waitlist" in answer["text"]
        assert "already on the waitlist" in (await h.tap(line[0], post.message_id, notify))["text"]

        before = h.emu.received()
        reply = await _staff(h, f"/stock TEA-9 {UNITS} reserve=1h")
        assert "0 → 10" in reply and "30 on the waitlist: 10 got a reservation (1 hour), 20 were told" in reply
        await _engine_settles(h)
        assert h.emu.received()[h.group.id] - before.get(h.group.id, 0) == 1  # the restock post, once
        assert "Back in stock" in (h.emu.sent(h.group.id)[-1].text or "")
        assert _new_messages(h, before, line) == [1] * WAITLIST  # a reservation or a place in line, each once
        first, rest = line[:UNITS], line[UNITS:]
        codes = await _open_codes(h, product_id)
        assert set(codes) == {u.id for u in first}
        assert len(set(codes.values())) == UNITS  # distinct codes
        for user in first:
            assert an.format_code(codes[user.id]) in h.texts_to(user.id)[-1]
        for place, user in enumerate(rest, start=1):
            assert f"#{place} in line" in h.texts_to(user.id)[-1]
        assert h.emu.rate_violations == []

        # Four claim with the button, one at checkout (/claim); the other five let theirs expire.
        for user in first[:4]:
            await _claim_by_button(h, user)
        assert "claimed" in await _staff(h, f"/claim {an.format_code(codes[first[4].id])}")
        claimed = first[:5]
        assert await _claimed(h, product_id) == 5 and await _stock(h, product_id) == UNITS - 5

        # An hour later the expiry jobs pass each unclaimed unit to the next in line, once.
        h.clock.advance(timedelta(hours=1, seconds=1))
        before = h.emu.received()
        assert await _fire(h, "an-expire:", jobs.expire_reservation) == UNITS - 5
        await _engine_settles(h)
        passed_to = rest[:UNITS - 5]
        assert _new_messages(h, before, passed_to) == [1] * len(passed_to)
        assert _new_messages(h, before, [*first, *rest[UNITS - 5:]]) == [0] * (WAITLIST - len(passed_to))
        second = await _open_codes(h, product_id)
        assert set(second) == {u.id for u in passed_to}
        assert not set(second.values()) & set(codes.values())  # new codes
        for user in passed_to:
            text = h.texts_to(user.id)[-1]
            assert "passed to you" in text and an.format_code(second[user.id]) in text
        # A first holder's expired code can no longer be claimed.
        assert "expired" in await _staff(h, f"/claim {codes[first[5].id]}")
        assert h.emu.rate_violations == []

        # Two of them claim; an hour later the other three pass on again.
        for user in passed_to[:2]:
            await _claim_by_button(h, user)
        h.clock.advance(timedelta(hours=1, seconds=1))
        before = h.emu.received()
        assert await _fire(h, "an-expire:", jobs.expire_reservation) == 3
        await _engine_settles(h)
        third = rest[UNITS - 5:UNITS - 2]
        assert _new_messages(h, before, line) == [1 if u in third else 0 for u in line]
        assert set(await _open_codes(h, product_id)) == {u.id for u in third}
        for user in third:
            await _claim_by_button(h, user)

        # Every unit claimed once, by ten different members in line order; nothing more to take.
        assert await _claimed(h, product_id) == UNITS and await _stock(h, product_id) == 0
        holders = await _rows(h, Reservation, Reservation.status == service.CLAIMED)
        assert sorted(r.user_id for r in holders) == sorted(u.id for u in [*claimed, *passed_to[:2], *third])
        message = h.emu.sent(third[0].id)[-2]  # the reservation (the last one: the claim's confirmation)
        again = await h.tap(third[0], message.message_id, _button(message, "anc:"), chat=h.emu.chats[third[0].id])
        assert "already claimed" in again["text"] and await _stock(h, product_id) == 0
        async with h.app.db.reader() as session:
            assert await service.accounting(session) == []
        h.clock.advance(timedelta(hours=2))
        assert await _fire(h, "an-expire:", jobs.expire_reservation) == 0
        await _engine_settles(h)
        assert h.emu.received()[h.group.id] - before.get(h.group.id, 0) == 0  # the group post stayed one
        assert h.emu.rate_violations == []
