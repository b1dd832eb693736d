"""Long texts through the emulator (which refuses anything over Telegram's limits, counted in UTF-16
units after entity parsing): every list the bot posts fits in messages of at most 4,096, huge input
loses nothing (every name is reported, or counted in "and N more"), and a render failure still sends."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import RedPacket
from bot.emulator.html_check import utf16_len
from bot.services import people
from bot.views.redpackets import GrabCb
from tests.harness import Harness

MAX = 4096


def long_user(h: Harness, i: int, lang: str = "en") -> Any:
    """A member whose first and last names are both Telegram's maximum of 64 characters."""
    return h.emu.create_user(f"U{i:03d}" + "名" * 10 + "x" * 50, last_name="y" * 64, language_code=lang)


def fits(messages: list[Any]) -> list[str]:
    """The texts as shown; each is checked against Telegram's limit."""
    shown = [m.plain or "" for m in messages]
    assert shown and all(0 < utf16_len(text) <= MAX for text in shown), [utf16_len(t) for t in shown]
    return shown


def more(text: str) -> int:
    found = re.findall(r"and (\d+) more", text)
    return sum(int(n) for n in found)


async def private_replies(h: Harness, user: Any, text: str) -> list[str]:
    before = len(h.emu.sent(user.id))
    await h.say(user, text)
    return fits(h.emu.sent(user.id)[before:])


async def group_replies(h: Harness, text: str) -> list[str]:
    before = len(h.emu.sent(h.group.id))
    await h.say(h.owner, text, chat=h.group)
    return fits(h.emu.sent(h.group.id)[before:])


async def test_seventy_long_names_checking_in_in_one_window_are_all_reported(h: Harness) -> None:
    await h.setup_group()
    h.app.coalescer.window = 30.0  # everyone within one window
    members = [long_user(h, i) for i in range(70)]
    before = len(h.emu.sent(h.group.id))
    for member in members:
        await h.feed(h.emu.user_sends(member, "/checkin", chat=h.group))
    await h.settle()
    shown = "\n".join(fits(h.emu.sent(h.group.id)[before:]))
    assert all(shown.count(f"U{i:03d}") == 1 for i in range(70))
    assert shown.count("+5") == 70


async def test_a_render_failure_still_sends_the_batch_plainly_and_logs_once(
        h: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import handlers.checkin

    await h.setup_group()
    h.app.coalescer.window = 30.0

    def broken(*_args: object) -> str:
        raise ValueError("a broken translation")

    monkeypatch.setattr(handlers.checkin, "_render", broken)
    before = len(h.emu.sent(h.group.id))
    for name in ("Ann", "Bob <&>"):
        await h.feed(h.emu.user_sends(h.emu.create_user(name), "/checkin", chat=h.group))
    with caplog.at_level(logging.ERROR, logger="bot.coalescer"):
        await h.settle()
    shown = "\n".join(fits(h.emu.sent(h.group.id)[before:]))
    assert "Ann" in shown and "Bob <&>" in shown
    assert len([r for r in caplog.records if r.name == "bot.coalescer" and r.levelno >= logging.ERROR]) == 1


async def test_sixty_long_names_joining_get_a_welcome_that_fits(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/welcome gift=20", chat=h.group)
    h.app.coalescer.window = 30.0
    before = len(h.emu.sent(h.group.id))
    for i in range(60):
        await h.feed(h.emu.push_join_request(long_user(h, i), h.group))
    await h.settle()
    shown = fits(h.emu.sent(h.group.id)[before:])
    welcome_lines = [line for text in shown for line in text.split("\n") if line.startswith("👋")]
    gift_lines = [line for text in shown for line in text.split("\n") if line.startswith("🎁")]
    for group_of_lines in (welcome_lines, gift_lines):
        named = sum(len(re.findall(r"U\d{3}", line)) for line in group_of_lines)
        assert named + sum(more(line) for line in group_of_lines) == 60


async def test_invites_lists_fit_and_count_the_rest(h: Harness) -> None:
    await h.setup_group()
    for i in range(40):
        await h.say(h.owner, f"/invite link-{i:02d}-" + "n" * 24, chat=h.group)
    shown = await group_replies(h, "/invites")
    text = "\n".join(shown)
    assert len(re.findall(r"link-\d\d-", text)) == 30 and more(text) == 10
    await h.say(h.owner, "/gate off", chat=h.group)
    created = next(url for url, info in h.emu.invite_links.items() if info.get("name", "").startswith("link-00-"))
    for i in range(35):
        await h.feed(h.emu.push_join_request(long_user(h, i), h.group, created))
    await h.settle()
    who = "\n".join(await group_replies(h, "/invites link-00-" + "n" * 24))
    assert len(re.findall(r"U\d{3}", who)) == 30  # the latest 30


async def test_staff_list_audit_and_schedules_fit(h: Harness) -> None:
    await h.setup_group()
    staffers = [long_user(h, i) for i in range(120)]
    for user in staffers:
        await h.say(user, "/start")  # the bot has seen them (their names are stored)
    now = h.clock.now()
    async with h.app.db.session() as session:
        for user in staffers:
            await people.add_staff(session, user.id, h.owner.id, now)
        for i in range(15):
            await people.record_audit(session, actor_id=staffers[i].id, action="gate.config", now=now,
                                      chat_id=h.group.id, target="t" * 128, details="d" * 500)
    await h.app.directory.reload(h.app.db)
    listing = "\n".join(await private_replies(h, h.owner, "/staff list"))
    assert len(re.findall(r"U\d{3}", listing)) == 50 and more(listing) == 70
    audit = "\n".join(await private_replies(h, h.owner, "/audit"))
    assert len(re.findall(r"U\d{3}", audit)) == 15
    for i in range(40):
        await h.say(h.owner, f"/redpacket_schedule daily 10:{i:02d} 10 2 pw=p{i:02d}{'w' * 10} "
                             f"for=tag:{'t' * 32} expires=2d", chat=h.group)
    schedules = "\n".join(await group_replies(h, "/redpacket_schedule list"))
    assert len(re.findall(r"^#\d+", schedules, re.M)) == 30 and more(schedules) == 10


async def test_a_csv_with_a_hundred_huge_bad_lines_is_reported_in_one_bounded_message(h: Harness) -> None:
    bad = b"".join(b"T-%d,%s,CNY,2026-02-22,1111\n" % (i, b"9x" * 2500) for i in range(100))
    before = len(h.emu.sent(h.owner.id))
    await h.feed(h.emu.user_sends_document(h.owner, "orders.csv", bad, caption="/import_orders"))
    await h.settle()
    text = "\n".join(fits(h.emu.sent(h.owner.id)[before:]))
    assert "Nothing was imported" in text and "100 lines have problems" in text
    assert len(re.findall(r"^Line \d+", text, re.M)) == 20 and more(text) == 80


async def test_a_long_unknown_command_is_echoed_cut(h: Harness) -> None:
    ann = h.emu.create_user("Ann")
    [reply] = await private_replies(h, ann, "/" + "a<" * 2000)
    assert "I don't know the command /a<a<" in reply and "…" in reply


async def test_the_final_packet_edit_fits_and_closes_the_packet(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/budget add 1000")
    await h.say(h.owner, "/redpacket 300 30", chat=h.group)
    async with h.app.db.session() as session:
        packet = (await session.execute(select(RedPacket))).scalar_one()
    members = [long_user(h, i) for i in range(31)]
    for member in members:
        h.emu.add_member(h.group, member)
        await h.tap(member, packet.message_id, GrabCb(id=packet.id).pack())  # type: ignore[arg-type]
    await h.settle()
    final = h.emu.message(h.group.id, packet.message_id)
    [shown] = fits([final])
    assert "All 30 shares grabbed" in shown and not final.buttons()
    assert len(re.findall(r"^U\d{3}", shown, re.M)) == 30


async def test_the_sender_splits_long_texts_and_keeps_edits_and_popups_within_limits(h: Harness) -> None:
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    from bot.views.checkin import CheckinCb

    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="ok", callback_data="ok")]])
    question = h.emu.user_sends(h.owner, "list?", chat=h.group)["message"]["message_id"]
    rows = [f"<b>{i:04d}</b> " + "😀" * 40 for i in range(200)]  # 84 units a row, 16,800 in all
    sender = h.app.sender
    last = await sender.send_message(h.group.id, "\n".join(rows), reply_markup=keyboard,
                                     reply_to_message_id=question)
    parts = [m for m in h.emu.sent(h.group.id) if m.text and "0000" <= (m.plain or "")[:4] <= "0199"]
    shown = fits(parts)
    assert len(parts) == 5 and last is not None and last.message_id == parts[-1].message_id
    assert [line[:4] for text in shown for line in text.split("\n")] == [f"{i:04d}" for i in range(200)]
    assert parts[0].reply_to == question and all(p.reply_to is None for p in parts[1:])
    assert parts[-1].buttons() and not any(p.buttons() for p in parts[:-1])
    # An edit cannot become two messages: whole lines, then "…".
    assert await sender.edit_text(h.group.id, parts[0].message_id, "\n".join(rows))
    edited = h.emu.message(h.group.id, parts[0].message_id).plain or ""
    assert utf16_len(edited) <= MAX and edited.endswith("…")
    # A caption over 1,024: the photo with the first lines, the rest as text.
    shelf = h.emu.user_sends_photo(h.owner)["message"]["photo"][-1]["file_id"]
    photo = await sender.send_photo(h.group.id, shelf, caption="\n".join(rows[:30]))
    assert photo is not None
    captioned = [m for m in h.emu.sent(h.group.id) if m.photo]
    assert len(captioned) == 1 and utf16_len(captioned[0].plain or "") <= 1024
    # A popup holds 200.
    await h.setup_group()
    await h.say(h.owner, "/checkin_post", chat=h.group)
    post = h.emu.sent(h.group.id)[-1]
    cq = h.emu.press_button(h.owner, post.message_id, h.group, CheckinCb().pack())
    assert await sender.answer_callback(cq, "😀" * 150)
    assert utf16_len(h.emu.callback_answers[cq]["text"]) <= 200
