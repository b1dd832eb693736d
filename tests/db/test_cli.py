"""The operator commands, called in-process: db upgrade, export, doctor, and start-up errors."""

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


def _seed(path: Path) -> None:
    con = sqlite3.connect(path)
    con.executescript("""
        INSERT INTO users VALUES (1, 'Ann', NULL, 'ann', 'en', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00');
        INSERT INTO members (user_id, balance, lifetime_points, created_at) VALUES (1, 15, 15, '2026-01-01 00:00:00');
        INSERT INTO streaks VALUES (1, 2, '2026-01-02', 2);
        INSERT INTO ledger (user_id, amount, balance_after, reason, ref, idempotency_key, actor_id, created_at)
          VALUES (1, 5, 5, 'checkin', 'day:2026-01-01', 'checkin:1:2026-01-01', NULL, '2026-01-01 01:00:00'),
                 (1, 10, 15, 'checkin', 'day:2026-01-02', 'checkin:1:2026-01-02', NULL, '2026-01-02 01:00:00');
    """)
    con.commit()
    con.close()


def test_db_upgrade_creates_the_schema(sqlite_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out
    tables = {r[0] for r in sqlite3.connect(sqlite_env).execute("select name from sqlite_master where type='table'")}
    assert {"users", "members", "ledger", "checkins", "groups", "staff", "audit_log", "alembic_version"} <= tables
    assert main(["db", "upgrade"]) == 0  # idempotent


def test_export_and_doctor(sqlite_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    _seed(sqlite_env)
    capsys.readouterr()
    assert main(["export", "members"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows == [rows[0]] and rows[0]["first_name"] == "Ann" and rows[0]["balance"] == "15"
    assert main(["export", "ledger"]) == 0
    ledger = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["amount"] for r in ledger] == ["5", "10"]
    assert main(["doctor"]) == 0
    report = capsys.readouterr().out
    assert "ledger OK" in report and "votes OK: 0 votes" in report
    assert "broadcasts OK: 0 deliveries" in report
    con = sqlite3.connect(sqlite_env)
    con.execute("UPDATE members SET balance = 99 WHERE user_id = 1")
    con.commit()
    con.close()
    assert main(["doctor"]) == 1
    report = capsys.readouterr().out
    assert "ledger FAILED" in report and "member 1" in report and "99" in report


def test_doctor_proves_purchase_points(sqlite_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Purchase points = amount × rate × multiplier per linked order − reversals, in the orders and the ledger."""
    assert main(["db", "upgrade"]) == 0
    con = sqlite3.connect(sqlite_env)
    con.executescript("""
        INSERT INTO users VALUES (1, 'Ann', NULL, 'ann', 'en', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00');
        INSERT INTO members (user_id, balance, lifetime_points, created_at, owed)
          VALUES (1, 0, 50, '2026-01-01 00:00:00', 30);
        INSERT INTO orders (order_id, amount_cents, currency, paid_at, check_hash, user_id, imported_at, status,
                            points_earned, earn_rate, earn_multiplier, points_reversed, points_shortfall)
          VALUES ('A1', 10000, 'CNY', '2026-01-01 00:00:00', 'x', 1, '2026-01-01 00:00:00', 'paid', 150, 100, 150,
                  NULL, 0),
                 ('A2', 4000, 'CNY', '2026-01-01 00:00:00', 'x', 1, '2026-01-01 00:00:00', 'refunded', 40, 100, 100,
                  40, 30);
        INSERT INTO order_totals (user_id, orders, last_paid_at) VALUES (1, 2, '2026-01-01 00:00:00');
        INSERT INTO ledger (user_id, amount, balance_after, reason, ref, idempotency_key, actor_id, created_at)
          VALUES (1, 150, 150, 'purchase', 'order:A1', 'order:earn:A1', NULL, '2026-01-01 01:00:00'),
                 (1, 40, 190, 'purchase', 'order:A2', 'order:earn:A2', NULL, '2026-01-01 01:00:00'),
                 (1, -180, 10, 'redemption', NULL, 'spend', NULL, '2026-01-01 01:00:00'),
                 (1, -10, 0, 'purchase_reversal', 'order:A2', 'order:reverse:A2', NULL, '2026-01-01 02:00:00');
    """)
    con.commit()
    capsys.readouterr()
    assert main(["doctor"]) == 0
    report = capsys.readouterr().out
    assert "purchase points OK: 2 orders earned 190 points" in report and "40 reversed" in report
    con.execute("UPDATE orders SET earn_multiplier = 120 WHERE order_id = 'A1'")
    con.execute("UPDATE members SET owed = 31")
    con.commit()
    con.close()
    assert main(["doctor"]) == 1
    report = capsys.readouterr().out
    assert "purchase points FAILED: 2 problem(s)" in report and "order A1" in report and "members owe 31" in report


def test_run_without_a_token_says_so_in_one_line(sqlite_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("regulars: Setting BOT_TOKEN is missing") and "\n" not in err


def test_bad_setting_stops_any_command(sqlite_env: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TIMEZONE", "Nowhere/Land")
    assert main(["doctor"]) == 2
    err = capsys.readouterr().err
    assert "TIMEZONE" in err and "Traceback" not in err


def test_unreachable_database_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "DATABASE_URL" in err and "Traceback" not in err


def test_unreachable_bot_api_is_one_line(sqlite_env: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_API_URL", f"http://127.0.0.1:{port}")
    from bot.limiter import RateLimitMiddleware

    retries: list[int] = []
    monkeypatch.setattr(RateLimitMiddleware, "backoff", lambda self, attempt: retries.append(attempt) or 0.01)
    assert main(["run"]) == 2
    assert retries  # it tried again before giving up (the waits are shortened here)
    err = capsys.readouterr().err.strip()
    assert err.startswith("regulars: Setting TELEGRAM_API_URL: cannot reach") and "\n" not in err


def test_reading_tools_do_not_create_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "typo.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{missing}")
    for command in (["doctor"], ["export", "members"]):
        assert main(command) == 2
        assert "there is no database" in capsys.readouterr().err
    assert not missing.exists()

def test_import_orders_from_the_command_line(sqlite_env: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "orders.csv"
    good.write_text("订单号,金额,币种,付款时间,校验\nT-1,129.90,CNY,2026-02-01 10:00,1234\nT-2,5,CNY,2026-02-02,99\n",
                    encoding="gb18030")
    assert main(["import-orders", str(good)]) == 0
    assert "2 new, 0 updated" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("T-3,1,CNY,2026-02-03,1\nT-4,1,CNY,someday,1\n", encoding="utf-8")
    assert main(["import-orders", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "line 2" in err and "someday" in err and "nothing was imported" in err and "Traceback" not in err
    assert main(["import-orders", str(tmp_path / "missing.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err
    con = sqlite3.connect(sqlite_env)
    assert sorted(r[0] for r in con.execute("SELECT order_id FROM orders")) == ["T-1", "T-2"]
    assert con.execute("SELECT actor_id, action, details FROM audit_log").fetchall() == [
        (0, "orders.import", "new=2 updated=0")]
    con.close()


def test_export_into_a_closed_pipe_ends_quietly(sqlite_env: Path) -> None:
    import os
    import subprocess
    import sys

    assert main(["db", "upgrade"]) == 0
    _seed(sqlite_env)
    con = sqlite3.connect(sqlite_env)
    con.executemany(
        "INSERT INTO ledger (user_id, amount, balance_after, reason, ref, idempotency_key, actor_id, created_at) "
        "VALUES (1, 1, ?, 'adjust', ?, ?, NULL, '2026-01-03 00:00:00')",
        [(16 + i, f"ref:{i}", f"bulk:{i}") for i in range(20_000)],  # far more than a pipe holds
    )
    con.commit()
    con.close()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{sqlite_env}", "PYTHONPATH": str(root)}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "export", "ledger"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=sqlite_env.parent)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()  # `| head -1`: read a line, then go away
    proc.stdout.close()
    errors = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0
    assert first.startswith(b"id,created_at")
    assert errors == ""


def test_doctor_reports_a_vote_reward_its_rows_do_not_explain(sqlite_env: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    _seed(sqlite_env)
    con = sqlite3.connect(sqlite_env)
    con.execute("UPDATE ledger SET reason = 'vote', ref = 'vote:7' WHERE amount = 10")  # no vote 7 paid it
    con.commit()
    con.close()
    capsys.readouterr()
    assert main(["doctor"]) == 1
    report = capsys.readouterr().out
    assert "ledger OK" in report and "votes FAILED: 1 problem(s)" in report and "vote:7: 10 points" in report


def test_doctor_checks_rewards_and_the_lottery(sqlite_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    _seed(sqlite_env)
    con = sqlite3.connect(sqlite_env)
    con.executescript("""
        INSERT INTO rewards (id, name, cost, stock, redeemed, has_codes, status, created_by, created_at)
          VALUES (1, 'Coupon', 10, 5, 1, 1, 'active', 1, '2026-01-02 00:00:00');
        INSERT INTO redemptions (id, reward_id, user_id, cost, code, status, source, request_key, created_at)
          VALUES (1, 1, 1, 10, 'C-1', 'delivered', 'shop', 'rw:req:1:5', '2026-01-02 02:00:00');
        INSERT INTO reward_codes (reward_id, code, redemption_id, uploaded_by, uploaded_at)
          VALUES (1, 'C-1', 1, 1, '2026-01-02 00:00:00'), (1, 'C-2', NULL, 1, '2026-01-02 00:00:00');
        INSERT INTO ledger (user_id, amount, balance_after, reason, ref, idempotency_key, actor_id, created_at)
          VALUES (1, -10, 5, 'redemption', 'rw:1', 'rw:pay:1', NULL, '2026-01-02 02:00:00');
        UPDATE members SET balance = 5 WHERE user_id = 1;
        INSERT INTO lottery_prizes (id, name, weight, kind, points, stock, won, active, created_by, created_at)
          VALUES (1, 'Tea', 1, 'gift', 0, 1, 0, 1, 1, '2026-01-02 00:00:00');
    """)
    con.commit()
    capsys.readouterr()
    assert main(["doctor"]) == 0
    report = capsys.readouterr().out
    assert "rewards OK: 1 rewards, 1 redemptions, 2 codes" in report and "lottery OK" in report
    con.execute("UPDATE reward_codes SET redemption_id = NULL WHERE code = 'C-1'")  # the code went back to the pool
    con.execute("UPDATE lottery_prizes SET won = 1")  # a prize counted without its draw
    con.commit()
    con.close()
    assert main(["doctor"]) == 1
    report = capsys.readouterr().out
    assert "rewards FAILED" in report and "0 codes handed out, 1 redemptions with a code" in report
    assert "lottery FAILED" in report and "counter says 1 won, 0 draws" in report
