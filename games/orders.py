"""Orders imported from the shop's CSV export: parsing and validation, all or nothing.

Columns, in this order: order id, amount, currency, paid at, check value, and optionally the
order's status (paid — also empty — or refunded; 已退款 and friends work too) and the order's items
as SKUs (``TEA-01;TEA-02``: several in one cell separated by ``;``). A header row is allowed (its
first cell is ``order_id``, ``order id``, ``order`` or ``订单号``); when it names the sixth column
``sku`` the file has SKUs and no status. Empty lines are skipped. Any error names the line
(1-based, as a spreadsheet shows it) and nothing is imported; every bad line is reported at once,
so a file can be fixed in one go.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo

from games.catalogue import csv_rows, parse_skus
from games.errors import OrderFileError, OrderLineError
from games.gate import normalize_check, parse_money
from games.purchases import PAID, parse_status

MAX_ROWS = 100_000
MAX_LISTED_ERRORS = 20  # a report names the first bad lines, then "and N more"
ORDER_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-./#]{0,63}$")
# Payment times outside these years (as written) are typing mistakes (0001-01-01, 9999-12-31), not orders.
FIRST_YEAR = 2000
LAST_YEAR = 2099
HEADERS = {"order_id", "order id", "order", "orderid", "订单号", "订单编号"}
SKU_HEADERS = {"sku", "skus", "items", "商品编码", "货号"}
SKU_COLUMN = 6  # 0-based: after the status (which may be empty)
MAX_SKUS_PER_ORDER = 100


@dataclass(frozen=True)
class OrderRow:
    line: int
    order_id: str
    amount_cents: int
    currency: str
    paid_at: datetime
    check: str
    status: str = PAID
    # The order's items by SKU (upper-case, each once); None: the line has no SKU cell (what is
    # stored for the order stays), (): an empty cell (the order has no items).
    skus: tuple[str, ...] | None = None


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM); exports from Chinese spreadsheets are often GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


class PaidAtOutOfRange(ValueError):
    """A payment time that is a date, but not one an order can have."""


def _paid_at(value: str, tz: tzinfo) -> datetime:
    text = value.strip().replace("/", "-")
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(0, 0))
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise PaidAtOutOfRange(value)
    moment.astimezone(UTC)  # within those years, the moment in UTC exists (0001-01-01 +08:00 does not)
    return moment


def _unreadable(line: int) -> Exception:
    return OrderLineError(line=line, problem="unreadable", value="")


def _row(line: int, cells: list[str], tz: tzinfo, sku_column: int = SKU_COLUMN) -> OrderRow:
    """One data row, or OrderLineError naming what is wrong with it. ``sku_column``: where the SKUs
    are (5 when the header says so: then there is no status column)."""
    if not 5 <= len(cells) <= sku_column + 1:
        raise OrderLineError(line=line, problem="columns", value=str(len(cells)))
    order_id, amount, currency, paid_at, check = cells[:5]
    has_status = len(cells) > 5 and sku_column != 5
    try:
        status = parse_status(cells[5]) if has_status else PAID
    except ValueError:
        raise OrderLineError(line=line, problem="status", value=cells[5]) from None
    skus = parse_skus(cells[sku_column]) if len(cells) > sku_column else None
    if len(cells) > sku_column and (skus is None or len(skus) > MAX_SKUS_PER_ORDER):
        raise OrderLineError(line=line, problem="sku", value=cells[sku_column])
    if not ORDER_ID_RE.match(order_id):
        raise OrderLineError(line=line, problem="order-id", value=order_id)
    try:
        cents = parse_money(amount)
    except ValueError:
        raise OrderLineError(line=line, problem="amount", value=amount) from None
    if cents <= 0:
        raise OrderLineError(line=line, problem="amount", value=amount)
    if not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise OrderLineError(line=line, problem="currency", value=currency)
    try:
        paid = _paid_at(paid_at, tz)
    except PaidAtOutOfRange:
        raise OrderLineError(line=line, problem="paid-at-range", value=paid_at) from None
    except ValueError:
        raise OrderLineError(line=line, problem="paid-at", value=paid_at) from None
    if not normalize_check(check) or len(check) > 64:
        raise OrderLineError(line=line, problem="check", value="")
    return OrderRow(line, order_id, cents, currency.upper(), paid, normalize_check(check), status, skus)


def parse_orders_csv(text: str, tz: tzinfo) -> list[OrderRow]:
    """All rows of the file, or OrderLineError (nothing partial): for one bad line, that line; for
    several, an OrderFileError listing every one of them (the first one's ``params``)."""
    rows: list[OrderRow] = []
    errors: list[OrderLineError] = []
    seen: dict[str, int] = {}
    if "\x00" in text or text.startswith("PK\x03\x04"):  # a spreadsheet (.xlsx) or other binary file
        raise OrderLineError(line=1, problem="unreadable", value="")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    first = True
    sku_column = SKU_COLUMN
    try:
        for cells in csv_rows(reader, _unreadable):
            line = reader.line_num
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
            if first and cells[0].lower() in HEADERS:
                first = False
                if len(cells) > 5 and cells[5].lower() in SKU_HEADERS:
                    sku_column = 5
                continue
            first = False
            if len(rows) + len(errors) >= MAX_ROWS:
                raise OrderLineError(line=line, problem="too-many", value=str(MAX_ROWS))
            try:
                row = _row(line, cells, tz, sku_column)
                if row.order_id in seen:
                    raise OrderLineError(line=line, problem="duplicate", value=row.order_id)
            except OrderLineError as error:
                errors.append(error)
                continue
            seen[row.order_id] = line
            rows.append(row)
    except OrderLineError as error:  # the file cannot be read on: whatever was found, then this
        errors.append(error)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise OrderFileError(errors)
    if not rows:
        raise OrderLineError(line=1, problem="empty", value="")
    return rows
