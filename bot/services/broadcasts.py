"""The broadcast engine's planning side: every outgoing announcement, campaign or reminder is planned
as rows — one :class:`~bot.db.models.Broadcast` and one :class:`~bot.db.models.Delivery` per chat —
in the caller's transaction, before the first message leaves. The worker (``bot/views/broadcasts.py``)
drains them through the rate-aware sender.

Planning is idempotent by ``source`` (a stable key of what caused the broadcast, e.g.
``"announce:12"`` or ``"schedule:3:2026-11-30T10:00"``): planning the same source twice returns the
first broadcast and adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.db.models import Broadcast, Delivery
from bot.services.sql import insert_for

__all__ = ["Planned", "Target", "add_targets", "load_args", "plan"]

_CHUNK = 500


@dataclass(frozen=True)
class Target:
    """One recipient: a group (``private=False``, its chat id) or a member in private (their user id).
    ``seq`` orders deliveries within a broadcast (a waitlist position); ``args`` are this recipient's
    own render arguments (a reservation code); ``not_before`` overrides the broadcast's time."""

    chat_id: int
    private: bool
    seq: int = 0
    args: Mapping[str, Any] | None = None
    not_before: datetime | None = None
    capped: bool | None = None  # None: the broadcast's setting
    quiet: bool | None = None


@dataclass(frozen=True)
class Planned:
    broadcast_id: int
    created: bool  # False: this source was planned before; nothing was added
    deliveries: int = 0


async def plan(
    session: AsyncSession,
    *,
    kind: str,
    args: Mapping[str, Any],
    targets: Iterable[Target],
    at: datetime,
    now: datetime,
    source: str | None = None,
    created_by: int | None = None,
    capped: bool = False,
    quiet: bool = False,
) -> Planned:
    """Plan a broadcast of ``kind`` (the renderer's name) to ``targets``, due at ``at``. ``capped``:
    its private deliveries count toward and obey the per-member frequency cap (campaigns, repurchase
    reminders); ``quiet``: they wait for the end of quiet hours. A chat listed twice gets one delivery."""
    if source is not None:
        existing = (await session.execute(select(col(Broadcast.id)).where(col(Broadcast.source) == source))).scalar()
        if existing is not None:
            return Planned(existing, created=False)
    row = Broadcast(kind=kind, args=json.dumps(dict(args), ensure_ascii=False, sort_keys=True), source=source,
                    status="active", created_by=created_by, created_at=now)
    session.add(row)
    await session.flush()
    assert row.id is not None
    count = await add_targets(session, row.id, targets, at=at, capped=capped, quiet=quiet)
    return Planned(row.id, created=True, deliveries=count)


async def add_targets(
    session: AsyncSession, broadcast_id: int, targets: Iterable[Target], *, at: datetime,
    capped: bool = False, quiet: bool = False,
) -> int:
    """Add deliveries to a planned broadcast (a chat it already has is left as it is); how many were added."""
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for target in targets:
        if target.chat_id in seen:
            continue
        seen.add(target.chat_id)
        rows.append({
            "broadcast_id": broadcast_id, "chat_id": target.chat_id, "private": target.private,
            "seq": target.seq,
            "args": None if target.args is None else json.dumps(dict(target.args), ensure_ascii=False,
                                                                 sort_keys=True),
            "capped": capped if target.capped is None else target.capped,
            "quiet": quiet if target.quiet is None else target.quiet,
            "state": "planned", "not_before": target.not_before or at, "attempts": 0,
        })
    before = await _count(session, broadcast_id)
    table = Delivery.__table__  # type: ignore[attr-defined]
    statement = insert_for(session, table).on_conflict_do_nothing(index_elements=["broadcast_id", "chat_id"])
    for start in range(0, len(rows), _CHUNK):
        await session.execute(statement, rows[start:start + _CHUNK])
    return await _count(session, broadcast_id) - before


async def _count(session: AsyncSession, broadcast_id: int) -> int:
    query = select(func.count()).select_from(Delivery).where(col(Delivery.broadcast_id) == broadcast_id)
    return int((await session.execute(query)).scalar_one())


def load_args(raw: str | None) -> dict[str, Any]:
    """A broadcast's or delivery's JSON arguments as a dict (empty when there are none)."""
    if not raw:
        return {}
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}

