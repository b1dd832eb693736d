"""Rewards shop and lottery rules (pure functions): parsing, limits, the shop's order, lottery odds,
re-normalisation and the guaranteed first prize."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games import lottery as lt
from games import rewards as rw

# ---- rewards ----------------------------------------------------------------------------------


def test_a_reward_with_every_option() -> None:
    spec = rw.parse_new("Coupon ¥10 | 100 | stock=50 | limit=1/month | tier=GOLD | cash=+ ¥9.9 at checkout")
    assert spec == rw.RewardSpec("Coupon ¥10", 100, 50, rw.Limit(1, rw.Period.MONTH), "GOLD", "+ ¥9.9 at checkout")
    assert rw.parse_new("  Mug  |7").stock is None


@pytest.mark.parametrize(("text", "error"), [
    ("Coupon", rw.RewardError),
    ("Coupon | 0", rw.BadCost),
    ("Coupon | -5", rw.BadCost),
    ("Coupon | ５", rw.BadCost),
    ("Coupon | 99999999999", rw.BadCost),
    (" | 10", rw.BadName),
    ("x" * 65 + " | 10", rw.BadName),
    ("/reward | 10", rw.BadName),
    ("Coupon | 10 | stock=-1", rw.BadStock),
    ("Coupon | 10 | limit=often", rw.BadLimit),
    ("Coupon | 10 | limit=0/month", rw.BadLimit),
    ("Coupon | 10 | tier=<b>", rw.BadTier),
    ("Coupon | 10 | cash=" + "y" * 65, rw.BadCash),
    ("Coupon | 10 | sparkly", rw.UnknownOption),
    ("Coupon | 10 | colour=red", rw.UnknownOption),
    ("Coupon | 10 | ", rw.RewardError),
])
def test_bad_reward_commands_say_what_is_wrong(text: str, error: type[rw.RewardError]) -> None:
    with pytest.raises(error):
        rw.parse_new(text)


def test_an_edit_changes_only_what_it_names() -> None:
    current = rw.parse_new("Coupon | 100 | stock=5 | tier=GOLD")
    edited = rw.parse_edit(" cost=80 | stock=none | tier=none", current)
    assert edited == rw.RewardSpec("Coupon", 80, None, None, None, None)
    with pytest.raises(rw.RewardError):
        rw.parse_edit("", current)
    with pytest.raises(rw.BadCost):
        rw.parse_edit("| cost=0", current)


def test_limit_periods_start_on_local_days() -> None:
    wednesday = date(2026, 3, 4)
    assert rw.period_start(wednesday, rw.Period.DAY) == wednesday
    assert rw.period_start(wednesday, rw.Period.WEEK) == date(2026, 3, 2)
    assert rw.period_start(wednesday, rw.Period.MONTH) == date(2026, 3, 1)
    assert rw.period_start(wednesday, rw.Period.YEAR) == date(2026, 1, 1)
    assert rw.period_start(wednesday, rw.Period.EVER) is None
    assert rw.parse_limit("2/周") == rw.Limit(2, rw.Period.WEEK)
    assert rw.parse_limit("none") is None


def test_members_see_what_they_can_afford_first_and_sold_out_last() -> None:
    offers = [rw.Offer(1, "Big", 500, None), rw.Offer(2, "Small", 50, 3), rw.Offer(3, "Gone", 10, 0),
              rw.Offer(4, "Mid", 120, 1)]
    assert [o.reward_id for o in rw.for_member(offers, 600)] == [2, 4, 1, 3]
    assert [o.reward_id for o in rw.for_member(offers, 0)] == [2, 4, 1, 3]
    big_first = [rw.Offer(1, "Cheap but short", 100, None), rw.Offer(2, "Affordable", 90, None)]
    assert [o.reward_id for o in rw.for_member([*big_first, rw.Offer(5, "Also", 95, 2)], 95)] == [2, 5, 1]
    assert [o.reward_id for o in rw.for_member([rw.Offer(1, "A", 10, None), rw.Offer(2, "B", 200, None),
                                                 rw.Offer(3, "C", 150, None)], 160)] == [1, 3, 2]


def test_what_is_left_counts_stock_and_codes() -> None:
    assert rw.left_of(None, 5, None) is None
    assert rw.left_of(10, 4, None) == 6
    assert rw.left_of(10, 4, 2) == 2
    assert rw.left_of(None, 4, 7) == 7
    assert rw.left_of(3, 5, None) == 0


def test_code_files_one_code_per_line_without_repeats() -> None:
    text = "code\nAAA-1\n\nBBB-2, note\n AAA-1 \nhas space\n" + "x" * 129 + "\n\"CCC-3\"\n"
    codes, skipped = rw.parse_codes(text)
    assert codes == ["AAA-1", "BBB-2", "CCC-3"]
    assert skipped == 3  # the repeat, the code with a space inside, the too-long line


# ---- lottery ----------------------------------------------------------------------------------

def _table(*prizes: lt.Prize) -> list[lt.Prize]:
    return list(prizes)


NOTHING = lt.Prize(1, "none", 60, lt.Kind.NOTHING, None, 0)
SMALL = lt.Prize(2, "5 points", 30, lt.Kind.POINTS, None, 5)
BIG = lt.Prize(3, "Tea set", 10, lt.Kind.GIFT, 2, None)


def test_odds_are_the_weights_of_prizes_in_stock() -> None:
    assert lt.odds(_table(NOTHING, SMALL, BIG)) == {1: Fraction(6, 10), 2: Fraction(3, 10), 3: Fraction(1, 10)}


def test_a_prize_out_of_stock_drops_out_and_the_odds_are_renormalised() -> None:
    gone = lt.Prize(3, "Tea set", 10, lt.Kind.GIFT, 0, None)
    assert lt.odds(_table(NOTHING, SMALL, gone)) == {1: Fraction(2, 3), 2: Fraction(1, 3)}
    unavailable = lt.Prize(2, "Coupon", 30, lt.Kind.REWARD, None, 100, available=False)
    assert lt.odds(_table(NOTHING, unavailable)) == {1: Fraction(1)}
    assert lt.odds([]) == {}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 1000), st.one_of(st.none(), st.integers(0, 3))), min_size=1, max_size=8))
def test_odds_of_prizes_in_stock_always_sum_to_one(rows: list[tuple[int, int | None]]) -> None:
    prizes = [lt.Prize(i, f"p{i}", w, lt.Kind.GIFT, left) for i, (w, left) in enumerate(rows, 1)]
    chances = lt.odds(prizes)
    live = [p for p in prizes if p.in_stock]
    assert set(chances) == {p.prize_id for p in live}
    assert sum(chances.values()) == (1 if live else 0)


def test_draws_follow_the_weights_and_never_pick_a_prize_out_of_stock() -> None:
    rng = random.Random(7)
    seen = Counter(lt.draw(_table(NOTHING, SMALL, BIG), rng).prize_id for _ in range(20_000))
    assert abs(seen[1] / 20_000 - 0.6) < 0.02 and abs(seen[2] / 20_000 - 0.3) < 0.02
    gone = lt.Prize(3, "Tea set", 10, lt.Kind.GIFT, 0, None)
    assert all(lt.draw(_table(NOTHING, SMALL, gone), rng).prize_id != 3 for _ in range(2_000))
    with pytest.raises(lt.NoTable):
        lt.draw(_table(gone), rng)


def test_the_first_draw_ever_wins_the_cheapest_prize_in_stock() -> None:
    rng = random.Random(1)
    coupon = lt.Prize(4, "Coupon", 5, lt.Kind.REWARD, None, 100)
    first = lt.pick(_table(NOTHING, BIG, coupon, SMALL), rng, first_ever=True)
    assert first.prize is SMALL and first.guaranteed and first.chance == 1
    # Out of stock: the next cheapest; gifts of unknown value only when nothing has a value.
    small_gone = lt.Prize(2, "5 points", 30, lt.Kind.POINTS, 0, 5)
    assert lt.pick(_table(NOTHING, BIG, coupon, small_gone), rng, first_ever=True).prize is coupon
    assert lt.pick(_table(NOTHING, BIG), rng, first_ever=True).prize is BIG
    # Nothing real in stock: an ordinary draw (the "no prize" row).
    only_nothing = lt.pick(_table(NOTHING), rng, first_ever=True)
    assert only_nothing.prize is NOTHING and not only_nothing.guaranteed
    later = lt.pick(_table(NOTHING, SMALL), rng, first_ever=False)
    assert not later.guaranteed and later.chance in (Fraction(60, 90), Fraction(30, 90))


def test_prize_commands() -> None:
    assert lt.parse_prize("none | 60") == lt.PrizeSpec("none", 60, None, lt.Kind.NOTHING)
    assert lt.parse_prize("谢谢参与 | 5").kind is lt.Kind.NOTHING
    assert lt.parse_prize("5 points | 30 | points=5 | stock=100") == lt.PrizeSpec("5 points", 30, 100,
                                                                                   lt.Kind.POINTS, 5)
    assert lt.parse_prize("Coupon | 3 | reward=2").reward_id == 2
    assert lt.parse_prize("Tea set | 1 | stock=2").kind is lt.Kind.GIFT
    for bad, error in (("x", lt.LotteryError), ("x | 0", lt.BadWeight), ("x | 1 | points=0", lt.BadPrizePoints),
                       ("x | 1 | points=5 | reward=1", lt.UnknownPrizeOption), ("none | 1 | stock=5",
                                                                                lt.UnknownPrizeOption),
                       ("x | 1 | stock=a", lt.BadPrizeStock), ("x | 1 | reward=-1", lt.BadRewardRef),
                       (" | 1", lt.BadPrizeName), ("x | 1 | wat", lt.UnknownPrizeOption)):
        with pytest.raises(error):
            lt.parse_prize(bad)


def test_percentages_read_well() -> None:
    assert lt.percent(Fraction(1, 8)) == "12.5"
    assert lt.percent(Fraction(1)) == "100"
    assert lt.percent(Fraction(1, 3)) == "33.33"
    assert lt.percent(Fraction(1, 1_000_000)) == "<0.01"
    assert lt.free_left(1, 1) == 0 and lt.free_left(0, 2) == 2
