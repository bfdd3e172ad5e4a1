"""Date parsing, PHP-style date formatting and date arithmetic for the map's date transforms."""
from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as du_parser
from dateutil.relativedelta import relativedelta


class DateError(ValueError):
    """A date value or setting that cannot be used; the message names the offending text."""


# Names are what the settings form shows; values are PHP date() format strings.
PREDEFINED_FORMATS: dict[str, str] = {
    "iso8601": "Y-m-d\\TH:i:sP",
    "iso8601_zulu": "Y-m-d\\TH:i:s\\Z",
    "iso8601_ms": "Y-m-d\\TH:i:s.vP",
    "date": "Y-m-d",
    "datetime": "Y-m-d H:i:s",
    "time": "H:i:s",
    "uk_date": "d/m/Y",
    "uk_datetime": "d/m/Y H:i",
    "us_date": "m/d/Y",
    "us_datetime": "m/d/Y g:i A",
    "rfc2822": "D, d M Y H:i:s O",
    "http": "D, d M Y H:i:s \\G\\M\\T",
    "long": "l, jS F Y",
    "compact": "YmdHis",
    "unix": "U",
    "unix_ms": "Uv",
}
# Formats that only make sense in UTC; the formatter converts before rendering.
_UTC_FORMATS = {"iso8601_zulu", "http"}

# English names fixed here: calendar.day_name follows the process locale.
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("", "January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December")

UNITS = ("second", "minute", "hour", "day", "week", "month", "year")
_EPOCH_MS_THRESHOLD = 100_000_000_000  # 1e11 s is year 5138, so bigger numbers are milliseconds


@lru_cache(maxsize=512)
def get_zone(name: str | None) -> Any:
    """A tzinfo for an IANA name, 'UTC', or a fixed offset like '+02:00'. Blank means UTC."""
    if not name or name.strip().upper() in ("UTC", "Z", "GMT"):
        return UTC
    name = name.strip()
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", name)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DateError(f"'{name}' is not a time zone (use a name like Europe/London "
                        "or an offset like +02:00)") from None


def parse_date(value: Any, *, tz: Any = UTC, dayfirst: bool = False) -> datetime:
    """An aware datetime from ISO 8601 / common text, epoch seconds or ms, or date/datetime objects.

    Naive input is taken to be in `tz`.
    """
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, bool):
        raise DateError(f"{value!r} is not a date")
    elif isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise DateError(f"{value!r} is not a date")
        seconds = value / 1000 if abs(value) >= _EPOCH_MS_THRESHOLD else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise DateError(f"{value!r} is out of the supported date range") from None
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise DateError("an empty text is not a date")
        if re.fullmatch(r"-?\d{9,14}(\.\d+)?", text):
            return parse_date(float(text) if "." in text else int(text), tz=tz)
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            if len(text) > 200:
                raise DateError(f"'{text[:40]}…' is not a date") from None
            try:
                dt = du_parser.parse(text, dayfirst=dayfirst)
            except (ValueError, OverflowError, du_parser.ParserError):
                raise DateError(f"'{text}' is not a date") from None
    else:
        raise DateError(f"a {type(value).__name__} is not a date")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt


def _suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _offset(dt: datetime, colon: bool) -> str:
    off = dt.utcoffset() or timedelta(0)
    total = int(off.total_seconds())
    sign = "-" if total < 0 else "+"
    total = abs(total)
    h, m = divmod(total // 60, 60)
    return f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"


def _tz_name(dt: datetime) -> str:
    tz = dt.tzinfo
    key = getattr(tz, "key", None)
    if key:
        return key
    if dt.utcoffset() == timedelta(0):
        return "UTC"
    return _offset(dt, True)


def _tz_abbr(dt: datetime) -> str:
    name = dt.tzname() or ""
    if name and name[0] not in "+-" and not name.startswith("UTC") or name == "UTC":
        return name
    if dt.utcoffset() == timedelta(0):
        return "UTC"
    return _offset(dt, True)


def _epoch(dt: datetime) -> int:
    return calendar.timegm(dt.utctimetuple())


# One renderer per PHP format character; anything not listed is copied literally, as PHP does.
_CHARS: dict[str, Callable[[datetime], str]] = {
    "d": lambda d: f"{d.day:02d}",
    "D": lambda d: _DAYS[d.weekday()][:3],
    "j": lambda d: str(d.day),
    "l": lambda d: _DAYS[d.weekday()],
    "N": lambda d: str(d.isoweekday()),
    "S": lambda d: _suffix(d.day),
    "w": lambda d: str(d.isoweekday() % 7),
    "z": lambda d: str(d.timetuple().tm_yday - 1),
    "W": lambda d: f"{d.isocalendar()[1]:02d}",
    "F": lambda d: _MONTHS[d.month],
    "m": lambda d: f"{d.month:02d}",
    "M": lambda d: _MONTHS[d.month][:3],
    "n": lambda d: str(d.month),
    "t": lambda d: str(calendar.monthrange(d.year, d.month)[1]),
    "L": lambda d: "1" if calendar.isleap(d.year) else "0",
    "o": lambda d: str(d.isocalendar()[0]),
    "Y": lambda d: f"{d.year:04d}",
    "y": lambda d: f"{d.year % 100:02d}",
    "a": lambda d: "am" if d.hour < 12 else "pm",
    "A": lambda d: "AM" if d.hour < 12 else "PM",
    "g": lambda d: str(d.hour % 12 or 12),
    "G": lambda d: str(d.hour),
    "h": lambda d: f"{d.hour % 12 or 12:02d}",
    "H": lambda d: f"{d.hour:02d}",
    "i": lambda d: f"{d.minute:02d}",
    "s": lambda d: f"{d.second:02d}",
    "u": lambda d: f"{d.microsecond:06d}",
    "v": lambda d: f"{d.microsecond // 1000:03d}",
    "e": _tz_name,
    "I": lambda d: "1" if d.dst() else "0",
    "O": lambda d: _offset(d, False),
    "P": lambda d: _offset(d, True),
    "p": lambda d: "Z" if d.utcoffset() == timedelta(0) else _offset(d, True),
    "T": _tz_abbr,
    "U": lambda d: str(_epoch(d)),
}
_CHARS["c"] = lambda d: d.strftime("%Y-%m-%dT%H:%M:%S") + _offset(d, True)
_CHARS["r"] = lambda d: "".join(_CHARS[c](d) if c in _CHARS else c for c in "D, d M Y H:i:s O")


@lru_cache(maxsize=512)
def compile_php_format(fmt: str) -> Callable[[datetime], str]:
    """Renderer for a PHP date() format; `\\X` prints X literally."""
    parts: list = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "\\" and i + 1 < len(fmt):
            parts.append(fmt[i + 1])
            i += 2
            continue
        parts.append(_CHARS.get(c, c))
        i += 1
    merged: list = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        else:
            merged.append(p)
    if len(merged) == 1 and not isinstance(merged[0], str):
        return merged[0]
    return lambda d: "".join(p if isinstance(p, str) else p(d) for p in merged)


def format_php(dt: datetime, fmt: str) -> str:
    return compile_php_format(fmt)(dt)


def output_formatter(format_name: str | None, custom: str | None = None) -> Callable[[datetime], str]:
    """The renderer for a predefined format name, 'custom' + custom text, or blank (ISO 8601)."""
    name = (format_name or "").strip() or "iso8601"
    if name == "custom":
        if not custom:
            raise DateError("choose a custom format (PHP date characters such as Y-m-d)")
        return compile_php_format(custom)
    if name not in PREDEFINED_FORMATS:
        raise DateError(f"'{name}' is not a known date format")
    render = compile_php_format(PREDEFINED_FORMATS[name])
    if name in _UTC_FORMATS:
        return lambda d: render(d.astimezone(UTC))
    return render


def shift(dt: datetime, amount: float, unit: str) -> datetime:
    """Move `dt` by `amount` units. Months and years step by calendar (Jan 31 + 1 month = Feb 28/29)."""
    if unit not in UNITS:
        raise DateError(f"'{unit}' is not a unit; use one of {', '.join(UNITS)}")
    try:
        if unit in ("month", "year"):
            if amount != int(amount):
                raise DateError(f"months and years must move by whole numbers, not {amount}; use a smaller unit")
            kw = {"months" if unit == "month" else "years": int(amount)}
            return dt + relativedelta(**kw)
        return dt + timedelta(**{unit + "s": amount})
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, DateError):
            raise
        raise DateError(f"moving the date by {amount} {unit}(s) leaves the supported range") from None


def round_to(dt: datetime, edge: str, unit: str = "day") -> datetime:
    """Start or end of the `unit` containing `dt`, in dt's own time zone. End is the last whole second."""
    if edge not in ("start", "end"):
        raise DateError(f"'{edge}' must be start or end")
    if unit == "minute":
        start = dt.replace(second=0, microsecond=0)
        nxt = start + timedelta(minutes=1)
    elif unit == "hour":
        start = dt.replace(minute=0, second=0, microsecond=0)
        nxt = start + timedelta(hours=1)
    elif unit == "day":
        start = dt.replace(hour=0, minute=0, second=0, microsecond=0)
        nxt = start + relativedelta(days=1)
    elif unit == "week":  # ISO weeks start on Monday
        start = dt.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=dt.weekday())
        nxt = start + relativedelta(days=7)
    elif unit == "month":
        start = dt.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        nxt = start + relativedelta(months=1)
    elif unit == "year":
        start = dt.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        nxt = start + relativedelta(years=1)
    else:
        raise DateError(f"cannot round to a {unit}; use minute, hour, day, week, month or year")
    if edge == "start":
        return start
    # Wall-clock arithmetic keeps 23:59:59 on DST-change days.
    return nxt - timedelta(seconds=1)
