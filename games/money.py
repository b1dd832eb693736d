"""Money amounts as staff type them and as the bot shows them: whole cents, never floats."""

from __future__ import annotations

MAX_SPEND_CENTS = 10**12


def _digits(text: str, most: int) -> bool:
    """1 to ``most`` ASCII digits (``isdigit`` alone accepts "²" and "١", which ``int`` refuses or reads)."""
    return text.isascii() and text.isdigit() and len(text) <= most


def parse_money(value: str) -> int:
    """``199``, ``199.5`` or ``199.90`` → cents; no negatives, at most two decimals."""
    text = value.strip().replace(",", "")
    whole, dot, frac = text.partition(".")
    if not _digits(whole, 12) or (dot and (not _digits(frac, 2))):
        raise ValueError(value)
    cents = int(whole) * 100 + (int(frac.ljust(2, "0")) if dot else 0)
    if cents > MAX_SPEND_CENTS:
        raise ValueError(value)
    return cents


def format_money(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"
