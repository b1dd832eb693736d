"""Registered groups and their check-in settings."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.db.models import Group
from bot.services.sql import insert_for
from games.checkin import CheckinRules

GROUPS = Group.__table__  # type: ignore[attr-defined]


def rules_of(group: Group) -> CheckinRules:
    post = None
    if group.checkin_post_time:
        hh, mm = group.checkin_post_time.split(":")
        post = time(int(hh), int(mm))
    return CheckinRules(base=group.checkin_base, bonuses=CheckinRules.decode_bonuses(group.checkin_bonuses),
                        post_time=post)


async def get_group(session: AsyncSession, chat_id: int) -> Group | None:
    return await session.get(Group, chat_id)


async def register(
    session: AsyncSession, *, chat_id: int, title: str, label: str, by: int, now: datetime,
    thread_id: int | None = None,
) -> bool:
    """Register (or re-activate and relabel) a group; ``thread_id`` is the forum topic for the
    bot's own posts (None: General, or no topics). True when it is new."""
    existing = await get_group(session, chat_id)
    if existing is None:
        stmt = insert_for(session, GROUPS).values(
            chat_id=chat_id, title=title, label=label, checkin_base=CheckinRules().base,
            checkin_bonuses=CheckinRules().encode_bonuses(), active=True, registered_by=by, registered_at=now,
            thread_id=thread_id,
        )
        await session.execute(stmt.on_conflict_do_nothing(index_elements=["chat_id"]))
        return True
    await session.execute(update(GROUPS).where(GROUPS.c.chat_id == chat_id)
                          .values(title=title, label=label, active=True, thread_id=thread_id))
    return False


async def save_rules(session: AsyncSession, chat_id: int, rules: CheckinRules) -> None:
    await session.execute(update(GROUPS).where(GROUPS.c.chat_id == chat_id).values(
        checkin_base=rules.base, checkin_bonuses=rules.encode_bonuses(),
        checkin_post_time=rules.post_time.strftime("%H:%M") if rules.post_time else None,
    ))


async def set_active(session: AsyncSession, chat_id: int, active: bool) -> None:
    await session.execute(update(GROUPS).where(GROUPS.c.chat_id == chat_id).values(active=active))


async def active_groups(session: AsyncSession) -> list[Group]:
    rows = await session.execute(select(Group).where(col(Group.active) == True).order_by(col(Group.chat_id)))  # noqa: E712
    return list(rows.scalars())
