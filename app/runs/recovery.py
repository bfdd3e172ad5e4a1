"""Crash recovery for runs: nothing stays "running" or "queued" forever because a process died.

- A worker names the run it holds in `weft:runs:held` (run id -> worker name) and keeps a liveness
  key (`weft:workers:<name>:alive`, 60 s, renewed every 10 s by a thread of the worker process).
  A run whose worker's key has expired ended with its worker: it fails with a clear error, gives
  its slot back, and the flow's automatic retries apply.
- A run handed to the queue whose job is neither waiting on its queue nor held by a worker (the
  process died between taking the job and starting the run, or between committing the run and
  enqueueing it) is enqueued again after a grace period. It cannot run twice: a worker starts only
  a run that is still queued (runs.jobs.execute_run).

The scheduler's sweep calls recover() every tick (runs.queue.sweep).
"""
from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db, get_redis
from app.runs.models import Run, RunLog
from app.tenancy import acting_as
from app.timeutil import utcnow

HELD_KEY = "weft:runs:held"
# How long a worker's liveness key outlives its last beat (WEFT_WORKER_ALIVE_SECONDS shortens it for tests).
ALIVE_SECONDS = int(os.environ.get("WEFT_WORKER_ALIVE_SECONDS") or 60)
BEAT_SECONDS = max(1, ALIVE_SECONDS // 6)
LOST_JOB_GRACE = timedelta(minutes=2)
WORKER_DIED = "The worker running this run stopped (it crashed or was killed) before the run finished."


def alive_key(worker_name: str) -> str:
    return f"weft:workers:{worker_name}:alive"


def hold(pipe, run_id: int, worker_name: str) -> None:
    pipe.hset(HELD_KEY, str(run_id), worker_name)
    pipe.set(alive_key(worker_name), 1, ex=ALIVE_SECONDS)


def let_go(pipe, run_id: int) -> None:
    pipe.hdel(HELD_KEY, str(run_id))


def orphan(pipe, run_id: int) -> None:
    """The worker could not finish the run properly (a lost database, our own bug): hand it to the
    sweep as if its worker had died (no worker has the liveness key of the name "-")."""
    pipe.hset(HELD_KEY, str(run_id), "-")


def beat(redis, worker_name: str) -> None:
    redis.set(alive_key(worker_name), 1, ex=ALIVE_SECONDS)


def gone(redis, worker_name: str) -> None:
    """The worker is exiting: a run it still holds (a cold shutdown) is recovered at the next sweep."""
    redis.delete(alive_key(worker_name))


def recover() -> int:
    """Fail runs whose worker died and re-enqueue lost jobs; returns how many runs it touched."""
    return _fail_orphans() + _requeue_lost()


def _fail_orphans() -> int:
    from app.runs import auto_retry, services
    from app.runs import queue as run_queue

    redis = get_redis()
    count = 0
    for raw_id, raw_name in redis.hgetall(HELD_KEY).items():
        if redis.exists(alive_key(raw_name.decode())):
            continue
        if not redis.hdel(HELD_KEY, raw_id):
            continue  # another sweep took it
        # Cross-tenant by nature: the held runs of every company; each is handled as its own.
        run = db.session.get(Run, int(raw_id))
        if run is None or run.is_final:
            continue
        with acting_as(run.company_id):
            book = _RowWriter(run)
            book("error", WORKER_DIED)
            retry_in = auto_retry.plan(run, book)
            services.finish(run, "failure", error=WORKER_DIED)
            run_queue.release(run)
            if retry_in is not None:
                auto_retry.schedule(run.id, retry_in)
        count += 1
    return count


class _RowWriter:
    """Log lines of a run whose worker is gone, committed with its final status."""

    def __init__(self, run: Run):
        self.run = run

    def __call__(self, level: str, message: str, **_) -> None:
        db.session.add(RunLog(company_id=self.run.company_id, run_id=self.run.id, level=level, message=message))


def _requeue_lost() -> int:
    from app.runs import queue as run_queue

    redis = get_redis()
    held = {int(i) for i in redis.hkeys(HELD_KEY)}
    # Cross-tenant by nature: queued runs of every company handed to RQ a while ago.
    stale = db.session.execute(select(Run).where(
        Run.status == "queued", Run.dispatched_at.is_not(None),
        Run.dispatched_at < utcnow() - LOST_JOB_GRACE).limit(500)).scalars()
    count = 0
    for run in stale:
        if run.id in held or run_queue.is_waiting_on_queue(run):
            continue
        run_queue.enqueue(run)
        count += 1
    return count
