"""Points for purchases (交易积分): the rate, the points an order earns, taking them back on a
refund, and recovering a shortfall from later earnings.

The rate is points per unit of the shop's currency, kept in hundredths (``1.5`` → 150) so that an
order's points are exact integer arithmetic: ``cents × rate × multiplier // 100³`` (rounded down).
"""

from __future__ import annotations

from dataclasses import dataclass

from games.errors import ConfigError
from games.tiers import ONE

RATE_SCALE = 100
MAX_RATE = 1000 * RATE_SCALE  # 1,000 points per unit
PAID = "paid"
REFUNDED = "refunded"
STATUS_WORDS = {
    "": PAID, "paid": PAID, "completed": PAID, "complete": PAID, "success": PAID, "ok": PAID,
    "已付款": PAID, "已完成": PAID, "交易成功": PAID, "已支付": PAID,
    "refunded": REFUNDED, "refund": REFUNDED, "已退款": REFUNDED, "退款": REFUNDED, "退款成功": REFUNDED,
}


def parse_status(text: str) -> str:
    """An order's status cell: paid (also empty) or refunded; ValueError for anything else."""
    status = STATUS_WORDS.get(text.strip().lower())
    if status is None:
        raise ValueError(text)
    return status


def parse_rate(text: str) -> int | None:
    """``/points_rate`` argument: ``1``, ``0.5``, ``2.25`` points per unit (hundredths kept);
    ``off`` or ``0`` turns purchase points off (None)."""
    value = text.strip().lower()
    if value in ("off", "none", "0", "0.0", "0.00"):
        return None
    whole, dot, frac = value.partition(".")
    if not (whole.isascii() and whole.isdigit() and len(whole) <= 4) or (
            dot and not (frac.isascii() and frac.isdigit() and 1 <= len(frac) <= 2)):
        raise ConfigError(detail=value[:16])
    rate = int(whole) * RATE_SCALE + (int(frac.ljust(2, "0")) if dot else 0)
    if not 1 <= rate <= MAX_RATE:
        raise ConfigError(detail=value[:16])
    return rate


def format_rate(rate: int) -> str:
    whole, frac = divmod(rate, RATE_SCALE)
    return f"{whole}" if frac == 0 else f"{whole}.{frac:02d}".rstrip("0")


def order_points(amount_cents: int, rate: int, multiplier: int = ONE) -> int:
    """The points an order of ``amount_cents`` earns at ``rate`` (hundredths of a point per unit)
    with a tier ``multiplier`` (percent), rounded down."""
    if amount_cents <= 0 or rate <= 0:
        return 0
    return amount_cents * rate * max(multiplier, ONE) // (100 * RATE_SCALE * ONE)


@dataclass(frozen=True)
class Reversal:
    """A refunded order's points taken back: what the balance gave, and what it owed beyond that."""

    taken: int
    shortfall: int


def reverse(points: int, balance: int) -> Reversal:
    """Take ``points`` back from ``balance``; a balance never goes below zero, the rest is owed."""
    taken = min(max(points, 0), max(balance, 0))
    return Reversal(taken, max(points, 0) - taken)


def recovered(owed: int, credit: int) -> int:
    """How much of a new credit goes to paying back what is owed."""
    return min(max(owed, 0), max(credit, 0))


def expected_points(orders: list[tuple[int, int, int]]) -> int:
    """The points a list of earning orders (cents, rate, multiplier) should have paid in total:
    what ``regulars doctor`` compares with the ledger."""
    return sum(order_points(cents, rate, mult) for cents, rate, mult in orders)
