"""Votes through the real Dispatcher and the emulator, on SQLite and PostgreSQL: staff start, close,
cancel, list and read votes; members tap, change, toggle; refusals, bad input, redelivered updates."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, LedgerEntry, Order, Vote, VoteChoice
from bot.emulator import EmuUser
from bot.views.votes import VoteCb
from games.points import Reason
from tests.factories import NOW, assert_books_balance, balance, count, member, staff_says
from tests.harness import Harness


async def _start(h: Harness, text: str) -> int:
    """Staff start a vote; returns its post's message id."""
    await h.say(h.owner, text, chat=h.group)
    post = h.emu.sent(h.group.id)[-1]
    assert post.buttons(), post.text
    return post.message_id


async def _tap(h: Harness, user: EmuUser, post: int, vote_id: int, option: int) -> dict[str, object]:
    return await h.tap(user, post, VoteCb(id=vote_id, o=option).pack())


def _post_text(h: Harness, post: int) -> str:
    return h.emu.message(h.group.id, post).text or ""


async def test_a_full_vote_with_a_changed_vote_and_the_results(h: Harness) -> None:
    await h.setup_group()
    post = await _start(h, "/vote Which tea next? | Longjing | Tieguanyin @TGY-250 | Pu-erh reward=5 deadline=2h")
    message = h.emu.sent(h.group.id)[-1]
    assert message.button_labels() == ["Longjing", "Tieguanyin", "Pu-erh"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in message.buttons())
    assert "Vote #1" in (message.text or "") and "5 points for each member who votes" in (message.text or "")
    assert "2026-03-02 11:00" in (message.text or "")  # the deadline in shop time
    ann, bob, cat = (member(h, n) for n in ("Ann", "Bob <&> Co", "Cat"))
    first = await _tap(h, ann, post, 1, 1)
    assert "Your vote: Longjing" in str(first["text"]) and "5 points at the close" in str(first["text"])
    await _tap(h, bob, post, 1, 2)
    changed = await _tap(h, ann, post, 1, 3)
    assert "Vote changed to: Pu-erh" in str(changed["text"])
    await _tap(h, cat, post, 1, 3)
    await h.settle()  # the debounced tally edit
    text = _post_text(h, post)
    assert "3. Pu-erh — 2 (67%)" in text and "1. Longjing — 0 (0%)" in text and "3 members have voted" in text
    assert await balance(h, ann) == 0  # paid at the close
    await h.say(h.owner, "/vote_close 1", chat=h.group)
    results = h.texts_to(h.group.id)[-1]
    assert "Results of vote #1" in results and "Winner: Pu-erh with 2 votes (67%)" in results
    assert "3 voters received 5 points each" in results
    assert h.emu.message(h.group.id, post).buttons() == []  # the post lost its buttons
    assert [await balance(h, p) for p in (ann, bob, cat)] == [5, 5, 5]
    assert "closed" in str((await _tap(h, bob, post, 1, 1))["text"])
    await h.say(h.owner, "/vote_close 1", chat=h.group)
    assert "Vote #1 is closed: nothing was changed" in h.texts_to(h.group.id)[-1]
    assert await count(h, LedgerEntry, LedgerEntry.reason == str(Reason.VOTE)) == 3  # type: ignore[arg-type]
    async with h.app.db.reader() as session:
        actions = (await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars().all()  # type: ignore[arg-type]
    assert [a for a in actions if a.startswith("vote.")] == ["vote.start", "vote.close"]
    await assert_books_balance(h)


async def test_customers_are_refused_and_bad_commands_get_a_clear_answer(h: Harness) -> None:
    await h.setup_group()
    ann = member(h, "Ann")
    for command in ("/vote Q | A | B", "/vote_close 1", "/vote_cancel 1", "/votes", "/vote_results 1"):
        await h.say(ann, command, chat=h.group)
        assert "only shop staff" in h.texts_to(h.group.id)[-1], command
    await h.say(ann, "/vote_results 1")
    assert "only shop staff" in h.texts_to(ann.id)[-1]
    cases = {
        "/vote": "Usage",
        "/vote    ": "Usage",
        "/vote Which?": "2 to 10 options",
        "/vote Q | A": "2 to 10 options",
        "/vote Q | A | | B": "need some text",
        "/vote Q | A | a": "“a” is there twice",
        "/vote Q | A | B deadline=9y": "deadline “9y” is not valid",
        "/vote Q | A | B deadline=2026-03-01 10:00": "not valid",
        "/vote Q | A | B reward=-3": "reward “-3” is not valid",
        "/vote Q | A | B colour=red": "“colour=red”",
        "/vote Q | A | B show=maybe": "“show=maybe”",
        "/vote Q | A | B @no!": "not a catalogue reference",
        "/vote <b>Q</b> | A | " + "x" * 70: "too long",
        "/vote_close": "Usage: <code>/vote_close ID",
        "/vote_close abc": "Usage",
        "/vote_close 99": "There is no vote #99",
        "/vote_cancel -1": "Usage",
        "/vote_cancel 99": "There is no vote #99",
        "/vote_results": "Usage",
        "/vote_results 99": "There is no vote #99",
        "/votes extra": "Usage: <code>/votes</code>",
    }
    for command, expected in cases.items():
        await h.say(h.owner, command, chat=h.group)
        assert expected in h.texts_to(h.group.id)[-1], command
    assert await count(h, Vote) == 0
    await h.say(h.owner, "/vote Q | A | B")
    assert "shop group" in h.texts_to(h.owner.id)[-1]
    await h.say(h.owner, "/votes", chat=h.group)
    assert "No votes yet" in h.texts_to(h.group.id)[-1]
    assert await count(h, Vote) == 0


async def test_hidden_counts_multi_choice_a_tie_and_staff_results(h: Harness) -> None:
    await h.setup_group()
    post = await _start(h, "/vote Pick any | Green | Black show=end multi")
    ann, bob = member(h, "Ann"), member(h, "Bob")
    assert "Your choices: Green" in str((await _tap(h, ann, post, 1, 1))["text"])
    assert "Your choices: Green, Black" in str((await _tap(h, ann, post, 1, 2))["text"])
    await _tap(h, bob, post, 1, 2)
    assert "Your choices: Green" in str((await _tap(h, ann, post, 1, 2))["text"])  # untick Black
    await h.settle()
    text = _post_text(h, post)
    assert "counts are shown when the vote closes" in text and "%" not in text and "2 members have voted" in text
    await h.say(h.owner, "/vote_results 1", chat=h.group)
    running = h.texts_to(h.group.id)[-1]
    assert "1. Green — 1 (50%)" in running and "Still open" in running and "A tie: Green, Black" in running
    await h.say(h.owner, "/vote_results 1")  # in private, too
    assert "Results of vote #1" in h.texts_to(h.owner.id)[-1]
    await h.say(h.owner, "/vote_close #1", chat=h.group)
    results = h.texts_to(h.group.id)[-1]
    assert "A tie: Green, Black, 1 vote each (50%)" in results and "received" not in results
    assert "2. Black — 1 (50%)" in _post_text(h, post)
    await assert_books_balance(h)


async def test_cancel_lists_and_buyers_only(h: Harness) -> None:
    await h.setup_group()
    first = await _start(h, "/vote First | A | B reward=10")
    second = await _start(h, "/vote Second for buyers | A | B buyers")
    ann, bob = member(h, "Ann"), member(h, "Bob")
    await _tap(h, ann, first, 1, 1)
    refused = await _tap(h, ann, second, 2, 1)
    assert "/bind" in str(refused["text"]) and refused.get("show_alert") is True
    async with h.app.db.session() as session:
        session.add(Order(order_id="O-9", amount_cents=990, currency="CNY", paid_at=NOW, check_hash="x",
                          user_id=bob.id, bound_at=NOW, imported_at=NOW))
    assert "Your vote: B" in str((await _tap(h, bob, second, 2, 2))["text"])
    await h.say(h.owner, "/vote_cancel 1", chat=h.group)
    assert "Vote #1 cancelled" in h.texts_to(h.group.id)[-1]
    assert "cancelled by the shop" in _post_text(h, first) and h.emu.message(h.group.id, first).buttons() == []
    assert "cancelled" in str((await _tap(h, bob, first, 1, 2))["text"])
    await h.say(h.owner, "/vote_cancel 1", chat=h.group)
    assert "Vote #1 is cancelled: nothing was changed" in h.texts_to(h.group.id)[-1]
    listing = await staff_says(h, "/votes")
    assert "Votes in this group: 2" in listing
    assert listing.index("#2 Second for buyers — open, 1 voted") < listing.index("#1 First — cancelled, 1 voted")
    assert await balance(h, ann) == 0  # a cancelled vote pays nothing
    async with h.app.db.reader() as session:
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert "vote.cancel" in actions
    await assert_books_balance(h)


async def test_redelivered_updates_do_nothing_twice(h: Harness) -> None:
    await h.setup_group()
    command = h.emu.user_sends(h.owner, "/vote Toggle | A | B multi reward=2", chat=h.group)
    await h.feed(command)
    await h.settle()
    await h.feed_after_restart(command)  # the command delivered again after a restart
    await h.settle()
    assert await count(h, Vote) == 1
    post = h.emu.sent(h.group.id)[-1].message_id
    ann = member(h, "Ann")
    await _tap(h, ann, post, 1, 1)
    tap = h.emu.last_update
    await _tap(h, ann, post, 1, 2)
    await h.feed_after_restart(tap)  # an older tap delivered again: not toggled off
    async with h.app.db.reader() as session:
        chosen = sorted((await session.execute(select(VoteChoice.option_no))).scalars().all())  # type: ignore[arg-type]
    assert chosen == [1, 2]
    await h.say(h.owner, "/vote_close 1", chat=h.group)
    await h.feed_after_restart(h.emu.last_update)  # the close delivered again
    assert await balance(h, ann) == 2
    await assert_books_balance(h)


async def test_members_read_their_own_language(h: Harness) -> None:
    await h.setup_group()
    post = await _start(h, "/vote 哪款茶？ | 龙井 | 铁观音 reward=1")
    ming = h.emu.create_user("小明", language_code="zh-hans")
    h.emu.add_member(h.group, ming)
    answer = await _tap(h, ming, post, 1, 2)
    assert "你投给了：铁观音" in str(answer["text"]) and "结束时得 1 积分" in str(answer["text"])


async def test_an_open_vote_follows_its_group_to_the_supergroup(h: Harness) -> None:
    ann = h.emu.create_user("Ann", language_code="en")
    basic = h.emu.create_group("Corner Shop", members=[ann], admins=[h.owner], bot_is_admin=True, supergroup=False)
    await h.say(h.owner, "/setup", chat=basic)
    await h.say(h.owner, "/vote Q | A | B reward=1", chat=basic)
    old_post = h.emu.sent(basic.id)[-1].message_id
    await h.tap(ann, old_post, VoteCb(id=1, o=2).pack(), chat=basic)
    new = h.emu.upgrade_to_supergroup(basic, by=h.owner)
    for update in h.emu.pending_updates[-2:]:
        await h.feed(update)
    await h.settle()
    post = h.emu.sent(new.id)[-1]
    assert "Vote #1" in (post.text or "") and "1 member has voted" in (post.text or "")
    assert post.button_labels() == ["A", "B"]
    answer = await h.tap(ann, post.message_id, VoteCb(id=1, o=1).pack(), chat=new)
    assert "Vote changed to: A" in str(answer["text"])
    await h.say(h.owner, "/vote_close 1", chat=new)
    assert "Winner: A" in h.texts_to(new.id)[-1] and await balance(h, ann) == 1


async def test_garbage_gets_an_answer_and_never_an_error(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await h.setup_group()
    post = await _start(h, "/vote Q | A | B")
    ann = member(h, "Ann")
    garbage = ["", " ", "|", "||||", "| | |", "0", "-0", "#", "99999999999999999999", "x" * 3000, "<b>&amp;",
               "Q | A | B deadline=", "Q | A | B = = =", "Q | A | B deadline=2026-13-40 25:61", "\u0000 | \u200b | x",
               "Q | " + " | ".join(str(i) for i in range(12)), "Q | A | B reward=99999999999999999999"]
    with caplog.at_level(logging.ERROR):
        for name in ("vote", "vote_close", "vote_cancel", "votes", "vote_results"):
            for args in garbage:
                for chat in (h.group, None):
                    target = chat or h.owner
                    before = len(h.emu.sent(target.id))
                    await h.say(h.owner, f"/{name} {args}".rstrip(), chat=chat)
                    assert len(h.emu.sent(target.id)) > before or name == "vote", (name, args)
        for data in ("vt:x:1", "vt:99999999999999999999:1", "vt:1:999", "vt:-1:1", "vt:1", "vt:1:0", "vt::"):
            answer = await h.tap(ann, post, data)
            assert answer.get("text"), data
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert await count(h, Vote) == 1


@pytest.mark.slow
async def test_a_stampede_of_taps_changes_and_redeliveries_pays_each_member_once(h: Harness) -> None:
    import asyncio

    await h.setup_group()
    post = await _start(h, "/vote Q | A | B | C reward=2")
    people = [member(h, f"M{i}") for i in range(50)]
    updates = []
    for n, person in enumerate(people):
        for option in (n % 3 + 1, (n + 1) % 3 + 1):  # a vote and a change
            h.emu.press_button(person, post, h.group, VoteCb(id=1, o=option).pack())
            updates.append(h.emu.last_update)
    again = updates[::4]  # 25 of them delivered again, to a restarted bot
    await asyncio.gather(*(h.feed(u) for u in updates), *(h.feed_after_restart(u) for u in again))
    await h.settle()
    async with h.app.db.reader() as session:
        chosen = dict((await session.execute(select(VoteChoice.user_id, VoteChoice.option_no))).all())  # type: ignore[call-overload]
    assert len(chosen) == 50
    await h.say(h.owner, "/vote_close 1", chat=h.group)
    assert "50 voters received 2 points each" in h.texts_to(h.group.id)[-1]
    assert {await balance(h, p) for p in people} == {2}
    assert await count(h, LedgerEntry, LedgerEntry.reason == str(Reason.VOTE)) == 50  # type: ignore[arg-type]
    edits = [e for e in h.emu.edits if e.message_id == post]
    assert 1 <= len(edits) <= 3  # debounced: a few edits, not one per tap
    await assert_books_balance(h)
