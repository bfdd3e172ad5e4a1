"""The hand-over between a callback request waiting in the web process and the run serving it.

The run pushes its answer (the bucket at the first callback shape, or an error) onto a Redis list;
the waiting request pops it. A list, not pub/sub, so an answer pushed before the request starts
waiting is not lost.
"""
from __future__ import annotations

import json

from app.extensions import get_redis
from app.flows.context import Bucket

ANSWER_TTL_SECONDS = 300


def key(run_id: int) -> str:
    return f"weft:callbacks:{run_id}"


def answered_key(run_id: int) -> str:
    return f"weft:callbacks:{run_id}:answered"


def respond(run_id: int, bucket: Bucket) -> bool:
    """Answer the waiting request with the bucket; only the first answer of a run counts."""
    redis = get_redis()
    if not redis.set(answered_key(run_id), "1", nx=True, ex=ANSWER_TTL_SECONDS):
        return False
    body = {"payloads": [p.data if p.format == "json" else p.to_bytes().decode("utf-8", "replace") for p in bucket]}
    redis.rpush(key(run_id), json.dumps(body, default=str))
    redis.expire(key(run_id), ANSWER_TTL_SECONDS)
    return True


def fail(run_id: int, message: str) -> bool:
    """Tell the waiting request the run ended without reaching a callback shape."""
    redis = get_redis()
    if not redis.set(answered_key(run_id), "1", nx=True, ex=ANSWER_TTL_SECONDS):
        return False
    redis.rpush(key(run_id), json.dumps({"error": message}))
    redis.expire(key(run_id), ANSWER_TTL_SECONDS)
    return True


def wait(run_id: int, timeout: float) -> dict | None:
    """The answer ({"payloads": [...]} or {"error": "..."}), or None when the time ran out."""
    item = get_redis().blpop([key(run_id)], timeout=timeout)
    return json.loads(item[1]) if item else None
