"""Ledger rules: what a points movement may be, independent of storage."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from games.errors import InsufficientPoints, InvalidAmount

MAX_MOVEMENT = 10_000_000


class Reason(StrEnum):
    """Why points moved. Stored in the ledger; shown to members through the texts."""

    CHECKIN = "checkin"
    GRANT = "grant"
    DEDUCT = "deduct"
    WELCOME = "welcome"
    VOTE = "vote"
    GAME = "game"
    RED_PACKET = "red_packet"
    PURCHASE = "purchase"
    REFERRAL = "referral"
    REDEMPTION = "redemption"
    REFUND = "refund"
    BUDGET = "budget"


def validate_amount(amount: int) -> int:
    """A movement is a non-zero whole number of points within sane bounds."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidAmount(amount=amount)
    if amount == 0 or abs(amount) > MAX_MOVEMENT:
        raise InvalidAmount(amount=amount)
    return amount


def apply(balance: int, amount: int) -> int:
    """The balance after ``amount``; a balance never goes below zero."""
    validate_amount(amount)
    new_balance = balance + amount
    if new_balance < 0:
        raise InsufficientPoints(balance=balance, needed=-amount)
    return new_balance


def replay(amounts: Iterable[int]) -> int:
    """Rebuild a balance from its ledger entries, checking every step stays non-negative."""
    balance = 0
    for amount in amounts:
        balance = apply(balance, amount)
    return balance


def idempotency_key(*parts: object) -> str:
    """A stable idempotency key from the parts that identify one cause of a movement."""
    return ":".join(str(p) for p in parts)
