"""Product votes (投票): the rules, over plain values.

``/vote QUESTION | OPTION 1 | OPTION 2 [| OPTION …] [deadline=…] [reward=N] [launch=N] [multi] [buyers]
[show=live|end]`` (``launch``: points for the voters of an option naming a SKU when that item goes live)
is parsed here (:func:`parse_vote`), deadlines are resolved in the shop's time zone from ``now``
(:func:`parse_deadline`), and results are tallied from the stored choices (:func:`tally`), so the
same rows always give the same counts, percentages and winners — ties included.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from games.errors import DomainError
from games.inputs import MAX_INT32

MIN_OPTIONS = 2
MAX_OPTIONS = 10
MAX_QUESTION = 200  # characters
MAX_OPTION = 60  # characters of an option's label (it is a button's text)
MAX_SKU = 32
MAX_REWARD = 10_000
DEFAULT_DEADLINE = timedelta(hours=24)
MIN_DEADLINE = timedelta(minutes=1)
MAX_DEADLINE = timedelta(days=30)
MAX_ARGS = 2_000  # characters of the whole command: anything longer is refused before parsing
MAX_ID = MAX_INT32  # vote ids are 32-bit in the database: a larger one (typed, or forged in a button) is no vote


class Show(StrEnum):
    LIVE = "live"  # running tallies on the post
    END = "end"  # tallies only once the vote is closed


class VoteError(DomainError):
    """A /vote command was wrong; ``key`` says how (every key has a text ``vote-error-*``)."""

    key = "vote-error-usage"


class TooFewOptions(VoteError):
    key = "vote-error-options"


class EmptyPart(VoteError):
    key = "vote-error-empty"


class TooLong(VoteError):
    key = "vote-error-too-long"


class DuplicateOption(VoteError):
    key = "vote-error-duplicate"


class BadSku(VoteError):
    key = "vote-error-sku"


class BadDeadline(VoteError):
    key = "vote-error-deadline"


class BadReward(VoteError):
    key = "vote-error-reward"


class BadLaunch(VoteError):
    """``launch=N`` (the voters' launch reward) is not a number in range, or no option names a SKU."""

    key = "an-vote-error-launch"


class UnknownSetting(VoteError):
    key = "vote-error-setting"


class RepeatedSetting(VoteError):
    key = "vote-error-repeated"


# ---- refusals when voting ------------------------------------------------------------------------

class VoteRefused(DomainError):
    key = "vote-no-such"


class NoSuchVote(VoteRefused):
    key = "vote-no-such"


class VoteClosed(VoteRefused):
    key = "vote-closed"


class VoteCancelled(VoteRefused):
    key = "vote-cancelled-tap"


class NotABuyer(VoteRefused):
    key = "vote-buyers-only"


# ---- the command --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    label: str
    sku: str | None = None  # ``| OPTION @SKU``: a catalogue reference, kept as text until a catalogue exists


@dataclass(frozen=True)
class VoteSpec:
    question: str
    options: tuple[Option, ...]
    closes_at: datetime
    reward: int = 0
    multi: bool = False
    buyers: bool = False
    show: Show = Show.LIVE
    launch: int = 0  # points for each member who chose an option naming a SKU, when that item goes live


_SKU = re.compile(r"@([A-Za-z0-9][A-Za-z0-9_.-]*)")
_DURATION = re.compile(r"([0-9]{1,5})([mhd])")
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_NUMBER = re.compile(r"[0-9]{1,9}")
_FLAGS = ("multi", "buyers")
_KEYED = ("deadline", "reward", "show", "launch")


def _clean(text: str) -> str:
    """``text`` without control and invisible format characters (NUL, zero-width spaces, direction
    marks), its whitespace runs made single spaces."""
    return " ".join("".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf")).split())


def _setting_tokens(tokens: list[str]) -> int:
    """How many tokens at the end of ``tokens`` are settings: from the first ``deadline=``,
    ``reward=`` or ``show=`` on, and any run of ``key=value`` or flags at the very end (a date
    deadline, ``deadline=YYYY-MM-DD HH:MM``, is two tokens)."""
    for index, token in enumerate(tokens):
        if token.lower().partition("=")[0] in _KEYED and "=" in token:
            keyed = len(tokens) - index
            break
    else:
        keyed = 0
    count = 0
    index = len(tokens) - 1
    while index >= 0:
        token = tokens[index]
        if token.lower() in _FLAGS or "=" in token:
            count += 1
            index -= 1
        elif (_CLOCK.fullmatch(token) and index >= 1 and tokens[index - 1].lower().startswith("deadline=")
              and _DAY.fullmatch(tokens[index - 1].split("=", 1)[1])):
            count += 2
            index -= 2
        else:
            break
    return max(count, keyed)


def _option(text: str) -> Option:
    words = text.split()
    sku: str | None = None
    if words and words[-1].startswith("@"):
        match = _SKU.fullmatch(words[-1])
        if match is None or len(match.group(1)) > MAX_SKU:
            raise BadSku(value=words[-1], max=MAX_SKU)
        sku = match.group(1)
        words = words[:-1] or [sku]
    label = " ".join(words)
    if len(label) > MAX_OPTION:
        raise TooLong(value=label[:20], max=MAX_OPTION)
    return Option(label, sku)


def parse_vote(args: str, now: datetime, tz: tzinfo) -> VoteSpec:
    """The vote a ``/vote`` command describes. Raises a :class:`VoteError` naming what is wrong."""
    if len(args) > MAX_ARGS:
        raise TooLong(value=args[:20], max=MAX_ARGS)
    parts = [_clean(p) for p in args.split("|")]
    if len(parts) < 1 + MIN_OPTIONS or len(parts) > 1 + MAX_OPTIONS:
        raise TooFewOptions(min=MIN_OPTIONS, max=MAX_OPTIONS, count=max(len(parts) - 1, 0))
    last = parts[-1].split()
    settings_count = _setting_tokens(last)
    settings = last[len(last) - settings_count:]
    parts[-1] = " ".join(last[:len(last) - settings_count])
    question = parts[0]
    if not question or not all(parts[1:]):
        raise EmptyPart()
    if len(question) > MAX_QUESTION:
        raise TooLong(value=question[:20], max=MAX_QUESTION)
    options = tuple(_option(p) for p in parts[1:])
    seen: set[str] = set()
    for option in options:
        folded = option.label.casefold()
        if folded in seen:
            raise DuplicateOption(value=option.label)
        seen.add(folded)

    closes_at = now + DEFAULT_DEADLINE
    reward, multi, buyers, show, launch = 0, False, False, Show.LIVE, 0
    given: set[str] = set()
    index = 0
    while index < len(settings):
        token = settings[index]
        index += 1
        lowered = token.lower()
        if lowered in _FLAGS:
            name, value = lowered, ""
        else:
            name, _sep, value = token.partition("=")
            name = name.lower()
            if name not in _KEYED:
                raise UnknownSetting(value=token)
            if name == "deadline" and _DAY.fullmatch(value) and index < len(settings) \
                    and _CLOCK.fullmatch(settings[index]):
                value = f"{value} {settings[index]}"
                index += 1
        if name in given:
            raise RepeatedSetting(value=name)
        given.add(name)
        if name == "multi":
            multi = True
        elif name == "buyers":
            buyers = True
        elif name == "deadline":
            closes_at = parse_deadline(value, now, tz)
        elif name == "reward":
            if not _NUMBER.fullmatch(value) or int(value) > MAX_REWARD:
                raise BadReward(value=value, max=MAX_REWARD)
            reward = int(value)
        elif name == "launch":
            if not _NUMBER.fullmatch(value) or int(value) > MAX_REWARD:
                raise BadLaunch(value=value, max=MAX_REWARD)
            launch = int(value)
        else:  # show
            try:
                show = Show(value.lower())
            except ValueError:
                raise UnknownSetting(value=token) from None
    if launch and not any(option.sku for option in options):
        raise BadLaunch(value=f"launch={launch}", max=MAX_REWARD)
    return VoteSpec(question, options, closes_at, reward, multi, buyers, show, launch)


def parse_deadline(text: str, now: datetime, tz: tzinfo) -> datetime:
    """``30m``, ``2h``, ``3d`` (from now), ``HH:MM`` (the next such time in the shop's time zone:
    today, or tomorrow if it has passed) or ``YYYY-MM-DD HH:MM`` (shop time). Between
    :data:`MIN_DEADLINE` and :data:`MAX_DEADLINE` from ``now``; raises :class:`BadDeadline`."""
    text = text.strip()
    result: datetime | None = None
    if (match := _DURATION.fullmatch(text.lower())) is not None:
        n, unit = int(match.group(1)), match.group(2)
        result = now + {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]
    elif (match := _CLOCK.fullmatch(text)) is not None:
        local = now.astimezone(tz)
        at = time(int(match.group(1)), int(match.group(2)))
        result = datetime.combine(local.date(), at, tzinfo=tz)
        if result <= now:
            result = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=tz)
    else:
        day_text, _sep, clock_text = text.partition(" ")
        day_match, clock_match = _DAY.fullmatch(day_text), _CLOCK.fullmatch(clock_text.strip())
        if day_match is not None and clock_match is not None:
            try:
                day = date(int(day_match.group(1)), int(day_match.group(2)), int(day_match.group(3)))
            except ValueError:
                raise BadDeadline(value=text) from None
            result = datetime.combine(day, time(int(clock_match.group(1)), int(clock_match.group(2))), tzinfo=tz)
    if result is None or not MIN_DEADLINE <= result - now <= MAX_DEADLINE:
        raise BadDeadline(value=text)
    return result


# ---- voting ---------------------------------------------------------------------------------------

def next_choices(current: frozenset[int], option: int, multi: bool) -> frozenset[int]:
    """A member's choices after tapping ``option``: in a single-choice vote the tap is the choice
    (tapping it again keeps it); in a ``multi`` vote it toggles that option."""
    if not multi:
        return frozenset({option})
    return current - {option} if option in current else current | {option}


# ---- results --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tally:
    counts: tuple[int, ...]  # per option, in option order
    voters: int  # members with at least one choice
    percents: tuple[int, ...]  # of the voters, per option
    winners: tuple[int, ...]  # the options with the most votes (several: a tie; none: no votes)

    @property
    def tie(self) -> bool:
        return len(self.winners) > 1


def percentages(counts: tuple[int, ...], voters: int) -> tuple[int, ...]:
    """Whole percentages of ``voters``, rounded half up, each on its own: equal counts always show
    equal percentages (a tie looks like a tie), so they may add up to 99 or 101; in a ``multi``
    vote they add up to more than 100 (one voter, several choices)."""
    if voters <= 0:
        return tuple(0 for _ in counts)
    return tuple((200 * c + voters) // (2 * voters) for c in counts)


def tally(option_count: int, choices: Iterable[tuple[int, int]]) -> Tally:
    """Results from ``(user_id, option)`` choices (options 1..``option_count``; others are ignored)."""
    counts = [0] * option_count
    voters: set[int] = set()
    for user_id, option in choices:
        if 1 <= option <= option_count:
            counts[option - 1] += 1
            voters.add(user_id)
    return tally_counts(tuple(counts), len(voters))


def tally_counts(counts: tuple[int, ...], voters: int) -> Tally:
    """Results from the number of choices per option and the number of members who voted."""
    best = max(counts, default=0)
    winners = tuple(i + 1 for i, c in enumerate(counts) if c == best) if best > 0 else ()
    return Tally(counts, voters, percentages(counts, voters), winners)
