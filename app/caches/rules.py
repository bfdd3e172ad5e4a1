"""Cache and data-pool errors and the expiry setting, Flask-free so shapes can use them."""
from __future__ import annotations

from typing import Any

TTL_UNITS = {"minutes": 60, "hours": 3600, "days": 86400}
MAX_TTL_SECONDS = 365 * 86400


class CacheError(ValueError):
    """Refused; the message is for the user."""


class PoolError(ValueError):
    """Refused; the message is for the user."""


def ttl_seconds(number: Any, unit: str | None) -> float | None:
    """Seconds from an expiry setting (number + minutes/hours/days); None for no expiry."""
    if number in (None, "", 0, "0"):
        return None
    try:
        value = float(number)
    except (TypeError, ValueError):
        raise CacheError("The expiry must be a number.") from None
    if value <= 0 or (unit or "hours") not in TTL_UNITS:
        raise CacheError("The expiry must be a positive number of minutes, hours or days.")
    return min(value * TTL_UNITS[unit or "hours"], MAX_TTL_SECONDS)
