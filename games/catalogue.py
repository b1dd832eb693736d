"""The shop's catalogue (商品): what staff may write about a product, read and checked.

Pure functions over values. Staff write ``/product add SKU | NAME | PRICE [| stock=N] [| link=URL]
[| cycle=30d]`` and ``/product edit SKU field=value …``; the catalogue CSV has one product per line.
:func:`parse_add`, :func:`parse_edit` and :func:`parse_csv` turn them into values, or raise a
:class:`CatalogueError` whose ``key`` names what was wrong (a CSV names every bad line at once).

Conventions: a SKU is stored upper-case (A–Z, 0–9, ``-``, ``_``; 1–32 characters; full-width
letters typed on a Chinese keyboard count as their ASCII twins); a price is whole cents in the
shop's currency (games/money.py); ``stock`` None means "not tracked"; ``cycle`` is the repurchase
cycle in days (``30d``, ``4w``, ``3m`` = 90 days).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from games.errors import DomainError
from games.money import parse_money

MAX_SKU = 32
MAX_NAME = 128
MAX_LINK = 512
MAX_STOCK = 1_000_000
MAX_CYCLE_DAYS = 3650
MAX_CSV_ROWS = 20_000
MAX_LISTED_ERRORS = 20  # a failed import names the first bad lines, then "and N more"
MAX_QUERY_BYTES = 48  # a /products search travels in the paging buttons' callback data (64 bytes)

SKU_RE = re.compile(r"[A-Z0-9_-]{1,32}")
_NUMBER = re.compile(r"[0-9]{1,9}")
_CYCLE = re.compile(r"([0-9]{1,4})\s*([a-z\u4e00-\u9fff]*)")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*")
_CYCLE_UNITS = {
    "": 1, "d": 1, "day": 1, "days": 1, "天": 1, "日": 1,
    "w": 7, "week": 7, "weeks": 7, "周": 7, "星期": 7,
    "m": 30, "mo": 30, "month": 30, "months": 30, "月": 30, "个月": 30,
    "y": 365, "year": 365, "years": 365, "年": 365,
}
_CURRENCY_SIGNS = ("¥", "$", "€", "£", "₩", "₹")
_YUAN = ("元", "块钱", "块")
_OFF = frozenset({"none", "off", "-", "no", "remove", "无"})
_UNTRACKED = _OFF | {"untracked", "unlimited", "∞", "不限"}
FIELDS = ("name", "price", "stock", "link", "cycle", "photo")


# ---- errors ---------------------------------------------------------------------------------------

class CatalogueError(DomainError):
    """A staff catalogue command was wrong; ``key`` says how (the bare class: the usage line)."""

    key = "cat-error-usage"


class BadSku(CatalogueError):
    key = "cat-error-sku"


class BadName(CatalogueError):
    key = "cat-error-name"


class BadPrice(CatalogueError):
    key = "cat-error-price"


class BadStock(CatalogueError):
    key = "cat-error-stock"


class BadLink(CatalogueError):
    key = "cat-error-link"


class BadCycle(CatalogueError):
    key = "cat-error-cycle"


class BadPhoto(CatalogueError):
    key = "cat-error-photo"


class UnknownOption(CatalogueError):
    key = "cat-error-option"


class RepeatedOption(CatalogueError):
    key = "cat-error-repeated"


class NothingToChange(CatalogueError):
    key = "cat-error-nothing"


class DuplicateSku(CatalogueError):
    """``/product add`` of a SKU the catalogue already has."""

    key = "cat-duplicate"


class NoSuchProduct(CatalogueError):
    key = "cat-no-such-product"


class RestockThroughStock(CatalogueError):
    """``/product edit SKU stock=N`` on a sold-out item: a restock goes through /stock, which tells
    the waitlist (an edit would leave it waiting)."""

    key = "cat-restock-through-stock"


# ---- single values --------------------------------------------------------------------------------

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def half_width(text: str) -> str:
    """Full-width ASCII from a Chinese keyboard (``ＴＥＡ－０１``, ``９９．５``) as plain ASCII; nothing
    else changes (``²`` stays ``²``: it is not a digit anyone means)."""
    return text.translate(_FULL_WIDTH)


def normalize_sku(text: str) -> str | None:
    """``tea-01`` → ``TEA-01`` (full-width ``ｔｅａ`` too); None when it is not a SKU."""
    value = half_width(text).strip()
    if not value.isascii():
        return None
    value = value.upper()
    return value if SKU_RE.fullmatch(value) else None


def parse_sku(text: str) -> str:
    sku = normalize_sku(text)
    if sku is None:
        raise BadSku(value=text.strip(), max=MAX_SKU)
    return sku


def parse_name(text: str) -> str:
    """Spaces collapsed; 1–128 characters; not a command."""
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME or name.startswith("/"):
        raise BadName(max=MAX_NAME)
    return name


def parse_price(text: str, currency: str) -> int:
    """Cents in the shop's ``currency``: ``99``, ``99.9``, ``1,299.00``, ``¥99``, ``99元``, ``CNY 99``
    (full-width digits too); zero is a price (a free sample). Another currency's code is refused."""
    raw = text.strip()
    value = half_width(raw).replace("￥", "¥").strip()
    code = currency.upper()
    upper = value.upper()
    if upper.startswith(code):
        value = value[len(code):].strip()
    elif upper.endswith(code):
        value = value[: -len(code)].strip()
    else:
        for sign in _CURRENCY_SIGNS:
            if value.startswith(sign):
                value = value[len(sign):].strip()
                break
        for suffix in _YUAN:
            if value.endswith(suffix):
                value = value[: -len(suffix)].strip()
                break
    try:
        return parse_money(value)
    except ValueError:
        raise BadPrice(value=raw, currency=code) from None


def format_price(cents: int) -> str:
    """Cents as the catalogue CSV writes them: ``9990`` → ``99.90`` (no thousands separator)."""
    return f"{cents // 100}.{cents % 100:02d}"


def parse_stock(text: str) -> int | None:
    """0–1,000,000 units, or ``none``/``off`` (not tracked)."""
    value = half_width(text).strip()
    if value.lower() in _UNTRACKED:
        return None
    if not _NUMBER.fullmatch(value) or int(value) > MAX_STOCK:
        raise BadStock(value=text.strip(), max=MAX_STOCK)
    return int(value)


def parse_link(text: str) -> str | None:
    """An ``http``/``https`` address (``t.me/shop`` gets ``https://``) of at most 512 characters, or
    ``none``/``off`` (no link)."""
    value = text.strip()
    if value.lower() in _OFF:
        return None
    if value.lower().startswith(("t.me/", "telegram.me/")):
        value = "https://" + value
    bad = BadLink(value=value, max=MAX_LINK)
    if len(value) > MAX_LINK or not value.isascii() or not value.isprintable() or any(c in value for c in ' "<>`\\'):
        raise bad
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise bad from None
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or not _HOST.fullmatch(host) or parts.username is not None \
            or parts.password is not None or (port is not None and port == 0):
        raise bad
    return value


def parse_cycle(text: str) -> int | None:
    """``30d``, ``4w``, ``3m`` (90 days), ``1y``, ``30`` (days), ``30天`` → days (1–3650); ``none``/``off``."""
    value = half_width(text).strip().lower()
    if value in _OFF:
        return None
    match = _CYCLE.fullmatch(value)
    if match is None or match.group(2) not in _CYCLE_UNITS:
        raise BadCycle(value=text.strip(), max=MAX_CYCLE_DAYS)
    days = int(match.group(1)) * _CYCLE_UNITS[match.group(2)]
    if not 1 <= days <= MAX_CYCLE_DAYS:
        raise BadCycle(value=text.strip(), max=MAX_CYCLE_DAYS)
    return days


def format_cycle(days: int) -> str:
    """Days as staff write them back: ``28`` → ``4w``, ``30`` → ``30d``."""
    return f"{days // 7}w" if days % 7 == 0 and days % 30 != 0 else f"{days}d"


# ---- /product add and /product edit ---------------------------------------------------------------

@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    price_cents: int
    stock: int | None = None  # None: not tracked
    link: str | None = None
    cycle_days: int | None = None


@dataclass(frozen=True)
class ProductEdit:
    """What ``/product edit`` changes: only the fields in ``fields`` (``photo``: the photo is removed)."""

    sku: str
    fields: frozenset[str]
    name: str = ""
    price_cents: int = 0
    stock: int | None = None
    link: str | None = None
    cycle_days: int | None = None

    def apply(self, spec: ProductSpec) -> ProductSpec:
        changes: dict[str, Any] = {}
        for name in ("name", "price_cents", "stock", "link", "cycle_days"):
            if _FIELD_OF[name] in self.fields:
                changes[name] = getattr(self, name)
        return replace(spec, **changes)

    @property
    def removes_photo(self) -> bool:
        return "photo" in self.fields


_FIELD_OF = {"name": "name", "price_cents": "price", "stock": "stock", "link": "link", "cycle_days": "cycle"}


def _option(key: str, value: str, currency: str) -> tuple[str, Any]:
    if key == "name":
        return "name", parse_name(value)
    if key == "price":
        return "price_cents", parse_price(value, currency)
    if key == "stock":
        return "stock", parse_stock(value)
    if key == "link":
        return "link", parse_link(value)
    if key == "cycle":
        return "cycle_days", parse_cycle(value)
    raise UnknownOption(option=f"{key}=")


def parse_add(text: str, currency: str) -> ProductSpec:
    """``SKU | NAME | PRICE [| stock=N] [| link=URL] [| cycle=30d]`` (options in any order, once each)."""
    parts = text.split("|")
    if len(parts) < 3:
        raise CatalogueError()
    spec = ProductSpec(parse_sku(parts[0]), parse_name(parts[1]), parse_price(parts[2], currency))
    seen: set[str] = set()
    for raw in parts[3:]:
        option = raw.strip()
        key, sep, value = option.partition("=")
        key = key.strip().lower()
        if not sep or key not in ("stock", "link", "cycle"):
            raise UnknownOption(option=option)
        if key in seen:
            raise RepeatedOption(option=key)
        seen.add(key)
        name, parsed = _option(key, value, currency)
        spec = replace(spec, **{name: parsed})
    return spec


_EDIT_KEY = re.compile(r"(?i)(?:^|(?<=\s))(" + "|".join(FIELDS) + r")\s*=")


def parse_edit(text: str, currency: str) -> ProductEdit:
    """``SKU field=value …`` with fields name, price, stock, link, cycle (``none`` clears stock, link
    and cycle) and ``photo=none``. A value runs to the next ``field=`` (a name may have spaces);
    ``|`` may separate the fields."""
    head, _sep, rest = text.strip().partition(" ")
    if not head.strip():
        raise CatalogueError()
    sku = parse_sku(head)
    rest = rest.replace("|", " ").strip()
    matches = list(_EDIT_KEY.finditer(rest))
    if not rest:
        raise NothingToChange(sku=sku)
    if not matches or matches[0].start() != 0:
        stray = rest[: matches[0].start()] if matches else rest
        raise UnknownOption(option=stray.strip().split()[0] if stray.split() else stray)
    values: dict[str, Any] = {}
    fields: set[str] = set()
    for index, match in enumerate(matches):
        key = match.group(1).lower()
        end = matches[index + 1].start() if index + 1 < len(matches) else len(rest)
        value = rest[match.end():end].strip()
        if key in fields:
            raise RepeatedOption(option=key)
        fields.add(key)
        if key == "photo":
            if value.lower() not in _OFF:
                raise BadPhoto(value=value)
            continue
        name, parsed = _option(key, value, currency)
        values[name] = parsed
    return ProductEdit(sku, frozenset(fields), **values)


# ---- /products ------------------------------------------------------------------------------------

def search_words(query: str) -> list[str]:
    """The words of a /products search (each must appear in the name or the SKU), lowercase, cut so
    that the whole search fits in ``MAX_QUERY_BYTES`` of UTF-8 (``:`` separates callback fields)."""
    text = " ".join(half_width(query).replace(":", " ").split()).lower()
    while len(text.encode()) > MAX_QUERY_BYTES:
        text = text[:-1].rstrip()
    return text.split()


def pages(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill (at least one: an empty list is one empty page)."""
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int) -> int:
    """A page number that exists (0-based): a stale button past the end shows the last page."""
    return min(max(page, 0), pages(total, per_page) - 1)


# ---- the catalogue CSV ----------------------------------------------------------------------------

HEADER = ("sku", "name", "price", "stock", "link", "cycle", "photo", "archived")
_HEADER_ALIASES = {
    "sku": "sku", "商品编码": "sku", "编码": "sku", "货号": "sku",
    "name": "name", "名称": "name", "商品名称": "name",
    "price": "price", "价格": "price",
    "stock": "stock", "库存": "stock",
    "link": "link", "url": "link", "链接": "link",
    "cycle": "cycle", "周期": "cycle", "复购周期": "cycle",
    "photo": "photo", "图片": "photo",
    "archived": "archived", "下架": "archived",
}
REQUIRED = ("sku", "name", "price")
_YES = frozenset({"yes", "y", "true", "1", "x", "archived", "是"})
_NO = frozenset({"", "no", "n", "false", "0", "否"})
MAX_PHOTO = 256
# A Telegram file id is base64url text, or the photo is an http(s) URL Telegram downloads. Only the
# shape can be checked offline: whether Telegram accepts it (a file id must be one this bot was given,
# a URL must serve an image) is known when a post with it is sent.
FILE_ID = re.compile(r"[A-Za-z0-9_-]+|https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?")


@dataclass(frozen=True)
class LineProblem:
    """One bad line of a catalogue CSV: ``line`` as a spreadsheet numbers it, ``problem`` a short
    code (``cat-csv-problem-<code>``), ``value`` the offending cell (or a column name)."""

    line: int
    problem: str
    value: str = ""


class CatalogueFileError(CatalogueError):
    """A catalogue CSV that cannot be imported: every bad line, in file order."""

    key = "cat-import-failed"

    def __init__(self, problems: list[LineProblem]) -> None:
        super().__init__(count=len(problems))
        self.problems = problems


@dataclass(frozen=True)
class CsvRow:
    """A product line. ``present``: the optional columns the file has (a missing column keeps what
    the catalogue already says; an empty cell clears it)."""

    line: int
    spec: ProductSpec
    present: frozenset[str] = field(default_factory=frozenset)
    photo: str | None = None
    archived: bool = False


def csv_rows(reader: Any, unreadable: Callable[[int], Exception]) -> Iterator[list[str]]:
    """The reader's rows; a line the csv module cannot read (an endless quoted cell) raises
    ``unreadable(line)``."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise unreadable(reader.line_num or 1) from None


def _unreadable(line: int) -> Exception:
    return CatalogueFileError([LineProblem(line, "unreadable")])


def _header(cells: list[str]) -> dict[str, int] | LineProblem:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = _HEADER_ALIASES.get(cell.strip().lower())
        if name is None:
            if cell.strip():
                return LineProblem(1, "unknown-column", cell.strip())
            continue
        if name in columns:
            return LineProblem(1, "repeated-column", cell.strip())
        columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            return LineProblem(1, "missing-column", name)
    return columns


def _csv_row(line: int, cells: list[str], columns: dict[str, int], currency: str) -> CsvRow:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    checks: list[tuple[str, str]] = [("sku", "sku"), ("name", "name"), ("price", "price")]
    checks += [(name, name) for name in ("stock", "link", "cycle") if name in columns]
    values: dict[str, Any] = {}
    for name, problem in checks:
        text = cell(name)
        try:
            if name == "sku":
                values["sku"] = parse_sku(text)
            elif name == "name":
                values["name"] = parse_name(text)
            elif name == "price":
                values["price_cents"] = parse_price(text, currency)
            elif name == "stock":
                values["stock"] = None if not text else parse_stock(text)
            elif name == "link":
                values["link"] = None if not text else parse_link(text)
            else:
                values["cycle_days"] = None if not text else parse_cycle(text)
        except CatalogueError:
            raise CatalogueFileError([LineProblem(line, problem, text)]) from None
    photo = cell("photo") or None
    if photo is not None and (len(photo) > MAX_PHOTO or FILE_ID.fullmatch(photo) is None):
        raise CatalogueFileError([LineProblem(line, "photo", photo)])
    archived_text = cell("archived").lower()
    if archived_text not in _YES | _NO:
        raise CatalogueFileError([LineProblem(line, "archived", cell("archived"))])
    present = frozenset(name for name in ("stock", "link", "cycle", "photo", "archived") if name in columns)
    return CsvRow(line, ProductSpec(**values), present, photo, archived_text in _YES)


def parse_csv(text: str, currency: str) -> list[CsvRow]:
    """Every product line of a catalogue CSV, or CatalogueFileError naming every bad line (nothing
    partial). The first non-empty line is the header (columns in any order; ``sku``, ``name`` and
    ``price`` required; ``stock``, ``link``, ``cycle``, ``photo``, ``archived`` optional)."""
    if "\x00" in text or text.startswith("PK\x03\x04"):
        raise CatalogueFileError([LineProblem(1, "unreadable")])
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    columns: dict[str, int] | None = None
    width = 0
    rows: list[CsvRow] = []
    problems: list[LineProblem] = []
    seen: dict[str, int] = {}
    try:
        for cells in csv_rows(reader, _unreadable):
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if columns is None:
                header = _header(cells)
                if isinstance(header, LineProblem):
                    raise CatalogueFileError([replace(header, line=line)])
                columns, width = header, len(cells)
                continue
            if len(rows) + len(problems) >= MAX_CSV_ROWS:
                problems.append(LineProblem(line, "too-many", str(MAX_CSV_ROWS)))
                break
            if any(c.strip() for c in cells[width:]):  # more cells than the header names
                problems.append(LineProblem(line, "columns", str(len(cells))))
                continue
            try:
                row = _csv_row(line, cells, columns, currency)
            except CatalogueFileError as error:
                problems.extend(error.problems)
                continue
            if row.spec.sku in seen:
                problems.append(LineProblem(line, "duplicate", f"{row.spec.sku} (line {seen[row.spec.sku]})"))
                continue
            seen[row.spec.sku] = line
            rows.append(row)
    except CatalogueFileError as error:
        problems.extend(error.problems)
    if problems:
        raise CatalogueFileError(problems)
    if columns is None:
        raise CatalogueFileError([LineProblem(1, "empty")])
    return rows


def csv_line(sku: str, name: str, price_cents: int, stock: int | None, link: str | None, cycle_days: int | None,
             photo: str | None, archived: bool) -> list[str]:
    """A product as a CSV line under :data:`HEADER` (what :func:`parse_csv` reads back the same)."""
    return [sku, name, format_price(price_cents), "" if stock is None else str(stock), link or "",
            "" if cycle_days is None else f"{cycle_days}d", photo or "", "yes" if archived else ""]


# ---- the SKU column of the orders CSV -------------------------------------------------------------

def parse_skus(cell: str) -> tuple[str, ...] | None:
    """``TEA-01; tea-02`` → ``("TEA-01", "TEA-02")`` (upper-case, in order, each once); None when a
    part is not a SKU. An empty cell is no SKU."""
    found: list[str] = []
    for part in cell.replace("；", ";").split(";"):
        if not part.strip():
            continue
        sku = normalize_sku(part)
        if sku is None:
            return None
        if sku not in found:
            found.append(sku)
    return tuple(found)
