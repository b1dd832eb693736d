"""Member tiers (会员等级): definitions, which tier a member is in, progress, the points multiplier,
and what a tier group should do about a member (invite, tell, remove).

Everything here is a plain function over values; ``now`` is a parameter.

A shop's tiers all go by one measure: lifetime points earned (``points=N``) or the total of the
member's linked, unrefunded orders paid in the last 12 months (``spend=N``, in the shop's
currency). Tiers are ranked by their threshold; a member is in the highest tier whose threshold
they reach. A multiplier (``multiplier=1.2``) is kept as a whole percentage (120).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from games.errors import ConfigError
from games.money import parse_money

ONE = 100  # a multiplier of 1, in percent
MAX_MULTIPLIER = 500  # 5×
MAX_TIERS = 20
MAX_POINTS_THRESHOLD = 10**9
SPEND_WINDOW = timedelta(days=365)
MAX_GRACE = timedelta(days=365)
NAME_RE = re.compile(r"^[A-Z0-9_\-\u3400-\u9fff]{1,24}$")


class Measure(StrEnum):
    POINTS = "points"
    SPEND = "spend"


@dataclass(frozen=True)
class TierSpec:
    """``threshold``: lifetime points, or spend in cents. ``multiplier``: percent (100 = none)."""

    name: str
    measure: Measure
    threshold: int
    multiplier: int = ONE


def normalize_name(text: str) -> str:
    """Tier names compare without case or width (ｇｏｌｄ, gold and GOLD are one tier)."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def parse_name(text: str) -> str:
    name = normalize_name(text)
    if not NAME_RE.match(name):
        raise ConfigError(detail=f"name={text.strip()[:24]}")
    return name


def parse_multiplier(text: str) -> int:
    """``1.2`` → 120, ``1.25`` → 125, ``2`` → 200; between 1 and 5, at most two decimals."""
    value = text.strip()
    whole, dot, frac = value.partition(".")
    if not (whole.isascii() and whole.isdigit() and len(whole) <= 1) or (
            dot and not (frac.isascii() and frac.isdigit() and 1 <= len(frac) <= 2)):
        raise ConfigError(detail=f"multiplier={value[:16]}")
    percent = int(whole) * 100 + (int(frac.ljust(2, "0")) if dot else 0)
    if not ONE <= percent <= MAX_MULTIPLIER:
        raise ConfigError(detail=f"multiplier={value[:16]}")
    return percent


def format_multiplier(percent: int) -> str:
    whole, frac = divmod(percent, 100)
    return f"{whole}" if frac == 0 else f"{whole}.{frac:02d}".rstrip("0")


def parse_tier(args: str) -> TierSpec:
    """``GOLD | points=1000 | multiplier=1.2`` (or ``spend=5000``). Items are separated by ``|``
    (spaces work too). Raises ConfigError naming the first wrong item."""
    parts = [p.strip() for p in args.replace("｜", "|").split("|")]
    head = parts[0].split()
    if not head:
        raise ConfigError(detail="name")
    name = parse_name(head[0])
    items = head[1:] + [item for part in parts[1:] for item in part.split()]
    measure: Measure | None = None
    threshold = 0
    multiplier = ONE
    for item in items:
        key, eq, value = item.partition("=")
        key = key.lower()
        if not eq or not value:
            raise ConfigError(detail=item[:32])
        if key in ("points", "spend"):
            if measure is not None:
                raise ConfigError(detail=item[:32])
            measure = Measure(key)
            if key == "points":
                if not (value.isascii() and value.isdigit() and len(value) <= 10) or \
                        not 1 <= int(value) <= MAX_POINTS_THRESHOLD:
                    raise ConfigError(detail=item[:32])
                threshold = int(value)
            else:
                try:
                    threshold = parse_money(value)
                except ValueError:
                    raise ConfigError(detail=item[:32]) from None
                if threshold <= 0:
                    raise ConfigError(detail=item[:32])
        elif key == "multiplier":
            multiplier = parse_multiplier(value)
        else:
            raise ConfigError(detail=item[:32])
    if measure is None:
        raise ConfigError(detail="points=N | spend=N")
    return TierSpec(name, measure, threshold, multiplier)


def check_addition(tiers: Sequence[TierSpec], new: TierSpec) -> None:
    """A new (or replaced) tier must use the shop's measure, have a threshold of its own, and fit
    in :data:`MAX_TIERS`. Raises ConfigError (``detail``: measure, threshold or count)."""
    others = [t for t in tiers if t.name != new.name]
    if others and others[0].measure is not new.measure:
        raise ConfigError(detail="measure", measure=str(others[0].measure))
    if any(t.threshold == new.threshold for t in others):
        raise ConfigError(detail="threshold", tier=next(t.name for t in others if t.threshold == new.threshold))
    if len(others) + 1 > MAX_TIERS:
        raise ConfigError(detail="count", most=MAX_TIERS)


def ranked(tiers: Sequence[TierSpec]) -> list[TierSpec]:
    """Lowest first."""
    return sorted(tiers, key=lambda t: (t.threshold, t.name))


def measure_of(tiers: Sequence[TierSpec]) -> Measure | None:
    return tiers[0].measure if tiers else None


def value_for(measure: Measure, lifetime_points: int, spend_cents: int) -> int:
    return lifetime_points if measure is Measure.POINTS else spend_cents


def tier_for(tiers: Sequence[TierSpec], lifetime_points: int, spend_cents: int) -> TierSpec | None:
    """The highest tier whose threshold the member reaches (None: below every tier)."""
    found = None
    for tier in ranked(tiers):
        if value_for(tier.measure, lifetime_points, spend_cents) >= tier.threshold:
            found = tier
    return found


def rank_of(tiers: Sequence[TierSpec], name: str | None) -> int:
    """1 for the lowest tier, 0 for none (or a tier that no longer exists)."""
    for index, tier in enumerate(ranked(tiers), 1):
        if tier.name == name:
            return index
    return 0


@dataclass(frozen=True)
class Progress:
    current: TierSpec | None
    next: TierSpec | None
    value: int  # the member's lifetime points or spend (cents)
    missing: int  # to reach ``next`` (0 when there is none)


def progress(tiers: Sequence[TierSpec], lifetime_points: int, spend_cents: int) -> Progress:
    current = tier_for(tiers, lifetime_points, spend_cents)
    measure = measure_of(tiers)
    value = value_for(measure, lifetime_points, spend_cents) if measure else 0
    above = [t for t in ranked(tiers) if t.threshold > value]
    nxt = above[0] if above else None
    return Progress(current, nxt, value, nxt.threshold - value if nxt else 0)


def spend_since(now: datetime) -> datetime:
    """Spend tiers count the orders paid in the 12 months up to ``now``."""
    return now - SPEND_WINDOW


def multiplied(points: int, multiplier: int) -> int:
    """``points`` earned with a tier multiplier (percent), rounded down, never less than ``points``."""
    if points <= 0 or multiplier <= ONE:
        return points
    return max(points, points * multiplier // ONE)


class Move(StrEnum):
    UP = "up"
    DOWN = "down"


def move(old_rank: int, new_rank: int) -> Move | None:
    if new_rank > old_rank:
        return Move.UP
    if new_rank < old_rank:
        return Move.DOWN
    return None


# ---- tier groups ---------------------------------------------------------------------------------

def parse_grace(value: str) -> timedelta | None:
    """``14d``, ``36h``, ``2w``; ``never``/``off`` → None (never remove). 1 hour to 365 days."""
    text = value.strip().lower()
    if text in ("never", "off", "none", "no", "-"):
        return None
    units = {"h": 3600, "d": 86400, "w": 7 * 86400}
    if len(text) < 2 or text[-1] not in units or not (text[:-1].isascii() and text[:-1].isdigit()) \
            or len(text) > 5:
        raise ConfigError(detail=f"tier_grace={value.strip()[:16]}")
    grace = timedelta(seconds=int(text[:-1]) * units[text[-1]])
    if not timedelta(hours=1) <= grace <= MAX_GRACE:
        raise ConfigError(detail=f"tier_grace={value.strip()[:16]}")
    return grace


def format_grace(grace: timedelta) -> str:
    seconds = int(grace.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    return f"{seconds // 3600}h"


class GroupAction(StrEnum):
    NONE = "none"
    INVITE = "invite"  # reached the tier, not in the group: a personal join link
    REVOKE = "revoke"  # fell below before using the link: the link is revoked
    RESTORE = "restore"  # back in the tier before the grace ran out: stays, and is told
    NOTICE = "notice"  # fell below while in the group: told (when they will be removed, if ever)
    REMOVE = "remove"  # the grace period is over: removed from the group


@dataclass(frozen=True)
class Seat:
    """What the bot knows of one member and one tier group."""

    in_group: bool  # seen in the group and not removed by the bot since
    invited: bool  # holds a personal link not used yet
    qualified: bool  # reached the group's tier at some point (invited, or seen there in the tier)
    fell_at: datetime | None  # told they fell below (None: not falling)


def group_action(*, required_rank: int, member_rank: int, is_staff: bool, seat: Seat,
                 grace: timedelta | None, now: datetime) -> GroupAction:
    """The one thing to do now about a member and a tier group.

    Members who never reached the tier (there before the group required it) are left alone;
    staff are never told to leave nor removed; removal only after the notice and the grace period.
    """
    if member_rank >= required_rank:
        if seat.fell_at is not None:
            return GroupAction.RESTORE
        if not seat.in_group and not seat.invited:
            return GroupAction.INVITE
        return GroupAction.NONE
    if seat.invited and not seat.in_group:
        return GroupAction.REVOKE
    if is_staff or not seat.in_group or not seat.qualified:
        return GroupAction.NONE
    if seat.fell_at is None:
        return GroupAction.NOTICE
    if grace is not None and now >= seat.fell_at + grace:
        return GroupAction.REMOVE
    return GroupAction.NONE
