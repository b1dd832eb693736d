"""Red packets (抢红包): how a pot is split and what a staff or member command may ask for.

Pure functions over values; randomness comes in as a parameter (``secrets.SystemRandom()`` in
production, a seeded ``random.Random`` in tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

from games import segments
from games.checkin import is_checkin_word
from games.errors import DomainError, SegmentSyntaxError
from games.inputs import parse_duration

MAX_SHARES = 10_000
MAX_TOTAL = 1_000_000
MAX_PASSWORD = 32
MAX_OPEN_PER_MEMBER = 3  # a member's packets open at once in a group: keeps a group from being flooded
DEFAULT_EXPIRY = timedelta(hours=24)
MIN_EXPIRY = timedelta(minutes=1)
MAX_EXPIRY = timedelta(days=7)


class PacketError(DomainError):
    """A packet command was wrong; ``key`` says how."""

    key = "rp-error-usage"


class BadNumbers(PacketError):
    key = "rp-error-numbers"


class TooManyShares(PacketError):
    key = "rp-error-more-shares-than-points"


class TooBig(PacketError):
    key = "rp-error-too-big"


class UnknownOption(PacketError):
    key = "rp-error-option"


class BadExpiry(PacketError):
    key = "rp-error-expiry"


class BadPassword(PacketError):
    key = "rp-error-password"


class PasswordCollides(PacketError):
    """The password is a check-in word (签到): typing it must always check in."""

    key = "rp-error-password-collides"


class BadSchedule(PacketError):
    key = "rp-error-schedule"


class OptionsTooLong(PacketError):
    """A schedule keeps its options as text (``MAX_OPTIONS`` characters): these do not fit."""

    key = "rp-error-options-too-long"


# Refusals at grab time (the popup says which).
class GrabRefused(DomainError):
    key = "rp-gone"


class AllGone(GrabRefused):
    key = "rp-gone"


class AlreadyGrabbed(GrabRefused):
    key = "rp-already"


class NotEligible(GrabRefused):
    key = "rp-not-eligible"


class NotInSegment(NotEligible):
    key = "rp-not-in-segment"


class BadSegment(PacketError):
    key = "rp-error-segment"


class Expired(GrabRefused):
    key = "rp-expired"


class NoSuchPacket(GrabRefused):
    key = "rp-no-such-packet"


class Split(StrEnum):
    LUCKY = "lucky"
    EQUAL = "equal"


class Eligibility(StrEnum):
    ALL = "all"
    # Only members the shop knew in the group before the packet was sent: freshly created
    # accounts joining to farm packets get nothing.
    BEFORE = "before"


SEGMENT_PREFIX = "seg:"  # eligibility "seg:EXPR": only members in that segment (games.segments)
MAX_SEGMENT = 120
MAX_OPTIONS = 160  # a schedule's options as stored (red_packet_schedules.options)


def segment_of(eligibility: str) -> str | None:
    """The segment expression of a packet's eligibility, if it has one."""
    return eligibility[len(SEGMENT_PREFIX):] if eligibility.startswith(SEGMENT_PREFIX) else None


class RandomSource(Protocol):
    def randint(self, a: int, b: int) -> int: ...


def split_equal(total: int, shares: int) -> list[int]:
    """``total`` in ``shares`` equal parts; the remainder goes one point each to the first shares."""
    _check_numbers(total, shares)
    base, rest = divmod(total, shares)
    return [base + 1 if i < rest else base for i in range(shares)]


def split_lucky(total: int, shares: int, rng: RandomSource) -> list[int]:
    """The "twice the running mean" split (二倍均值法) used by the well-known apps.

    Each share but the last is drawn uniformly from 1 to twice the mean of what is left (minus
    one, so the expected value is the mean), capped so every later share can still get 1 point;
    the last share takes the rest. Every share is ≥ 1 and the shares sum exactly to ``total``.
    """
    _check_numbers(total, shares)
    amounts: list[int] = []
    remaining = total
    for left in range(shares, 1, -1):
        upper = max(1, (2 * remaining) // left - 1)
        upper = min(upper, remaining - (left - 1))
        amount = rng.randint(1, upper)
        amounts.append(amount)
        remaining -= amount
    amounts.append(remaining)
    return amounts


def split(total: int, shares: int, how: Split, rng: RandomSource) -> list[int]:
    return split_equal(total, shares) if how is Split.EQUAL else split_lucky(total, shares, rng)


def _check_numbers(total: int, shares: int) -> None:
    if shares < 1 or total < 1:
        raise BadNumbers(total=total, shares=shares)
    if shares > total:
        raise TooManyShares(total=total, shares=shares)
    if shares > MAX_SHARES or total > MAX_TOTAL:
        raise TooBig(max_shares=MAX_SHARES, max_total=MAX_TOTAL)


@dataclass(frozen=True)
class PacketSpec:
    total: int
    shares: int
    split: Split = Split.LUCKY
    password: str | None = None
    eligibility: str = Eligibility.ALL.value  # "all", "before" or "seg:EXPR"
    expires_in: timedelta = DEFAULT_EXPIRY

    def encode_options(self) -> str:
        """The options as the command syntax (stored with schedules, shown to staff)."""
        parts = [str(self.split)]
        if self.password:
            parts.append(f"pw={self.password}")
        if self.eligibility != Eligibility.ALL:
            parts.append(f"for={segment_of(self.eligibility) or self.eligibility}")
        if self.expires_in != DEFAULT_EXPIRY:
            parts.append(f"expires={_format_duration(self.expires_in)}")
        return " ".join(parts)


_NUMBER = re.compile(r"[0-9]{1,12}")


def _parse_int(text: str) -> int:
    if not _NUMBER.fullmatch(text):
        raise BadNumbers(total=text, shares="")
    return int(text)


def _expiry(text: str) -> timedelta:
    """``expires=``: ``30m``, ``12h``, ``2d`` between a minute and 7 days."""
    value = parse_duration(text, minimum=MIN_EXPIRY, maximum=MAX_EXPIRY)
    if value is None:
        raise BadExpiry(value=text[:20])
    return value


def _format_duration(value: timedelta) -> str:
    minutes = int(value.total_seconds()) // 60
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def parse_packet(args: list[str]) -> PacketSpec:
    """``TOTAL SHARES [lucky|equal] [pw=WORD] [for=all|before|SEGMENT] [expires=30m|12h|2d]``.

    ``for=SEGMENT`` is a segment expression without spaces (``tag:vip``, ``repeat``,
    ``purchased&!dormant`` is not valid; use one name or tag)."""
    if len(args) < 2:
        raise PacketError()
    total, shares = _parse_int(args[0]), _parse_int(args[1])
    _check_numbers(total, shares)
    how = Split.LUCKY
    password: str | None = None
    eligibility: str = Eligibility.ALL.value
    expires_in = DEFAULT_EXPIRY
    for option in args[2:]:
        lowered = option.lower()
        if lowered in ("lucky", "random", "拼手气"):
            how = Split.LUCKY
        elif lowered in ("equal", "普通", "平分"):
            how = Split.EQUAL
        elif lowered.startswith(("pw=", "password=", "口令=")):
            password = option.split("=", 1)[1].strip()
            if not password or len(password) > MAX_PASSWORD or password.startswith("/"):
                raise BadPassword(max=MAX_PASSWORD)
            if is_checkin_word(password):
                raise PasswordCollides(password=password)
        elif lowered.startswith("for="):
            value = option[4:]
            if value.lower() in (Eligibility.ALL, Eligibility.BEFORE):
                eligibility = value.lower()
            else:
                if not value or len(value) > MAX_SEGMENT:
                    raise BadSegment(segment=value)
                try:
                    segments.parse(value)
                except SegmentSyntaxError:
                    raise BadSegment(segment=value) from None
                eligibility = SEGMENT_PREFIX + value
        elif lowered.startswith("expires="):
            expires_in = _expiry(option[8:])
        else:
            raise UnknownOption(option=option)
    return PacketSpec(total, shares, how, password, eligibility, expires_in)


def normalize_password(text: str) -> str:
    """How a typed message is compared with a packet's password: case and outer blanks ignored."""
    return text.strip().casefold()


# ---- scheduled drops --------------------------------------------------------------------------

class Every(StrEnum):
    DAILY = "daily"
    ONCE = "once"


@dataclass(frozen=True)
class DropSchedule:
    every: Every
    at: time
    on: date | None  # the date, for a one-off drop
    spec: PacketSpec


_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def parse_time(text: str) -> time:
    match = _TIME.fullmatch(text)
    if not match:
        raise BadSchedule(value=text)
    return time(int(match.group(1)), int(match.group(2)))


def parse_schedule(args: list[str], today: date) -> DropSchedule:
    """``daily HH:MM TOTAL SHARES [options]`` or ``once YYYY-MM-DD HH:MM TOTAL SHARES [options]``."""
    if not args:
        raise BadSchedule(value="")
    kind = args[0].lower()
    if kind == "daily" and len(args) >= 4:
        return _fits(DropSchedule(Every.DAILY, parse_time(args[1]), None, parse_packet(args[2:])))
    if kind == "once" and len(args) >= 5:
        match = _DATE.fullmatch(args[1])
        if not match:
            raise BadSchedule(value=args[1])
        try:
            on = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise BadSchedule(value=args[1]) from None
        if on < today:
            raise BadSchedule(value=args[1])
        return _fits(DropSchedule(Every.ONCE, parse_time(args[2]), on, parse_packet(args[3:])))
    raise BadSchedule(value=args[0])


def _fits(schedule: DropSchedule) -> DropSchedule:
    if len(schedule.spec.encode_options()) > MAX_OPTIONS:
        raise OptionsTooLong(max=MAX_OPTIONS)
    return schedule


def due_day(schedule: DropSchedule, now_local: datetime, grace: timedelta) -> date | None:
    """The day whose drop is due at local time ``now_local`` (naive), if its moment passed less than
    ``grace`` ago: a 23:50 drop made late at 00:10 still belongs to the day before."""
    for day in (now_local.date(), now_local.date() - timedelta(days=1)):
        moment = drop_at(schedule, day)
        if moment is not None and moment <= now_local <= moment + grace:
            return day
    return None


def drop_at(schedule: DropSchedule, day: date) -> datetime | None:
    """The naive local moment of the drop on ``day`` (None if this schedule does not drop that day)."""
    if schedule.every is Every.ONCE and schedule.on != day:
        return None
    return datetime.combine(day, schedule.at)


@dataclass(frozen=True)
class Grabber:
    user_id: int
    name: str
    amount: int


def luckiest(grabs: list[Grabber]) -> Grabber | None:
    """The biggest share; on a tie, whoever grabbed first (grabs are in grab order)."""
    best: Grabber | None = None
    for grab in grabs:
        if best is None or grab.amount > best.amount:
            best = grab
    return best
