"""Recurring posts, segment campaigns and repurchase reminders: the rules, over plain values.

- A recurring post (``/schedule add``) repeats daily or weekly at a local wall-clock time; ``best``
  picks the next engagement window start (``games.windows``) once, when the post is made.
- A campaign (``/campaign``) is a segment, one text (or two for a wake-up: the second ``after``
  the first) and an optional ``at=``.
- A repurchase reminder is due once an order's item's cycle has passed since the order was paid,
  for a while (:data:`REMIND_LATE`): an order older than that is not reminded any more.

Times are aware datetimes; "local" ones are in the shop's time zone, converted by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from games.errors import DomainError
from games.inputs import parse_duration, parse_labels
from games.windows import next_window_start

__all__ = [
    "AFTER_DEFAULT",
    "MAX_TEXT",
    "REMIND_LATE",
    "CampaignError",
    "CampaignSpec",
    "NewPost",
    "Recurrence",
    "ScheduleError",
    "best_time",
    "last_run",
    "next_run",
    "parse_after",
    "parse_campaign",
    "parse_schedule_add",
    "reminder_window",
    "wakeup_times",
]

MAX_TEXT = 3000  # of a post's or campaign's text, as Telegram counts (UTF-16 units; its limit is 4,096)
MAX_LABELS = 10
AFTER_DEFAULT = timedelta(days=2)
AFTER_MIN = timedelta(hours=1)
AFTER_MAX = timedelta(days=30)
# A reminder is planned while the cycle passed less than this long ago (older orders are let go).
REMIND_LATE = timedelta(days=14)

_DAYS: dict[str, int] = {}
for _i, _names in enumerate((
    ("mon", "monday", "周一", "星期一", "礼拜一"),
    ("tue", "tuesday", "周二", "星期二", "礼拜二"),
    ("wed", "wednesday", "周三", "星期三", "礼拜三"),
    ("thu", "thursday", "周四", "星期四", "礼拜四"),
    ("fri", "friday", "周五", "星期五", "礼拜五"),
    ("sat", "saturday", "周六", "星期六", "礼拜六"),
    ("sun", "sunday", "周日", "周天", "星期日", "星期天", "礼拜日", "礼拜天"),
)):
    for _name in _names:
        _DAYS[_name] = _i
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_HHMM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_WORD = re.compile(r"\s*(\S+)")
_TO = re.compile(r"(?:^|\s)to=(\S*)\s*\Z")
_OPTION = re.compile(r"(?:^|[\s|])(at|after)=([0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{1,2}:[0-9]{2}|[^\s|]*)\s*\Z",
                     re.IGNORECASE)


class ScheduleError(DomainError):
    """A ``/schedule add`` line that does not parse (the usage line is shown)."""

    key = "cp-schedule-usage"


class BadDay(ScheduleError):
    key = "cp-bad-day"


class BadTime(ScheduleError):
    key = "cp-bad-time"


class EmptyText(ScheduleError):
    key = "cp-empty-text"


class TextTooLong(ScheduleError):
    key = "cp-text-too-long"


class BadTargets(ScheduleError):
    key = "cp-bad-to"


class CampaignError(DomainError):
    """A ``/campaign`` line that does not parse (the usage line is shown)."""

    key = "cp-campaign-usage"


class CampaignTextEmpty(CampaignError):
    key = "cp-empty-text"


class CampaignTextTooLong(CampaignError):
    key = "cp-text-too-long"


class BadAfter(CampaignError):
    key = "cp-bad-after"


class BadOption(CampaignError):
    key = "cp-bad-option"


# ---- recurring posts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recurrence:
    """Daily (``weekday`` None) or weekly (0 = Monday … 6 = Sunday) at ``at``, local wall-clock
    time; ``best``: ``at`` was chosen as an engagement window start."""

    at: time
    weekday: int | None = None
    best: bool = False


@dataclass(frozen=True)
class NewPost:
    recurrence: Recurrence
    text: str
    labels: tuple[str, ...] = ()  # the groups' labels; () means every group


def best_time(now_local: datetime) -> time:
    """The clock time "best" means now: the next engagement window start, or — inside a window —
    the next whole minute (so the first post goes out today, within the window)."""
    moment = next_window_start(now_local)
    if moment == now_local:
        moment = (now_local + timedelta(minutes=1)).replace(second=0, microsecond=0)
    return moment.time().replace(second=0, microsecond=0)


def _combine(day: date, clock: time, like: datetime) -> datetime:
    return datetime.combine(day, clock, tzinfo=like.tzinfo)


def next_run(rule: Recurrence, after_local: datetime) -> datetime:
    """The first run strictly after ``after_local`` (in its time zone)."""
    day = after_local.date()
    if rule.weekday is None:
        moment = _combine(day, rule.at, after_local)
        return moment if moment > after_local else _combine(day + timedelta(days=1), rule.at, after_local)
    day += timedelta(days=(rule.weekday - day.weekday()) % 7)
    moment = _combine(day, rule.at, after_local)
    return moment if moment > after_local else _combine(day + timedelta(days=7), rule.at, after_local)


def last_run(rule: Recurrence, at_local: datetime) -> datetime:
    """The latest run at or before ``at_local`` (the run a firing at ``at_local`` is for)."""
    day = at_local.date()
    if rule.weekday is None:
        moment = _combine(day, rule.at, at_local)
        return moment if moment <= at_local else _combine(day - timedelta(days=1), rule.at, at_local)
    day -= timedelta(days=(day.weekday() - rule.weekday) % 7)
    moment = _combine(day, rule.at, at_local)
    return moment if moment <= at_local else _combine(day - timedelta(days=7), rule.at, at_local)


def _take_word(text: str) -> tuple[str, str]:
    match = _WORD.match(text)
    if match is None:
        return "", ""
    return match[1], text[match.end():]


def _labels(value: str) -> tuple[str, ...]:
    """``all`` (``()``: every group) or ``LABEL,LABEL`` (:func:`games.inputs.parse_labels`)."""
    labels = parse_labels(value, maximum=MAX_LABELS)
    if labels is None:
        raise BadTargets(value=value.strip().lower()[:64])
    return labels


def _text(value: str, error: type[DomainError], too_long: type[DomainError]) -> str:
    text = value.strip()
    if not text:
        raise error()
    if telegram_units(text) > MAX_TEXT:
        raise too_long(max=MAX_TEXT)
    return text


def telegram_units(text: str) -> int:
    """A text's length as Telegram counts it (UTF-16 code units, after HTML parsing): an emoji counts
    twice. Kept under the limit, a campaign always goes out as one message (a message in parts could
    not be retried without repeating its first part)."""
    return len(text.encode("utf-16-le")) // 2


def parse_schedule_add(args: str, now_local: datetime) -> NewPost:
    """``daily HH:MM|best TEXT [to=all|LABEL,…]`` or ``weekly DAY HH:MM|best TEXT [to=…]`` (DAY:
    mon…sun, monday…, 周一…周日). The text keeps its line breaks."""
    how, rest = _take_word(args)
    how = how.lower()
    if how not in ("daily", "weekly", "每天", "每周"):
        raise ScheduleError()
    weekday: int | None = None
    if how in ("weekly", "每周"):
        day, rest = _take_word(rest)
        if not day:
            raise ScheduleError()
        if day.lower() not in _DAYS:
            raise BadDay(value=day[:32])
        weekday = _DAYS[day.lower()]
    clock, rest = _take_word(rest)
    if not clock:
        raise ScheduleError()
    if clock.lower() == "best":
        rule = Recurrence(best_time(now_local), weekday, best=True)
    else:
        match = _HHMM.fullmatch(clock)
        if match is None:
            raise BadTime(value=clock[:32])
        rule = Recurrence(time(int(match[1]), int(match[2])), weekday)
    labels: tuple[str, ...] = ()
    to = _TO.search(rest)
    if to is not None:
        labels = _labels(to[1])
        rest = rest[:to.start()]
    return NewPost(rule, _text(rest, EmptyText, TextTooLong), labels)


# ---- campaigns ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CampaignSpec:
    """``texts``: one text, or two for a wake-up (the second ``after`` the first); ``at``: the raw
    ``at=`` value (None: now)."""

    segment: str
    texts: tuple[str, ...]
    at: str | None = None
    after: timedelta = AFTER_DEFAULT

    @property
    def wakeup(self) -> bool:
        return len(self.texts) == 2


def parse_after(value: str) -> timedelta:
    """``2d``, ``36h`` or ``90m``: between an hour and 30 days."""
    delta = parse_duration(value, minimum=AFTER_MIN, maximum=AFTER_MAX)
    if delta is None:
        raise BadAfter(value=value[:32])
    return delta


def _options(text: str, allowed: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """Trailing ``at=…``/``after=…`` options of ``text`` (each once, after a space or a ``|``), and
    the text before them."""
    found: dict[str, str] = {}
    while (match := _OPTION.search(text)) is not None:
        name = match[1].lower()
        if name not in allowed or name in found or not match[2]:
            raise BadOption(value=match.group(0).strip()[:32])
        found[name] = match[2]
        text = text[:match.start(1)].rstrip()
        if text.endswith("|"):
            text = text[:-1]
    return text, found


def parse_campaign(args: str) -> CampaignSpec:
    """``SEGMENT | TEXT [at=…]`` or ``wakeup SEGMENT | FIRST TEXT | SECOND TEXT [after=2d] [at=…]``
    (options may also stand in a part of their own: ``| at=21:00``). The last text may contain
    ``|``; the text keeps its line breaks."""
    head, rest = _take_word(args)
    wakeup = head.lower() == "wakeup"
    body, options = _options(rest if wakeup else args, ("at", "after") if wakeup else ("at",))
    parts = body.split("|", 2 if wakeup else 1)
    if len(parts) < (3 if wakeup else 2):
        raise CampaignError()
    segment = parts[0].strip()
    if not segment:
        raise CampaignError()
    texts = tuple(_text(text, CampaignTextEmpty, CampaignTextTooLong) for text in parts[1:])
    after = parse_after(options["after"]) if "after" in options else AFTER_DEFAULT
    return CampaignSpec(segment, texts, options.get("at"), after)


def wakeup_times(first: datetime, after: timedelta) -> tuple[datetime, datetime]:
    """When the two messages of a wake-up are due: the first at ``first``, the second ``after`` it
    (the engine may hold either back further for the cap or quiet hours, never bring it forward)."""
    return first, first + after


# ---- repurchase reminders -------------------------------------------------------------------------

def reminder_window(cycle_days: int, now: datetime, late: timedelta = REMIND_LATE) -> tuple[datetime, datetime]:
    """Which orders of an item of ``cycle_days`` are due a reminder at ``now``: those paid after the
    first and at or before the second moment (the cycle has passed since, less than ``late`` ago)."""
    latest = now - timedelta(days=cycle_days)
    return latest - late, latest
