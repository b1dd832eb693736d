"""Check-in through the real Dispatcher, talking HTTP to the emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import AuditEntry, Checkin, Group, LedgerEntry, Member, Streak
from bot.services import ledger
from tests.factories import balance, count
from tests.harness import Harness


async def _post(h: Harness) -> int:
    await h.say(h.owner, "/checkin_post", chat=h.group)
    return h.emu.sent(h.group.id)[-1].message_id


async def test_owner_registers_a_group(h: Harness) -> None:
    await h.setup_group()
    assert "is now a shop group" in h.texts_to(h.group.id)[-1]
    async with h.app.db.session() as session:
        group = await session.get(Group, h.group.id)
        assert group is not None and group.label == "vip" and group.title == "Tea Lovers"
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert "group.setup" in actions


async def test_setup_needs_the_bot_to_be_admin(h: Harness) -> None:
    h.emu.set_bot_admin(h.group, False)
    await h.setup_group()
    assert "administrator" in h.texts_to(h.group.id)[-1]
    assert await count(h, Group) == 0


async def test_customers_are_refused_staff_commands(h: Harness) -> None:
    carol = h.emu.create_user("Carol", language_code="en")
    h.emu.add_member(h.group, carol)
    for command in ("/setup", "/checkin_config base=100", "/checkin_post"):
        await h.say(carol, command, chat=h.group)
        assert "only shop staff" in h.texts_to(h.group.id)[-1]
    await h.say(carol, "/staff add 5")
    assert "only the shop owner" in h.texts_to(carol.id)[-1]
    assert await count(h, Group) == 0


async def test_button_check_in_answers_with_a_popup_and_credits_once(h: Harness) -> None:
    await h.setup_group()
    post = await _post(h)
    ann = h.emu.create_user("Ann", language_code="en")
    first = await h.tap(ann, post)
    assert "+5 points" in first["text"] and "Balance: 5" in first["text"]
    again = await h.tap(ann, post)
    assert "already checked in" in again["text"]
    assert await balance(h, ann.id) == 5
    assert await count(h, LedgerEntry) == 1


async def test_the_same_update_delivered_twice_credits_once(h: Harness) -> None:
    await h.setup_group()
    post = await _post(h)
    ann = h.emu.create_user("Ann", language_code="en")
    h.emu.press_button(ann, post, h.group, "ci")
    update = h.emu.last_update
    await asyncio.gather(h.feed(update), h.feed_after_restart(update))
    assert await balance(h, ann.id) == 5
    assert await count(h, Checkin) == 1


async def test_group_commands_are_coalesced_into_one_message(h: Harness) -> None:
    await h.setup_group()
    members = [h.emu.create_user(name, language_code="en") for name in ("Ann", "<b>Bob</b> & Co", "Cleo")]
    before = len(h.emu.sent(h.group.id))
    updates = [h.emu.user_sends(m, "/checkin", chat=h.group) for m in members]
    updates.append(h.emu.user_sends(members[0], "check in", chat=h.group))
    await asyncio.gather(*(h.feed(u) for u in updates))
    await h.settle()
    sent = h.emu.sent(h.group.id)[before:]
    assert len(sent) == 1
    text = sent[0].text or ""
    assert "Ann +5" in text and "Cleo +5" in text
    # Ann's second check-in in the same window adds no line (one line per member and day).
    assert "Check-ins</b> (3)" in text and "already checked in" not in text
    assert "&lt;b&gt;Bob&lt;/b&gt; &amp; Co +5" in text  # escaped, and the emulator accepted the HTML


async def test_check_in_across_local_midnight_and_a_broken_streak(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/checkin_config base=5 streak2=10", chat=h.group)
    post = await _post(h)
    ann = h.emu.create_user("Ann", language_code="en")
    # 23:59 in Shanghai (15:59 UTC): still day 1.
    h.clock.set(h.clock.now().replace(hour=15, minute=59))
    assert "+5 points" in (await h.tap(ann, post))["text"]
    assert "already" in (await h.tap(ann, post))["text"]
    # Two minutes later it is the next local day (though still the same UTC day).
    h.clock.advance(timedelta(minutes=2))
    second = (await h.tap(ann, post))["text"]
    assert "+15 points" in second and "Streak: 2 days" in second
    # Skip a whole local day: the streak starts again.
    h.clock.advance(timedelta(days=2))
    third = (await h.tap(ann, post))["text"]
    assert "+5 points" in third and "Streak: 1 day." in third
    async with h.app.db.session() as session:
        member, streak = await session.get(Member, ann.id), await session.get(Streak, ann.id)
        assert member is not None and streak is not None
        assert (member.balance, streak.streak, streak.checkins_total) == (25, 1, 3)
        assert await ledger.audit(session) == []


async def test_private_check_in_and_me_card(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/checkin_config base=7", chat=h.group)
    ann = h.emu.create_user("Ann", language_code="en")
    await h.say(ann, "/checkin")
    assert "+7" in h.texts_to(ann.id)[-1]  # in private chat the shop's first group's rules apply
    await h.say(ann, "/checkin")
    assert "already checked in" in h.texts_to(ann.id)[-1]
    await h.say(ann, "/me")
    card = h.texts_to(ann.id)[-1]
    assert "Balance: <b>7</b>" in card and "check-in" in card and "✅" in card


async def test_chinese_speakers_get_chinese(h: Harness) -> None:
    await h.setup_group()
    post = await _post(h)
    ming = h.emu.create_user("小明", language_code="zh-hans")
    answer = await h.tap(ming, post)
    assert "签到成功" in answer["text"]
    await h.say(ming, "/me")
    assert "余额" in h.texts_to(ming.id)[-1]


async def test_me_and_top_in_the_group(h: Harness) -> None:
    await h.setup_group()
    post = await _post(h)
    ann = h.emu.create_user("Ann <3", language_code="en")
    bea = h.emu.create_user("Bea", language_code="en")
    await h.tap(ann, post)
    h.clock.advance(timedelta(days=1))
    await h.tap(ann, post)
    await h.tap(bea, post)
    await h.say(bea, "/me", chat=h.group)
    assert h.texts_to(h.group.id)[-1] == "Bea: 5 points · streak 1"
    await h.say(bea, "/top", chat=h.group)
    board = h.texts_to(h.group.id)[-1]
    assert "1. Ann &lt;3 — 2 days" in board and "2. Bea — 1 day" in board
    assert "1. Ann &lt;3 — 10 points" in board


async def test_checkin_config_validates_and_changes_rewards(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/checkin_config base=abc", chat=h.group)
    reply = h.texts_to(h.group.id)[-1]
    assert "couldn't understand" in reply and "base=abc" in reply and "Usage" in reply
    await h.say(h.owner, "/checkin_config", chat=h.group)
    assert "5 points a day" in h.texts_to(h.group.id)[-1]
    await h.say(h.owner, "/checkin_config base=8 streak7=0 streak3=30", chat=h.group)
    assert "8 points a day" in h.texts_to(h.group.id)[-1] and "every 3 days +30" in h.texts_to(h.group.id)[-1]
    post = await _post(h)
    assert "8 points" in h.texts_to(h.group.id)[-1]
    ann = h.emu.create_user("Ann", language_code="en")
    assert "+8 points" in (await h.tap(ann, post))["text"]


async def test_unregistered_group_gets_a_hint(h: Harness) -> None:
    ann = h.emu.create_user("Ann", language_code="en")
    await h.say(ann, "/checkin", chat=h.group)
    assert "not set up yet" in h.texts_to(h.group.id)[-1]
    assert await count(h, Checkin) == 0


def _raw_group_message(h: Harness, user: object, **fields: object) -> dict[str, object]:
    """A group message that is not plain text (a sticker, a service message, …)."""
    update = h.emu.user_sends(user, "placeholder", chat=h.group)  # type: ignore[arg-type]
    message = dict(update["message"])
    message.pop("text", None)
    message.pop("entities", None)
    message.update(fields)
    return {"update_id": update["update_id"] + 10_000, "message": message}


async def test_non_text_messages_are_ignored_without_errors(h: Harness) -> None:
    await h.setup_group()
    dan = h.emu.create_user("Dan", language_code="en")
    h.emu.add_member(h.group, dan)
    before = len(h.emu.sent(h.group.id))
    await h.feed(_raw_group_message(h, dan, sticker={"file_id": "s1", "file_unique_id": "u1", "type": "regular",
                                                     "width": 512, "height": 512, "is_animated": False,
                                                     "is_video": False}))
    await h.feed(_raw_group_message(h, dan, new_chat_members=[h.emu.create_user("Eve").to_dict()]))
    await h.feed(_raw_group_message(h, dan, photo=[{"file_id": "p", "file_unique_id": "pu", "width": 1,
                                                    "height": 1}], caption="签到"))
    await h.settle()
    assert len(h.emu.sent(h.group.id)) == before
    assert await balance(h, dan.id) == 0


async def test_check_in_words_with_punctuation(h: Harness) -> None:
    await h.setup_group()
    dan = h.emu.create_user("Dan", language_code="en")
    h.emu.add_member(h.group, dan)
    await h.say(dan, "签到！", chat=h.group)
    assert await balance(h, dan.id) == 5


async def test_bots_channels_and_anonymous_admins_earn_nothing(h: Harness) -> None:
    await h.setup_group()
    robot = h.emu.create_user("Robo", is_bot=True)
    h.emu.add_member(h.group, robot)
    await h.say(robot, "签到", chat=h.group)
    channel = {"id": -100777, "type": "channel", "title": "Shop channel"}
    forward = h.emu.user_sends(h.owner, "placeholder", chat=h.group)
    forward = {"update_id": forward["update_id"] + 10_000,
               "message": {**forward["message"], "text": "签到", "sender_chat": channel,
                           "is_automatic_forward": True, "from": {"id": 777000, "is_bot": False,
                                                                   "first_name": "Telegram"}}}
    await h.feed(forward)
    anon = h.emu.user_sends(h.owner, "placeholder", chat=h.group)
    anon = {"update_id": anon["update_id"] + 20_000,
            "message": {**anon["message"], "text": "/checkin_post",
                        "entities": [{"type": "bot_command", "offset": 0, "length": 13}],
                        "sender_chat": {"id": h.group.id, "type": "supergroup", "title": "Tea Lovers"},
                        "from": {"id": 1087968824, "is_bot": True, "first_name": "Group",
                                 "username": "GroupAnonymousBot"}}}
    await h.feed(anon)
    await h.settle()
    assert await count(h, Checkin) == 0
    assert "Remain anonymous" in h.texts_to(h.group.id)[-1]


async def test_button_in_an_unregistered_group_credits_nothing(h: Harness) -> None:
    await h.setup_group()
    post = await _post(h)
    async with h.app.db.session() as session:
        group = await session.get(Group, h.group.id)
        assert group is not None
        group.active = False
    await h.app.directory.reload(h.app.db)
    dan = h.emu.create_user("Dan", language_code="en")
    h.emu.add_member(h.group, dan)
    answer = await h.tap(dan, post)
    assert "not set up" in answer["text"]
    assert await balance(h, dan.id) == 0
