"""Bad input gets a clear answer, never the generic error (issue 10): one test per failure class the
fuzz ring (tests/fuzz/) found, on SQLite and PostgreSQL, through the real Dispatcher."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select

from bot.commands import COMMANDS
from bot.db.models import AuditEntry, Group, InviteLink, Order, RedPacket, Staff
from bot.emulator.html_check import utf16_len
from bot.middlewares import ThrottleMiddleware
from games.segments import MAX_LENGTH
from tests.factories import count, latest_packet, member, ready_for_packets
from tests.harness import Harness

GENERIC = "Sorry, something went wrong"


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.ERROR)
    return caplog.records


def no_throttle(h: Harness) -> None:
    """Many commands from one customer within seconds are a flood; this test is not about that."""
    for middleware in h.dp.message.outer_middleware:
        if isinstance(middleware, ThrottleMiddleware):
            middleware.rate = 10**9


def no_generic(h: Harness) -> None:
    assert not [m for m in h.emu.sent() if GENERIC in m.shown]
    assert not [a for a in h.emu.callback_answers.values() if GENERIC in str(a.get("text"))]


# ---- 1. long arguments, for every command of the registry -------------------------------------------------

async def test_every_command_with_a_4000_character_argument_gets_a_clear_answer_that_fits(
        h: Harness, errors: list[logging.LogRecord]) -> None:
    await h.setup_group()
    no_throttle(h)
    customer = member(h, "Cathy")
    argument = ("<名&{name}>" * 500)[:4000]
    for spec in COMMANDS:
        for user in (h.owner, customer):
            for chat in (h.group, None):
                where = chat or h.emu.chats[user.id]
                before = len(h.emu.sent())
                await h.say(user, f"/{spec.name} {argument}", chat=chat)
                sent = h.emu.sent()[before:]
                assert sent, f"/{spec.name} by {user.first_name} in {where.type}: no answer"
                assert all(0 < utf16_len(m.shown) <= 4096 for m in sent)
    no_generic(h)
    assert not errors


# ---- 2. forged callback ids beyond the database's integer range ---------------------------------------------

@pytest.mark.parametrize("data", ["rp:2147483648", "rp:9223372036854775808", "rp:-1", "rp:0", "rp:1e9", "rp:"])
async def test_forged_packet_ids_out_of_range_are_a_stale_button(
        h: Harness, data: str, errors: list[logging.LogRecord]) -> None:
    await h.setup_group()
    await h.say(h.owner, "/checkin_post", chat=h.group)
    post = h.emu.sent(h.group.id)[-1]
    answer = await h.tap(member(h, "Cathy"), post.message_id, data)
    assert answer["text"] == "This button is no longer active."
    assert not errors


# ---- 3. orders CSV dates out of range ----------------------------------------------------------------------

@pytest.mark.parametrize("paid_at", ["0001-01-01", "9999-12-31T23:00-05:00", "1999-12-31", "2100-01-01 08:00"])
async def test_an_order_date_out_of_range_is_a_bad_line_named_with_its_number(
        h: Harness, paid_at: str, errors: list[logging.LogRecord]) -> None:
    csv = f"order_id,amount,currency,paid_at,check\nT-1,199,CNY,2026-03-01,1234\nT-2,10,CNY,{paid_at},1234\n"
    await h.feed(h.emu.user_sends_document(h.owner, "orders.csv", csv.encode(), caption="/import_orders"))
    await h.settle()
    text = h.texts_to(h.owner.id)[-1]
    assert "Nothing was imported" in text and f'Line 3: the payment time "{paid_at}" is not between' in text
    assert await count(h, Order) == 0
    assert not errors


def test_the_command_line_names_the_bad_date_line(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    csv = tmp_path / "orders.csv"
    csv.write_text("T-1,199,CNY,0001-01-01,1234\n")
    db = tmp_path / "r.db"
    import os

    os.environ["DATABASE_URL"] = f"sqlite+aiosqlite:///{db}"
    try:
        assert main(["import-orders", str(csv)]) == 1
    finally:
        del os.environ["DATABASE_URL"]
    err = capsys.readouterr().err
    assert "line 1: the payment time is not between the years 2000 and 2099 (0001-01-01)" in err
    assert "Traceback" not in err


# ---- 4. strings longer than their columns ----------------------------------------------------------------------

async def test_a_file_name_longer_than_the_audit_column_imports_and_audit_still_works(
        h: Harness, errors: list[logging.LogRecord]) -> None:
    name = "订单" * 100 + ".csv"
    await h.feed(h.emu.user_sends_document(h.owner, name, b"T-1,199,CNY,2026-03-01,1234\n",
                                           caption="/import_orders"))
    await h.settle()
    assert "Imported: 1 new order" in h.texts_to(h.owner.id)[-1]
    async with h.app.db.session() as session:
        entry = (await session.execute(select(AuditEntry))).scalars().one()
    assert entry.target is not None and len(entry.target) == 128 and entry.target.endswith("…")
    await h.say(h.owner, "/audit")
    assert "orders.import" in h.texts_to(h.owner.id)[-1]
    assert not errors


async def test_a_segment_whose_canonical_form_is_too_long_is_refused(
        h: Harness, errors: list[logging.LogRecord]) -> None:
    await h.setup_group()
    typed = " or ".join(["purchased and new"] * 23)  # 497 characters; parenthesised: 543
    assert len(typed) <= MAX_LENGTH
    await h.say(h.owner, f'/gate segment="{typed}"', chat=h.group)
    assert "couldn't understand" in h.texts_to(h.group.id)[-1]
    async with h.app.db.session() as session:
        assert (await session.get(Group, h.group.id)).gate_segment is None  # type: ignore[union-attr]
    assert not errors


# ---- 5. NUL bytes and other control characters -------------------------------------------------------------

async def test_control_characters_are_removed_at_the_boundary_the_same_way_on_both_databases(
        h: Harness, errors: list[logging.LogRecord]) -> None:
    await ready_for_packets(h)
    await h.say(h.owner, "/redpacket 10 2 pw=\x00se\x1bsa\x7fme", chat=h.group)
    assert (await latest_packet(h)).password == "sesame"
    await h.say(h.owner, "/welcome Hi\x00 {name}\x01!", chat=h.group)
    await h.say(h.owner, "/ban 999\x00 spam\u0085mer")
    async with h.app.db.session() as session:
        assert (await session.get(Group, h.group.id)).welcome_text == "Hi {name}!"  # type: ignore[union-attr]
    cathy = member(h, "Cathy")
    await h.say(cathy, "seSAme\x00", chat=h.group)
    await h.settle()
    assert "Cathy grabbed" in h.texts_to(h.group.id)[-1]
    no_generic(h)
    assert not errors


# ---- 6. a customer cannot hijack check-in ---------------------------------------------------------------------

@pytest.mark.parametrize("word", ["签到", "打卡", "check-in", "CHECKIN!", "签到！"])
async def test_a_packet_password_that_is_a_checkin_word_is_refused(h: Harness, word: str) -> None:
    await ready_for_packets(h)
    cathy = member(h, "Cathy")
    await h.say(cathy, "/checkin")
    await h.say(cathy, f"/redpacket 3 1 pw={word} expires=7d", chat=h.group)
    assert "is a check-in word" in h.texts_to(h.group.id)[-1]
    assert await count(h, RedPacket) == 0


async def test_the_checkin_words_always_check_in_even_against_an_older_packet(h: Harness) -> None:
    await ready_for_packets(h)
    await h.say(h.owner, "/redpacket 30 3 pw=sesame", chat=h.group)
    packet = await latest_packet(h)
    async with h.app.db.session() as session:  # a packet from before the rule (or written by hand)
        row = await session.get(RedPacket, packet.id)
        assert row is not None
        row.password = "签到"
    h.red_packets.board.add_password(h.group.id, "签到", packet.id)  # type: ignore[arg-type]
    bob, ann = member(h, "Bob"), member(h, "Ann")
    for user in (bob, ann, bob):
        await h.say(user, "签到", chat=h.group)
    shown = "\n".join(h.texts_to(h.group.id)[-3:])
    assert "Bob" in shown and "Ann" in shown and "grabbed" not in shown
    assert "already checked in" in h.texts_to(h.group.id)[-1]  # the second 签到 is answered too
    assert (await latest_packet(h)).grabbed_count == 0


# ---- 7. commands in any case ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["/Me", "/CHECKIN", "/Checkin_post", "/HELP@Regulars_Bot", "/ME@regulars_bot"])
async def test_mixed_case_commands_are_answered_in_groups_and_in_private(h: Harness, text: str) -> None:
    await h.setup_group()
    for chat in (h.group, None):
        target = (chat or h.emu.chats[h.owner.id]).id
        before = len(h.emu.sent(target))
        await h.say(h.owner, text, chat=chat)
        replies = [m.shown for m in h.emu.sent(target)[before:]]
        assert replies and not any("don't know the command" in r for r in replies), (text, chat)


# ---- 8. bots as staff or guests, /welcome keywords, huge templates, revoking invite links ---------------------------

async def test_the_bot_itself_and_other_bots_cannot_be_staff_or_on_the_allow_list(h: Harness) -> None:
    await h.setup_group()
    other = h.emu.create_user("Spambot", username="spam_bot", is_bot=True)
    h.emu.add_member(h.group, other)
    said = h.emu.user_sends(other, "beep", chat=h.group)["message"]["message_id"]
    await h.say(h.owner, f"/staff add {h.bot.id}")
    assert h.texts_to(h.owner.id)[-1] == "Bots cannot be shop staff."
    await h.say(h.owner, f"/allow {h.bot.id}")
    assert "cannot be on the allow-list" in h.texts_to(h.owner.id)[-1]
    await h.feed(h.emu.user_sends(h.owner, "/allow", chat=h.group, reply_to_message_id=said))
    await h.settle()
    assert "cannot be on the allow-list" in h.texts_to(h.group.id)[-1]
    await h.feed(h.emu.user_sends(h.owner, "/staff add", chat=h.group, reply_to_message_id=said))
    await h.settle()
    assert h.texts_to(h.group.id)[-1] == "Bots cannot be shop staff."
    assert await count(h, Staff) == 0


@pytest.mark.parametrize("text", ["reset x", "OFF please", "reset reset"])
async def test_welcome_keywords_with_something_after_them_change_nothing(h: Harness, text: str) -> None:
    await h.setup_group()
    await h.say(h.owner, "/welcome Hello {name}", chat=h.group)
    await h.say(h.owner, f"/welcome {text}", chat=h.group)
    assert "takes nothing after it" in h.texts_to(h.group.id)[-1]
    async with h.app.db.session() as session:
        assert (await session.get(Group, h.group.id)).welcome_text == "Hello {name}"  # type: ignore[union-attr]


async def test_a_welcome_with_too_many_names_is_refused_and_three_long_names_still_arrive(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/welcome " + "{name}" * 166, chat=h.group)
    assert "at most 3 times" in h.texts_to(h.group.id)[-1]
    await h.say(h.owner, "/welcome " + "Hi {name}! " * 3 + "x" * 900, chat=h.group)
    assert "Saved" in h.texts_to(h.group.id)[-1]
    h.app.coalescer.window = 30.0
    before = len(h.emu.sent(h.group.id))
    for i in range(45):
        await h.feed(h.emu.push_join_request(h.emu.create_user(f"N{i:02d}" + "名" * 60), h.group))
    await h.settle()
    welcome = "\n".join(m.shown for m in h.emu.sent(h.group.id)[before:])
    assert all(f"N{i:02d}" in welcome for i in range(45))  # nobody's welcome is lost
    assert all(utf16_len(m.shown) <= 4096 for m in h.emu.sent(h.group.id)[before:])


async def test_invite_revoke_stops_a_link_and_takes_it_off_the_list(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/invite summer", chat=h.group)
    await h.say(h.owner, "/invite winter", chat=h.group)
    summer = next(url for url, info in h.emu.invite_links.items() if info.get("name") == "summer")
    await h.say(h.owner, "/invite revoke", chat=h.group)
    assert "Usage: /invite revoke" in h.texts_to(h.group.id)[-1]
    await h.say(h.owner, "/invite revoke autumn", chat=h.group)
    assert 'no invite link called "autumn"' in h.texts_to(h.group.id)[-1]
    await h.say(h.owner, "/invite revoke summer", chat=h.group)
    assert "Revoked" in h.texts_to(h.group.id)[-1]
    assert h.emu.invite_links[summer]["is_revoked"]
    await h.say(h.owner, "/invites", chat=h.group)
    listing = h.texts_to(h.group.id)[-1]
    assert "winter" in listing and "summer" not in listing
    assert await count(h, InviteLink) == 1
    async with h.app.db.session() as session:
        actions = [a.action for a in (await session.execute(select(AuditEntry))).scalars()]
    assert "invite.revoke" in actions


async def test_invite_revoke_without_the_right_changes_nothing(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/invite summer", chat=h.group)
    h.emu.set_bot_rights(h.group, can_invite_users=False)
    await h.say(h.owner, "/invite revoke summer", chat=h.group)
    assert "couldn't revoke" in h.texts_to(h.group.id)[-1]
    assert await count(h, InviteLink) == 1


async def test_schedule_options_longer_than_their_column_are_refused(
        h: Harness, errors: list[logging.LogRecord]) -> None:
    await h.setup_group()
    segment = "(tag:" + "a" * 32 + ")or(tag:" + "b" * 32 + ")or(tag:" + "c" * 28 + ")"
    await h.say(h.owner, f"/redpacket_schedule daily 10:00 10 2 equal pw={'p' * 32} for={segment} expires=1439m",
                chat=h.group)
    assert "too long to keep with a schedule" in h.texts_to(h.group.id)[-1]
    await h.say(h.owner, "/redpacket_schedule list", chat=h.group)
    assert "#1" not in h.texts_to(h.group.id)[-1]
    assert not errors
