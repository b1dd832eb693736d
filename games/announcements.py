"""Announcements (上新推送, 预约上新, 补货通知): the rules, over plain values.

``/announce new|soon|restock SKU [at=…] [to=…] [reserve=…]`` and ``/stock SKU N [reserve=…] [to=…]``
are parsed here; the fair allocation of a restock (who gets a reservation, who is told their place
in line) and the reservation codes are plain functions, so their order and format are tested in
milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from games.catalogue import half_width, normalize_sku
from games.errors import DomainError
from games.inputs import MAX_INT32, parse_duration, parse_id, parse_labels
from games.windows import At, parse_at

__all__ = [
    "CODE_ALPHABET",
    "Allocation",
    "AnnounceError",
    "AnnounceSpec",
    "Kind",
    "StockSpec",
    "allocate",
    "format_code",
    "new_code",
    "normalize_code",
    "parse_announce",
    "parse_deep_link",
    "parse_sku",
    "parse_stock",
]

MAX_SKU = 32  # games.catalogue.SKU_RE
MAX_ARGS = 500  # characters of a whole command line: anything longer is refused before parsing
MAX_LABELS = 20
MAX_STOCK = 1_000_000
MIN_RESERVE = timedelta(minutes=5)
MAX_RESERVE = timedelta(days=7)
MAX_ID = MAX_INT32  # ids are 32-bit in the database: a larger one (typed, or forged in a button) is none
# Reservation codes: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), 40 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
DEEP_LINK_REMIND = "remind_"
DEEP_LINK_NOTIFY = "notify_"

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_NUMBER = re.compile(r"[0-9]{1,7}")
_START = re.compile(rf"^({DEEP_LINK_REMIND}|{DEEP_LINK_NOTIFY})(\d{{1,10}})$")


class Kind(StrEnum):
    NEW = "new"  # a new arrival, now or at a time
    SOON = "soon"  # a pre-announcement: a teaser now, the item at go-live
    RESTOCK = "restock"  # back in stock: the waitlist is told, in the order it joined


# ---- errors (every key has a text) ------------------------------------------------------------------

class AnnounceError(DomainError):
    key = "an-error-usage"


class BadSku(AnnounceError):
    key = "an-error-sku"


class UnknownSetting(AnnounceError):
    key = "an-error-setting"


class RepeatedSetting(AnnounceError):
    key = "an-error-repeated"


class BadLabels(AnnounceError):
    key = "an-error-to"


class BadReserve(AnnounceError):
    key = "an-error-reserve"


class SoonNeedsTime(AnnounceError):
    key = "an-error-soon-at"


class NotHere(AnnounceError):
    """A setting that this kind of announcement does not take (``at=`` on a restock, ``reserve=`` on a new one)."""

    key = "an-error-not-here"


class BadStock(AnnounceError):
    key = "an-error-stock"


# ---- refusals (nothing written) -----------------------------------------------------------------------

class AnnounceRefused(DomainError):
    key = "an-refused"


class NoSuchProduct(AnnounceRefused):
    key = "an-no-such-product"


class ProductArchived(AnnounceRefused):
    key = "an-archived"


class NoGroups(AnnounceRefused):
    key = "an-no-groups"


class RestockSoldOut(AnnounceRefused):
    key = "an-restock-sold-out"


class ReserveUntracked(AnnounceRefused):
    key = "an-reserve-untracked"


class StockChanged(AnnounceRefused):
    key = "an-stock-changed"


class StockOptionsUnused(AnnounceRefused):
    """``reserve=`` or ``to=`` on a /stock that is not a restock (the stock was not 0, or stays 0)."""

    key = "an-stock-options-unused"


class NoSuchAnnouncement(AnnounceRefused):
    key = "an-no-such"


class AlreadyLive(AnnounceRefused):
    key = "an-remind-live"


class InStock(AnnounceRefused):
    key = "an-notify-in-stock"


class NoSuchReservation(AnnounceRefused):
    key = "an-claim-no-such"


class AlreadyClaimed(AnnounceRefused):
    key = "an-claim-done"


class ReservationExpired(AnnounceRefused):
    key = "an-claim-expired"


class NoUnitLeft(AnnounceRefused):
    key = "an-claim-no-stock"


# ---- parsing --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AnnounceSpec:
    kind: Kind
    sku: str
    at: At  # when it goes live (a restock: now)
    labels: tuple[str, ...] | None = None  # None: every active group
    reserve: timedelta | None = None  # a restock's reservation time (fair allocation)


@dataclass(frozen=True)
class StockSpec:
    sku: str
    stock: int
    labels: tuple[str, ...] | None = None
    reserve: timedelta | None = None


def _clean(text: str) -> str:
    return " ".join("".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf")).split())


def parse_sku(text: str) -> str:
    """A SKU as the catalogue stores it (:func:`games.catalogue.normalize_sku`: upper case, full-width
    typing accepted): A–Z, 0–9, ``-``, ``_``; 1–32 characters."""
    value = normalize_sku(text)
    if value is None:
        raise BadSku(value=text.strip()[:MAX_SKU + 1], max=MAX_SKU)
    return value


def _labels(text: str) -> tuple[str, ...] | None:
    """``all`` (None: every active group) or ``LABEL,LABEL`` (:func:`games.inputs.parse_labels`)."""
    labels = parse_labels(text, maximum=MAX_LABELS)
    if labels is None:
        raise BadLabels(value=text[:40])
    return labels or None


def _reserve(text: str) -> timedelta:
    """A reservation time: ``30m``, ``2h``, ``1d`` between 5 minutes and 7 days."""
    duration = parse_duration(text, minimum=MIN_RESERVE, maximum=MAX_RESERVE)
    if duration is None:
        raise BadReserve(value=text[:20])
    return duration


def _settings(tokens: list[str], allowed: tuple[str, ...]) -> dict[str, str]:
    """``key=value`` tokens (``at=YYYY-MM-DD HH:MM`` spans two tokens); each key at most once."""
    found: dict[str, str] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        name, sep, value = token.partition("=")
        name = name.lower()
        if not sep or name not in ("at", "to", "reserve"):
            raise UnknownSetting(value=token[:40])
        if name not in allowed:
            raise NotHere(value=name)
        if name == "at" and _DAY.fullmatch(value) and index < len(tokens) and _CLOCK.fullmatch(tokens[index]):
            value = f"{value} {tokens[index]}"
            index += 1
        if name in found:
            raise RepeatedSetting(value=name)
        found[name] = value
    return found


def parse_announce(args: str, now_local: datetime) -> AnnounceSpec:
    """``new SKU [at=…] [to=…]``, ``soon SKU at=… [to=…]`` or ``restock SKU [reserve=…] [to=…]``.
    Raises an :class:`AnnounceError` (or a ``games.windows.AtError``) naming what is wrong."""
    if len(args) > MAX_ARGS:
        raise AnnounceError()
    tokens = _clean(args).split()
    if len(tokens) < 2:
        raise AnnounceError()
    try:
        kind = Kind(tokens[0].lower())
    except ValueError:
        raise AnnounceError() from None
    sku = parse_sku(tokens[1])
    allowed = ("reserve", "to") if kind is Kind.RESTOCK else ("at", "to")
    settings = _settings(tokens[2:], allowed)
    labels = _labels(settings["to"]) if "to" in settings else None
    reserve = _reserve(settings["reserve"]) if "reserve" in settings else None
    if kind is Kind.SOON:
        if "at" not in settings:
            raise SoonNeedsTime()
        at = parse_at(settings["at"], now_local)
        if at.now:
            raise SoonNeedsTime()
    elif kind is Kind.NEW:
        at = parse_at(settings.get("at", "now"), now_local)
    else:
        at = At(now_local, now=True)
    return AnnounceSpec(kind, sku, at, labels, reserve)


def parse_stock(args: str) -> StockSpec:
    """``SKU N [reserve=…] [to=…]``: set an item's stock (raising it from 0 announces a restock)."""
    if len(args) > MAX_ARGS:
        raise AnnounceError()
    tokens = _clean(args).split()
    if len(tokens) < 2:
        raise AnnounceError()
    sku = parse_sku(tokens[0])
    number = half_width(tokens[1])
    if not number.isascii() or _NUMBER.fullmatch(number) is None or int(number) > MAX_STOCK:
        raise BadStock(value=tokens[1][:20], max=MAX_STOCK)
    settings = _settings(tokens[2:], ("reserve", "to"))
    labels = _labels(settings["to"]) if "to" in settings else None
    reserve = _reserve(settings["reserve"]) if "reserve" in settings else None
    return StockSpec(sku, int(number), labels, reserve)


def parse_action(args: str) -> tuple[str, str]:
    """The first word of an /announce line (lower case) and the rest."""
    head, _sep, rest = _clean(args).partition(" ")
    return head.lower(), rest.strip()


def parse_deep_link(payload: str) -> tuple[str, int | None] | None:
    """A /start payload of ours: (:data:`DEEP_LINK_REMIND` or :data:`DEEP_LINK_NOTIFY`, the id, None
    when it cannot be one: 0 or over 32 bits), e.g. ``remind_12``; None for any other payload."""
    match = _START.match(payload)
    if match is None:
        return None
    return match[1], parse_id(match[2])


# ---- fair allocation --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Allocation:
    """Who gets a reservation (``reserved``: user and slot 1..N) and who is told the item is back
    (``told``: user and their place — their place in line for a reservation when reserving)."""

    reserved: tuple[tuple[int, int], ...]
    told: tuple[tuple[int, int], ...]


def allocate(waiting: Sequence[int], units: int | None, reserve: bool) -> Allocation:
    """Allocate a restock of ``units`` among ``waiting`` (user ids in the order they joined; a user
    listed twice counts once, at their first place). Without reservations (or untracked stock) every
    one is told, in order. With reservations the first ``units`` get one each (a slot each), and the
    others are told their place in line for a reservation that expires unclaimed."""
    order = list(dict.fromkeys(waiting))
    if not reserve or units is None:
        return Allocation((), tuple((user, place) for place, user in enumerate(order, start=1)))
    count = min(max(units, 0), len(order))
    reserved = tuple((user, slot) for slot, user in enumerate(order[:count], start=1))
    told = tuple((user, place) for place, user in enumerate(order[count:], start=1))
    return Allocation(reserved, told)


def next_in_line(waiting: Sequence[int], had_one: set[int]) -> int | None:
    """The first of ``waiting`` (join order) who has not had a reservation of this restock."""
    for user in waiting:
        if user not in had_one:
            return user
    return None


# ---- reservation codes -----------------------------------------------------------------------------

class RandomSource(Protocol):
    def randbelow(self, exclusive_upper_bound: int) -> int: ...


def new_code(rng: RandomSource) -> str:
    """A fresh code (stored without the dash): ``CODE_LENGTH`` characters of :data:`CODE_ALPHABET`,
    drawn from ``rng`` (the ``secrets`` module in the bot: unguessable)."""
    return "".join(CODE_ALPHABET[rng.randbelow(len(CODE_ALPHABET))] for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``ABCD-EFGH``: easier to read out and type."""
    return f"{code[:4]}-{code[4:]}"


def normalize_code(text: str) -> str | None:
    """A code as a member or staff type it (any case, with or without the dash or spaces), or None
    if it cannot be one."""
    value = "".join(text.split()).replace("-", "").upper()
    if len(value) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in value):
        return None
    return value

