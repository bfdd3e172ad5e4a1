"""Failed sign-in and 2FA attempts, counted in Redis per account and per IP address.

Each counter lives for WINDOW_SECONDS from its first failure (INCR, then EXPIRE when new), so
every web process shares it and it clears itself. A success clears the account's counters, never
the IP's: one good password must not reset an attacker's count from that address.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from app.extensions import get_redis

WINDOW_SECONDS = 15 * 60
LIMITS = {
    "account": 5,   # wrong passwords for one email address
    "ip": 20,       # wrong passwords from one address, whatever the email
    "code": 5,      # wrong 2FA or recovery codes for one account
    "reset": 5,     # "forgot my password" emails for one address
}


@dataclass(frozen=True)
class Block:
    kind: str
    retry_after: int  # seconds

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _key(kind: str, subject: str) -> str:
    # Emails are hashed so Redis never holds a list of addresses people tried.
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
    return f"weft:loginfail:{kind}:{digest}"


def blocked(**subjects: str | None) -> Block | None:
    """The first of account=/ip=/code= whose counter has reached its limit, or None."""
    redis = get_redis()
    for kind, subject in subjects.items():
        if not subject:
            continue
        key = _key(kind, subject)
        count = int(redis.get(key) or 0)
        if count >= LIMITS[kind]:
            return Block(kind, max(1, int(redis.ttl(key))))
    return None


def fail(**subjects: str | None) -> None:
    redis = get_redis()
    for kind, subject in subjects.items():
        if not subject:
            continue
        key = _key(kind, subject)
        # EXPIRE … NX needs Redis 7 (the embedded server is 6.2): set the window only on a fresh key.
        if redis.incr(key) == 1 or redis.ttl(key) < 0:
            redis.expire(key, WINDOW_SECONDS)


def clear(**subjects: str | None) -> None:
    keys = [_key(kind, subject) for kind, subject in subjects.items() if subject]
    if keys:
        get_redis().delete(*keys)
