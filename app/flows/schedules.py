"""Schedule triggers: the occurrence kinds, their cron form and description, next fire times and due checks (UTC)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from babel.dates import get_day_names, get_month_names
from croniter import CroniterBadDateError, croniter

from app.markers import gettext, locale, ngettext

KINDS = ("minutes", "hourly", "daily", "monthly", "advanced")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
FIRST_RUN_WINDOW = timedelta(seconds=60)

_KIND_ALIASES = {"minute": "minutes", "every_minutes": "minutes", "hour": "hourly", "hours": "hourly",
                 "day": "daily", "days": "daily", "weekly": "daily", "month": "monthly",
                 "cron": "advanced", "custom": "advanced"}
_CRON_DOW = {name: (i + 1) % 7 for i, name in enumerate(WEEKDAYS)}  # cron counts Sunday as 0


class ScheduleError(ValueError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass
class Schedule:
    kind: str
    every: int | None = None
    minute: int | None = None
    hour: int | None = None
    weekdays: list[str] | None = None
    day: int | list[int] | str | None = None
    cron: str | None = None
    months: list[int] | None = field(default=None)

    @classmethod
    def from_dict(cls, data: dict) -> Schedule:
        values, errors = _normalize(data)
        if errors:
            raise ScheduleError(errors)
        return cls(**values)

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
        out["cron_string"] = to_cron(self)  # the shape flow exports carry (`schedules: [{cron_string}]`)
        return out


def default_schedule() -> Schedule:
    """What a new flow's trigger starts with."""
    return Schedule("hourly", every=1, minute=0)


# --- normalising and validating ---------------------------------------------------------------

def _int(data: dict, key: str, low: int, high: int, errors: list[str], default: Any = None) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        if default is None:
            errors.append(gettext("%(field)s is required", field=key))
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if type(value) is not int or not low <= value <= high:
        errors.append(gettext("%(field)s must be a whole number from %(low)d to %(high)d, not %(value)s",
                              field=key, low=low, high=high, value=repr(value)))
        return None
    return value


def _weekdays(value: Any, errors: list[str]) -> list[str] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    out: set[str] = set()
    for item in items if isinstance(items, (list, tuple)) else [items]:
        if isinstance(item, str) and item.strip()[:3].lower() in WEEKDAYS:
            out.add(item.strip()[:3].lower())
        elif type(item) is int and 0 <= item <= 7:
            out.add(WEEKDAYS[(item - 1) % 7])  # cron numbering: 0 and 7 are Sunday
        else:
            errors.append(gettext("weekdays: %(item)s is not a day of the week", item=repr(item)))
    if not out and not errors:
        errors.append(gettext("weekdays: choose at least one day"))
    return [d for d in WEEKDAYS if d in out]


def _day(value: Any, errors: list[str]) -> int | list[int] | str | None:
    if value is None or value == "" or value == []:
        errors.append(gettext("day is required"))
        return None
    if isinstance(value, str) and value.strip().lower() in ("last", "l"):
        return "last"
    items = value.split(",") if isinstance(value, str) else value
    items = items if isinstance(items, (list, tuple)) else [items]
    days: set[int] = set()
    for item in items:
        if isinstance(item, str) and item.strip().isdigit():
            item = int(item)
        if type(item) is not int or not 1 <= item <= 31:
            errors.append(gettext("day must be 1 to 31 or 'last', not %(item)s", item=repr(item)))
        else:
            days.add(item)
    if not days:
        return None
    ordered = sorted(days)
    return ordered[0] if len(ordered) == 1 else ordered


def _months(value: Any, errors: list[str]) -> list[int] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    out: set[int] = set()
    for item in items if isinstance(items, (list, tuple)) else [items]:
        if isinstance(item, str) and item.strip()[:3].lower() in MONTHS:
            out.add(MONTHS.index(item.strip()[:3].lower()) + 1)
        elif type(item) is int and 1 <= item <= 12:
            out.add(item)
        else:
            errors.append(gettext("months: %(item)s is not a month", item=repr(item)))
    if not out and not errors:
        errors.append(gettext("months: choose at least one month"))
    return sorted(out)


def cron_errors(expr: Any) -> list[str]:
    if not isinstance(expr, str) or not expr.strip():
        return [gettext("cron expression is required")]
    parts = expr.split()
    if len(parts) != 5:
        return [gettext("cron needs exactly 5 fields (minute hour day-of-month month day-of-week), got %(num)d",
                        num=len(parts))]
    if not croniter.is_valid(expr):
        return [gettext("%(cron)s is not a valid cron expression", cron=repr(expr))]
    try:
        croniter(expr, datetime(2000, 1, 1, tzinfo=UTC)).get_next(datetime)
    except CroniterBadDateError:
        return [gettext("%(cron)s never fires", cron=repr(expr))]
    return []


def _normalize(data: Any) -> tuple[dict, list[str]]:
    if not isinstance(data, dict):
        return {}, [gettext("a schedule must be an object")]
    # A bare {"cron": ...} or {"cron_string": ...} (flow exports, the scheduler's rows) is advanced.
    implied = "advanced" if data.get("cron_string") or data.get("cron") else ""
    kind = str(data.get("kind") or implied).strip().lower()
    kind = _KIND_ALIASES.get(kind, kind)
    if kind not in KINDS:
        return {}, [gettext("unknown schedule kind %(kind)s (expected one of: %(kinds)s)",
                            kind=repr(data.get("kind")), kinds=", ".join(KINDS))]
    data = dict(data)
    if isinstance(data.get("time"), str) and ":" in data["time"]:
        data.setdefault("hour", data["time"].split(":")[0])
        data.setdefault("minute", data["time"].split(":")[1])
    errors: list[str] = []
    values: dict[str, Any] = {"kind": kind}
    if kind == "minutes":
        values["every"] = _int(data, "every", 1, 59, errors)
    elif kind == "hourly":
        values["every"] = _int(data, "every", 1, 23, errors, default=1)
        values["minute"] = _int(data, "minute", 0, 59, errors, default=0)
    elif kind in ("daily", "monthly"):
        values["hour"] = _int(data, "hour", 0, 23, errors)
        values["minute"] = _int(data, "minute", 0, 59, errors, default=0)
        if kind == "daily":
            values["weekdays"] = _weekdays(data.get("weekdays"), errors)
        else:
            values["day"] = _day(data.get("day"), errors)
            values["months"] = _months(data.get("months"), errors)
    else:
        expr = data.get("cron") or data.get("cron_string")
        errors += cron_errors(expr)
        values["cron"] = " ".join(expr.split()) if isinstance(expr, str) else expr
    return values, errors


def validate_schedule(data: dict) -> list[str]:
    return _normalize(data)[1]


# --- cron and descriptions ---------------------------------------------------------------------

def _as_schedule(schedule: Schedule | dict) -> Schedule:
    return schedule if isinstance(schedule, Schedule) else Schedule.from_dict(schedule)


def to_cron(schedule: Schedule | dict) -> str:
    s = _as_schedule(schedule)
    if s.kind == "minutes":
        return "* * * * *" if s.every == 1 else f"*/{s.every} * * * *"
    if s.kind == "hourly":
        return f"{s.minute} * * * *" if s.every == 1 else f"{s.minute} */{s.every} * * *"
    if s.kind == "daily":
        days = "*" if not s.weekdays or len(s.weekdays) == 7 else ",".join(
            str(_CRON_DOW[d]) for d in s.weekdays)
        return f"{s.minute} {s.hour} * * {days}"
    if s.kind == "monthly":
        dom = "L" if s.day == "last" else ",".join(str(d) for d in (s.day if isinstance(s.day, list) else [s.day]))
        months = "*" if not s.months or len(s.months) == 12 else ",".join(str(m) for m in s.months)
        return f"{s.minute} {s.hour} {dom} {months} *"
    return " ".join(str(s.cron).split())


def _clock(hour: int, minute: int) -> str:
    return gettext("%(hour)02d:%(minute)02d UTC", hour=hour, minute=minute)


def weekday_names() -> dict[str, str]:
    """The short weekday names in the current language (Babel's data), by WEEKDAYS key."""
    names = get_day_names("abbreviated", locale=locale())
    return {day: names[i] for i, day in enumerate(WEEKDAYS)}  # Babel counts Monday as 0 too


def month_names() -> dict[int, str]:
    """The short month names in the current language, by month number."""
    return dict(get_month_names("abbreviated", locale=locale()))


def _listed(items) -> str:
    return ", ".join(str(item) for item in items)


def describe(schedule: Schedule | dict) -> str:
    """The schedule in a sentence of the current language (English in the worker)."""
    s = _as_schedule(schedule)
    if s.kind == "minutes":
        if 60 % s.every == 0:
            return ngettext("Every minute", "Every %(num)d minutes", s.every)
        # Cron steps restart each hour, so an interval that does not divide 60 is uneven.
        marks = _listed(f":{m:02d}" for m in range(0, 60, s.every))
        return gettext("Every %(num)d minutes within each hour (at %(marks)s)", num=s.every, marks=marks)
    if s.kind == "hourly":
        if s.every == 1:
            return gettext("Every hour at :%(minute)02d", minute=s.minute)
        if 24 % s.every == 0:
            return gettext("Every %(num)d hours at :%(minute)02d", num=s.every, minute=s.minute)
        marks = _listed(f"{h:02d}:{s.minute:02d}" for h in range(0, 24, s.every))
        return gettext("Every %(num)d hours within each day (at %(marks)s UTC)", num=s.every, marks=marks)
    if s.kind == "daily":
        if not s.weekdays or len(s.weekdays) == 7:
            return gettext("Daily at %(time)s", time=_clock(s.hour, s.minute))
        names = weekday_names()
        return gettext("Daily on %(days)s at %(time)s", days=_listed(names[d] for d in s.weekdays),
                       time=_clock(s.hour, s.minute))
    if s.kind == "monthly":
        days = s.day if isinstance(s.day, list) else [s.day]
        when = gettext("the last day") if s.day == "last" else ngettext("day %(days)s", "days %(days)s", len(days),
                                                                         days=_listed(days))
        time = _clock(s.hour, s.minute)
        if not s.months or len(s.months) == 12:
            text = gettext("Monthly on %(when)s at %(time)s", when=when, time=time)
        else:
            names = month_names()
            text = gettext("Monthly on %(when)s in %(months)s at %(time)s", when=when, time=time,
                           months=_listed(names[m] for m in s.months))
        if s.day != "last" and max(days) > 28:
            text = gettext("%(schedule)s (skipped in months without that day)", schedule=text)
        return text
    return gettext("Cron %(cron)s (UTC)", cron=to_cron(s))


# --- firing ---------------------------------------------------------------------------------------

def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def next_fire_times(schedules: Iterable[Schedule | dict], after: datetime, n: int = 5) -> list[datetime]:
    """The next n fire times strictly after `after`, across all schedules, merged and de-duplicated."""
    start = _utc(after)
    found: set[datetime] = set()
    for schedule in schedules:
        ticks = croniter(to_cron(schedule), start)
        try:
            for _ in range(max(n, 0)):
                found.add(ticks.get_next(datetime))
        except CroniterBadDateError:
            continue
    return sorted(found)[:max(n, 0)]


def latest_tick(schedules: Iterable[Schedule | dict], last_fired: datetime | None,
                now: datetime) -> datetime | None:
    """The most recent fire time in (last_fired, now], or None; record it as the new last_fired."""
    now = _utc(now)
    since = _utc(last_fired) if last_fired is not None else now - FIRST_RUN_WINDOW
    best: datetime | None = None
    for schedule in schedules:
        ticks = croniter(to_cron(schedule), now + timedelta(microseconds=1))
        try:
            tick = ticks.get_prev(datetime)
        except CroniterBadDateError:
            continue
        if since < tick <= now and (best is None or tick > best):
            best = tick
    return best


def due(schedules: Iterable[Schedule | dict], last_fired: datetime | None, now: datetime) -> bool:
    """True when at least one tick fell in (last_fired, now]; however many were missed, it is one run."""
    return latest_tick(schedules, last_fired, now) is not None
