"""Entry thresholds (入群门槛): what a join request must pass, and how the results combine.

A group's :class:`GateRules` name the thresholds; each threshold's result for an applicant is
True (passed), False (failed) or None (not known yet: the password has not been sent). The
combinator turns those results into a decision: all-of needs every threshold, any-of one.
Banned users and bots are declined before any threshold is looked at.
"""

from __future__ import annotations

import shlex
import unicodedata
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum

from games import segments, tiers
from games.errors import ConfigError, DomainError
from games.money import MAX_SPEND_CENTS as MAX_SPEND_CENTS  # re-exported: callers have always found them here
from games.money import format_money as format_money
from games.money import parse_money as parse_money

DEFAULT_ATTEMPTS = 3
DEFAULT_TIMEOUT = timedelta(minutes=4)  # inside the 5 minutes Telegram lets us message an applicant
MAX_TIMEOUT = timedelta(days=2)
MIN_TIMEOUT = timedelta(minutes=1)
MAX_PASSWORD = 64


class Mode(StrEnum):
    ALL = "all"
    ANY = "any"


class Threshold(StrEnum):
    PASSWORD = "password"
    CHANNEL = "channel"
    ALLOW = "allow"
    SEGMENT = "segment"
    SPEND = "spend"
    TIER = "tier"


class Verdict(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    WAIT = "wait"


class Reason(StrEnum):
    """Why a request was decided; each has a text ``join-reason-<value>``."""

    PASSED = "passed"
    OPEN = "open"
    BANNED = "banned"
    BOT = "bot"
    FAILED = "failed"
    TIMEOUT = "timeout"
    UNVERIFIED = "unverified"  # timed out while a threshold could not be checked (Telegram did not answer)
    LATE = "late"  # reached the bot after the 5-minute window in which it may ask the applicant anything


@dataclass(frozen=True)
class GateRules:
    mode: Mode = Mode.ALL
    password: str | None = None
    attempts: int = DEFAULT_ATTEMPTS
    channel: bool = False
    allow: bool = False
    segment: str | None = None
    spend_cents: int | None = None
    timeout: timedelta = DEFAULT_TIMEOUT
    tier: str | None = None  # a tier group: members of this tier (or above) only
    tier_grace: timedelta | None = None  # how long one who fell below may stay after the notice (None: always)

    @property
    def thresholds(self) -> tuple[Threshold, ...]:
        found = []
        if self.password:
            found.append(Threshold.PASSWORD)
        if self.channel:
            found.append(Threshold.CHANNEL)
        if self.allow:
            found.append(Threshold.ALLOW)
        if self.segment:
            found.append(Threshold.SEGMENT)
        if self.spend_cents is not None:
            found.append(Threshold.SPEND)
        if self.tier is not None:
            found.append(Threshold.TIER)
        return tuple(found)


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: Reason
    failed: tuple[Threshold, ...] = ()


def combine(mode: Mode, results: dict[Threshold, bool | None]) -> Decision:
    """Approve, decline or wait, from each configured threshold's result (None: not known yet)."""
    if not results:
        return Decision(Verdict.APPROVE, Reason.OPEN)
    failed = tuple(t for t, ok in results.items() if ok is False)
    unknown = any(ok is None for ok in results.values())
    if mode is Mode.ALL:
        if failed:
            return Decision(Verdict.DECLINE, Reason.FAILED, failed)
        return Decision(Verdict.WAIT, Reason.PASSED) if unknown else Decision(Verdict.APPROVE, Reason.PASSED)
    if any(ok is True for ok in results.values()):
        return Decision(Verdict.APPROVE, Reason.PASSED)
    return Decision(Verdict.WAIT, Reason.PASSED) if unknown else Decision(Verdict.DECLINE, Reason.FAILED, failed)


def precheck(*, is_bot: bool, banned: bool) -> Decision | None:
    """Bots and banned users are always declined, whatever the thresholds say."""
    if is_bot:
        return Decision(Verdict.DECLINE, Reason.BOT)
    if banned:
        return Decision(Verdict.DECLINE, Reason.BANNED)
    return None


# ---- passwords ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PasswordCheck:
    ok: bool
    attempts_used: int
    attempts_left: int

    @property
    def exhausted(self) -> bool:
        return not self.ok and self.attempts_left <= 0


def normalize_password(text: str) -> str:
    """Surrounding spaces do not count; case does (口令 are often Chinese, case rarely matters but is kept)."""
    return " ".join(text.split())


def check_password(expected: str, given: str, attempts_used: int, max_attempts: int) -> PasswordCheck:
    """One attempt at the group password. Attempts are counted; after ``max_attempts`` wrong ones, no more."""
    if attempts_used >= max_attempts:
        return PasswordCheck(False, attempts_used, 0)
    used = attempts_used + 1
    if normalize_password(given) == normalize_password(expected):
        return PasswordCheck(True, used, max_attempts - used)
    return PasswordCheck(False, used, max_attempts - used)


# ---- staff configuration ------------------------------------------------------------------------

_OFF = {"off", "none", "no", "0", "-"}
_ON = {"on", "yes", "1", "true"}


def parse_timeout(value: str) -> timedelta:
    """``90s``, ``10m``, ``2h``, ``1d`` or a bare number of minutes."""
    text = value.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    factor = 60
    if text and text[-1] in units:
        factor = units[text[-1]]
        text = text[:-1]
    if not _digits(text, 6):
        raise ConfigError(detail=f"timeout={value}")
    delta = timedelta(seconds=int(text) * factor)
    if not MIN_TIMEOUT <= delta <= MAX_TIMEOUT:
        raise ConfigError(detail=f"timeout={value}")
    return delta


def _digits(text: str, most: int) -> bool:
    """1 to ``most`` ASCII digits (``isdigit`` alone accepts "²" and "١", which ``int`` refuses or reads)."""
    return text.isascii() and text.isdigit() and len(text) <= most


def parse_config(args: str, current: GateRules) -> GateRules:
    """Apply ``key=value`` items (quotes allowed: ``segment="purchased and not dormant"``) to ``current``.

    Keys: mode=all|any, password=TEXT|off, attempts=N, channel=on|off, allow=on|off,
    segment=EXPR|off, spend=AMOUNT|off, timeout=10m, tier=NAME|off, tier_grace=14d|never.
    ``off`` alone clears every threshold. A tier name is checked against the shop's tiers by the caller.
    """
    try:
        items = shlex.split(args)
    except ValueError:
        raise ConfigError(detail=args) from None
    rules = current
    for item in items:
        if item.lower() == "off":
            rules = replace(rules, password=None, channel=False, allow=False, segment=None, spend_cents=None,
                            tier=None)
            continue
        key, eq, value = item.partition("=")
        key = key.lower()
        low = value.strip().lower()
        if not eq or not value.strip():
            raise ConfigError(detail=item)
        if key == "mode" and low in ("all", "any"):
            rules = replace(rules, mode=Mode(low))
        elif key == "password":
            if low in _OFF:
                rules = replace(rules, password=None)
            elif len(value) <= MAX_PASSWORD and normalize_password(value):
                rules = replace(rules, password=normalize_password(value))
            else:
                raise ConfigError(detail="password")
        elif key == "attempts" and _digits(low, 2) and 1 <= int(low) <= 10:
            rules = replace(rules, attempts=int(low))
        elif key == "channel" and low in _ON | _OFF:
            rules = replace(rules, channel=low in _ON)
        elif key == "allow" and low in _ON | _OFF:
            rules = replace(rules, allow=low in _ON)
        elif key == "segment":
            if low in _OFF:
                rules = replace(rules, segment=None)
            else:
                try:
                    canonical = segments.canonical(value)  # what is stored must fit the column too
                except DomainError:
                    raise ConfigError(detail=item) from None
                rules = replace(rules, segment=canonical)
        elif key == "spend":
            if low in _OFF:
                rules = replace(rules, spend_cents=None)
            else:
                try:
                    rules = replace(rules, spend_cents=parse_money(value))
                except ValueError:
                    raise ConfigError(detail=item) from None
        elif key == "timeout":
            rules = replace(rules, timeout=parse_timeout(value))
        elif key == "tier":
            rules = replace(rules, tier=None if low in _OFF else tiers.parse_name(value))
        elif key == "tier_grace":
            rules = replace(rules, tier_grace=tiers.parse_grace(value))
        else:
            raise ConfigError(detail=item)
    return rules


# ---- linking orders -----------------------------------------------------------------------------

BIND_MAX_FAILURES = 5
BIND_WINDOW = timedelta(hours=1)


def bind_allowed(recent_failures: int, max_failures: int = BIND_MAX_FAILURES) -> bool:
    """A customer may try to link an order while they have fewer than ``max_failures`` wrong
    checks within :data:`BIND_WINDOW`."""
    return recent_failures < max_failures


def normalize_check(value: str) -> str:
    """Check values compare without spaces or case (``86 138-0000`` and ``86138-0000`` differ only by space)."""
    return "".join(unicodedata.normalize("NFKC", value).split()).casefold()  # full-width １２３４ is 1234
