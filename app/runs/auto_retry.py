"""Automatic retries of failed runs (the flow's "retry failed runs" setting, 0-3).

A run that ends in failure is retried from the start after a backoff (WEFT_RUN_RETRY_BACKOFF_SECONDS,
doubling for each further retry) until the flow's number of retries is used up. Each retry is an
ordinary retry run (`retry.retry`: trigger "retry", `retry_of_id` -> the failed run, the original
version and input), so the run pages show the chain. Retries already made are counted along that
chain, so a run retried by hand that fails is not retried again beyond the flow's number. A run a
callback started is never retried automatically: its caller has already been answered with the error.

A due retry waits in a Redis sorted set (failed run id -> when it is due). The scheduler starts due
retries every tick (`run_queue.sweep`), and a worker starts one at once when the backoff is zero.
Removing the member is the claim, so several schedulers or workers never start one retry twice.
"""
from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import select

from app.extensions import db, get_redis
from app.runs import logbook
from app.runs.models import Run, RunLog
from app.runs.services import RunError
from app.tenancy import acting_as

DUE_KEY = "weft:runs:auto-retries"
MAX_CHAIN = 50  # retries followed back when counting; a chain is never longer than the setting allows


def retries_before(run: Run) -> int:
    """How many retries led to this run: the length of its retry_of chain."""
    count, current = 0, run.retry_of_id
    while current is not None and count < MAX_CHAIN:
        count += 1
        current = db.session.execute(select(Run.retry_of_id).where(Run.id == current,
                                                                   Run.company_id == run.company_id)).scalar()
    return count


def backoff_seconds(retry_number: int) -> float:
    return float(current_app.config.get("RUN_RETRY_BACKOFF", 60)) * 2 ** (retry_number - 1)


def plan(run: Run, book) -> float | None:
    """Called as a run ends in failure, before its last log rows are written: says in the run log
    whether it will be retried, and returns the backoff in seconds (None: no retry)."""
    allowed = int(run.flow.retry_failed_runs or 0)
    if allowed <= 0:
        return None
    if run.trigger == "callback":
        # Its caller was already answered with the error; a retry would run the flow again for nobody to hear.
        book("warning", "No automatic retry: this run was started by a callback, whose caller already received the "
                        "error. Retry it by hand if the flow should run again.")
        return None
    done = retries_before(run)
    if done >= allowed:
        book("warning", f"No automatic retry: the flow retries a failed run {allowed} "
                        f"time{'s' if allowed != 1 else ''}, and this was the last retry.")
        return None
    delay = backoff_seconds(done + 1)
    when = f"in {_words(delay)}" if delay > 0 else "now"
    book("warning", f"Run failed: it will be retried automatically {when} (retry {done + 1} of {allowed}).")
    return delay


def schedule(run_id: int, delay: float) -> list[int]:
    """Called once the failed run's final status is committed. Returns the runs started now."""
    get_redis().zadd(DUE_KEY, {str(run_id): time.time() + delay})
    return start_due() if delay <= 0 else []


def start_due(now: float | None = None, limit: int = 200) -> list[int]:
    """Start every automatic retry that is due; returns the new runs' ids."""
    from app.runs import retry  # retry -> services -> queue -> here: imported late

    redis = get_redis()
    started = []
    for member in redis.zrangebyscore(DUE_KEY, "-inf", time.time() if now is None else now, start=0, num=limit):
        if not redis.zrem(DUE_KEY, member):
            continue  # another process claimed it
        # Cross-tenant by nature: the due set holds runs of every company; each is handled as its own.
        run = db.session.get(Run, int(member))
        if run is None:
            continue
        with acting_as(run.company_id):
            try:
                new = retry.retry(run, skip_queue=False)
            except RunError as exc:
                db.session.rollback()
                _note(run, "warning", f"The automatic retry did not start: {exc}")
                continue
            _note(run, "info", f"Retried automatically as run #{new.id}.")
            started.append(new.id)
    return started


def _note(run: Run, level: str, message: str) -> None:
    """A line in the (finished) failed run's log, so its page says what became of it."""
    db.session.add(RunLog(company_id=run.company_id, run_id=run.id, level=level, message=message))
    db.session.commit()
    logbook.publish(run.id, log=1)


def _words(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
