"""What a user typed, made safe at the boundary: control characters, command case, ids, group
labels, durations, lengths.

Plain functions over strings, shared by the update middleware (bot/middlewares.py), the parsers in
``games/`` and the handlers, so every feature refuses or cleans the same input the same way on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

# Ids stored in an INTEGER column (red packets, schedules…) and in a BIGINT column (Telegram ids).
MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1
# Telegram's user and chat ids fit in 52 bits (the Bot API promises it).
MAX_TELEGRAM_ID = 2**52

_KEEP = frozenset("\n\t")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?=@|\s|$)")
_DIGITS = re.compile(r"[0-9]{1,19}")
_LABEL = re.compile(r"[a-z0-9_-]{1,32}")  # a group label as /setup stores it
_DURATION = re.compile(r"([0-9]{1,5})([mhd])")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def _dropped(char: str) -> bool:
    category = unicodedata.category(char)
    return (category == "Cc" and char not in _KEEP) or category == "Cs"


def strip_controls(text: str) -> str:
    """``text`` without control characters (NUL, escape, DEL, C1…) or lone surrogates: PostgreSQL
    refuses some of them and nobody can type any. Line breaks and tabs stay (``\\r\\n`` and a lone
    ``\\r`` become ``\\n``); format characters (zero-width joiners in emoji, direction marks) stay."""
    if text.isascii() and text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char for char in text if not _dropped(char))


def has_controls(text: str) -> bool:
    return strip_controls(text) != text


def lower_command(text: str) -> str:
    """``/CheckIn@Bot args`` → ``/checkin@Bot args``: Telegram's commands are lowercase, and people
    type them in any case (the mention and the arguments are left alone)."""
    match = _COMMAND.match(text)
    if match is None or match.group(0).islower():
        return text
    return match.group(0).lower() + text[match.end():]


def parse_id(text: str | None, *, maximum: int = MAX_INT32) -> int | None:
    """A positive id typed as ASCII digits (``12``, or ``#12`` as the lists show it) and at most
    ``maximum``, or None (``"-1"``, ``"١٢"``, ``"2147483648"`` for an INTEGER column,
    ``"9223372036854775808"``…)."""
    text = (text or "").strip().removeprefix("#")
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= maximum else None


def parse_labels(text: str, *, maximum: int) -> tuple[str, ...] | None:
    """``all`` (``()``: every group) or ``LABEL,LABEL`` (group labels as /setup stores them, in any
    case; repeats and empty parts dropped): at most ``maximum`` labels. None if it is not such a list."""
    value = text.strip().lower()
    if value == "all":
        return ()
    labels = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if not labels or len(labels) > maximum or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    return labels


def parse_duration(text: str, *, minimum: timedelta, maximum: timedelta) -> timedelta | None:
    """``30m``, ``2h`` or ``1d`` (any case) between ``minimum`` and ``maximum``, or None."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        return None
    value = int(match[1]) * _UNITS[match[2]]
    return value if minimum <= value <= maximum else None


def bounded(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, as a VARCHAR(limit) column counts them (for a log or
    an audit line; input that must be kept whole is refused instead)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
