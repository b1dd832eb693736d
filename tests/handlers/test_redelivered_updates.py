"""Telegram delivers an update again (same ``update_id``) when its answer to getUpdates timed out: the
copy changes nothing visible. And the same action arriving twice as two updates (a member checking in
twice in one window) is one line of the coalesced group reply."""

from __future__ import annotations

from bot.db.models import LedgerEntry
from bot.services import groups as group_service
from bot.views import gate as gatekeeper
from bot.views.checkin import CheckinCb
from tests.factories import count
from tests.harness import Harness


async def test_redelivered_check_ins_add_no_line(h: Harness) -> None:
    await h.setup_group()
    h.app.coalescer.window = 30.0
    members = [h.emu.create_user(f"Member {i:02d}", language_code="en") for i in range(15)]
    before = len(h.emu.sent(h.group.id))
    for i, member in enumerate(members):
        update = h.emu.user_sends(member, "/checkin" if i % 2 else "签到", chat=h.group)
        await h.feed(update)
        await h.feed(h.emu.push_update(dict(update)))  # the very same update, delivered again
    await h.settle()
    [reply] = h.emu.sent(h.group.id)[before:]
    text = reply.text or ""
    assert "Check-ins</b> (15)" in text and text.count("+5") == 15 and "already" not in text
    assert await count(h, LedgerEntry) == 15
    # Redelivered after the reply went out: still nothing new in the group.
    await h.feed(h.emu.push_update(dict(update)))
    await h.settle()
    assert len(h.emu.sent(h.group.id)) == before + 1


async def test_a_redelivered_button_tap_is_answered_once(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/checkin_post", chat=h.group)
    post = h.emu.sent(h.group.id)[-1]
    ann = h.emu.create_user("Ann", language_code="en")
    cq = h.emu.press_button(ann, post.message_id, h.group, CheckinCb().pack())
    tap = h.emu.last_update
    await h.feed(tap)
    await h.feed(h.emu.push_update(dict(tap)))
    await h.settle()
    answers = [c for c in h.emu.calls
               if c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == cq]
    assert len(answers) == 1 and answers[0].ok and "+5" in str(answers[0].params.get("text"))
    assert await count(h, LedgerEntry) == 1


async def test_a_redelivered_password_grab_adds_no_line(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/budget add 100")
    await h.say(h.owner, "/redpacket 20 2 pw=恭喜发财", chat=h.group)
    h.app.coalescer.window = 30.0
    ann = h.emu.create_user("Ann", language_code="en")
    h.emu.add_member(h.group, ann)
    before = len(h.emu.sent(h.group.id))
    update = h.emu.user_sends(ann, "恭喜发财", chat=h.group)
    await h.feed(update)
    await h.feed(h.emu.push_update(dict(update)))
    await h.settle()
    texts = "\n".join(m.text or "" for m in h.emu.sent(h.group.id)[before:])
    assert texts.count("Ann grabbed") == 1


async def test_a_newcomer_welcomed_twice_in_one_window_is_named_once(h: Harness) -> None:
    await h.setup_group()
    h.app.coalescer.window = 30.0
    async with h.app.db.reader() as session:
        group = await group_service.get_group(session, h.group.id)
        session.expunge_all()  # keep its loaded values after the read transaction ends
    assert group is not None
    before = len(h.emu.sent(h.group.id))
    for _ in range(2):
        gatekeeper.welcome(h.app, group, "Ann", 0, user_id=101)
    gatekeeper.welcome(h.app, group, "Bob", 0, user_id=102)
    await h.settle()
    [welcome] = h.emu.sent(h.group.id)[before:]
    assert (welcome.text or "").count("Ann") == 1 and "Bob" in (welcome.text or "")
