"""Masked request/response records for the run log: secrets never leave the HTTP layer unmasked.

A secret is hidden three ways: by header or query-parameter name (Authorization, api_key, anything the
auth type marked sensitive), by value (every credential and token of the instance, raw and URL-encoded,
wherever it appears: URL, body, error text) and by excerpting bodies to a bounded size.
"""
from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit

MASK = "••••"
BODY_EXCERPT = 2000  # characters of a body kept in a record
ERROR_EXCERPT = 300  # characters of a response body quoted in an error message
MIN_SECRET = 4  # shorter values are masked by name only (masking "ab" everywhere would garble the log)

SENSITIVE_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key",
                     "apikey", "x-auth-token", "x-shopify-access-token", "x-access-token", "x-csrf-token"}
_SENSITIVE_NAME_RE = re.compile(r"token|secret|password|passwd|api[-_]?key|signature|credential|private[-_]?key|"
                                r"(^|[-_])auth([-_]|$)|authorization|^session([-_]?(id|key))?$", re.I)


def sensitive_name(name: str, extra: Iterable[str] = ()) -> bool:
    lowered = name.lower()
    if lowered in SENSITIVE_HEADERS or lowered in {e.lower() for e in extra}:
        return True
    if "page" in lowered or "cursor" in lowered:
        return False  # page_token, cursor: pagination state, and what a user debugging pagination needs
    return bool(_SENSITIVE_NAME_RE.search(lowered))


class Masker:
    def __init__(self, secrets: Iterable[str] = (), names: Iterable[str] = ()):
        forms: set[str] = set()
        for secret in secrets:
            s = str(secret)
            if len(s) < MIN_SECRET:
                continue
            forms |= {s, quote(s, safe=""), quote_plus(s), base64.b64encode(s.encode()).decode()}
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted(forms, key=len, reverse=True)
        self.names = {n.lower() for n in names}

    def text(self, value: str | None) -> str:
        if not value:
            return value or ""
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value

    def headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        return {k: (MASK if sensitive_name(k, self.names) else self.text(v)) for k, v in headers}

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.query:
            query = "&".join(f"{quote_plus(k)}={MASK if sensitive_name(k, self.names) else quote_plus(v)}"
                             for k, v in parse_qsl(parts.query, keep_blank_values=True))
            url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        if parts.username or parts.password:
            url = url.replace(f"{parts.username or ''}:{parts.password or ''}@", f"{MASK}@")
        return self.text(url)

    def body(self, content: bytes | str | None, limit: int = BODY_EXCERPT) -> str:
        if not content:
            return ""
        text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
        text = self.text(text)
        return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit:,} more characters)"


@dataclass
class Exchange:
    """One attempt at one request, masked: what the run log and the connection test show."""

    method: str
    url: str
    attempt: int = 1
    page: int | None = None
    status: int | None = None
    reason: str = ""
    elapsed_ms: float = 0.0
    request_headers: dict = field(default_factory=dict)
    request_body: str = ""
    response_headers: dict = field(default_factory=dict)
    response_body: str = ""
    response_bytes: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def summary(self) -> str:
        head = f"{self.method} {self.url}"
        tail = []
        if self.page and self.page > 1:
            tail.append(f"page {self.page}")
        if self.attempt > 1:
            tail.append(f"attempt {self.attempt}")
        extra = f" ({', '.join(tail)})" if tail else ""
        if self.error:
            return f"{head}{extra}: {self.error}"
        size = _size(self.response_bytes)
        return f"{head}{extra} → {self.status} {self.reason}, {size} in {self.elapsed_ms:.0f} ms"

    def as_dict(self) -> dict:
        # dataclasses.asdict deep-copies field by field, a measurable part of a small run; the only
        # containers here are the two header dicts, copied so the record stays the caller's own.
        values = dict(vars(self))
        values["request_headers"] = dict(self.request_headers)
        values["response_headers"] = dict(self.response_headers)
        return values


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} kB"
    return f"{n / 1024 / 1024:.1f} MB"
