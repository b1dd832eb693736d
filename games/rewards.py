"""The rewards shop (积分兑换): what staff may set up and what a member may redeem.

Pure functions over values. Staff write ``/reward add NAME | COST [| stock=N] [| limit=1/month]
[| tier=NAME] [| cash=TEXT]`` and ``/reward edit ID | cost=N | …``; :func:`parse_new` and
:func:`parse_edit` turn the text after the command into a :class:`RewardSpec` or a change, or raise a
:class:`RewardError` naming what was wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from games.errors import DomainError

MAX_NAME = 64
MAX_CASH = 64
MAX_TIER = 32
MAX_COST = 1_000_000
MAX_STOCK = 1_000_000
MAX_LIMIT = 1_000
MAX_CODE = 128
MAX_CODES_PER_FILE = 20_000


class RewardError(DomainError):
    """A staff reward command was wrong; ``key`` says how."""

    key = "rw-error-usage"


class BadName(RewardError):
    key = "rw-error-name"


class BadCost(RewardError):
    key = "rw-error-cost"


class BadStock(RewardError):
    key = "rw-error-stock"


class BadLimit(RewardError):
    key = "rw-error-limit"


class BadTier(RewardError):
    key = "rw-error-tier"


class BadCash(RewardError):
    key = "rw-error-cash"


class UnknownOption(RewardError):
    key = "rw-error-option"


class StockBelowRedeemed(RewardError):
    key = "rw-error-stock-below"


# Refusals when a member redeems.
class RedeemRefused(DomainError):
    key = "rw-refused"


class NoSuchReward(RedeemRefused):
    key = "rw-no-such-reward"


class Paused(RedeemRefused):
    key = "rw-paused"


class SoldOut(RedeemRefused):
    key = "rw-sold-out"


class LimitReached(RedeemRefused):
    key = "rw-limit-reached"


class NotEnoughPoints(RedeemRefused):
    key = "rw-not-enough"


class TierRequired(RedeemRefused):
    """A tier-only reward (``tier=``) and the member is below that tier (see games/tiers.py)."""

    key = "tiers-reward-refused"


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    EVER = "ever"


_PERIOD_WORDS = {
    "day": Period.DAY, "d": Period.DAY, "天": Period.DAY, "日": Period.DAY,
    "week": Period.WEEK, "w": Period.WEEK, "周": Period.WEEK,
    "month": Period.MONTH, "m": Period.MONTH, "月": Period.MONTH,
    "year": Period.YEAR, "y": Period.YEAR, "年": Period.YEAR,
    "ever": Period.EVER, "total": Period.EVER, "永久": Period.EVER,
}


@dataclass(frozen=True)
class Limit:
    count: int
    period: Period

    def encode(self) -> str:
        return f"{self.count}/{self.period}"


@dataclass(frozen=True)
class RewardSpec:
    name: str
    cost: int
    stock: int | None = None  # None: unlimited (a reward with codes is also limited by its codes)
    limit: Limit | None = None  # per member
    tier: str | None = None  # members of this tier or above only (bot/services/rewards.py, games/tiers.py)
    cash: str | None = None  # a note such as "+ ¥9.9 at checkout"


_NUMBER = re.compile(r"[0-9]{1,9}")
_LIMIT = re.compile(r"([0-9]{1,4})\s*/\s*(\S+)")
_TIER = re.compile(r"[A-Za-z0-9_\-\u4e00-\u9fff]{1,32}")


def _int(text: str, error: type[RewardError], low: int, high: int) -> int:
    value = text.strip()
    if not _NUMBER.fullmatch(value) or not low <= int(value) <= high:
        raise error(value=value, min=low, max=high)
    return int(value)


def _name(text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME or name.startswith("/"):
        raise BadName(max=MAX_NAME)
    return name


def parse_limit(text: str) -> Limit | None:
    """``1/month``, ``2/week``, ``1/ever``; ``none`` or ``off`` removes the limit."""
    value = text.strip().lower()
    if value in ("none", "off", "0"):
        return None
    match = _LIMIT.fullmatch(value)
    if not match or match.group(2) not in _PERIOD_WORDS or not 1 <= int(match.group(1)) <= MAX_LIMIT:
        raise BadLimit(value=text.strip())
    return Limit(int(match.group(1)), _PERIOD_WORDS[match.group(2)])


def _tier(text: str) -> str | None:
    value = text.strip()
    if value.lower() in ("none", "off", "all"):
        return None
    if not _TIER.fullmatch(value):
        raise BadTier(value=value, max=MAX_TIER)
    return value


def _cash(text: str) -> str | None:
    value = " ".join(text.split())
    if value.lower() in ("none", "off", ""):
        return None
    if len(value) > MAX_CASH:
        raise BadCash(max=MAX_CASH)
    return value


def _stock(text: str) -> int | None:
    if text.strip().lower() in ("none", "off", "unlimited", "∞"):
        return None
    return _int(text, BadStock, 0, MAX_STOCK)


def _options(parts: list[str], spec: RewardSpec, *, allow_name_cost: bool) -> RewardSpec:
    for raw in parts:
        option = raw.strip()
        if not option:
            raise RewardError()
        key, sep, value = option.partition("=")
        key = key.strip().lower()
        if not sep:
            raise UnknownOption(option=option)
        if key == "stock":
            spec = replace(spec, stock=_stock(value))
        elif key == "limit":
            spec = replace(spec, limit=parse_limit(value))
        elif key == "tier":
            spec = replace(spec, tier=_tier(value))
        elif key == "cash":
            spec = replace(spec, cash=_cash(value))
        elif allow_name_cost and key == "name":
            spec = replace(spec, name=_name(value))
        elif allow_name_cost and key == "cost":
            spec = replace(spec, cost=_int(value, BadCost, 1, MAX_COST))
        else:
            raise UnknownOption(option=option)
    return spec


def parse_new(text: str) -> RewardSpec:
    """``NAME | COST [| stock=N] [| limit=1/month] [| tier=NAME] [| cash=TEXT]``."""
    parts = text.split("|")
    if len(parts) < 2:
        raise RewardError()
    spec = RewardSpec(_name(parts[0]), _int(parts[1], BadCost, 1, MAX_COST))
    return _options(parts[2:], spec, allow_name_cost=False)


def parse_edit(text: str, current: RewardSpec) -> RewardSpec:
    """``| name=… | cost=N | stock=N | limit=… | tier=… | cash=…`` (at least one), applied to ``current``."""
    parts = text.split("|")
    if parts and not parts[0].strip():
        parts = parts[1:]
    if not parts:
        raise RewardError()
    return _options(parts, current, allow_name_cost=True)


def period_start(today: date, period: Period) -> date | None:
    """The first local day of the period ``today`` is in (None: the limit is for ever)."""
    if period is Period.DAY:
        return today
    if period is Period.WEEK:
        return today - timedelta(days=today.weekday())
    if period is Period.MONTH:
        return today.replace(day=1)
    if period is Period.YEAR:
        return today.replace(month=1, day=1)
    return None


@dataclass(frozen=True)
class Offer:
    """A reward as a member sees it in the shop."""

    reward_id: int
    name: str
    cost: int
    left: int | None  # None: unlimited


def for_member(offers: list[Offer], balance: int) -> list[Offer]:
    """What a member can afford first (cheapest first), then the rest (cheapest first); sold-out
    rewards last."""
    def rank(offer: Offer) -> tuple[int, int, int]:
        sold_out = offer.left is not None and offer.left <= 0
        return (2 if sold_out else 0 if offer.cost <= balance else 1, offer.cost, offer.reward_id)
    return sorted(offers, key=rank)


def left_of(stock: int | None, redeemed: int, free_codes: int | None) -> int | None:
    """How many more can be redeemed: the stock left, and no more than the codes left when the
    reward hands out codes (``free_codes`` None: it has no code pool)."""
    lefts = [n for n in ((None if stock is None else stock - redeemed), free_codes) if n is not None]
    return max(0, min(lefts)) if lefts else None


_CODE_HEADERS = {"code", "codes", "coupon", "券码", "兑换码", "卡密", "code,"}


def parse_codes(text: str) -> tuple[list[str], int]:
    """Codes from a text or CSV file: one per line (the first cell of a CSV line); blank lines and
    a header line are skipped. Returns (codes in file order, without repeats; lines skipped as
    repeats or unreadable). A code is 1–128 printable characters without spaces."""
    codes: list[str] = []
    seen: set[str] = set()
    skipped = 0
    for number, line in enumerate(text.splitlines(), start=1):
        cell = line.split(",")[0].split(";")[0].split("\t")[0].strip().strip('"').strip()
        if not cell:
            continue
        if number == 1 and cell.lower() in _CODE_HEADERS:
            continue
        if len(cell) > MAX_CODE or not cell.isprintable() or any(ch.isspace() for ch in cell) or cell in seen:
            skipped += 1
            continue
        seen.add(cell)
        codes.append(cell)
    return codes, skipped
