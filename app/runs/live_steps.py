"""A running run's finished steps, for live viewers, kept in Redis until the run ends.

Step records reach the database only with the run's final status (writing them earlier would hold
SQLite's write lock against the log writer), so while a run goes on its steps live in a Redis list,
`weft:runs:<id>:steps`, one JSON object per finished step in the order they finished. The worker
appends and announces `{"step": 1}` on the run's channel in one round trip; viewers read the list from
the last step they sent, so a page opened mid-run, or a stream that reconnects, gets every step.
The list is dropped once the run is final (its steps are in the database then); the expiry only
clears the list of a worker that died mid-run.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from types import SimpleNamespace

from redis.exceptions import RedisError

from app.extensions import get_redis
from app.runs.logbook import channel
from app.runs.queue import JOB_TIMEOUT_SECONDS

FIELDS = ("step_id", "label", "type", "status", "duration_ms", "cpu_ms", "payloads_in", "payloads_out",
          "bytes_in", "bytes_out", "operations", "ops_in", "ops_out", "attempts", "error")
ANNOUNCEMENT = json.dumps({"step": 1})
log = logging.getLogger(__name__)


def key(run_id: int) -> str:
    return f"{channel(run_id)}:steps"


def publish(run_id: int, steps: list) -> None:
    """Append finished steps (step records, not yet saved) and tell the run's viewers."""
    records = []
    for step in steps:
        record = {name: getattr(step, name) for name in FIELDS}
        record["started_at"] = step.started_at.isoformat()
        records.append(json.dumps(record))
    pipe = get_redis().pipeline(transaction=False)
    pipe.rpush(key(run_id), *records)
    pipe.expire(key(run_id), JOB_TIMEOUT_SECONDS)
    pipe.publish(channel(run_id), ANNOUNCEMENT)
    try:
        pipe.execute()
    except RedisError:  # watching is a convenience: a lost step shows up when the run ends, the run goes on
        log.warning("run %s: a finished step could not be announced to live viewers", run_id, exc_info=True)


def read(run_id: int, start: int = 0) -> list[SimpleNamespace]:
    """The steps from the `start`-th on (0-based), each with its place in the run (`seq`, from 1)."""
    steps = []
    for offset, raw in enumerate(get_redis().lrange(key(run_id), start, -1)):
        record = json.loads(raw)
        record["started_at"] = datetime.fromisoformat(record["started_at"])
        steps.append(SimpleNamespace(seq=start + offset + 1, **record))
    return steps


def forget(run_id: int) -> None:
    try:
        get_redis().delete(key(run_id))
    except RedisError:  # the expiry clears it; the run's ending must not fail for it
        log.warning("run %s: its live steps could not be dropped", run_id, exc_info=True)
