"""Price-guessing rules: price parsing, the /guess command, and each rule's winner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from games import guessing as rules
from games.guessing import Guess, Hint, Rule

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
TZ = ZoneInfo("Asia/Shanghai")


# ---- prices -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "cents"), [
    ("99", 9900), ("99.9", 9990), ("99.90", 9990), ("¥99.90", 9990), ("￥99.90", 9990), ("99元", 9900),
    ("1,299", 129900), ("1,299.5", 129950), ("９９", 9900), ("９９．９", 9990), ("１，２９９", 129900),
    (" 99 ", 9900), ("¥ 99", 9900), ("99 元", 9900), ("RMB 50", 5000), ("50rmb", 5000), ("30块", 3000),
    ("0.01", 1), ("$12", 1200), ("10000000", 1_000_000_000), ("007", 700),
])
def test_prices_are_read_forgivingly(text: str, cents: int) -> None:
    assert rules.parse_price(text) == cents


@pytest.mark.parametrize("text", [
    "", "   ", "abc", "99.999", "-5", "0", "0.00", "1,29", "12,3456", "99..9", ".5", "9 9", "99 apples",
    "1e3", "10000000.01", "¥", "元", "99%", "1/2", "٩٩", "99,", ",99", "1,2,3", "x" * 100,
])
def test_anything_else_is_not_a_price(text: str) -> None:
    with pytest.raises(rules.BadPrice):
        rules.parse_price(text)


@given(st.integers(min_value=1, max_value=rules.MAX_PRICE_CENTS))
def test_a_formatted_price_reads_back(cents: int) -> None:
    assert rules.parse_price(rules.format_price(cents)) == cents


def test_formatting() -> None:
    assert rules.format_price(9990) == "99.90"
    assert rules.format_price(129900) == "1,299"
    assert rules.format_price(5) == "0.05"
    assert rules.format_percent(500) == "5%"
    assert rules.format_percent(250) == "2.5%"
    assert rules.format_percent(1) == "0.01%"


# ---- the /guess command -----------------------------------------------------------------------

def test_defaults() -> None:
    spec = rules.parse_round("Longjing tea 250g | 99.90", NOW, TZ)
    assert spec == rules.RoundSpec("Longjing tea 250g", 9990, NOW + timedelta(hours=24))


def test_every_option() -> None:
    spec = rules.parse_round("Tea | ¥1,299 deadline=2h tries=5 rule=within:2.5% prize=100 hints=on invites=0",
                             NOW, TZ)
    assert (spec.price, spec.deadline, spec.tries, spec.rule, spec.within_bp, spec.prize, spec.hints, spec.invites) \
        == (129900, NOW + timedelta(hours=2), 5, Rule.WITHIN, 250, 100, True, 0)
    assert rules.parse_round("Tea | 5 rule=UNDER", NOW, TZ).rule is Rule.UNDER


def test_deadlines() -> None:
    assert rules.parse_deadline("30m", NOW, TZ) == NOW + timedelta(minutes=30)
    assert rules.parse_deadline("21:00", NOW, TZ) == datetime(2026, 3, 2, 21, 0, tzinfo=TZ)
    assert rules.parse_deadline("08:00", NOW, TZ) == datetime(2026, 3, 3, 8, 0, tzinfo=TZ)  # passed today
    spec = rules.parse_round("Tea | 5 deadline=2026-03-05 20:30 tries=2", NOW, TZ)
    assert spec.deadline == datetime(2026, 3, 5, 20, 30, tzinfo=TZ) and spec.tries == 2
    for bad in ("0m", "31d", "2026-03-01 10:00", "2026-02-30 10:00", "25:00", "soon", "2026-03-05"):
        with pytest.raises(rules.BadDeadline):
            rules.parse_deadline(bad, NOW, TZ)


@pytest.mark.parametrize(("args", "error"), [
    ("", rules.GuessError), ("Tea", rules.GuessError), ("Tea | 5 | 6", rules.GuessError),
    (" | 5", rules.BadProduct), ("x" * 101 + " | 5", rules.BadProduct), ("Tea |", rules.GuessError),
    ("Tea | tries=3", rules.GuessError), ("Tea | abc", rules.BadPrice), ("Tea | 0", rules.BadPrice),
    ("Tea | 5 color=red", rules.BadOption), ("Tea | 5 tries=3 tries=4", rules.BadOption),
    ("Tea | 5 tries=", rules.BadOption), ("Tea | 5 tries=0", rules.BadNumber), ("Tea | 5 tries=21", rules.BadNumber),
    ("Tea | 5 tries=２", rules.BadNumber), ("Tea | 5 prize=-1", rules.BadNumber),
    ("Tea | 5 prize=99999999999", rules.BadNumber), ("Tea | 5 invites=11", rules.BadNumber),
    ("Tea | 5 rule=best", rules.BadRule), ("Tea | 5 rule=within:0%", rules.BadRule),
    ("Tea | 5 rule=within:51%", rules.BadRule), ("Tea | 5 rule=within:", rules.BadRule),
    ("Tea | 5 rule=within:5.555%", rules.BadRule), ("Tea | 5 hints=maybe", rules.BadOption),
    ("Tea | 5 deadline=yesterday", rules.BadDeadline), ("/evil | 5", rules.BadProduct),
])
def test_bad_commands_say_what_is_wrong(args: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        rules.parse_round(args, NOW, TZ)


@given(st.text(max_size=80))
def test_garbage_never_escapes_as_anything_but_a_guess_error(args: str) -> None:
    try:
        rules.parse_round(args, NOW, TZ)
    except rules.GuessError:
        pass


# ---- judging ----------------------------------------------------------------------------------

def g(gid: int, cents: int, minute: int = 0, user: int | None = None) -> Guess:
    return Guess(gid, user if user is not None else gid, cents, NOW + timedelta(minutes=minute))


def test_no_guesses_no_winner() -> None:
    for rule in Rule:
        assert rules.winner(rule, 1000, 500, []) is None


def test_closest_exact_hit_wins() -> None:
    assert rules.winner(Rule.CLOSEST, 1000, 0, [g(1, 990), g(2, 1000, 5), g(3, 1001)]) == g(2, 1000, 5)


def test_closest_over_and_under_count_alike_and_ties_go_to_the_earliest() -> None:
    guesses = [g(1, 1010, minute=3), g(2, 990, minute=1), g(3, 1200)]
    assert rules.winner(Rule.CLOSEST, 1000, 0, guesses) == g(2, 990, minute=1)  # equal distance: earlier
    same_time = [g(5, 1010, minute=1), g(4, 990, minute=1)]
    assert rules.winner(Rule.CLOSEST, 1000, 0, same_time) == g(4, 990, minute=1)  # same moment: first recorded


def test_under_never_lets_an_over_guess_win() -> None:
    guesses = [g(1, 1001), g(2, 900), g(3, 999, minute=2), g(4, 999, minute=1)]
    assert rules.winner(Rule.UNDER, 1000, 0, guesses) == g(4, 999, minute=1)
    assert rules.winner(Rule.UNDER, 1000, 0, [g(1, 1000, 9), g(2, 999)]) == g(1, 1000, 9)  # exact is not over
    assert rules.winner(Rule.UNDER, 1000, 0, [g(1, 1001), g(2, 5000)]) is None  # everyone went over


def test_within_the_boundary_counts_and_the_first_hit_wins() -> None:
    # 5% of 10.00 is 0.50: 9.50 and 10.50 are in, 9.49 and 10.51 are out.
    assert rules.within(1000, 950, 500) and rules.within(1000, 1050, 500)
    assert not rules.within(1000, 949, 500) and not rules.within(1000, 1051, 500)
    guesses = [g(1, 1051, 0), g(2, 1050, 1), g(3, 1000, 2)]
    assert rules.winner(Rule.WITHIN, 1000, 500, guesses) == g(2, 1050, 1)  # first in, not closest
    assert rules.winner(Rule.WITHIN, 1000, 500, [g(1, 2000)]) is None
    assert rules.within(1, 1, 1) and not rules.within(100, 101, 99)  # 0.99% of 1.00 < 0.01


@given(st.integers(1, 10**6), st.lists(st.integers(1, 10**6), max_size=20), st.sampled_from(list(Rule)))
def test_the_winner_is_the_best_under_its_rule(price: int, values: list[int], rule: Rule) -> None:
    guesses = [g(i + 1, v, minute=i) for i, v in enumerate(values)]
    best = rules.winner(rule, price, 500, guesses)
    if best is None:
        return
    for other in guesses:
        if rule is Rule.CLOSEST:
            assert abs(best.cents - price) <= abs(other.cents - price)
        elif rule is Rule.UNDER:
            assert best.cents <= price and (other.cents > price or other.cents <= best.cents)
        else:
            assert rules.within(price, best.cents, 500)
            assert not rules.within(price, other.cents, 500) or other.at >= best.at


def test_hints_and_tries() -> None:
    assert rules.hint(1000, 900) is Hint.HIGHER
    assert rules.hint(1000, 1100) is Hint.LOWER
    assert rules.hint(1000, 1000) is Hint.EXACT
    assert rules.tries_left(3, 1, 2) == 2 and rules.tries_left(3, 0, 3) == 0 and rules.tries_left(1, 0, 5) == 0
