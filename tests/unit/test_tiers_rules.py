"""Member tiers and purchase points as pure rules: parsing, tiers over windows, multipliers,
refund shortfalls and what a tier group does about a member."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from games import purchases, tiers
from games.errors import ConfigError, OrderLineError
from games.orders import parse_orders_csv
from games.points import EARNINGS, Reason, recovery_key
from games.tiers import GroupAction, Measure, Move, Seat, TierSpec

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SILVER = TierSpec("SILVER", Measure.POINTS, 100, 110)
GOLD = TierSpec("GOLD", Measure.POINTS, 1000, 120)
POINT_TIERS = [GOLD, SILVER]  # any order in, ranked out


# ---- definitions ---------------------------------------------------------------------------------

def test_parse_tier_reads_name_measure_and_multiplier() -> None:
    assert tiers.parse_tier("gold | points=1000 | multiplier=1.2") == GOLD
    assert tiers.parse_tier("ｇｏｌｄ points=1000 multiplier=1.20") == GOLD  # full-width, spaces
    assert tiers.parse_tier("金卡 | spend=5000.50") == TierSpec("金卡", Measure.SPEND, 500050, 100)


@pytest.mark.parametrize("text", [
    "", "GOLD", "GOLD | points=0", "GOLD | points=-5", "GOLD | points=abc", "GOLD | points=1 | spend=2",
    "GOLD | multiplier=1.2", "GOLD | points=10 | multiplier=0.5", "GOLD | points=10 | multiplier=6",
    "GOLD | points=10 | multiplier=1.234", "GOLD | points=10 | colour=red", "GOLD | points=", "G*LD | points=1",
    "GOLD | points=１０", "GOLD | spend=1e9", "A" * 25 + " | points=1", "GOLD | points=99999999999",
])
def test_parse_tier_refuses_garbage(text: str) -> None:
    with pytest.raises(ConfigError):
        tiers.parse_tier(text)


def test_tiers_share_one_measure_and_distinct_thresholds() -> None:
    tiers.check_addition([SILVER], GOLD)
    tiers.check_addition([SILVER, GOLD], TierSpec("GOLD", Measure.POINTS, 2000, 150))  # replacing itself
    with pytest.raises(ConfigError) as measure:
        tiers.check_addition([SILVER], TierSpec("VIP", Measure.SPEND, 100, 100))
    assert measure.value.params["detail"] == "measure"
    with pytest.raises(ConfigError) as threshold:
        tiers.check_addition([SILVER], TierSpec("BRONZE", Measure.POINTS, 100, 100))
    assert threshold.value.params["tier"] == "SILVER"
    many = [TierSpec(f"T{i}", Measure.POINTS, i + 1) for i in range(tiers.MAX_TIERS)]
    with pytest.raises(ConfigError):
        tiers.check_addition(many, TierSpec("ONE-MORE", Measure.POINTS, 999))


# ---- computing tiers ------------------------------------------------------------------------------

def test_tier_for_takes_the_highest_reached() -> None:
    assert tiers.tier_for(POINT_TIERS, 99, 0) is None
    assert tiers.tier_for(POINT_TIERS, 100, 0) == SILVER
    assert tiers.tier_for(POINT_TIERS, 999, 10**9) == SILVER  # spend does not count for points tiers
    assert tiers.tier_for(POINT_TIERS, 5000, 0) == GOLD
    assert tiers.rank_of(POINT_TIERS, "GOLD") == 2 and tiers.rank_of(POINT_TIERS, "GONE") == 0


def test_progress_to_the_next_tier() -> None:
    below = tiers.progress(POINT_TIERS, 40, 0)
    assert (below.current, below.next, below.missing) == (None, SILVER, 60)
    middle = tiers.progress(POINT_TIERS, 400, 0)
    assert (middle.current, middle.next, middle.missing) == (SILVER, GOLD, 600)
    top = tiers.progress(POINT_TIERS, 1000, 0)
    assert (top.current, top.next, top.missing) == (GOLD, None, 0)
    assert tiers.progress([], 500, 0).current is None


def test_spend_tiers_count_the_last_twelve_months_only() -> None:
    vip = [TierSpec("VIP", Measure.SPEND, 100_000)]
    since = tiers.spend_since(NOW)
    orders = [(NOW - timedelta(days=400), 80_000), (NOW - timedelta(days=30), 30_000)]
    in_window = sum(cents for paid, cents in orders if paid >= since)
    assert in_window == 30_000 and tiers.tier_for(vip, 10**6, in_window) is None
    a_month_after_the_first = NOW - timedelta(days=370)  # then both were within the last 12 months... but one
    assert tiers.spend_since(a_month_after_the_first) < orders[0][0]  # of them was not paid yet
    assert tiers.tier_for(vip, 0, 110_000) == vip[0] and tiers.tier_for(vip, 0, 99_999) is None


def test_moves() -> None:
    assert tiers.move(0, 2) is Move.UP and tiers.move(2, 1) is Move.DOWN and tiers.move(1, 1) is None


@given(st.integers(0, 10**6), st.integers(100, 500))
def test_a_multiplier_never_lowers_points(points: int, multiplier: int) -> None:
    boosted = tiers.multiplied(points, multiplier)
    assert points <= boosted <= points * 5
    assert boosted == points * multiplier // 100 or boosted == points


def test_multiplier_parsing_and_rounding() -> None:
    assert [tiers.parse_multiplier(t) for t in ("1", "1.2", "1.25", "5")] == [100, 120, 125, 500]
    assert tiers.multiplied(5, 120) == 6 and tiers.multiplied(7, 125) == 8  # rounded down
    assert tiers.format_multiplier(120) == "1.2" and tiers.format_multiplier(200) == "2"


# ---- purchase points ------------------------------------------------------------------------------

def test_order_points_with_rate_and_multiplier() -> None:
    assert purchases.order_points(19_990, 100) == 199  # ¥199.90 at 1 point per yuan
    assert purchases.order_points(19_990, 100, 120) == 239  # ×1.2, rounded down
    assert purchases.order_points(19_990, 50) == 99  # half a point per yuan
    assert purchases.order_points(19_990, 0) == 0 and purchases.order_points(50, 100) == 0
    assert purchases.expected_points([(10_000, 100, 100), (10_000, 100, 150)]) == 250


@pytest.mark.parametrize(("text", "rate"), [("1", 100), ("0.5", 50), ("2.25", 225), ("off", None), ("0", None),
                                            ("1000", 100_000)])
def test_parse_rate(text: str, rate: int | None) -> None:
    assert purchases.parse_rate(text) == rate


@pytest.mark.parametrize("text", ["-1", "abc", "1.234", "1001", "0.001", "１", "1e3", "", "nan"])
def test_parse_rate_refuses_garbage(text: str) -> None:
    with pytest.raises(ConfigError):
        purchases.parse_rate(text)


def test_refund_takes_back_what_the_balance_holds_and_records_the_rest() -> None:
    assert purchases.reverse(100, 250) == purchases.Reversal(100, 0)
    assert purchases.reverse(100, 30) == purchases.Reversal(30, 70)
    assert purchases.reverse(100, 0) == purchases.Reversal(0, 100)
    assert purchases.recovered(70, 5) == 5 and purchases.recovered(70, 500) == 70 and purchases.recovered(0, 5) == 0


@given(st.integers(1, 10**6), st.integers(0, 10**6), st.lists(st.integers(1, 1000), max_size=30))
def test_a_shortfall_is_recovered_from_later_credits_and_never_goes_negative(
        points: int, balance: int, credits: list[int]) -> None:
    result = purchases.reverse(points, balance)
    assert result.taken + result.shortfall == points and balance - result.taken >= 0
    owed, wallet = result.shortfall, balance - result.taken
    for credit in credits:
        paid = purchases.recovered(owed, credit)
        owed, wallet = owed - paid, wallet + credit - paid
        assert owed >= 0 and wallet >= 0
    assert owed == max(result.shortfall - sum(credits), 0)


def test_recovery_happens_on_earnings_only_and_keys_stay_short() -> None:
    assert Reason.CHECKIN in EARNINGS and Reason.PURCHASE in EARNINGS
    assert Reason.REFUND not in EARNINGS and Reason.BUDGET not in EARNINGS
    assert len(recovery_key("x" * 160)) <= 160
    assert recovery_key("checkin:1:2026-03-01") == "recover:checkin:1:2026-03-01"


def test_orders_csv_status_column() -> None:
    rows = parse_orders_csv("A1,10,CNY,2026-03-01,1234\nA2,10,CNY,2026-03-01,1234,refunded\n"
                            "A3,10,CNY,2026-03-01,1234,已退款\nA4,10,CNY,2026-03-01,1234,\n", UTC)
    assert [r.status for r in rows] == ["paid", "refunded", "refunded", "paid"]
    with pytest.raises(OrderLineError) as bad:
        parse_orders_csv("A1,10,CNY,2026-03-01,1234,lost\n", UTC)
    assert bad.value.params["problem"] == "status"


# ---- tier groups ----------------------------------------------------------------------------------

def seat(**kw: object) -> Seat:
    base: dict[str, object] = {"in_group": False, "invited": False, "qualified": False, "fell_at": None}
    base.update(kw)
    return Seat(**base)  # type: ignore[arg-type]


def action(rank: int, s: Seat, *, staff: bool = False, grace: timedelta | None = timedelta(days=14),
           now: datetime = NOW) -> GroupAction:
    return tiers.group_action(required_rank=2, member_rank=rank, is_staff=staff, seat=s, grace=grace, now=now)


def test_group_sync_decisions() -> None:
    fell = NOW - timedelta(days=3)
    assert action(2, seat()) is GroupAction.INVITE
    assert action(3, seat(invited=True)) is GroupAction.NONE  # the link is out
    assert action(2, seat(in_group=True, qualified=True)) is GroupAction.NONE
    assert action(1, seat(invited=True)) is GroupAction.REVOKE  # fell before using the link
    assert action(1, seat(in_group=True, qualified=True)) is GroupAction.NOTICE
    assert action(1, seat(in_group=True, qualified=True, fell_at=fell)) is GroupAction.NONE  # within grace
    assert action(1, seat(in_group=True, qualified=True, fell_at=fell), now=fell + timedelta(days=14)) \
        is GroupAction.REMOVE
    assert action(1, seat(in_group=True, qualified=True, fell_at=fell), grace=None,
                  now=NOW + timedelta(days=999)) is GroupAction.NONE  # never removed
    assert action(2, seat(in_group=True, qualified=True, fell_at=fell)) is GroupAction.RESTORE
    # Never a staff member; never someone who never had the tier (there before the group required it).
    assert action(0, seat(in_group=True, qualified=True), staff=True) is GroupAction.NONE
    assert action(0, seat(in_group=True, qualified=True, fell_at=fell), staff=True,
                  now=NOW + timedelta(days=99)) is GroupAction.NONE
    assert action(0, seat(in_group=True)) is GroupAction.NONE
    assert action(0, seat()) is GroupAction.NONE


@given(st.integers(0, 4), st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.integers(0, 60))
def test_removal_only_after_notice_and_grace_and_never_staff(rank: int, staff: bool, in_group: bool, invited: bool,
                                                             noticed: bool, days: int) -> None:
    fell = NOW if noticed else None
    s = seat(in_group=in_group, invited=invited, qualified=True, fell_at=fell)
    result = action(rank, s, staff=staff, now=NOW + timedelta(days=days))
    if result is GroupAction.REMOVE:
        assert not staff and noticed and days >= 14 and rank < 2 and in_group


def test_grace_parsing() -> None:
    assert tiers.parse_grace("14d") == timedelta(days=14) and tiers.parse_grace("36h") == timedelta(hours=36)
    assert tiers.parse_grace("2w") == timedelta(weeks=2) and tiers.parse_grace("never") is None
    for bad in ("0d", "14", "d", "400d", "1.5d", "-3d", "１d", "99999d"):
        with pytest.raises(ConfigError):
            tiers.parse_grace(bad)
