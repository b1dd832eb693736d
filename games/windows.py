"""When to post: the engagement windows people read in (8–10, 13–14, 18:30–19:30, 22–23 local), the
``at=`` argument every announcement, campaign and recurring post takes, and quiet hours.

Plain functions over local (aware) datetimes; the caller converts to and from the shop's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from games.errors import DomainError


class AtError(DomainError):
    """An ``at=`` that is not ``now``, ``HH:MM``, ``YYYY-MM-DD HH:MM`` or ``best``."""

    key = "at-bad"


class AtPast(AtError):
    key = "at-past"


class AtTooFar(AtError):
    key = "at-too-far"


class QuietHoursError(DomainError):
    key = "quiet-hours-bad"

__all__ = [
    "ENGAGEMENT_WINDOWS",
    "At",
    "AtError",
    "AtPast",
    "AtTooFar",
    "QuietHours",
    "QuietHoursError",
    "next_window_start",
    "parse_at",
    "parse_quiet_hours",
]

# (start, end) in local time; "best" means the start of the next one (or now, inside one).
ENGAGEMENT_WINDOWS: tuple[tuple[time, time], ...] = (
    (time(8, 0), time(10, 0)),
    (time(13, 0), time(14, 0)),
    (time(18, 30), time(19, 30)),
    (time(22, 0), time(23, 0)),
)

_HHMM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_DATE_HHMM = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([01]?[0-9]|2[0-3]):([0-5][0-9])")
# How far ahead a post may be scheduled.
MAX_AHEAD = timedelta(days=366)


def next_window_start(now_local: datetime) -> datetime:
    """The moment to post for "best": ``now_local`` itself inside an engagement window, else the
    start of the next window (today or tomorrow)."""
    today = now_local.date()
    for day in (today, today + timedelta(days=1)):
        for start, end in ENGAGEMENT_WINDOWS:
            begin = _at(day, start, now_local)
            finish = _at(day, end, now_local)
            if begin <= now_local < finish:
                return now_local
            if begin > now_local:
                return begin
    raise AssertionError("unreachable: a window starts within a day")


@dataclass(frozen=True)
class At:
    """A parsed ``at=``: the local moment, and whether it was "best" (chosen by the windows)."""

    moment: datetime
    best: bool = False
    now: bool = False


def parse_at(text: str, now_local: datetime) -> At:
    """``now``, ``HH:MM`` (today, or tomorrow once passed), ``YYYY-MM-DD HH:MM`` (not in the past, at
    most a year ahead) or ``best``. Raises :class:`AtError` on anything else."""
    value = text.strip().lower()
    if value in ("", "now"):
        return At(now_local, now=True)
    if value == "best":
        return At(next_window_start(now_local), best=True)
    match = _HHMM.fullmatch(value)
    if match:
        moment = _at(now_local.date(), time(int(match[1]), int(match[2])), now_local)
        if moment <= now_local:
            moment = _at(now_local.date() + timedelta(days=1), time(int(match[1]), int(match[2])), now_local)
        return At(moment)
    match = _DATE_HHMM.fullmatch(value)
    if match:
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError as exc:
            raise AtError() from exc
        moment = _at(day, time(int(match[4]), int(match[5])), now_local)
        if moment < now_local - timedelta(minutes=1):
            raise AtPast()
        if moment > now_local + MAX_AHEAD:
            raise AtTooFar()
        return At(moment)
    raise AtError()


@dataclass(frozen=True)
class QuietHours:
    """Local hours when no promotional private message is sent (``start`` ≤ t < ``end``, across
    midnight when ``start`` > ``end``); equal bounds mean none."""

    start: time
    end: time

    def contains(self, moment_local: datetime) -> bool:
        t = moment_local.timetz().replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def ends_after(self, moment_local: datetime) -> datetime:
        """The first moment at or after ``moment_local`` outside quiet hours."""
        if not self.contains(moment_local):
            return moment_local
        day = moment_local.date()
        end = _at(day, self.end, moment_local)
        return end if end > moment_local else _at(day + timedelta(days=1), self.end, moment_local)


def parse_quiet_hours(text: str) -> QuietHours:
    """``23:00-08:00`` (or ``off``: none)."""
    value = text.strip().lower()
    if value in ("off", "none", ""):
        return QuietHours(time(0), time(0))
    parts = value.split("-")
    if len(parts) != 2:
        raise QuietHoursError()
    bounds = [_HHMM.fullmatch(part.strip()) for part in parts]
    if bounds[0] is None or bounds[1] is None:
        raise QuietHoursError()
    return QuietHours(time(int(bounds[0][1]), int(bounds[0][2])), time(int(bounds[1][1]), int(bounds[1][2])))


def _at(day: date, clock: time, like: datetime) -> datetime:
    """``day`` at ``clock`` in ``like``'s time zone (a wall-clock time; DST gaps resolve forward)."""
    naive = datetime.combine(day, clock)
    if like.tzinfo is None:
        return naive
    return naive.replace(tzinfo=like.tzinfo)
