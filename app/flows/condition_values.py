"""Coercion of record and condition values (text, numbers, booleans, dates, durations) for conditions."""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from app.flows.paths import MISSING
from app.markers import gettext

DAY = 86400.0

# ASCII digits only: Python's int() would accept "١٢" or "1_000", which no source system means as a number.
_NUMBER_RE = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")
_ISO_DATE_ONLY = re.compile(r"\s*[0-9]{4}-?[0-9]{2}-?[0-9]{2}\s*")
_TRUE = frozenset({"true", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "off"})


def as_text(value: Any) -> str | None:
    """Scalars as the text a JSON document would show; None for null, missing and containers."""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return str(value)
    return None


def as_number(value: Any) -> int | float | None:
    kind = type(value)
    if kind is int:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is str and _NUMBER_RE.fullmatch(value):
        text = value.strip()
        if "." in text or "e" in text or "E" in text:
            number = float(text)
            return number if math.isfinite(number) else None
        return int(text)
    return None


def as_bool(value: Any) -> bool | None:
    """True/False for recognisable booleans, None for anything else (null is neither)."""
    kind = type(value)
    if kind is bool:
        return value
    if kind is int or kind is float:
        return True if value == 1 else False if value == 0 else None
    if kind is str:
        word = value.strip().lower()
        return True if word in _TRUE else False if word in _FALSE else None
    return None


def is_empty(value: Any) -> bool:
    if value is MISSING or value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict)):
        return not value
    return False


# --- dates -----------------------------------------------------------------------------------

# PHP date() letters (the original product is PHP) mapped to strptime directives.
_PHP_TO_STRPTIME = {
    "d": "%d", "j": "%d", "D": "%a", "l": "%A", "m": "%m", "n": "%m", "M": "%b", "F": "%B",
    "Y": "%Y", "y": "%y", "H": "%H", "G": "%H", "h": "%I", "g": "%I", "i": "%M", "s": "%S",
    "A": "%p", "a": "%p", "u": "%f", "v": "%f", "P": "%z", "O": "%z", "p": "%z", "T": "%Z",
}
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%f", "%p", "%X", "%c", "%T", "%R", "%s")


def translate_date_format(fmt: str) -> str:
    """A strftime format passes through (it contains `%`); a PHP format is translated."""
    if "%" in fmt or fmt in ("U", "c", "r"):
        return fmt
    out: list[str] = []
    chars = iter(fmt)
    for ch in chars:
        if ch == "\\":
            out.append(next(chars, "").replace("%", "%%"))
        elif ch in _PHP_TO_STRPTIME:
            out.append(_PHP_TO_STRPTIME[ch])
        elif ch.isascii() and ch.isalpha():
            raise ValueError(gettext("date format letter %(letter)s is not supported (escape it as \\%(char)s for a "
                                     "literal)", letter=repr(ch), char=ch))
        else:
            out.append(ch)
    return "".join(out)


def date_format_error(fmt: str) -> str | None:
    try:
        py = translate_date_format(fmt)
    except ValueError as exc:
        return str(exc)
    if py in ("U", "c", "r"):
        return None
    sample = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
    try:
        datetime.strptime(sample.strftime(py), py)
    except ValueError:
        return gettext("date format %(format)s cannot read back the dates it describes", format=repr(fmt))
    return None


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def _parse_text(text: str, py_format: str | None) -> datetime | None:
    try:
        if py_format is None or py_format == "c":
            return datetime.fromisoformat(text.strip())
        if py_format == "U":
            return datetime.fromtimestamp(float(text), UTC)
        if py_format == "r":
            return parsedate_to_datetime(text)
        return datetime.strptime(text.strip(), py_format)
    except (ValueError, TypeError, OverflowError, OSError):
        if py_format is None and text[:1].isalpha():
            # RFC 2822 ("Tue, 05 Mar 2024 10:00:00 +0000") is what HTTP and mail APIs emit.
            try:
                return parsedate_to_datetime(text)
            except (ValueError, TypeError, IndexError):
                return None
        return None


def date_parser(date_format: str | None) -> Callable[[Any], float | None]:
    """Return `parse(value) -> UTC epoch seconds | None` for record values."""
    py_format = translate_date_format(date_format) if date_format else None

    def parse(value: Any) -> float | None:
        kind = type(value)
        if kind is str:
            dt = _parse_text(value, py_format)
            return None if dt is None else _aware(dt).timestamp()
        if kind is int or kind is float:
            if not math.isfinite(value):
                return None
            # Epoch numbers: seconds, unless too large to be seconds (then milliseconds).
            return value / 1000.0 if abs(value) > 1e11 else float(value)
        if isinstance(value, datetime):
            return _aware(value).timestamp()
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
        return None

    return parse


def parse_date_value(text: str, date_format: str | None) -> tuple[float, float] | None:
    """A condition value as an interval [start, end): a whole UTC day if date-only, else an instant (end == start)."""
    py_format = translate_date_format(date_format) if date_format else None
    dt = _parse_text(text, None)
    date_only = dt is not None and bool(_ISO_DATE_ONLY.fullmatch(text))
    if dt is None and py_format is not None:
        dt = _parse_text(text, py_format)
        date_only = dt is not None and py_format not in ("U", "c", "r") and not any(
            d in py_format for d in _TIME_DIRECTIVES)
    if dt is None:
        return None
    start = _aware(dt).timestamp()
    return (start, start + DAY) if date_only else (start, start)


def day_of(timestamp: float) -> tuple[float, float]:
    start = math.floor(timestamp / DAY) * DAY
    return start, start + DAY


# --- durations (dynamic dates) ---------------------------------------------------------------

_DURATION_RE = re.compile(
    r"\s*([+-]?)\s*([0-9]+)\s*(second|minute|hour|day|week|month|year)s?\s*", re.IGNORECASE)
_FIXED_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}


def parse_duration(text: str) -> tuple[int, int, str] | None:
    """'-2 days' -> (-1, 2, 'day'); no sign gives +1. None when unreadable."""
    match = _DURATION_RE.fullmatch(text or "")
    if not match:
        return None
    sign, amount, unit = match.groups()
    return (-1 if sign == "-" else 1), int(amount), unit.lower()


def has_sign(text: str) -> bool:
    return text.strip()[:1] in ("+", "-")


def shift(now: datetime, sign: int, amount: int, unit: str) -> float:
    """Epoch seconds of now +/- amount units; months and years move on the calendar, clamping the day."""
    if unit in _FIXED_UNITS:
        return (now + timedelta(seconds=sign * amount * _FIXED_UNITS[unit])).timestamp()
    months = sign * amount * (12 if unit == "year" else 1)
    total = now.year * 12 + (now.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    if not 1 <= year <= 9999:
        return -math.inf if months < 0 else math.inf
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return now.replace(year=year, month=month, day=min(now.day, last_day)).timestamp()


def utc_now(now: datetime) -> datetime:
    return _aware(now).astimezone(UTC)
