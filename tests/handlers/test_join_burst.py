"""A burst of join requests at once is decided exactly as the same requests one by one: the reads
share a snapshot, the writes a few statements per batch (issue 14), and nothing is decided, told,
carried out or paid twice — a copy of a request delivered again in the same batch included."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import JoinRequest, LedgerEntry
from bot.services import gate as gate_service
from bot.services import ledger
from bot.views.gate import JOIN_OP, NewJoin
from tests.factories import decisions, staff_says
from tests.harness import Harness


async def test_a_burst_with_a_segment_gate_is_decided_once_each(h: Harness) -> None:
    await h.setup_group()
    assert "Saved" in await staff_says(h, "/welcome gift=30")
    await staff_says(h, '/gate segment="tag:vip"')
    vips = [h.emu.create_user(f"Vip{i}") for i in range(6)]
    others = [h.emu.create_user(f"Guest{i}") for i in range(8)]
    banned = h.emu.create_user("Mallory")
    for vip in [*vips, banned]:
        await h.say(vip, "/start")  # known to the bot: a stranger has no tags yet
        assert "tagged vip" in await staff_says(h, f"/tag {vip.id} vip")
    await staff_says(h, f"/ban {banned.id} spam")
    applicants = [*vips, *others, banned]
    updates = [h.emu.push_join_request(person, h.group) for person in applicants]
    # The first request also arrives a second time (a restarted bot gets it again), in the same burst.
    await asyncio.gather(*(h.feed(u) for u in updates), h.feed_after_restart(updates[0]))
    await h.settle()

    for vip in vips:
        assert decisions(h, vip) == ["approved"], vip.full_name
        assert "+30" in h.texts_to(vip.id)[-1] and sum("approved" in t for t in h.texts_to(vip.id)) == 1
    for guest in others:
        assert decisions(h, guest) == ["declined"], guest.full_name
        assert len(h.texts_to(guest.id)) == 1 and "particular group of customers" in h.texts_to(guest.id)[0]
    assert decisions(h, banned) == ["declined"]
    async with h.app.db.reader() as session:
        rows = (await session.execute(select(JoinRequest.user_id, JoinRequest.status, JoinRequest.reason,
                                             JoinRequest.applied, JoinRequest.notified))).all()
        gifts = (await session.execute(select(func.count()).select_from(LedgerEntry)
                                       .where(LedgerEntry.reason == "welcome"))).scalar_one()
        balances = [await ledger.balance_of(session, vip.id) for vip in vips]
    assert len(rows) == len(applicants)  # the copy opened no second request
    assert all(applied and notified for _u, _s, _r, applied, notified in rows)
    reasons = {uid: (status, reason) for uid, status, reason, _a, _n in rows}
    assert reasons[banned.id] == ("declined", "banned")
    assert {reasons[g.id] for g in others} == {("declined", "failed:segment")}
    assert gifts == len(vips) and balances == [30] * len(vips)


async def test_a_burst_approves_into_an_open_group_and_pays_each_gift_once(h: Harness) -> None:
    await h.setup_group()
    assert "Saved" in await staff_says(h, "/welcome gift=10")
    h.app.coalescer.window = 30.0  # everyone arrives within one welcome window
    people = [h.emu.create_user(f"Guest{i}") for i in range(12)]
    before = len(h.emu.sent(h.group.id))
    updates = [h.emu.push_join_request(person, h.group) for person in people]
    await asyncio.gather(*(h.feed(u) for u in updates), *(h.feed_after_restart(u) for u in updates[:3]))
    await h.settle()
    assert all(decisions(h, p) == ["approved"] for p in people)
    assert all(len(h.texts_to(p.id)) == 1 for p in people)
    welcomes = h.emu.sent(h.group.id)[before:]
    assert len(welcomes) == 1 and all(f"Guest{i}" in (welcomes[0].text or "") for i in range(12))
    async with h.app.db.reader() as session:
        assert [await ledger.balance_of(session, p.id) for p in people] == [10] * len(people)


async def test_a_burst_on_a_running_clock_is_decided_in_one_update_per_kind_of_decision(
        h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the real clock no two requests of a burst share an instant: the batch still writes one
    update per kind of decision (what the grouping is for), each request keeping its own time."""
    await h.setup_group()
    await staff_says(h, '/gate segment="tag:vip"')
    start = h.clock.now()
    ticks = itertools.count(1)
    monkeypatch.setattr(h.app.clock, "now", lambda: start + timedelta(microseconds=next(ticks)))
    batches: list[int] = []
    kinds: list[tuple[bool, str, int]] = []
    bulk, decide_many = JOIN_OP.bulk, gate_service.decide_many

    async def counted_bulk(session: AsyncSession, items: list[NewJoin]) -> list[Any]:
        batches.append(len(items))
        return await bulk(session, items)

    async def counted_decide(session: AsyncSession, decided_at: list[tuple[int, datetime]], **kind: Any
                             ) -> set[int]:
        kinds.append((kind["approved"], kind["reason"], len(decided_at)))
        return await decide_many(session, decided_at, **kind)

    monkeypatch.setattr(JOIN_OP, "bulk", counted_bulk)
    monkeypatch.setattr(gate_service, "decide_many", counted_decide)
    guests = [h.emu.create_user(f"Guest{i}") for i in range(10)]
    await asyncio.gather(*(h.feed(h.emu.push_join_request(guest, h.group)) for guest in guests))
    await h.settle()
    assert all(decisions(h, guest) == ["declined"] for guest in guests)
    assert max(batches) > 1  # the burst was batched
    # One update per batch (a single kind of decision), however many instants it spans.
    assert len(kinds) == len(batches) and {(a, r) for a, r, _n in kinds} == {(False, "failed:segment")}
    assert sum(n for _a, _r, n in kinds) == len(guests)
    async with h.app.db.reader() as session:
        times = (await session.execute(select(JoinRequest.decided_at))).scalars().all()
    assert len(set(times)) == len(guests)  # each kept its own time
