"""Daily check-in rules (签到): local days, streaks, rewards and the staff config syntax.

Everything here is a plain function over values: ``now`` and the time zone are parameters.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from games.errors import AlreadyCheckedIn, ConfigError

MAX_BASE = 1_000
MAX_BONUS = 100_000
MAX_PERIOD = 365
MAX_BONUS_RULES = 10
# The words that check a member in (签到 / 打卡 / check in), in a group or in private chat.
CHECKIN_WORDS = frozenset({"签到", "打卡", "check in", "check-in", "checkin"})


def is_checkin_word(text: str | None) -> bool:
    """签到 / 打卡 / check in, in any case, with or without trailing punctuation ("签到！", "check in!")."""
    if not text or len(text) > 20:
        return False
    return text.strip().rstrip("!！。.~～ ").strip().lower() in CHECKIN_WORDS


@dataclass(frozen=True)
class CheckinRules:
    """Points for one check-in: ``base`` every day plus ``bonuses[n]`` on every n-th streak day."""

    base: int = 5
    bonuses: dict[int, int] = field(default_factory=lambda: {7: 20})
    post_time: time | None = None

    def encode_bonuses(self) -> str:
        return ",".join(f"{n}:{pts}" for n, pts in sorted(self.bonuses.items()))

    @staticmethod
    def decode_bonuses(text: str | None) -> dict[int, int]:
        if not text:
            return {}
        pairs = (item.split(":", 1) for item in text.split(",") if item)
        return {int(n): int(p) for n, p in pairs}


@dataclass(frozen=True)
class Reward:
    base: int
    bonus: int

    @property
    def total(self) -> int:
        return self.base + self.bonus


@dataclass(frozen=True)
class CheckinOutcome:
    day: date
    streak: int
    reward: Reward


def local_day(now: datetime, tz: ZoneInfo) -> date:
    """The shop's calendar day at the instant ``now`` (which must be timezone-aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(tz).date()


def next_streak(last_day: date | None, last_streak: int, today: date) -> int:
    """The streak after checking in ``today``; a missed day starts again at 1."""
    if last_day is not None and last_day >= today:
        raise AlreadyCheckedIn(day=today.isoformat())
    if last_day is not None and last_day == today - timedelta(days=1):
        return last_streak + 1
    return 1


def current_streak(last_day: date | None, last_streak: int, today: date) -> int:
    """The streak as it stands today: alive if the member checked in today or yesterday."""
    if last_day is None or last_day < today - timedelta(days=1):
        return 0
    return last_streak


def reward(rules: CheckinRules, streak: int) -> Reward:
    bonus = sum(points for period, points in rules.bonuses.items() if streak % period == 0)
    return Reward(base=rules.base, bonus=bonus)


def check_in(rules: CheckinRules, last_day: date | None, last_streak: int, today: date) -> CheckinOutcome:
    streak = next_streak(last_day, last_streak, today)
    return CheckinOutcome(day=today, streak=streak, reward=reward(rules, streak))


_ITEM = re.compile(r"^(base|streak([0-9]{1,3})|post)=(.+)$")
_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


def parse_config(text: str, current: CheckinRules) -> CheckinRules:
    """Parse ``base=5 streak7=20 streak30=100 post=09:00`` on top of ``current``.

    ``streakN=0`` removes that bonus, ``post=off`` stops the daily post. Raises ConfigError
    naming the first item that is wrong.
    """
    items = text.split()
    if not items:
        raise ConfigError(detail="empty")
    base = current.base
    bonuses = dict(current.bonuses)
    post_time = current.post_time
    for item in items:
        match = _ITEM.match(item.lower())
        if match is None:
            raise ConfigError(detail=item)
        key, period_text, value = match.group(1), match.group(2), match.group(3)
        if key == "post":
            if value in ("off", "none", "0"):
                post_time = None
                continue
            tm = _TIME.match(value)
            if tm is None:
                raise ConfigError(detail=item)
            post_time = time(int(tm.group(1)), int(tm.group(2)))
            continue
        if not (value.isascii() and value.isdigit()) or len(value) > 9:
            raise ConfigError(detail=item)
        points = int(value)
        if key == "base":
            if points > MAX_BASE:
                raise ConfigError(detail=item)
            base = points
            continue
        period = int(period_text)
        if not 2 <= period <= MAX_PERIOD or points > MAX_BONUS:
            raise ConfigError(detail=item)
        if points == 0:
            bonuses.pop(period, None)
        else:
            bonuses[period] = points
    if len(bonuses) > MAX_BONUS_RULES:
        raise ConfigError(detail="too many streak rules")
    if base == 0 and not bonuses:
        raise ConfigError(detail="base=0")
    return CheckinRules(base=base, bonuses=bonuses, post_time=post_time)


def month_grid(year: int, month: int, checked: set[date]) -> list[list[tuple[int, bool] | None]]:
    """Weeks (Monday first) of ``(day, checked_in)`` cells, None outside the month."""
    weeks: list[list[tuple[int, bool] | None]] = []
    for week in calendar.Calendar(firstweekday=0).monthdayscalendar(year, month):
        weeks.append([None if d == 0 else (d, date(year, month, d) in checked) for d in week])
    return weeks
