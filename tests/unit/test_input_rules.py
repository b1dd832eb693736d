"""The input boundary's rules (games/inputs.py) and the parsers' refusals found by the fuzz ring."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from games import segments
from games.checkin import is_checkin_word
from games.errors import OrderLineError, SegmentSyntaxError
from games.inputs import (
    MAX_INT32,
    bounded,
    has_controls,
    lower_command,
    parse_duration,
    parse_id,
    parse_labels,
    strip_controls,
)
from games.orders import parse_orders_csv
from games.redpacket import BadPassword, PasswordCollides, parse_packet

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("typed", "kept"), [
    ("se\x00sa\x1bme\x7f", "sesame"), ("a\r\nb\rc", "a\nb\nc"), ("tab\there", "tab\there"),
    ("C1\x85\x9f", "C1"), ("emoji 👨‍👩‍👧 \u200e", "emoji 👨‍👩‍👧 \u200e"), ("lone \ud800", "lone "),
    ("plain", "plain"),
])
def test_control_characters_are_removed_and_line_breaks_kept(typed: str, kept: str) -> None:
    assert strip_controls(typed) == kept
    assert has_controls(typed) == (typed != kept)


@given(st.text())
def test_nothing_left_after_stripping_is_a_control_character_or_a_surrogate(text: str) -> None:
    clean = strip_controls(text)
    assert all(c in "\n\t" or (c.isprintable() or not c.isascii()) for c in clean)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in clean)
    clean.encode("utf-8")  # PostgreSQL takes it
    assert "\x00" not in clean
    assert strip_controls(clean) == clean


@pytest.mark.parametrize(("typed", "read"), [
    ("/Me", "/me"), ("/CHECKIN", "/checkin"), ("/Checkin_post now", "/checkin_post now"),
    ("/HELP@Regulars_Bot Args", "/help@Regulars_Bot Args"), ("/me", "/me"), ("not /Me", "not /Me"),
    ("/Ünicode", "/Ünicode"), ("/" + "A" * 33, "/" + "A" * 33), ("/Me\nLine", "/me\nLine"),
])
def test_commands_are_read_in_lowercase_and_their_arguments_left_alone(typed: str, read: str) -> None:
    assert lower_command(typed) == read


@pytest.mark.parametrize(("typed", "value"), [
    ("1", 1), ("2147483647", MAX_INT32), ("2147483648", None), ("9223372036854775808", None), ("0", None),
    ("-1", None), ("١٢", None), ("²", None), ("1e3", None), ("", None), (" 7 ", 7), ("9" * 300, None),
])
def test_ids_are_ascii_digits_within_the_column(typed: str, value: int | None) -> None:
    assert parse_id(typed) == value


def test_ids_are_read_as_the_lists_show_them() -> None:
    assert parse_id("#12") == 12 and parse_id(" #7 ") == 7 and parse_id(None) is None
    assert [parse_id(t) for t in ("#", "##12", "# 12", "12 13", "１")] == [None] * 5
    assert parse_id("2147483648", maximum=2**52) == 2147483648


@pytest.mark.parametrize(("typed", "labels"), [
    ("all", ()), (" ALL ", ()), ("vip", ("vip",)), ("VIP,deals,vip", ("vip", "deals")),
    ("vip,,deals,", ("vip", "deals")), ("a-b_1", ("a-b_1",)), ("", None), (",", None), ("vip!", None),
    ("<b>", None), ("a" * 33, None), ("a,b,c", None),
])
def test_group_labels(typed: str, labels: tuple[str, ...] | None) -> None:
    assert parse_labels(typed, maximum=2) == labels


@pytest.mark.parametrize(("typed", "value"), [
    ("30m", timedelta(minutes=30)), ("2H", timedelta(hours=2)), (" 1d ", timedelta(days=1)),
    ("10080m", timedelta(days=7)), ("1m", None), ("8d", None), ("0h", None), ("2x", None), ("1.5h", None),
    ("", None), ("h", None), ("-1h", None), ("１h", None), ("999999d", None), ("2 h", None),
])
def test_durations_within_bounds(typed: str, value: timedelta | None) -> None:
    assert parse_duration(typed, minimum=timedelta(minutes=5), maximum=timedelta(days=7)) == value


def test_bounded_cuts_to_the_column() -> None:
    assert bounded("x" * 200, 128) == "x" * 127 + "…" and len(bounded("名" * 2000, 1024)) == 1024
    assert bounded("short", 128) == "short"


@pytest.mark.parametrize("word", ["签到", "打卡", "check-in", "CHECKIN!", "签到！", "Checkin~"])
def test_a_packet_password_that_is_a_checkin_word_collides(word: str) -> None:
    assert is_checkin_word(word)
    with pytest.raises(PasswordCollides):
        parse_packet(["10", "2", f"pw={word}"])
    with pytest.raises(BadPassword):
        parse_packet(["10", "2", "pw=/checkin"])
    assert parse_packet(["10", "2", "pw=签到吧"]).password == "签到吧"


@pytest.mark.parametrize("paid_at", ["0001-01-01", "9999-12-31T23:00-05:00", "0001-01-01T00:00+14:00",
                                     "1999-12-31 23:59", "2100-01-01"])
def test_order_dates_out_of_range_are_bad_lines(paid_at: str) -> None:
    with pytest.raises(OrderLineError) as caught:
        parse_orders_csv(f"T-1,199,CNY,{paid_at},1234\n", TZ)
    assert caught.value.params == {"line": 1, "problem": "paid-at-range", "value": paid_at}


def test_a_segment_is_refused_when_its_canonical_form_outgrows_the_column() -> None:
    typed = " or ".join(["purchased and new"] * 23)
    assert len(typed) <= segments.MAX_LENGTH < len(segments.render(segments.parse(typed)))
    with pytest.raises(SegmentSyntaxError):
        segments.canonical(typed)
    assert segments.canonical("Purchased  AND  not dormant") == "purchased and not dormant"
