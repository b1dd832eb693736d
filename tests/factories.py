"""Shared test helpers, in one place: reading the books, seeding people and shops, and driving the
harness the way staff, members and applicants do. DB helpers take a :class:`Database` or a
:class:`Harness` (its database)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import Group, RedPacket
from bot.emulator import EmuUser
from bot.sender import RateLimitMiddleware
from bot.services import ledger
from bot.services.people import Profile, upsert_user
from bot.services.redpackets import accounting
from bot.services.votes import accounting as vote_accounting
from games.points import Reason
from tests.harness import Harness

NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)

Where = Database | Harness


def _db(where: Where) -> Database:
    return where.app.db if isinstance(where, Harness) else where


def _id(who: int | EmuUser) -> int:
    return who if isinstance(who, int) else who.id


# ---- reading the books ------------------------------------------------------------------------------

async def balance(where: Where, who: int | EmuUser) -> int:
    async with _db(where).session() as session:
        return await ledger.balance_of(session, _id(who))


async def count(where: Where, model: type, *conditions: Any) -> int:
    """Rows of ``model`` (matching ``conditions``)."""
    query = select(func.count()).select_from(model)
    if conditions:
        query = query.where(*conditions)
    async with _db(where).session() as session:
        return int((await session.execute(query)).scalar_one())


async def assert_books_balance(where: Where) -> None:
    """Every balance equals the sum of its ledger entries, and every red packet's and vote's points are
    accounted for (the checks ``regulars doctor`` runs)."""
    async with _db(where).reader() as session:
        assert await ledger.audit(session) == []
        assert await accounting(session) == []
        assert await vote_accounting(session) == []


async def packets(where: Where) -> list[RedPacket]:
    """Every red packet, oldest first."""
    async with _db(where).session() as session:
        return list((await session.execute(select(RedPacket).order_by(RedPacket.id))).scalars())  # type: ignore[arg-type]


async def latest_packet(where: Where) -> RedPacket:
    found = await packets(where)
    assert found, "no red packet"
    return found[-1]


# ---- seeding the database directly ---------------------------------------------------------------

async def make_users(db: Database, *ids: int) -> None:
    async with db.session() as session:
        for uid in ids:
            await upsert_user(session, Profile(uid, f"User{uid}", None, None, "en", False), NOW)


async def shop_with_budget(db: Database, chat_id: int, budget: int, now: datetime = NOW) -> None:
    """A registered group and a shop budget of ``budget`` points."""
    async with db.session() as session:
        session.add(Group(chat_id=chat_id, title="G", registered_by=1, registered_at=now))
        await ledger.ensure_shop_account(session, now)
        await ledger.move(session, user_id=ledger.SHOP_ACCOUNT, amount=budget, reason=Reason.BUDGET,
                          key="budget:test", now=now)


# ---- driving the harness ------------------------------------------------------------------------------

def member(h: Harness, name: str) -> EmuUser:
    """A new member of the test group."""
    user = h.emu.create_user(name, language_code="en")
    h.emu.add_member(h.group, user)
    return user


async def fund_budget(h: Harness, points: int) -> None:
    """The owner tops up the shop budget, as staff do."""
    await h.say(h.owner, f"/budget add {points}")


async def ready_for_packets(h: Harness, budget: int = 1000) -> None:
    """A registered group, a shop budget and seeded red-packet splits."""
    h.red_packets.rng = random.Random(42)
    await h.setup_group()
    if budget:
        await fund_budget(h, budget)


async def staff_says(h: Harness, text: str, chat: Any = None) -> str:
    """The owner sends ``text`` in ``chat`` (the test group); returns the latest message there."""
    target = chat or h.group
    await h.say(h.owner, text, chat=target)
    return h.texts_to(target.id)[-1]


async def join(h: Harness, user: EmuUser, link: str | None = None, *, date: int | None = None) -> None:
    """``user`` asks to join the test group (through invite ``link``; sent at ``date``)."""
    await h.feed(h.emu.push_join_request(user, h.group, link, date=date))
    await h.settle()


def decisions(h: Harness, user: EmuUser) -> list[str]:
    """What the bot decided on ``user``'s join requests to the test group, in order."""
    return [d for chat, uid, d in h.emu.join_request_decisions if uid == user.id and chat == h.group.id]


def fast_retries(h: Harness) -> None:
    """Back off milliseconds, not seconds, between retries (the counts stay Telegram-sized)."""
    for middleware in h.bot.session.middleware:
        if isinstance(middleware, RateLimitMiddleware):
            middleware.backoff_base = 0.001
