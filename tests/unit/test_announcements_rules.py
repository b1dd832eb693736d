"""Announcement rules: the command lines, the fair allocation's order, passing on expiry, and the
reservation codes' format."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from games import announcements as an
from games import votes
from games.windows import AtError, AtPast

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=TZ)


def test_new_defaults_to_now_and_every_group() -> None:
    spec = an.parse_announce("new tea-1", NOW)
    assert spec.kind is an.Kind.NEW and spec.sku == "TEA-1" and spec.at.now and spec.labels is None
    assert spec.reserve is None


def test_new_at_a_time_to_labels() -> None:
    spec = an.parse_announce("new TEA at=2026-03-03 10:00 to=VIP,deals,vip", NOW)
    assert spec.at.moment == datetime(2026, 3, 3, 10, 0, tzinfo=TZ)
    assert spec.labels == ("vip", "deals")
    best = an.parse_announce("NEW tea at=best to=all", NOW)
    assert best.at.best and best.labels is None and best.at.moment == NOW  # 9:30 is inside 8–10


def test_soon_needs_a_time_to_come() -> None:
    with pytest.raises(an.SoonNeedsTime):
        an.parse_announce("soon TEA", NOW)
    with pytest.raises(an.SoonNeedsTime):
        an.parse_announce("soon TEA at=now", NOW)
    assert an.parse_announce("soon TEA at=21:00", NOW).at.moment == datetime(2026, 3, 2, 21, 0, tzinfo=TZ)
    with pytest.raises(AtPast):
        an.parse_announce("soon TEA at=2026-03-01 10:00", NOW)


def test_restock_takes_reserve_not_at() -> None:
    spec = an.parse_announce("restock TEA reserve=2h to=vip", NOW)
    assert spec.kind is an.Kind.RESTOCK and spec.reserve == timedelta(hours=2) and spec.at.now
    with pytest.raises(an.NotHere):
        an.parse_announce("restock TEA at=10:00", NOW)
    with pytest.raises(an.NotHere):
        an.parse_announce("new TEA reserve=2h", NOW)


@pytest.mark.parametrize(("line", "error"), [
    ("", an.AnnounceError), ("new", an.AnnounceError), ("later TEA", an.AnnounceError),
    ("new TE! A", an.BadSku), ("new " + "A" * 33, an.BadSku), ("new ＴＥ！Ａ", an.BadSku),
    ("new TEA at=25:00", AtError), ("new TEA when=now", an.UnknownSetting), ("new TEA extra", an.UnknownSetting),
    ("new TEA at=now at=best", an.RepeatedSetting), ("new TEA to=", an.BadLabels),
    ("new TEA to=a b", an.UnknownSetting),
    ("new TEA to=VIP!", an.BadLabels), ("new TEA to=,", an.BadLabels), ("restock TEA reserve=1m", an.BadReserve),
    ("restock TEA reserve=8d", an.BadReserve), ("restock TEA reserve=2x", an.BadReserve),
    ("new TEA " + "x" * 600, an.AnnounceError),
])
def test_bad_lines_name_what_is_wrong(line: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        an.parse_announce(line, NOW)


def test_stock_lines() -> None:
    assert an.parse_stock("tea 5") == an.StockSpec("TEA", 5)
    spec = an.parse_stock("TEA 3 reserve=30m to=vip")
    assert spec.reserve == timedelta(minutes=30) and spec.labels == ("vip",)
    assert an.parse_stock("ＴＥＡ ５") == an.StockSpec("TEA", 5)  # full-width typing, as /product reads it
    # Labels and durations are read as every command reads them (games/inputs.py).
    assert an.parse_stock("TEA 3 reserve=10080M to=vip,,deals,").labels == ("vip", "deals")
    assert an.parse_stock("TEA 3 reserve=10080M").reserve == timedelta(days=7)
    assert an.parse_stock("TEA 3 to=ALL").labels is None
    for line in ("TEA", "TEA -1", "TEA 1.5", "TEA 2000000", "TEA ²", "TEA 1 at=now"):
        with pytest.raises(an.AnnounceError):
            an.parse_stock(line)


def test_allocation_without_reservations_tells_everyone_in_join_order() -> None:
    allocation = an.allocate([5, 3, 9, 3], 1, reserve=False)
    assert allocation.reserved == () and allocation.told == ((5, 1), (3, 2), (9, 3))
    assert an.allocate([5, 3], None, reserve=True).told == ((5, 1), (3, 2))  # untracked stock: nothing to reserve


@given(st.lists(st.integers(1, 50), max_size=40), st.integers(0, 60))
def test_allocation_reserves_the_first_n_in_order_and_tells_the_rest_their_place(waiting: list[int],
                                                                                  units: int) -> None:
    allocation = an.allocate(waiting, units, reserve=True)
    order = list(dict.fromkeys(waiting))
    assert [u for u, _slot in allocation.reserved] == order[:units]
    assert [slot for _u, slot in allocation.reserved] == list(range(1, len(allocation.reserved) + 1))
    assert [u for u, _place in allocation.told] == order[units:]
    assert [place for _u, place in allocation.told] == list(range(1, len(allocation.told) + 1))
    assert len(allocation.reserved) == min(units, len(order))  # never more reservations than units


def test_an_expired_reservation_passes_to_the_first_who_had_none() -> None:
    assert an.next_in_line([4, 7, 9], {4, 7}) == 9
    assert an.next_in_line([4, 7], {4, 7}) is None
    assert an.next_in_line([8, 4], {4}) == 8  # join order, not id order


def test_codes_are_long_unambiguous_and_read_back_in_any_form() -> None:
    codes = {an.new_code(secrets) for _ in range(2000)}
    assert len(codes) == 2000  # 31^8 ≈ 8.5e11: no collision expected
    for code in list(codes)[:50]:
        assert len(code) == an.CODE_LENGTH and set(code) <= set(an.CODE_ALPHABET)
        shown = an.format_code(code)
        assert shown[4] == "-" and an.normalize_code(shown) == code
        assert an.normalize_code(shown.lower()) == code and an.normalize_code(f" {code[:4]} {code[4:]} ") == code
    assert not set("01OIL") & set(an.CODE_ALPHABET)
    for bad in ("", "ABCD", "ABCD-EFG0", "ABCD-EFGHJ", "ＡＢＣＤ-ＥＦＧＨ"):
        assert an.normalize_code(bad) is None


def test_codes_are_drawn_from_the_random_source() -> None:
    class Fixed:
        def randbelow(self, n: int) -> int:
            return 0

    assert an.new_code(Fixed()) == "A" * an.CODE_LENGTH
    seeded = random.Random(1)

    class Seeded:
        def randbelow(self, n: int) -> int:
            return seeded.randrange(n)

    assert an.new_code(Seeded()) != an.new_code(Seeded())


def test_deep_link_payloads() -> None:
    assert an.parse_deep_link("remind_12") == (an.DEEP_LINK_REMIND, 12)
    assert an.parse_deep_link("notify_7") == (an.DEEP_LINK_NOTIFY, 7)
    # Ours but no id (0, over 32 bits): answered "no such announcement" rather than the plain /start.
    assert an.parse_deep_link("remind_0") == (an.DEEP_LINK_REMIND, None)
    assert an.parse_deep_link("notify_9999999999") == (an.DEEP_LINK_NOTIFY, None)
    for other in ("guess_1", "remind_", "remind_x", "notify_99999999999", "remind_12_", "", "REMIND_1"):
        assert an.parse_deep_link(other) is None


def test_votes_take_a_launch_reward_only_with_a_sku() -> None:
    spec = votes.parse_vote("Next tea? | Longjing @TEA-1 | Pu'er launch=20 reward=5", NOW, TZ)
    assert spec.launch == 20 and spec.reward == 5 and spec.options[0].sku == "TEA-1"
    with pytest.raises(votes.BadLaunch):
        votes.parse_vote("Next tea? | Longjing | Pu'er launch=20", NOW, TZ)
    with pytest.raises(votes.BadLaunch):
        votes.parse_vote("Next tea? | Longjing @A | Pu'er launch=x", NOW, TZ)
    assert votes.parse_vote("Q | A | B", NOW, TZ).launch == 0
