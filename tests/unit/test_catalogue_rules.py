"""Catalogue rules (pure functions): SKUs, names, prices, stock, links, cycles, the /product add and
/product edit lines, search words and pages, the catalogue CSV (round trip and every bad line named)
and the orders' SKU cell."""

from __future__ import annotations

import csv
import io
from datetime import UTC

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games import catalogue as cat
from games.orders import parse_orders_csv

# ---- single values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "sku"), [
    ("tea-01", "TEA-01"), (" TEA_01 ", "TEA_01"), ("ｔｅａ－０１", "TEA-01"), ("X" * 32, "X" * 32), ("9", "9"),
])
def test_a_sku_is_normalised_to_upper_case(text: str, sku: str) -> None:
    assert cat.parse_sku(text) == sku


@pytest.mark.parametrize("text", ["", " ", "TEA 01", "X" * 33, "TEA.01", "茶-01", "tea/01", "<b>", "TEA:1", "ß"])
def test_what_is_not_a_sku(text: str) -> None:
    assert cat.normalize_sku(text) is None
    with pytest.raises(cat.BadSku):
        cat.parse_sku(text)


@given(st.text(max_size=40))
@settings(max_examples=300)
def test_a_normalised_sku_is_always_storable_and_stable(text: str) -> None:
    sku = cat.normalize_sku(text)
    if sku is not None:
        assert cat.SKU_RE.fullmatch(sku) and sku == sku.upper() and 1 <= len(sku) <= cat.MAX_SKU
        assert cat.normalize_sku(sku) == sku


@pytest.mark.parametrize(("text", "cents"), [
    ("99", 9900), ("99.9", 9990), ("99.90", 9990), ("1,299", 129900), ("¥99", 9900), ("￥99", 9900),
    ("99元", 9900), ("CNY 99", 9900), ("99 cny", 9900), ("０", 0), ("９９．５", 9950),
])
def test_prices_in_the_shops_currency(text: str, cents: int) -> None:
    assert cat.parse_price(text, "CNY") == cents


@pytest.mark.parametrize("text", ["", "-5", "9.999", "abc", "USD 9", "1e3", "99 USD", "NaN", "9" * 20])
def test_what_is_not_a_price(text: str) -> None:
    with pytest.raises(cat.BadPrice):
        cat.parse_price(text, "CNY")


@given(st.integers(0, 10**12))
def test_a_price_written_back_reads_the_same(cents: int) -> None:
    assert cat.parse_price(cat.format_price(cents), "CNY") == cents


def test_stock() -> None:
    assert cat.parse_stock("0") == 0 and cat.parse_stock("1000000") == 1_000_000
    assert cat.parse_stock("none") is None and cat.parse_stock("OFF") is None
    for bad in ("-1", "1000001", "1.5", "x", "", "²"):
        with pytest.raises(cat.BadStock):
            cat.parse_stock(bad)


@pytest.mark.parametrize(("text", "link"), [
    ("https://shop.example/tea?id=1#x", "https://shop.example/tea?id=1#x"),
    ("http://shop.example:8080/a", "http://shop.example:8080/a"),
    ("t.me/teashop/12", "https://t.me/teashop/12"),
    ("none", None),
])
def test_links(text: str, link: str | None) -> None:
    assert cat.parse_link(text) == link


@pytest.mark.parametrize("text", [
    "javascript:alert(1)", "ftp://x.y/z", "shop.example", "https://", "https://a b.c", "https://x.y/\"><b>",
    "https://user:pw@x.y", "https://例子.cn", "https://x.y:99999", "https://" + "a" * 510 + ".com", "tg://resolve",
    "https://-x.y",
])
def test_what_is_not_a_link(text: str) -> None:
    with pytest.raises(cat.BadLink):
        cat.parse_link(text)


@pytest.mark.parametrize(("text", "days"), [
    ("30d", 30), ("30", 30), ("4w", 28), ("3m", 90), ("1y", 365), ("2 weeks", 14), ("30天", 30), ("1个月", 30),
    ("3650d", 3650), ("off", None),
])
def test_cycles_in_days(text: str, days: int | None) -> None:
    assert cat.parse_cycle(text) == days


@pytest.mark.parametrize("text", ["0d", "3651d", "11y", "-1d", "30x", "d", "", "1.5w", "soon"])
def test_what_is_not_a_cycle(text: str) -> None:
    with pytest.raises(cat.BadCycle):
        cat.parse_cycle(text)


@given(st.integers(1, cat.MAX_CYCLE_DAYS))
def test_a_cycle_written_back_reads_the_same(days: int) -> None:
    assert cat.parse_cycle(cat.format_cycle(days)) == days


# ---- /product add and /product edit --------------------------------------------------------------------


def test_an_add_line_with_every_option() -> None:
    spec = cat.parse_add(" tea-01 | Longjing   250g | 99.9 | cycle=30d | stock=0 | LINK=t.me/shop ", "CNY")
    assert spec == cat.ProductSpec("TEA-01", "Longjing 250g", 9990, 0, "https://t.me/shop", 30)
    assert cat.parse_add("A|B|0", "CNY") == cat.ProductSpec("A", "B", 0)


@pytest.mark.parametrize(("text", "error"), [
    ("", cat.CatalogueError), ("TEA-01", cat.CatalogueError), ("TEA-01 | Tea", cat.CatalogueError),
    ("TEA 01 | Tea | 9", cat.BadSku), ("TEA-01 | | 9", cat.BadName), ("TEA-01 | /start | 9", cat.BadName),
    ("TEA-01 | Tea | x", cat.BadPrice), ("TEA-01 | Tea | 9 | stock", cat.UnknownOption),
    ("TEA-01 | Tea | 9 | name=x", cat.UnknownOption), ("TEA-01 | Tea | 9 |", cat.UnknownOption),
    ("TEA-01 | Tea | 9 | stock=1 | stock=1", cat.RepeatedOption), ("TEA-01 | Tea | 9 | cycle=0", cat.BadCycle),
])
def test_bad_add_lines(text: str, error: type[cat.CatalogueError]) -> None:
    with pytest.raises(error) as raised:
        cat.parse_add(text, "CNY")
    assert type(raised.value) is error


def test_an_edit_changes_only_the_fields_it_names() -> None:
    before = cat.ProductSpec("TEA-01", "Longjing", 9900, 5, "https://x.y", 30)
    edit = cat.parse_edit("tea-01 name=Longjing Spring 500g  price=¥120 stock=none", "CNY")
    assert edit.sku == "TEA-01" and edit.fields == {"name", "price", "stock"} and not edit.removes_photo
    assert edit.apply(before) == cat.ProductSpec("TEA-01", "Longjing Spring 500g", 12000, None, "https://x.y", 30)
    piped = cat.parse_edit("TEA-01 | link=none | cycle=4w | photo=none", "CNY")
    assert piped.apply(before) == cat.ProductSpec("TEA-01", "Longjing", 9900, 5, None, 28) and piped.removes_photo


@pytest.mark.parametrize(("text", "error"), [
    ("", cat.CatalogueError), ("TEA-01", cat.NothingToChange), ("TEA-01 cheap", cat.UnknownOption),
    ("TEA-01 colour=red", cat.UnknownOption), ("TEA-01 price=1 price=2", cat.RepeatedOption),
    ("TEA-01 photo=x.jpg", cat.BadPhoto), ("TEA-01 name=", cat.BadName), ("TE A price=1", cat.UnknownOption),
    ("T!A price=1", cat.BadSku),
])
def test_bad_edit_lines(text: str, error: type[cat.CatalogueError]) -> None:
    with pytest.raises(error) as raised:
        cat.parse_edit(text, "CNY")
    assert type(raised.value) is error


# ---- /products ----------------------------------------------------------------------------------------


def test_search_words_fit_in_a_button() -> None:
    assert cat.search_words("  Green  TEA:01 ") == ["green", "tea", "01"]
    assert cat.search_words("") == []


@given(st.text(max_size=200))
def test_any_search_fits_the_callback_data(query: str) -> None:
    joined = " ".join(cat.search_words(query))
    assert len(joined.encode()) <= cat.MAX_QUERY_BYTES and ":" not in joined


@given(st.integers(0, 10_000), st.integers(-5, 3000), st.integers(1, 50))
def test_pages_and_clamping(total: int, page: int, per_page: int) -> None:
    pages = cat.pages(total, per_page)
    assert pages == (1 if total == 0 else (total + per_page - 1) // per_page)
    assert (pages - 1) * per_page <= max(total - 1, 0) < pages * per_page
    assert 0 <= cat.clamp_page(page, total, per_page) < pages


# ---- the catalogue CSV ---------------------------------------------------------------------------------


def test_a_csv_with_any_column_order_and_optional_columns() -> None:
    text = "\ufeffName,SKU,价格,stock,cycle\nLongjing,tea-01,99.9,0,30d\n\nPu'er,TEA-02,\"1,299\",,\n"
    rows = cat.parse_csv(text, "CNY")
    assert [(r.line, r.spec) for r in rows] == [
        (2, cat.ProductSpec("TEA-01", "Longjing", 9990, 0, None, 30)),
        (4, cat.ProductSpec("TEA-02", "Pu'er", 129900, None, None, None)),
    ]
    assert rows[0].present == {"stock", "cycle"} and not rows[0].archived


def test_every_bad_line_is_named() -> None:
    text = ("sku,name,price,stock,link,cycle,archived\n"
            "TEA-01,Tea,9,1,,,\n"
            "TEA 02,Tea,9,,,,\n"
            "TEA-03,,9,,,,\n"
            "TEA-04,Tea,x,,,,\n"
            "TEA-05,Tea,9,-1,,,\n"
            "TEA-06,Tea,9,,ftp://x,,\n"
            "TEA-07,Tea,9,,,0d,\n"
            "TEA-08,Tea,9,,,,maybe\n"
            "tea-01,Again,9,,,,\n"
            "TEA-09,Tea,9,,,,,extra\n")
    with pytest.raises(cat.CatalogueFileError) as raised:
        cat.parse_csv(text, "CNY")
    assert [(p.line, p.problem) for p in raised.value.problems] == [
        (3, "sku"), (4, "name"), (5, "price"), (6, "stock"), (7, "link"), (8, "cycle"), (9, "archived"),
        (10, "duplicate"), (11, "columns"),
    ]
    assert raised.value.problems[7].value == "TEA-01 (line 2)"


@pytest.mark.parametrize(("text", "problem"), [
    ("", "empty"), ("\n\n", "empty"), ("name,price\nTea,9\n", "missing-column"),
    ("sku,name,price,colour\n", "unknown-column"), ("sku,name,price,sku\n", "repeated-column"),
    ("PK\x03\x04garbage", "unreadable"), ('sku,name,price\nA,"Tea,9\n', "price"),
])
def test_files_that_cannot_be_read(text: str, problem: str) -> None:
    with pytest.raises(cat.CatalogueFileError) as raised:
        cat.parse_csv(text, "CNY")
    assert raised.value.problems[0].problem == problem


_names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).map(
    lambda t: " ".join(t.split())).filter(lambda t: bool(t) and not t.startswith("/"))


@given(st.lists(st.tuples(st.from_regex(cat.SKU_RE, fullmatch=True), _names, st.integers(0, 10**9),
                          st.none() | st.integers(0, cat.MAX_STOCK), st.none() | st.integers(1, cat.MAX_CYCLE_DAYS),
                          st.booleans()),
                unique_by=lambda t: t[0], max_size=8))
@settings(max_examples=100)
def test_an_exported_catalogue_imports_as_the_same(products: list[tuple[str, str, int, int | None, int | None, bool]]
                                                   ) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(cat.HEADER)
    for sku, name, cents, stock, cycle, archived in products:
        writer.writerow(cat.csv_line(sku, name, cents, stock, "https://t.me/x", cycle, "AgAC-1", archived))
    if not products:
        return
    rows = cat.parse_csv(out.getvalue(), "CNY")
    assert [(r.spec, r.photo, r.archived) for r in rows] == [
        (cat.ProductSpec(sku, name, cents, stock, "https://t.me/x", cycle), "AgAC-1", archived)
        for sku, name, cents, stock, cycle, archived in products]


# ---- the orders CSV's SKU column -----------------------------------------------------------------------


def test_the_sku_cell() -> None:
    assert cat.parse_skus("tea-01; TEA-02 ;；tea-01") == ("TEA-01", "TEA-02")
    assert cat.parse_skus("") == () and cat.parse_skus(" ; ") == ()
    assert cat.parse_skus("TEA-01;not a sku") is None


def test_orders_with_and_without_skus() -> None:
    old = parse_orders_csv("T-1,99,CNY,2026-03-01,1234\nT-2,5,CNY,2026-03-01,1234,refunded\n", UTC)
    assert [r.skus for r in old] == [None, None]
    new = parse_orders_csv("T-1,99,CNY,2026-03-01,1234,,tea-01;TEA-02\nT-2,5,CNY,2026-03-01,1234,paid,\n", UTC)
    assert [r.skus for r in new] == [("TEA-01", "TEA-02"), ()] and new[0].status == "paid"
    headed = parse_orders_csv("order_id,amount,currency,paid_at,check,sku\nT-1,99,CNY,2026-03-01,1234,TEA-01\n", UTC)
    assert headed[0].skus == ("TEA-01",) and headed[0].status == "paid"
    from games.errors import OrderLineError

    with pytest.raises(OrderLineError) as raised:
        parse_orders_csv("T-1,99,CNY,2026-03-01,1234,,TEA 01\n", UTC)
    assert raised.value.params["problem"] == "sku" and raised.value.params["line"] == 1
    with pytest.raises(OrderLineError) as raised:
        parse_orders_csv("T-1,99,CNY,2026-03-01,1234,,TEA-01,x\n", UTC)
    assert raised.value.params["problem"] == "columns"
