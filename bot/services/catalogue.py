"""The catalogue in the database: products by SKU, staff changes, search and paging, CSV import and
export. Everything runs in the caller's transaction and never commits.

The SKU is unique in the database (``uq_products_sku``): an add is ``INSERT … ON CONFLICT DO
NOTHING``, so two staff adding the same SKU at the same moment get one product and one clear
refusal. A CSV import is one statement per chunk of lines (an upsert by SKU) after every line has
been checked: the whole file or nothing. It says which products it brought back from sold out (stock 0
before, more after, not archived): the caller announces their restocks in the same transaction
(``bot/services/announcements.announce_imported``).

The product as read here (:func:`by_sku`, :func:`by_id`) is the one every feature shows: the
announcements read it too, when they are planned and again when each message is rendered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Product
from bot.services.sql import insert_for, rowcount
from games import catalogue as rules

PRODUCTS = Product.__table__  # type: ignore[attr-defined]
PER_PAGE = 8
CHUNK = 500
EXPORT_CHUNK = 2000


def _is_pg(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def is_archived(product: Product) -> bool:
    return product.archived_at is not None


def spec_of(product: Product) -> rules.ProductSpec:
    return rules.ProductSpec(product.sku, product.name, product.price_cents, product.stock, product.link,
                             product.cycle_days)


# ---- reading -------------------------------------------------------------------------------------

async def by_sku(session: AsyncSession, sku: str, *, lock: bool = False) -> Product | None:
    """The product with this SKU (typed in any case), archived or not (``archived_at`` says which);
    None when there is none or ``sku`` is not a SKU at all. ``lock``: FOR UPDATE on PostgreSQL.
    The product is detached from the session: a snapshot, still readable once the session is over."""
    normal = rules.normalize_sku(sku)
    if normal is None:
        return None
    query = select(Product).where(PRODUCTS.c.sku == normal)
    if lock and _is_pg(session):
        query = query.with_for_update()
    return await _detached(session, query)


async def by_id(session: AsyncSession, product_id: int) -> Product | None:
    """The product with this id, archived or not; detached as :func:`by_sku`'s."""
    return await _detached(session, select(Product).where(PRODUCTS.c.id == product_id))


async def _detached(session: AsyncSession, query: Select[Product]) -> Product | None:
    product: Product | None = (await session.execute(
        query.execution_options(populate_existing=True))).scalar_one_or_none()
    if product is not None:
        session.expunge(product)  # a plain value: readable after the session ends (rendered after commit)
    return product


@dataclass(frozen=True)
class Page:
    """One page of a search: its products, how many match in all, the page (0-based) and the words."""

    items: list[Product]
    total: int
    page: int
    pages: int
    words: tuple[str, ...]

    @property
    def query(self) -> str:
        return " ".join(self.words)


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(session: AsyncSession, query: str, page: int, per_page: int = PER_PAGE) -> Page:
    """Products whose name or SKU contains every word of ``query`` (any case; all products for an
    empty query): current ones first, then archived, each by SKU. A page past the end is the last."""
    words = rules.search_words(query)
    conditions = []
    for word in words:
        pattern = f"%{_escape_like(word)}%"
        conditions.append(or_(func.lower(PRODUCTS.c.name).like(pattern, escape="\\"),
                              func.lower(PRODUCTS.c.sku).like(pattern, escape="\\")))
    where = and_(*conditions) if conditions else None
    count = select(func.count()).select_from(PRODUCTS)
    if where is not None:
        count = count.where(where)
    total = int((await session.execute(count)).scalar_one())
    page = rules.clamp_page(page, total, per_page)
    listing = select(Product).order_by(case((PRODUCTS.c.archived_at.is_(None), 0), else_=1), PRODUCTS.c.sku) \
        .offset(page * per_page).limit(per_page).execution_options(populate_existing=True)
    if where is not None:
        listing = listing.where(where)
    items = list((await session.execute(listing)).scalars().all())
    for item in items:
        session.expunge(item)
    return Page(items, total, page, rules.pages(total, per_page), tuple(words))


async def known_skus(session: AsyncSession, skus: set[str] | list[str]) -> set[str]:
    """Which of ``skus`` (upper-case) the catalogue has, archived ones included."""
    wanted = sorted(set(skus))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        found.update(str(s) for s in (await session.execute(
            select(PRODUCTS.c.sku).where(PRODUCTS.c.sku.in_(chunk)))).scalars().all())
    return found


# ---- staff changes -------------------------------------------------------------------------------

async def add(session: AsyncSession, spec: rules.ProductSpec, *, actor_id: int, now: datetime,
              photo: str | None = None) -> Product:
    """A new product; a SKU the catalogue already has (archived or not) raises DuplicateSku."""
    stmt = insert_for(session, PRODUCTS).values(
        sku=spec.sku, name=spec.name, price_cents=spec.price_cents, stock=spec.stock, photo=photo, link=spec.link,
        cycle_days=spec.cycle_days, archived_at=None, created_by=actor_id, created_at=now, updated_at=now,
    ).on_conflict_do_nothing(index_elements=["sku"]).returning(PRODUCTS.c.id)
    if (await session.execute(stmt)).first() is None:
        raise rules.DuplicateSku(sku=spec.sku)
    product = await by_sku(session, spec.sku)
    assert product is not None
    return product


@dataclass(frozen=True)
class Edited:
    product: Product
    before: rules.ProductSpec  # as it was (e.g. ``before.stock`` 0 and now more: back in stock)


async def edit(session: AsyncSession, change: rules.ProductEdit, *, now: datetime) -> Edited:
    """Apply the fields ``change`` names (only those columns are written); NoSuchProduct if the SKU
    is unknown."""
    product = await by_sku(session, change.sku, lock=True)
    if product is None:
        raise rules.NoSuchProduct(sku=change.sku)
    before = spec_of(product)
    after = change.apply(before)
    if "stock" in change.fields and before.stock == 0 and (after.stock or 0) > 0:
        raise rules.RestockThroughStock(sku=change.sku, stock=after.stock)
    values: dict[str, Any] = {"updated_at": now}
    for column, field in (("name", "name"), ("price_cents", "price"), ("stock", "stock"), ("link", "link"),
                          ("cycle_days", "cycle")):
        if field in change.fields:
            values[column] = getattr(after, column)
    if change.removes_photo:
        values["photo"] = None
    await session.execute(update(PRODUCTS).where(PRODUCTS.c.sku == change.sku).values(**values))
    product = await by_sku(session, change.sku)
    assert product is not None
    return Edited(product, before)


async def set_photo(session: AsyncSession, sku: str, photo: str | None, *, now: datetime) -> Product | None:
    """Attach (or with None remove) the product's photo, a Telegram file_id; None: no such product."""
    normal = rules.normalize_sku(sku)
    if normal is None:
        return None
    done = await session.execute(update(PRODUCTS).where(PRODUCTS.c.sku == normal)
                                 .values(photo=photo, updated_at=now))
    return await by_sku(session, normal) if rowcount(done) else None


async def set_archived(session: AsyncSession, sku: str, archived: bool, *, now: datetime) -> bool | None:
    """Archive (hide from announcements and lists' first pages) or bring back; None: no such product,
    False: it already was."""
    product = await by_sku(session, sku)
    if product is None:
        return None
    state = PRODUCTS.c.archived_at.is_(None) if archived else PRODUCTS.c.archived_at.is_not(None)
    done = await session.execute(update(PRODUCTS).where(PRODUCTS.c.sku == product.sku, state)
                                 .values(archived_at=now if archived else None, updated_at=now))
    return rowcount(done) == 1


# ---- CSV import and export -----------------------------------------------------------------------

@dataclass(frozen=True)
class Imported:
    new: int
    updated: int
    restocked: tuple[int, ...] = ()  # the ids of the products the file brought back from sold out, by SKU

    @property
    def details(self) -> str:
        """For the audit log."""
        restocked = f" restocked={len(self.restocked)}" if self.restocked else ""
        return f"new={self.new} updated={self.updated}{restocked}"


async def import_rows(session: AsyncSession, rows: list[rules.CsvRow], *, actor_id: int, now: datetime) -> Imported:
    """Upsert ``rows`` (checked by games.catalogue.parse_csv) by SKU, in the caller's transaction.
    Name and price are always written; an optional column the file has is written (an empty cell
    clears it), one it lacks keeps what the catalogue says. ``archived``: an archived product keeps
    its date, a product marked not archived is brought back. ``restocked``: the products whose stock
    was 0 and is more now, and that are not archived (what ``/stock`` would announce as a restock);
    on PostgreSQL they are locked first, so a concurrent ``/stock`` cannot restock them as well."""
    if not rows:
        return Imported(0, 0)
    known = await known_skus(session, [row.spec.sku for row in rows])
    present = rows[0].present  # the file's columns: the same for every line
    sold_out = await _sold_out(session, [row.spec.sku for row in rows if (row.spec.stock or 0) > 0]) \
        if "stock" in present else []
    stmt = insert_for(session, PRODUCTS)
    set_: dict[str, Any] = {"name": stmt.excluded.name, "price_cents": stmt.excluded.price_cents,
                            "updated_at": stmt.excluded.updated_at}
    for column, field in (("stock", "stock"), ("link", "link"), ("cycle_days", "cycle"), ("photo", "photo")):
        if field in present:
            set_[column] = stmt.excluded[column]
    if "archived" in present:
        set_["archived_at"] = case((stmt.excluded.archived_at.is_(None), None),
                                   else_=func.coalesce(PRODUCTS.c.archived_at, stmt.excluded.archived_at))
    stmt = stmt.on_conflict_do_update(index_elements=["sku"], set_=set_)
    for start in range(0, len(rows), CHUNK):
        await session.execute(stmt, [
            {"sku": row.spec.sku, "name": row.spec.name, "price_cents": row.spec.price_cents, "stock": row.spec.stock,
             "link": row.spec.link, "cycle_days": row.spec.cycle_days, "photo": row.photo,
             "archived_at": now if row.archived else None, "created_by": actor_id, "created_at": now,
             "updated_at": now}
            for row in rows[start:start + CHUNK]
        ])
    new = sum(1 for row in rows if row.spec.sku not in known)
    return Imported(new, len(rows) - new, await _in_stock(session, sold_out))


async def _sold_out(session: AsyncSession, skus: list[str]) -> list[int]:
    """The ids of the products among ``skus`` whose stock is 0 now (locked on PostgreSQL)."""
    found: list[int] = []
    for start in range(0, len(skus), CHUNK):
        query = select(PRODUCTS.c.id).where(PRODUCTS.c.sku.in_(skus[start:start + CHUNK]), PRODUCTS.c.stock == 0)
        if _is_pg(session):
            query = query.order_by(PRODUCTS.c.id).with_for_update()
        found += [int(i) for i in (await session.execute(query)).scalars()]
    return found


async def _in_stock(session: AsyncSession, product_ids: list[int]) -> tuple[int, ...]:
    """Which of ``product_ids`` have stock and are not archived, by SKU."""
    found: list[tuple[str, int]] = []
    for start in range(0, len(product_ids), CHUNK):
        found += [(r.sku, int(r.id)) for r in (await session.execute(select(PRODUCTS.c.sku, PRODUCTS.c.id).where(
            PRODUCTS.c.id.in_(product_ids[start:start + CHUNK]), PRODUCTS.c.stock > 0,
            PRODUCTS.c.archived_at.is_(None))))]
    return tuple(i for _sku, i in sorted(found))


async def count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(PRODUCTS))).scalar_one())


async def export_lines(session: AsyncSession) -> AsyncIterator[list[list[str]]]:
    """The catalogue as CSV lines under games.catalogue.HEADER, by SKU, a chunk at a time from a
    server-side cursor (memory stays flat whatever the size); what import reads back the same."""
    stmt = select(PRODUCTS.c.sku, PRODUCTS.c.name, PRODUCTS.c.price_cents, PRODUCTS.c.stock, PRODUCTS.c.link,
                  PRODUCTS.c.cycle_days, PRODUCTS.c.photo, PRODUCTS.c.archived_at).order_by(PRODUCTS.c.sku)
    result = await session.stream(stmt.execution_options(yield_per=EXPORT_CHUNK))
    async for chunk in result.partitions():
        yield [rules.csv_line(r.sku, r.name, int(r.price_cents), r.stock, r.link, r.cycle_days, r.photo,
                              r.archived_at is not None) for r in chunk]
