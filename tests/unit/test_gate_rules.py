"""Entry thresholds, segments, passwords and the orders CSV: the pure rules, in milliseconds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from games import segments
from games.errors import ConfigError, OrderLineError, SegmentSyntaxError
from games.gate import (
    Decision,
    GateRules,
    Mode,
    Reason,
    Threshold,
    Verdict,
    check_password,
    combine,
    format_money,
    parse_config,
    parse_money,
    precheck,
)
from games.orders import parse_orders_csv

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
SHANGHAI = ZoneInfo("Asia/Shanghai")


# ---- segment parser ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "canonical"), [
    ("purchased", "purchased"),
    ("purchased and not dormant or tag:vip", "(purchased and not dormant) or tag:vip"),
    ("purchased and (not dormant or tag:vip)", "purchased and (not dormant or tag:vip)"),
    ("NOT new AND Repeat", "not new and repeat"),
    ("not not active", "not not active"),
    ("((new))", "new"),
    ("new or repeat or tag:a-1 and never_purchased", "new or repeat or (tag:a-1 and never_purchased)"),
    ("not (new or active)", "not (new or active)"),
])
def test_segments_parse_with_and_binding_tighter_than_or(text: str, canonical: str) -> None:
    assert segments.render(segments.parse(text)) == canonical
    assert segments.render(segments.parse(canonical)) == canonical


@pytest.mark.parametrize(("text", "position", "token", "problem"), [
    ("", 1, "", "empty"),
    ("   ", 1, "", "empty"),
    ("purchased and", 14, "", "missing-operand"),
    ("and new", 1, "and", "missing-operand"),
    ("purchased or or new", 14, "or", "missing-operand"),
    ("(purchased", 11, "", "missing-close"),
    ("new)", 4, ")", "unexpected"),
    ("new repeat", 5, "repeat", "unexpected"),
    ("buyers", 1, "buyers", "unknown-name"),
    ("new and tag:", 9, "tag:", "bad-tag"),
    ("tag:v!p", 1, "tag:v!p", "bad-tag"),
    ("not ()", 6, ")", "missing-operand"),
])
def test_segment_errors_say_where_and_what(text: str, position: int, token: str, problem: str) -> None:
    with pytest.raises(SegmentSyntaxError) as caught:
        segments.parse(text)
    assert caught.value.params == {"position": position, "token": token, "problem": problem}


def test_overlong_segment_is_refused() -> None:
    with pytest.raises(SegmentSyntaxError) as caught:
        segments.parse(" or ".join(["new"] * 200))
    assert caught.value.params["problem"] == "too-long"


def _facts(**kw: object) -> segments.Facts:
    base: dict[str, object] = {"user_id": 1, "first_seen_at": NOW - timedelta(days=100)}
    base.update(kw)
    return segments.Facts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "facts", "expected"), [
    ("purchased", _facts(orders=1, last_paid_at=NOW), True),
    ("purchased", _facts(), False),
    ("never_purchased", _facts(), True),
    ("repeat", _facts(orders=1, last_paid_at=NOW), False),
    ("repeat", _facts(orders=2, last_paid_at=NOW), True),
    ("new", _facts(first_seen_at=NOW - timedelta(days=29, hours=23)), True),
    ("new", _facts(first_seen_at=NOW - timedelta(days=30)), False),
    ("dormant", _facts(orders=1, last_paid_at=NOW - timedelta(days=180)), True),
    ("dormant", _facts(orders=1, last_paid_at=NOW - timedelta(days=179)), False),
    ("dormant", _facts(), False),  # never bought: not dormant, never_purchased
    ("active", _facts(last_checkin_day=TODAY - timedelta(days=6)), True),
    ("active", _facts(last_checkin_day=TODAY - timedelta(days=7)), False),
    ("active", _facts(), False),
])
def test_builtin_segments_at_their_edges(name: str, facts: segments.Facts, expected: bool) -> None:
    assert segments.evaluate(segments.parse(name), facts, NOW, TODAY) is expected


def test_expressions_combine_builtins_and_tags() -> None:
    expr = segments.parse("purchased and not dormant or tag:vip")
    assert segments.evaluate(expr, _facts(orders=1, last_paid_at=NOW), NOW, TODAY)
    assert not segments.evaluate(expr, _facts(orders=1, last_paid_at=NOW - timedelta(days=400)), NOW, TODAY)
    assert segments.evaluate(expr, _facts(tags=frozenset({"vip"})), NOW, TODAY)
    assert not segments.evaluate(expr, _facts(tags=frozenset({"vipp"})), NOW, TODAY)
    assert segments.tags_in(segments.parse("tag:a or not (tag:b and new)")) == {"a", "b"}


# ---- thresholds -------------------------------------------------------------------------------------

P, C, S = Threshold.PASSWORD, Threshold.CHANNEL, Threshold.SPEND


@pytest.mark.parametrize(("mode", "results", "verdict", "failed"), [
    (Mode.ALL, {}, Verdict.APPROVE, ()),
    (Mode.ANY, {}, Verdict.APPROVE, ()),
    (Mode.ALL, {C: True, S: True}, Verdict.APPROVE, ()),
    (Mode.ALL, {C: True, S: False}, Verdict.DECLINE, (S,)),
    (Mode.ALL, {P: None, C: True}, Verdict.WAIT, ()),
    (Mode.ALL, {P: None, C: False}, Verdict.DECLINE, (C,)),  # no point asking for the password
    (Mode.ANY, {C: False, S: True}, Verdict.APPROVE, ()),
    (Mode.ANY, {C: False, S: False}, Verdict.DECLINE, (C, S)),
    (Mode.ANY, {P: None, C: False}, Verdict.WAIT, ()),
    (Mode.ANY, {P: None, C: True}, Verdict.APPROVE, ()),  # no need for the password
    (Mode.ANY, {P: False, C: False}, Verdict.DECLINE, (P, C)),
])
def test_all_of_and_any_of(mode: Mode, results: dict[Threshold, bool | None], verdict: Verdict,
                           failed: tuple[Threshold, ...]) -> None:
    decision = combine(mode, results)
    assert decision.verdict is verdict
    assert decision.failed == failed


def test_bots_and_banned_users_never_get_in() -> None:
    assert precheck(is_bot=True, banned=False) == Decision(Verdict.DECLINE, Reason.BOT)
    assert precheck(is_bot=False, banned=True) == Decision(Verdict.DECLINE, Reason.BANNED)
    assert precheck(is_bot=False, banned=False) is None


def test_password_attempts_are_limited() -> None:
    first = check_password("Oolong 42", "oolong 42", 0, 3)
    assert not first.ok and first.attempts_left == 2 and not first.exhausted
    second = check_password("Oolong 42", "  Oolong   42 ", 1, 3)
    assert second.ok and second.attempts_used == 2
    last = check_password("x", "y", 2, 3)
    assert last.exhausted and last.attempts_used == 3
    assert check_password("x", "x", 3, 3).exhausted  # no attempts left, even for the right one


def test_gate_config_parses_and_keeps_what_is_not_mentioned() -> None:
    rules = parse_config('mode=any password="Tie Guan Yin" channel=on segment="purchased and not dormant" '
                         "spend=199.5 timeout=2h attempts=5", GateRules())
    assert rules == GateRules(mode=Mode.ANY, password="Tie Guan Yin", attempts=5, channel=True,
                              segment="purchased and not dormant", spend_cents=19950,
                              timeout=timedelta(hours=2))
    assert rules.thresholds == (Threshold.PASSWORD, Threshold.CHANNEL, Threshold.SEGMENT, Threshold.SPEND)
    assert parse_config("password=off spend=off", rules).thresholds == (Threshold.CHANNEL, Threshold.SEGMENT)
    cleared = parse_config("off", rules)
    assert cleared.thresholds == () and cleared.mode is Mode.ANY and cleared.timeout == timedelta(hours=2)


@pytest.mark.parametrize("text", ["mode=some", "spend=-1", "spend=1.234", "timeout=0", "timeout=3d", "attempts=0",
                                  'segment="new and"', "colour=red", "password=", "channel=maybe", 'password="x'])
def test_gate_config_errors_name_the_item(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_config(text, GateRules())


def test_money() -> None:
    assert parse_money("199") == 19900 and parse_money("1,299.9") == 129990 and parse_money("0.05") == 5
    assert format_money(129990) == "1,299.90"
    for bad in ("", "-1", "1.", "abc", "1.234"):
        with pytest.raises(ValueError):
            parse_money(bad)


# ---- orders CSV -------------------------------------------------------------------------------------

def test_orders_csv_with_header_blank_lines_and_local_times() -> None:
    rows = parse_orders_csv("\ufefforder_id,amount,currency,paid_at,check\n"
                            "A-1,129.90,cny,2026-01-05 10:00,13800001234\n\n"
                            'B/2,"1,000",USD,2026-01-06T08:00:00+00:00, 12 34 \n', SHANGHAI)
    assert [(r.line, r.order_id, r.amount_cents, r.currency, r.check) for r in rows] == [
        (2, "A-1", 12990, "CNY", "13800001234"), (4, "B/2", 100000, "USD", "1234")]
    assert rows[0].paid_at == datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    assert rows[1].paid_at == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "line", "problem"), [
    ("A,1,CNY,2026-01-01,1\nB,1,CNY,2026-01-01\n", 2, "columns"),
    ("A,1,CNY,2026-01-01,1\n,1,CNY,2026-01-01,1\n", 2, "order-id"),
    ("A,1,CNY,2026-01-01,1\nA,2,CNY,2026-01-02,1\n", 2, "duplicate"),
    ("order_id,amount,currency,paid_at,check\nA,0,CNY,2026-01-01,1\n", 2, "amount"),
    ("A,1e3,CNY,2026-01-01,1\n", 1, "amount"),
    ("A,1,RMB!,2026-01-01,1\n", 1, "currency"),
    ("A,1,CNY,yesterday,1\n", 1, "paid-at"),
    ("A,1,CNY,2026-13-01,1\n", 1, "paid-at"),
    ("A,1,CNY,2026-01-01,  \n", 1, "check"),
    ("order_id,amount,currency,paid_at,check\n\n", 1, "empty"),
])
def test_orders_csv_errors_name_the_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(OrderLineError) as caught:
        parse_orders_csv(text, SHANGHAI)
    assert caught.value.params["line"] == line and caught.value.params["problem"] == problem


def test_review_edge_cases_are_clear_errors_not_crashes() -> None:
    import pytest as _pytest

    from games import gate, orders

    with _pytest.raises(SegmentSyntaxError) as deep:
        segments.parse("(" * 100 + "new" + ")" * 100)
    assert deep.value.params["problem"] == "too-deep"
    assert segments.parse("not not (new)") is not None
    for bad in ("timeout=²", "timeout=99999999999d", "attempts=²", "timeout=" + "9" * 5000):
        with _pytest.raises(ConfigError):
            gate.parse_config(bad, gate.GateRules())
    assert gate.normalize_check("１２３４") == gate.normalize_check("1234")
    utf16 = "T-1,1,CNY,2026-02-01,1\n".encode("utf-16")
    assert orders.decode_csv(utf16).lstrip("\ufeff").startswith("T-1")
    for data in (b"PK\x03\x04\x00\x00binary", b'"unterminated,1,CNY,2026-02-01,1\n' + b"x" * 10):
        with _pytest.raises(OrderLineError) as bad_file:
            orders.parse_orders_csv(orders.decode_csv(data), ZoneInfo("Asia/Shanghai"))
        assert bad_file.value.params["problem"] in ("unreadable", "columns")
