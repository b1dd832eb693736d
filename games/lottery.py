"""The lottery (抽奖): a prize table with weights and stock, and how one draw picks a prize.

Pure functions over values; randomness comes in as a parameter (``secrets.SystemRandom()`` in
production, a seeded ``random.Random`` in tests). Odds are the weights of the prizes still in stock,
re-normalised: a prize out of stock drops out of the table and the others' odds grow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Protocol

from games.errors import DomainError

MAX_PRIZE_NAME = 48
MAX_WEIGHT = 1_000_000
MAX_STOCK = 1_000_000
MAX_PRIZE_POINTS = 1_000_000
MAX_COST = 1_000_000
MAX_FREE = 10
MAX_PRIZES = 30
DEFAULT_FREE = 1
PPM = 1_000_000  # odds are stored in parts per million

NO_PRIZE_NAMES = frozenset({"none", "nothing", "no prize", "谢谢参与", "未中奖", "无"})


class LotteryError(DomainError):
    key = "lt-error-usage"


class BadPrizeName(LotteryError):
    key = "lt-error-name"


class BadWeight(LotteryError):
    key = "lt-error-weight"


class BadPrizeStock(LotteryError):
    key = "lt-error-stock"


class BadPrizePoints(LotteryError):
    key = "lt-error-points"


class BadRewardRef(LotteryError):
    key = "lt-error-reward"


class UnknownPrizeOption(LotteryError):
    key = "lt-error-option"


class TooManyPrizes(LotteryError):
    key = "lt-error-too-many"


# Refusals when a member draws.
class DrawRefused(DomainError):
    key = "lt-refused"


class NoTable(DrawRefused):
    key = "lt-no-table"


class NoFreeDraw(DrawRefused):
    """No free draw left today and paid draws are off."""

    key = "lt-no-free-left"


class DrawTooPoor(DrawRefused):
    key = "lt-not-enough"


class Kind(StrEnum):
    NOTHING = "nothing"  # "no prize": an explicit row with its own weight
    POINTS = "points"
    REWARD = "reward"  # a redemption of a reward from the shop (its code, or a redemption number)
    GIFT = "gift"  # a named prize staff hand over (a redemption number)


@dataclass(frozen=True)
class PrizeSpec:
    name: str
    weight: int
    stock: int | None = None
    kind: Kind = Kind.GIFT
    points: int = 0
    reward_id: int | None = None


_NUMBER = re.compile(r"[0-9]{1,9}")


def _int(text: str, error: type[LotteryError], low: int, high: int) -> int:
    value = text.strip()
    if not _NUMBER.fullmatch(value) or not low <= int(value) <= high:
        raise error(value=value, min=low, max=high)
    return int(value)


def parse_int(text: str, low: int, high: int) -> int:
    """A whole number from staff (``/lottery cost N``, ``/lottery free N``)."""
    return _int(text, LotteryError, low, high)


def parse_prize(text: str) -> PrizeSpec:
    """``PRIZE | WEIGHT [| stock=N] [| points=N | reward=ID]``; PRIZE ``none`` (or 谢谢参与) is the
    "no prize" row."""
    parts = text.split("|")
    if len(parts) < 2:
        raise LotteryError()
    name = " ".join(parts[0].split())
    if not name or len(name) > MAX_PRIZE_NAME or name.startswith("/"):
        raise BadPrizeName(max=MAX_PRIZE_NAME)
    weight = _int(parts[1], BadWeight, 1, MAX_WEIGHT)
    nothing = name.lower() in NO_PRIZE_NAMES
    stock: int | None = None
    kind = Kind.NOTHING if nothing else Kind.GIFT
    points = 0
    reward_id: int | None = None
    for raw in parts[2:]:
        key, sep, value = raw.strip().partition("=")
        key = key.strip().lower()
        if not sep:
            raise UnknownPrizeOption(option=raw.strip())
        if key == "stock" and not nothing:
            stock = _int(value, BadPrizeStock, 0, MAX_STOCK)
        elif key == "points" and not nothing and kind is Kind.GIFT:
            points = _int(value, BadPrizePoints, 1, MAX_PRIZE_POINTS)
            kind = Kind.POINTS
        elif key == "reward" and not nothing and kind is Kind.GIFT:
            reward_id = _int(value, BadRewardRef, 1, 2**31 - 1)
            kind = Kind.REWARD
        else:
            raise UnknownPrizeOption(option=raw.strip())
    return PrizeSpec(name, weight, stock, kind, points, reward_id)


@dataclass(frozen=True)
class Prize:
    """A row of the prize table as a draw sees it. ``left`` None: unlimited; ``value`` what the
    prize is worth in points (points prizes: the points; reward prizes: the reward's cost; None:
    unknown, a gift); ``available`` False when something outside the table (a reward's stock or
    codes) has run out."""

    prize_id: int
    name: str
    weight: int
    kind: Kind
    left: int | None = None
    value: int | None = None
    available: bool = True

    @property
    def in_stock(self) -> bool:
        return self.available and (self.left is None or self.left > 0)


def odds(prizes: list[Prize]) -> dict[int, Fraction]:
    """Each prize in stock's chance (its weight over the weights of all prizes in stock)."""
    live = [p for p in prizes if p.in_stock]
    total = sum(p.weight for p in live)
    return {p.prize_id: Fraction(p.weight, total) for p in live} if total else {}


def ppm(chance: Fraction) -> int:
    return round(chance * PPM)


def percent(chance: Fraction) -> str:
    """``12.5``, ``0.01``, ``100`` — odds as staff and members read them."""
    value = float(chance * 100)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "<0.01" if value > 0 and text == "0" else text


class RandomSource(Protocol):
    def randint(self, a: int, b: int) -> int: ...


def draw(prizes: list[Prize], rng: RandomSource) -> Prize:
    """One prize by weight among those in stock. Raises NoTable if none is."""
    live = [p for p in prizes if p.in_stock]
    total = sum(p.weight for p in live)
    if not total:
        raise NoTable()
    ticket = rng.randint(0, total - 1)
    for prize in live:
        if ticket < prize.weight:
            return prize
        ticket -= prize.weight
    raise AssertionError("ticket beyond the total weight")  # pragma: no cover


def first_prize(prizes: list[Prize]) -> Prize | None:
    """The guaranteed prize of a member's first draw ever: the cheapest real prize in stock (by its
    value in points; a gift of unknown value after those, the most common first). None: no real
    prize is in stock."""
    real = [p for p in prizes if p.kind is not Kind.NOTHING and p.in_stock]
    if not real:
        return None
    return min(real, key=lambda p: (p.value is None, p.value or 0, -p.weight, p.prize_id))


@dataclass(frozen=True)
class Pick:
    prize: Prize
    chance: Fraction  # the odds at the time (1 for the guaranteed first prize)
    guaranteed: bool


def pick(prizes: list[Prize], rng: RandomSource, *, first_ever: bool) -> Pick:
    """The prize of one draw: a first-timer always wins (the cheapest prize in stock); everyone
    else draws by the re-normalised odds."""
    if first_ever:
        sure = first_prize(prizes)
        if sure is not None:
            return Pick(sure, Fraction(1), True)
    chosen = draw(prizes, rng)
    return Pick(chosen, odds(prizes)[chosen.prize_id], False)


def free_left(used_today: int, free_per_day: int) -> int:
    return max(0, free_per_day - used_today)
