"""The bot's rights per chat as last seen: a change is recognised (and told) once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import BotChatRights
from bot.services.sql import insert_for, rowcount

RIGHTS = BotChatRights.__table__  # type: ignore[attr-defined]


async def swap(session: AsyncSession, chat_id: int, state: str, now: datetime) -> tuple[bool, str | None]:
    """Store ``state`` for ``chat_id``. Returns ``(changed, previous)``: ``changed`` is true only for
    the one caller that moved the stored state (a repeated or concurrent identical update gets
    false); ``previous`` is None when nothing was stored before."""
    previous = (await session.execute(select(RIGHTS.c.state).where(RIGHTS.c.chat_id == chat_id))).scalar_one_or_none()
    if previous is None:
        stmt = insert_for(session, RIGHTS).values(chat_id=chat_id, state=state, updated_at=now)
        inserted = await session.execute(stmt.on_conflict_do_nothing(index_elements=["chat_id"]))
        return rowcount(inserted) == 1, None
    if previous == state:
        return False, previous
    # Compare-and-set: of two identical updates racing, one moves the state, the other finds it moved.
    moved = await session.execute(update(RIGHTS).where(RIGHTS.c.chat_id == chat_id, RIGHTS.c.state == previous)
                                  .values(state=state, updated_at=now))
    return rowcount(moved) == 1, previous
