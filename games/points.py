"""Ledger rules: what a points movement may be, independent of storage."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
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
    LOTTERY = "lottery"
    PURCHASE_REVERSAL = "purchase_reversal"  # a refunded order's points taken back
    RECOVERY = "recovery"  # a shortfall (points taken back but already spent) paid from a new credit
    LAUNCH = "launch"  # a voter's launch reward: the item they voted for went live (announcements)


# Credits that count as earning: a shortfall is recovered from these (never from refunds of one's
# own points or the shop's budget).
EARNINGS = frozenset({Reason.CHECKIN, Reason.GRANT, Reason.WELCOME, Reason.VOTE, Reason.GAME, Reason.RED_PACKET,
                      Reason.PURCHASE, Reason.REFERRAL, Reason.LOTTERY, Reason.LAUNCH})


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


# ---- idempotency keys: built here and nowhere else (the strings are stored; never change them) ----

def checkin_key(user_id: int, day: date) -> str:
    """The daily check-in reward of ``user_id`` on ``day``."""
    return idempotency_key("checkin", user_id, day.isoformat())


def welcome_key(user_id: int) -> str:
    """The welcome gift: once per member, whichever gated group approved them."""
    return idempotency_key("welcome", user_id)


def budget_key(chat_id: int, message_id: int) -> str:
    """A ``/budget add`` top-up of the shop account, once per command message."""
    return idempotency_key("budget", chat_id, message_id)


def fund_key(packet_id: int) -> str:
    """The funder's payment into a red packet."""
    return idempotency_key("rp", "fund", packet_id)


def grab_key(packet_id: int, user_id: int) -> str:
    """A member's share of a red packet."""
    return idempotency_key("rp", "grab", packet_id, user_id)


def refund_key(packet_id: int) -> str:
    """What was left in an expired red packet, back to its funder."""
    return idempotency_key("rp", "refund", packet_id)


def packet_command_key(chat_id: int, message_id: int) -> str:
    """The red packet made by one ``/redpacket`` message (a redelivered update makes no second one)."""
    return idempotency_key("cmd", chat_id, message_id)


def drop_slot_key(schedule_id: int, day: date) -> str:
    """The red packet of a scheduled drop on ``day``: one per slot."""
    return idempotency_key("sched", schedule_id, day.isoformat())


def purchase_key(order_id: str) -> str:
    """The points a linked order earns, once per order."""
    return idempotency_key("order", "earn", order_id)


def purchase_reversal_key(order_id: str) -> str:
    """A refunded order's points taken back, once per order."""
    return idempotency_key("order", "reverse", order_id)


def recovery_key(credit_key: str) -> str:
    """The part of the credit ``credit_key`` that paid back a shortfall (hashed when long)."""
    key = idempotency_key("recover", credit_key)
    return key if len(key) <= 160 else idempotency_key("recover", hashlib.sha256(credit_key.encode()).hexdigest())


def vote_command_key(chat_id: int, message_id: int) -> str:
    """The vote made by one ``/vote`` message (a redelivered update makes no second one)."""
    return idempotency_key("vote", "cmd", chat_id, message_id)


def vote_reward_key(vote_id: int, user_id: int) -> str:
    """A member's reward for taking part in a vote: once per member per vote."""
    return idempotency_key("vote", "reward", vote_id, user_id)


def guess_prize_key(round_id: int) -> str:
    """The prize of a price-guessing round: paid once, to its one winner."""
    return idempotency_key("guess", "prize", round_id)


def guess_command_key(chat_id: int, message_id: int) -> str:
    """The round made by one ``/guess`` message (a redelivered update makes no second one)."""
    return idempotency_key("guesscmd", chat_id, message_id)


# ---- rewards shop, lottery and staff corrections ------------------------------------------------

def redeem_request_key(user_id: int, message_id: int) -> str:
    """One redemption request: the member's tap on the confirmation message ``message_id`` (in their
    private chat). A double tap or a redelivered update is the same request."""
    return idempotency_key("rw", "req", user_id, message_id)


def redemption_key(redemption_id: int) -> str:
    """The points a redemption cost."""
    return idempotency_key("rw", "pay", redemption_id)


def draw_request_key(user_id: int, message_id: int) -> str:
    """One lottery draw: the member's /draw message, or their tap on a draw button (message ``message_id``)."""
    return idempotency_key("lt", "req", user_id, message_id)


def draw_cost_key(draw_id: int) -> str:
    """What a paid draw cost."""
    return idempotency_key("lt", "pay", draw_id)


def draw_prize_key(draw_id: int) -> str:
    """The points a draw won."""
    return idempotency_key("lt", "win", draw_id)


def correction_key(chat_id: int, message_id: int) -> str:
    """A staff grant or deduction (/points USER +N|-N REASON), once per command message."""
    return idempotency_key("fix", chat_id, message_id)


# ---- announcements ----------------------------------------------------------------------------------

def launch_key(vote_id: int, user_id: int) -> str:
    """A voter's launch reward: the item of the option they chose in vote ``vote_id`` went live. Once
    per member per vote, however many times (or announcements) that item goes live."""
    return idempotency_key("vote", "launch", vote_id, user_id)
