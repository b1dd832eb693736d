"""In-memory knowledge the bot needs on every update: roles, registered groups, seen profiles.

Loaded from the database at start and refreshed after changes (and every ``ttl`` seconds, so
several replicas converge). Writes always go to the database first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import Database
from bot.services import groups as group_service
from bot.services import migration as migration_service
from bot.services import people
from bot.services.people import Profile
from games.types import Role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GroupInfo:
    chat_id: int
    title: str
    label: str
    language: str | None
    thread_id: int | None = None  # forum groups: the topic of the bot's own posts (None: General)


class Directory:
    def __init__(self, owner_ids: tuple[int, ...], *, ttl: float = 30.0) -> None:
        self.owner_ids = frozenset(owner_ids)
        self.ttl = ttl
        self._staff: set[int] = set()
        self._groups: dict[int, GroupInfo] = {}
        # Per seen member, kept small (the hash of their last saved profile, their id in each group's
        # set) and bounded by MAX_REMEMBERED: no Profile object per member stays alive.
        self._profiles: dict[int, int] = {}
        self._memberships: dict[int, set[int]] = {}
        self._moved: dict[int, int] = {}  # basic group id -> the supergroup it became
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()
        self._refresh: asyncio.Task[None] | None = None

    @property
    def stale(self) -> bool:
        return time.monotonic() - self._loaded_at > self.ttl

    async def load(self, session: AsyncSession) -> None:
        self._staff = await people.staff_ids(session)
        self._groups = {
            g.chat_id: GroupInfo(g.chat_id, g.title, g.label, g.language, g.thread_id)
            for g in await group_service.active_groups(session)
        }
        self._moved = await migration_service.all_migrations(session)
        self._loaded_at = time.monotonic()

    async def reload(self, db: Database) -> None:
        async with self._lock:
            async with db.reader() as session:
                await self.load(session)
            # Seen memberships stay valid: their rows are never deleted, so no re-save is needed.

    async def ensure_fresh(self, db: Database) -> None:
        """Load once before first use; later, refresh in the background when stale (one at a time)."""
        if self._loaded_at == float("-inf"):
            async with self._lock:
                if self._loaded_at == float("-inf"):
                    async with db.reader() as session:
                        await self.load(session)
            return
        if self.stale and (self._refresh is None or self._refresh.done()):
            self._loaded_at = time.monotonic()  # one refresh per ttl, however many updates arrive
            self._refresh = asyncio.create_task(self._background_reload(db))

    async def _background_reload(self, db: Database) -> None:
        try:
            await self.reload(db)
        except Exception:
            log.exception("directory refresh failed; keeping the cached roles and groups")

    def role(self, user_id: int) -> Role:
        if user_id in self.owner_ids:
            return Role.OWNER
        if user_id in self._staff:
            return Role.STAFF
        return Role.CUSTOMER

    def staff_and_owners(self) -> set[int]:
        return set(self._staff) | set(self.owner_ids)

    def group(self, chat_id: int) -> GroupInfo | None:
        """The registered group ``chat_id`` is, following a basic group to its supergroup (late
        updates from the old id, e.g. a button on a message from before the upgrade)."""
        found = self._groups.get(chat_id)
        if found is None and chat_id in self._moved:
            return self._groups.get(self._moved[chat_id])
        return found

    MAX_REMEMBERED = 200_000

    def needs_saving(self, profile: Profile, group_id: int | None) -> bool:
        if self._profiles.get(profile.id) != hash(profile):
            return True
        return group_id is not None and profile.id not in self._memberships.get(group_id, ())

    def saved(self, profile: Profile, group_id: int | None) -> None:
        if len(self._profiles) > self.MAX_REMEMBERED:
            self._profiles.clear()
            self._memberships.clear()
        self._profiles[profile.id] = hash(profile)
        if group_id is not None:
            self._memberships.setdefault(group_id, set()).add(profile.id)
