"""The text layer and Telegram's length limits: no argument is too long for Fluent, and a long
text is cut into valid messages at line boundaries with nothing lost."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.emulator.html_check import parse_html
from bot.texts import (
    MAX_TEXT,
    Markup,
    Texts,
    fit_html,
    plain_text,
    shorten,
    split_html,
    telegram_length,
    utf16_len,
)

TEXTS = Texts()


def test_an_argument_longer_than_fluents_limit_is_formatted_and_still_escaped() -> None:
    # fluent.runtime refuses a placeable over 2,500 characters; Texts must not fail on one.
    command = "/" + "<a&b>" * 1000
    text = TEXTS("en", "unknown-command", command=command)
    assert "&lt;a&amp;b&gt;" * 1000 in text and "<a&b>" not in text
    nested = TEXTS("zh", "config-saved", rules=Markup("<b>x</b>" * 2000))
    assert nested.count("<b>x</b>") == 2000  # a long Markup argument is kept as it is


def test_a_long_argument_may_contain_what_looks_like_a_stand_in() -> None:
    tricky = "\x00" + "x" * 3000 + ":0\x00"
    text = TEXTS("en", "unknown-command", command=tricky)
    assert tricky in text


def test_telegram_length_counts_utf16_units_of_the_text_as_shown() -> None:
    assert telegram_length("<b>ab</b> &amp; c") == 6
    assert telegram_length("😀") == 2 == utf16_len("😀")
    assert shorten("😀" * 10, 5) == "😀😀…" and shorten("short", 5) == "short"


def test_a_long_list_is_cut_at_lines_into_valid_messages() -> None:
    rows = [f"• <b>Name {i}</b> {'😀' * 30} &amp; co" for i in range(400)]
    text = "<b>Heading</b>\n<blockquote>" + "\n".join(rows) + "</blockquote>\nend"
    parts = split_html(text)
    assert len(parts) > 1
    for part in parts:
        assert telegram_length(part) <= MAX_TEXT
        parse_html(part)  # the blockquote is closed and reopened at each cut
    assert "\n".join(plain_text(p) for p in parts) == plain_text(text)


def test_a_single_line_over_the_limit_is_cut_inside_as_plain_text() -> None:
    parts = split_html("head\n" + "<i>" + "&lt;" * 9000 + "</i>\ntail")
    assert all(telegram_length(p) <= MAX_TEXT for p in parts)
    for part in parts:
        parse_html(part)
    assert "".join(plain_text(p) for p in parts).count("<") == 9000


def test_fit_keeps_whole_lines_then_an_ellipsis() -> None:
    text = "\n".join(f"row {i} " + "x" * 90 for i in range(100))
    fitted = fit_html(text)
    assert telegram_length(fitted) <= MAX_TEXT and fitted.endswith("\n…") and fitted.startswith("row 0 ")


@given(st.lists(st.text(alphabet=st.sampled_from("ab😀<&\n "), max_size=300), max_size=40),
       st.integers(min_value=10, max_value=400))
def test_split_never_loses_text_and_always_fits(lines: list[str], limit: int) -> None:
    text = "\n".join(Markup(line.replace("&", "&amp;").replace("<", "&lt;")) for line in lines)
    parts = split_html(text, limit)
    for part in parts:
        assert telegram_length(part) <= limit
    joined = "".join(plain_text(p) for p in parts)
    assert joined.replace("\n", "").replace(" ", "") == plain_text(text).replace("\n", "").replace(" ", "")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_list_heading_renders_alone(lang: str) -> None:
    for key, args in (("checkin-summary", {"count": 3}), ("staff-list", {"count": 3}), ("invites-list", {}),
                      ("invites-joined", {"link": "x", "count": 2}), ("audit-list", {"count": 1}),
                      ("rps-list", {"count": 1}), ("orders-import-failed", {"count": 5})):
        assert "{" not in TEXTS(lang, key, **args)
