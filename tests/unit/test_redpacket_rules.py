"""Red-packet rules: splits, command parsing, schedules (pure functions)."""

from __future__ import annotations

import random
import statistics
from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games import redpacket as rp


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5_000), st.integers(1, 300), st.integers(0, 2**32))
def test_lucky_split_sums_exactly_and_every_share_gets_a_point(total: int, shares: int, seed: int) -> None:
    if shares > total:
        with pytest.raises(rp.TooManyShares):
            rp.split_lucky(total, shares, random.Random(seed))
        return
    amounts = rp.split_lucky(total, shares, random.Random(seed))
    assert len(amounts) == shares and sum(amounts) == total and min(amounts) >= 1


@given(st.integers(1, 5_000), st.integers(1, 300))
def test_equal_split_gives_the_remainder_to_the_first_shares(total: int, shares: int) -> None:
    if shares > total:
        return
    amounts = rp.split_equal(total, shares)
    assert sum(amounts) == total and max(amounts) - min(amounts) <= 1
    assert amounts == sorted(amounts, reverse=True)


def test_equal_split_example() -> None:
    assert rp.split_equal(10, 3) == [4, 3, 3]


def test_lucky_split_is_seeded_and_fair_on_average() -> None:
    assert rp.split_lucky(500, 20, random.Random(7)) == rp.split_lucky(500, 20, random.Random(7))
    # Twice the running mean: every position's expected share is the overall mean.
    rng = random.Random(1)
    runs = [rp.split_lucky(1000, 10, rng) for _ in range(3000)]
    for position in range(10):
        mean = statistics.fmean(run[position] for run in runs)
        assert 80 <= mean <= 120, (position, mean)


def test_lucky_split_bounds_each_share_by_twice_the_mean() -> None:
    amounts = rp.split_lucky(1000, 10, random.Random(3))
    remaining, left = 1000, 10
    for amount in amounts[:-1]:
        assert amount <= 2 * remaining // left
        remaining -= amount
        left -= 1


@pytest.mark.parametrize(("args", "error"), [
    ([], rp.PacketError),
    (["100"], rp.PacketError),
    (["x", "2"], rp.BadNumbers),
    (["0", "1"], rp.BadNumbers),
    (["5", "0"], rp.BadNumbers),
    (["-5", "1"], rp.BadNumbers),
    (["٣", "1"], rp.BadNumbers),  # not an ASCII digit
    (["5", "10"], rp.TooManyShares),
    (["99999999", "2"], rp.TooBig),
    (["100000", "20000"], rp.TooBig),
    (["100", "2", "weird"], rp.UnknownOption),
    (["100", "2", "for=vip"], rp.BadSegment),
    (["100", "2", "for=tag:"], rp.BadSegment),
    (["100", "2", "for="], rp.BadSegment),
    (["100", "2", "expires=0m"], rp.BadExpiry),
    (["100", "2", "expires=8d"], rp.BadExpiry),
    (["100", "2", "pw="], rp.BadPassword),
    (["100", "2", "pw=/start"], rp.BadPassword),
    (["100", "2", "pw=" + "x" * 40], rp.BadPassword),
])
def test_bad_packet_commands_are_refused_with_a_reason(args: list[str], error: type[Exception]) -> None:
    with pytest.raises(error):
        rp.parse_packet(args)


def test_packet_options() -> None:
    spec = rp.parse_packet(["500", "20", "equal", "pw=恭喜发财", "for=before", "expires=2h"])
    assert spec == rp.PacketSpec(500, 20, rp.Split.EQUAL, "恭喜发财", "before", timedelta(hours=2))
    assert rp.parse_packet(["500", "20", *spec.encode_options().split()]) == spec
    assert rp.parse_packet(["10", "2"]).expires_in == rp.DEFAULT_EXPIRY
    vip = rp.parse_packet(["10", "2", "for=tag:vip"])
    assert vip.eligibility == "seg:tag:vip" and rp.segment_of(vip.eligibility) == "tag:vip"
    assert rp.parse_packet(["10", "2", *vip.encode_options().split()]) == vip
    assert rp.parse_packet(["10", "2", "for=repeat"]).eligibility == "seg:repeat"


def test_schedules() -> None:
    today = date(2026, 3, 2)
    daily = rp.parse_schedule(["daily", "10:00", "200", "20"], today)
    assert daily.every is rp.Every.DAILY and daily.at == time(10, 0) and daily.spec.total == 200
    assert rp.drop_at(daily, today) is not None
    once = rp.parse_schedule(["once", "2026-03-05", "20:30", "100", "10", "equal"], today)
    assert once.on == date(2026, 3, 5) and rp.drop_at(once, today) is None
    for bad in (["weekly", "10:00", "1", "1"], ["daily", "25:00", "1", "1"], ["once", "2026-02-30", "10:00", "1", "1"],
                ["once", "2026-03-01", "10:00", "1", "1"], ["daily", "10:00"]):
        with pytest.raises(rp.BadSchedule):
            rp.parse_schedule(bad, today)


def test_luckiest_breaks_ties_by_who_grabbed_first() -> None:
    grabs = [rp.Grabber(1, "a", 5), rp.Grabber(2, "b", 9), rp.Grabber(3, "c", 9)]
    assert rp.luckiest(grabs) == grabs[1]
    assert rp.luckiest([]) is None


def test_a_late_drop_belongs_to_the_day_it_was_due() -> None:
    from datetime import datetime

    grace = timedelta(hours=3)
    late = rp.parse_schedule(["daily", "23:50", "10", "2"], date(2026, 3, 1))
    assert rp.due_day(late, datetime(2026, 3, 2, 0, 10), grace) == date(2026, 3, 1)
    assert rp.due_day(late, datetime(2026, 3, 2, 12, 0), grace) is None
    assert rp.due_day(late, datetime(2026, 3, 2, 23, 50), grace) == date(2026, 3, 2)
    once = rp.parse_schedule(["once", "2026-03-05", "23:30", "10", "2"], date(2026, 3, 1))
    assert rp.due_day(once, datetime(2026, 3, 6, 1, 0), grace) == date(2026, 3, 5)
    assert rp.due_day(once, datetime(2026, 3, 6, 3, 0), grace) is None
