"""Recurring posts, campaigns and repurchase reminders against the database (SQLite file and
PostgreSQL): a run planned twice plans once, a campaign reaches the segment ∩ the members who started
the bot (not blocked, not opted out), a wake-up is two spaced broadcasts, and a repurchase reminder is
planned once per order as a fake clock moves on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import Broadcast, Contact, Delivery, Group, OrderItem, Product, RecurringPost
from bot.services import access
from bot.services import campaigns as service
from bot.services import deliveries as delivery_service
from bot.services import orders as order_service
from bot.services.broadcasts import Target, plan
from bot.services.campaigns import BROADCASTS as B
from bot.services.campaigns import DELIVERIES as D
from games import campaigns as rules
from games import segments
from games.campaigns import Recurrence
from games.orders import OrderRow
from tests.factories import NOW, count, make_users

TZ = UTC
ANN, BEN, CAT, DAN, EVE, STAFF = 21, 22, 23, 24, 25, 1
VIP, DEALS, GENERAL = -1001, -1002, -1003


async def groups(db: Database) -> None:
    async with db.session() as session:
        for chat_id, label in ((VIP, "vip"), (DEALS, "deals"), (GENERAL, "general")):
            session.add(Group(chat_id=chat_id, title=label, label=label, registered_by=STAFF, registered_at=NOW))
        session.add(Group(chat_id=-1004, title="gone", label="vip", active=False, registered_by=STAFF,
                          registered_at=NOW))


async def contacts(db: Database, *user_ids: int, blocked: tuple[int, ...] = (), off: tuple[int, ...] = ()) -> None:
    async with db.session() as session:
        for uid in user_ids:
            session.add(Contact(user_id=uid, started_at=NOW, blocked_at=NOW if uid in blocked else None,
                                promos_off_at=NOW if uid in off else None))


async def deliveries(db: Database, broadcast_id: int) -> list[Any]:
    async with db.reader() as session:
        return list((await session.execute(
            select(D.c.chat_id, D.c.private, D.c.capped, D.c.quiet, D.c.state, D.c.not_before)
            .where(D.c.broadcast_id == broadcast_id).order_by(D.c.chat_id)
        )).all())


async def broadcast(db: Database, *, broadcast_id: int | None = None, source: str | None = None) -> Any:
    query = select(B.c.id, B.c.kind, B.c.source, B.c.args)
    query = query.where(B.c.id == broadcast_id) if broadcast_id is not None else query.where(B.c.source == source)
    async with db.reader() as session:
        return (await session.execute(query)).one()


# ---- recurring posts ----------------------------------------------------------------------------------

async def add_post(db: Database, line: str) -> int:
    async with db.session() as session:
        return await service.add_post(session, rules.parse_schedule_add(line, NOW), STAFF, NOW)


async def test_a_run_planned_twice_is_planned_once_to_the_posts_groups(db: Database) -> None:
    await groups(db)
    post_id = await add_post(db, "daily 10:00 Deal of the day to=vip,deals")
    run = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
    async with db.session() as session:
        first = await service.run_post(session, post_id, run, NOW)
    async with db.session() as session:
        again = await service.run_post(session, post_id, run, NOW + timedelta(seconds=3))
    assert first is not None and again is not None
    assert first.created and not again.created and again.broadcast_id == first.broadcast_id
    planned = await deliveries(db, first.broadcast_id)
    assert [(d.chat_id, d.private, d.capped, d.quiet, d.state) for d in planned] == [
        (DEALS, False, False, False, "planned"), (VIP, False, False, False, "planned")]  # not the inactive group
    row = await broadcast(db, broadcast_id=first.broadcast_id)
    assert row.kind == service.RECURRING and row.source == f"schedule:{post_id}:2026-03-02T10:00"
    # The next day's run is another broadcast; a post to all groups reaches every active one.
    async with db.session() as session:
        tomorrow = await service.run_post(session, post_id, run + timedelta(days=1), NOW)
    assert tomorrow is not None and tomorrow.created and tomorrow.broadcast_id != first.broadcast_id
    everyone = await add_post(db, "weekly mon 10:00 Hello")
    async with db.session() as session:
        to_all = await service.run_post(session, everyone, run, NOW)
    assert to_all is not None and to_all.deliveries == 3


async def test_paused_and_cancelled_posts_plan_nothing_and_change_once(db: Database) -> None:
    await groups(db)
    post_id = await add_post(db, "daily 10:00 x")
    run = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
    async with db.session() as session:
        assert await service.set_post_status(session, post_id, "pause") == "done"
        assert await service.set_post_status(session, post_id, "pause") == "same"
        assert await service.run_post(session, post_id, run, NOW) is None
        assert await service.set_post_status(session, post_id, "resume") == "done"
        assert await service.set_post_status(session, post_id, "cancel") == "done"
        assert await service.set_post_status(session, post_id, "resume") is None
        assert await service.run_post(session, post_id, run, NOW) is None
        assert await service.set_post_status(session, 999, "pause") is None
        assert await service.posts(session) == []
    assert await count(db, Broadcast) == 0


async def test_upcoming_lists_every_broadcast_with_deliveries_planned_in_the_future(db: Database) -> None:
    later = NOW + timedelta(hours=5)
    async with db.session() as session:
        soon = await plan(session, kind="announce_new", args={}, targets=[Target(VIP, False), Target(DEALS, False)],
                          at=NOW + timedelta(hours=1), now=NOW)
        past = await plan(session, kind="announce_new", args={}, targets=[Target(VIP, False)], at=NOW, now=NOW)
        camp = await plan(session, kind="campaign", args={}, targets=[Target(ANN, True)], at=later, now=NOW)
    async with db.reader() as session:
        found, total = await service.upcoming(session, NOW)
    assert total == 2 and [(u.broadcast_id, u.kind, u.planned) for u in found] == [
        (soon.broadcast_id, "announce_new", 2), (camp.broadcast_id, "campaign", 1)]
    assert found[1].next_at == later and past.broadcast_id not in {u.broadcast_id for u in found}


def test_a_posts_recurrence_is_read_back() -> None:
    post = RecurringPost(weekday=4, at_time="09:05", best=True, text="x", labels="vip,deals",
                                 created_by=1, created_at=NOW)
    assert service.recurrence_of(post) == Recurrence(datetime(2026, 1, 1, 9, 5).time(), 4, True)
    assert service.labels_of(post) == ("vip", "deals")


# ---- campaigns -----------------------------------------------------------------------------------------

async def campaign(db: Database, segment: str, *texts: str, source: str = "campaign:1:1",
                   after: timedelta = rules.AFTER_DEFAULT, at: datetime = NOW) -> service.CampaignPlan:
    expr = segments.parse(segment)
    async with db.session() as session:
        return await service.plan_campaign(session, expr=expr, segment=segments.render(expr), texts=texts,
                                           first_at=at, after=after, now=NOW, today=NOW.date(), source=source,
                                           created_by=STAFF)


async def test_a_campaign_reaches_the_segment_members_who_started_the_bot(db: Database) -> None:
    await make_users(db, ANN, BEN, CAT, DAN, EVE)
    async with db.session() as session:
        for uid in (ANN, BEN, CAT, DAN):
            await access.add_tag(session, uid, "vip", STAFF, NOW)
    # Ann and Eve started the bot; Ben blocked it; Cat opted out; Dan never started it; Eve is no VIP.
    await contacts(db, ANN, BEN, CAT, EVE, blocked=(BEN,), off=(CAT,))
    done = await campaign(db, "tag:vip", "Hi VIPs <3")
    assert done.created and done.recipients == 1 and done.opted_out == 1 and done.unreachable == 2
    (broadcast_id,) = done.broadcast_ids
    planned = await deliveries(db, broadcast_id)
    assert [(d.chat_id, d.private, d.capped, d.quiet, d.state, d.not_before) for d in planned] == [
        (ANN, True, True, True, "planned", NOW)]
    row = await broadcast(db, broadcast_id=broadcast_id)
    assert row.kind == service.CAMPAIGN and '"text": "Hi VIPs <3"' in row.args
    # The same command again (a redelivered update) plans nothing more.
    again = await campaign(db, "tag:vip", "Hi VIPs <3")
    assert not again.created and again.broadcast_ids == done.broadcast_ids and again.recipients == 1
    assert await count(db, Delivery) == 1
    # A segment nobody is in plans an empty broadcast.
    nobody = await campaign(db, "tag:nobody", "x", source="campaign:1:2")
    assert nobody.created and nobody.recipients == 0


async def test_a_wakeup_is_two_broadcasts_the_second_after_the_first(db: Database) -> None:
    await make_users(db, ANN, BEN)
    async with db.session() as session:
        for uid in (ANN, BEN):
            await access.add_tag(session, uid, "sleepy", STAFF, NOW)
    await contacts(db, ANN, BEN)
    first_at = NOW + timedelta(hours=1)
    done = await campaign(db, "tag:sleepy", "We miss you", "20% off", after=timedelta(hours=36), at=first_at,
                          source="campaign:1:7")
    assert done.created and len(done.broadcast_ids) == 2 and done.recipients == 2
    first, second = [await deliveries(db, bid) for bid in done.broadcast_ids]
    assert {d.not_before for d in first} == {first_at}
    assert {d.not_before for d in second} == {first_at + timedelta(hours=36)}
    assert all(d.capped and d.quiet and d.private for d in first + second)
    async with db.reader() as session:
        sources = sorted((await session.execute(select(B.c.source))).scalars())
    assert sources == ["campaign:1:7:1", "campaign:1:7:2"]
    # Cancelling the first step (the id staff are shown) cancels the follow-up too.
    async with db.session() as session:
        assert await delivery_service.cancel(session, done.broadcast_ids[0], now=NOW) == 4
    assert {d.state for bid in done.broadcast_ids for d in await deliveries(db, bid)} == {"cancelled"}


async def test_promotions_opt_out_and_back_in(db: Database) -> None:
    async with db.session() as session:
        assert await service.set_promos(session, ANN, on=False, now=NOW)  # no contact yet: made, opted out
        assert not await service.set_promos(session, ANN, on=False, now=NOW)
        assert await service.promos_off(session, ANN)
        assert await service.set_promos(session, ANN, on=True, now=NOW)
        assert not await service.set_promos(session, ANN, on=True, now=NOW)
        assert not await service.promos_off(session, ANN)
        assert not await service.set_promos(session, BEN, on=True, now=NOW)  # on by default: nothing written
    assert await count(db, Contact) == 1


# ---- repurchase reminders ---------------------------------------------------------------------------------

async def shop(db: Database) -> None:
    async with db.session() as session:
        session.add(Product(sku="TEA-1", name="Longjing 250g", price_cents=9900, cycle_days=30, link="https://t.example/1",
                            created_by=STAFF, created_at=NOW, updated_at=NOW))
        session.add(Product(sku="CUP", name="Cup", price_cents=1000, created_by=STAFF, created_at=NOW, updated_at=NOW))
        session.add(Product(sku="OLD", name="Old tea", price_cents=1000, cycle_days=10, archived_at=NOW,
                            created_by=STAFF, created_at=NOW, updated_at=NOW))


async def order(db: Database, order_id: str, user_id: int | None, paid_at: datetime, *skus: str,
                status: str = "paid") -> None:
    async with db.session() as session:
        await order_service.import_rows(session, [OrderRow(1, order_id, 9900, "CNY", paid_at, "1234", status)], NOW)
        for sku in skus:
            session.add(OrderItem(order_id=order_id, sku=sku))
    if user_id is not None:
        async with db.session() as session:
            await order_service.bind(session, user_id=user_id, order_id=order_id, check="1234", now=NOW,
                                     currency="CNY")


async def sweep(db: Database, now: datetime) -> list[str]:
    async with db.session() as session:
        planned = await service.plan_reminders(session, now)
    out = []
    for item in planned:
        row = await broadcast(db, broadcast_id=item.broadcast_id)
        assert row.kind == service.REPURCHASE
        out.append(row.source.removeprefix("repurchase:"))
    return sorted(out)


async def test_a_repurchase_reminder_is_planned_once_per_order_when_the_cycle_passes(db: Database) -> None:
    await make_users(db, ANN, BEN, CAT, DAN)
    await shop(db)
    await contacts(db, ANN, BEN, CAT, DAN, off=(DAN,))
    paid = NOW - timedelta(days=5)
    await order(db, "A-1", ANN, paid, "TEA-1", "CUP")
    await order(db, "B-1", BEN, paid, "TEA-1")
    await order(db, "B-2", BEN, paid + timedelta(days=3), "TEA-1")  # Ben bought it again: B-1 is not reminded
    await order(db, "C-1", CAT, paid, "CUP", "OLD")  # no cycle / an archived product
    await order(db, "D-1", DAN, paid, "TEA-1")  # Dan opted out of promotions
    await order(db, "X-1", None, paid, "TEA-1")  # nobody linked it
    await order(db, "R-1", ANN, paid, "TEA-1", status="refunded")
    # Not yet: the cycle is 30 days.
    assert await sweep(db, NOW) == []
    due = paid + timedelta(days=30)
    assert await sweep(db, due - timedelta(minutes=1)) == []
    assert await sweep(db, due) == ["A-1"]
    assert await sweep(db, due + timedelta(hours=1)) == []  # once per order
    assert await sweep(db, due + timedelta(days=3)) == ["B-2"]  # Ben's latest order, its own cycle
    reminder = await broadcast(db, source="repurchase:A-1")
    planned = await deliveries(db, reminder.id)
    assert [(d.chat_id, d.private, d.capped, d.quiet) for d in planned] == [(ANN, True, True, True)]
    assert '"sku": "TEA-1"' in reminder.args and '"order": "A-1"' in reminder.args
    # Long after the cycle, an order that was never reminded (Dan opted back in too late) is let go.
    async with db.session() as session:
        await service.set_promos(session, DAN, on=True, now=NOW)
    assert await sweep(db, due + rules.REMIND_LATE + timedelta(days=1)) == []


async def test_a_member_who_starts_the_bot_later_is_reminded_within_the_window(db: Database) -> None:
    await make_users(db, ANN)
    await shop(db)
    paid = NOW - timedelta(days=40)
    await order(db, "A-9", ANN, paid, "TEA-1")
    assert await sweep(db, NOW) == []  # no contact: cannot be messaged
    await contacts(db, ANN)
    assert await sweep(db, NOW) == ["A-9"]


async def test_campaign_recipients_equal_the_reference_segment_among_reachable_contacts(db: Database) -> None:
    import random

    from bot.services.segments import facts, reference_members

    rng = random.Random(12)
    users = list(range(100, 160))
    await make_users(db, *users)
    contacts_, blocked, off = set(), set(), set()
    async with db.session() as session:
        for uid in users:
            for tag in ("a", "b"):
                if rng.random() < 0.5:
                    await access.add_tag(session, uid, tag, STAFF, NOW)
            if rng.random() < 0.7:
                contacts_.add(uid)
                blocked |= {uid} if rng.random() < 0.1 else set()
                off |= {uid} if rng.random() < 0.1 else set()
    await contacts(db, *sorted(contacts_), blocked=tuple(blocked), off=tuple(off))
    for n, text in enumerate(("tag:a and not tag:b", "tag:a or tag:b", "not tag:a", "new")):
        async with db.reader() as session:
            members = set(reference_members(await facts(session), segments.parse(text), NOW, NOW.date()))
        done = await campaign(db, text, "x", source=f"campaign:9:{n}")
        got = {d.chat_id for d in await deliveries(db, done.broadcast_ids[0])}
        assert got == (members & contacts_) - blocked - off, text
        assert done.opted_out == len((members & contacts_ & off) - blocked)
        assert done.unreachable == len(members - (contacts_ - blocked))
