"""Telegram users, group membership, staff and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.db.models import AuditEntry, GroupMember, Staff, User
from bot.services.sql import insert_for, rowcount
from games.errors import DomainError
from games.inputs import bounded

USERS = User.__table__  # type: ignore[attr-defined]
GROUP_MEMBERS = GroupMember.__table__  # type: ignore[attr-defined]
STAFF = Staff.__table__  # type: ignore[attr-defined]
AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Profile:
    """What the bot knows of a Telegram user from the update itself."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    is_bot: bool

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or str(self.id)


async def upsert_user(session: AsyncSession, p: Profile, now: datetime, group_id: int | None = None) -> None:
    stmt = insert_for(session, USERS).values(
        id=p.id, first_name=p.first_name, last_name=p.last_name, username=p.username,
        language_code=p.language_code, is_bot=p.is_bot, first_seen_at=now, updated_at=now,
    )
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={"first_name": stmt.excluded.first_name, "last_name": stmt.excluded.last_name,
              "username": stmt.excluded.username, "language_code": stmt.excluded.language_code,
              "updated_at": stmt.excluded.updated_at},
    ))
    if group_id is not None:
        await add_to_group(session, group_id, p.id, now)


async def upsert_users(session: AsyncSession, seen: list[tuple[Profile, datetime]]) -> None:
    """:func:`upsert_user` for many profiles in one statement (the latest of each user wins)."""
    latest = {p.id: (p, now) for p, now in seen}  # one row per user per statement
    if not latest:
        return
    stmt = insert_for(session, USERS)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["id"],
            set_={"first_name": stmt.excluded.first_name, "last_name": stmt.excluded.last_name,
                  "username": stmt.excluded.username, "language_code": stmt.excluded.language_code,
                  "updated_at": stmt.excluded.updated_at},
        ),
        [{"id": p.id, "first_name": p.first_name, "last_name": p.last_name, "username": p.username,
          "language_code": p.language_code, "is_bot": p.is_bot, "first_seen_at": now, "updated_at": now}
         for p, now in latest.values()],
    )


@dataclass(frozen=True)
class SeenProfile:
    profile: Profile
    now: datetime
    group_id: int | None


class ProfileOp:
    """Profile upserts in bulk for the group committer (a stampede of new members)."""

    async def single(self, session: AsyncSession, item: SeenProfile) -> None:
        await upsert_user(session, item.profile, item.now, item.group_id)

    async def bulk(self, session: AsyncSession, items: list[SeenProfile]) -> list[DomainError | None]:
        await upsert_users(session, [(i.profile, i.now) for i in items])
        memberships = {(i.group_id, i.profile.id): i.now for i in items if i.group_id is not None}
        if memberships:
            await session.execute(
                insert_for(session, GROUP_MEMBERS).on_conflict_do_nothing(index_elements=["chat_id", "user_id"]),
                [{"chat_id": chat_id, "user_id": user_id, "first_seen_at": now}
                 for (chat_id, user_id), now in memberships.items()],
            )
        return [None] * len(items)


PROFILE_OP = ProfileOp()


async def add_to_group(session: AsyncSession, chat_id: int, user_id: int, now: datetime) -> None:
    stmt = insert_for(session, GROUP_MEMBERS).values(chat_id=chat_id, user_id=user_id, first_seen_at=now)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["chat_id", "user_id"]))


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def find_user_by_username(session: AsyncSession, username: str) -> User | None:
    name = username.lstrip("@")
    rows = await session.execute(select(User).where(col(User.username) == name))
    return rows.scalars().first()


async def staff_ids(session: AsyncSession) -> set[int]:
    return set((await session.execute(select(STAFF.c.user_id))).scalars())


async def add_staff(session: AsyncSession, user_id: int, by: int, now: datetime) -> bool:
    stmt = insert_for(session, STAFF).values(user_id=user_id, added_by=by, added_at=now)
    result = await session.execute(stmt.on_conflict_do_nothing(index_elements=["user_id"]))
    return bool(rowcount(result))


async def remove_staff(session: AsyncSession, user_id: int) -> bool:
    result = await session.execute(delete(STAFF).where(STAFF.c.user_id == user_id))
    return bool(rowcount(result))


async def record_audit(
    session: AsyncSession, *, actor_id: int, action: str, now: datetime,
    chat_id: int | None = None, target: str | None = None, details: str | None = None,
) -> None:
    # A log line: cut to its columns (what staff typed can be longer than any column).
    await session.execute(AUDIT.insert().values(
        actor_id=actor_id, action=action, chat_id=chat_id, target=bounded(target, 128) if target else None,
        details=bounded(details, 1024) if details else None, created_at=now,
    ))


async def latest_audit(session: AsyncSession, limit: int = 15) -> list[tuple[AuditEntry, str | None]]:
    """The newest audit rows with the actor's first name (if the bot has seen them)."""
    rows = await session.execute(
        select(AuditEntry, col(User.first_name)).outerjoin(User, col(User.id) == col(AuditEntry.actor_id))
        .order_by(col(AuditEntry.id).desc()).limit(limit)
    )
    return [(entry, name) for entry, name in rows.all()]
