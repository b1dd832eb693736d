"""End to end: members redeem and draw with the real bot polling the emulator over HTTP, with
Telegram's limits enforced: a rush on a reward with fewer codes than members, and draws."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import func, select

from bot.db.models import LotteryDraw, Redemption
from bot.services import ledger
from bot.services import lottery as lottery_service
from bot.services import rewards as rewards_service
from bot.views.rewards import RewardCb
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


async def _owner(h: Harness, text: str) -> str:
    before = len(h.emu.sent(h.owner.id))
    h.emu.user_sends(h.owner, text)
    return (await h.emu.wait_sent(h.owner.id, before + 1, timeout=15))[-1].text or ""


@pytest.mark.slow
async def test_a_rush_on_five_codes_and_draws_over_polling(db_url: str) -> None:
    async with polling(db_url) as h:
        assert "up to 1,000" in await _owner(h, "/points limit 1000")
        await _owner(h, "/reward add Coupon | 50")
        before = len(h.emu.sent(h.owner.id))
        h.emu.user_sends_document(h.owner, "codes.csv", "\n".join(f"C-{i}" for i in range(5)).encode(),
                                  caption="/reward codes 1")
        assert "5 codes added" in ((await h.emu.wait_sent(h.owner.id, before + 1, timeout=15))[-1].text or "")
        await _owner(h, "/lottery add none | 1")
        await _owner(h, "/lottery add Tea | 1 | stock=3")
        members = [h.emu.create_user(f"Member {i}", language_code="zh-CN" if i % 2 else "en") for i in range(12)]
        prompts: list[int] = []
        for m in members:
            h.emu.user_sends(m, "/start")
            await h.emu.wait_sent(m.id, 1, timeout=15)
            assert "+100" in await _owner(h, f"/points {m.id} +100 launch gift")
            await h.emu.wait_sent(m.id, 2, timeout=15)  # told privately, with the reason
            h.emu.user_sends(m, "/rewards")
            shop = (await h.emu.wait_sent(m.id, 3, timeout=15))[-1]
            ask = h.emu.press_button(m, shop.message_id, h.emu.chats[m.id], RewardCb(action="ask", id=1).pack())
            await h.emu.wait_callback_answer(ask, timeout=15)
            prompt = (await h.emu.wait_sent(m.id, 4, timeout=15))[-1]
            prompts.append(prompt.message_id)
        # Everyone confirms at once, some twice.
        taps = [h.emu.press_button(m, p, h.emu.chats[m.id], RewardCb(action="ok", id=1).pack())
                for m, p in zip(members, prompts, strict=True)]
        taps += [h.emu.press_button(m, p, h.emu.chats[m.id], RewardCb(action="ok", id=1).pack())
                 for m, p in zip(members[:4], prompts[:4], strict=True)]
        answers = await asyncio.gather(*(h.emu.wait_callback_answer(t, timeout=30) for t in taps))
        assert all(a["text"] for a in answers)
        assert sum("Redeemed" in a["text"] or "兑换成功" in a["text"] for a in answers) == 5
        # Draws: the first three are guaranteed the tea (the cheapest prize in stock), then it is gone.
        for m in members[:5]:
            before = len(h.emu.sent(m.id))
            h.emu.user_sends(m, "/draw")
            await h.emu.wait_sent(m.id, before + 1, timeout=15)
        async with h.app.db.reader() as session:
            codes = (await session.execute(select(func.count(func.distinct(Redemption.code))))).scalar_one()
            tea = (await session.execute(select(func.count()).select_from(LotteryDraw).where(
                LotteryDraw.prize_name == "Tea"))).scalar_one()  # type: ignore[arg-type]
            assert codes == 5 and tea == 3
            assert await ledger.audit(session) == []
            assert await rewards_service.accounting(session) == []
            assert await lottery_service.accounting(session) == []
        assert h.emu.rate_violations == []
