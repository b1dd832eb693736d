from __future__ import annotations

from datetime import UTC, datetime

from bot.db.engine import Database
from bot.services.people import Profile, upsert_user

NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


async def make_users(db: Database, *ids: int) -> None:
    async with db.session() as session:
        for uid in ids:
            await upsert_user(session, Profile(uid, f"User{uid}", None, None, "en", False), NOW)
