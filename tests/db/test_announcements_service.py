"""Announcements storage on SQLite and PostgreSQL: planned deliveries for new arrivals and
pre-announcements, reminders toggled once per tap, the voters' launch reward paid once under
redelivery, concurrent "Notify me" taps and claims against stock, reservations passed on expiry
with a fake clock, and the restocks a catalogue import announces."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import (
    Announcement,
    Broadcast,
    Contact,
    Delivery,
    Group,
    LedgerEntry,
    Product,
    Reservation,
    WaitlistEntry,
)
from bot.services import announcements as service
from bot.services import broadcasts, catalogue
from bot.services import votes as vote_service
from games import announcements as an
from games import catalogue as cat
from games import votes as vote_rules
from games.points import Reason
from tests.factories import NOW, assert_books_balance, balance, count, make_users

TZ = ZoneInfo("Asia/Shanghai")
VIP, DEALS, QUIET = -1001, -1002, -1003


async def _shop(db: Database, *, stock: int | None = 0, sku: str = "TEA-1") -> int:
    async with db.session() as session:
        for chat_id, label, active in ((VIP, "vip", True), (DEALS, "deals", True), (QUIET, "vip", False)):
            session.add(Group(chat_id=chat_id, title=f"G{chat_id}", label=label, active=active, registered_by=1,
                              registered_at=NOW))
        product = Product(sku=sku, name="Longjing <Spring>", price_cents=12800, stock=stock, photo="PHOTO-1",
                          link="https://shop.example/tea-1", created_by=1, created_at=NOW, updated_at=NOW)
        session.add(product)
        await session.flush()
        assert product.id is not None
        return product.id


async def _create(db: Database, line: str, *, now: datetime = NOW, message_id: int = 1) -> service.Created:
    spec = an.parse_announce(line, now.astimezone(TZ))
    async with db.session() as session:
        return await service.create(session, spec=spec, go_live_at=spec.at.moment, actor_id=1,
                                    source_key=service.command_key(1, message_id), now=now)


DELIVERIES = Delivery.__table__  # type: ignore[attr-defined]
BROADCASTS = Broadcast.__table__  # type: ignore[attr-defined]
RESERVATIONS = Reservation.__table__  # type: ignore[attr-defined]


async def _deliveries(db: Database, kind: str) -> list[Any]:
    async with db.reader() as session:
        query = select(DELIVERIES).join(BROADCASTS, BROADCASTS.c.id == DELIVERIES.c.broadcast_id).where(
            BROADCASTS.c.kind == kind).order_by(DELIVERIES.c.broadcast_id, DELIVERIES.c.seq, DELIVERIES.c.id)
        return list((await session.execute(query)).all())


async def _reservations(db: Database) -> list[Any]:
    async with db.reader() as session:
        return list((await session.execute(select(RESERVATIONS).order_by(RESERVATIONS.c.id))).all())


async def _started(db: Database, *user_ids: int) -> None:
    async with db.session() as session:
        for uid in user_ids:
            session.add(Contact(user_id=uid, started_at=NOW))


async def test_a_new_arrival_now_plans_one_post_per_chosen_active_group(db: Database) -> None:
    await _shop(db, stock=5)
    created = await _create(db, "new tea-1 to=vip")
    assert created.new and created.live is not None and created.broadcast_id is not None
    posts = await _deliveries(db, service.POST)
    assert [(d.chat_id, d.private, d.not_before) for d in posts] == [(VIP, False, NOW)]  # the inactive one left out
    async with db.reader() as session:
        query = select(BROADCASTS.c.args).where(BROADCASTS.c.id == created.broadcast_id)
        raw = (await session.execute(query)).scalar_one()
    args = broadcasts.load_args(raw)
    # The product by id, no copy of it: the renderer shows the item as it is when the post leaves.
    assert args["product_id"] == created.item.id and "name" not in args and "price_cents" not in args  # type: ignore[union-attr]
    # The same command delivered again plans nothing more.
    again = await _create(db, "new tea-1 to=vip")
    assert not again.new and again.announcement_id == created.announcement_id
    assert len(await _deliveries(db, service.POST)) == 1
    # To all: both active groups; an unknown label plans nothing and says so.
    await _create(db, "new TEA-1", message_id=2)
    assert len(await _deliveries(db, service.POST)) == 3
    with pytest.raises(an.NoGroups):
        await _create(db, "new TEA-1 to=nope", message_id=3)
    with pytest.raises(an.NoSuchProduct):
        await _create(db, "new TEA-2", message_id=4)


async def test_a_new_arrival_at_a_time_goes_live_once_at_that_time(db: Database) -> None:
    await _shop(db, stock=5)
    created = await _create(db, "new TEA-1 at=2026-03-02 10:00")
    at = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
    assert created.live is None and created.go_live_at == at
    assert {d.not_before for d in await _deliveries(db, service.POST)} == {at}
    async with db.session() as session:
        assert await service.go_live(session, created.announcement_id, at - timedelta(minutes=1)) is None  # not yet
        assert await service.scheduled(session) == [(created.announcement_id, at)]
    async with db.session() as session:
        assert await service.go_live(session, created.announcement_id, at) is not None
    async with db.session() as session:
        assert await service.go_live(session, created.announcement_id, at) is None  # a second firing
        assert await service.due(session, at) == []


async def _vote_for(db: Database, sku: str, launch: int, choices: dict[int, int]) -> int:
    """A vote in VIP whose option 1 names ``sku``; ``choices``: member → option."""
    spec = vote_rules.parse_vote(f"Next? | Longjing @{sku.lower()} | Pu'er launch={launch}", NOW, TZ)
    async with db.session() as session:
        created = await vote_service.create_vote(session, chat_id=VIP, actor_id=1, spec=spec, source_key="v1", now=NOW)
        for uid, option in choices.items():
            await vote_service.cast(session, vote_id=created.vote_id, chat_id=VIP, user_id=uid, option=option,
                                    tap_id=f"tap{uid}", now=NOW)
    return created.vote_id


async def test_a_pre_announcement_reminds_its_subscribers_and_pays_voters_once(db: Database) -> None:
    await _shop(db, stock=20)
    await make_users(db, 11, 12, 13, 14, 15)
    await _started(db, 11, 12)
    vote_id = await _vote_for(db, "TEA-1", 15, {11: 1, 13: 1, 14: 2})
    created = await _create(db, "soon TEA-1 at=2026-03-02 10:00 to=vip")
    assert created.live is None
    teaser = await _deliveries(db, service.TEASER)
    assert [(d.chat_id, d.not_before) for d in teaser] == [(VIP, NOW)]  # the teaser goes out now
    aid = created.announcement_id
    async with db.session() as session:
        on = await service.remind(session, aid, 11, "q1", toggle=True, now=NOW)
        assert on.active
        assert (await service.remind(session, aid, 11, "q1", toggle=True, now=NOW)).active  # the same tap again
        assert not (await service.remind(session, aid, 11, "q2", toggle=True, now=NOW)).active  # a second tap
        assert (await service.remind(session, aid, 11, "q3", toggle=True, now=NOW)).active  # and a third
        assert (await service.remind(session, aid, 12, "q4", toggle=True, now=NOW)).active
        assert not (await service.remind(session, aid, 12, "q5", toggle=True, now=NOW)).active  # 12 changed their mind
        await service.remind(session, aid, 15, None, toggle=False, now=NOW)  # never started: kept, waiting
        await service.remind(session, aid, 15, None, toggle=False, now=NOW)
    at = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
    async with db.session() as session:
        live = await service.go_live(session, aid, at)
    assert live == service.Live(aid, reminded=2, rewarded=2, points=30)
    posts = await _deliveries(db, service.POST)
    assert [(d.chat_id, d.not_before) for d in posts] == [(VIP, at)]
    reminders = await _deliveries(db, service.LIVE_NOTE)
    assert [(d.chat_id, d.private, d.capped, d.quiet) for d in reminders] == [(11, True, False, False),
                                                                             (15, True, False, False)]
    assert broadcasts.load_args(reminders[0].args) == {"points": 15}  # 11 voted for it: told in the reminder
    assert reminders[1].args is None
    launch = await _deliveries(db, service.LAUNCH_NOTE)
    assert [(d.chat_id, broadcasts.load_args(d.args)) for d in launch] == [(13, {"points": 15})]
    assert await balance(db, 11) == 15 and await balance(db, 13) == 15 and await balance(db, 14) == 0
    # A redelivered go-live, and the same item announced again: nobody is paid twice.
    async with db.session() as session:
        assert await service.go_live(session, aid, at) is None
    again = await _create(db, "new TEA-1 to=vip", now=at + timedelta(hours=1), message_id=9)
    assert again.live is not None and again.live.rewarded == 0
    assert await count(db, LedgerEntry, LedgerEntry.reason == str(Reason.LAUNCH)) == 2
    assert await balance(db, 11) == 15
    with pytest.raises(an.AlreadyLive):
        async with db.session() as session:
            await service.remind(session, aid, 14, "q9", toggle=True, now=at)
    await assert_books_balance(db)
    async with db.reader() as session:
        assert await service.accounting(session) == []
    # The doctor notices a launch reward its vote does not explain.
    async with db.session() as session:
        from bot.services import ledger

        await ledger.move(session, user_id=14, amount=15, reason=Reason.LAUNCH, key="forged:launch", now=at,
                          ref=f"vote:{vote_id}")
    async with db.reader() as session:
        problems = await service.accounting(session)
    assert len(problems) == 1 and "to 14 for vote:" in problems[0]


async def test_concurrent_notify_me_taps_join_once_each_in_order(db: Database) -> None:
    product_id = await _shop(db, stock=0)

    async def tap(uid: int) -> service.Joined:
        async with db.session() as session:
            return await service.join_waitlist(session, product_id, uid, NOW)

    users = list(range(100, 130))
    results = await asyncio.gather(*(tap(uid) for uid in users + users[:10] + users[:5]))
    assert await count(db, WaitlistEntry) == 30
    assert sum(r.new for r in results) == 30
    async with db.reader() as session:
        line = await service.waiting(session, product_id)
    assert sorted(line) == users
    places = {r.place for r in results if r.new}
    assert places <= set(range(1, 31))
    # An item in stock needs no waitlist.
    async with db.session() as session:
        await session.execute(service.PRODUCTS.update().values(stock=3))
    with pytest.raises(an.InStock):
        await tap(999)


async def _restock(db: Database, waiting: list[int], units: int, reserve: str = "1h") -> service.Created:
    product_id = await _shop(db, stock=0)
    await make_users(db, *waiting)
    for uid in waiting:
        async with db.session() as session:
            await service.join_waitlist(session, product_id, uid, NOW)
    async with db.session() as session:
        result = await service.set_stock(session, an.parse_stock(f"TEA-1 {units} reserve={reserve} to=vip"),
                                         actor_id=1, source_key="stock:1", now=NOW)
    assert result.before == 0 and result.restock is not None
    return result.restock


async def test_a_restock_with_fewer_units_reserves_for_the_first_n_and_tells_the_rest(db: Database) -> None:
    waiting = [300 + i for i in range(10)]
    created = await _restock(db, waiting, 3)
    assert created.restocked == service.Restocked(3, 10, 3, 7, timedelta(hours=1))
    reserved = await _deliveries(db, service.RESERVED)
    assert [(d.chat_id, d.seq) for d in reserved] == [(300, 1), (301, 2), (302, 3)]
    codes = {broadcasts.load_args(d.args)["code"] for d in reserved}
    assert len(codes) == 3 and all(an.normalize_code(c) == c for c in codes)
    notices = await _deliveries(db, service.NOTICE)
    assert [d.chat_id for d in notices] == waiting[3:]  # in join order
    assert [broadcasts.load_args(d.args)["place"] for d in notices] == list(range(1, 8))
    assert all(not d.capped and not d.quiet for d in reserved + notices)
    assert [d.chat_id for d in await _deliveries(db, service.RESTOCK)] == [VIP]
    async with db.reader() as session:
        line = await service.waiting(session, created.item.id if created.item else 0)
    assert line == waiting[3:]  # those with a reservation left the line


async def test_concurrent_claims_take_each_unit_once_and_never_below_zero(db: Database) -> None:
    waiting = [400 + i for i in range(6)]
    created = await _restock(db, waiting, 4)
    held = await _reservations(db)
    assert len(held) == 4
    # Staff sold one unit in the shop meanwhile: 3 units for 4 reservations.
    async with db.session() as session:
        await session.execute(service.PRODUCTS.update().values(stock=3))

    async def claim(reservation: Any, by_code: bool) -> str:
        try:
            async with db.session() as session:
                if by_code:
                    await service.claim(session, code=reservation.code, by=1, now=NOW + timedelta(minutes=5))
                else:
                    await service.claim(session, reservation_id=reservation.id, user_id=reservation.user_id,
                                        by=reservation.user_id, now=NOW + timedelta(minutes=5))
            return "ok"
        except an.AnnounceRefused as refused:
            return refused.key

    outcomes = await asyncio.gather(*(claim(r, by_code) for r in held for by_code in (True, False, False)))
    assert outcomes.count("ok") == 3
    assert set(outcomes) <= {"ok", "an-claim-done", "an-claim-no-stock"}
    async with db.reader() as session:
        stock = (await session.execute(select(service.PRODUCTS.c.stock))).scalar_one()
        statuses = list((await session.execute(select(RESERVATIONS.c.status))).scalars())
    assert stock == 0 and statuses.count("claimed") == 3 and statuses.count("open") == 1
    # Someone else's reservation, an unknown code.
    with pytest.raises(an.NoSuchReservation):
        async with db.session() as session:
            await service.claim(session, reservation_id=held[0].id, user_id=999, by=999, now=NOW)
    with pytest.raises(an.NoSuchReservation):
        async with db.session() as session:
            await service.claim(session, code="AAAAAAAA", by=1, now=NOW)
    del created


async def test_an_expired_reservation_passes_down_the_line_once(db: Database) -> None:
    waiting = [500 + i for i in range(4)]
    created = await _restock(db, waiting, 2, reserve="30m")
    product_id = created.item.id if created.item else 0
    first = await _reservations(db)
    assert [r.user_id for r in first] == [500, 501]
    # 501 claims; 500 lets it expire. A late joiner goes to the end of the line.
    async with db.session() as session:
        await service.claim(session, reservation_id=first[1].id, user_id=501, by=501, now=NOW + timedelta(minutes=1))
    await make_users(db, 600)
    async with db.session() as session:
        await service.join_waitlist(session, product_id, 600, NOW + timedelta(minutes=2))
    clock = NOW + timedelta(minutes=29)
    async with db.session() as session:
        assert await service.expire(session, first[0].id, clock) is None  # not yet
        assert await service.due_reservations(session, clock) == []
    clock = NOW + timedelta(minutes=30)
    async with db.session() as session:
        assert await service.due_reservations(session, clock) == [first[0].id]
        passed = await service.expire(session, first[0].id, clock)
    assert passed is not None and passed.to is not None
    assert passed.to.user_id == 502 and passed.to.slot == 1 and passed.to.code != first[0].code
    assert passed.to.expires_at == clock + timedelta(minutes=30)
    async with db.session() as session:
        assert await service.expire(session, first[0].id, clock) is None  # a second firing passes nothing
        assert await service.expire(session, first[1].id, clock) is None  # claimed: not passed
    with pytest.raises(an.ReservationExpired):
        async with db.session() as session:
            await service.claim(session, code=first[0].code, by=1, now=clock)
    # Each pass is one new private delivery with the new code.
    passes = [d for d in await _deliveries(db, service.RESERVED) if d.chat_id == 502]
    assert len(passes) == 1 and broadcasts.load_args(passes[0].args)["code"] == passed.to.code
    # 502 lets it expire too: then 503, then the late joiner 600, then nobody.
    for expected in (503, 600, None):
        clock += timedelta(minutes=30)
        async with db.session() as session:
            due = await service.due_reservations(session, clock)
            assert len(due) == 1
            step = await service.expire(session, due[0], clock)
        assert step is not None
        assert (step.to.user_id if step.to else None) == expected
    async with db.reader() as session:
        assert await service.waiting(session, product_id) == []
        users = sorted((await session.execute(select(RESERVATIONS.c.user_id))).scalars())
    assert users == [500, 501, 502, 503, 600]  # one reservation per member per restock


async def test_stock_is_compare_and_set_and_only_raising_from_zero_restocks(db: Database) -> None:
    await _shop(db, stock=None)
    async with db.session() as session:
        result = await service.set_stock(session, an.parse_stock("TEA-1 5"), actor_id=1, source_key="s1", now=NOW)
    assert (result.before, result.after, result.restock) == (None, 5, None)
    async with db.session() as session:
        result = await service.set_stock(session, an.parse_stock("TEA-1 0"), actor_id=1, source_key="s2", now=NOW)
    assert result.restock is None
    async with db.session() as session:
        result = await service.set_stock(session, an.parse_stock("TEA-1 2"), actor_id=1, source_key="s3", now=NOW)
    assert result.restock is not None and result.restock.restocked == service.Restocked(2, 0, 0, 0, None)
    assert sorted(d.chat_id for d in await _deliveries(db, service.RESTOCK)) == [DEALS, VIP]
    assert await count(db, Announcement) == 1
    with pytest.raises(an.RestockSoldOut):
        async with db.session() as session:
            await service.set_stock(session, an.parse_stock("TEA-1 0"), actor_id=1, source_key="s4", now=NOW)
            await service.create(session, spec=an.parse_announce("restock TEA-1", NOW.astimezone(TZ)),
                                 go_live_at=NOW, actor_id=1, source_key="s5", now=NOW)


async def test_fifty_subscribers_get_one_reminder_each_at_go_live(db: Database) -> None:
    await _shop(db, stock=100)
    subscribers = list(range(700, 750))
    created = await _create(db, "soon TEA-1 at=2026-03-02 10:00")

    async def tap(uid: int) -> None:
        async with db.session() as session:
            await service.remind(session, created.announcement_id, uid, f"q{uid}", toggle=True, now=NOW)

    await asyncio.gather(*(tap(uid) for uid in subscribers))
    at = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)

    async def fire() -> service.Live | None:
        async with db.session() as session:
            return await service.go_live(session, created.announcement_id, at)

    fired = await asyncio.gather(fire(), fire(), fire())  # the job firing in three processes at once
    assert sum(f is not None for f in fired) == 1
    reminders = await _deliveries(db, service.LIVE_NOTE)
    assert sorted(d.chat_id for d in reminders) == subscribers
    assert [d.seq for d in reminders] == list(range(1, 51))
    assert len(await _deliveries(db, service.POST)) == 2  # one per active group, once


async def test_thirty_waiting_ten_units_concurrent_expiries_pass_each_slot_once(db: Database) -> None:
    waiting = [800 + i for i in range(30)]
    await _restock(db, waiting, 10, reserve="1h")
    first = await _reservations(db)
    assert [r.user_id for r in first] == waiting[:10]
    clock = NOW + timedelta(hours=1)

    async def expire(reservation_id: int) -> service.Passed | None:
        async with db.session() as session:
            return await service.expire(session, reservation_id, clock)

    passed = await asyncio.gather(*(expire(r.id) for r in first for _ in range(2)))
    moved = [p for p in passed if p is not None]
    assert len(moved) == 10 and all(p.to is not None for p in moved)
    assert sorted(p.to.user_id for p in moved if p.to) == waiting[10:20]  # the next ten, one each
    # Five of them claim; the other five expire and pass to the last ten's first five.
    second = [r for r in await _reservations(db) if r.status == service.OPEN]
    for reservation in second[:5]:
        async with db.session() as session:
            await service.claim(session, code=reservation.code, by=1, now=clock + timedelta(minutes=10))
    clock += timedelta(hours=1)
    again = await asyncio.gather(*(expire(r.id) for r in second))
    assert sum(p is not None for p in again) == 5
    rows = await _reservations(db)
    assert len(rows) == 25 and len({r.user_id for r in rows}) == 25 and len({r.code for r in rows}) == 25
    assert sorted(r.user_id for r in rows if r.status == service.OPEN) == sorted(
        p.to.user_id for p in again if p is not None and p.to is not None)
    slots = [(r.slot, r.gen) for r in rows]
    assert len(set(slots)) == 25 and {s for s, _g in slots} == set(range(1, 11))
    assert len([r for r in rows if r.status == service.CLAIMED]) == 5
    assert len(await _deliveries(db, service.RESERVED)) == 25  # 10 first, then one per pass
    async with db.reader() as session:
        assert await service.accounting(session) == []


async def test_an_item_archived_before_go_live_is_cancelled_not_posted(db: Database) -> None:
    product_id = await _shop(db, stock=5)
    created = await _create(db, "new TEA-1 at=2026-03-02 10:00")
    at = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
    async with db.session() as session:
        await session.execute(service.PRODUCTS.update().where(service.PRODUCTS.c.id == product_id)
                              .values(archived_at=NOW))
    async with db.session() as session:
        assert await service.go_live(session, created.announcement_id, at) is None
    assert {d.state for d in await _deliveries(db, service.POST)} == {"cancelled"}
    async with db.reader() as session:
        assert (await service.get(session, created.announcement_id)).status == service.CANCELLED  # type: ignore[union-attr]


async def _import(db: Database, text: str, *, now: datetime = NOW, fail: bool = False) -> list[service.Created]:
    """``regulars catalogue import``'s transaction: the upsert, then the restocks it brought back."""
    async with db.session() as session:
        result = await catalogue.import_rows(session, cat.parse_csv(text, "CNY"), actor_id=0, now=now)
        created = await service.announce_imported(session, result.restocked, actor_id=0,
                                                  source_key=f"an:import:{now.isoformat()}", now=now)
        if fail:
            raise RuntimeError("the connection dropped")
    return created


async def test_a_catalogue_import_restocks_like_stock_once_and_all_or_nothing(db: Database) -> None:
    """Every product a file brings from 0 to more is a restock as /stock makes one: its waitlist told in
    the order they joined, a post in every active group; a product in stock, still sold out, archived
    or new is none; the same file again announces nothing; a failed import plans nothing."""
    tea = await _shop(db, stock=0)
    await make_users(db, 21, 22, 23, 24)
    async with db.session() as session:
        for sku, stock, archived in (("CUP-1", 0, None), ("POT-1", 5, None), ("OLD-1", 0, NOW)):
            session.add(Product(sku=sku, name=sku, price_cents=100, stock=stock, archived_at=archived, created_by=1,
                                created_at=NOW, updated_at=NOW))
    for uid in (23, 21, 22):
        async with db.session() as session:
            await service.join_waitlist(session, tea, uid, NOW)
    text = ("sku,name,price,stock\nTEA-1,Longjing <Spring>,99,4\nCUP-1,Cup,1,0\nPOT-1,Pot,1,9\nOLD-1,Old,1,3\n"
            "NEW-1,New,1,2\n")
    with pytest.raises(RuntimeError):
        await _import(db, text, fail=True)
    assert await count(db, Announcement) == 0 and await count(db, Broadcast) == 0
    async with db.reader() as session:
        assert await service.waiting(session, tea) == [23, 21, 22]
    later = NOW + timedelta(minutes=5)
    [created] = await _import(db, text, now=later)
    assert created.kind == "restock" and created.item is not None and created.item.id == tea
    assert created.restocked == service.Restocked(4, 3, 0, 3, None)
    notices = await _deliveries(db, service.NOTICE)
    assert [(d.chat_id, d.seq, d.not_before) for d in notices] == [(23, 1, later), (21, 2, later), (22, 3, later)]
    assert sorted(d.chat_id for d in await _deliveries(db, service.RESTOCK)) == [DEALS, VIP]  # the active groups
    async with db.reader() as session:
        assert await service.waiting(session, tea) == []
        ann = await service.get(session, created.announcement_id)
    assert ann is not None and ann.status == service.LIVE and ann.units == 4 and ann.sku == "TEA-1"
    # The same file again: TEA-1 is in stock already, so nobody is told twice.
    assert await _import(db, text, now=later + timedelta(minutes=1)) == []
    assert len(await _deliveries(db, service.NOTICE)) == 3 and len(await _deliveries(db, service.RESTOCK)) == 2
    assert await count(db, Announcement) == 1
    # Sold out again and back through a file that has no stock column: that is no restock either.
    async with db.session() as session:
        await session.execute(service.PRODUCTS.update().where(service.PRODUCTS.c.id == tea).values(stock=0))
    assert await _import(db, "sku,name,price\nTEA-1,Longjing,99\n", now=later + timedelta(minutes=2)) == []
