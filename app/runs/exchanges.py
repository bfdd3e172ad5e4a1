"""The HTTP requests a run's connector steps made, for the run page's Requests and Responses tabs.

Each request is a log line ("GET <url> → 200 OK, 1.2 kB in 34 ms", see connectors.records.Exchange)
that carries the masked request and response in `RunLog.exchange`. The connector layer masks secrets
and cuts bodies before anything reaches the run log; here each step keeps whole exchanges only up to an
allowance, so a step paginating through 10,000 pages stores 10,000 lines but not 10,000 bodies.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from app.extensions import db
from app.runs.models import Run, RunLog
from app.runs.payloads import pretty
from app.tenancy import scoped

KEPT_PER_STEP = 50  # whole exchanges a step keeps
KEPT_FAILED_PER_STEP = 20  # and failed ones beyond that: the last request is often the one that matters
MAX_HEADERS = 100
MAX_HEADER_VALUE = 1000
MAX_TEXT = 8000  # characters of a URL or body (the connector layer already cuts bodies shorter)
SHOWN = 1000  # exchanges listed on a tab

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# "GET <url> (page 2, attempt 2) → 200 OK, 1.2 kB in 34 ms" or "GET <url>: <error>"
_LINE = re.compile(r"^(?P<method>[A-Z]+) (?P<url>\S+)(?: \((?P<extra>[^)]*)\))?"
                   r"(?: → (?P<status>\d{3}) ?(?P<reason>[^,]*), (?P<size>.+?) in (?P<ms>[\d.]+) ms"
                   r"|: (?P<error>.*))$", re.S)
# How connectors.records.Masker.body ends a cut body.
_CUT = re.compile(r"… \((?P<more>[\d,]+) more characters\)$")


class Allowance:
    """Counts one run's kept exchanges per step; `keep` returns what to store, or None (the line alone)."""

    def __init__(self, per_step: int = KEPT_PER_STEP, failed_per_step: int = KEPT_FAILED_PER_STEP):
        self.per_step = per_step
        self.failed_per_step = failed_per_step
        self.kept: dict[str, int] = {}
        self.failed: dict[str, int] = {}

    def keep(self, step: str, exchange: dict) -> dict | None:
        if self.kept.get(step, 0) < self.per_step:
            self.kept[step] = self.kept.get(step, 0) + 1
            return bounded(exchange)
        ok = exchange.get("status") is not None and 200 <= int(exchange["status"]) < 300
        if not ok and self.failed.get(step, 0) < self.failed_per_step:
            self.failed[step] = self.failed.get(step, 0) + 1
            return bounded(exchange)
        return None


def _cut(value, limit: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit:,} more characters)"


def bounded(exchange: dict) -> dict:
    """The exchange with every field bounded, whatever a provider sends back (thousands of headers…)."""
    out = {k: v for k, v in exchange.items() if k not in ("request_headers", "response_headers")}
    for name in ("request_headers", "response_headers"):
        headers = list((exchange.get(name) or {}).items())
        out[name] = {_cut(k, 200): _cut(v, MAX_HEADER_VALUE) for k, v in headers[:MAX_HEADERS]}
        if len(headers) > MAX_HEADERS:
            out[name + "_omitted"] = len(headers) - MAX_HEADERS
    for name in ("url", "request_body", "response_body", "error", "reason"):
        if out.get(name) is not None:
            out[name] = _cut(out[name], MAX_TEXT)
    return out


# -- reading ----------------------------------------------------------------------------------------
@dataclass
class Body:
    text: str  # pretty-printed when whole and JSON or XML
    more: str | None = None  # "12,345" characters not kept, when cut

    @classmethod
    def of(cls, stored: str | None) -> Body | None:
        if not stored:
            return None
        cut = _CUT.search(stored)
        if cut:
            return cls(stored[:cut.start()], cut.group("more"))
        return cls(pretty(stored.encode()))


@dataclass
class Shown:
    """One request as the tabs show it: the parsed line, and the stored detail when it was kept."""

    row: RunLog
    method: str
    url: str
    extra: str | None = None
    status: str | None = None
    reason: str = ""
    size: str | None = None
    ms: str | None = None
    error: str | None = None
    detail: dict | None = None
    request_body: Body | None = None
    response_body: Body | None = None
    request_headers: dict = field(default_factory=dict)
    response_headers: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.status) and self.status.startswith("2")


def _line_filter(run: Run):
    return scoped(RunLog).where(RunLog.run_id == run.id, or_(*[RunLog.message.like(f"{m} %") for m in METHODS]))


def for_run(run: Run, limit: int = SHOWN) -> list[Shown]:
    out = []
    for row in db.session.execute(_line_filter(run).order_by(RunLog.id).limit(limit)).scalars():
        match = _LINE.match(row.message)
        if not match:
            continue
        shown = Shown(row=row, **{k: v for k, v in match.groupdict().items() if v is not None})
        detail = row.exchange
        if detail:
            shown.detail = detail
            shown.url = detail.get("url") or shown.url  # the line is cut at 10,000 characters
            shown.request_headers = detail.get("request_headers") or {}
            shown.response_headers = detail.get("response_headers") or {}
            shown.request_body = Body.of(detail.get("request_body"))
            shown.response_body = Body.of(detail.get("response_body"))
        out.append(shown)
    return out


def count(run: Run) -> int:
    return db.session.execute(select(func.count()).select_from(_line_filter(run).subquery())).scalar_one()
