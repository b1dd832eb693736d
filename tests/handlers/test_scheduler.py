"""The daily check-in post: scheduled from the database, posted once per local day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.factory import create_app, create_bot, create_dispatcher, running
from bot.features import create_states, schedules
from scheduler.jobs.checkin import checkin_post_job_id, post_checkin
from scheduler.jobs.gate import sweep_join_requests
from scheduler.jobs.redpackets import drop_job_id, drop_packet
from scheduler.setup import SchedulerRuntime
from tests.harness import Harness, harness, wait_for


async def test_config_schedules_reschedules_and_removes_the_daily_post(db_url: str) -> None:
    async with harness(db_url) as h:
        runtime = SchedulerRuntime(h.app, schedules(), h.states)
        scheduler = runtime.scheduler
        scheduler.start(paused=True)
        try:
            await h.setup_group()
            await h.say(h.owner, "/checkin_config post=09:30", chat=h.group)
            await runtime.sync()
            job = scheduler.get_job(checkin_post_job_id(h.group.id))
            assert job is not None and job.func_ref == "scheduler.jobs.checkin:post_checkin"
            assert job.args == (h.app, h.group.id)
            assert isinstance(job.trigger, CronTrigger) and "hour='9'" in str(job.trigger)
            assert "minute='30'" in str(job.trigger) and job.misfire_grace_time >= 3600
            await h.say(h.owner, "/checkin_config post=20:00", chat=h.group)
            await runtime.sync()
            assert "hour='20'" in str(scheduler.get_job(checkin_post_job_id(h.group.id)).trigger)  # type: ignore[union-attr]
            await h.say(h.owner, "/checkin_config post=off", chat=h.group)
            await runtime.sync()
            assert scheduler.get_job(checkin_post_job_id(h.group.id)) is None
        finally:
            runtime.shutdown()


async def test_the_post_goes_out_once_per_local_day(h: Harness) -> None:
    await h.setup_group()
    before = len(h.emu.sent(h.group.id))
    assert await post_checkin(h.app, h.group.id) is True
    assert await post_checkin(h.app, h.group.id) is False  # fired twice (restart, second replica)
    posts = h.emu.sent(h.group.id)[before:]
    assert len(posts) == 1 and posts[0].button_labels() == ["✅ Check in"]
    h.clock.advance(timedelta(days=1))
    assert await post_checkin(h.app, h.group.id) is True
    assert await post_checkin(h.app, -42) is False  # not a registered group


async def test_jobs_are_rebuilt_from_the_database_at_start(db_url: str) -> None:
    async with harness(db_url, http=True) as h:  # a restart: a second bot from the settings
        await h.setup_group()
        await h.say(h.owner, "/checkin_config post=08:15", chat=h.group)
        settings, clock = h.app.settings, h.app.clock
        # A fresh process (same database): start-up registers the job again.
        bot = create_bot(settings, settings.bot_token.get_secret_value())  # type: ignore[union-attr]
        app = create_app(settings, bot, clock=clock)
        states = create_states(app)
        create_dispatcher(app, states)
        try:
            async with running(app, bot, states) as runtime:
                assert runtime is not None
                job = runtime.scheduler.get_job(checkin_post_job_id(h.group.id))
                assert job is not None and "minute='15'" in str(job.trigger)
        finally:
            await bot.session.close()


async def test_red_packet_drops_are_scheduled_made_once_and_caught_up_after_a_restart(db_url: str) -> None:
    import random

    from sqlalchemy import func, select

    from bot.db.models import RedPacket
    from bot.services import ledger
    async with harness(db_url, http=True) as h:  # a restart: a second bot from the settings
        h.red_packets.rng = random.Random(3)
        runtime = SchedulerRuntime(h.app, schedules(), h.states)
        scheduler = runtime.scheduler
        scheduler.start(paused=True)
        try:
            await h.setup_group()
            await h.say(h.owner, "/budget add 1000")
            await h.say(h.owner, "/redpacket_schedule daily 09:30 100 10", chat=h.group)
            assert "Scheduled red packet #1: daily at 09:30" in h.texts_to(h.group.id)[-1]
            await h.say(h.owner, "/redpacket_schedule once 2026-03-01 10:00 100 10", chat=h.group)
            assert "not a valid schedule" in h.texts_to(h.group.id)[-1]  # in the past
            await h.say(h.owner, "/redpacket_schedule weekly 10:00 1 1", chat=h.group)
            assert "Usage" in h.texts_to(h.group.id)[-1]
            await runtime.sync()
            job = scheduler.get_job(drop_job_id(1))
            assert job is not None and job.func_ref == "scheduler.jobs.redpackets:drop_packet"
            assert "minute='30'" in str(job.trigger)
            await h.say(h.owner, "/redpacket_schedule list", chat=h.group)
            assert "#1: daily at 09:30, 100 points in 10 shares" in h.texts_to(h.group.id)[-1]
        finally:
            runtime.shutdown()
        # 09:31: the drop fires (twice: a restart, a second replica) and is made once.
        h.clock.advance(timedelta(minutes=31))
        assert await drop_packet(h.app, 1, red_packets=h.red_packets) is True
        assert await drop_packet(h.app, 1, red_packets=h.red_packets) is False
        posts = [m for m in h.emu.sent(h.group.id) if "Red packet" in (m.text or "")]
        assert len(posts) == 1 and posts[0].button_labels() == ["🧧 Grab"]
        # The next day the bot is down at 09:30 and back at 10:00; it also missed yesterday's expiry.
        h.clock.advance(timedelta(days=1, minutes=29))
        bot = create_bot(h.app.settings, h.app.settings.bot_token.get_secret_value())  # type: ignore[union-attr]
        app = create_app(h.app.settings, bot, clock=h.clock)
        states = create_states(app)
        states["red_packets"].rng = random.Random(4)
        create_dispatcher(app, states)
        try:
            async with running(app, bot, states):
                async with app.db.reader() as session:
                    rows = (await session.execute(select(RedPacket.status, RedPacket.refunded, RedPacket.message_id)
                                                  .order_by(RedPacket.id))).all()
                    budget = await ledger.balance_of(session, ledger.SHOP_ACCOUNT)
                    count = (await session.execute(select(func.count()).select_from(RedPacket))).scalar_one()
                await states["red_packets"].debouncer.flush()
                assert count == 2
                assert rows[0][:2] == ("expired", 100) and rows[1][0] == "open" and rows[1][2] is not None
                assert budget == 1000 - 100
                first = h.emu.message(h.group.id, posts[0].message_id).text or ""
                assert "100 points returned to the shop" in first
        finally:
            await bot.session.close()


async def test_a_daily_post_missed_while_down_is_made_at_start_once(db_url: str) -> None:
    async with harness(db_url, http=True) as h:  # a restart: a second bot from the settings
        await h.setup_group()
        await h.say(h.owner, "/checkin_config post=09:00", chat=h.group)
        h.clock.advance(timedelta(minutes=45))  # 09:45: the bot was down at 09:00
        for _ in range(2):  # two restarts: one post
            bot = create_bot(h.app.settings, h.app.settings.bot_token.get_secret_value())  # type: ignore[union-attr]
            app = create_app(h.app.settings, bot, clock=h.clock)
            states = create_states(app)
            create_dispatcher(app, states)
            try:
                async with running(app, bot, states):
                    pass
            finally:
                await bot.session.close()
        posts = [m for m in h.emu.sent(h.group.id) if m.button_labels() == ["✅ Check in"]]
        assert len(posts) == 1


async def test_start_up_reconciles_join_requests_and_schedules_the_sweep(db_url: str) -> None:
    from scheduler.jobs.gate import JOIN_SWEEP_ID

    async with harness(db_url, http=True) as h:  # a restart: a second bot from the settings
        await h.setup_group()
        await h.say(h.owner, "/gate password=x timeout=5m", chat=h.group)
        ann = h.emu.create_user("Ann")
        await h.feed(h.emu.push_join_request(ann, h.group))
        assert "password" in h.texts_to(ann.id)[-1]
        await h.say(ann, "y")  # a wrong guess: she has written to the bot, so it may answer her later
        # The bot goes down with Ann's request pending; it comes back after the timeout.
        h.clock.advance(timedelta(minutes=10))
        settings = h.app.settings
        bot = create_bot(settings, settings.bot_token.get_secret_value())  # type: ignore[union-attr]
        app = create_app(settings, bot, clock=h.clock)
        states = create_states(app)
        create_dispatcher(app, states)
        try:
            async with running(app, bot, states) as runtime:
                assert runtime is not None
                job = runtime.scheduler.get_job(JOIN_SWEEP_ID)
                assert job is not None and job.func_ref == "scheduler.jobs.gate:sweep_join_requests"
                assert h.emu.join_request_decisions == [(h.group.id, ann.id, "declined")]
                assert "not completed in time" in h.texts_to(ann.id)[-1]
                assert await sweep_join_requests(h.app) == 0  # the periodic job finds nothing left to do
        finally:
            await bot.session.close()
        assert h.emu.join_request_decisions == [(h.group.id, ann.id, "declined")]


async def test_a_schedule_committed_by_a_process_without_a_scheduler_fires_in_the_scheduler_process(
        db_url: str) -> None:
    async with harness(db_url, http=True) as h:  # no scheduler here, as in a second replica of the bot
        await h.setup_group()
        await h.say(h.owner, "/budget add 1000")
        settings = h.app.settings
        bot = create_bot(settings, settings.bot_token.get_secret_value())  # type: ignore[union-attr]
        app = create_app(settings, bot, clock=h.clock)  # the one process that runs the scheduler
        states = create_states(app)
        create_dispatcher(app, states)
        try:
            async with running(app, bot, states, sync_every=0.2) as runtime:
                assert runtime is not None
                scheduler = runtime.scheduler
                ids = (checkin_post_job_id(h.group.id), drop_job_id(1))
                assert all(scheduler.get_job(job_id) is None for job_id in ids)
                # The other process commits a daily post and a daily drop; it has no scheduler to tell.
                await h.say(h.owner, "/checkin_config post=09:30", chat=h.group)
                await h.say(h.owner, "/redpacket_schedule daily 09:40 100 10", chat=h.group)
                await wait_for(lambda: all(scheduler.get_job(job_id) is not None for job_id in ids), timeout=3)
                post_job = scheduler.get_job(ids[0])
                assert post_job is not None and "minute='30'" in str(post_job.trigger)
                # 09:40 comes: both jobs fire in the scheduler's process, and post in the group.
                h.clock.advance(timedelta(minutes=40))
                for job_id in ids:
                    scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))

                def posted(label: str) -> bool:
                    return any(m.button_labels() == [label] for m in h.emu.sent(h.group.id))

                await wait_for(lambda: posted("✅ Check in") and posted("🧧 Grab"), timeout=5)
                await states["red_packets"].debouncer.flush()
                # Changes committed elsewhere reach the scheduler too: a new time, a cancelled drop.
                await h.say(h.owner, "/checkin_config post=20:05", chat=h.group)
                await h.say(h.owner, "/redpacket_schedule cancel 1", chat=h.group)
                await wait_for(lambda: scheduler.get_job(ids[1]) is None
                               and "hour='20'" in str(scheduler.get_job(ids[0]).trigger), timeout=3)  # type: ignore[union-attr]
        finally:
            await bot.session.close()
        posts = [m for m in h.emu.sent(h.group.id) if m.button_labels() in (["✅ Check in"], ["🧧 Grab"])]
        assert len(posts) == 2
