"""The broadcast engine's staff reports through the real Dispatcher: /broadcasts, /broadcast ID,
/broadcast cancel ID — staff only, bad input answered with the usage line, nothing written."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import AuditEntry, Delivery
from bot.emulator.files import FileRegistry
from bot.services.broadcasts import Target, plan
from bot.services.deliveries import WITHOUT_PHOTO
from tests.harness import Harness


async def _reply(h: Harness, text: str) -> str:
    await h.say(h.owner, text)
    return h.texts_to(h.owner.id)[-1]


async def test_staff_read_the_delivery_report_and_cancel_what_is_planned(h: Harness) -> None:
    stranger = h.emu.create_user("Sam")  # never started the bot: their delivery waits
    async with h.app.db.session() as session:
        planned = await plan(session, kind="text", args={"text": "Spring sale"},
                             targets=[Target(h.group.id, False), Target(stranger.id, True)],
                             at=h.clock.now(), now=h.clock.now(), source="test:report")
    engine = h.states["broadcasts"]
    engine.wake()
    await h.emu.wait_sent(h.group.id, 1, timeout=10)
    await engine.wait_idle()

    listing = await _reply(h, "/broadcasts")
    assert f"#{planned.broadcast_id} text" in listing and "sent 1/2" in listing, listing
    report = await _reply(h, f"/broadcast {planned.broadcast_id}")
    assert "2 messages: sent 1, planned 1" in report, report
    assert "Waiting for the member to start the bot: 1" in report, report
    assert "First sent 2026-03-02 09:00, last sent 2026-03-02 09:00" in report, report  # local time

    cancelled = await _reply(h, f"/broadcast cancel {planned.broadcast_id}")
    assert f"Broadcast #{planned.broadcast_id} cancelled: 1 planned" in cancelled, cancelled
    async with h.app.db.reader() as session:
        states = dict((await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all())
        audits = (await session.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "broadcast.cancel"))).scalar_one()
    assert states == {"sent": 1, "cancelled": 1} and audits == 1
    assert "cancelled" in await _reply(h, f"/broadcast {planned.broadcast_id}")


async def test_a_photo_telegram_refuses_goes_out_as_text_and_the_report_says_so(h: Harness) -> None:
    """A stored file_id this bot was never given (file_ids are per bot: e.g. a catalogue imported from
    another bot's export) is refused by Telegram; the post goes out as text, never silently dropped,
    and the delivery report counts it."""
    good = h.emu.user_sends_photo(h.owner)["message"]["photo"][-1]["file_id"]
    foreign = FileRegistry(bot_id=999).issue("photo").file_id
    engine = h.states["broadcasts"]
    ids = []
    for n, photo in enumerate((foreign, "PHOTO-1", good)):
        async with h.app.db.session() as session:
            planned = await plan(session, kind="text", args={"text": f"Spring sale {n}", "photo": photo},
                                 targets=[Target(h.group.id, False)], at=h.clock.now(), now=h.clock.now(),
                                 source=f"test:photo:{n}")
        ids.append(planned.broadcast_id)
        engine.wake()
        await h.emu.wait_sent(h.group.id, n + 1, timeout=10)
        await engine.wait_idle()
    posts = h.emu.sent(h.group.id)
    assert [(p.method, p.shown) for p in posts] == [
        ("sendMessage", "Spring sale 0"), ("sendMessage", "Spring sale 1"), ("sendPhoto", "Spring sale 2")]
    assert posts[2].photo == good
    async with h.app.db.reader() as session:
        rows = (await session.execute(select(Delivery.broadcast_id, Delivery.state, Delivery.reason,
                                             Delivery.message_id).order_by(Delivery.id))).all()
    assert [tuple(r) for r in rows] == [(ids[0], "sent", WITHOUT_PHOTO, posts[0].message_id),
                                        (ids[1], "sent", WITHOUT_PHOTO, posts[1].message_id),
                                        (ids[2], "sent", None, posts[2].message_id)]
    report = await _reply(h, f"/broadcast {ids[0]}")
    assert "1 message: sent 1" in report and "Sent as text without the photo" in report, report
    assert "without the photo" not in await _reply(h, f"/broadcast {ids[2]}")


async def test_bad_input_gets_the_usage_and_customers_are_refused(h: Harness) -> None:
    assert "Nothing has been broadcast yet" in await _reply(h, "/broadcasts")
    assert "Usage:" in await _reply(h, "/broadcast")
    answer = await _reply(h, "/broadcast <b>x</b>")
    assert "is not a broadcast number" in answer and "&lt;b&gt;" in answer and "Usage:" in answer
    assert "There is no broadcast #42" in await _reply(h, "/broadcast 42")
    assert "There is no broadcast #42" in await _reply(h, "/broadcast cancel 42")
    assert "Usage:" in await _reply(h, "/broadcast cancel")
    assert "Usage:" in await _reply(h, "/broadcast cancel abc")
    customer = h.emu.create_user("Cleo")
    await h.say(customer, "/broadcasts")
    await h.say(customer, "/broadcast cancel 1")
    assert not any("broadcast" in t.lower() and "Usage" in t for t in h.texts_to(customer.id))
    assert not any("Recent broadcasts" in t or "Nothing has been broadcast" in t for t in h.texts_to(customer.id))
