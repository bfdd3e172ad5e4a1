"""Schedule triggers: kinds, cron, descriptions, validation, next fire times, and firing once after downtime."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.flows.schedules import (
    Schedule,
    ScheduleError,
    default_schedule,
    describe,
    due,
    latest_tick,
    next_fire_times,
    to_cron,
    validate_schedule,
)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("data,cron,text", [
    ({"kind": "minutes", "every": 15}, "*/15 * * * *", "Every 15 minutes"),
    ({"kind": "minutes", "every": 1}, "* * * * *", "Every minute"),
    ({"kind": "minutes", "every": 45}, "*/45 * * * *", "Every 45 minutes within each hour (at :00, :45)"),
    ({"kind": "hourly", "every": 1, "minute": 5}, "5 * * * *", "Every hour at :05"),
    ({"kind": "hourly", "every": 6, "minute": 0}, "0 */6 * * *", "Every 6 hours at :00"),
    ({"kind": "hourly", "every": 5, "minute": 30}, "30 */5 * * *",
     "Every 5 hours within each day (at 00:30, 05:30, 10:30, 15:30, 20:30 UTC)"),
    ({"kind": "daily", "weekdays": ["wed", "mon"], "hour": 9, "minute": 30}, "30 9 * * 1,3",
     "Daily on Mon, Wed at 09:30 UTC"),
    ({"kind": "daily", "hour": 0, "minute": 0}, "0 0 * * *", "Daily at 00:00 UTC"),
    ({"kind": "daily", "weekdays": ["Sunday", "sat"], "time": "23:59"}, "59 23 * * 6,0",
     "Daily on Sat, Sun at 23:59 UTC"),
    ({"kind": "monthly", "day": 1, "hour": 6, "minute": 0}, "0 6 1 * *", "Monthly on day 1 at 06:00 UTC"),
    ({"kind": "monthly", "day": [15, 1], "hour": 6}, "0 6 1,15 * *", "Monthly on days 1, 15 at 06:00 UTC"),
    ({"kind": "monthly", "day": "last", "hour": 18, "months": ["jan", 7]}, "0 18 L 1,7 *",
     "Monthly on the last day in Jan, Jul at 18:00 UTC"),
    ({"kind": "monthly", "day": 31, "hour": 1}, "0 1 31 * *",
     "Monthly on day 31 at 01:00 UTC (skipped in months without that day)"),
    ({"kind": "advanced", "cron": "0  9 * * 1-5"}, "0 9 * * 1-5", "Cron 0 9 * * 1-5 (UTC)"),
])
def test_kinds_cron_and_descriptions(data, cron, text):
    schedule = Schedule.from_dict(data)
    assert to_cron(schedule) == cron
    assert describe(schedule) == text
    assert Schedule.from_dict(schedule.to_dict()) == schedule
    assert schedule.to_dict()["cron_string"] == cron


def test_form_strings_and_cron_weekday_numbers_are_accepted():
    s = Schedule.from_dict({"kind": "Daily", "weekdays": "mon,fri", "hour": "07", "minute": "5"})
    assert (s.hour, s.minute, s.weekdays) == (7, 5, ["mon", "fri"])
    assert Schedule.from_dict({"kind": "daily", "weekdays": [0, 7, 1], "hour": 1}).weekdays == ["mon", "sun"]


def test_exports_with_only_a_cron_string_are_advanced():
    assert Schedule.from_dict({"cron_string": "*/5 * * * *"}) == Schedule("advanced", cron="*/5 * * * *")
    assert Schedule.from_dict({"cron": "0 * * * *"}).kind == "advanced"


def test_default_schedule_is_hourly():
    assert to_cron(default_schedule()) == "0 * * * *"
    assert default_schedule() is not default_schedule()


@pytest.mark.parametrize("data,fragment", [
    ({"kind": "yearly"}, "unknown schedule kind"),
    ("daily", "must be an object"),
    ({"kind": "minutes"}, "every is required"),
    ({"kind": "minutes", "every": 0}, "from 1 to 59"),
    ({"kind": "minutes", "every": 60}, "from 1 to 59"),
    ({"kind": "minutes", "every": True}, "from 1 to 59"),
    ({"kind": "hourly", "every": 24}, "from 1 to 23"),
    ({"kind": "hourly", "minute": 60}, "from 0 to 59"),
    ({"kind": "daily", "minute": 0}, "hour is required"),
    ({"kind": "daily", "hour": 24}, "from 0 to 23"),
    ({"kind": "daily", "hour": 1, "weekdays": ["funday"]}, "not a day of the week"),
    ({"kind": "daily", "hour": 1, "weekdays": []}, "at least one day"),
    ({"kind": "monthly", "hour": 1}, "day is required"),
    ({"kind": "monthly", "hour": 1, "day": 32}, "1 to 31"),
    ({"kind": "monthly", "hour": 1, "day": 1, "months": [13]}, "not a month"),
    ({"kind": "advanced"}, "cron expression is required"),
    ({"kind": "advanced", "cron": "0 0 * * * *"}, "exactly 5 fields"),
    ({"kind": "advanced", "cron": "@hourly"}, "exactly 5 fields"),
    ({"kind": "advanced", "cron": "61 * * * *"}, "not a valid cron"),
    ({"kind": "advanced", "cron": "0 0 30 2 *"}, "never fires"),
])
def test_validation(data, fragment):
    errors = validate_schedule(data)
    assert errors and fragment in " ".join(errors)
    with pytest.raises(ScheduleError):
        Schedule.from_dict(data)


def test_valid_schedules_have_no_errors():
    assert validate_schedule({"kind": "hourly"}) == []
    assert validate_schedule({"kind": "monthly", "day": "L", "time": "00:00"}) == []


# --- next fire times -------------------------------------------------------------------------------

def test_next_fire_times_merge_deduplicate_and_sort():
    schedules = [Schedule("minutes", every=30), Schedule("hourly", every=1, minute=0)]
    assert next_fire_times(schedules, at(2024, 1, 1, 10, 0), n=4) == [
        at(2024, 1, 1, 10, 30), at(2024, 1, 1, 11, 0), at(2024, 1, 1, 11, 30), at(2024, 1, 1, 12, 0)]


def test_next_fire_times_are_strictly_after_and_utc():
    times = next_fire_times([{"kind": "daily", "hour": 9, "minute": 30}], datetime(2024, 1, 1, 9, 30), n=2)
    assert times == [at(2024, 1, 2, 9, 30), at(2024, 1, 3, 9, 30)]
    assert all(t.tzinfo is not None for t in times)


def test_next_fire_times_convert_other_timezones():
    plus_two = datetime(2024, 1, 1, 13, 0, tzinfo=timezone(timedelta(hours=2)))  # 11:00 UTC
    assert next_fire_times([Schedule("hourly", every=1, minute=0)], plus_two, n=1) == [at(2024, 1, 1, 12, 0)]


def test_forty_five_minutes_fires_at_zero_and_forty_five():
    times = next_fire_times([Schedule("minutes", every=45)], at(2024, 1, 1, 9, 50), n=3)
    assert times == [at(2024, 1, 1, 10, 0), at(2024, 1, 1, 10, 45), at(2024, 1, 1, 11, 0)]


def test_last_day_of_month_and_leap_years():
    times = next_fire_times([{"kind": "monthly", "day": "last", "hour": 0}], at(2024, 1, 31, 1), n=2)
    assert times == [at(2024, 2, 29), at(2024, 3, 31)]


def test_zero_and_no_schedules():
    assert next_fire_times([Schedule("minutes", every=5)], at(2024, 1, 1), n=0) == []
    assert next_fire_times([], at(2024, 1, 1)) == []


# --- due -------------------------------------------------------------------------------------------

EVERY_15 = [Schedule("minutes", every=15)]


def test_due_when_a_tick_passed_since_last_fired():
    assert due(EVERY_15, last_fired=at(2024, 1, 1, 10, 0), now=at(2024, 1, 1, 10, 15))
    assert not due(EVERY_15, last_fired=at(2024, 1, 1, 10, 0), now=at(2024, 1, 1, 10, 14, 59))
    assert not due(EVERY_15, last_fired=at(2024, 1, 1, 10, 15), now=at(2024, 1, 1, 10, 15))


def test_after_downtime_a_missed_schedule_fires_once():
    last = at(2024, 1, 1, 10, 0)
    now = at(2024, 1, 1, 13, 7)  # twelve ticks were missed
    assert due(EVERY_15, last, now)
    tick = latest_tick(EVERY_15, last, now)
    assert tick == at(2024, 1, 1, 13, 0)
    # The scheduler records that tick; nothing more is due until the next one.
    assert not due(EVERY_15, tick, now)
    assert due(EVERY_15, tick, at(2024, 1, 1, 13, 15))


def test_never_fired_looks_back_one_minute_only():
    assert due(EVERY_15, None, at(2024, 1, 1, 10, 15, 30))
    assert not due(EVERY_15, None, at(2024, 1, 1, 10, 16, 1))


def test_any_schedule_makes_the_trigger_due():
    schedules = [Schedule("daily", hour=9, minute=0), Schedule("hourly", every=1, minute=30)]
    assert latest_tick(schedules, at(2024, 1, 1, 9, 10), at(2024, 1, 1, 9, 40)) == at(2024, 1, 1, 9, 30)
    assert latest_tick(schedules, at(2024, 1, 1, 8, 50), at(2024, 1, 1, 9, 40)) == at(2024, 1, 1, 9, 30)
    assert latest_tick(schedules, at(2024, 1, 1, 8, 50), at(2024, 1, 1, 9, 20)) == at(2024, 1, 1, 9, 0)


def test_clock_going_backwards_is_not_due():
    assert not due(EVERY_15, at(2024, 1, 1, 11), at(2024, 1, 1, 10, 30))


def test_naive_times_are_utc():
    assert due(EVERY_15, datetime(2024, 1, 1, 10, 0), datetime(2024, 1, 1, 10, 15))
