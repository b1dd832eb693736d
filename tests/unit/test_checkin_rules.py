"""The check-in rules, over values: local days, streaks, rewards and the config syntax."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from games import checkin
from games.checkin import CheckinRules, check_in, current_streak, local_day, next_streak, parse_config, reward
from games.errors import AlreadyCheckedIn, ConfigError

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_local_day_follows_the_shop_time_zone() -> None:
    # 15:59 UTC is 23:59 in Shanghai; a minute later it is the next local day.
    before = datetime(2026, 3, 1, 15, 59, tzinfo=UTC)
    assert local_day(before, SHANGHAI) == date(2026, 3, 1)
    assert local_day(before + timedelta(minutes=1), SHANGHAI) == date(2026, 3, 2)
    assert local_day(before, ZoneInfo("UTC")) == date(2026, 3, 1)


def test_local_day_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        local_day(datetime(2026, 3, 1, 12, 0), SHANGHAI)


def test_streak_grows_on_consecutive_days_and_resets_after_a_gap() -> None:
    d = date(2026, 5, 10)
    assert next_streak(None, 0, d) == 1
    assert next_streak(d - timedelta(days=1), 4, d) == 5
    assert next_streak(d - timedelta(days=2), 4, d) == 1


def test_second_check_in_on_the_same_day_is_refused() -> None:
    d = date(2026, 5, 10)
    with pytest.raises(AlreadyCheckedIn):
        next_streak(d, 3, d)


def test_current_streak_is_alive_only_until_the_day_after() -> None:
    d = date(2026, 5, 10)
    assert current_streak(d, 3, d) == 3
    assert current_streak(d - timedelta(days=1), 3, d) == 3
    assert current_streak(d - timedelta(days=2), 3, d) == 0
    assert current_streak(None, 0, d) == 0


def test_reward_adds_every_matching_bonus() -> None:
    rules = CheckinRules(base=5, bonuses={7: 20, 30: 100})
    assert reward(rules, 1).total == 5
    assert reward(rules, 7).bonus == 20
    assert reward(rules, 14).total == 25
    assert reward(rules, 210).bonus == 120  # both the 7th and the 30th


@given(st.lists(st.booleans(), min_size=1, max_size=120))
def test_streak_over_a_random_calendar_counts_the_trailing_run(days: list[bool]) -> None:
    """Walk a calendar where True = checked in; the streak always equals the current run."""
    start = date(2026, 1, 1)
    rules = CheckinRules(base=3, bonuses={7: 10})
    last_day: date | None = None
    streak = 0
    run = 0
    total = 0
    for i, present in enumerate(days):
        today = start + timedelta(days=i)
        if present:
            outcome = check_in(rules, last_day, streak, today)
            last_day, streak = today, outcome.streak
            run += 1
            total += outcome.reward.total
            assert outcome.streak == run
            assert outcome.reward.bonus == (10 if run % 7 == 0 else 0)
            assert current_streak(last_day, streak, today) == run
        else:
            # A day without a check-in does not break the streak until the day is over.
            assert current_streak(last_day, streak, today) == run
            run = 0
    assert total == sum(3 for d in days if d) + 10 * sum(
        1 for i in range(len(days)) if days[i] and _run_at(days, i) % 7 == 0
    )


def _run_at(days: list[bool], i: int) -> int:
    n = 0
    while i >= 0 and days[i]:
        n += 1
        i -= 1
    return n


def test_parse_config_updates_only_what_is_named() -> None:
    current = CheckinRules(base=5, bonuses={7: 20})
    rules = parse_config("base=10 streak30=100 post=09:30", current)
    assert rules == CheckinRules(base=10, bonuses={7: 20, 30: 100}, post_time=time(9, 30))
    assert parse_config("streak7=0 post=off", rules) == CheckinRules(base=10, bonuses={30: 100})


@pytest.mark.parametrize("text", ["", "base=-1", "base=abc", "base=5000", "streak1=5", "streak400=5",
                                  "post=25:00", "bonus=5", "streak7=5x", "base=0 streak7=0"])
def test_parse_config_names_what_is_wrong(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, CheckinRules(base=5, bonuses={7: 20}))
    assert info.value.params["detail"]


def test_bonuses_round_trip_through_storage() -> None:
    rules = CheckinRules(base=1, bonuses={30: 100, 7: 20})
    assert CheckinRules.decode_bonuses(rules.encode_bonuses()) == {7: 20, 30: 100}
    assert CheckinRules.decode_bonuses("") == {}


def test_month_grid_marks_checked_days() -> None:
    grid = checkin.month_grid(2026, 2, {date(2026, 2, 1), date(2026, 2, 14)})
    cells = [c for week in grid for c in week if c is not None]
    assert len(cells) == 28
    assert [d for d, checked in cells if checked] == [1, 14]
    assert grid[0][:6] == [None] * 6  # 1 Feb 2026 is a Sunday
