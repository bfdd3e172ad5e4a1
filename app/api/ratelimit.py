"""Per-company rate limits for the inbound API, counted in Redis: webhooks, callbacks, and every call
to the API together (the tier's "Weft API requests per minute").

A fixed one-minute window: the counter `weft:ratelimit:<kind>:<company_id>:<minute>` is incremented
atomically (INCR) by every web process, so the limit holds across processes and machines, and expires
on its own shortly after its minute ends. One call counts in several windows in one round trip.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from app.extensions import get_redis

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int  # requests counted in this window, this one included
    limit: int  # the most this window accepts
    retry_after: int  # seconds until the window resets

    @property
    def over_allowance_by(self) -> int:
        return max(self.count - self.limit, 0)


def key(kind: str, company_id: int, minute: int) -> str:
    return f"weft:ratelimit:{kind}:{company_id}:{minute}"


def hit(kind: str, company_id: int, limit: int, now: float | None = None) -> Decision:
    """Count one request of `kind` for the company; allowed while the window's count stays within limit."""
    return hit_many(company_id, {kind: limit}, now)[kind]


# INCR and EXPIRE for every key, as one command: a pipeline of two commands per window costs the web
# process more to write and read back than the call itself.
_COUNT = """
local counts = {}
for i, counter in ipairs(KEYS) do
  counts[i] = redis.call('INCR', counter)
  redis.call('EXPIRE', counter, ARGV[1])
end
return counts
"""


def _count(counters: list[str]) -> list[int]:
    # A registered script runs by its SHA and loads itself again into a Redis that forgot it.
    return get_redis().register_script(_COUNT)(keys=counters, args=[WINDOW_SECONDS * 2])


def hit_many(company_id: int, limits: dict[str, int], now: float | None = None) -> dict[str, Decision]:
    """Count one request in each kind's window (kind -> limit), in one Redis round trip."""
    now = time.time() if now is None else now
    minute = int(now // WINDOW_SECONDS)
    counts = _count([key(kind, company_id, minute) for kind in limits])
    retry_after = max(1, math.ceil((minute + 1) * WINDOW_SECONDS - now))
    return {kind: Decision(allowed=int(count) <= limit, count=int(count), limit=limit, retry_after=retry_after)
            for (kind, limit), count in zip(limits.items(), counts, strict=True)}
