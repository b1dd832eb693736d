"""Ledger rules: amounts, non-negative balances, replay."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from games.errors import InsufficientPoints, InvalidAmount
from games.points import apply, idempotency_key, replay, validate_amount


def test_apply_credits_and_debits() -> None:
    assert apply(0, 5) == 5
    assert apply(5, -5) == 0


def test_balance_never_goes_negative() -> None:
    with pytest.raises(InsufficientPoints) as info:
        apply(3, -4)
    assert info.value.params == {"balance": 3, "needed": 4}


@pytest.mark.parametrize("amount", [0, 10_000_001, -10_000_001, True, 1.5, "5"])
def test_invalid_amounts(amount: object) -> None:
    with pytest.raises(InvalidAmount):
        validate_amount(amount)  # type: ignore[arg-type]


@given(st.lists(st.integers(min_value=-1000, max_value=1000).filter(bool), max_size=200))
def test_replay_equals_the_sum_of_accepted_entries(amounts: list[int]) -> None:
    balance = 0
    accepted = []
    for amount in amounts:
        try:
            balance = apply(balance, amount)
        except InsufficientPoints:
            continue
        accepted.append(amount)
        assert balance >= 0
    assert replay(accepted) == sum(accepted) == balance


def test_idempotency_key_is_stable() -> None:
    assert idempotency_key("checkin", 42, "2026-01-01") == "checkin:42:2026-01-01"


def test_idempotency_keys_keep_the_strings_already_stored() -> None:
    from datetime import date

    from games import points

    day = date(2026, 3, 2)
    assert points.checkin_key(42, day) == "checkin:42:2026-03-02"
    assert points.welcome_key(42) == "welcome:42"
    assert points.budget_key(-100, 7) == "budget:-100:7"
    assert points.fund_key(5) == "rp:fund:5"
    assert points.grab_key(5, 42) == "rp:grab:5:42"
    assert points.refund_key(5) == "rp:refund:5"
    assert points.packet_command_key(-100, 7) == "cmd:-100:7"
    assert points.drop_slot_key(3, day) == "sched:3:2026-03-02"
