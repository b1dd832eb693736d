"""Forum groups (topics): replies go to the topic the command came from; what the bot posts on
its own goes to the topic where staff ran /setup; a closed General topic breaks nothing."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from bot.db.models import Group
from scheduler.jobs.checkin import post_checkin
from scheduler.jobs.redpackets import drop_packet
from tests.harness import Harness


async def say_in(h: Harness, user: Any, text: str, thread: int | None) -> None:
    await h.feed(h.emu.user_sends(user, text, chat=h.group, thread_id=thread))
    await h.settle()


def in_thread(h: Harness, thread: int | None) -> list[str]:
    return [m.text or "" for m in h.emu.sent(h.group.id) if m.thread_id == thread]


async def forum(h: Harness) -> tuple[int, int]:
    """The harness group with topics on, a "Check-in" and a "Chat" topic, General closed, and the
    shop set up from the Check-in topic."""
    h.emu.enable_topics(h.group)
    checkin = h.emu.create_topic(h.group, "Check-in", by=h.owner)
    chat = h.emu.create_topic(h.group, "Chat", by=h.owner)
    h.emu.close_topic(h.group, None)
    await say_in(h, h.owner, "/setup vip", checkin)
    return checkin, chat


async def test_replies_go_to_the_topic_the_command_came_from(h: Harness) -> None:
    checkin, chat = await forum(h)
    assert any("shop group" in t for t in in_thread(h, checkin))
    assert any("go to this topic" in t for t in in_thread(h, checkin))
    ann = h.emu.create_user("Ann")
    h.emu.add_member(h.group, ann)
    await say_in(h, ann, "签到", chat)
    assert any("Ann" in t for t in in_thread(h, chat))
    await say_in(h, ann, "/me", chat)
    await say_in(h, h.owner, "/checkin_config base=9", chat)
    assert any("9 points a day" in t for t in in_thread(h, chat))
    assert in_thread(h, None) == []  # nothing went to the (closed) General topic
    assert not any(call.error_code for call in h.emu.calls if call.method == "sendMessage")


async def test_own_posts_go_to_the_setup_topic_and_follow_a_new_setup(h: Harness) -> None:
    h.red_packets.rng = random.Random(8)
    checkin, chat = await forum(h)
    async with h.app.db.reader() as session:
        group = await session.get(Group, h.group.id)
        assert group is not None and group.thread_id == checkin
    # The daily post, /checkin_post from another topic, red packets: all in the Check-in topic.
    assert await post_checkin(h.app, h.group.id) is True
    await say_in(h, h.owner, "/checkin_post", chat)
    posts = [m for m in h.emu.sent(h.group.id) if m.button_labels() == ["✅ Check in"]]
    assert [m.thread_id for m in posts] == [checkin, checkin]
    ann = h.emu.create_user("Ann")
    h.emu.add_member(h.group, ann)
    answer = await h.tap(ann, posts[0].message_id)
    assert "+5" in (answer["text"] or "")
    await h.say(h.owner, "/budget add 500")
    await say_in(h, h.owner, "/redpacket 50 5", chat)
    await say_in(h, h.owner, "/redpacket_schedule daily 10:00 100 5", chat)
    h.clock.advance(timedelta(minutes=60))
    assert await drop_packet(h.app, 1, red_packets=h.red_packets) is True
    packets = [m for m in h.emu.sent(h.group.id) if m.button_labels() == ["🧧 Grab"]]
    assert [m.thread_id for m in packets] == [checkin, checkin]
    # A tap on a packet: the coalesced grab lines (if any) and edits stay with the packet's topic.
    grab = packets[0].buttons()[0]["callback_data"]
    assert "You grabbed" in ((await h.tap(ann, packets[0].message_id, grab))["text"] or "")
    await h.settle()
    # Welcomes too.
    await say_in(h, h.owner, "/welcome gift=10", chat)
    bob = h.emu.create_user("Bob")
    await h.feed(h.emu.push_join_request(bob, h.group))
    await h.settle()
    welcome = h.emu.sent(h.group.id)[-1]
    assert "Bob" in (welcome.text or "") and welcome.thread_id == checkin
    # Staff move the bot's home with /setup in another topic.
    await say_in(h, h.owner, "/setup vip", chat)
    h.clock.advance(timedelta(days=1))
    assert await post_checkin(h.app, h.group.id) is True
    assert h.emu.sent(h.group.id)[-1].thread_id == chat
    assert in_thread(h, None) == []
    assert not any(call.error_code for call in h.emu.calls if call.method == "sendMessage")


async def test_a_deleted_topic_sends_own_posts_to_general(h: Harness) -> None:
    checkin, _chat = await forum(h)
    h.emu.close_topic(h.group, None, closed=False)
    h.emu.delete_topic(h.group, checkin)
    assert await post_checkin(h.app, h.group.id) is True
    post = h.emu.sent(h.group.id)[-1]
    assert post.button_labels() == ["✅ Check in"] and post.thread_id is None
