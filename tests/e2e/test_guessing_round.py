"""End to end: a whole price-guessing round over HTTP with long polling and Telegram's limits — hints,
tries used up, a friend brought in through the personal invite link for another try — and the
deadline, which passes while the bot is down, firing once after it restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from bot.factory import create_app, create_bot, create_dispatcher, running
from bot.features import create_states
from bot.services import guessing, ledger
from bot.views.guessing import InviteCb
from scheduler.jobs.guessing import close_job_id, close_round, jobs
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


@asynccontextmanager
async def restarted(h: Harness) -> AsyncIterator[Any]:
    """A fresh bot process on the same database and emulator, running the scheduler."""
    settings = h.app.settings
    bot = create_bot(settings, settings.bot_token.get_secret_value())  # type: ignore[union-attr]
    app = create_app(settings, bot, clock=h.clock)
    states = create_states(app)
    create_dispatcher(app, states)
    try:
        async with running(app, bot, states) as runtime:
            yield app, runtime
    finally:
        await bot.session.close()


async def test_a_round_over_http_and_its_deadline_after_a_restart(db_url: str) -> None:
    async with polling(db_url) as h:
        emu = h.emu

        async def said(user: Any, text: str, chat: Any = None, replies: int = 1) -> str:
            target = chat.id if chat is not None else user.id
            before = len(emu.sent(target))
            emu.user_sends(user, text, chat=chat)
            sent = await emu.wait_sent(target, count=before + replies, timeout=10)
            return sent[-1].text or sent[-1].caption or ""

        await said(h.owner, "/start")
        await said(h.owner, "/setup vip", chat=h.group)
        before = len(emu.sent(h.group.id))
        emu.user_sends(h.owner, "/guess Pu'er cake | ¥88 tries=1 hints=on prize=25 invites=1 deadline=30m",
                       chat=h.group)
        post = (await emu.wait_sent(h.group.id, count=before + 1, timeout=10))[-1]
        assert post.buttons()[0]["url"].endswith("?start=guess_1")
        await emu.wait_sent(h.owner.id, count=2, timeout=10)
        assert "Hidden price: 88 CNY" in (emu.sent(h.owner.id)[-1].text or "")

        ann = emu.create_user("Ann", language_code="en")
        cat = emu.create_user("Cat", language_code="zh-hans")
        for person in (ann, cat):
            emu.add_member(h.group, person)
        assert "1 try left" in await said(ann, "/start guess_1")
        assert "Lower" in (answer := await said(ann, "90")) and "last try" in answer
        offer = emu.sent(ann.id)[-1]
        cq = emu.press_button(ann, offer.message_id, emu.chats[ann.id], InviteCb(id=1).pack())
        assert "personal link" in (await emu.wait_callback_answer(cq, timeout=10))["text"]
        await emu.wait_sent(ann.id, count=len(emu.sent(ann.id)) + 1, timeout=10)
        link = next(w for w in (emu.sent(ann.id)[-1].text or "").split() if w.startswith("https://t.me/+"))
        friend = emu.create_user("Fay", language_code="en")
        before = len(emu.sent(ann.id))
        emu.push_join_request(friend, h.group, link)
        await emu.wait_sent(ann.id, count=before + 1, timeout=10)
        assert "Fay joined through your link" in (emu.sent(ann.id)[-1].text or "")
        assert "Spot on" in await said(ann, "88")
        assert "你还有 1 次机会" in await said(cat, "/start guess_1")
        assert "高一点" in await said(cat, "８０元")

        # The scheduler process knows the deadline from the database.
        async with restarted(h) as (app, _runtime):
            async with app.db.reader() as session:
                specs = await jobs(app, session)
            (spec,) = [s for s in specs if s.id == close_job_id(1)]
            assert spec.args == (1,) and "2026-03-02 01:30:00" in str(spec.trigger)

        # The bot is down at the deadline and back 10 minutes later: the round closes at start, once.
        h.clock.advance(timedelta(minutes=40))
        announced = len(emu.sent(h.group.id))
        async with restarted(h) as (app, _runtime):
            results = (await emu.wait_sent(h.group.id, count=announced + 1, timeout=10))[-1].text or ""
            assert "real price: <b>88 CNY</b>" in results and "Winner: Ann with 88 CNY" in results
            assert await close_round(app, 1) is False  # the job firing late as well
        async with restarted(h) as (app, _runtime):  # a second restart announces nothing more
            await asyncio.sleep(0.2)
            async with app.db.reader() as session:
                assert await ledger.balance_of(session, ann.id) == 25
                assert await guessing.accounting(session) == []
                assert await ledger.audit(session) == []
        assert len([m for m in emu.sent(h.group.id) if "is over" in (m.text or "")]) == 1
        assert emu.message(h.group.id, post.message_id).buttons() == []
