"""The catalogue in the database, on SQLite and PostgreSQL: a SKU is unique even when staff race for
it; edits write only what they name; search escapes LIKE's wildcards; the CSV import is all or
nothing, upserts by SKU and reads back what the export writes; the orders CSV's SKU column fills
``order_items`` consistently however often a file is imported."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import OrderItem, Product
from bot.services import catalogue as service
from bot.services import orders as order_service
from games import catalogue as cat
from games.orders import parse_orders_csv
from tests.factories import NOW


async def _add(db: Database, line: str) -> Product:
    async with db.session() as session:
        return await service.add(session, cat.parse_add(line, "CNY"), actor_id=1, now=NOW)


async def _products(db: Database) -> dict[str, tuple[str, int, int | None, str | None, int | None, bool]]:
    async with db.reader() as session:
        rows = (await session.execute(select(Product).order_by(Product.sku))).scalars().all()
        return {p.sku: (p.name, p.price_cents, p.stock, p.link, p.cycle_days, p.archived_at is not None)
                for p in rows}


async def test_a_sku_is_unique_even_when_staff_race_for_it(db: Database) -> None:
    async def attempt(n: int) -> str:
        try:
            async with db.session() as session:
                await service.add(session, cat.parse_add(f"tea-01 | Tea {n} | {n}", "CNY"), actor_id=n, now=NOW)
            return "added"
        except cat.DuplicateSku as refused:
            assert refused.params == {"sku": "TEA-01"}
            return "refused"

    outcomes = await asyncio.gather(*(attempt(n) for n in range(1, 9)))
    assert sorted(outcomes) == ["added"] + ["refused"] * 7
    async with db.reader() as session:
        assert (await session.execute(select(func.count()).select_from(Product))).scalar_one() == 1
        product = await service.by_sku(session, "Tea-01")
    assert product is not None and product.name.startswith("Tea ")


async def test_by_sku_finds_archived_products_flagged_and_returns_readable_snapshots(db: Database) -> None:
    await _add(db, "CUP-01 | Teacup | 30 | stock=2")
    async with db.session() as session:
        assert await service.set_archived(session, "cup-01", True, now=NOW) is True
        assert await service.set_archived(session, "CUP-01", True, now=NOW) is False
        assert await service.set_archived(session, "NOPE", True, now=NOW) is None
    async with db.reader() as session:
        product = await service.by_sku(session, "cup-01")
        assert await service.by_sku(session, "not a sku") is None
    assert product is not None and service.is_archived(product) and product.stock == 2  # read after the session


async def test_an_edit_writes_only_what_it_names_and_returns_what_was_before(db: Database) -> None:
    await _add(db, "TEA-01 | Longjing | 99 | stock=2 | link=t.me/shop | cycle=30d")
    async with db.session() as session:
        edited = await service.edit(session, cat.parse_edit("TEA-01 stock=5 price=89", "CNY"),
                                    now=NOW + timedelta(hours=1))
    assert edited.before.stock == 2 and edited.product.stock == 5
    assert (await _products(db))["TEA-01"] == ("Longjing", 8900, 5, "https://t.me/shop", 30, False)
    # A sold-out item comes back through /stock (which tells its waitlist), never through an edit.
    async with db.session() as session:
        await service.edit(session, cat.parse_edit("TEA-01 stock=0", "CNY"), now=NOW)
    with pytest.raises(cat.RestockThroughStock):
        async with db.session() as session:
            await service.edit(session, cat.parse_edit("TEA-01 stock=3 name=Other", "CNY"), now=NOW)
    assert (await _products(db))["TEA-01"] == ("Longjing", 8900, 0, "https://t.me/shop", 30, False)
    with pytest.raises(cat.NoSuchProduct):
        async with db.session() as session:
            await service.edit(session, cat.parse_edit("NOPE name=x", "CNY"), now=NOW)


async def test_search_escapes_like_wildcards_and_pages(db: Database) -> None:
    for line in ("A_1 | 100% cotton bag | 5", "A-2 | Cotton bag | 5", "B-1 | Tea | 1", "B-2 | Tea 2 | 1"):
        await _add(db, line)
    async with db.reader() as session:
        assert [p.sku for p in (await service.search(session, "100%", 0)).items] == ["A_1"]
        assert [p.sku for p in (await service.search(session, "a_", 0)).items] == ["A_1"]
        assert [p.sku for p in (await service.search(session, "COTTON", 0)).items] == ["A-2", "A_1"]
        page = await service.search(session, "", 1, per_page=3)
    assert page.total == 4 and page.pages == 2 and page.page == 1 and [p.sku for p in page.items] == ["B-2"]


CSV = ("sku,name,price,stock,link,cycle,archived\n"
       "TEA-01,Longjing,99.90,0,https://t.me/shop,30d,\n"
       "TEA-02,Pu'er,199,,,,yes\n")


async def test_csv_import_upserts_by_sku_and_export_reads_back_the_same(db: Database) -> None:
    await _add(db, "TEA-01 | Old name | 1 | stock=7")
    async with db.session() as session:
        result = await service.import_rows(session, cat.parse_csv(CSV, "CNY"), actor_id=0, now=NOW)
    assert (result.new, result.updated) == (1, 1)
    assert await _products(db) == {"TEA-01": ("Longjing", 9990, 0, "https://t.me/shop", 30, False),
                                   "TEA-02": ("Pu'er", 19900, None, None, None, True)}
    # A file without the optional columns keeps what the catalogue says for them.
    async with db.session() as session:
        await service.import_rows(session, cat.parse_csv("sku,name,price\ntea-01,Longjing Spring,120\n", "CNY"),
                                  actor_id=0, now=NOW)
    assert (await _products(db))["TEA-01"] == ("Longjing Spring", 12000, 0, "https://t.me/shop", 30, False)
    # Export, then import the export: nothing changes.
    async with db.reader() as session:
        lines = [line async for chunk in service.export_lines(session) for line in chunk]
    before = await _products(db)
    text = "\n".join(",".join(f'"{cell}"' for cell in line) for line in [list(cat.HEADER), *lines])
    async with db.session() as session:
        again = await service.import_rows(session, cat.parse_csv(text, "CNY"), actor_id=0, now=NOW)
    assert (again.new, again.updated) == (0, 2) and await _products(db) == before


async def test_csv_import_is_all_or_nothing(db: Database) -> None:
    await _add(db, "TEA-01 | Longjing | 99")
    bad = CSV + "TEA-03,Green,abc,,,,\nTEA 04,Green,1,,,,\n"
    with pytest.raises(cat.CatalogueFileError) as raised:
        cat.parse_csv(bad, "CNY")
    assert [(p.line, p.problem) for p in raised.value.problems] == [(4, "price"), (5, "sku")]
    # And a failure inside the transaction (after the upsert) leaves nothing behind either.
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            await service.import_rows(session, cat.parse_csv(CSV, "CNY"), actor_id=0, now=NOW)
            raise RuntimeError("the connection dropped")
    assert await _products(db) == {"TEA-01": ("Longjing", 9900, None, None, None, False)}


ORDERS_OLD = "T-1,99,CNY,2026-03-01,1234\nT-2,50,CNY,2026-03-01,1234\n"
ORDERS_NEW = ("order_id,amount,currency,paid_at,check,status,sku\n"
              "T-1,99,CNY,2026-03-01,1234,,tea-01;CUP-01\n"
              "T-2,50,CNY,2026-03-01,1234,paid,GONE-9\n"
              "T-3,10,CNY,2026-03-01,1234,,\n")


async def _items(db: Database) -> set[tuple[str, str]]:
    async with db.reader() as session:
        return {(o, s) for o, s in (await session.execute(select(OrderItem.order_id, OrderItem.sku))).all()}


async def test_the_orders_sku_column_old_and_new_files(db: Database) -> None:
    await _add(db, "TEA-01 | Longjing | 99")
    await _add(db, "CUP-01 | Teacup | 30")
    async with db.session() as session:  # an old file: no items, nothing about them in the summary
        old = await order_service.import_rows(session, parse_orders_csv(ORDERS_OLD, UTC), NOW)
    assert (old.new, old.with_skus, old.items, old.unknown_skus) == (2, 0, 0, ())
    assert await _items(db) == set()
    for attempt in range(2):  # the same new file twice: the same items
        async with db.session() as session:
            new = await order_service.import_rows(session, parse_orders_csv(ORDERS_NEW, UTC), NOW)
        assert (new.with_skus, new.items, new.unknown_skus) == (3, 3, ("GONE-9",)), attempt
        assert "items=3 unknown_skus=1" in order_service.import_details(new)
        assert await _items(db) == {("T-1", "TEA-01"), ("T-1", "CUP-01"), ("T-2", "GONE-9")}
    # The old file again: its lines have no SKU cell, so the items stay.
    async with db.session() as session:
        await order_service.import_rows(session, parse_orders_csv(ORDERS_OLD, UTC), NOW)
    assert len(await _items(db)) == 3
    # A line whose SKU cell changed replaces that order's items; an empty cell clears them.
    async with db.session() as session:
        await order_service.import_rows(session, parse_orders_csv(
            "T-1,99,CNY,2026-03-01,1234,,TEA-01\nT-2,50,CNY,2026-03-01,1234,,\n", UTC), NOW)
        assert await order_service.items_of(session, "T-1") == ["TEA-01"]
    assert await _items(db) == {("T-1", "TEA-01")}
