"""Recurring posts and campaigns through the real Dispatcher and the emulator, on SQLite and
PostgreSQL: staff schedule, list, pause and cancel posts and plan campaigns (the broadcast engine
sends them: here we look at the planned deliveries and call the renderers directly), members opt out
with a command or the button on every campaign message, and bad input is answered clearly with
nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.db.models import AuditEntry, Broadcast, Contact, Delivery, Product, RecurringPost
from bot.emulator import EmuUser
from bot.services import access
from bot.services import campaigns as campaign_service
from bot.services.broadcasts import load_args
from bot.services.campaigns import CONTACTS, DELIVERIES
from bot.services.sql import insert_for
from bot.texts import Translator
from bot.views import campaigns as views
from bot.views.broadcasts import Outgoing, RenderContext, Skip
from bot.views.campaigns import PromoAction, PromoCb
from scheduler.jobs import campaigns as jobs
from tests.factories import count, member
from tests.harness import Harness


async def staff(h: Harness, text: str) -> str:
    await h.say(h.owner, text)
    return h.texts_to(h.owner.id)[-1]


async def started(h: Harness, *users: EmuUser, tag: str | None = "vip") -> None:
    """Members who started the bot (a contact each: made by /start, outside this feature), tagged ``tag``."""
    for user in users:
        await h.say(user, "/start")
    async with h.app.db.session() as session:
        for user in users:
            await session.execute(insert_for(session, CONTACTS).values(user_id=user.id, started_at=h.clock.now())
                                  .on_conflict_do_nothing(index_elements=["user_id"]))
            if tag is not None:
                await access.add_tag(session, user.id, tag, h.owner.id, h.clock.now())


async def planned(h: Harness, broadcast_id: int) -> list[Any]:
    async with h.app.db.reader() as session:
        return list((await session.execute(
            select(DELIVERIES.c.chat_id, DELIVERIES.c.private, DELIVERIES.c.capped, DELIVERIES.c.quiet,
                   DELIVERIES.c.not_before).where(DELIVERIES.c.broadcast_id == broadcast_id)
            .order_by(DELIVERIES.c.chat_id))).all())


async def last_broadcast(h: Harness) -> tuple[int, str, dict[str, Any]]:
    async with h.app.db.reader() as session:
        row = (await session.execute(select(Broadcast.id, Broadcast.kind, Broadcast.args)  # type: ignore[call-overload]
                                     .order_by(Broadcast.id.desc()).limit(1))).one()  # type: ignore[union-attr]
    return int(row.id), row.kind, load_args(row.args)


def context(h: Harness, broadcast_id: int, kind: str, args: dict[str, Any], chat_id: int, private: bool = True
            ) -> RenderContext:
    return RenderContext(broadcast_id, 1, kind, chat_id, private, args, {}, Translator(h.app.texts, "en"))


# ---- rights and places ------------------------------------------------------------------------------

async def test_customers_are_refused_and_staff_are_sent_to_private_chat(h: Harness) -> None:
    await h.setup_group()
    ann = member(h, "Ann")
    for text in ("/schedule", "/schedule add daily 10:00 hi", "/campaign tag:vip | hi"):
        await h.say(ann, text)
        assert "only shop staff" in h.texts_to(ann.id)[-1]
    await h.say(h.owner, "/campaign tag:vip | hi", chat=h.group)
    assert "private chat" in h.texts_to(h.group.id)[-1]
    await h.say(ann, "/stop_promos", chat=h.group)
    await h.settle()
    assert "in private chat" in h.texts_to(h.group.id)[-1]
    assert await count(h, Broadcast) == 0 and await count(h, RecurringPost) == 0
    assert await count(h, Contact, Contact.promos_off_at.is_not(None)) == 0  # type: ignore[union-attr]


# ---- /schedule ----------------------------------------------------------------------------------------

async def test_staff_schedule_list_pause_and_cancel_a_recurring_post(h: Harness) -> None:
    await h.setup_group()  # label "vip"
    reply = await staff(h, "/schedule add daily 10:00 Today's deal:\n<b>Longjing</b> & cups to=vip")
    assert "Recurring post scheduled" in reply and "daily at 10:00" in reply and "next 2026-03-02 10:00" in reply
    assert "&lt;b&gt;Longjing&lt;/b&gt; &amp; cups" in reply  # staff text is shown escaped
    async with h.app.db.reader() as session:
        (post_id,) = (await session.execute(select(RecurringPost.id))).scalars()  # type: ignore[call-overload]
    weekly = await staff(h, "/schedule add\nweekly 周五 best\nWeekend tea")
    assert "every Friday at 09:01 (best time)" in weekly  # 09:00 is inside a window: its next minute
    listing = await staff(h, "/schedule")
    assert f"#{post_id} daily at 10:00 → vip" in listing and "Weekend tea" in listing
    assert "Nothing planned." in listing
    # The job at 10:00 plans one broadcast to the group, however often it fires.
    h.clock.set(datetime(2026, 3, 2, 2, 0, 5, tzinfo=UTC))  # 10:00:05 in Shanghai
    first = await jobs.run_post(h.app, post_id)
    again = await jobs.run_post(h.app, post_id)
    assert first is not None and first.created and again is not None and not again.created
    broadcast_id, kind, args = await last_broadcast(h)
    assert broadcast_id == first.broadcast_id and kind == "recurring"
    assert [(d.chat_id, d.private, d.capped, d.quiet) for d in await planned(h, broadcast_id)] == [
        (h.group.id, False, False, False)]
    rendered = await views.render_recurring(h.app, context(h, broadcast_id, kind, args, h.group.id, False))
    assert isinstance(rendered, Outgoing)
    assert rendered.text == "Today's deal:\n&lt;b&gt;Longjing&lt;/b&gt; &amp; cups" and rendered.reply_markup is None
    # Pause: the job plans nothing; resume; cancel: gone from the list and the schedule.
    assert "paused" in await staff(h, f"/schedule pause {post_id}")
    assert "already paused" in await staff(h, f"/schedule pause {post_id}")
    h.clock.advance(timedelta(days=1))
    assert await jobs.run_post(h.app, post_id) is None
    assert "· paused ·" in await staff(h, "/schedule")
    assert "runs again" in await staff(h, f"/schedule resume {post_id}")
    assert "cancelled" in await staff(h, f"/schedule cancel {post_id}")
    assert "no recurring post" in (await staff(h, f"/schedule cancel {post_id}")).lower()
    async with h.app.db.reader() as session:
        specs = await jobs.jobs(h.app, session)
    assert jobs.post_job_id(post_id) not in {spec.id for spec in specs}
    async with h.app.db.reader() as session:
        actions = list((await session.execute(select(AuditEntry.action).order_by(AuditEntry.id)))  # type: ignore[call-overload]
                       .scalars())
    assert actions.count("schedule.add") == 2 and "schedule.pause" in actions and "schedule.cancel" in actions


async def test_a_missed_run_is_planned_late_within_the_grace_time_once(h: Harness) -> None:
    await h.setup_group()
    await staff(h, "/schedule add daily 10:00 Morning")
    async with h.app.db.reader() as session:
        (post_id,) = (await session.execute(select(RecurringPost.id))).scalars()  # type: ignore[call-overload]
        specs = {spec.id: spec for spec in await jobs.jobs(h.app, session)}
    assert jobs.post_job_id(post_id) in specs and jobs.REMINDERS_ID in specs
    assert specs[jobs.post_job_id(post_id)].misfire_grace_time >= 3600
    h.clock.set(datetime(2026, 3, 2, 3, 30, tzinfo=UTC))  # 11:30: the bot was down at 10:00
    await jobs.catch_up(h.app)
    await jobs.catch_up(h.app)
    assert await count(h, Broadcast) == 1
    h.clock.set(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))  # 22:00: too late for today's run
    await jobs.run_post(h.app, post_id)
    assert await count(h, Broadcast) == 1


async def test_bad_schedule_lines_are_answered_and_write_nothing(h: Harness) -> None:
    for line, expected in (
        ("/schedule add", "Usage: "), ("/schedule add hourly 10:00 x", "Usage: "),
        ("/schedule add daily 25:00 x", "is not a time"), ("/schedule add weekly funday 10:00 x", "is not a day"),
        ("/schedule add daily 10:00", "write the text"), ("/schedule add daily 10:00 x to=<b>", "group labels"),
        ("/schedule pause", "is not a number"), ("/schedule pause -1", "is not a number"),
        ("/schedule pause 2147483648", "is not a number"), ("/schedule resume 7", "no recurring post #7"),
        ("/schedule frobnicate", "Usage: "),
        ("/schedule add daily 10:00 x to=vpi", "No active group has the label vpi"),
    ):
        reply = await staff(h, line)
        assert expected in reply, (line, reply)
    assert await count(h, RecurringPost) == 0 and await count(h, AuditEntry) == 0


# ---- /campaign ---------------------------------------------------------------------------------------

async def test_a_campaign_plans_private_capped_quiet_deliveries_to_the_segment(h: Harness) -> None:
    ann, ben, cat, dan = (member(h, name) for name in ("Ann", "Ben", "Cat", "Dan"))
    await started(h, ann, ben, cat)
    await h.say(cat, "/stop_promos")
    await h.say(dan, "hello", chat=h.group)  # known in the group, never started the bot
    async with h.app.db.session() as session:
        await access.add_tag(session, dan.id, "vip", h.owner.id, h.clock.now())
    # 23:30 local is inside quiet hours: it plans; the engine holds it back until they end.
    reply = await staff(h, "/campaign tag:vip | New <b>spring</b> teas &\nfree cups at=23:30")
    broadcast_id, kind, args = await last_broadcast(h)
    assert kind == "campaign" and args["text"] == "New <b>spring</b> teas &\nfree cups"
    assert f"broadcast #{broadcast_id}" in reply and "2 members" in reply and "2026-03-02 23:30" in reply
    assert "1 opted out" in reply and "1 never started the bot" in reply and f"/broadcast {broadcast_id}" in reply
    at = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    assert [(d.chat_id, d.private, d.capped, d.quiet, d.not_before) for d in await planned(h, broadcast_id)] == [
        (ann.id, True, True, True, at), (ben.id, True, True, True, at)]
    # The same update delivered again after a restart plans nothing more.
    update = h.emu.user_sends(h.owner, "/campaign tag:vip | again")
    await h.feed(update)
    await h.feed_after_restart(update)
    assert "already planned" in h.texts_to(h.owner.id)[-1]
    assert await count(h, Broadcast) == 2 and await count(h, Delivery) == 4
    # What the engine will send: the text escaped with its line breaks, and the opt-out button.
    rendered = await views.render_campaign(h.app, context(h, broadcast_id, kind, args, ann.id))
    assert isinstance(rendered, Outgoing)
    assert rendered.text == "New &lt;b&gt;spring&lt;/b&gt; teas &amp;\nfree cups"
    assert rendered.reply_markup is not None
    (button,) = [b for row in rendered.reply_markup.inline_keyboard for b in row]
    assert button.text == "🔕 No more promotions" and button.callback_data == PromoCb(action=PromoAction.OFF).pack()
    # /schedule lists it with its time.
    assert f"#{broadcast_id} campaign — next at 2026-03-02 23:30, 2 to send" in await staff(h, "/schedule")


async def test_a_wakeup_plans_two_messages_two_days_apart(h: Harness) -> None:
    ann = member(h, "Ann")
    await started(h, ann, tag="sleepy")
    reply = await staff(h, "/campaign wakeup tag:sleepy | We miss you! | 20% off this week at=10:00")
    assert "second message goes from 2026-03-04 10:00" in reply
    async with h.app.db.reader() as session:
        rows = (await session.execute(select(Broadcast.id, Broadcast.args).order_by(Broadcast.id))).all()  # type: ignore[call-overload]
    assert [load_args(r.args)["text"] for r in rows] == ["We miss you!", "20% off this week"]
    first, second = [await planned(h, r.id) for r in rows]
    assert second[0].not_before - first[0].not_before == timedelta(days=2)
    assert first[0].not_before == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


async def test_bad_campaign_lines_are_answered_and_write_nothing(h: Harness) -> None:
    for line, expected in (
        ("/campaign", "Usage: "), ("/campaign tag:vip", "Usage: "), ("/campaign tag:vip |  ", "write the text"),
        ("/campaign vips | hi", "error at character 1"), ("/campaign tag:vip | hi at=25:00", "couldn't read that time"),
        ("/campaign tag:vip | hi at=2020-01-01 10:00", "already passed"),
        ("/campaign wakeup dormant | A | B after=99d", "is not a delay"),
        ("/campaign tag:vip | hi after=2d", "couldn't read"),
    ):
        reply = await staff(h, line)
        assert expected in reply and "Usage: " in reply, (line, reply)
    assert await count(h, Broadcast) == 0 and await count(h, AuditEntry) == 0


# ---- opting out --------------------------------------------------------------------------------------

async def test_the_button_and_the_commands_opt_out_and_back_in(h: Harness) -> None:
    ann = member(h, "Ann")
    await started(h, ann, tag=None)
    await h.say(ann, "/start_promos")
    assert "already on" in h.texts_to(ann.id)[-1]
    # A campaign message as the engine sends it (rendered, then sent).
    await staff(h, "/campaign tag:vip | hi")
    async with h.app.db.session() as session:
        await access.add_tag(session, ann.id, "vip", h.owner.id, h.clock.now())
    await staff(h, "/campaign tag:vip | Spring sale")
    broadcast_id, kind, args = await last_broadcast(h)
    rendered = await views.render_campaign(h.app, context(h, broadcast_id, kind, args, ann.id))
    assert isinstance(rendered, Outgoing)
    sent = await h.app.sender.send_message(ann.id, rendered.text, reply_markup=rendered.reply_markup)
    assert sent is not None
    answer = await h.tap(ann, sent.message_id, PromoCb(action=PromoAction.OFF).pack(), chat=h.emu.chats[ann.id])
    assert "No more promotions" in answer["text"]
    confirmation = h.emu.sent(ann.id)[-1]
    assert "/start_promos" in (confirmation.text or "")
    assert [b.get("callback_data") for b in confirmation.buttons()] == [PromoCb(action=PromoAction.ON).pack()]
    async with h.app.db.reader() as session:
        off_at = (await session.execute(select(Contact.promos_off_at).where(Contact.user_id == ann.id))).scalar()  # type: ignore[call-overload,arg-type]
    assert off_at == h.clock.now()
    # A second tap changes nothing and says so briefly; the next campaign skips her.
    again = await h.tap(ann, sent.message_id, PromoCb(action=PromoAction.OFF).pack(), chat=h.emu.chats[ann.id])
    assert "No more promotions" in again["text"] and h.emu.sent(ann.id)[-1].message_id == confirmation.message_id
    assert "0 members" in await staff(h, "/campaign tag:vip | Another")
    # The way back: the button under the confirmation, or /start_promos.
    back = await h.tap(ann, confirmation.message_id, PromoCb(action=PromoAction.ON).pack(), chat=h.emu.chats[ann.id])
    assert "back on" in back["text"]
    await h.say(ann, "/stop_promos")
    assert "won't get promotional messages" in h.texts_to(ann.id)[-1]
    await h.say(ann, "/stop_promos")
    assert "already turned promotions off" in h.texts_to(ann.id)[-1]
    await h.say(ann, "/start_promos")
    assert "back on" in h.texts_to(ann.id)[-1]
    assert "one member" in await staff(h, "/campaign tag:vip | Last one")


# ---- repurchase reminders ----------------------------------------------------------------------------------

async def test_the_repurchase_renderer_shows_the_product_or_skips_it(h: Harness) -> None:
    now = h.clock.now()
    async with h.app.db.session() as session:
        session.add(Product(sku="TEA-1", name="Longjing <250g>", price_cents=9900, link="https://shop.example/tea",
                            cycle_days=30, created_by=h.owner.id, created_at=now, updated_at=now))
        session.add(Product(sku="OLD", name="Old", price_cents=100, archived_at=now, created_by=h.owner.id,
                            created_at=now, updated_at=now))
    ctx = context(h, 1, "repurchase", {"order": "A-1", "sku": "TEA-1"}, 42)
    rendered = await views.render_repurchase(h.app, ctx)
    assert isinstance(rendered, Outgoing)
    assert "Longjing &lt;250g&gt;" in rendered.text and "https://shop.example/tea" in rendered.text
    assert rendered.reply_markup is not None
    for sku in ("OLD", "NOPE"):
        gone = await views.render_repurchase(h.app, context(h, 1, "repurchase", {"order": "A-1", "sku": sku}, 42))
        assert gone == Skip("product-gone")


async def test_a_post_made_after_todays_time_starts_tomorrow(h: Harness) -> None:
    await h.setup_group()
    h.clock.set(datetime(2026, 3, 2, 2, 30, tzinfo=UTC))  # 10:30
    assert "next 2026-03-03 10:00" in await staff(h, "/schedule add daily 10:00 Morning")
    async with h.app.db.reader() as session:
        (post_id,) = (await session.execute(select(RecurringPost.id))).scalars()  # type: ignore[call-overload]
    await jobs.catch_up(h.app)  # a restart at 10:30: today's 10:00 run is not this post's
    assert await jobs.run_post(h.app, post_id) is None and await count(h, Broadcast) == 0
    h.clock.set(datetime(2026, 3, 3, 2, 0, tzinfo=UTC))
    assert await jobs.run_post(h.app, post_id) is not None and await count(h, Broadcast) == 1


async def test_forged_or_misplaced_promotion_taps_are_answered_and_change_nothing(h: Harness) -> None:
    await h.setup_group()
    ann = member(h, "Ann")
    await started(h, ann, tag=None)
    await h.say(h.owner, "/checkin_post", chat=h.group)
    post = h.emu.sent(h.group.id)[-1].message_id
    # The button's data on a group message (Telegram lets anyone forge callback data).
    misplaced = await h.tap(ann, post, PromoCb(action=PromoAction.OFF).pack(), chat=h.group)
    assert "private chat" in misplaced["text"]
    sent = await h.app.sender.send_message(ann.id, "hi")
    assert sent is not None
    for data in ("cp:maybe", "cp:", "cp:off:1", "cp:" + "x" * 60):
        answer = await h.tap(ann, sent.message_id, data, chat=h.emu.chats[ann.id])
        assert answer.get("text"), data
    async with h.app.db.reader() as session:
        off_at = (await session.execute(select(Contact.promos_off_at).where(Contact.user_id == ann.id))).scalar()  # type: ignore[call-overload,arg-type]
    assert off_at is None


async def test_each_posts_cron_trigger_fires_at_the_next_run_the_rules_give(h: Harness) -> None:
    from games.campaigns import next_run

    await staff(h, "/schedule add daily 10:00 a")
    await staff(h, "/schedule add weekly sun 22:30 b")
    await staff(h, "/schedule add weekly mon 08:00 c")
    tz = h.app.settings.tz
    async with h.app.db.reader() as session:
        rules = {int(post.id or 0): campaign_service.recurrence_of(post)
                 for post in await campaign_service.posts(session)}
        specs = {spec.id: spec for spec in await jobs.jobs(h.app, session)}
    assert len(rules) == 3 and set(specs) == {jobs.REMINDERS_ID, *map(jobs.post_job_id, rules)}
    for moment in (h.clock.now(), datetime(2026, 3, 8, 14, 30, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, tzinfo=UTC)):
        local = moment.astimezone(tz)
        for post_id, rule in rules.items():
            spec = specs[jobs.post_job_id(post_id)]
            assert spec.func == "scheduler.jobs.campaigns:run_post" and spec.args == (post_id,)
            fires = spec.trigger.get_next_fire_time(None, local + timedelta(microseconds=1))
            assert fires == next_run(rule, local), (rule, moment)
