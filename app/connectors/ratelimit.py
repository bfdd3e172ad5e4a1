"""Instance rate limits and connection pools, shared by every worker through Redis.

- Rate limit (spec 2.2 / 6.6): at most N requests in any sliding 60 seconds per instance. A request over
  the limit is not refused: it waits until a slot frees up (the spec's "queued and sent when it frees up").
- Connection pool (spec 5.3): at most N requests in flight at once per instance. A slot is a lease with an
  expiry, so a worker that dies mid-request frees its slot when the lease runs out.

Both are Lua scripts, so checking and taking a slot is one atomic step across processes. Without Redis
(a connection test in a shell, a unit test) the same rules apply within the process only.

Redis keys: `weft:ratelimit:<instance_id>` (sorted set of request times) and `weft:pool:<instance_id>`
(sorted set of lease expiries).
"""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

WINDOW = 60.0
POLL = 0.05  # seconds between two tries for a pool slot

# KEYS[1] window set; ARGV now, window, limit, member. Returns 0 (taken) or seconds to wait (as text).
_RATE_LUA = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""

# KEYS[1] lease set; ARGV now, size, member, lease expiry. Returns 1 when a slot was taken.
_POOL_LUA = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[4]), ARGV[3])
  redis.call('EXPIRE', KEYS[1], 3600)
  return 1
end
return 0
"""


class Limiter:
    """Rate limits and pools for all instances; one per runtime, cheap to create."""

    # Without Redis the limits hold within this process: the state is shared by every Limiter.
    _local_lock = threading.Lock()
    _local_rate: dict[str, list[float]] = {}
    _local_pool: dict[str, dict[str, float]] = {}

    def __init__(self, redis=None, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time):
        self.redis = redis
        self.sleep = sleep
        self.clock = clock
        self._rate_script = redis.register_script(_RATE_LUA) if redis is not None else None
        self._pool_script = redis.register_script(_POOL_LUA) if redis is not None else None

    # -- rate limit ---------------------------------------------------------------------------------
    def _try_rate(self, key: str, limit: int, member: str) -> float:
        now = self.clock()
        if self._rate_script is not None:
            return float(self._rate_script(keys=[f"weft:ratelimit:{key}"], args=[now, WINDOW, limit, member]))
        with self._local_lock:
            times = [t for t in self._local_rate.get(key, []) if t > now - WINDOW]
            self._local_rate[key] = times
            if len(times) < limit:
                times.append(now)
                return 0.0
            return min(times) + WINDOW - now

    def wait_for_rate(self, key: str | int, per_minute: int | None) -> float:
        """Block until a request may be sent under `per_minute`; returns the seconds waited."""
        if not per_minute or per_minute <= 0:
            return 0.0
        waited = 0.0
        member = uuid.uuid4().hex
        while True:
            wait = self._try_rate(str(key), int(per_minute), member)
            if wait <= 0:
                return waited
            wait = min(max(wait, 0.01), WINDOW)
            self.sleep(wait)
            waited += wait

    # -- connection pool ----------------------------------------------------------------------------
    def _try_slot(self, key: str, size: int, member: str, lease: float) -> bool:
        now = self.clock()
        if self._pool_script is not None:
            return bool(self._pool_script(keys=[f"weft:pool:{key}"], args=[now, size, member, now + lease]))
        with self._local_lock:
            holders = {m: exp for m, exp in self._local_pool.get(key, {}).items() if exp > now}
            self._local_pool[key] = holders
            if len(holders) < size:
                holders[member] = now + lease
                return True
            return False

    def _release(self, key: str, member: str) -> None:
        if self.redis is not None:
            self.redis.zrem(f"weft:pool:{key}", member)
            return
        with self._local_lock:
            self._local_pool.get(key, {}).pop(member, None)

    @contextmanager
    def slot(self, key: str | int, size: int | None, lease: float = 120.0) -> Iterator[float]:
        """Hold one of `size` concurrent slots while the block runs; yields the seconds waited."""
        if not size or size <= 0:
            yield 0.0
            return
        member = uuid.uuid4().hex
        waited = 0.0
        while not self._try_slot(str(key), int(size), member, lease):
            self.sleep(POLL)
            waited += POLL
        try:
            yield waited
        finally:
            self._release(str(key), member)
