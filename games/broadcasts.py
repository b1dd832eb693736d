"""The broadcast engine's rules: the per-member frequency cap, and what to do with a due delivery
(send it, skip it with a reason, or delay it until a time) given what is known about its recipient.

Plain functions over values; the worker (``bot/views/broadcasts.py``) gathers the facts in batches and
applies the decisions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from games.errors import DomainError
from games.windows import QuietHours

__all__ = [
    "MAX_ATTEMPTS",
    "START_WAIT",
    "Cap",
    "CapError",
    "Decision",
    "Delay",
    "Facts",
    "Send",
    "Skip",
    "cap_frees_at",
    "decide",
    "parse_cap",
    "retry_delay",
]

# A member who never started the bot cannot be messaged; their delivery waits this long for them.
START_WAIT = timedelta(days=7)
# A delivery Telegram keeps failing with a server or connection error is given up after this many tries.
MAX_ATTEMPTS = 3

_CAP = re.compile(r"(\d{1,3})\s*/\s*(\d{1,4})\s*([hd])")


class CapError(DomainError):
    key = "bc-cap-bad"


@dataclass(frozen=True)
class Cap:
    """At most ``count`` capped messages per member in any ``window``; ``count`` 0: no cap."""

    count: int
    window: timedelta

    @property
    def off(self) -> bool:
        return self.count == 0


def parse_cap(text: str) -> Cap:
    """``1/24h``, ``2/7d`` (N messages per window of hours or days), or ``off``."""
    value = text.strip().lower()
    if value in ("off", "none", ""):
        return Cap(0, timedelta(0))
    match = _CAP.fullmatch(value)
    if match is None:
        raise CapError()
    count, amount, unit = int(match[1]), int(match[2]), match[3]
    window = timedelta(hours=amount) if unit == "h" else timedelta(days=amount)
    if count < 1 or window <= timedelta(0) or window > timedelta(days=366):
        raise CapError()
    return Cap(count, window)


def cap_frees_at(cap: Cap, sent: Sequence[datetime], now: datetime) -> datetime | None:
    """When a member who got capped messages at ``sent`` may get the next one: None if now."""
    if cap.off:
        return None
    recent = sorted(t for t in sent if t > now - cap.window)
    if len(recent) < cap.count:
        return None
    return recent[len(recent) - cap.count] + cap.window


def retry_delay(attempts: int) -> timedelta:
    """How long a delivery waits after its ``attempts``-th failed try: 30 s, 2 min, 8 min…"""
    return timedelta(seconds=30 * 4 ** max(0, attempts - 1))


@dataclass(frozen=True)
class Facts:
    """What the worker knows about a due delivery and its recipient."""

    private: bool
    capped: bool
    quiet: bool
    planned_at: datetime  # when its broadcast was planned
    started: bool = False  # private: the member started the bot (a contact)
    blocked: bool = False  # private: they blocked the bot
    promos_off: bool = False  # private: they opted out of campaigns
    group_removed: bool = False  # group: the bot was removed (or the group deactivated)
    cap_sent: Sequence[datetime] = ()  # private: when they got capped messages lately


@dataclass(frozen=True)
class Send:
    pass


@dataclass(frozen=True)
class Skip:
    reason: str  # removed | blocked | not_started | opted_out


@dataclass(frozen=True)
class Delay:
    until: datetime
    why: str  # start | cap | quiet


Decision = Send | Skip | Delay


def decide(facts: Facts, *, now: datetime, cap: Cap, quiet_hours: QuietHours, local: datetime) -> Decision:
    """Send, skip or delay a due delivery. ``local`` is ``now`` in the shop's time zone (quiet hours
    are local). Delays never drop a message: it waits for the member to start the bot (up to
    :data:`START_WAIT`), for the cap to free, or for quiet hours to end."""
    if not facts.private:
        return Skip("removed") if facts.group_removed else Send()
    if not facts.started:
        deadline = facts.planned_at + START_WAIT
        return Delay(deadline, "start") if now < deadline else Skip("not_started")
    if facts.blocked:
        return Skip("blocked")
    if facts.capped and facts.promos_off:
        return Skip("opted_out")
    if facts.quiet and quiet_hours.contains(local):
        end = quiet_hours.ends_after(local)
        return Delay(end.astimezone(now.tzinfo) if end.tzinfo is not None else now + (end - local), "quiet")
    if facts.capped:
        frees = cap_frees_at(cap, facts.cap_sent, now)
        if frees is not None and frees > now:
            return Delay(frees, "cap")
    return Send()
