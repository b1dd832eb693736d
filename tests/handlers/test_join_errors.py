"""Join requests and posts when Telegram misbehaves the way it really does: 429 with
retry_after, 5xx, dropped connections, requests carried out and then timed out, permanent
refusals, and requests that reach the bot late (issue 8, points 5, 6, 7 and 10)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import JoinRequest
from bot.emulator.core import ApiError
from bot.views import gate as gatekeeper
from bot.views.redpackets import GrabCb
from tests.factories import balance, decisions, fast_retries, join, packets
from tests.harness import Harness


async def row_of(h: Harness, user: Any) -> JoinRequest:
    async with h.app.db.session() as session:
        return (await session.execute(select(JoinRequest).where(JoinRequest.user_id == user.id)
                                      .order_by(JoinRequest.id.desc()))).scalars().first()


async def gifted(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/welcome gift=50", chat=h.group)


# ---- point 5: approve / decline under Telegram errors ----------------------------------------------

async def test_a_429_on_approve_is_waited_out_and_the_applicant_hears_once(h: Harness) -> None:
    await gifted(h)
    ann = h.emu.create_user("Ann")
    h.emu.inject("approveChatJoinRequest", 429, retry_after=1)
    await join(h, ann)
    assert decisions(h, ann) == ["approved"]
    assert len(h.texts_to(ann.id)) == 1 and "+50" in h.texts_to(ann.id)[0]
    assert await balance(h, ann) == 50


async def test_transient_failures_are_retried_by_the_sweep_without_repeating_the_message(h: Harness) -> None:
    await gifted(h)
    fast_retries(h)
    ann = h.emu.create_user("Ann")
    welcomes = len(h.emu.sent(h.group.id))
    h.emu.inject("approveChatJoinRequest", 502, times=5)  # outlasts the limiter's retries
    await join(h, ann)
    assert decisions(h, ann) == [] and h.group.status_of(ann.id) == "left"
    assert len(h.texts_to(ann.id)) == 1
    assert await balance(h, ann) == 0, "no gift before the approval took effect"
    h.emu.inject("approveChatJoinRequest", "network", times=5)
    await gatekeeper.sweep(h.app)
    assert decisions(h, ann) == []
    for _ in range(2):
        await gatekeeper.sweep(h.app)
        await h.settle()
    assert decisions(h, ann) == ["approved"] and h.group.status_of(ann.id) == "member"
    assert len(h.texts_to(ann.id)) == 1, "the applicant hears the decision once"
    assert await balance(h, ann) == 50
    assert len(h.emu.sent(h.group.id)) == welcomes + 1
    assert (await row_of(h, ann)).outcome == "done"


async def test_an_approval_that_timed_out_after_taking_effect(h: Harness) -> None:
    await gifted(h)
    ann = h.emu.create_user("Ann")
    h.emu.inject_timeout_after_success("approveChatJoinRequest")
    await join(h, ann)
    # Telegram approved; the retry finds Ann already in: treated as approved, gift paid once.
    assert decisions(h, ann) == ["approved"] and h.group.status_of(ann.id) == "member"
    assert await balance(h, ann) == 50 and len(h.texts_to(ann.id)) == 1
    assert (await row_of(h, ann)).outcome == "already_member"


async def test_already_a_member_counts_as_approved(h: Harness) -> None:
    await gifted(h)
    ann = h.emu.create_user("Ann")
    h.emu.inject("approveChatJoinRequest", 400, description="USER_ALREADY_PARTICIPANT")
    await join(h, ann)
    assert await balance(h, ann) == 50
    assert len(h.texts_to(ann.id)) == 1 and "approved" in h.texts_to(ann.id)[0]


async def test_a_request_gone_is_recorded_and_the_applicant_is_not_misled(h: Harness) -> None:
    await gifted(h)
    ann = h.emu.create_user("Ann")
    h.emu.inject("approveChatJoinRequest", 400, description="HIDE_REQUESTER_MISSING")
    await join(h, ann)
    await gatekeeper.sweep(h.app)
    texts = h.texts_to(ann.id)
    assert len(texts) == 2 and "no longer pending" in texts[1] and "no gift" in texts[1]
    assert await balance(h, ann) == 0
    row = await row_of(h, ann)
    assert row.applied and row.outcome == "gone"


async def test_missing_rights_tell_staff_once_and_the_applicants_that_staff_will_handle_it(h: Harness) -> None:
    await gifted(h)
    await h.say(h.owner, "/start")
    staff_before = len(h.texts_to(h.owner.id))
    ann, bob = h.emu.create_user("Ann"), h.emu.create_user("Bob")
    h.emu.inject("approveChatJoinRequest", 400, description="CHAT_ADMIN_REQUIRED")
    await join(h, bob)
    # Ann's request reached the bot; then an admin took "Invite users via link" away before the bot
    # could approve it (Telegram: "not enough rights to manage chat join requests").
    request = h.emu.push_join_request(ann, h.group)
    h.emu.set_bot_rights(h.group, can_invite_users=False)
    await h.feed(request)
    await h.settle()
    for _ in range(2):
        await gatekeeper.sweep(h.app)
    for person in (ann, bob):
        texts = h.texts_to(person.id)
        assert len(texts) == 2 and "staff will handle" in texts[1], texts
        assert await balance(h, person) == 0
        assert decisions(h, person) == []
        assert (await row_of(h, person)).outcome == "no_rights"
    to_staff = h.texts_to(h.owner.id)[staff_before:]
    assert len(to_staff) == 1 and "can_invite_users" in to_staff[0]


async def test_too_many_channels_is_explained(h: Harness) -> None:
    await gifted(h)
    li = h.emu.create_user("小李", language_code="zh-hans")
    h.emu.inject("approveChatJoinRequest", 400, description="USER_CHANNELS_TOO_MUCH")
    await join(h, li)
    texts = h.texts_to(li.id)
    assert len(texts) == 2 and "群组和频道太多" in texts[1]
    assert await balance(h, li) == 0


async def test_a_decline_that_fails_is_retried_once_told(h: Harness) -> None:
    await h.setup_group()
    fast_retries(h)
    await h.say(h.owner, "/gate allow=on", chat=h.group)
    cat = h.emu.create_user("Cat")
    h.emu.inject("declineChatJoinRequest", 500, times=5)
    await join(h, cat)
    await gatekeeper.sweep(h.app)
    assert decisions(h, cat) == ["declined"]
    assert len(h.texts_to(cat.id)) == 1 and "guest list" in h.texts_to(cat.id)[0]


# ---- point 6: "follows the shop" is never decided by an error ---------------------------------------

async def test_a_channel_check_without_an_answer_waits_and_is_asked_again(h: Harness) -> None:
    fan = h.emu.create_user("Fan")
    h.emu.create_channel("Shop News", members=[fan], username="shopnews", bot_is_admin=True)
    h.app.settings.shop_channel = "@shopnews"
    await h.setup_group()
    await h.say(h.owner, "/gate channel=on", chat=h.group)
    fast_retries(h)
    h.emu.inject("getChatMember", 429, retry_after=1)  # waited out on the spot
    await join(h, fan)
    assert decisions(h, fan) == ["approved"]
    h.emu.add_member(h.group, fan, "left")
    h.emu.inject("getChatMember", 503, times=5)
    await join(h, fan)
    assert decisions(h, fan) == ["approved"], "no decline for a reason Telegram never gave"
    row = await row_of(h, fan)
    assert row.status == "pending" and row.needs_check
    await gatekeeper.sweep(h.app)
    await h.settle()
    assert decisions(h, fan) == ["approved", "approved"]


async def test_a_channel_check_that_never_gets_an_answer_times_out_honestly(h: Harness) -> None:
    stranger = h.emu.create_user("Stranger")
    h.emu.create_channel("Shop News", username="shopnews", bot_is_admin=True)
    h.app.settings.shop_channel = "@shopnews"
    await h.setup_group()
    await h.say(h.owner, "/gate channel=on timeout=4m", chat=h.group)
    fast_retries(h)
    h.emu.inject("getChatMember", "network", times=100)
    await join(h, stranger)
    await gatekeeper.sweep(h.app)
    assert decisions(h, stranger) == []
    h.clock.advance(timedelta(minutes=4, seconds=1))
    assert await gatekeeper.sweep(h.app) == 1
    assert decisions(h, stranger) == ["declined"]
    text = h.texts_to(stranger.id)[-1]
    assert "could not be checked in time" in text and "do not follow" not in text


# ---- point 7: the clock starts at the request's date ------------------------------------------------

async def test_a_late_request_gets_no_prompt_and_is_declined_for_what_happened(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/gate password=jasmine timeout=30m", chat=h.group)
    ann = h.emu.create_user("Ann")
    asked = int(h.clock.now().timestamp()) - 10 * 60  # the bot was down for ten minutes
    await join(h, ann, date=asked)
    prompts = [c for c in h.emu.calls if c.method == "sendMessage" and str(c.params.get("chat_id")) == str(ann.id)
               and "password" in str(c.params.get("text"))]
    assert prompts == []
    assert decisions(h, ann) == ["declined"]
    assert (await row_of(h, ann)).reason == "late"
    # Someone who has written to the bot does get the explanation.
    bob = h.emu.create_user("Bob")
    await h.say(bob, "/start")
    await join(h, bob, date=asked)
    assert "too late" in h.texts_to(bob.id)[-1]


async def test_the_timeout_runs_from_the_request_date(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/gate password=jasmine timeout=5m", chat=h.group)
    ann = h.emu.create_user("Ann")
    await join(h, ann, date=int(h.clock.now().timestamp()) - 2 * 60)  # two minutes in the backlog
    assert "3 minutes" in h.texts_to(ann.id)[-1]
    row = await row_of(h, ann)
    assert row.expires_at == row.requested_at + timedelta(minutes=5)
    h.clock.advance(timedelta(minutes=3, seconds=1))
    assert await gatekeeper.sweep(h.app) == 1
    assert decisions(h, ann) == ["declined"]


async def test_the_emulator_window_runs_from_the_request_date(h: Harness) -> None:
    ann = h.emu.create_user("Ann")
    h.emu.push_join_request(ann, h.group, date=int(h.clock.now().timestamp()) - 6 * 60)
    with pytest.raises(ApiError) as refused:
        h.emu.call("sendMessage", {"chat_id": ann.id, "text": "hi"})
    assert refused.value.code == 403 and "can't initiate conversation" in refused.value.description
    bob = h.emu.create_user("Bob")
    h.emu.push_join_request(bob, h.group, date=int(h.clock.now().timestamp()) - 4 * 60)
    assert h.emu.call("sendMessage", {"chat_id": bob.id, "text": "hi"})["text"] == "hi"


# ---- point 10: no duplicate posts from retries -----------------------------------------------------

async def test_a_packet_post_that_timed_out_is_posted_once_and_adopted(h: Harness) -> None:
    h.red_packets.rng = random.Random(7)
    await h.setup_group()
    await h.say(h.owner, "/budget add 500")
    before = len(h.emu.sent(h.group.id))
    h.emu.inject_timeout_after_success("sendMessage", chat_id=h.group.id)
    await h.say(h.owner, "/redpacket 30 3", chat=h.group)
    posts = h.emu.sent(h.group.id)[before:]
    assert len(posts) == 1, "a post that may have arrived is never repeated"
    (packet,) = await packets(h)
    assert packet.message_id is None
    ann = h.emu.create_user("Ann")
    h.emu.add_member(h.group, ann)
    answer = await h.tap(ann, posts[0].message_id, GrabCb(id=packet.id).pack())
    assert "You grabbed" in answer["text"]
    await h.settle()
    (packet,) = await packets(h)
    assert packet.message_id == posts[0].message_id
    assert "1/3 grabbed" in (h.emu.message(h.group.id, posts[0].message_id).text or "")
    assert len(h.emu.sent(h.group.id)) == before + 1


async def test_an_orphan_copy_of_a_packet_is_removed_when_pressed(h: Harness) -> None:
    h.red_packets.rng = random.Random(7)
    await h.setup_group()
    await h.say(h.owner, "/budget add 500")
    await h.say(h.owner, "/redpacket 30 3", chat=h.group)
    (packet,) = await packets(h)
    orphan = h.emu.call("sendMessage", {"chat_id": h.group.id, "text": "copy", "reply_markup": {
        "inline_keyboard": [[{"text": "Grab", "callback_data": GrabCb(id=packet.id).pack()}]]}})
    ann = h.emu.create_user("Ann")
    h.emu.add_member(h.group, ann)
    answer = await h.tap(ann, orphan["message_id"], GrabCb(id=packet.id).pack())
    assert "You grabbed" in answer["text"]
    await h.settle()
    assert h.emu.message(h.group.id, orphan["message_id"]).deleted
    assert not h.emu.message(h.group.id, packet.message_id).deleted


# ---- the emulator: faults on any method -------------------------------------------------------------

@pytest.mark.parametrize("http", [True, False], ids=["http", "in-process"])
async def test_faults_can_be_injected_on_any_method(db_url: str, http: bool) -> None:
    """The same faults, and the same aiogram exceptions, over HTTP and through the in-process session."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.emulator.session import EmulatorSession
    from tests.harness import harness

    async with harness(db_url, http=http) as h:
        await _faults_on_a_bare_bot(h, Bot(h.emu.token, session=AiohttpSession(
            api=TelegramAPIServer.from_base(h.emu.base_url)) if http else EmulatorSession(h.emu)))


async def _faults_on_a_bare_bot(h: Harness, bare: Any) -> None:  # a bot without the sender's retries
    from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError

    try:
        h.emu.inject("banChatMember", 429, retry_after=7)
        with pytest.raises(TelegramRetryAfter) as flood:
            await bare.ban_chat_member(h.group.id, 1)
        assert flood.value.retry_after == 7 and "retry after 7" in flood.value.message
        h.emu.inject("answerCallbackQuery", 500)
        h.emu.inject("getChatMember", "network", chat_id=h.group.id)
        with pytest.raises(TelegramServerError):
            await bare.answer_callback_query("1")
        with pytest.raises(TelegramNetworkError):
            await bare.get_chat_member(h.group.id, h.owner.id)
        assert (await bare.get_chat_member(h.group.id, h.owner.id)).status == "administrator"
        h.owner.started_bot = True
        h.emu.inject_timeout_after_success("sendMessage", chat_id=h.owner.id)
        with pytest.raises(TelegramNetworkError):
            await bare.send_message(h.owner.id, "once")
        assert [m.text for m in h.emu.sent(h.owner.id)] == ["once"]
        assert h.emu.faults == []
    finally:
        await bare.session.close()


async def test_a_ban_goes_through_a_429(h: Harness) -> None:
    await h.setup_group()
    troll = h.emu.create_user("Troll")
    h.emu.add_member(h.group, troll)
    h.emu.inject("banChatMember", 429, retry_after=1)
    await h.say(h.owner, f"/ban {troll.id} spam")
    assert h.group.status_of(troll.id) == "kicked"
