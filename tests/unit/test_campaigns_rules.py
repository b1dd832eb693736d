"""Recurring posts, campaigns and repurchase reminders: the rules (pure; local times in a fixed
time zone with no daylight saving, and one with it)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from games import campaigns as rules
from games.campaigns import Recurrence, last_run, next_run

SHANGHAI = ZoneInfo("Asia/Shanghai")  # no daylight saving
BERLIN = ZoneInfo("Europe/Berlin")


def local(*parts: int, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(*parts, tzinfo=tz)  # type: ignore[misc]


# ---- next and last runs -------------------------------------------------------------------------------

def test_a_daily_post_runs_later_today_or_tomorrow() -> None:
    rule = Recurrence(time(10, 0))
    assert next_run(rule, local(2026, 3, 2, 9, 0)) == local(2026, 3, 2, 10, 0)
    assert next_run(rule, local(2026, 3, 2, 10, 0)) == local(2026, 3, 3, 10, 0)  # strictly after
    assert next_run(rule, local(2026, 3, 2, 23, 59)) == local(2026, 3, 3, 10, 0)
    # Across a month's and a year's end.
    assert next_run(rule, local(2026, 2, 28, 11, 0)) == local(2026, 3, 1, 10, 0)
    assert next_run(rule, local(2026, 12, 31, 11, 0)) == local(2027, 1, 1, 10, 0)


def test_a_weekly_post_runs_on_its_day() -> None:
    friday = Recurrence(time(18, 30), weekday=4)
    monday = local(2026, 3, 2, 9, 0)  # 2026-03-02 is a Monday
    assert monday.weekday() == 0
    assert next_run(friday, monday) == local(2026, 3, 6, 18, 30)
    assert next_run(friday, local(2026, 3, 6, 18, 0)) == local(2026, 3, 6, 18, 30)
    assert next_run(friday, local(2026, 3, 6, 18, 30)) == local(2026, 3, 13, 18, 30)  # a week later
    assert next_run(Recurrence(time(8, 0), weekday=0), local(2026, 3, 8, 23, 0)) == local(2026, 3, 9, 8, 0)


def test_the_last_run_is_the_one_a_firing_is_for() -> None:
    daily = Recurrence(time(10, 0))
    assert last_run(daily, local(2026, 3, 2, 10, 0)) == local(2026, 3, 2, 10, 0)
    assert last_run(daily, local(2026, 3, 2, 10, 0, 3)) == local(2026, 3, 2, 10, 0)  # fired 3 s late
    assert last_run(daily, local(2026, 3, 2, 9, 59)) == local(2026, 3, 1, 10, 0)
    friday = Recurrence(time(18, 30), weekday=4)
    assert last_run(friday, local(2026, 3, 6, 18, 31)) == local(2026, 3, 6, 18, 30)
    assert last_run(friday, local(2026, 3, 6, 18, 29)) == local(2026, 2, 27, 18, 30)
    assert last_run(friday, local(2026, 3, 9, 8, 0)) == local(2026, 3, 6, 18, 30)


def test_runs_keep_the_wall_clock_time_across_daylight_saving() -> None:
    rule = Recurrence(time(10, 0))
    before = local(2026, 3, 28, 12, 0, tz=BERLIN)  # the clocks go forward on 2026-03-29
    run = next_run(rule, before)
    assert run == local(2026, 3, 29, 10, 0, tz=BERLIN)
    assert run.utcoffset() == timedelta(hours=2) and before.utcoffset() == timedelta(hours=1)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
       st.integers(0, 23), st.integers(0, 59), st.one_of(st.none(), st.integers(0, 6)))
def test_next_and_last_runs_bracket_any_moment(moment: datetime, hour: int, minute: int, weekday: int | None) -> None:
    now = moment.replace(tzinfo=SHANGHAI)
    rule = Recurrence(time(hour, minute), weekday)
    after, before = next_run(rule, now), last_run(rule, now)
    assert before <= now < after
    period = timedelta(days=1 if weekday is None else 7)
    assert after - before == period
    for run in (after, before):
        assert run.time() == time(hour, minute)
        assert weekday is None or run.weekday() == weekday


# ---- /schedule add --------------------------------------------------------------------------------------

NOW = local(2026, 3, 2, 11, 0)


def test_schedule_lines_parse() -> None:
    post = rules.parse_schedule_add("daily 10:00 Today's deal:\n<b>tea</b> & cups", NOW)
    assert post.recurrence == Recurrence(time(10, 0)) and post.labels == ()
    assert post.text == "Today's deal:\n<b>tea</b> & cups"  # kept as typed; escaped when shown
    weekly = rules.parse_schedule_add("weekly FRI 9:05 New week! to=vip,Deals", NOW)
    assert weekly.recurrence == Recurrence(time(9, 5), weekday=4) and weekly.labels == ("vip", "deals")
    assert weekly.text == "New week!"
    assert rules.parse_schedule_add("weekly 周日 20:00 周末特惠 to=all", NOW).recurrence.weekday == 6
    assert rules.parse_schedule_add("weekly 星期三 20:00 x", NOW).recurrence.weekday == 2


def test_best_is_the_next_engagement_window_start() -> None:
    best = rules.parse_schedule_add("daily best Good afternoon", NOW)  # 11:00: the next window is 13:00
    assert best.recurrence == Recurrence(time(13, 0), best=True)
    evening = rules.parse_schedule_add("weekly sat best x", local(2026, 3, 2, 20, 0))
    assert evening.recurrence == Recurrence(time(22, 0), weekday=5, best=True)
    # Inside a window: the next minute, so today's post still goes out within it.
    inside = rules.parse_schedule_add("daily best x", local(2026, 3, 2, 8, 30, 20))
    assert inside.recurrence.at == time(8, 31)


@pytest.mark.parametrize(("line", "error"), [
    ("", rules.ScheduleError), ("hourly 10:00 x", rules.ScheduleError), ("daily", rules.ScheduleError),
    ("daily 10:00", rules.EmptyText), ("daily 10:00   to=vip", rules.EmptyText), ("daily 25:00 x", rules.BadTime),
    ("daily 10h x", rules.BadTime), ("weekly 10:00 x", rules.BadDay), ("weekly funday 10:00 x", rules.BadDay),
    ("weekly fri", rules.ScheduleError), ("daily 10:00 x to=", rules.BadTargets),
    ("daily 10:00 x to=<b>", rules.BadTargets), ("daily 10:00 x to=a,b,c,d,e,f,g,h,i,j,k", rules.BadTargets),
    ("daily 10:00 " + "x" * (rules.MAX_TEXT + 1), rules.TextTooLong),
])
def test_bad_schedule_lines_are_refused_with_their_reason(line: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        rules.parse_schedule_add(line, NOW)


# ---- /campaign -------------------------------------------------------------------------------------------

def test_campaign_lines_parse() -> None:
    spec = rules.parse_campaign("dormant and not tag:staff | Hello again!\nNew teas are in.")
    assert spec.segment == "dormant and not tag:staff" and spec.texts == ("Hello again!\nNew teas are in.",)
    assert spec.at is None and not spec.wakeup
    assert rules.parse_campaign("tag:vip | Hi at=21:00").at == "21:00"
    assert rules.parse_campaign("tag:vip | Hi | at=2026-03-05 10:00").at == "2026-03-05 10:00"
    assert rules.parse_campaign("tag:vip | A | B").texts == ("A | B",)  # the text may hold a bar


def test_wakeup_lines_parse_and_space_their_two_messages() -> None:
    spec = rules.parse_campaign("wakeup dormant | We miss you | 20% off this week")
    assert spec.wakeup and spec.segment == "dormant" and spec.texts == ("We miss you", "20% off this week")
    assert spec.after == rules.AFTER_DEFAULT == timedelta(days=2)
    spaced = rules.parse_campaign("wakeup dormant | A | B after=36h at=best")
    assert spaced.after == timedelta(hours=36) and spaced.at == "best"
    first = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert rules.wakeup_times(first, spaced.after) == (first, first + timedelta(hours=36))


@pytest.mark.parametrize(("line", "error"), [
    ("", rules.CampaignError), ("dormant", rules.CampaignError), (" | hi", rules.CampaignError),
    ("dormant |   ", rules.CampaignTextEmpty), ("dormant | at=10:00", rules.CampaignError),
    ("dormant | hi after=2d", rules.BadOption), ("dormant | hi at=10:00 at=11:00", rules.BadOption),
    ("dormant | hi at=", rules.BadOption), ("wakeup dormant | A", rules.CampaignError),
    ("wakeup dormant | A | B after=0d", rules.BadAfter), ("wakeup dormant | A | B after=31d", rules.BadAfter),
    ("wakeup dormant | A | B after=soon", rules.BadAfter), ("wakeup dormant | | B", rules.CampaignTextEmpty),
    ("dormant | " + "x" * (rules.MAX_TEXT + 1), rules.CampaignTextTooLong),
])
def test_bad_campaign_lines_are_refused_with_their_reason(line: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        rules.parse_campaign(line)


# ---- repurchase reminders --------------------------------------------------------------------------------

def test_a_reminder_is_due_once_the_cycle_has_passed_for_a_while() -> None:
    paid = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def due(now: datetime) -> bool:
        after, until = rules.reminder_window(30, now)
        return after < paid <= until

    assert not due(paid + timedelta(days=30) - timedelta(seconds=1))
    assert due(paid + timedelta(days=30))
    assert due(paid + timedelta(days=30) + rules.REMIND_LATE - timedelta(seconds=1))
    assert not due(paid + timedelta(days=30) + rules.REMIND_LATE)


def test_a_campaign_text_is_measured_as_telegram_counts_so_it_is_always_one_message() -> None:
    from games.campaigns import MAX_TEXT, CampaignTextTooLong, parse_campaign, telegram_units

    assert telegram_units("😀") == 2 and telegram_units("茶") == 1
    parse_campaign("all | " + "😀" * (MAX_TEXT // 2))
    with pytest.raises(CampaignTextTooLong):
        parse_campaign("all | " + "😀" * (MAX_TEXT // 2 + 1))
