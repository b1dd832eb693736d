"""Run claims: a scheduled job claims its run by key, so a job that fires twice does its work once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import JobRun
from bot.services.sql import insert_for


async def claim(session: AsyncSession, key: str, now: datetime) -> bool:
    """True for the first claimant of ``key``; every later one gets False."""
    stmt = insert_for(session, JobRun.__table__).values(key=key, ran_at=now)  # type: ignore[attr-defined]
    result = await session.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
    return bool(result.rowcount)  # type: ignore[attr-defined]
