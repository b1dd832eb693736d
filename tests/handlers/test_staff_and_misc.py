"""Staff management, help, bad input and the safety nets."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import AuditEntry, Staff
from tests.harness import Harness


async def test_owner_adds_and_removes_staff(h: Harness) -> None:
    sam = h.emu.create_user("Sam", username="sam", language_code="en")
    await h.say(sam, "/start")  # the bot learns @sam
    await h.say(sam, "/setup", chat=h.group)
    assert "only shop staff" in h.texts_to(h.group.id)[-1]
    await h.say(h.owner, "/staff add @sam")
    assert "Sam" in h.texts_to(h.owner.id)[-1] and "is now staff" in h.texts_to(h.owner.id)[-1]
    await h.say(h.owner, "/staff add @sam")
    assert "already staff" in h.texts_to(h.owner.id)[-1]
    await h.say(sam, "/setup deals", chat=h.group)
    assert "is now a shop group" in h.texts_to(h.group.id)[-1]
    await h.say(h.owner, "/staff list")
    assert "Sam" in h.texts_to(h.owner.id)[-1]
    await h.say(h.owner, f"/staff remove {sam.id}")
    assert "no longer staff" in h.texts_to(h.owner.id)[-1]
    await h.say(sam, "/checkin_post", chat=h.group)
    assert "only shop staff" in h.texts_to(h.group.id)[-1]
    async with h.app.db.session() as session:
        assert (await session.execute(select(Staff))).first() is None
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert {"staff.add", "staff.remove", "group.setup"} <= set(actions)


async def test_staff_command_usage_and_unknown_people(h: Harness) -> None:
    await h.say(h.owner, "/staff")
    assert "Usage" in h.texts_to(h.owner.id)[-1]
    for bad in ("/staff add @nobody", "/staff add -100123", "/staff add 0", "/staff remove x1"):
        await h.say(h.owner, bad)
        assert "can't find" in h.texts_to(h.owner.id)[-1]


async def test_help_depends_on_the_role(h: Harness) -> None:
    ann = h.emu.create_user("Ann", language_code="en")
    await h.say(ann, "/help")
    assert "/checkin" in h.texts_to(ann.id)[-1] and "/setup" not in h.texts_to(ann.id)[-1]
    await h.say(h.owner, "/help")
    assert "/setup" in h.texts_to(h.owner.id)[-1] and "/staff" in h.texts_to(h.owner.id)[-1]


async def test_unknown_commands_and_chatter_get_a_friendly_answer(h: Harness) -> None:
    ann = h.emu.create_user("Ann", language_code="en")
    await h.say(ann, "/frobnicate now")
    assert "don't know the command /frobnicate" in h.texts_to(ann.id)[-1]
    await h.say(ann, "hello?")
    assert "/checkin" in h.texts_to(ann.id)[-1]


async def test_stale_or_forged_buttons_are_answered(h: Harness) -> None:
    await h.setup_group()
    ann = h.emu.create_user("Ann", language_code="en")
    await h.say(h.owner, "/checkin_post", chat=h.group)
    post = h.emu.sent(h.group.id)[-1].message_id
    for data in ("rp:999:grab", "garbage", "ci:extra:junk"):
        answer = await h.tap(ann, post, data=data)
        assert "no longer active" in answer["text"]


async def test_flooding_is_throttled_with_one_notice(h: Harness) -> None:
    ann = h.emu.create_user("Ann", language_code="en")
    for _ in range(20):
        await h.feed(h.emu.user_sends(ann, "/me"))
    texts = h.texts_to(ann.id)
    assert sum("Slow down" in t for t in texts) == 1
    assert sum("Balance" in t for t in texts) < 20


async def test_a_failure_inside_a_handler_gets_a_polite_answer(h: Harness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import handlers.points

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(handlers.points, "member_card", broken)
    ann = h.emu.create_user("Ann", language_code="en")
    await h.say(ann, "/me")
    reply = h.texts_to(ann.id)[-1]
    assert "something went wrong" in reply and "fire" not in reply


async def test_group_tools_sent_in_private_chat_say_where_to_use_them(h: Harness) -> None:
    for command in ("/setup vip", "/checkin_config base=3", "/checkin_post"):
        await h.say(h.owner, command)
        assert "shop group it is about" in h.texts_to(h.owner.id)[-1]


async def test_staff_add_without_a_target_shows_usage_and_checkin_post_is_audited(h: Harness) -> None:
    await h.say(h.owner, "/staff add")
    assert "Usage" in h.texts_to(h.owner.id)[-1] or "/staff" in h.texts_to(h.owner.id)[-1]
    await h.say(h.owner, "/staff add ٣٣")
    assert "٣٣" in h.texts_to(h.owner.id)[-1]
    await h.setup_group()
    await h.say(h.owner, "/checkin_post", chat=h.group)
    async with h.app.db.session() as session:
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert "checkin.post" in actions
