"""``regulars catalogue import FILE`` and ``regulars catalogue export [FILE]``, called in-process: bad
lines named with their numbers and nothing imported, an upsert by SKU, the export (stdout or a file)
reading back as the same catalogue; and the orders CSV's SKU column summarised by import-orders."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "shop.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    return path


def _products(path: Path) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT sku, name, price_cents, stock, link, cycle_days, archived_at IS NOT NULL "
                           "FROM products ORDER BY sku").fetchall()
    finally:
        con.close()


def test_catalogue_import_and_export(sqlite_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name,price,stock\nTEA-01,Longjing,99,\nTEA 02,Pu'er,1,\nTEA-03,Green,x,\ntea-01,Again,1,\n",
                   encoding="utf-8")
    assert main(["catalogue", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "line 3: the SKU" in err and "(TEA 02)" in err and "line 4: the price" in err
    assert "line 5: this SKU appears twice" in err and "nothing was imported" in err
    assert _products(sqlite_env) == []
    good = tmp_path / "good.csv"
    good.write_text("商品编码,名称,价格,库存,周期\ntea-01,龙井 250g,99.9,0,30d\nTEA-02,Pu'er,\"1,299\",,\n",
                    encoding="gb18030")
    assert main(["catalogue", "import", str(good)]) == 0
    assert "imported 2 products" in capsys.readouterr().out
    assert _products(sqlite_env) == [("TEA-01", "龙井 250g", 9990, 0, None, 30, 0),
                                     ("TEA-02", "Pu'er", 129900, None, None, None, 0)]
    con = sqlite3.connect(sqlite_env)
    assert con.execute("SELECT action, actor_id, details FROM audit_log").fetchall() == [
        ("catalogue.import", 0, "new=2 updated=0")]
    con.close()
    # Export to stdout, then to a file; importing the export changes nothing.
    assert main(["catalogue", "export"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["sku"], r["price"], r["stock"], r["cycle"]) for r in rows] == [("TEA-01", "99.90", "0", "30d"),
                                                                              ("TEA-02", "1299.00", "", "")]
    target = tmp_path / "export.csv"
    assert main(["catalogue", "export", str(target)]) == 0
    assert target.read_bytes().decode() == out and not (tmp_path / "export.csv.part").exists()
    before = _products(sqlite_env)
    assert main(["catalogue", "import", str(target)]) == 0
    assert "0 new, 2 updated" in capsys.readouterr().out and _products(sqlite_env) == before


def test_catalogue_cli_mistakes(sqlite_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "export"]) == 2  # a reading tool never creates a database
    assert "no database" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["catalogue", "import"])
    assert "which FILE" in capsys.readouterr().err
    assert main(["catalogue", "import", str(tmp_path / "missing.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["catalogue", "export", str(tmp_path / "no-such-folder" / "x.csv")]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_import_orders_counts_skus_the_catalogue_lacks(sqlite_env: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text("sku,name,price\nTEA-01,Longjing,99\n", encoding="utf-8")
    assert main(["catalogue", "import", str(catalogue)]) == 0
    orders = tmp_path / "orders.csv"
    orders.write_text("T-1,99,CNY,2026-03-01,1234,,TEA-01;GONE-1\nT-2,5,CNY,2026-03-01,1234\n", encoding="utf-8")
    assert main(["import-orders", str(orders)]) == 0
    out = capsys.readouterr().out
    assert "items: 2 SKUs on 1 orders; 1 SKUs not in the catalogue (GONE-1)" in out
    con = sqlite3.connect(sqlite_env)
    assert sorted(con.execute("SELECT order_id, sku FROM order_items").fetchall()) == [("T-1", "GONE-1"),
                                                                                        ("T-1", "TEA-01")]
    con.close()


def test_catalogue_photos_are_checked_for_shape_and_the_import_says_they_belong_to_one_bot(
        sqlite_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A photo cell is a Telegram file id (base64url text) or an http(s) link. Whether Telegram accepts
    it (a file id must be one this bot was given) cannot be known offline; the import says so, and a
    refused one is posted as text."""
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name,price,photo\nTEA-01,Longjing,99,ftp://shop.example/tea.jpg\nTEA-02,Pu'er,1,a b\n",
                   encoding="utf-8")
    assert main(["catalogue", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "line 2: the photo is not a Telegram file id" in err and "line 3: the photo" in err, err
    good = tmp_path / "good.csv"
    good.write_text("sku,name,price,photo\nTEA-01,Longjing,99,AgACAgIAAxkBAAIBY2Zm_x-1\nTEA-02,Pu'er,1,\n"
                    "TEA-03,Oolong,5,https://shop.example/oolong.jpg\n", encoding="utf-8")
    assert main(["catalogue", "import", str(good)]) == 0
    out = capsys.readouterr().out
    assert "imported 3 products" in out, out
    assert "note: photos imported: 2. A photo is a Telegram file id, valid only for the bot" in out, out
    con = sqlite3.connect(sqlite_env)
    assert con.execute("SELECT sku, photo FROM products ORDER BY sku").fetchall() == [
        ("TEA-01", "AgACAgIAAxkBAAIBY2Zm_x-1"), ("TEA-02", None), ("TEA-03", "https://shop.example/oolong.jpg")]
    con.close()
