"""What the HTTP connector and its script hooks share: the failure, the per-call options, the retry
pause and reading a response body. No Flask here."""
from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.connectors.records import Exchange


class ConnectorError(Exception):
    """A request that failed for good; the message (status, masked excerpt) is shown to the user."""

    def __init__(self, message: str, *, status: int | None = None, exchange: Exchange | None = None):
        super().__init__(message)
        self.status = status
        self.exchange = exchange


@dataclass
class RequestOptions:
    timeout: float | None = None  # seconds; None uses the instance's
    retries: int | None = None  # further attempts after a failure; None uses the instance's
    allow_unsuccessful: bool = False  # non-2xx responses become payloads instead of errors
    max_pages: int | None = None
    flow_variables: dict = field(default_factory=dict)
    on_exchange: Callable[[Exchange], None] = lambda exchange: None
    on_log: Callable[[str, str], None] = lambda level, message: None
    response_script: Any = None  # a shape-level response script (id or name), after the endpoint's own


class Backoff:
    """The pause before each retry: ``first`` seconds, doubling after every wait. HTTP requests and protocol
    calls (the connector shape) share it, so both honour the runtime's retry delay and sleep."""

    def __init__(self, first: float, sleep: Callable[[float], None] = time.sleep):
        self.delay = first
        self._sleep = sleep

    def wait(self) -> None:
        self._sleep(self.delay)
        self.delay *= 2


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def parse_response(response: httpx.Response, hint: str = "auto") -> tuple[Any, str]:
    """(data, format) of a response body: JSON parsed, XML/CSV/text kept as text."""
    if not response.content:
        return "", "text"
    ctype = response.headers.get("content-type", "").lower()
    fmt = hint if hint in ("json", "xml", "csv", "text") else (
        "json" if "json" in ctype else "xml" if "xml" in ctype else "csv" if "csv" in ctype else "auto")
    text = response.text
    if fmt in ("json", "auto"):
        try:
            return json.loads(text), "json"
        except ValueError:
            if fmt == "json" and "json" in ctype:
                return text, "text"
    if fmt == "auto":
        stripped = text.lstrip()
        fmt = "xml" if stripped.startswith("<") else "text"
    return text, fmt
