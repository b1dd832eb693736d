"""End to end: the real bot polling the emulator over HTTP, with Telegram's limits enforced."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.db.models import Checkin, LedgerEntry
from bot.demo import run_demo
from bot.services import ledger
from bot.views.checkin import CheckinCb
from tests.harness import Harness, harness


@asynccontextmanager
async def polling(db_url: str) -> AsyncIterator[Harness]:
    async with harness(db_url, limits=True, http=True) as h:
        task = asyncio.create_task(h.dp.start_polling(h.bot, handle_signals=False, polling_timeout=1))
        try:
            yield h
        finally:
            await h.dp.stop_polling()
            await task


async def _setup(h: Harness) -> int:
    before = len(h.emu.sent(h.group.id))
    h.emu.user_sends(h.owner, "/setup vip", chat=h.group)
    await h.emu.wait_sent(h.group.id, before + 1)
    h.emu.user_sends(h.owner, "/checkin_post", chat=h.group)
    posts = await h.emu.wait_sent(h.group.id, before + 2)
    return posts[-1].message_id


@pytest.mark.slow
async def test_200_members_tap_check_in_at_once(db_url: str) -> None:
    async with polling(db_url) as h:
        post = await _setup(h)
        members = [h.emu.create_user(f"Member {i}", language_code="zh-CN" if i % 3 else "en") for i in range(200)]
        for m in members:
            h.emu.add_member(h.group, m)
        taps = [h.emu.press_button(m, post, h.group, CheckinCb().pack()) for m in members]
        # Some members also type in the group; their replies must be coalesced, not flood it.
        for m in members[:40]:
            h.emu.user_sends(m, "签到", chat=h.group)
        answers = await asyncio.gather(*(h.emu.wait_callback_answer(t, timeout=30) for t in taps))
        assert all(a["text"] for a in answers)
        assert sum("+5" in (a["text"] or "") for a in answers) == 200
        await h.app.coalescer.flush()
        async with h.app.db.session() as session:
            assert (await session.execute(select(func.count()).select_from(Checkin))).scalar() == 200
            assert (await session.execute(select(func.sum(LedgerEntry.amount)))).scalar() == 1000
            assert await ledger.audit(session) == []
        group_messages = h.emu.sent(h.group.id)
        # Set-up reply, the post, and coalesced summaries: far fewer than the 40 people who typed.
        assert 3 <= len(group_messages) <= 20
        assert sum((m.text or "").count("今天已签到") + (m.text or "").count("already checked in")
                   for m in group_messages) == 40
        assert h.emu.rate_violations == []


async def test_a_duplicated_update_is_credited_once_and_changes_nothing_visible(db_url: str) -> None:
    async with polling(db_url) as h:
        post = await _setup(h)
        ann = h.emu.create_user("Ann", language_code="en")
        cq = h.emu.press_button(ann, post, h.group, CheckinCb().pack())
        first = await h.emu.wait_callback_answer(cq)
        assert "+5" in first["text"]
        h.emu.push_update(dict(h.emu.last_update))  # Telegram delivers the very same update again
        # A redelivered group check-in, too, and then a marker: once the marker is answered, the
        # duplicates have been through the bot.
        bob, cleo = h.emu.create_user("Bob", language_code="en"), h.emu.create_user("Cleo", language_code="en")
        before = len(h.emu.sent(h.group.id))
        said = h.emu.user_sends(bob, "/checkin", chat=h.group)
        await h.emu.wait_sent(h.group.id, before + 1)
        h.emu.push_update(dict(said))
        marker = h.emu.press_button(cleo, post, h.group, CheckinCb().pack())
        await h.emu.wait_callback_answer(marker)
        await h.emu.wait_until(lambda: not h.emu.pending_updates)
        await h.app.coalescer.flush()
        # The copies changed nothing visible: no second popup (Telegram would refuse it), no new line.
        answers = [c for c in h.emu.calls
                   if c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == cq]
        assert len(answers) == 1 and all(c.ok for c in h.emu.calls if c.method == "answerCallbackQuery")
        assert [m.text for m in h.emu.sent(h.group.id)[before:]] == [h.emu.sent(h.group.id)[before].text]
        assert "Bob +5" in (h.emu.sent(h.group.id)[before].text or "")
        async with h.app.db.session() as session:
            assert await ledger.balance_of(session, ann.id) == 5
            assert (await session.execute(select(func.count()).select_from(LedgerEntry))).scalar() == 3


async def test_private_replies_respect_one_message_per_second(db_url: str) -> None:
    async with polling(db_url) as h:
        ann = h.emu.create_user("Ann", language_code="en")
        for _ in range(5):
            h.emu.user_sends(ann, "/me")
        await h.emu.wait_sent(ann.id, 5, timeout=15)
        assert h.emu.rate_violations == []
        times = [m.t for m in h.emu.sent(ann.id)]
        assert times[-1] - times[0] >= 1.5  # a burst of 3, then about one per second


async def test_the_demo_runs_and_balances(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    assert await run_demo(out=out) == 0
    text = out.getvalue()
    assert "balanced" in text and "0 Telegram rate-limit violations" in text
    assert "已改投：Longjing" in text and "Winner: Longjing with 2 votes (67%)" in text
    assert "+199 points for this order" in text and "You reached GOLD" in text  # a tier-up
    assert "Luckiest" in text or "手气最佳" in text
    assert "签到成功" in text and "streak bonus +10" in text and "only shop staff" in text
    assert "口令不对" in text and "申请已通过" in text and "+20 points welcome gift" in text
    assert "Your code: TEA5-8K2Q" in text and "Your first draw always wins" in text and "My rewards" in text
    # Recurring posts and campaigns (issue 12, campaigns): planned, listed by /schedule.
    assert "Campaign planned: broadcast #" in text and re.search(r"campaign — next at [0-9-]+ 23:30, 1 to send", text)


async def test_check_in_across_local_midnight_and_a_streak_break(db_url: str) -> None:
    async with polling(db_url) as h:
        post = await _setup(h)
        ann = h.emu.create_user("Ann", language_code="en")

        async def tap() -> str:
            return str((await h.emu.wait_callback_answer(
                h.emu.press_button(ann, post, h.group, CheckinCb().pack())))["text"])

        h.clock.set(h.clock.now().replace(hour=15, minute=59, second=30))  # 23:59:30 in Shanghai
        assert "Streak: 1 day" in await tap()
        assert "already" in await tap()
        h.clock.advance(timedelta(minutes=1))  # 00:00:30 the next local day, same UTC day
        assert "Streak: 2 days" in await tap()
        h.clock.advance(timedelta(days=2))  # a whole local day missed
        assert "Streak: 1 day" in await tap()
        async with h.app.db.session() as session:
            assert await ledger.balance_of(session, ann.id) == 15


@pytest.mark.slow
async def test_a_red_packet_stampede_over_polling_stays_within_telegram_limits(db_url: str) -> None:
    import random

    from bot.db.models import RedPacket
    from bot.services.redpackets import accounting

    async with polling(db_url) as h:
        h.red_packets.rng = random.Random(11)
        h.red_packets.debouncer.first_delay = 0.2
        await _setup(h)
        h.emu.user_sends(h.owner, "/budget add 1000")
        await h.emu.wait_sent(h.owner.id, 1)
        before = len(h.emu.sent(h.group.id))
        h.emu.user_sends(h.owner, "/redpacket 300 50", chat=h.group)
        packet = (await h.emu.wait_sent(h.group.id, before + 1))[-1]
        data = next(b["callback_data"] for b in packet.buttons())
        members = [h.emu.create_user(f"Member {i}", language_code="zh-CN" if i % 2 else "en") for i in range(300)]
        for m in members:
            h.emu.add_member(h.group, m)
        taps = [h.emu.press_button(m, packet.message_id, h.group, data) for m in members]
        # Some members tap again while the stampede is on.
        taps += [h.emu.press_button(m, packet.message_id, h.group, data) for m in members[:30]]
        answers = await asyncio.gather(*(h.emu.wait_callback_answer(t, timeout=30) for t in taps))
        texts = [a["text"] or "" for a in answers]
        won = [t for t in texts if "You grabbed" in t or "你抢到了" in t]
        assert len(won) == 50 and all(texts)
        await h.emu.wait_until(lambda: "All 50 shares grabbed" in (h.emu.message(h.group.id, packet.message_id).text
                                                                  or ""), timeout=15)
        async with h.app.db.reader() as session:
            assert (await session.execute(select(RedPacket.grabbed_amount))).scalar_one() == 300  # type: ignore[call-overload]
            assert await ledger.audit(session) == [] and await accounting(session) == []
        edits = [c for c in h.emu.calls if c.method == "editMessageText"]
        assert 1 <= len(edits) <= 10
        assert h.emu.rate_violations == []

@pytest.mark.slow
async def test_a_wave_of_join_requests_through_long_polling(db_url: str) -> None:
    """30 applicants at once behind a password, with Telegram's limits: each is asked, each answer
    is judged once, newcomers are welcomed in a few coalesced messages and paid once."""
    from bot.db.models import JoinRequest

    async with polling(db_url) as h:
        before = len(h.emu.sent(h.group.id))
        h.emu.user_sends(h.owner, "/setup vip", chat=h.group)
        await h.emu.wait_sent(h.group.id, before + 1)
        h.emu.user_sends(h.owner, "/welcome gift=20", chat=h.group)
        h.emu.user_sends(h.owner, "/gate password=longjing attempts=1", chat=h.group)
        await h.emu.wait_sent(h.group.id, before + 3)
        applicants = [h.emu.create_user(f"Applicant {i}", language_code="zh-CN" if i % 2 else "en")
                      for i in range(30)]
        for a in applicants:
            h.emu.push_join_request(a, h.group)
        for a in applicants:
            await h.emu.wait_sent(a.id, 1, timeout=20)
        for i, a in enumerate(applicants):
            h.emu.user_sends(a, "longjing" if i % 3 else "wrong")
        await h.emu.wait_until(lambda: len(h.emu.join_request_decisions) == 30, timeout=30)
        await h.app.coalescer.flush()
        decided = {uid: d for _chat, uid, d in h.emu.join_request_decisions}
        assert [decided[a.id] for a in applicants] == ["declined" if i % 3 == 0 else "approved" for i in range(30)]
        # Telegram records a decision before the bot has finished carrying it out (gift, welcome).
        for _attempt in range(200):
            async with h.app.db.reader() as session:
                unapplied = (await session.execute(select(func.count()).select_from(JoinRequest)
                                                   .where(JoinRequest.applied == False))).scalar()  # noqa: E712
            if unapplied == 0:
                break
            await asyncio.sleep(0.05)
        await h.app.coalescer.flush()
        async with h.app.db.session() as session:
            assert (await session.execute(select(func.sum(LedgerEntry.amount))
                                          .where(LedgerEntry.reason == "welcome"))).scalar() == 20 * 20
            assert (await session.execute(select(func.count()).select_from(JoinRequest)
                                          .where(JoinRequest.applied == False))).scalar() == 0  # noqa: E712
        welcomes = [m for m in h.emu.sent(h.group.id)[before + 3:] if "👋" in (m.text or "")]
        assert 1 <= len(welcomes) <= 10
        assert not h.emu.rate_violations
