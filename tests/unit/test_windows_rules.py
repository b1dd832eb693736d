"""When to post: engagement windows, ``at=`` and quiet hours (games/windows.py)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from games.windows import AtError, AtPast, QuietHours, next_window_start, parse_at, parse_quiet_hours

TZ = ZoneInfo("Asia/Shanghai")


def local(h: int, m: int = 0, day: int = 30) -> datetime:
    return datetime(2026, 11, day, h, m, tzinfo=TZ)


@pytest.mark.parametrize(("now", "expected"), [
    (local(7, 0), local(8, 0)),
    (local(8, 30), local(8, 30)),
    (local(10, 0), local(13, 0)),
    (local(14, 5), local(18, 30)),
    (local(19, 29), local(19, 29)),
    (local(20, 0), local(22, 0)),
    (local(23, 0), datetime(2026, 12, 1, 8, 0, tzinfo=TZ)),
])
def test_best_is_now_inside_a_window_else_the_next_start(now: datetime, expected: datetime) -> None:
    assert next_window_start(now) == expected


def test_at_forms() -> None:
    now = local(12, 0)
    assert parse_at("now", now).now
    assert parse_at("best", now).moment == local(13, 0)
    assert parse_at("15:30", now).moment == local(15, 30)
    assert parse_at("09:00", now).moment == local(9, 0) + timedelta(days=1)
    assert parse_at("2026-12-24 20:00", now).moment == datetime(2026, 12, 24, 20, 0, tzinfo=TZ)
    with pytest.raises(AtPast):
        parse_at("2026-11-01 10:00", now)
    for bad in ("25:00", "tomorrow", "2026-02-30 10:00", "9", "2030-01-01 10:00"):
        with pytest.raises(AtError):
            parse_at(bad, now)


def test_quiet_hours_across_midnight() -> None:
    quiet = parse_quiet_hours("23:00-08:00")
    assert quiet == QuietHours(time(23), time(8))
    assert quiet.contains(local(23, 30)) and quiet.contains(local(7, 59)) and not quiet.contains(local(8, 0))
    assert quiet.ends_after(local(23, 30)) == datetime(2026, 12, 1, 8, 0, tzinfo=TZ)
    assert quiet.ends_after(local(3, 0)) == local(8, 0)
    assert quiet.ends_after(local(12, 0)) == local(12, 0)
    assert not parse_quiet_hours("off").contains(local(3, 0))
