"""Announcements through the real Dispatcher and the emulator, on SQLite and PostgreSQL: staff
rights and bad input, "🔔 Remind me" (toggle, deep link for a member who never started the bot,
/start remind_<id>), the go-live job, "🔔 Notify me", /stock raising from 0 with reservations, the
"✅ Claim" button and /claim; a scheduled new arrival posts the item as it is at go-live (edited, sold
out, or archived: not posted). The renderers are called directly (the broadcast engine sends them);
what they return is sent through the sender here, so the emulator checks the HTML and buttons."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.db.models import Broadcast, Contact, Delivery, Product, Reservation
from bot.services import announcements as service
from bot.services.broadcasts import load_args
from bot.texts import Translator
from bot.tools import import_catalogue
from bot.views import announcements as views
from bot.views.announcements import ClaimCb, NotifyCb, RemindCb
from bot.views.broadcasts import Outgoing, RenderContext, Skip
from games import announcements as an
from scheduler.jobs import announcements as jobs
from tests.factories import count, member
from tests.harness import Harness

DELIVERIES = Delivery.__table__  # type: ignore[attr-defined]
BROADCASTS = Broadcast.__table__  # type: ignore[attr-defined]


async def _product(h: Harness, sku: str = "TEA-1", stock: int | None = 10) -> int:
    now = h.clock.now()
    async with h.app.db.session() as session:
        product = Product(sku=sku, name="Longjing <Spring> & Co", price_cents=12800, stock=stock,
                          link="https://shop.example/tea", created_by=h.owner.id, created_at=now, updated_at=now)
        session.add(product)
        await session.flush()
        assert product.id is not None
        return product.id


async def _started(h: Harness, *users: Any) -> None:
    """The members start the bot (the broadcast engine records their contact row)."""
    for user in users:
        await h.say(user, "/start")
    await h.states["broadcasts"].contacts_recorded()
    assert await count(h, Contact, Contact.user_id.in_([u.id for u in users])) == len(users)  # type: ignore[attr-defined]


async def _staff(h: Harness, text: str) -> str:
    await h.say(h.owner, text)
    return h.texts_to(h.owner.id)[-1]


async def _planned(h: Harness, kind: str) -> list[tuple[Any, Any]]:
    """(delivery, broadcast) rows of ``kind``, in order."""
    async with h.app.db.reader() as session:
        rows = (await session.execute(
            select(DELIVERIES, BROADCASTS.c.args.label("b_args"), BROADCASTS.c.kind)
            .join(BROADCASTS, BROADCASTS.c.id == DELIVERIES.c.broadcast_id)
            .where(BROADCASTS.c.kind == kind).order_by(DELIVERIES.c.id))).all()
    return [(row, load_args(row.b_args)) for row in rows]


async def _render(h: Harness, kind: str, row: Any, args: dict[str, Any], lang: str = "en") -> Any:
    """Render a planned delivery as the engine would, and send it (the emulator checks it)."""
    ctx = RenderContext(row.broadcast_id, row.id, kind, row.chat_id, row.private, args, load_args(row.args),
                        Translator(h.app.texts, lang))  # type: ignore[arg-type]
    out = await views.RENDERERS[kind](h.app, ctx)
    assert isinstance(out, Outgoing), out
    sent = await h.app.sender.send_message(row.chat_id, out.text, reply_markup=out.reply_markup)
    assert sent is not None
    return out, sent


async def test_staff_only_private_and_bad_input_answered_with_usage(h: Harness) -> None:
    await h.setup_group()
    ann = member(h, "Ann")
    await h.say(ann, "/announce new TEA-1")
    assert "only shop staff" in h.texts_to(ann.id)[-1]
    await h.say(h.owner, "/announce new TEA-1", chat=h.group)
    assert "private chat" in h.texts_to(h.group.id)[-1]
    assert "Usage" in await _staff(h, "/announce")
    reply = await _staff(h, "/announce new TE!A")
    assert "not a SKU" in reply and "Usage" in reply
    reply = await _staff(h, "/announce soon TEA-1")
    assert "needs its go-live time" in reply
    reply = await _staff(h, "/announce new TEA-1 at=25:99")
    assert "couldn't read that time" in reply
    assert "no item TEA-1" in await _staff(h, "/announce new TEA-1")
    await _product(h)
    assert "No active group has the label nope" in await _staff(h, "/announce new TEA-1 to=nope")
    assert "Usage: <code>/stock" in await _staff(h, "/stock TEA-1")
    assert "not a stock" in await _staff(h, "/stock TEA-1 -3")
    assert "not a reservation code" in await _staff(h, "/claim 12")
    assert "No such reservation" in await _staff(h, "/claim ABCD-EFGH")
    await h.say(ann, "/stock TEA-1 5")
    assert "only shop staff" in h.texts_to(ann.id)[-1]
    assert await count(h, Broadcast) == 0


async def test_a_new_arrival_is_confirmed_with_what_when_where_and_the_broadcast(h: Harness) -> None:
    await h.setup_group()
    await _product(h)
    reply = await _staff(h, "/announce new tea-1 at=2026-03-02 20:00 to=vip")
    assert "Announcement #1 planned: new arrival" in reply and "Longjing &lt;Spring&gt; &amp; Co (TEA-1)" in reply
    assert "At 2026-03-02 20:00" in reply and "To 1 group (vip)" in reply and "Broadcast #1" in reply
    [(row, args)] = await _planned(h, service.POST)
    assert row.chat_id == h.group.id and not row.private
    out, sent = await _render(h, service.POST, row, args)
    assert "New arrival" in out.text and "128.00 CNY" in out.text
    assert [b.url for b in sent.reply_markup.inline_keyboard[0]] == ["https://shop.example/tea"]


async def test_remind_me_toggles_sends_newcomers_to_start_and_reminds_at_go_live(h: Harness) -> None:
    await h.setup_group()
    await _product(h)
    ann, bob, cid = member(h, "Ann"), member(h, "Bob"), member(h, "Cid")
    await _started(h, ann, bob)
    reply = await _staff(h, "/announce soon TEA-1 at=2026-03-02 20:00")
    assert "pre-announcement" in reply and "At 2026-03-02 20:00" in reply
    [(row, args)] = await _planned(h, service.TEASER)
    out, teaser = await _render(h, service.TEASER, row, args)
    assert "Goes live 2026-03-02 20:00" in out.text
    data = RemindCb(id=int(args["announcement_id"])).pack()
    on = await h.tap(ann, teaser.message_id, data)
    assert "I'll message you when" in on["text"] and on.get("url") is None
    off = await h.tap(ann, teaser.message_id, data)
    assert "cancelled" in off["text"]
    assert "I'll message you" in (await h.tap(ann, teaser.message_id, data))["text"]
    assert "I'll message you" in (await h.tap(bob, teaser.message_id, data))["text"]
    # Cid never started the bot: the answer opens it with a deep link, and the subscription waits.
    newcomer = await h.tap(cid, teaser.message_id, data)
    assert newcomer["url"] == f"https://t.me/regulars_bot?start=remind_{args['announcement_id']}"
    await h.say(cid, f"/start remind_{args['announcement_id']}")
    assert "message you here when" in h.texts_to(cid.id)[-1]
    # Starting the bot made Cid a contact (the broadcast engine records it): the reminder will reach them.
    await h.states["broadcasts"].contacts_recorded()
    assert await count(h, Contact, Contact.user_id == cid.id) == 1  # type: ignore[arg-type]
    assert "no longer there" in (await h.tap(bob, teaser.message_id, RemindCb(id=999).pack()))["text"]
    # A redelivered tap after a restart changes nothing.
    cq = h.emu.press_button(bob, teaser.message_id, h.group, data)
    await h.feed(h.emu.last_update)
    await h.emu.wait_callback_answer(cq, timeout=5)
    await h.feed_after_restart(h.emu.last_update)
    # Go-live: the job at its time (twice: it works once).
    h.clock.advance(timedelta(hours=12))
    assert await jobs.go_live(h.app, int(args["announcement_id"]))
    assert not await jobs.go_live(h.app, int(args["announcement_id"]))
    reminders = await _planned(h, service.LIVE_NOTE)
    assert sorted(r.chat_id for r, _a in reminders) == sorted([ann.id, cid.id])  # Bob's second tap turned it off
    assert [r.delayed for r, _a in reminders] == [None, None]  # none held back waiting for a start
    out, _sent = await _render(h, service.LIVE_NOTE, *reminders[0], lang="zh")
    assert "上线啦" in out.text
    assert [r.chat_id for r, _a in await _planned(h, service.POST)] == [h.group.id]


async def test_notify_me_then_restock_with_reservations_and_claims(h: Harness) -> None:
    await h.setup_group()
    product_id = await _product(h, stock=0)
    users = [member(h, name) for name in ("Ann", "Bob", "Cid", "Dee")]
    await _started(h, *users[:3])
    reply = await _staff(h, "/announce new TEA-1")
    [(row, args)] = await _planned(h, service.POST)
    out, post = await _render(h, service.POST, row, args)
    assert "Sold out" in out.text
    data = NotifyCb(id=product_id).pack()
    assert data in [b.callback_data for line in post.reply_markup.inline_keyboard for b in line]
    for place, user in enumerate(users[:3], start=1):
        answer = await h.tap(user, post.message_id, data)
        assert f"#{place}" in answer["text"] and "waitlist" in answer["text"]
    assert "already on the waitlist" in (await h.tap(users[0], post.message_id, data))["text"]
    newcomer = await h.tap(users[3], post.message_id, data)
    assert newcomer["url"] == f"https://t.me/regulars_bot?start=notify_{product_id}"
    # Two units come back for four waiting, reserved for an hour.
    reply = await _staff(h, "/stock TEA-1 2 reserve=1h")
    assert "0 → 2" in reply and "4 on the waitlist: 2 got a reservation (1 hour), 2 were told" in reply
    reserved = await _planned(h, service.RESERVED)
    assert [r.chat_id for r, _a in reserved] == [users[0].id, users[1].id]
    notices = await _planned(h, service.NOTICE)
    assert [r.chat_id for r, _a in notices] == [users[2].id, users[3].id]
    out, _sent = await _render(h, service.NOTICE, *notices[0])
    assert "#1 in line" in out.text
    out, message = await _render(h, service.RESERVED, *reserved[0])
    code = load_args(reserved[0][0].args)["code"]
    assert an.format_code(code) in out.text and "Valid until 2026-03-02 10:00" in out.text
    claim = next(b.callback_data for line in message.reply_markup.inline_keyboard for b in line)
    private = h.emu.chats[users[0].id]
    assert "Claimed" in (await h.tap(users[0], message.message_id, claim, chat=private))["text"]
    assert an.format_code(code) in h.texts_to(users[0].id)[-1]
    again = await h.tap(users[0], message.message_id, claim, chat=private)
    assert "already claimed" in again["text"]
    # Bob quotes his code to the shop; staff claim it.
    bob_code = load_args(reserved[1][0].args)["code"]
    reply = await _staff(h, f"/claim {an.format_code(bob_code).lower()}")
    assert "claimed" in reply and "Stock left: 0" in reply
    assert "already claimed" in await _staff(h, f"/claim {bob_code}")
    assert await count(h, Reservation, Reservation.status == "claimed") == 2  # type: ignore[arg-type]
    # A forged claim (another member's reservation) is refused.
    forged = await h.tap(users[2], message.message_id, ClaimCb(id=1).pack(), chat=private)
    assert "No such reservation" in forged["text"]
    del reply


async def test_renderers_in_both_languages_and_an_expired_reservation_is_skipped(h: Harness) -> None:
    await h.setup_group()
    await _product(h, stock=0)
    pair = (member(h, "Ann"), member(h, "Bob"))
    await _started(h, *pair)
    for user in pair:
        async with h.app.db.session() as session:
            await service.join_waitlist(session, 1, user.id, h.clock.now())
    await _staff(h, "/stock TEA-1 1 reserve=30m")
    [(row, args)] = await _planned(h, service.RESTOCK)
    for lang in ("en", "zh"):
        out, _sent = await _render(h, service.RESTOCK, row, args, lang)
        assert ("Back in stock" if lang == "en" else "补货啦") in out.text
    [(res_row, res_args)] = await _planned(h, service.RESERVED)
    h.clock.advance(timedelta(minutes=31))
    assert await jobs.expire_reservation(h.app, 1)
    ctx = RenderContext(res_row.broadcast_id, res_row.id, service.RESERVED, res_row.chat_id, True, res_args,
                        load_args(res_row.args), Translator(h.app.texts, "en"))  # type: ignore[arg-type]
    skipped = await views.render_reservation(h.app, ctx)
    assert not isinstance(skipped, Outgoing)
    passes = [r for r, _a in await _planned(h, service.RESERVED) if r.id != res_row.id]
    assert len(passes) == 1
    out, _sent = await _render(h, service.RESERVED, passes[0], (await _planned(h, service.RESERVED))[-1][1])
    assert "passed to you" in out.text


async def test_voters_get_the_launch_reward_once_when_the_item_goes_live(h: Harness) -> None:
    from bot.views.votes import VoteCb
    from tests.factories import assert_books_balance, balance

    await h.setup_group()
    await _product(h, sku="LJ-250")
    ann, bob, cid = member(h, "Ann"), member(h, "Bob"), member(h, "Cid")
    await _started(h, ann)
    await h.say(h.owner, "/vote Next tea? | Longjing @lj-250 | Pu-erh launch=10", chat=h.group)
    post = h.emu.sent(h.group.id)[-1]
    assert "10 points when that item launches" in (post.text or "")
    vote_id = VoteCb.unpack(post.buttons()[0]["callback_data"]).id
    for user, option in ((ann, 1), (bob, 1), (cid, 2)):
        await h.tap(user, post.message_id, VoteCb(id=vote_id, o=option).pack())
    reply = await _staff(h, "/announce soon LJ-250 at=20:00")
    [(row, args)] = await _planned(h, service.TEASER)
    _out, teaser = await _render(h, service.TEASER, row, args)
    await h.tap(ann, teaser.message_id, RemindCb(id=int(args["announcement_id"])).pack())
    h.clock.advance(timedelta(hours=12))
    assert await jobs.go_live(h.app, int(args["announcement_id"]))
    assert await balance(h, ann) == 10 and await balance(h, bob) == 10 and await balance(h, cid) == 0
    [(live, live_args)] = await _planned(h, service.LIVE_NOTE)
    out, _sent = await _render(h, service.LIVE_NOTE, live, live_args)
    assert live.chat_id == ann.id and "+10 points" in out.text  # told in her reminder
    [(launch, _args)] = await _planned(h, service.LAUNCH_NOTE)
    assert launch.chat_id == bob.id
    # Announced again as a new arrival: nobody is paid twice.
    reply = await _staff(h, "/announce new LJ-250")
    assert "voters got" not in reply
    assert await balance(h, ann) == 10 and await balance(h, bob) == 10
    await assert_books_balance(h)


async def test_list_and_cancel_a_scheduled_announcement(h: Harness) -> None:
    await h.setup_group()
    await _product(h)
    assert "No announcements yet" in await _staff(h, "/announce LIST")
    await _staff(h, "/announce new TEA-1 at=2026-03-02 20:00")
    await _staff(h, "/announce soon TEA-1 at=2026-03-03 10:00 to=vip")
    listing = await _staff(h, "/announce list")
    assert "#2 pre-announcement Longjing" in listing and "scheduled, 2026-03-03 10:00, to vip, 0 reminders" in listing
    assert "#1 new arrival" in listing and "to all" in listing
    assert "Usage: <code>/announce cancel ID" in await _staff(h, "/announce cancel x")
    reply = await _staff(h, "/announce cancel #1")
    assert "Announcement #1 cancelled: 1 planned messages" in reply
    assert "not waiting to go live" in await _staff(h, "/announce cancel 1")
    assert "not waiting to go live" in await _staff(h, "/announce cancel 99")
    async with h.app.db.reader() as session:
        states = list((await session.execute(select(DELIVERIES.c.state).order_by(DELIVERIES.c.id))).scalars())
    assert states == ["cancelled", "planned"]  # the teaser of #2 still goes out
    h.clock.advance(timedelta(days=2))
    assert not await jobs.go_live(h.app, 1)  # a cancelled announcement never goes live
    assert "cancelled, 2026-03-02 20:00" in await _staff(h, "/announce list")


async def test_stock_options_outside_a_restock_and_full_width_typing(h: Harness) -> None:
    """``reserve=``/``to=`` on a /stock that is no restock are refused with nothing changed; a SKU and
    a number typed on a full-width keyboard are read as /product reads them; a sold-out item is not
    restocked behind the waitlist's back by /product edit."""
    await h.setup_group()
    await _product(h, "TEA-1", stock=3)
    reply = await _staff(h, "/stock TEA-1 5 reserve=2h")
    assert "only apply when a sold-out item comes back" in reply
    async with h.app.db.reader() as session:
        assert (await session.execute(select(Product.stock).where(Product.sku == "TEA-1"))).scalar_one() == 3
    assert "3 → 5" in await _staff(h, "/stock ｔｅａ－１ ５")
    await _product(h, "TEA-2", stock=0)
    reply = await _staff(h, "/product edit TEA-2 stock=4")
    assert "/stock TEA-2 4" in reply
    async with h.app.db.reader() as session:
        assert (await session.execute(select(Product.stock).where(Product.sku == "TEA-2"))).scalar_one() == 0


async def test_a_scheduled_new_arrival_posts_the_item_as_it_is_at_go_live(h: Harness) -> None:
    """Price, name, photo and link edited (and the item sold out) between /announce and the go-live:
    the post the engine sends shows the item as it is then, not as it was at the command."""
    await h.setup_group()
    await _product(h)
    reply = await _staff(h, "/announce new TEA-1 at=2026-03-02 20:00")
    assert "Broadcast #1" in reply
    assert "✅" in await _staff(h, "/product edit TEA-1 price=99 name=Longjing 2026 link=t.me/newshop")
    update = h.emu.user_sends_photo(h.owner, caption="/product edit TEA-1")
    await h.feed(update)
    photo = update["message"]["photo"][-1]["file_id"]
    assert "→ 0" in await _staff(h, "/stock TEA-1 0")
    h.clock.advance(timedelta(hours=12))
    assert await jobs.go_live(h.app, 1)
    await h.states["broadcasts"].settle()
    [post] = [m for m in h.emu.sent(h.group.id) if m.from_bot and m.method == "sendPhoto"]
    assert post.photo == photo
    assert post.caption is not None and "New arrival" in post.caption and "Longjing 2026" in post.caption
    assert "99.00 CNY" in post.caption and "128.00" not in post.caption
    assert "Longjing &lt;Spring&gt;" not in post.caption
    assert "Sold out" in post.caption
    buttons = [b for line in (post.reply_markup or {})["inline_keyboard"] for b in line]
    assert [b.get("url") for b in buttons] == ["https://t.me/newshop", None]
    assert buttons[1]["callback_data"] == NotifyCb(id=1).pack()


async def test_an_item_archived_before_go_live_is_skipped_and_the_announcement_cancelled(h: Harness) -> None:
    """Archived after /announce new at=…: whichever comes first at go-live time, the engine (the
    delivery is skipped, "the item was archived" in its report) or the go-live job (the announcement is
    cancelled), nothing is posted."""
    await h.setup_group()
    await _product(h)
    await _staff(h, "/announce new TEA-1 at=2026-03-02 20:00")
    assert "archived" in await _staff(h, "/product archive TEA-1")
    h.clock.advance(timedelta(hours=12))
    await h.states["broadcasts"].settle()  # the engine before the go-live job
    assert [m for m in h.emu.sent(h.group.id) if m.from_bot and "New arrival" in (m.caption or m.text or "")] == []
    report = await _staff(h, "/broadcast 1")
    assert "skipped 1" in report and "Skipped: the item was archived 1" in report, report
    assert not await jobs.go_live(h.app, 1)
    assert "cancelled, 2026-03-02 20:00" in await _staff(h, "/announce list")
    # The renderer alone says the same (the engine calls it when each delivery leaves).
    [(row, args)] = await _planned(h, service.POST)
    ctx = RenderContext(row.broadcast_id, row.id, service.POST, row.chat_id, False, args, {},
                        Translator(h.app.texts, "zh"))
    assert await views.render_post(h.app, ctx) == Skip("archived")
    assert "商品已下架" in h.app.texts("zh", "bc-reason", reason="archived", count=1)


async def test_a_catalogue_import_restocks_and_the_running_bot_tells_the_waitlist(h: Harness, tmp_path: Any) -> None:
    """``regulars catalogue import`` (its own connection, as a separate process) raising a stock from 0
    plans what /stock would; the running bot's engine picks the rows up and sends them: each member on
    the waitlist is told once, in the order they joined, and the group gets the restock post. The same
    file again tells nobody."""
    await h.setup_group()
    product_id = await _product(h, stock=0)
    ann, bob, cid = member(h, "Ann"), member(h, "Bob"), member(h, "Cid")
    await _started(h, ann, bob, cid)
    for user in (bob, ann, cid):
        async with h.app.db.session() as session:
            await service.join_waitlist(session, product_id, user.id, h.clock.now())
    file = tmp_path / "catalogue.csv"
    file.write_text("sku,name,price,stock\nTEA-1,Longjing <Spring> & Co,128,5\nCUP-1,Cup,9,3\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert await import_catalogue(h.app.settings, str(file), out, err, clock=h.clock) == 0, err.getvalue()
    said = out.getvalue()
    assert "imported 2 products" in said and "1 back in stock from 0 (restock announcements #1)" in said, said
    assert "3 members on their waitlists are told" in said and "the running bot sends them" in said
    assert [r.chat_id for r, _a in await _planned(h, service.NOTICE)] == [bob.id, ann.id, cid.id]
    before = h.emu.received()
    await h.states["broadcasts"].settle()
    for user in (ann, bob, cid):
        [notice] = [t for t in h.texts_to(user.id) if "back in stock" in t]
        assert "Longjing &lt;Spring&gt; &amp; Co is back in stock" in notice and "5 units available" in notice
    [post] = [m for m in h.emu.sent(h.group.id) if m.from_bot and "Back in stock" in (m.text or "")]
    assert "5 units available" in (post.text or "")
    after = h.emu.received()
    assert [after.get(u.id, 0) - before.get(u.id, 0) for u in (ann, bob, cid)] == [1, 1, 1]
    # The same file again: in stock already, no restock, nothing more sent.
    out = io.StringIO()
    assert await import_catalogue(h.app.settings, str(file), out, err, clock=h.clock) == 0
    assert "back in stock" not in out.getvalue()
    await h.states["broadcasts"].settle()
    assert h.emu.received() == after


def _context(h: Harness, kind: str, product_id: int, *, recipient: dict[str, Any] | None = None) -> RenderContext:
    args = {"product_id": product_id, "sku": "TEA-1", "announcement_id": 1, "units": 3}
    return RenderContext(1, 1, kind, h.group.id, kind not in (service.POST, service.RESTOCK), args,
                         recipient or {}, Translator(h.app.texts, "en"))


async def test_a_paid_launch_reward_is_told_to_a_reminded_voter_even_if_the_item_was_archived(h: Harness) -> None:
    product_id = await _product(h)
    async with h.app.db.session() as session:
        product = await session.get(Product, product_id)
        assert product is not None
        product.archived_at = h.clock.now()
    told = await views.render_live(h.app, _context(h, service.LIVE_NOTE, product_id, recipient={"points": 50}))
    assert isinstance(told, Outgoing) and "+50 points" in told.text
    assert told.reply_markup is None and told.photo is None  # no Buy for an archived item
    plain = await views.render_live(h.app, _context(h, service.LIVE_NOTE, product_id))
    assert plain == Skip("archived")  # a reminder alone is not sent for a withdrawn item


async def test_a_restock_that_sold_out_again_before_it_left_offers_notify_me_not_buy(h: Harness) -> None:
    product_id = await _product(h, stock=0)
    for kind, render in ((service.RESTOCK, views.render_restock), (service.NOTICE, views.render_notice)):
        out = await render(h.app, _context(h, kind, product_id))
        assert isinstance(out, Outgoing) and "Sold out for now" in out.text and "3" not in out.text.split("\n")[-1]
        assert out.reply_markup is not None
        [[button]] = out.reply_markup.inline_keyboard
        assert button.callback_data == NotifyCb(id=product_id).pack()
