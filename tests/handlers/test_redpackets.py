"""Red packets through the real Dispatcher over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.db.models import AuditEntry, LedgerEntry, RedPacket, RedPacketShare
from bot.services import ledger
from bot.views.redpackets import GrabCb
from games.points import Reason
from scheduler.jobs.redpackets import sweep_packets
from tests.factories import assert_books_balance, balance, count, latest_packet, member, ready_for_packets
from tests.harness import Harness


async def test_staff_packet_is_paid_from_the_budget_and_grabbed_once_each(h: Harness) -> None:
    await ready_for_packets(h)
    await h.say(h.owner, "/redpacket 100 3", chat=h.group)
    packet = await latest_packet(h)
    assert packet.funder_id == ledger.SHOP_ACCOUNT and packet.message_id is not None
    assert await balance(h, ledger.SHOP_ACCOUNT) == 900
    text = h.emu.sent(h.group.id)[-1].text or ""
    assert "100 points in 3 shares" in text and "0/3 grabbed" in text
    people = [member(h, n) for n in ("Ann", "Bob", "Cat", "Dee")]
    answers = [await h.tap(p, packet.message_id, GrabCb(id=packet.id).pack()) for p in people]  # type: ignore[arg-type]
    assert [("You grabbed" in a["text"]) for a in answers[:2]] == [True, True]
    assert "last share" in answers[2]["text"]
    assert "All gone" in answers[3]["text"]
    again = await h.tap(people[0], packet.message_id, GrabCb(id=packet.id).pack())  # type: ignore[arg-type]
    assert "already grabbed" in again["text"]
    got = [await balance(h, p.id) for p in people]
    assert sum(got) == 100 and got[3] == 0 and all(g >= 1 for g in got[:3])
    await h.settle()
    final = h.emu.message(h.group.id, packet.message_id).text or ""
    assert "All 3 shares grabbed" in final and "Luckiest" in final
    await assert_books_balance(h)
    async with h.app.db.session() as session:
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert "redpacket.send" in actions and "budget.add" in actions


async def test_member_packet_debits_the_member(h: Harness) -> None:
    await ready_for_packets(h)
    ann = member(h, "Ann")
    await h.say(ann, "/checkin", chat=h.group)  # 5 points
    await h.say(ann, "/redpacket 10 2", chat=h.group)
    assert "not enough for a 10-point packet" in h.texts_to(h.group.id)[-1]
    await h.say(ann, "/redpacket 4 2 equal", chat=h.group)
    assert await balance(h, ann.id) == 1
    packet = await latest_packet(h)
    assert packet.funder_id == ann.id and packet.split == "equal"
    async with h.app.db.session() as session:
        amounts = (await session.execute(select(RedPacketShare.amount).where(
            RedPacketShare.packet_id == packet.id))).scalars().all()  # type: ignore[arg-type]
    assert sorted(amounts) == [2, 2]
    await assert_books_balance(h)


async def test_bad_commands_get_clear_answers_and_write_nothing(h: Harness) -> None:
    await ready_for_packets(h)
    entries = await count(h, LedgerEntry)
    cases = {
        "/redpacket": "Usage",
        "/redpacket 5 10": "10 shares need at least 10 points",
        "/redpacket 0 1": "at least 1",
        "/redpacket -5 1": "whole numbers",
        "/redpacket 100 2 sparkly": "“sparkly”",
        "/redpacket 100 2 expires=9y": "Expiry",
        "/redpacket 99999999 2": "too big",
        "/redpacket 5000 2": "shop budget has 1,000 points",
        "/redpacket ５ 1": "whole numbers",
    }
    for command, expected in cases.items():
        await h.say(h.owner, command, chat=h.group)
        assert expected in h.texts_to(h.group.id)[-1], command
    await h.say(h.owner, "/redpacket 5 1")
    assert "shop group" in h.texts_to(h.owner.id)[-1]
    assert await count(h, LedgerEntry) == entries
    async with h.app.db.session() as session:
        assert (await session.execute(select(func.count()).select_from(RedPacket))).scalar_one() == 0


async def test_duplicate_update_creates_one_packet_and_pays_once(h: Harness) -> None:
    await ready_for_packets(h)
    update = h.emu.user_sends(h.owner, "/redpacket 50 5", chat=h.group)
    await h.feed(update)
    await h.feed_after_restart(update)
    await h.settle()
    async with h.app.db.session() as session:
        assert (await session.execute(select(func.count()).select_from(RedPacket))).scalar_one() == 1
    assert await balance(h, ledger.SHOP_ACCOUNT) == 950
    packet = await latest_packet(h)
    ann = member(h, "Ann")
    cq = h.emu.press_button(ann, packet.message_id, h.group, GrabCb(id=packet.id).pack())  # type: ignore[arg-type]
    tap = h.emu.last_update
    await h.feed(tap)
    await h.feed_after_restart(tap)
    await h.emu.wait_callback_answer(cq, timeout=5)
    async with h.app.db.session() as session:
        credits = (await session.execute(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.user_id == ann.id))).scalar_one()
    assert credits == 1
    await assert_books_balance(h)


async def test_forged_and_expired_taps_change_nothing(h: Harness) -> None:
    await ready_for_packets(h)
    await h.say(h.owner, "/redpacket 30 3 expires=1h", chat=h.group)
    packet = await latest_packet(h)
    ann = member(h, "Ann")
    entries = await count(h, LedgerEntry)
    other = await h.tap(ann, packet.message_id, GrabCb(id=packet.id + 77).pack())  # type: ignore[operator]
    assert "does not exist" in other["text"]
    garbage = await h.tap(ann, packet.message_id, "rp:abc")  # type: ignore[arg-type]
    assert garbage["text"]
    # A forged tap on the id the next packet will get does not spoil that packet.
    await h.tap(ann, packet.message_id, GrabCb(id=packet.id + 1).pack())  # type: ignore[operator]
    await h.say(h.owner, "/redpacket 10 1", chat=h.group)
    nxt = await latest_packet(h)
    assert nxt.id == packet.id + 1  # type: ignore[operator]
    won = await h.tap(ann, nxt.message_id, GrabCb(id=nxt.id).pack())  # type: ignore[arg-type]
    assert "You grabbed 10" in won["text"]
    entries = await count(h, LedgerEntry)
    assert await count(h, LedgerEntry) == entries
    h.clock.advance(timedelta(hours=1, seconds=1))
    late = await h.tap(ann, packet.message_id, GrabCb(id=packet.id).pack())  # type: ignore[arg-type]
    assert "expired" in late["text"]
    assert await count(h, LedgerEntry) == entries
    assert await sweep_packets(h.app, red_packets=h.red_packets) == 1
    assert await sweep_packets(h.app, red_packets=h.red_packets) == 0  # refunded once
    assert await balance(h, ledger.SHOP_ACCOUNT) == 1000 - 10  # all of the first back; the second was grabbed
    await h.settle()
    final = h.emu.message(h.group.id, packet.message_id).text or ""
    assert "30 points returned to the shop" in final
    await assert_books_balance(h)


async def test_password_packet_opens_by_typing_the_password(h: Harness) -> None:
    await ready_for_packets(h)
    await h.say(h.owner, "/redpacket 20 2 pw=恭喜发财", chat=h.group)
    packet = await latest_packet(h)
    assert "恭喜发财" in (h.emu.sent(h.group.id)[-1].text or "")
    ann, bob = member(h, "Ann"), member(h, "Bob")
    await h.say(ann, "恭喜发财", chat=h.group)
    await h.say(ann, "恭喜发财", chat=h.group)  # twice does nothing more
    await h.say(bob, " 恭喜发财 ", chat=h.group)
    assert await balance(h, ann.id) + await balance(h, bob.id) == 20
    lines = "\n".join(h.texts_to(h.group.id))
    assert lines.count("Ann grabbed") == 1 and lines.count("Bob grabbed") == 1
    packet = await latest_packet(h)
    assert packet.status == "empty"
    await assert_books_balance(h)


async def test_only_members_from_before_the_packet(h: Harness) -> None:
    await ready_for_packets(h)
    ann = member(h, "Ann")
    await h.say(ann, "hello", chat=h.group)  # the shop now knows Ann in this group
    h.clock.advance(timedelta(minutes=1))
    await h.say(h.owner, "/redpacket 20 2 for=before", chat=h.group)
    packet = await latest_packet(h)
    h.clock.advance(timedelta(minutes=1))
    newbie = member(h, "Newbie")
    refused = await h.tap(newbie, packet.message_id, GrabCb(id=packet.id).pack())  # type: ignore[arg-type]
    assert "before it was sent" in refused["text"]
    ok = await h.tap(ann, packet.message_id, GrabCb(id=packet.id).pack())  # type: ignore[arg-type]
    assert "You grabbed" in ok["text"]
    await assert_books_balance(h)


async def test_customers_cannot_use_the_budget_or_schedules(h: Harness) -> None:
    await ready_for_packets(h)
    ann = member(h, "Ann")
    for command in ("/budget add 100", "/redpacket_schedule daily 10:00 100 10"):
        await h.say(ann, command, chat=h.group)
        assert "only shop staff" in h.texts_to(h.group.id)[-1]
    assert await balance(h, ledger.SHOP_ACCOUNT) == 1000


async def test_segment_packets_open_only_for_that_segment(h: Harness) -> None:
    await ready_for_packets(h)
    ann, bob = member(h, "Ann"), member(h, "Bob")
    await h.say(h.owner, f"/tag {ann.id} vip")
    await h.say(h.owner, "/redpacket 20 2 for=tag:vip", chat=h.group)
    assert "segment <code>tag:vip</code>" in (h.emu.sent(h.group.id)[-1].text or "")
    packet = await latest_packet(h)
    refused = await h.tap(bob, packet.message_id, GrabCb(id=packet.id).pack())  # type: ignore[arg-type]
    assert "only for members in the segment tag:vip" in refused["text"]
    ok = await h.tap(ann, packet.message_id, GrabCb(id=packet.id).pack())  # type: ignore[arg-type]
    assert "You grabbed" in ok["text"]
    await h.say(h.owner, "/redpacket 20 2 for=vipz", chat=h.group)
    assert "is not a segment" in h.texts_to(h.group.id)[-1]
    await assert_books_balance(h)


async def test_password_packets_open_only_by_typing_even_when_two_share_a_password(h: Harness) -> None:
    await ready_for_packets(h)
    await h.say(h.owner, "/redpacket 20 2 pw=hello", chat=h.group)
    first = await latest_packet(h)
    await h.say(h.owner, "/redpacket 5 1 pw=hello", chat=h.group)
    second = await latest_packet(h)
    ann, bob, cat = member(h, "Ann"), member(h, "Bob"), member(h, "Cat")
    # A forged button for a password packet: nothing, however the payload is made.
    forged = await h.tap(ann, first.message_id, GrabCb(id=first.id).pack())  # type: ignore[arg-type]
    assert "does not exist" in forged["text"]
    assert await balance(h, ann.id) == 0
    for person in (ann, bob, cat, ann):
        await h.say(person, "hello", chat=h.group)
    got = {m.first_name: await balance(h, m.id) for m in (ann, bob, cat)}
    assert sum(got.values()) == 25 and all(got.values())
    async with h.app.db.session() as session:
        statuses = (await session.execute(select(RedPacket.status).where(
            RedPacket.id.in_([first.id, second.id])))).scalars().all()  # type: ignore[union-attr]
    assert statuses == ["empty", "empty"]
    await assert_books_balance(h)


async def test_a_member_cannot_flood_the_group_with_packets(h: Harness) -> None:
    await ready_for_packets(h)
    ann = member(h, "Ann")
    await h.say(ann, "hi", chat=h.group)
    async with h.app.db.session() as session:
        await ledger.move(session, user_id=ann.id, amount=100, reason=Reason.GRANT,
                          key="grant:ann", now=h.clock.now())
    for _i in range(3):
        await h.say(ann, "/redpacket 2 1", chat=h.group)
    await h.say(ann, "/redpacket 2 1", chat=h.group)
    assert "already have 3 red packets open" in h.texts_to(h.group.id)[-1]
    assert await balance(h, ann.id) == 94
    await assert_books_balance(h)
