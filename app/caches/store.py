"""Cache data in Redis, with the company's memory allowance enforced atomically.

Layout, per company `weft:cache:<company>`:
  …:e:<cache id>:<entry key>   a list of JSON chunks (one per page, or one per appended part)
  …:m:<cache id>               a hash: entry key -> {"bytes", "chunks", "mode", "created", "updated", "expires"}
  …:bytes, …:bytes:<cache id>  bytes in use by the company and by each cache

A write is one Lua script: it refuses when the company's allowance (the tier's cache memory, 50 MB by
default) or the cache's own 50 MB cap would be exceeded, otherwise stores the chunks and moves the
counters, so concurrent writers never overshoot. Sizes are the JSON bytes stored. Entries of run-level
caches get the run id appended to their key (runs never clash) and expire after a day unless the shape
says otherwise. Expired entries leave their sizes in the counters until `reconcile()` (run on a refused
write and by the maintenance page) gives them back.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from app.flows.context import dump_json

CACHE_CAP_BYTES = 50 * 1024 * 1024  # spec §2.18: each cache holds at most 50 MB
DEFAULT_ALLOWANCE_MB = 50
RUN_TTL_SECONDS = 24 * 3600

_WRITE = """
local old = 0
local created = ARGV[6]
local m = redis.call('HGET', KEYS[2], ARGV[1])
if m then
  local om = cjson.decode(m)
  old = tonumber(om['bytes']) or 0
  created = om['created'] or created
end
local add = 0
for i = 9, #ARGV do add = add + string.len(ARGV[i]) end
local new_size = add
if ARGV[2] == 'append' and redis.call('EXISTS', KEYS[1]) == 1 then new_size = old + add end
local delta = new_size - old
local company = tonumber(redis.call('GET', KEYS[3]) or '0')
local cache = tonumber(redis.call('GET', KEYS[4]) or '0')
if delta > 0 and company + delta > tonumber(ARGV[4]) then return {'company', company, delta} end
if delta > 0 and cache + delta > tonumber(ARGV[5]) then return {'cache', cache, delta} end
if ARGV[2] ~= 'append' then redis.call('DEL', KEYS[1]) end
for i = 9, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
local ttl = tonumber(ARGV[7])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
local meta = {bytes = new_size, chunks = redis.call('LLEN', KEYS[1]), mode = ARGV[3], created = created,
              updated = ARGV[6], expires = ARGV[8]}
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(meta))
redis.call('INCRBY', KEYS[3], delta)
redis.call('INCRBY', KEYS[4], delta)
return {'ok', new_size, delta}
"""

# Forget one entry (cleared, or found expired): drop its data and meta, give its bytes back.
_FORGET = """
local m = redis.call('HGET', KEYS[2], ARGV[1])
if not m then return 0 end
if ARGV[2] == 'if_gone' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local size = tonumber(cjson.decode(m)['bytes']) or 0
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DECRBY', KEYS[3], size)
redis.call('DECRBY', KEYS[4], size)
return size
"""


class CacheFull(Exception):
    """The write would exceed the company's allowance or the cache's cap; the message says which."""


@dataclass
class EntryInfo:
    key: str  # as stored (run-level keys carry "#run-<id>")
    bytes: int
    chunks: int
    mode: str  # parts | pages
    created: float
    updated: float
    expires: float | None

    @property
    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.updated)


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


class RedisCacheData:
    """The Redis side of one company's caches: no database, no Flask."""

    def __init__(self, redis, company_id: int, allowance_bytes: int | None = None):
        self.redis = redis
        self.company_id = company_id
        self.allowance = allowance_bytes if allowance_bytes is not None else DEFAULT_ALLOWANCE_MB * 1024 * 1024
        self.prefix = f"weft:cache:{company_id}"
        self._write = redis.register_script(_WRITE)
        self._forget = redis.register_script(_FORGET)

    def _keys(self, cache_id: int, entry: str) -> list[str]:
        return [f"{self.prefix}:e:{cache_id}:{entry}", f"{self.prefix}:m:{cache_id}", f"{self.prefix}:bytes",
                f"{self.prefix}:bytes:{cache_id}"]

    def put(self, cache_id: int, cache_name: str, entry: str, values: list[Any], *, append: bool, pages: bool,
            ttl_seconds: float | None) -> int:
        """Store values as chunks (replacing, or after what is there); returns the entry's size in bytes."""
        chunks = [dump_json(v) for v in values]
        now = time.time()
        expires = now + ttl_seconds if ttl_seconds else ""
        args = [entry, "append" if append else "replace", "pages" if pages else "parts", self.allowance,
                CACHE_CAP_BYTES, repr(now), int(ttl_seconds * 1000) if ttl_seconds else 0,
                repr(expires) if expires else "", *chunks]
        for attempt in (1, 2):
            result = self._write(keys=self._keys(cache_id, entry), args=args)
            status = result[0].decode() if isinstance(result[0], bytes) else result[0]
            if status == "ok":
                return int(result[1])
            if attempt == 1 and self.reconcile():
                continue  # expired entries gave bytes back: try once more
            used, delta = int(result[1]), int(result[2])
            if status == "company":
                raise CacheFull(f"Caching {mb(delta)} more in '{cache_name}' would take the company past its cache "
                                f"memory allowance ({mb(used)} of {mb(self.allowance)} used). Clear old cache keys on "
                                "the caches page, cache less, or add the cache memory bolt-on.")
            raise CacheFull(f"The cache '{cache_name}' would grow past its {mb(CACHE_CAP_BYTES)} cap "
                            f"({mb(used)} used). Split the data over several caches or cache less.")
        raise AssertionError("unreachable")

    def info(self, cache_id: int, entry: str) -> EntryInfo | None:
        raw = self.redis.hget(self._keys(cache_id, entry)[1], entry)
        return _info(entry, raw) if raw else None

    def get(self, cache_id: int, entry: str) -> tuple[list[Any], EntryInfo] | None:
        """The entry's chunks (decoded) and info, or None when absent or expired."""
        keys = self._keys(cache_id, entry)
        raw = self.redis.lrange(keys[0], 0, -1)
        if not raw:
            self._forget(keys=keys, args=[entry, "if_gone"])
            return None
        meta = self.redis.hget(keys[1], entry)
        return [json.loads(c) for c in raw], (_info(entry, meta) if meta else EntryInfo(entry, 0, len(raw), "parts",
                                                                                          0, 0, None))

    def entries(self, cache_id: int) -> list[EntryInfo]:
        meta = self.redis.hgetall(f"{self.prefix}:m:{cache_id}")
        infos = [_info(k.decode(), v) for k, v in meta.items()]
        return sorted(infos, key=lambda i: i.key)

    def delete(self, cache_id: int, entry: str) -> int:
        return int(self._forget(keys=self._keys(cache_id, entry), args=[entry, "always"]) or 0)

    def clear(self, cache_id: int) -> int:
        freed = 0
        for info in self.entries(cache_id):
            freed += self.delete(cache_id, info.key)
        self.redis.delete(f"{self.prefix}:m:{cache_id}", f"{self.prefix}:bytes:{cache_id}")
        return freed

    def used(self, cache_id: int | None = None) -> int:
        key = f"{self.prefix}:bytes" if cache_id is None else f"{self.prefix}:bytes:{cache_id}"
        return max(0, int(self.redis.get(key) or 0))

    def reconcile(self) -> int:
        """Give back the bytes of expired entries of every cache of the company; returns bytes freed."""
        freed = 0
        for meta_key in self.redis.scan_iter(f"{self.prefix}:m:*", count=500):
            cache_id = meta_key.decode().rsplit(":", 1)[-1]
            for entry in self.redis.hkeys(meta_key):
                entry = entry.decode()
                freed += int(self._forget(keys=self._keys(int(cache_id), entry), args=[entry, "if_gone"]) or 0)
        return freed


def _info(entry: str, raw: bytes) -> EntryInfo:
    meta = json.loads(raw)

    def num(value) -> float | None:
        try:
            return float(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None
    return EntryInfo(key=entry, bytes=int(meta.get("bytes") or 0), chunks=int(meta.get("chunks") or 0),
                     mode=meta.get("mode") or "parts", created=num(meta.get("created")) or 0.0,
                     updated=num(meta.get("updated")) or 0.0, expires=num(meta.get("expires")))


def merge(chunks: list[Any]) -> Any:
    """One value from an entry's parts: a single part as it is; several as one list (lists are joined,
    other values become items), which is what append mode builds."""
    if len(chunks) == 1:
        return chunks[0]
    out: list = []
    for chunk in chunks:
        if isinstance(chunk, list):
            out.extend(chunk)
        else:
            out.append(chunk)
    return out
