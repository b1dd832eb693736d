"""Campaigns and recurring posts end to end: the real bot plans them from staff commands, the real
broadcast engine sends them through the emulator enforcing Telegram's flood limits (429 beyond them),
and the manual clock walks through a night and a day, on SQLite and PostgreSQL.

- A campaign planned inside quiet hours is delayed, not dropped, and goes out when they end; a second
  campaign within the frequency cap's 24 hours waits for the cap to free; members who opted out (with
  /stop_promos, or the 🔕 button under a campaign message the engine sent) get nothing more; every
  other member gets each campaign exactly once, and the staff report shows the delays and the skips.
- A wake-up's second message goes out its delay after the first, not before.
- Recurring posts fired by their scheduler jobs over a day reach the groups they were made for once per
  run (a job that fires twice posts once), other groups nothing, a paused post nothing until resumed;
  /schedule shows the next run in local time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.util import ref_to_obj
from sqlalchemy import select

from bot.db.models import RecurringPost
from bot.emulator import EmuUser
from bot.services import access
from bot.views.broadcasts import Broadcasts
from bot.views.campaigns import PromoAction, PromoCb
from scheduler.jobs import campaigns as jobs
from tests.harness import Harness, harness


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 given in Shanghai local time (UTC+8), as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def engine(h: Harness) -> Broadcasts:
    state: Broadcasts = h.states["broadcasts"]
    return state


async def at(h: Harness, moment: datetime) -> None:
    """Move the clock to ``moment`` and let the engine send everything due then."""
    h.clock.set(moment)
    await engine(h).settle(limit=20)


async def staff(h: Harness, text: str) -> str:
    await h.feed(h.emu.user_sends(h.owner, text))
    return h.texts_to(h.owner.id)[-1]


async def members(h: Harness, tag: str, *names: str) -> list[EmuUser]:
    """Members who started the bot (their contacts recorded by the engine's own path), tagged ``tag``."""
    users = [h.emu.create_user(name, language_code="en") for name in names]
    for user in users:
        await h.feed(h.emu.user_sends(user, "/start"))
    await engine(h).contacts_recorded()
    async with h.app.db.session() as session:
        for user in users:
            await access.add_tag(session, user.id, tag, h.owner.id, h.clock.now())
    return users


def got(h: Harness, chat: Any, text: str) -> int:
    """How many messages to ``chat`` contain ``text``."""
    return sum(text in (m.text or "") for m in h.emu.sent(chat.id))


def broadcast_id(reply: str) -> int:
    return int(reply.split("broadcast #")[1].split()[0].rstrip(".,:)"))


# ---- campaigns: quiet hours, the cap, opting out -------------------------------------------------------

async def test_campaigns_wait_for_quiet_hours_and_the_cap_and_skip_who_opted_out(db_url: str) -> None:
    async with harness(db_url, limits=True) as h:
        ann, ben, cat, dan = await members(h, "vip", "Ann", "Ben", "Cat", "Dan")
        # Day 1, 09:00: one campaign for 23:30 tonight (quiet hours), one for 12:00 tomorrow.
        first_reply = await staff(h, "/campaign tag:vip | Spring <b>teas</b> are in at=23:30")
        assert "4 members" in first_reply and "2026-03-02 23:30" in first_reply, first_reply
        first = broadcast_id(first_reply)
        second_reply = await staff(h, "/campaign tag:vip | Cups half price at=2026-03-03 12:00")
        assert "4 members" in second_reply, second_reply
        second = broadcast_id(second_reply)
        # Cat opts out by command after both were planned.
        await h.say(cat, "/stop_promos")
        assert "won't get promotional messages" in h.texts_to(cat.id)[-1]

        # 23:30: due, but inside quiet hours: delayed to 08:00, not sent; Cat skipped.
        await at(h, _utc(2, 23, 30))
        assert [got(h, u, "Spring") for u in (ann, ben, cat, dan)] == [0, 0, 0, 0]
        report = await staff(h, f"/broadcast {first}")
        assert "Delayed by quiet hours: 3 (next at 2026-03-03 08:00)" in report, report
        assert "Skipped: opted out 1" in report, report
        listing = await staff(h, "/schedule")
        assert f"#{first} campaign — next at 2026-03-03 08:00, 3 to send" in listing, listing
        # Still quiet at 07:59.
        await at(h, _utc(3, 7, 59))
        assert sum(got(h, u, "Spring") for u in (ann, ben, cat, dan)) == 0

        # 08:00: quiet hours end; the campaign goes out with the opt-out button.
        await at(h, _utc(3, 8, 0))
        assert [got(h, u, "Spring &lt;b&gt;teas&lt;/b&gt; are in") for u in (ann, ben, cat, dan)] == [1, 1, 0, 1]
        message = h.emu.sent(dan.id)[-1]
        assert [b.get("callback_data") for b in message.buttons()] == [PromoCb(action=PromoAction.OFF).pack()]
        # Dan presses 🔕 under it.
        answer = await h.tap(dan, message.message_id, PromoCb(action=PromoAction.OFF).pack(), chat=h.emu.chats[dan.id])
        assert "No more promotions" in answer["text"]
        report = await staff(h, f"/broadcast {first}")
        assert "4 messages: sent 3, planned 0, skipped 1" in report and "Delayed" not in report, report

        # 12:00: the second campaign is due, but Ann and Ben had one at 08:00: the cap (1 a day) holds
        # it to 08:00 tomorrow; Cat and Dan opted out: skipped.
        await at(h, _utc(3, 12, 0))
        assert sum(got(h, u, "Cups half price") for u in (ann, ben, cat, dan)) == 0
        report = await staff(h, f"/broadcast {second}")
        assert "Delayed by the frequency cap: 2 (next at 2026-03-04 08:00)" in report, report
        assert "Skipped: opted out 2" in report, report
        assert f"#{second} campaign — next at 2026-03-04 08:00, 2 to send" in await staff(h, "/schedule")
        await at(h, _utc(4, 7, 59))
        assert sum(got(h, u, "Cups half price") for u in (ann, ben, cat, dan)) == 0
        await at(h, _utc(4, 8, 0))
        assert [got(h, u, "Cups half price") for u in (ann, ben, cat, dan)] == [1, 1, 0, 0]
        report = await staff(h, f"/broadcast {second}")
        assert "4 messages: sent 2, planned 0, skipped 2" in report and "Delayed" not in report, report

        # Days later nothing more arrives; every member got each campaign at most once.
        await at(h, _utc(6, 12, 0))
        assert [(got(h, u, "Spring"), got(h, u, "Cups")) for u in (ann, ben, cat, dan)] == [
            (1, 1), (1, 1), (0, 0), (1, 0)]
        assert h.emu.rate_violations == []


async def test_two_campaigns_held_by_the_same_night_go_out_a_cap_apart(db_url: str) -> None:
    async with harness(db_url, limits=True) as h:
        fans = await members(h, "vip", "Fay", "Gus", "Hal")
        hal = fans[2]
        early = broadcast_id(await staff(h, "/campaign tag:vip | Early bird at=23:10"))
        late = broadcast_id(await staff(h, "/campaign tag:vip | Night owl at=23:50"))
        await at(h, _utc(2, 23, 55))
        assert "Delayed by quiet hours: 3" in await staff(h, f"/broadcast {late}")
        # Hal opts out during the night: his delayed messages are skipped when they come due.
        await h.say(hal, "/stop_promos")
        # 08:00: both are due at once; the first planned goes, the other waits for the cap.
        await at(h, _utc(3, 8, 0))
        assert [(got(h, u, "Early bird"), got(h, u, "Night owl")) for u in fans] == [(1, 0), (1, 0), (0, 0)]
        report = await staff(h, f"/broadcast {late}")
        assert "Delayed by the frequency cap: 2 (next at 2026-03-04 08:00)" in report, report
        assert "Skipped: opted out 1" in report, report
        assert "sent 2, planned 0, skipped 1" in await staff(h, f"/broadcast {early}")
        await at(h, _utc(4, 8, 0))
        assert [(got(h, u, "Early bird"), got(h, u, "Night owl")) for u in fans] == [(1, 1), (1, 1), (0, 0)]
        assert h.emu.rate_violations == []


async def test_a_wakeups_second_message_follows_the_first_after_its_delay(db_url: str) -> None:
    async with harness(db_url, limits=True) as h:
        (eve,) = await members(h, "sleepy", "Eve")
        reply = await staff(h, "/campaign wakeup tag:sleepy | We miss you! | 20% off this week at=10:00 after=2d")
        assert "second message goes from 2026-03-04 10:00" in reply, reply
        await at(h, _utc(2, 10, 0))
        assert (got(h, eve, "We miss you!"), got(h, eve, "20% off")) == (1, 0)
        await at(h, _utc(4, 9, 59))
        assert got(h, eve, "20% off") == 0
        await at(h, _utc(4, 10, 0))
        assert (got(h, eve, "We miss you!"), got(h, eve, "20% off")) == (1, 1)
        assert h.emu.rate_violations == []


# ---- recurring posts over a day ---------------------------------------------------------------------------

async def fire_post_jobs(h: Harness, since: datetime, until: datetime) -> list[datetime]:
    """Fire every recurring post's scheduler job as the scheduler would between ``since`` and ``until``
    (the job specs and their cron triggers, called as APScheduler calls them: ``func(app, *args)``), the
    engine sending after each firing; the 10:00 run fires twice. The firing times."""
    async with h.app.db.reader() as session:
        specs = [spec for spec in await jobs.jobs(h.app, session) if spec.id.startswith("schedule-post:")]
    firings: list[tuple[datetime, Any]] = []
    for spec in specs:
        moment = spec.trigger.get_next_fire_time(None, since)
        while moment is not None and moment < until:
            firings.append((moment, spec))
            moment = spec.trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    fired = []
    for moment, spec in sorted(firings, key=lambda pair: pair[0]):
        h.clock.set(moment.astimezone(UTC) + timedelta(seconds=2))
        func = ref_to_obj(spec.func)
        await func(h.app, *spec.args)
        if moment.astimezone(h.app.settings.tz).strftime("%H:%M") == "10:00":
            await func(h.app, *spec.args)  # a job that fires twice
        await engine(h).settle(limit=20)
        fired.append(moment)
    return fired


async def test_recurring_posts_reach_their_groups_once_per_run_over_a_day(db_url: str) -> None:
    async with harness(db_url, limits=True) as h:
        await h.setup_group()  # "Tea Lovers", label vip
        north = h.emu.create_group("North Shop", admins=[h.owner], bot_is_admin=True)
        south = h.emu.create_group("South Shop", admins=[h.owner], bot_is_admin=True)
        other = h.emu.create_group("Other Shop", admins=[h.owner], bot_is_admin=True)
        for group, label in ((north, "north"), (south, "south"), (other, "other")):
            await h.say(h.owner, f"/setup {label}", chat=group)
        groups = [h.group, north, south, other]
        before = {g.id: len(h.emu.sent(g.id)) for g in groups}

        def posts_in(group: Any, text: str) -> int:
            return sum(text in (m.text or "") for m in h.emu.sent(group.id)[before[group.id]:])

        h.clock.set(_utc(2, 8, 30))
        morning = await staff(h, "/schedule add daily 10:00 Deal of the day:\nLongjing to=vip,north")
        assert "daily at 10:00" in morning and "next 2026-03-02 10:00" in morning, morning
        best = await staff(h, "/schedule add daily best Evening tea to=south")
        assert "(best time)" in best and "next 2026-03-02 08:31" in best, best  # 08:30 is inside a window
        assert "Recurring post scheduled" in await staff(h, "/schedule add daily 18:30 Paused promo")
        async with h.app.db.reader() as session:
            ids = list((await session.execute(select(RecurringPost.id).order_by(RecurringPost.id))).scalars())  # type: ignore[call-overload,arg-type]
        paused_id = ids[2]
        assert "paused" in await staff(h, f"/schedule pause {paused_id}")
        listing = await staff(h, "/schedule")
        assert "next 2026-03-02 10:00" in listing and "next 2026-03-02 08:31" in listing, listing
        assert "· paused ·" in listing, listing

        # A simulated day, from 08:30 to 08:30 the next morning.
        fired = await fire_post_jobs(h, _utc(2, 8, 30), _utc(3, 8, 30))
        assert [m.astimezone(h.app.settings.tz).strftime("%H:%M") for m in fired] == ["08:31", "10:00"], fired
        assert [posts_in(g, "Deal of the day:\nLongjing") for g in groups] == [1, 1, 0, 0]
        assert [posts_in(g, "Evening tea") for g in groups] == [0, 0, 1, 0]
        listing = await staff(h, "/schedule")  # just after the 10:00 run
        assert "next 2026-03-03 10:00" in listing and "next 2026-03-03 08:31" in listing, listing
        # The paused post's job is not scheduled; fired anyway, it plans nothing.
        h.clock.set(_utc(2, 18, 30))
        assert await jobs.run_post(h.app, paused_id) is None
        await engine(h).settle(limit=20)
        assert sum(posts_in(g, "Paused promo") for g in groups) == 0
        # The next day's runs, the paused post resumed: once more each, and it to every group once.
        h.clock.set(_utc(3, 8, 30))
        assert "runs again" in await staff(h, f"/schedule resume {paused_id}")
        listing = await staff(h, "/schedule")
        assert "next 2026-03-03 10:00" in listing and "next 2026-03-03 18:30" in listing, listing
        fired = await fire_post_jobs(h, _utc(3, 8, 30), _utc(4, 8, 30))
        assert [m.astimezone(h.app.settings.tz).strftime("%H:%M") for m in fired] == ["08:31", "10:00", "18:30"]
        assert [posts_in(g, "Deal of the day") for g in groups] == [2, 2, 0, 0]
        assert [posts_in(g, "Evening tea") for g in groups] == [0, 0, 2, 0]
        assert [posts_in(g, "Paused promo") for g in groups] == [1, 1, 1, 1]
        assert h.emu.rate_violations == []
