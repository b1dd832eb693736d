"""Who may come in: the allow-list, staff tags and bans (拉黑)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AllowedUser, Ban, UserTag
from bot.services.sql import insert_for, rowcount

ALLOWED = AllowedUser.__table__  # type: ignore[attr-defined]
TAGS = UserTag.__table__  # type: ignore[attr-defined]
BANS = Ban.__table__  # type: ignore[attr-defined]


async def allow(session: AsyncSession, user_id: int, by: int, now: datetime) -> bool:
    stmt = insert_for(session, ALLOWED).values(user_id=user_id, added_by=by, added_at=now)
    return bool(rowcount(await session.execute(stmt.on_conflict_do_nothing(index_elements=["user_id"]))))


async def disallow(session: AsyncSession, user_id: int) -> bool:
    return bool(rowcount(await session.execute(delete(ALLOWED).where(ALLOWED.c.user_id == user_id))))


async def is_allowed(session: AsyncSession, user_id: int) -> bool:
    return (await session.execute(select(ALLOWED.c.user_id).where(ALLOWED.c.user_id == user_id))).first() is not None


async def allowed_ids(session: AsyncSession, limit: int = 50) -> tuple[int, list[int]]:
    total = (await session.execute(select(func.count()).select_from(ALLOWED))).scalar_one()
    ids = (await session.execute(select(ALLOWED.c.user_id).order_by(ALLOWED.c.user_id).limit(limit))).scalars()
    return int(total), list(ids)


async def add_tag(session: AsyncSession, user_id: int, tag: str, by: int, now: datetime) -> bool:
    stmt = insert_for(session, TAGS).values(user_id=user_id, tag=tag, added_by=by, added_at=now)
    return bool(rowcount(await session.execute(stmt.on_conflict_do_nothing(index_elements=["user_id", "tag"]))))


async def remove_tag(session: AsyncSession, user_id: int, tag: str) -> bool:
    result = await session.execute(delete(TAGS).where(TAGS.c.user_id == user_id, TAGS.c.tag == tag))
    return bool(rowcount(result))


async def tags_of(session: AsyncSession, user_id: int) -> list[str]:
    return list((await session.execute(select(TAGS.c.tag).where(TAGS.c.user_id == user_id).order_by(TAGS.c.tag)))
                .scalars())


async def ban(session: AsyncSession, user_id: int, by: int, now: datetime, reason: str | None) -> bool:
    stmt = insert_for(session, BANS).values(user_id=user_id, banned_by=by, reason=(reason or None), banned_at=now)
    return bool(rowcount(await session.execute(stmt.on_conflict_do_nothing(index_elements=["user_id"]))))


async def unban(session: AsyncSession, user_id: int) -> bool:
    return bool(rowcount(await session.execute(delete(BANS).where(BANS.c.user_id == user_id))))


