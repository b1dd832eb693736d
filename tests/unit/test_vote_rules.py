"""Vote rules: parsing /vote, deadlines in the shop's time zone, choices, tallies and ties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from games import votes as rules

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def parse(text: str) -> rules.VoteSpec:
    return rules.parse_vote(text, NOW, TZ)


def test_a_plain_vote_has_its_defaults() -> None:
    spec = parse("Which tea next? | Longjing | Tieguanyin @TGY-250 | Pu-erh")
    assert spec.question == "Which tea next?"
    assert spec.options == (rules.Option("Longjing"), rules.Option("Tieguanyin", "TGY-250"), rules.Option("Pu-erh"))
    assert spec.closes_at == NOW + timedelta(hours=24)
    assert (spec.reward, spec.multi, spec.buyers, spec.show) == (0, False, False, rules.Show.LIVE)


def test_settings_at_the_end_of_the_last_option() -> None:
    spec = parse("Price? | ¥99 | ¥129 deadline=2h reward=5 multi buyers show=end")
    assert spec.options[-1].label == "¥129"
    assert spec.closes_at == NOW + timedelta(hours=2)
    assert (spec.reward, spec.multi, spec.buyers, spec.show) == (5, True, True, rules.Show.END)
    dated = parse("Q | A | B deadline=2026-03-05 18:30 reward=1")
    assert dated.closes_at == datetime(2026, 3, 5, 18, 30, tzinfo=TZ)
    assert dated.options[-1].label == "B"


def test_flags_inside_an_option_are_text_and_invisible_characters_go() -> None:
    spec = parse("Q\u0000 | multi pack | buyers club | B\u200bC")
    assert spec.question == "Q" and [o.label for o in spec.options] == ["multi pack", "buyers club", "BC"]
    assert not spec.multi and not spec.buyers


def test_an_option_only_a_sku_is_labelled_by_it() -> None:
    assert parse("Q | @LJ-1 | B").options[0] == rules.Option("LJ-1", "LJ-1")


@pytest.mark.parametrize(("text", "now_local", "expected_local"), [
    ("30m", "09:00", (2, 9, 30)),
    ("2h", "09:00", (2, 11, 0)),
    ("3d", "09:00", (5, 9, 0)),
    ("18:00", "09:00", (2, 18, 0)),  # later today
    ("08:00", "09:00", (3, 8, 0)),  # passed today: tomorrow
    ("09:00", "09:00", (3, 9, 0)),  # now: tomorrow
    ("9:01", "09:00", (2, 9, 1)),
    ("2026-03-02 09:01", "09:00", (2, 9, 1)),
])
def test_deadlines_in_the_shop_time_zone(text: str, now_local: str, expected_local: tuple[int, int, int]) -> None:
    day, hour, minute = expected_local
    assert rules.parse_deadline(text, NOW, TZ) == datetime(2026, 3, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize("text", [
    "", "0m", "2026-03-02 09:00", "2026-03-01 10:00", "31d", "2026-04-02 09:01", "2026-02-30 10:00",
    "25:00", "9", "2h30m", "tomorrow", "１h", "2026-3-5 10:00", "99999d",
])
def test_bad_or_out_of_range_deadlines_are_refused(text: str) -> None:
    with pytest.raises(rules.BadDeadline):
        rules.parse_deadline(text, NOW, TZ)


@pytest.mark.parametrize(("text", "error"), [
    ("Q", rules.TooFewOptions),
    ("Q | A", rules.TooFewOptions),
    ("Q |" + "|".join(f" O{i} " for i in range(11)), rules.TooFewOptions),
    (" | A | B", rules.EmptyPart),
    ("Q | A || B", rules.EmptyPart),
    ("Q | A | deadline=2h", rules.EmptyPart),
    ("Q | A | a", rules.DuplicateOption),
    ("Q | " + "x" * 61 + " | B", rules.TooLong),
    ("x" * 201 + " | A | B", rules.TooLong),
    ("Q | A | B @bad!sku", rules.BadSku),
    ("Q | A | B @" + "s" * 33, rules.BadSku),
    ("Q | A | B deadline=soon", rules.BadDeadline),
    ("Q | A | B reward=-1", rules.BadReward),
    ("Q | A | B reward=10001", rules.BadReward),
    ("Q | A | B reward=ten", rules.BadReward),
    ("Q | A | B colour=red", rules.UnknownSetting),
    ("Q | A | B show=sometimes", rules.UnknownSetting),
    ("Q | A | B multi multi", rules.RepeatedSetting),
    ("Q | A | B reward=1 reward=2", rules.RepeatedSetting),
    ("Q | A | B" + " x" * 1000, rules.TooLong),
    ("Q | A | B deadline=2026-13-40 25:61", rules.BadDeadline),
    ("Q | A | B deadline=2026-03-05 25:61", rules.BadDeadline),
    ("Q | A | B reward=5 and more", rules.UnknownSetting),
    ("\u0000 | \u200b | x", rules.EmptyPart),
    ("Q | A\u200b | A", rules.DuplicateOption),
])
def test_bad_votes_say_what_is_wrong(text: str, error: type[rules.VoteError]) -> None:
    with pytest.raises(error):
        parse(text)


@given(st.text(max_size=300))
def test_any_text_parses_or_raises_a_vote_error(text: str) -> None:
    try:
        spec = parse(text)
    except rules.VoteError:
        return
    assert rules.MIN_OPTIONS <= len(spec.options) <= rules.MAX_OPTIONS
    assert all(option.label for option in spec.options) and spec.question
    assert NOW < spec.closes_at <= NOW + rules.MAX_DEADLINE


def test_single_choice_taps_replace_and_multi_taps_toggle() -> None:
    assert rules.next_choices(frozenset(), 2, multi=False) == {2}
    assert rules.next_choices(frozenset({2}), 3, multi=False) == {3}
    assert rules.next_choices(frozenset({2}), 2, multi=False) == {2}  # tapping it again keeps it
    assert rules.next_choices(frozenset({2}), 3, multi=True) == {2, 3}
    assert rules.next_choices(frozenset({2, 3}), 2, multi=True) == {3}
    assert rules.next_choices(frozenset({3}), 3, multi=True) == frozenset()


def test_tally_counts_percentages_and_the_winner() -> None:
    result = rules.tally(3, [(1, 1), (2, 1), (3, 2), (4, 1)])
    assert result.counts == (3, 1, 0) and result.voters == 4
    assert result.percents == (75, 25, 0)
    assert result.winners == (1,) and not result.tie


def test_ties_are_ties() -> None:
    result = rules.tally(3, [(1, 1), (2, 2), (3, 3)])
    assert result.winners == (1, 2, 3) and result.tie
    assert result.percents == (33, 33, 33)  # equal counts, equal percentages
    two = rules.tally(4, [(1, 2), (2, 4), (3, 2), (4, 4), (5, 1)])
    assert two.winners == (2, 4) and two.tie


def test_no_votes_no_winner() -> None:
    result = rules.tally(2, [])
    assert result.winners == () and result.voters == 0 and result.percents == (0, 0) and not result.tie


def test_multi_percentages_are_of_the_voters() -> None:
    result = rules.tally(3, [(1, 1), (1, 2), (2, 1), (3, 3)])
    assert result.voters == 3 and result.counts == (2, 1, 1)
    assert result.percents == (67, 33, 33) and result.winners == (1,)


def test_choices_of_unknown_options_are_ignored() -> None:
    assert rules.tally(2, [(1, 0), (1, 3), (2, 2)]).counts == (0, 1)


@given(st.lists(st.tuples(st.integers(1, 30), st.integers(1, 5)), max_size=80))
def test_tally_properties(choices: list[tuple[int, int]]) -> None:
    distinct = set(choices)
    result = rules.tally(5, distinct)
    assert sum(result.counts) == len(distinct)
    assert result.voters == len({user for user, _ in distinct})
    if distinct:
        best = max(result.counts)
        assert result.winners == tuple(i + 1 for i, c in enumerate(result.counts) if c == best)
    for a, pa in zip(result.counts, result.percents, strict=True):
        for b, pb in zip(result.counts, result.percents, strict=True):
            assert (a > b) <= (pa >= pb) and (a == b) <= (pa == pb)
