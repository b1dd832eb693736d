"""Price-guessing rounds (猜价格): the rules as plain functions over values.

A round hides a price; members guess it (a number of tries each, more for friends they bring in);
at the deadline the best guess wins under the round's rule, ties broken by the earliest guess:

- ``closest``: the guess nearest the price, over or under;
- ``under``: the guess nearest the price without going over (a guess above the price never wins);
- ``within:X%``: the first guess within X % of the price (inclusive) wins at once and closes the round.

Prices are kept in cents (whole numbers): no floating point anywhere. ``now`` and the time zone
are parameters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from games.errors import DomainError

MAX_PRICE_CENTS = 1_000_000_000  # 10,000,000.00
MAX_PRODUCT = 100
MAX_TRIES = 20
DEFAULT_TRIES = 3
MAX_INVITES = 10
DEFAULT_INVITES = 2
MAX_PRIZE = 1_000_000
MAX_WITHIN_BP = 5_000  # within:50% at most (hundredths of a percent)
DEFAULT_DEADLINE = timedelta(hours=24)
MIN_DEADLINE = timedelta(minutes=1)
MAX_DEADLINE = timedelta(days=30)
MAX_GUESS_TEXT = 40  # a longer message is not a price


class Rule(StrEnum):
    CLOSEST = "closest"
    UNDER = "under"
    WITHIN = "within"


class Hint(StrEnum):
    HIGHER = "higher"  # the real price is higher than the guess
    LOWER = "lower"
    EXACT = "exact"


# ---- errors -----------------------------------------------------------------------------------

class GuessError(DomainError):
    key = "guess-error-usage"


class BadPrice(GuessError):
    """Not a price; ``value`` is what was typed."""

    key = "guess-error-price"


class BadProduct(GuessError):
    key = "guess-error-product"


class BadOption(GuessError):
    key = "guess-error-option"


class BadDeadline(GuessError):
    key = "guess-error-deadline"


class BadNumber(GuessError):
    """``name`` must be a whole number from ``low`` to ``high``."""

    key = "guess-error-number"


class BadRule(GuessError):
    key = "guess-error-rule"


# ---- prices -----------------------------------------------------------------------------------

_PREFIXES = ("¥", "$", "rmb", "cny")
_SUFFIXES = ("块钱", "元", "块", "rmb", "cny", "yuan")
_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?", re.ASCII)


def parse_price(text: str) -> int:
    """A price in cents, read forgivingly: ``99``, ``99.9``, ``¥99.90``, ``99元``, ``1,299``, full-width
    digits (``９９``). Raises BadPrice for anything else (zero, negative, three decimals, words)."""
    raw = text
    value = unicodedata.normalize("NFKC", text).strip().lower()  # full-width digits, ￥, ， and ．
    if not value or len(value) > MAX_GUESS_TEXT:
        raise BadPrice(value=raw)
    for prefix in _PREFIXES:
        if value.startswith(prefix):
            value = value[len(prefix):].strip()
            break
    for suffix in _SUFFIXES:
        if value.endswith(suffix):
            value = value[: -len(suffix)].strip()
            break
    match = _NUMBER.fullmatch(value)
    if match is None:
        raise BadPrice(value=raw)
    whole = int(match.group(1).replace(",", ""))
    fraction = (match.group(2) or "").ljust(2, "0")
    cents = whole * 100 + int(fraction or "0")
    if not 0 < cents <= MAX_PRICE_CENTS:
        raise BadPrice(value=raw)
    return cents


def format_price(cents: int) -> str:
    """``9990`` → ``99.90``, ``129900`` → ``1,299``."""
    whole, part = divmod(cents, 100)
    return f"{whole:,}" if part == 0 else f"{whole:,}.{part:02d}"


def format_percent(bp: int) -> str:
    """Hundredths of a percent → ``5%``, ``2.5%``."""
    whole, part = divmod(bp, 100)
    return f"{whole}%" if part == 0 else f"{whole}.{part:02d}".rstrip("0") + "%"


# ---- the /guess command -----------------------------------------------------------------------

@dataclass(frozen=True)
class RoundSpec:
    product: str
    price: int  # cents
    deadline: datetime
    tries: int = DEFAULT_TRIES
    rule: Rule = Rule.CLOSEST
    within_bp: int = 0  # hundredths of a percent, for Rule.WITHIN
    prize: int = 0
    hints: bool = False
    invites: int = DEFAULT_INVITES


_DURATION = re.compile(r"(\d{1,5})([mhd])", re.ASCII)
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)", re.ASCII)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_PERCENT = re.compile(r"(\d{1,2})(?:\.(\d{1,2}))?%?", re.ASCII)


def _whole(name: str, value: str, low: int, high: int) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 9 or not low <= int(value) <= high:
        raise BadNumber(name=name, low=low, high=high)
    return int(value)


def parse_deadline(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """``30m``, ``2h``, ``3d``, ``HH:MM`` (the next such local time) or ``YYYY-MM-DD HH:MM`` (local)."""
    value = text.strip().lower()
    if match := _DURATION.fullmatch(value):
        n, unit = int(match.group(1)), match.group(2)
        deadline = now + {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]
    elif match := _TIME.fullmatch(value):
        local = now.astimezone(tz)
        at = datetime.combine(local.date(), time(int(match.group(1)), int(match.group(2))), tzinfo=tz)
        if at <= local:
            at = datetime.combine(local.date() + timedelta(days=1), at.time(), tzinfo=tz)
        deadline = at
    else:
        parts = value.split()
        if len(parts) != 2 or not (day := _DATE.fullmatch(parts[0])) or not (clock := _TIME.fullmatch(parts[1])):
            raise BadDeadline(value=text)
        try:
            on = date(int(day.group(1)), int(day.group(2)), int(day.group(3)))
        except ValueError:
            raise BadDeadline(value=text) from None
        deadline = datetime.combine(on, time(int(clock.group(1)), int(clock.group(2))), tzinfo=tz)
    if not MIN_DEADLINE <= deadline - now <= MAX_DEADLINE:
        raise BadDeadline(value=text)
    return deadline


def parse_rule(text: str) -> tuple[Rule, int]:
    value = text.strip().lower()
    if value in (Rule.CLOSEST, Rule.UNDER):
        return Rule(value), 0
    if value.startswith("within:"):
        match = _PERCENT.fullmatch(value.removeprefix("within:"))
        if match:
            bp = int(match.group(1)) * 100 + int((match.group(2) or "").ljust(2, "0") or "0")
            if 0 < bp <= MAX_WITHIN_BP:
                return Rule.WITHIN, bp
    raise BadRule(value=text)


_OPTIONS = ("deadline", "tries", "rule", "prize", "hints", "invites")


def parse_round(args: str, now: datetime, tz: ZoneInfo) -> RoundSpec:
    """``PRODUCT | PRICE [deadline=…] [tries=N] [rule=closest|under|within:X%] [prize=N] [hints=on|off]
    [invites=N]``. ``deadline=YYYY-MM-DD HH:MM`` may hold its one space."""
    parts = args.split("|")
    if len(parts) != 2:
        raise GuessError()
    product = " ".join(parts[0].split())
    if not product or len(product) > MAX_PRODUCT or product.startswith("/"):
        raise BadProduct(max=MAX_PRODUCT)
    tokens = parts[1].split()
    price_tokens: list[str] = []
    while tokens and "=" not in tokens[0]:
        price_tokens.append(tokens.pop(0))
    if not price_tokens:
        raise GuessError()
    price = parse_price(" ".join(price_tokens))
    found: dict[str, str] = {}
    while tokens:
        token = tokens.pop(0)
        name, _sep, value = token.partition("=")
        name = name.lower()
        if name not in _OPTIONS or name in found or not value:
            raise BadOption(option=token)
        if name == "deadline" and _DATE.fullmatch(value) and tokens and _TIME.fullmatch(tokens[0]):
            value = f"{value} {tokens.pop(0)}"
        found[name] = value
    deadline = parse_deadline(found["deadline"], now, tz) if "deadline" in found else now + DEFAULT_DEADLINE
    rule, within_bp = parse_rule(found["rule"]) if "rule" in found else (Rule.CLOSEST, 0)
    hints = found.get("hints", "off").lower()
    if hints not in ("on", "off"):
        raise BadOption(option=f"hints={found['hints']}")
    return RoundSpec(
        product=product, price=price, deadline=deadline,
        tries=_whole("tries", found["tries"], 1, MAX_TRIES) if "tries" in found else DEFAULT_TRIES,
        rule=rule, within_bp=within_bp,
        prize=_whole("prize", found["prize"], 0, MAX_PRIZE) if "prize" in found else 0,
        hints=hints == "on",
        invites=_whole("invites", found["invites"], 0, MAX_INVITES) if "invites" in found else DEFAULT_INVITES,
    )


# ---- judging ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Guess:
    id: int
    user_id: int
    cents: int
    at: datetime


def hint(price: int, cents: int) -> Hint:
    if cents == price:
        return Hint.EXACT
    return Hint.HIGHER if price > cents else Hint.LOWER


def within(price: int, cents: int, bp: int) -> bool:
    """Whether ``cents`` is within ``bp`` hundredths of a percent of ``price`` (the boundary counts)."""
    return abs(cents - price) * 10_000 <= price * bp


def ranking(rule: Rule, price: int, within_bp: int, guesses: Sequence[Guess]) -> list[Guess]:
    """The guesses that can win, best first (ties: the earliest guess, then the first recorded)."""
    if rule is Rule.CLOSEST:
        return sorted(guesses, key=lambda g: (abs(g.cents - price), g.at, g.id))
    if rule is Rule.UNDER:
        return sorted((g for g in guesses if g.cents <= price), key=lambda g: (price - g.cents, g.at, g.id))
    return sorted((g for g in guesses if within(price, g.cents, within_bp)), key=lambda g: (g.at, g.id))


def winner(rule: Rule, price: int, within_bp: int, guesses: Sequence[Guess]) -> Guess | None:
    """The winning guess, or None (no guess, or none that the rule lets win)."""
    ranked = ranking(rule, price, within_bp, guesses)
    return ranked[0] if ranked else None


def tries_left(tries: int, bonus: int, used: int) -> int:
    return max(0, tries + bonus - used)
