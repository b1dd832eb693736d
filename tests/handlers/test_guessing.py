"""Price guessing through the real Dispatcher and the emulator, on SQLite and PostgreSQL: the staff
commands (rights, bad input, audit), the round in private chat, guesses typed in the group, the
invite link that earns another try, and the close."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, GuessEntry, GuessRound, LedgerEntry
from bot.emulator import EmuUser
from bot.services import guessing
from bot.views.guessing import InviteCb
from scheduler.jobs.guessing import close_round
from tests.factories import assert_books_balance, balance, count, decisions, join, member
from tests.harness import Harness


async def _start(h: Harness, args: str, *, photo: bool = False) -> Any:
    """Staff start a round; returns the round's post in the group."""
    before = len(h.emu.sent(h.group.id))
    if photo:
        await h.feed(h.emu.user_sends_photo(h.owner, f"/guess {args}", chat=h.group))
        await h.settle()
    else:
        await h.say(h.owner, f"/guess {args}", chat=h.group)
    posts = h.emu.sent(h.group.id)[before:]
    return next(m for m in posts if "Guess the price" in (m.text or m.caption or ""))


async def _open(h: Harness, user: EmuUser, round_id: int = 1) -> str:
    await h.say(user, f"/start guess_{round_id}")
    return h.texts_to(user.id)[-1]


async def _guess(h: Harness, user: EmuUser, text: str) -> str:
    await h.say(user, text)
    return h.texts_to(user.id)[-1]


async def _rounds(h: Harness) -> list[Any]:
    table = GuessRound.__table__  # type: ignore[attr-defined]
    async with h.app.db.reader() as session:
        return list((await session.execute(select(table).order_by(table.c.id))).all())


async def test_staff_start_a_round_with_a_photo_and_the_price_stays_hidden(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/start")
    post = await _start(h, "Longjing 250g | ¥99.90 tries=2 hints=on prize=30 deadline=2h", photo=True)
    assert post.photo is not None and post.method == "sendPhoto"
    caption = post.caption or ""
    assert "Longjing 250g" in caption and "99" not in caption and "2 tries each" in caption
    url = post.buttons()[0]["url"]
    assert url == "https://t.me/regulars_bot?start=guess_1"
    command = [m for m in h.emu._messages[h.group.id].values() if (m.caption or "").startswith("/guess")]
    assert command and command[0].deleted  # the price is gone from the group
    assert "Hidden price: 99.90 CNY" in h.texts_to(h.owner.id)[-1]
    (row,) = await _rounds(h)
    assert (row.price_cents, row.tries, row.hints, row.prize, row.message_id) == (9990, 2, True, 30, post.message_id)
    async with h.app.db.reader() as session:
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert "guess.start" in actions


async def test_customers_are_refused_and_bad_input_gets_a_usage_answer(h: Harness) -> None:
    await h.setup_group()
    ann = member(h, "Ann")
    for command in ("/guess Tea | 5", "/guess_close 1", "/guess_cancel 1", "/guesses"):
        await h.say(ann, command, chat=h.group)
        assert "staff" in h.texts_to(h.group.id)[-1].lower(), command
    await h.say(h.owner, "/guess Tea | 5")
    assert "shop group" in h.texts_to(h.owner.id)[-1]
    cases = {
        "/guess": "Usage", "/guess Tea": "separated by", "/guess Tea | free": "not a price",
        "/guess Tea | 5 tries=99": "tries must be a whole number", "/guess Tea | 5 rule=best": "rule",
        "/guess Tea | 5 deadline=yesterday": "deadline", "/guess Tea | 5 x=1": "option “x=1”",
        "/guess Tea | 5 sparkle": "“5 sparkle” is not a price",
        "/guess_close": "Usage", "/guess_close abc": "Usage", "/guess_close 1 2": "Usage",
        "/guess_close 7": "no open round",
        "/guess_cancel": "Usage", "/guess_cancel 0": "Usage", "/guesses now": "Usage",
        "/guess " + "\u202e" * 300: "separated by", "/guess <b>x</b> | <i>": "not a price",
    }
    for command, expected in cases.items():
        await h.say(h.owner, command, chat=h.group)
        assert expected in h.texts_to(h.group.id)[-1], command
    assert await count(h, GuessRound) == 0
    await h.say(h.owner, "/guesses", chat=h.group)
    assert "No price-guessing rounds" in h.texts_to(h.group.id)[-1]


async def test_a_full_round_with_hints_exhausted_tries_and_an_invite_bonus(h: Harness) -> None:
    await h.setup_group()
    await _start(h, "Oolong | 128 tries=2 hints=on prize=40 invites=1")
    ann, bob = member(h, "Ann"), member(h, "Bob <b>")
    outsider = h.emu.create_user("Olga", language_code="en")
    assert "for the members of Tea Lovers" in await _open(h, outsider)
    assert "No such" not in (intro := await _open(h, ann)) and "You have 2 tries left" in intro
    assert "not a price" in await _guess(h, ann, "cheap") and "no try" in h.texts_to(ann.id)[-1]
    assert "Higher" in (await _guess(h, ann, "１００元"))
    answer = await _guess(h, ann, "150")
    assert "Lower" in answer and "last try" in answer and "Invite a friend" in answer
    offer = h.emu.sent(ann.id)[-1]
    assert offer.button_labels() == ["👥 Get my invite link"]
    assert "used all your tries" in await _guess(h, ann, "130")
    assert "no try" not in h.texts_to(ann.id)[-1]
    # Ann asks for her link: a named join-request link for the group.
    answer_ = await h.tap(ann, offer.message_id, InviteCb(id=1).pack(), chat=h.emu.chats[ann.id])
    assert "personal link" in answer_["text"]
    link = next(word for word in h.texts_to(ann.id)[-1].split() if word.startswith("https://t.me/+"))
    made = h.emu.invite_links[link]
    assert made["creates_join_request"] and made["name"].startswith("guess 1")
    again = await h.tap(ann, offer.message_id, InviteCb(id=1).pack(), chat=h.emu.chats[ann.id])
    assert link in h.texts_to(ann.id)[-1] and again["text"]  # the same link, not a second one
    # A new friend counts, once (Telegram sends no join request for someone already in the group).
    with pytest.raises(ValueError, match="already in"):
        h.emu.push_join_request(bob, h.group, link)
    friend = h.emu.create_user("Fay", language_code="en")
    await join(h, friend, link)
    assert decisions(h, friend) == ["approved"]
    assert "Fay joined through your link" in h.texts_to(ann.id)[-1] and "You have 1 now" in h.texts_to(ann.id)[-1]
    h.emu.add_member(h.group, friend, "left")
    await join(h, friend, link)  # leaves and comes back: no second try
    assert sum("Fay joined" in t for t in h.texts_to(ann.id)) == 1
    assert "guess 3: 128" in await _guess(h, ann, "128") and "Spot on" in h.texts_to(ann.id)[-1]
    # Bob guesses as a reply to the round's post in the group: deleted, answered privately.
    await _open(h, bob)
    post = (await _rounds(h))[0]
    assert post.message_id is not None
    update = h.emu.user_sends(bob, "127", chat=h.group, reply_to_message_id=post.message_id)
    await h.feed(update)
    await h.settle()
    assert h.emu.message(h.group.id, update["message"]["message_id"]).deleted
    assert "guess 1: 127" in h.texts_to(bob.id)[-1]
    # The deadline: Ann's exact guess wins over Bob's.
    h.clock.advance(timedelta(hours=25))
    assert await close_round(h.app, 1) is True
    assert await close_round(h.app, 1) is False  # fired twice
    results = h.texts_to(h.group.id)[-1]
    assert "real price: <b>128 CNY</b>" in results and "Winner: Ann with 128 CNY" in results
    assert "40 points paid" in results and "Bob &lt;b&gt;: 127 CNY" in results
    assert await balance(h, ann) == 40 and await balance(h, bob) == 0
    assert h.emu.message(h.group.id, post.message_id).buttons() == []
    assert "Round #1 is over" in await _open(h, bob)
    assert "Round #1" not in await _guess(h, bob, "5")  # no open round: the usual private hint
    await assert_books_balance(h)


async def test_guesses_in_the_group_without_rights_or_a_started_bot(h: Harness) -> None:
    await h.setup_group()
    post = await _start(h, "Tea | 10")
    h.emu.set_bot_rights(h.group, can_delete_messages=False)
    cat = member(h, "Cat <&>")  # never started the bot
    update = h.emu.user_sends(cat, "9.5", chat=h.group, reply_to_message_id=post.message_id)
    await h.feed(update)
    await h.settle()
    texts = h.texts_to(h.group.id)
    assert any("can't delete guesses" in t for t in texts)
    assert any("Cat &lt;&amp;&gt;: to read my answer" in t and "start=guess_1" in t for t in texts)
    assert not h.emu.message(h.group.id, update["message"]["message_id"]).deleted
    assert await count(h, GuessEntry) == 1
    await h.say(cat, "nice tea!", chat=h.group)  # chatter is left alone
    assert await count(h, GuessEntry) == 1


async def test_close_cancel_and_list(h: Harness) -> None:
    await h.setup_group()
    await _start(h, "Tea | 10 prize=5")
    await _start(h, "Cake | 20 rule=within:10%")
    ann = member(h, "Ann")
    await _open(h, ann, 2)
    assert "guess 1" in await _guess(h, ann, "17.9")
    assert "you win round #2" not in h.texts_to(ann.id)[-1]
    won = await _guess(h, ann, "21.9")
    assert "you win round #2" in won
    assert "is over" in h.texts_to(h.group.id)[-1] and "Winner: Ann" in h.texts_to(h.group.id)[-1]
    await h.say(h.owner, "/guesses", chat=h.group)
    listing = h.texts_to(h.group.id)[-1]
    assert "#2 Cake · closed" in listing and "#1 Tea · open until" in listing
    await h.say(h.owner, "/guess_cancel 1", chat=h.group)
    assert "was cancelled; no prize" in h.texts_to(h.group.id)[-1]
    await h.say(h.owner, "/guess_close 1", chat=h.group)
    assert "no open round #1" in h.texts_to(h.group.id)[-1]
    await _start(h, "Pot | 30 prize=7")
    await _open(h, ann, 3)
    await _guess(h, ann, "31")
    await h.say(h.owner, "/guess_close 3", chat=h.group)
    assert "Winner: Ann with 31 CNY" in h.texts_to(h.group.id)[-1]
    assert await balance(h, ann) == 7
    async with h.app.db.reader() as session:
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
        paid = (await session.execute(select(LedgerEntry.ref).where(LedgerEntry.user_id == ann.id))).scalars().all()
    assert {"guess.cancel", "guess.close"} <= set(actions) and sorted(paid) == ["guess:3"]
    await assert_books_balance(h)


async def test_check_in_words_and_forged_buttons_in_a_guessing_session(h: Harness) -> None:
    await h.setup_group()
    await _start(h, "Tea | 10")
    ann = member(h, "Ann")
    await _open(h, ann)
    await h.say(ann, "签到")
    assert "not a price" not in h.texts_to(ann.id)[-1]  # still a check-in
    assert await count(h, GuessEntry) == 0
    forged = await h.tap(ann, h.emu.sent(ann.id)[-1].message_id, "gi:99999999999", chat=h.emu.chats[ann.id])
    assert "no price-guessing round" in forged["text"]
    await h.say(ann, "/start guess_424242")
    assert "There is no price-guessing round #424242" in h.texts_to(ann.id)[-1]


async def test_staff_are_warned_when_the_price_cannot_be_deleted(h: Harness) -> None:
    await h.setup_group()
    h.emu.set_bot_rights(h.group, can_delete_messages=False)
    post = await _start(h, "Tea | 10")
    warning = next(t for t in h.texts_to(h.group.id) if "price is readable" in t)
    assert "/guess_cancel 1" in warning and "Delete messages" in warning
    assert "Round #1 is open" in h.texts_to(h.group.id)[-1]  # the owner never started the bot: no price here
    assert "10" not in (post.text or "")


async def test_redelivered_updates_make_no_second_round_and_cost_no_second_try(h: Harness) -> None:
    await h.setup_group()
    command = h.emu.user_sends(h.owner, "/guess Tea | 10 tries=2", chat=h.group)
    await h.feed(command)
    await h.feed_after_restart(command)  # Telegram delivers it again to a restarted bot
    await h.settle()
    assert await count(h, GuessRound) == 1
    ann = member(h, "Ann")
    await _open(h, ann)
    guess = h.emu.user_sends(ann, "9")
    await h.feed(guess)
    await h.feed_after_restart(guess)
    await h.settle()
    async with h.app.db.reader() as session:
        state = await guessing.player(session, 1, ann.id)
    assert state is not None and state.used == 1 and await count(h, GuessEntry) == 1
    assert "guess 1: 9 CNY" in h.texts_to(ann.id)[-1]


async def test_open_rounds_are_posted_again_when_the_group_becomes_a_supergroup(h: Harness) -> None:
    ann = h.emu.create_user("Ann", language_code="en")
    basic = h.emu.create_group("Corner Shop", members=[ann], admins=[h.owner], supergroup=False)
    await h.say(h.owner, "/setup corner", chat=basic)
    await h.say(h.owner, "/guess Tea | 10", chat=basic)
    assert any("Guess the price" in t for t in h.texts_to(basic.id))
    new = h.emu.upgrade_to_supergroup(basic, by=h.owner)
    for update in h.emu.pending_updates[-2:]:
        await h.feed(update)
    await h.settle()
    (repost,) = [m for m in h.emu.sent(new.id) if "Guess the price" in (m.text or "")]
    (row,) = await _rounds(h)
    assert row.chat_id == new.id and row.message_id == repost.message_id
    update = h.emu.user_sends(ann, "11", chat=new, reply_to_message_id=repost.message_id)
    await h.feed(update)
    await h.settle()
    assert await count(h, GuessEntry) == 1


async def test_a_friend_who_fails_the_entry_thresholds_earns_nothing(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/gate password=secret attempts=1", chat=h.group)
    await _start(h, "Tea | 10 tries=1")
    ann = member(h, "Ann")
    await _open(h, ann)
    await _guess(h, ann, "9")
    offer = h.emu.sent(ann.id)[-1]
    await h.tap(ann, offer.message_id, InviteCb(id=1).pack(), chat=h.emu.chats[ann.id])
    link = next(word for word in h.texts_to(ann.id)[-1].split() if word.startswith("https://t.me/+"))
    # The friend sends a password guess (not a price): the gate, not the round, takes it.
    friend = h.emu.create_user("Gus", language_code="en")
    await join(h, friend, link)
    await _open(h, friend)  # not a member yet: told to join first
    await h.say(friend, "12")
    assert decisions(h, friend) == ["declined"]
    assert not any("Gus joined" in t for t in h.texts_to(ann.id))
    async with h.app.db.reader() as session:
        state = await guessing.player(session, 1, ann.id)
    assert state is not None and state.bonus == 0
    assert await count(h, GuessEntry) == 1
