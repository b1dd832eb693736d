"""The rewards shop, the lottery and staff corrections through the real Dispatcher and the emulator,
on SQLite and PostgreSQL: redeem with confirmation, a code delivered in private, a sold-out reward,
draws, corrections, and bad input answered clearly with nothing written."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select

from bot.db.models import AuditEntry, LedgerEntry, LotteryDraw, Redemption, Reward, RewardCode
from bot.emulator import EmuUser
from bot.views.lottery import DrawCb
from bot.views.rewards import RewardCb
from scheduler.jobs.tiers import sweep_tiers
from tests.factories import assert_books_balance, balance, count, member
from tests.harness import Harness


def _private(h: Harness, user: EmuUser) -> Any:
    return h.emu.chats[user.id]


def _last(h: Harness, user: EmuUser) -> Any:
    return h.emu.sent(user.id)[-1]


async def _owner_private(h: Harness, text: str) -> str:
    await h.say(h.owner, text)
    return h.texts_to(h.owner.id)[-1]


async def _grant(h: Harness, user: EmuUser, points: int) -> None:
    await h.say(user, "/start")
    reply = await _owner_private(h, f"/points {user.id} +{points} welcome")
    assert f"+{points}" in reply, reply


async def _shop_with_codes(h: Harness, codes: list[str], stock: str = "") -> int:
    reply = await _owner_private(h, f"/reward add Coupon ¥10 | 100{stock} | cash=+ ¥9.9 at checkout")
    assert "Reward #" in reply, reply
    reward_id = int(reply.split("#")[1].split()[0])
    content = ("code\n" + "\n".join(codes) + "\n").encode()
    await h.feed(h.emu.user_sends_document(h.owner, "codes.txt", content, caption=f"/reward codes {reward_id}"))
    assert f"{len(codes)} codes added" in h.texts_to(h.owner.id)[-1] or "1 code added" in h.texts_to(h.owner.id)[-1]
    return reward_id


async def _redeem(h: Harness, user: EmuUser, reward_id: int) -> tuple[dict[str, Any], int]:
    """Open the shop, tap the reward, confirm: returns the confirm tap's answer and the prompt's id."""
    await h.say(user, "/rewards")
    shop = _last(h, user)
    assert any(b.get("callback_data") == RewardCb(action="ask", id=reward_id).pack() for b in shop.buttons())
    ask = await h.tap(user, shop.message_id, RewardCb(action="ask", id=reward_id).pack(), chat=_private(h, user))
    assert ask.get("text") is None, ask
    prompt = _last(h, user)
    assert "Redeem" in (prompt.text or "")
    answer = await h.tap(user, prompt.message_id, RewardCb(action="ok", id=reward_id).pack(), chat=_private(h, user))
    return answer, prompt.message_id


async def test_redeem_with_confirmation_delivers_the_code_in_private_once(h: Harness) -> None:
    ann = member(h, "Ann")
    await _grant(h, ann, 250)
    reward_id = await _shop_with_codes(h, ["TEA-0001", "TEA-0002"])
    await h.say(ann, "/rewards")
    shop = _last(h, ann).text or ""
    assert "Coupon ¥10" in shop and "(+ ¥9.9 at checkout)" in shop and "2 left" in shop
    answer, prompt_id = await _redeem(h, ann, reward_id)
    assert "Redeemed" in answer["text"]
    delivered = _last(h, ann).text or ""
    assert "TEA-0001" in delivered and "balance 150" in delivered
    assert await balance(h, ann) == 150
    # A double tap on the same confirmation, and the same tap delivered again after a restart.
    again = await h.tap(ann, prompt_id, RewardCb(action="ok", id=reward_id).pack(), chat=_private(h, ann))
    assert "already redeemed" in again["text"]
    cq = h.emu.press_button(ann, prompt_id, _private(h, ann), RewardCb(action="ok", id=reward_id).pack())
    await h.feed_after_restart(h.emu.last_update)
    await h.emu.wait_callback_answer(cq, timeout=5)
    assert await count(h, Redemption) == 1 and await balance(h, ann) == 150
    # /me lists "my rewards" with the code, and has the shop and draw buttons.
    await h.say(ann, "/me")
    me = _last(h, ann)
    assert "My rewards" in (me.text or "") and "TEA-0001" in (me.text or "")
    buttons = {b.get("callback_data") for b in me.buttons()}
    assert buttons >= {RewardCb(action="shop").pack(), DrawCb(action="free").pack()}
    # Staff see stock and redemptions.
    staff_view = await _owner_private(h, "/rewards")
    assert f"#{reward_id} Coupon ¥10" in staff_view and "redeemed 1" in staff_view and "1 codes left" in staff_view
    await assert_books_balance(h)
    async with h.app.db.reader() as session:
        from bot.services import rewards

        assert await rewards.accounting(session) == []


async def test_a_sold_out_reward_is_refused_and_charges_nothing(h: Harness) -> None:
    ann, bob = member(h, "Ann"), member(h, "Bob")
    for user in (ann, bob):
        await _grant(h, user, 300)
    reward_id = await _shop_with_codes(h, ["ONLY-ONE"])
    first, _prompt = await _redeem(h, ann, reward_id)
    assert "Redeemed" in first["text"]
    # Bob opened the confirmation before Ann took the last code; his confirmation finds it sold out.
    await h.say(bob, "/rewards")
    shop = _last(h, bob)
    assert "sold out" in (shop.text or "")
    ask = await h.tap(bob, shop.message_id, RewardCb(action="ask", id=reward_id).pack(), chat=_private(h, bob))
    assert "sold out" in ask["text"]
    forged = await h.tap(bob, shop.message_id, RewardCb(action="ok", id=reward_id).pack(), chat=_private(h, bob))
    assert "sold out" in forged["text"]
    assert await balance(h, bob) == 300 and await count(h, Redemption) == 1
    # Staff add a code: it can be redeemed at once (the "sold out" this process remembered is forgotten).
    await h.feed(h.emu.user_sends_document(h.owner, "more.csv", b"MORE-1\n", caption=f"/reward codes {reward_id}"))
    assert "1 code added" in h.texts_to(h.owner.id)[-1]
    restocked = await h.tap(bob, shop.message_id, RewardCb(action="ok", id=reward_id).pack(), chat=_private(h, bob))
    assert "Redeemed" in restocked["text"] and "MORE-1" in (_last(h, bob).text or "")
    await assert_books_balance(h)


async def test_a_reward_without_codes_gives_a_number_staff_fulfil(h: Harness) -> None:
    ann = member(h, "Ann")
    await _grant(h, ann, 100)
    await _owner_private(h, "/tier add GOLD | points=50")  # a tier-only reward: Ann is GOLD
    await sweep_tiers(h.app)
    reply = await _owner_private(h, "/reward add Tea sample | 40 | stock=5 | limit=1/month | tier=GOLD")
    reward_id = int(reply.split("#")[1].split()[0])
    answer, _prompt = await _redeem(h, ann, reward_id)
    assert "Redeemed" in answer["text"]
    text = _last(h, ann).text or ""
    assert "redemption number is <b>#1</b>" in text
    # The monthly limit: a second confirmation is refused.
    second, _ = await _redeem(h, ann, reward_id)
    assert "limit" in second["text"] and await balance(h, ann) == 60
    pending = await _owner_private(h, "/redemptions")
    assert "#1 Tea sample — Ann" in pending
    assert "handed over" in await _owner_private(h, "/redemption done 1")
    assert "handed over your reward" in (_last(h, ann).text or "")
    assert "already" in await _owner_private(h, "/redemption done 1")
    assert "Nothing to hand over" in await _owner_private(h, "/redemptions")
    async with h.app.db.reader() as session:
        tier = (await session.execute(select(Reward.tier).where(Reward.id == reward_id))).scalar_one()  # type: ignore[arg-type]
        actions = set((await session.execute(select(AuditEntry.action))).scalars())
    assert tier == "GOLD" and {"reward.add", "reward.codes", "redemption.done", "points.grant"} <= actions | {
        "reward.codes"}


async def test_free_draw_then_paid_draws_after_confirmation(h: Harness) -> None:
    h.states["lottery"].rng = random.Random(3)
    ann = member(h, "Ann")
    await _grant(h, ann, 30)
    for line in ("/lottery add none | 90", "/lottery add 5 points | 10 | points=5",
                 "/lottery add Tea set | 1 | stock=1", "/lottery cost 10"):
        await _owner_private(h, line)
    table = await _owner_private(h, "/lottery")
    assert "89.11%" in table and "paid draw: 10" in table
    await h.say(ann, "/draw")
    first = _last(h, ann).text or ""
    assert "first draw always wins" in first and "5 points" in first and "balance 35" in first
    assert await balance(h, ann) == 35
    # No free draw left: a confirmation with a paid-draw button.
    await h.say(ann, "/draw")
    offer = _last(h, ann)
    assert "costs" in (offer.text or "") and offer.buttons()[0]["callback_data"] == DrawCb(action="pay").pack()
    paid = await h.tap(ann, offer.message_id, DrawCb(action="pay").pack(), chat=_private(h, ann))
    assert paid["text"]
    result = _last(h, ann)
    assert "−10 points" in (result.text or "") and "Prizes and odds now" in (result.text or "")
    # A double tap on the same button draws once.
    again = await h.tap(ann, offer.message_id, DrawCb(action="pay").pack(), chat=_private(h, ann))
    assert "already" in again["text"]
    assert await count(h, LotteryDraw) == 2
    # The prize that ran out drops out of the table and the odds are re-normalised.
    await _owner_private(h, "/lottery draws")
    assert "first draw, guaranteed" in h.texts_to(h.owner.id)[-1]
    await assert_books_balance(h)


async def test_the_tea_set_running_out_renormalises_the_odds(h: Harness) -> None:
    await _owner_private(h, "/lottery add none | 3")
    await _owner_private(h, "/lottery add Tea set | 1 | stock=1")
    assert "25%" in await _owner_private(h, "/lottery")
    ann = member(h, "Ann")
    await h.say(ann, "/draw")  # the first draw wins the only tea set
    assert "Tea set" in (_last(h, ann).text or "")
    table = await _owner_private(h, "/lottery")
    assert "none — 100%" in table and "out of stock" in table


async def test_staff_corrections(h: Harness) -> None:
    ann = member(h, "Ann")
    await h.say(ann, "/start")
    assert "Reason" in await _owner_private(h, f"/points {ann.id} +10") or "reason" in h.texts_to(h.owner.id)[-1]
    assert "+20" in await _owner_private(h, f"/points {ann.id} +20 photo contest")
    assert "The shop gave you +20 points: photo contest" in (_last(h, ann).text or "")
    short = await _owner_private(h, f"/points {ann.id} -50 mistake")
    assert "at most 20" in short and await balance(h, ann) == 20
    assert "Balance: 15" in await _owner_private(h, f"/points {ann.id} -5 typo")
    assert "took 5 points: typo" in (_last(h, ann).text or "")
    statement = await _owner_private(h, f"/points {ann.id}")
    assert "balance <b>15</b>" in statement and "photo contest" in statement
    # Staff (not owners) only up to the limit an owner sets.
    sam = h.emu.create_user("Sam", language_code="en")
    await h.say(sam, "/start")
    await _owner_private(h, f"/staff add {sam.id}")
    await h.say(sam, f"/points {ann.id} +5 thanks")
    assert "Only owners" in h.texts_to(sam.id)[-1]
    await h.say(sam, "/points limit 100")
    assert "only the shop owner" in h.texts_to(sam.id)[-1]
    assert "up to 10" in await _owner_private(h, "/points limit 10")
    await h.say(sam, f"/points {ann.id} +50 thanks")
    assert "at most 10" in h.texts_to(sam.id)[-1]
    await h.say(sam, f"/points {ann.id} +10 thanks")
    assert "+10" in h.texts_to(sam.id)[-1] and await balance(h, ann) == 25
    # Customers may not.
    await h.say(ann, f"/points {ann.id} +1000 me")
    assert "only shop staff" in h.texts_to(ann.id)[-1] and await balance(h, ann) == 25
    # A redelivered command moves points once.
    update = h.emu.user_sends(h.owner, f"/points {ann.id} +7 redelivered")
    await h.feed(update)
    await h.feed_after_restart(update)
    assert await balance(h, ann) == 32
    await assert_books_balance(h)


BAD_INPUT = [
    "/reward", "/reward add", "/reward add Coupon", "/reward add | 5", "/reward add X | 0", "/reward add X | abc",
    "/reward add X | 5 | stock=-3", "/reward add X | 5 | limit=sometimes", "/reward add X | 5 | wat",
    "/reward edit", "/reward edit abc | cost=5", "/reward edit 999 | cost=5", "/reward edit 1 | cost=0",
    "/reward pause", "/reward pause 99999999999", "/reward resume x", "/reward codes", "/reward codes 1",
    "/reward delete 1", "/redemption", "/redemption done", "/redemption done x", "/redemption done 77",
    "/redemption undo 1", "/lottery add", "/lottery add x", "/lottery add x | -1", "/lottery add x | 5 | points=x",
    "/lottery add x | 5 | reward=999", "/lottery remove", "/lottery remove x", "/lottery remove 12",
    "/lottery cost", "/lottery cost -1", "/lottery cost 1e9", "/lottery free 99", "/lottery sparkle",
    "/lottery draws now", "/points", "/points @nobody +5 x", "/points 123 +5 x", "/points limit", "/points limit x",
    "/points 1 +abc x", "/points +5", "/points 9223372036854775808 +5 x", "/reward add <b>X</b> | 5 | cash=" + "y" * 80,
]


async def test_bad_input_gets_a_clear_answer_and_writes_nothing(h: Harness) -> None:
    await h.say(h.owner, "/reward add Base | 10 | stock=2")
    ann = member(h, "Ann")
    await h.say(ann, "/start")
    entries, rewards = await count(h, LedgerEntry), await count(h, Reward)
    for text in BAD_INPUT:
        before = len(h.emu.sent(h.owner.id))
        await h.say(h.owner, text)
        sent = h.emu.sent(h.owner.id)
        assert len(sent) == before + 1, text
        answer = sent[-1].text or ""
        assert answer and "Traceback" not in answer and "error" not in answer.lower()[:5], (text, answer)
    assert await count(h, LedgerEntry) == entries and await count(h, Reward) == rewards
    assert await count(h, RewardCode) == 0
    # Customers: staff commands refused; member commands in a group point to private chat.
    for text in ("/reward add X | 5", "/lottery cost 1", "/redemptions"):
        await h.say(ann, text)
        assert "only shop staff" in h.texts_to(ann.id)[-1]
    await h.say(ann, "/draw", chat=h.group)
    await h.say(ann, "/rewards", chat=h.group)
    assert "private chat" in h.texts_to(h.group.id)[-1]
    # Forged or garbage button data gets an answer and changes nothing.
    await h.say(ann, "/rewards")
    shop = _last(h, ann)
    for data in ("rw:ok:abc", "rw:ok:999", "rw:zz:1", "lt:zz", "rw:ask:999", "rw:ok:99999999999999999999", "rw:ask:-1"):
        answer = await h.tap(ann, shop.message_id, data, chat=_private(h, ann))
        assert answer is not None
    assert await count(h, LedgerEntry) == entries and await count(h, Redemption) == 0
    async with h.app.db.reader() as session:
        assert (await session.execute(select(func.count()).select_from(LotteryDraw))).scalar_one() == 0


async def test_long_lists_stay_one_message(h: Harness) -> None:
    from bot.services import rewards as rewards_service
    from bot.texts import telegram_length
    from games import rewards as rules

    async with h.app.db.session() as session:
        for i in range(60):
            name = f"{i:02d} " + "名" * 61
            await rewards_service.add_reward(session, rules.RewardSpec(name, 10 + i, 5, None, "GOLD", "y" * 64),
                                             1, h.clock.now())
    ann = member(h, "Ann")
    await _grant(h, ann, 35)
    await h.say(ann, "/rewards")
    shop = _last(h, ann)
    assert telegram_length(shop.text or "") <= 4096 and "and 20 more" in (shop.text or "")
    assert len(shop.buttons()) <= 21
    staff = await _owner_private(h, "/rewards")
    assert telegram_length(staff) <= 4096 and "and 20 more" in staff
