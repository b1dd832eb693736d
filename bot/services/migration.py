"""A basic group upgraded to a supergroup: its rows follow it to the new chat id, once.

Telegram gives the supergroup a new id and refuses everything sent to the old one. Every row
keyed by the group's chat id moves in one transaction; the ``chat_migrations`` row, inserted
first, makes the move happen once however many signs of it arrive (the two service messages,
in either order, and any 400 with ``migrate_to_chat_id``), and lets late updates from the old
id find the group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ChatMigration, Group, GroupMember, JobRun, JoinRequest, RedPacket, metadata
from bot.services.sql import insert_for, rowcount

MIGRATIONS = ChatMigration.__table__  # type: ignore[attr-defined]
GROUPS = Group.__table__  # type: ignore[attr-defined]
GROUP_MEMBERS = GroupMember.__table__  # type: ignore[attr-defined]
REQUESTS = JoinRequest.__table__  # type: ignore[attr-defined]
PACKETS = RedPacket.__table__  # type: ignore[attr-defined]
JOB_RUNS = JobRun.__table__  # type: ignore[attr-defined]
# Tables moved with care below; every other table with a ``chat_id`` column simply follows the
# group (invite links, schedules, check-ins, the audit log, and any table added later).
# Moved by hand below; ``bot_chat_rights`` (keyed by chat id) is not moved: the bot's rights in the
# supergroup are its own, seen afresh from Telegram.
_SPECIAL = frozenset({"chat_migrations", "groups", "group_members", "join_requests", "red_packets",
                      "bot_chat_rights"})


def followers() -> list[Table]:
    return [t for t in metadata.sorted_tables if "chat_id" in t.c and t.name not in _SPECIAL]

# Job claims that name the chat (``checkin-post:<chat>:<day>``): today's post is not made twice.
_CHAT_KEYED_JOBS = ("checkin-post",)


@dataclass(frozen=True)
class Moved:
    """What a migration moved: ``registered`` is False for a group the shop never set up."""

    old_chat_id: int
    new_chat_id: int
    registered: bool
    # Open packets whose message stayed in the old chat: they are posted again in the new one.
    reposts: list[int] = field(default_factory=list)


async def migrated_to(session: AsyncSession, old_chat_id: int) -> int | None:
    """The supergroup a basic group became, if it did."""
    return (await session.execute(
        select(MIGRATIONS.c.new_chat_id).where(MIGRATIONS.c.old_chat_id == old_chat_id)
    )).scalar_one_or_none()


async def all_migrations(session: AsyncSession) -> dict[int, int]:
    return dict((await session.execute(select(MIGRATIONS.c.old_chat_id, MIGRATIONS.c.new_chat_id))).all())


async def migrate(session: AsyncSession, old_chat_id: int, new_chat_id: int, now: datetime,
                  *, title: str | None = None) -> Moved | None:
    """Move every row of group ``old_chat_id`` to ``new_chat_id``. None when already done.

    Runs inside the caller's transaction; the first statement claims the migration, so a
    concurrent second trigger waits for it (PostgreSQL) or is serialised (SQLite) and then
    finds it done.
    """
    if old_chat_id == new_chat_id:
        return None
    claim = insert_for(session, MIGRATIONS).values(old_chat_id=old_chat_id, new_chat_id=new_chat_id,
                                                  migrated_at=now)
    claimed = await session.execute(claim.on_conflict_do_nothing(index_elements=["old_chat_id"]))
    if not rowcount(claimed):
        return None
    old = (await session.execute(select(GROUPS).where(GROUPS.c.chat_id == old_chat_id))).mappings().first()
    if old is None:
        return Moved(old_chat_id, new_chat_id, registered=False)
    settings = {key: value for key, value in old.items() if key != "chat_id"}
    # The welcome to replace and the packets' messages are in the old chat: nothing to edit there.
    settings["welcome_message_id"] = None
    settings["active"] = True  # the bot is in the supergroup: it came with the group's members
    if title:
        settings["title"] = title
    exists = (await session.execute(select(GROUPS.c.chat_id).where(GROUPS.c.chat_id == new_chat_id))).first()
    if exists is None:
        await session.execute(GROUPS.insert().values(chat_id=new_chat_id, **settings))
    else:  # staff ran /setup in the supergroup before the move was noticed: the old settings win
        await session.execute(update(GROUPS).where(GROUPS.c.chat_id == new_chat_id).values(**settings))

    seen_there = select(GROUP_MEMBERS.c.user_id).where(GROUP_MEMBERS.c.chat_id == new_chat_id)
    await session.execute(delete(GROUP_MEMBERS).where(GROUP_MEMBERS.c.chat_id == old_chat_id,
                                                      GROUP_MEMBERS.c.user_id.in_(seen_there)))
    await session.execute(update(GROUP_MEMBERS).where(GROUP_MEMBERS.c.chat_id == old_chat_id)
                          .values(chat_id=new_chat_id))
    for table in followers():
        await session.execute(update(table).where(table.c.chat_id == old_chat_id).values(chat_id=new_chat_id))

    pending = (await session.execute(
        select(REQUESTS.c.id, REQUESTS.c.user_id).where(REQUESTS.c.chat_id == old_chat_id,
                                                        REQUESTS.c.pending_key.is_not(None))
    )).all()
    await session.execute(update(REQUESTS).where(REQUESTS.c.chat_id == old_chat_id, REQUESTS.c.pending_key.is_(None))
                          .values(chat_id=new_chat_id))
    for request_id, user_id in pending:
        await session.execute(update(REQUESTS).where(REQUESTS.c.id == request_id)
                              .values(chat_id=new_chat_id, pending_key=f"{new_chat_id}:{user_id}"))

    reposts = list((await session.execute(
        select(PACKETS.c.id).where(PACKETS.c.chat_id == old_chat_id, PACKETS.c.status == "open",
                                   PACKETS.c.message_id.is_not(None)).order_by(PACKETS.c.id)
    )).scalars())
    await session.execute(update(PACKETS).where(PACKETS.c.id.in_(reposts)).values(message_id=None))
    await session.execute(update(PACKETS).where(PACKETS.c.chat_id == old_chat_id).values(chat_id=new_chat_id))

    for prefix in _CHAT_KEYED_JOBS:
        runs = (await session.execute(
            select(JOB_RUNS.c.key, JOB_RUNS.c.ran_at).where(JOB_RUNS.c.key.like(f"{prefix}:{old_chat_id}:%"))
        )).all()
        for key, ran_at in runs:
            moved_key = f"{prefix}:{new_chat_id}:" + key.removeprefix(f"{prefix}:{old_chat_id}:")
            stmt = insert_for(session, JOB_RUNS).values(key=moved_key, ran_at=ran_at)
            await session.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))

    rights = metadata.tables["bot_chat_rights"]
    await session.execute(delete(rights).where(rights.c.chat_id == old_chat_id))
    await session.execute(delete(GROUPS).where(GROUPS.c.chat_id == old_chat_id))
    return Moved(old_chat_id, new_chat_id, registered=True, reposts=reposts)
