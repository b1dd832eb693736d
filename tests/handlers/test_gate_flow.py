"""Gated groups end to end: join requests through the emulator, each threshold, both combinators,
timeouts and restarts, bans, welcome gifts, invite links, orders and the staff tools."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.db.models import AuditEntry, JoinRequest, LedgerEntry, Order
from bot.services import gate as gate_service
from bot.services import ledger
from bot.views import gate as gatekeeper
from tests.factories import decisions, join, staff_says
from tests.harness import Harness

CSV = (b"order_id,amount,currency,paid_at,check\n"
       b"T-1001,129.90,CNY,2026-02-01 10:00,1234\n"
       b"T-1002,50,CNY,2026-02-20,5678\n"
       b"T-1003,20,USD,2026-02-21,0000\n")


async def import_csv(h: Harness, content: bytes = CSV) -> str:
    await h.feed(h.emu.user_sends_document(h.owner, "orders.csv", content, caption="/import_orders"))
    await h.settle()
    return h.texts_to(h.owner.id)[-1]


async def test_open_group_approves_welcomes_and_pays_the_gift_once(h: Harness) -> None:
    await h.setup_group()
    assert "Saved" in await staff_says(h, "/welcome gift=50")
    assert "Saved" in await staff_says(h, "/welcome Hello {name}, tea is served!")
    ann = h.emu.create_user("Ann <b>&", language_code="en")
    await join(h, ann)
    assert decisions(h, ann) == ["approved"]
    private = h.texts_to(ann.id)
    assert "approved" in private[-1] and "+50" in private[-1]
    welcome = h.emu.sent(h.group.id)[-1]
    assert welcome.text == "Hello Ann &lt;b&gt;&amp;, tea is served!\n🎁 Ann &lt;b&gt;&amp;: +50 points welcome gift."
    async with h.app.db.session() as session:
        assert await ledger.balance_of(session, ann.id) == 50
    # Leaving and coming back: welcomed again, but never paid twice; the old welcome goes away.
    h.emu.add_member(h.group, ann, "left")
    await join(h, ann)
    assert decisions(h, ann) == ["approved", "approved"]
    assert "+50" not in h.texts_to(ann.id)[-1]
    second = h.emu.sent(h.group.id)[-1]
    assert second.message_id != welcome.message_id and "gift" not in (second.text or "")
    assert h.emu.message(h.group.id, welcome.message_id).deleted
    async with h.app.db.session() as session:
        assert await ledger.balance_of(session, ann.id) == 50
        gifts = (await session.execute(select(func.count()).select_from(LedgerEntry)
                                       .where(LedgerEntry.reason == "welcome"))).scalar_one()
    assert gifts == 1


async def test_busy_group_gets_one_welcome_for_many_newcomers(h: Harness) -> None:
    await h.setup_group()
    h.app.coalescer.window = 30.0  # a busy group: everyone arrives within one window
    before = len(h.emu.sent(h.group.id))
    people = [h.emu.create_user(f"Guest{i}") for i in range(5)]
    for person in people:
        await h.feed(h.emu.push_join_request(person, h.group))
    await h.settle()
    welcomes = h.emu.sent(h.group.id)[before:]
    assert len(welcomes) == 1 and all(f"Guest{i}" in (welcomes[0].text or "") for i in range(5))


async def test_password_threshold_counts_wrong_attempts_and_never_echoes_it(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/gate password=oolong-42", chat=h.group)
    visible = [m.text or "" for m in h.emu.messages(h.group.id)]
    assert not any("oolong" in t for t in visible), "the staff message with the password is removed from the group"
    ann = h.emu.create_user("Ann")
    await join(h, ann)
    assert decisions(h, ann) == []
    assert "send me the group password" in h.texts_to(ann.id)[-1]
    await h.say(ann, "green tea")
    assert "2 attempts left" in h.texts_to(ann.id)[-1]
    await h.say(ann, "  oolong-42 ")
    assert decisions(h, ann) == ["approved"]
    assert "approved" in h.texts_to(ann.id)[-1]
    assert all("oolong-42" not in t for t in h.texts_to(h.group.id))
    async with h.app.db.session() as session:
        row = (await session.execute(select(JoinRequest))).scalar_one()
    assert row.password_attempts == 2 and row.password_ok is True


async def test_password_attempts_run_out(h: Harness) -> None:
    await h.setup_group()
    await staff_says(h, "/gate password=secret attempts=2")
    bob = h.emu.create_user("Bob")
    await join(h, bob)
    await h.say(bob, "guess1")
    assert "1 attempt left" in h.texts_to(bob.id)[-1]
    await h.say(bob, "guess2")
    assert decisions(h, bob) == ["declined"]
    assert "wrong password" in h.texts_to(bob.id)[-1]
    # Later messages are ordinary chatter again, not password attempts.
    await h.say(bob, "secret")
    assert decisions(h, bob) == ["declined"]


async def test_channel_threshold_asks_telegram(h: Harness) -> None:
    fan, stranger = h.emu.create_user("Fan"), h.emu.create_user("Stranger")
    h.emu.create_channel("Shop News", members=[fan], username="shopnews", bot_is_admin=True)
    await h.setup_group()
    assert "not configured" in await staff_says(h, "/gate channel=on")
    h.app.settings.shop_channel = "@shopnews"
    assert "follows the shop channel" in await staff_says(h, "/gate channel=on")
    await join(h, fan)
    await join(h, stranger)
    assert decisions(h, fan) == ["approved"] and decisions(h, stranger) == ["declined"]
    assert "do not follow the shop channel" in h.texts_to(stranger.id)[-1]


async def test_setup_warns_when_the_bot_is_not_admin_of_the_shop_channel(h: Harness) -> None:
    h.emu.create_channel("Shop News", username="shopnews", bot_is_admin=False)
    h.app.settings.shop_channel = "@shopnews"
    await h.setup_group()
    assert "not an administrator of the shop channel" in h.texts_to(h.group.id)[-1]


async def test_allow_list_and_segment_thresholds(h: Harness) -> None:
    await h.setup_group()
    ann, bob, cat = (h.emu.create_user(n) for n in ("Ann", "Bob", "Cat"))
    await h.say(bob, "/start")
    await staff_says(h, "/gate allow=on")
    assert "is on the allow-list" in await staff_says(h, f"/allow {ann.id}")
    await join(h, ann)
    await join(h, cat)
    assert decisions(h, ann) == ["approved"] and decisions(h, cat) == ["declined"]
    assert "guest list" in h.texts_to(cat.id)[-1]
    await staff_says(h, '/gate allow=off segment="tag:vip and not dormant"')
    assert "tagged vip" in await staff_says(h, f"/tag {bob.id} VIP")
    await join(h, bob)
    h.emu.add_member(h.group, cat, "left")
    await join(h, cat)
    assert decisions(h, bob) == ["approved"] and decisions(h, cat) == ["declined", "declined"]
    assert "particular group of customers" in h.texts_to(cat.id)[-1]


async def test_minimum_spend_from_linked_orders(h: Harness) -> None:
    await h.setup_group()
    assert "2 new" not in await import_csv(h) and "3 new orders" in h.texts_to(h.owner.id)[-1]
    ann, bob = h.emu.create_user("Ann"), h.emu.create_user("Bob")
    await h.say(ann, "/bind T-1001 1234")
    assert "linked to you" in h.texts_to(ann.id)[-1] and "129.90 CNY" in h.texts_to(ann.id)[-1]
    await h.say(bob, "/bind T-1003 0000")  # a USD order does not count towards a CNY minimum
    await staff_says(h, "/gate spend=100")
    await join(h, ann)
    await join(h, bob)
    assert decisions(h, ann) == ["approved"] and decisions(h, bob) == ["declined"]
    assert "minimum spend" in h.texts_to(bob.id)[-1]


async def test_all_of_and_any_of(h: Harness) -> None:
    await h.setup_group()
    ann = h.emu.create_user("Ann")
    await staff_says(h, f"/allow {ann.id}")
    await staff_says(h, "/gate mode=all allow=on spend=100")
    await join(h, ann)
    assert decisions(h, ann) == ["declined"]
    assert "minimum spend" in h.texts_to(ann.id)[-1] and "guest list" not in h.texts_to(ann.id)[-1]
    assert "any of" in await staff_says(h, "/gate mode=any")
    await join(h, ann)
    assert decisions(h, ann) == ["declined", "approved"]
    # any-of with a password: another threshold passing lets the applicant in without it.
    bob = h.emu.create_user("Bob")
    await staff_says(h, "/gate password=pu-erh")
    await staff_says(h, f"/allow {bob.id}")
    await join(h, bob)
    assert decisions(h, bob) == ["approved"]


async def test_unfinished_requests_time_out_once(h: Harness) -> None:
    await h.setup_group()
    await staff_says(h, "/gate password=jasmine timeout=5m")
    ann = h.emu.create_user("Ann")
    await join(h, ann)
    h.clock.advance(timedelta(minutes=4))
    assert await gatekeeper.sweep(h.app) == 0
    await h.say(ann, "oolong")  # she wrote to the bot: it may tell her the outcome after 5 minutes
    h.clock.advance(timedelta(minutes=2))
    assert await gatekeeper.sweep(h.app) == 1
    assert await gatekeeper.sweep(h.app) == 0
    assert decisions(h, ann) == ["declined"]
    assert "not completed in time" in h.texts_to(ann.id)[-1]
    await h.say(ann, "jasmine")  # too late: no second decision
    assert decisions(h, ann) == ["declined"]
    # Past its time but before the sweep comes by, the right password does not open the door either.
    bob = h.emu.create_user("Bob")
    await join(h, bob)
    h.clock.advance(timedelta(minutes=6))
    await h.say(bob, "jasmine")
    assert decisions(h, bob) == ["declined"] and "not completed in time" in h.texts_to(bob.id)[-1]


async def test_a_restart_finishes_decisions_without_repeating_them(h: Harness) -> None:
    await h.setup_group()
    await staff_says(h, "/welcome gift=10")
    ann, bob = h.emu.create_user("Ann"), h.emu.create_user("Bob")
    await staff_says(h, "/gate password=x timeout=5m")
    # The bot decided Ann's request, then died before telling Telegram; Bob's timed out meanwhile.
    await join(h, ann)
    await join(h, bob)
    await h.say(ann, "y")  # a wrong guess: Ann has written to the bot, so it may answer her later
    async with h.app.db.session() as session:
        ids = dict((await session.execute(select(JoinRequest.user_id, JoinRequest.id))).all())
        assert await gate_service.decide(session, ids[ann.id], approved=True, reason="passed", now=h.clock.now())
    h.clock.advance(timedelta(minutes=10))
    for _ in range(2):  # start-up reconcile, then the periodic job: same outcome
        await gatekeeper.sweep(h.app)
        await h.settle()
    assert decisions(h, ann) == ["approved"] and decisions(h, bob) == ["declined"]
    async with h.app.db.session() as session:
        assert await ledger.balance_of(session, ann.id) == 10
        rows = (await session.execute(select(JoinRequest))).scalars().all()
    assert all(r.applied for r in rows)
    assert sum("approved" in t for t in h.texts_to(ann.id)) == 1


async def test_the_same_update_twice_is_one_request(h: Harness) -> None:
    await h.setup_group()
    ann = h.emu.create_user("Ann")
    update = h.emu.push_join_request(ann, h.group)
    await h.feed(update)
    await h.feed_after_restart(update)
    await h.settle()
    assert decisions(h, ann) == ["approved"]
    async with h.app.db.session() as session:
        assert (await session.execute(select(func.count()).select_from(JoinRequest))).scalar_one() == 1


async def test_banned_applicants_and_bots_are_declined(h: Harness) -> None:
    await h.setup_group()
    second = h.emu.create_group("Deals", admins=[h.owner], bot_is_admin=True)
    await h.say(h.owner, "/setup deals", chat=second)
    ann = h.emu.create_user("Ann")
    h.emu.add_member(h.group, ann)
    h.emu.add_member(second, ann)
    await h.say(ann, "hi", chat=h.group)
    reply = await staff_says(h, f"/ban {ann.id} spam")
    assert "is banned" in reply and "2 shop groups" in reply
    assert h.group.status_of(ann.id) == "kicked" and second.status_of(ann.id) == "kicked"
    await join(h, ann)
    assert decisions(h, ann) == ["declined"]
    assert "cannot join" in h.texts_to(ann.id)[-1]
    robot = h.emu.create_user("Robot", is_bot=True)
    await join(h, robot)
    assert decisions(h, robot) == ["declined"]
    assert "no longer banned" in await staff_says(h, f"/unban {ann.id}")
    assert h.group.status_of(ann.id) == "left"
    await join(h, ann)
    assert decisions(h, ann) == ["declined", "approved"]
    assert "is staff" in await staff_says(h, f"/ban {h.owner.id}")


async def test_ban_declines_a_pending_request(h: Harness) -> None:
    await h.setup_group()
    await staff_says(h, "/gate password=x")
    ann = h.emu.create_user("Ann")
    await join(h, ann)
    await h.say(h.owner, f"/ban {ann.id}")
    assert decisions(h, ann) == ["declined"]


async def test_invite_links_record_who_they_brought(h: Harness) -> None:
    await h.setup_group()
    reply = await staff_says(h, "/invite spring-sale")
    link = next(w for w in reply.split() if w.startswith("https://t.me/+"))
    assert h.emu.invite_links[link]["creates_join_request"] is True
    ann = h.emu.create_user("Ann")
    await join(h, ann, link)
    listing = await staff_says(h, "/invites")
    assert "spring-sale" in listing and "1 request, 1 joined" in listing
    who = await staff_says(h, "/invites spring-sale")
    assert "Ann" in who and str(ann.id) in who
    async with h.app.db.session() as session:
        row = (await session.execute(select(JoinRequest))).scalar_one()
    assert row.invite_name == "spring-sale" and row.invite_link == link


async def test_malformed_csv_names_the_line_and_imports_nothing(h: Harness) -> None:
    bad = CSV + b"T-1004,12.5x,CNY,2026-02-22,1111\nT-1005,10,CNY,2026-02-22,2222\n"
    reply = await import_csv(h, bad)
    assert "Line 5" in reply and "12.5x" in reply and "Nothing was imported" in reply
    reply = await import_csv(h, b"T-1,10,CNY,2026-02-22,1\nT-1,11,CNY,2026-02-23,1\n")
    assert "Line 2" in reply and "appears twice" in reply
    async with h.app.db.session() as session:
        assert (await session.execute(select(func.count()).select_from(Order))).scalar_one() == 0
    await h.say(h.owner, "/import_orders")
    assert "caption /import_orders" in h.texts_to(h.owner.id)[-1]
    await h.feed(h.emu.user_sends_document(h.owner, "orders.csv", CSV))  # no caption: how to import it
    assert "caption /import_orders" in h.texts_to(h.owner.id)[-1]
    sent = h.emu.user_sends_document(h.owner, "orders.csv", CSV)
    await h.feed(h.emu.user_sends(h.owner, "/import_orders", reply_to_message_id=sent["message"]["message_id"]))
    assert "3 new orders" in h.texts_to(h.owner.id)[-1]


async def test_an_order_binds_to_one_account_and_guessing_is_limited(h: Harness) -> None:
    await import_csv(h)
    ann, bob, eve = (h.emu.create_user(n) for n in ("Ann", "Bob", "Eve"))
    await h.say(ann, "/bind T-1002 5678")
    await h.say(ann, "/bind T-1002 5678")
    assert "already linked to you" in h.texts_to(ann.id)[-1]
    await h.say(bob, "/bind T-1002 5678")
    assert "already linked to another account" in h.texts_to(bob.id)[-1]
    for _ in range(5):
        await h.say(eve, "/bind T-1001 0000")
    assert "0 tries left" in h.texts_to(eve.id)[-1]
    await h.say(eve, "/bind T-1001 1234")  # even the right check waits now
    assert "Too many wrong tries" in h.texts_to(eve.id)[-1]
    h.clock.advance(timedelta(hours=1, minutes=1))
    await h.say(eve, "/bind T-1001 1234")
    assert "linked to you" in h.texts_to(eve.id)[-1]
    async with h.app.db.session() as session:
        owners = dict((await session.execute(select(Order.order_id, Order.user_id))).all())
    assert owners == {"T-1001": eve.id, "T-1002": ann.id, "T-1003": None}


async def test_bind_in_a_group_is_removed(h: Harness) -> None:
    await h.setup_group()
    ann = h.emu.create_user("Ann")
    await h.say(ann, "/bind T-1001 1234", chat=h.group)
    assert not any("T-1001" in (m.text or "") for m in h.emu.messages(h.group.id))
    assert "private chat" in h.texts_to(h.group.id)[-1]


async def test_customers_get_a_polite_no_for_every_staff_tool(h: Harness) -> None:
    await h.setup_group()
    for command in ("/gate password=x", "/welcome gift=9", "/invite x", "/invites", "/settings", "/ban 1",
                    "/unban 1", "/allow 1", "/tag 1 vip", "/segment new", "/audit"):
        ann = h.emu.create_user("Ann")  # a fresh customer each time: no flood throttling in the way
        await h.say(ann, command)
        assert "only shop staff" in h.texts_to(ann.id)[-1], command
    await h.feed(h.emu.user_sends_document(ann, "orders.csv", CSV, caption="/import_orders"))
    assert "only shop staff" in h.texts_to(ann.id)[-1]
    await h.say(ann, "/gate off", chat=h.group)
    assert "only shop staff" in h.texts_to(h.group.id)[-1]
    async with h.app.db.session() as session:
        assert (await session.execute(select(func.count()).select_from(Order))).scalar_one() == 0


async def test_settings_and_the_audit_log(h: Harness) -> None:
    await h.setup_group()
    await staff_says(h, '/gate mode=any password=hush segment="purchased and not dormant or tag:vip" spend=99.5')
    await staff_says(h, "/welcome gift=5")
    settings = await staff_says(h, "/settings")
    for part in ("Tea Lovers", "any of", "password (3 attempts)", "99.50 CNY", "Welcome", "5 points",
                 "(purchased and not dormant) or tag:vip", "Check-in"):
        assert part in settings, part
    assert "hush" not in settings
    await staff_says(h, f"/tag {h.owner.id} vip")
    await h.say(h.owner, "/audit")
    audit = h.texts_to(h.owner.id)[-1]
    for action in ("group.setup", "gate.config", "welcome.config", "tag.add"):
        assert action in audit, action
    assert "hush" not in audit
    async with h.app.db.session() as session:
        details = (await session.execute(select(AuditEntry.details))).scalars().all()
    assert all("hush" not in (d or "") for d in details)


async def test_segment_command_counts_and_explains_errors(h: Harness) -> None:
    ann = h.emu.create_user("Ann")
    await h.say(ann, "/start")
    await h.say(h.owner, f"/tag {ann.id} vip")
    await h.say(h.owner, "/segment tag:vip or repeat")
    assert "1 customer" in h.texts_to(h.owner.id)[-1] and "Ann" in h.texts_to(h.owner.id)[-1]
    await h.say(h.owner, "/segment purchased and (new or")
    error = h.texts_to(h.owner.id)[-1]
    assert "character 22" in error and "is missing here" in error
    await h.say(h.owner, "/segment frobnicated")
    assert "unknown segment" in h.texts_to(h.owner.id)[-1] and '("frobnicated")' in h.texts_to(h.owner.id)[-1]


async def test_gate_config_errors_change_nothing(h: Harness) -> None:
    await h.setup_group()
    for bad in ("/gate mode=some", "/gate spend=-3", "/gate segment=\"new and\"", "/gate timeout=0m",
                "/gate attempts=99"):
        reply = await staff_says(h, bad)
        assert "couldn't understand" in reply, bad
    assert "Entry: open" in await staff_says(h, "/gate")


async def test_ban_by_reply_in_the_group_and_chinese_applicants(h: Harness) -> None:
    await h.setup_group()
    troll = h.emu.create_user("Troll")
    h.emu.add_member(h.group, troll)
    said = h.emu.user_sends(troll, "buy followers here", chat=h.group)
    await h.feed(said)
    reply = h.emu.user_sends(h.owner, "/ban spam links", chat=h.group,
                             reply_to_message_id=said["message"]["message_id"])
    await h.feed(reply)
    await h.settle()
    assert "Troll" in h.texts_to(h.group.id)[-1] and h.group.status_of(troll.id) == "kicked"
    await h.say(h.owner, "/gate password=碧螺春", chat=h.group)
    li = h.emu.create_user("小李", language_code="zh-hans")
    await join(h, li)
    assert "入群口令" in h.texts_to(li.id)[-1]
    await h.say(li, "碧螺春")
    assert decisions(h, li) == ["approved"] and "申请已通过" in h.texts_to(li.id)[-1]
    async with h.app.db.session() as session:
        audit = (await session.execute(select(AuditEntry.action, AuditEntry.target, AuditEntry.details)
                                       .where(AuditEntry.action == "ban"))).all()
    assert audit == [("ban", str(troll.id), "spam links")]


async def test_allow_list_and_tags_are_managed_and_audited(h: Harness) -> None:
    ann = h.emu.create_user("Ann", username="ann_tea")
    await h.say(ann, "/start")
    for command, expected in (
        ("/allow @ann_tea", "is on the allow-list"),
        ("/allow list", f"Allow-list</b> (1): {ann.id}"),
        (f"/allow remove {ann.id}", "is off the allow-list"),
        (f"/allow remove {ann.id}", "was not on the allow-list"),
        (f"/tag {ann.id} Big-Spender", "is tagged big-spender"),
        (f"/tag {ann.id}", "big-spender"),
        (f"/tag remove {ann.id} big-spender", "no longer has the tag"),
        (f"/tag {ann.id} no/slashes", "not a valid tag"),
    ):
        await h.say(h.owner, command)
        assert expected in h.texts_to(h.owner.id)[-1], command
    async with h.app.db.session() as session:
        actions = (await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars().all()
    assert actions == ["allow.add", "allow.remove", "tag.add", "tag.remove"]


async def test_welcome_settings(h: Harness) -> None:
    await h.setup_group()
    for command, expected in (
        ("/welcome", "the default welcome"),
        ("/welcome gift=lots", "whole number of points"),
        ("/welcome " + "x" * 1001, "at most 1,000 characters"),
        ("/welcome gift=7", "7 points"),
        ("/welcome reset", "the default welcome"),
        ("/welcome off", "0 points"),
    ):
        assert expected in await staff_says(h, command), command
    await h.say(h.owner, "/unban 424242")
    assert "is not banned" in h.texts_to(h.owner.id)[-1]


async def test_a_ban_wins_over_an_approval_not_yet_carried_out(h: Harness) -> None:
    await h.setup_group()
    await staff_says(h, "/welcome gift=20")
    await staff_says(h, "/gate password=longjing")
    ann = h.emu.create_user("Ann")
    await h.feed(h.emu.push_join_request(ann, h.group))
    async with h.app.db.session() as session:
        request_id = (await session.execute(select(JoinRequest.id))).scalar_one()
        # The decision is committed; before it is carried out, staff ban Ann.
        assert await gate_service.decide(session, request_id, approved=True, reason="passed", now=h.clock.now())
    await h.say(h.owner, f"/ban {ann.id} spam")
    await gatekeeper.apply(h.app, request_id)
    assert all(decision != "approved" for _chat, _uid, decision in h.emu.join_request_decisions)
    assert h.emu.chat(h.group.id).status_of(ann.id) not in ("member", "administrator")
    assert "cannot join" in h.texts_to(ann.id)[-1]
    async with h.app.db.session() as session:
        assert await ledger.balance_of(session, ann.id) == 0


def test_a_crowd_is_welcomed_in_one_bounded_message() -> None:
    from bot.texts import Texts, Translator

    crowd = [gatekeeper.Newcomer(f"Newcomer <{i}>", 20) for i in range(300)]
    text = gatekeeper.welcome_text(Translator(Texts(), "en"), None, crowd)
    assert len(text) < 4096 and "and 260 more" in text and "&lt;0&gt;" in text
