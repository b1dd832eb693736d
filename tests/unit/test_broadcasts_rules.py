"""The broadcast engine's rules: the frequency cap and the policy decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from games import broadcasts as rules
from games.windows import parse_quiet_hours

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
QUIET = parse_quiet_hours("23:00-08:00")
CAP = rules.Cap(2, timedelta(hours=24))


def test_caps_parse() -> None:
    assert rules.parse_cap("1/24h") == rules.Cap(1, timedelta(hours=24))
    assert rules.parse_cap(" 2 / 7d ") == rules.Cap(2, timedelta(days=7))
    assert rules.parse_cap("off").off
    for bad in ("x", "0/24h", "1/0h", "1/24m", "-1/2h", "1/9999d"):
        with pytest.raises(rules.CapError):
            rules.parse_cap(bad)


def test_the_cap_frees_when_the_oldest_counted_message_leaves_the_window() -> None:
    assert rules.cap_frees_at(CAP, [NOW - timedelta(hours=1)], NOW) is None
    sent = [NOW - timedelta(hours=3), NOW - timedelta(hours=1)]
    assert rules.cap_frees_at(CAP, sent, NOW) == NOW + timedelta(hours=21)
    assert rules.cap_frees_at(rules.parse_cap("off"), sent * 5, NOW) is None


def _facts(**changes: object) -> rules.Facts:
    base: dict[str, object] = {"private": True, "capped": True, "quiet": True, "planned_at": NOW, "started": True}
    base.update(changes)
    return rules.Facts(**base)  # type: ignore[arg-type]


def test_decisions() -> None:
    local = NOW  # 10:00 (local = UTC here): not quiet
    assert rules.decide(_facts(), now=NOW, cap=CAP, quiet_hours=QUIET, local=local) == rules.Send()
    assert rules.decide(_facts(private=False, group_removed=True), now=NOW, cap=CAP, quiet_hours=QUIET,
                        local=local) == rules.Skip("removed")
    assert rules.decide(_facts(started=False), now=NOW, cap=CAP, quiet_hours=QUIET,
                        local=local) == rules.Delay(NOW + rules.START_WAIT, "start")
    assert rules.decide(_facts(started=False), now=NOW + rules.START_WAIT, cap=CAP, quiet_hours=QUIET,
                        local=local) == rules.Skip("not_started")
    assert rules.decide(_facts(blocked=True), now=NOW, cap=CAP, quiet_hours=QUIET, local=local) == rules.Skip("blocked")
    assert rules.decide(_facts(promos_off=True), now=NOW, cap=CAP, quiet_hours=QUIET,
                        local=local) == rules.Skip("opted_out")
    assert rules.decide(_facts(promos_off=True, capped=False), now=NOW, cap=CAP, quiet_hours=QUIET,
                        local=local) == rules.Send()  # an opt-out is from campaigns only
    full = [NOW - timedelta(hours=2), NOW - timedelta(hours=1)]
    assert rules.decide(_facts(cap_sent=full), now=NOW, cap=CAP, quiet_hours=QUIET,
                        local=local) == rules.Delay(NOW + timedelta(hours=22), "cap")
    late = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert rules.decide(_facts(), now=late, cap=CAP, quiet_hours=QUIET,
                        local=late) == rules.Delay(datetime(2026, 3, 3, 8, 0, tzinfo=UTC), "quiet")
    assert rules.decide(_facts(quiet=False), now=late, cap=CAP, quiet_hours=QUIET, local=late) == rules.Send()


def test_retries_back_off() -> None:
    assert [rules.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 120, 480]
