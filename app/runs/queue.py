"""The run queue: runs wait in the database and are handed to RQ in priority order, then FIFO, while
their company has a free concurrency slot (its tier's allowance).

Slots are a Redis set of run ids per company, so every web process and worker shares them. A run
takes a slot when dispatched and gives it back when it ends; manual runs, manual retries and
callbacks skip the wait but still take a slot. Nothing is dropped: over-allowance runs wait and are
dispatched when a slot frees (or by the scheduler's sweep, should a wake-up be lost).
"""
from __future__ import annotations

import time

from sqlalchemy import func, select

from app import jobs
from app.companies.models import Company
from app.companies.tiers import tier_of
from app.extensions import db, get_redis
from app.flows.models import Flow
from app.runs.models import FINAL_STATUSES, Run
from app.timeutil import utcnow

PRIORITY_QUEUES = {1: "runs-highest", 2: "runs-high", 3: "runs-medium", 4: "runs-low", 5: "runs-lowest"}
CALLBACKS = "callbacks"
JOB_TIMEOUT_SECONDS = 6 * 3600  # a backstop; steps have their own limits


def slots_key(company_id: int) -> str:
    return f"weft:slots:{company_id}"


def _lock_key(company_id: int) -> str:
    return f"weft:dispatch:{company_id}"


def queue_name(run: Run) -> str:
    return CALLBACKS if run.queue == CALLBACKS else PRIORITY_QUEUES.get(run.priority, PRIORITY_QUEUES[3])


def _enqueue(run: Run) -> None:
    jobs.enqueue(queue_name(run), "app.runs.jobs.execute_run", run.id, job_id=f"run-{run.id}",
                 job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=0, failure_ttl=7 * 86_400)


# Take a slot only while fewer than the allowance are held (atomic, shared by every process).
_TAKE_SLOT = """
if redis.call('scard', KEYS[1]) < tonumber(ARGV[2]) then return redis.call('sadd', KEYS[1], ARGV[1]) end
return -1
"""


def admit(run: Run) -> None:
    """Called right after a new run is committed."""
    redis = get_redis()
    if run.skip_queue:
        redis.sadd(slots_key(run.company_id), run.id)
    elif run.flow.concurrency_limit is not None or _others_waiting(run) or not _take_slot(run):
        # Older runs wait (they go first, by priority) or no slot is free: this run waits too, and
        # the run that frees a slot dispatches the next one.
        dispatch(run.company_id)
        return
    run.dispatched_at = utcnow()
    db.session.commit()
    _enqueue(run)


def _take_slot(run: Run) -> bool:
    allowance = tier_of(db.session.get(Company, run.company_id)).concurrency
    return get_redis().eval(_TAKE_SLOT, 1, slots_key(run.company_id), run.id, allowance) >= 0


def _others_waiting(run: Run) -> bool:
    query = select(Run.id).where(Run.company_id == run.company_id, Run.status == "queued",
                                 Run.dispatched_at.is_(None), Run.id != run.id).limit(1)
    return db.session.execute(query).first() is not None


def _prune(company_id: int) -> int:
    """Drop slots held by runs that have ended (a crashed worker never gave its slot back)."""
    redis = get_redis()
    held = [int(i) for i in redis.smembers(slots_key(company_id))]
    if held:
        ended = db.session.execute(select(Run.id).where(Run.id.in_(held), Run.status.in_(FINAL_STATUSES))).scalars()
        ended = list(ended)
        if ended:
            redis.srem(slots_key(company_id), *ended)
    return redis.scard(slots_key(company_id))


def dispatch(company_id: int) -> int:
    """Hand as many waiting runs to RQ as the company has free slots; returns how many."""
    redis = get_redis()
    token = str(time.monotonic_ns())
    deadline = time.monotonic() + 5
    while not redis.set(_lock_key(company_id), token, nx=True, px=5000):
        if time.monotonic() > deadline:
            return 0  # another process is dispatching this company right now
        time.sleep(0.005)
    try:
        # Cross-tenant by nature: the queue serves whichever company's run just changed.
        company = db.session.get(Company, company_id)
        free = tier_of(company).concurrency - _prune(company_id)
        if free <= 0:
            return 0
        candidates = list(db.session.execute(
            select(Run).where(Run.company_id == company_id, Run.status == "queued", Run.dispatched_at.is_(None))
            .order_by(Run.priority, Run.id).limit(free * 20)).scalars())
        waiting = _within_flow_limits(company_id, candidates, free)
        if not waiting:
            return 0
        now = utcnow()
        for run in waiting:
            run.dispatched_at = now
        redis.sadd(slots_key(company_id), *[run.id for run in waiting])
        db.session.commit()
        for run in waiting:
            _enqueue(run)
        return len(waiting)
    finally:
        if redis.get(_lock_key(company_id)) == token.encode():
            redis.delete(_lock_key(company_id))


def _within_flow_limits(company_id: int, candidates: list[Run], free: int) -> list[Run]:
    """The first `free` candidates whose flow is below its own concurrency limit (if it has one);
    runs of a flow at its limit keep waiting without holding up other flows' runs."""
    flow_ids = {run.flow_id for run in candidates}
    limits = dict(db.session.execute(select(Flow.id, Flow.concurrency_limit).where(
        Flow.id.in_(flow_ids), Flow.company_id == company_id, Flow.concurrency_limit.is_not(None))).all())
    active: dict[int, int] = {}
    if limits:
        active = dict(db.session.execute(
            select(Run.flow_id, func.count(Run.id)).where(
                Run.company_id == company_id, Run.flow_id.in_(limits), Run.dispatched_at.is_not(None),
                Run.status.in_(("queued", "running"))).group_by(Run.flow_id)).all())
    chosen = []
    for run in candidates:
        limit = limits.get(run.flow_id)
        if limit is not None and active.get(run.flow_id, 0) >= limit:
            continue
        chosen.append(run)
        active[run.flow_id] = active.get(run.flow_id, 0) + 1
        if len(chosen) == free:
            break
    return chosen


def release(run: Run) -> None:
    """The run ended (or will never start): give back its slot and let the next one in."""
    get_redis().srem(slots_key(run.company_id), run.id)
    waiting = db.session.execute(
        select(Run.id).where(Run.company_id == run.company_id, Run.status == "queued",
                             Run.dispatched_at.is_(None)).limit(1)).first()
    if waiting is not None:
        dispatch(run.company_id)


def sweep() -> int:
    """Dispatch every company with waiting runs (the scheduler calls this each tick)."""
    company_ids = db.session.execute(
        select(Run.company_id).where(Run.status == "queued", Run.dispatched_at.is_(None)).distinct()).scalars()
    return sum(dispatch(company_id) for company_id in list(company_ids))
