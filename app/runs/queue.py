"""The run queue: runs wait in the database and are handed to RQ in priority order, then FIFO, while
their company has a free concurrency slot (its tier's allowance).

Slots are a Redis set of run ids per company, so every web process and worker shares them. A run
takes a slot when dispatched and gives it back when it ends; manual runs, manual retries and
callbacks skip the wait but still take a slot. Nothing is dropped: over-allowance runs wait and are
dispatched when a slot frees (or by the scheduler's sweep, should a wake-up be lost).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app import jobs
from app.companies.models import Company
from app.companies.tiers import tier_of
from app.extensions import db, get_redis
from app.flows.models import Flow
from app.runs.models import Run
from app.timeutil import utcnow

PRIORITY_QUEUES = {1: "runs-highest", 2: "runs-high", 3: "runs-medium", 4: "runs-low", 5: "runs-lowest"}
CALLBACKS = "callbacks"
JOB_TIMEOUT_SECONDS = 6 * 3600  # a backstop; steps have their own limits
FAILURE_TTL_SECONDS = 7 * 86_400
RUN_JOB_PREFIX = "run-"


# A run that ends hands waiting runs over only once fewer than this many of its company's runs are left
# waiting on the RQ queues: the workers have that company's work meanwhile, and the hand-over (a lock,
# three statements, a commit and the jobs) is then paid once per batch of freed slots, not per run.
HANDOVER_DEPTH = 4


def job_id(run_id: int) -> str:
    """The RQ job id of a run: its id is all the job carries."""
    return f"{RUN_JOB_PREFIX}{run_id}"


def run_id_of(rq_job_id: str) -> int | None:
    """The run an RQ job id names, or None for any other job."""
    rest = rq_job_id[len(RUN_JOB_PREFIX):]
    return int(rest) if rq_job_id.startswith(RUN_JOB_PREFIX) and rest.isdigit() else None


def slots_key(company_id: int) -> str:
    return f"weft:slots:{company_id}"


def running_key(company_id: int) -> str:
    """The company's runs a worker has started (a subset of its slots; the rest wait on the RQ queues)."""
    return f"weft:running:{company_id}"


def started(run_id: int, company_id: int, pipeline) -> None:
    pipeline.sadd(running_key(company_id), run_id)


def _lock_key(company_id: int) -> str:
    return f"weft:dispatch:{company_id}"


def queue_name(run: Run) -> str:
    return CALLBACKS if run.queue == CALLBACKS else PRIORITY_QUEUES.get(run.priority, PRIORITY_QUEUES[3])


def enqueue(run, pipeline=None) -> None:
    """Put the run's job on its RQ queue (`run` is a Run or anything with id, queue and priority); with
    a Redis pipeline, only once the caller executes it."""
    jobs.enqueue(queue_name(run), "app.runs.jobs.execute_run", run.id, job_id=job_id(run.id),
                 job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=0, failure_ttl=FAILURE_TTL_SECONDS,
                 pipeline=pipeline)


def is_waiting_on_queue(run) -> bool:
    return get_redis().lpos(jobs.queue(queue_name(run)).key, job_id(run.id)) is not None


# Take a slot only while fewer than the allowance are held (atomic, shared by every process).
_TAKE_SLOT = """
if redis.call('scard', KEYS[1]) < tonumber(ARGV[2]) then return redis.call('sadd', KEYS[1], ARGV[1]) end
return -1
"""


# The queue's statements are built once: building them per call cost more than running them.
# Cross-tenant by nature: the queue serves whichever company's run just changed.
_run = Run.__table__
_company = Company.__table__
_flow = Flow.__table__
_ALLOWANCE = select(_company.c.tier, _company.c.allowance_overrides, _company.c.bolt_ons).where(
    _company.c.id == bindparam("company_id"))
_WAITING = (select(_run.c.id).where(_run.c.company_id == bindparam("company_id"), _run.c.status == "queued",
                                    _run.c.dispatched_at.is_(None), _run.c.id != bindparam("run_id")).limit(1))
_CANDIDATES = (select(_run.c.id, _run.c.company_id, _run.c.flow_id, _run.c.priority, _run.c.queue,
                      _flow.c.concurrency_limit).join(_flow, _flow.c.id == _run.c.flow_id)
               .where(_run.c.company_id == bindparam("company_id"), _run.c.status == "queued",
                      _run.c.dispatched_at.is_(None))
               .order_by(_run.c.priority, _run.c.id).limit(bindparam("limit")))
_CLAIM = (update(_run).where(_run.c.id == bindparam("run_id"), _run.c.dispatched_at.is_(None),
                             _run.c.status == "queued").values(dispatched_at=bindparam("now")))
_ACTIVE = (select(_run.c.flow_id, func.count(_run.c.id))
           .where(_run.c.company_id == bindparam("company_id"),
                  _run.c.flow_id.in_(bindparam("flow_ids", expanding=True)),
                  _run.c.dispatched_at.is_not(None), _run.c.status.in_(("queued", "running")))
           .group_by(_run.c.flow_id))
_ENDED = select(_run.c.id).where(_run.c.id.in_(bindparam("run_ids", expanding=True)),
                                 _run.c.status.not_in(("queued", "running")))
# Let go of the dispatch lock only if it is still ours (it expires on its own after 5 s).
_UNLOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def _sql(statement, **params):
    return db.session.connection().execute(statement, params)


def allowance(company_id: int) -> int:
    """The company's concurrency allowance (runs at once), read fresh: a tier change applies at once."""
    return tier_of(_sql(_ALLOWANCE, company_id=company_id).one()).concurrency


def admit(run, concurrency_limit: int | None = None, company_allowance: int | None = None, first=None) -> None:
    """Called right after a new run is committed, still waiting (dispatched_at None): hand it to RQ
    at once when it may go now, else leave it waiting for a free slot. `run` is a Run or a
    runs.services.NewRun; `concurrency_limit` is its flow's; `company_allowance` saves a query when
    the caller knows it; `first`, a Redis pipeline of the caller's, is executed with admit's first
    round trip."""
    pipe = first if first is not None else get_redis().pipeline(transaction=False)
    if run.skip_queue:
        pipe.sadd(slots_key(run.company_id), run.id).execute()
    else:
        if concurrency_limit is not None:
            pipe.execute()  # the caller's commands, if any
            held = True  # the flow's own limit is counted by dispatch(), under its lock
        else:
            limit = allowance(run.company_id) if company_allowance is None else company_allowance
            taken, going = pipe.scard(slots_key(run.company_id)).scard(running_key(run.company_id)).execute()[-2:]
            if taken >= limit:
                return  # no free slot: the run that frees one dispatches the next (this one, in its turn)
            # Older runs wait (they go first, by priority) or the last slot went meanwhile.
            if _others_waiting(run):
                if taken - going >= HANDOVER_DEPTH:
                    return  # the company's queued runs keep the workers busy; the next to end hands over
                held = True
            else:
                held = not _take_slot(run, limit)
        if held:
            if run.id in _dispatch(run.company_id):
                _note_dispatched(run)
            return
    if _mark_dispatched([run.id]):
        _note_dispatched(run)
        enqueue(run)
    # else another process's dispatch() took this run meanwhile (and its slot, the same set member)


def _note_dispatched(run) -> None:
    if isinstance(run, Run):  # keep the ORM object true without a reload, and the session clean
        set_committed_value(run, "dispatched_at", utcnow())
    else:
        run.dispatched_at = utcnow()


def _mark_dispatched(run_ids: list[int]) -> set[int]:
    """Claim waiting runs for dispatch; returns the ids this process claimed (and commits)."""
    now = utcnow()
    claimed = {run_id for run_id in run_ids if _sql(_CLAIM, run_id=run_id, now=now).rowcount}
    db.session.commit()
    return claimed


def _ended(run_ids: list[int]) -> list[int]:
    ended = list(_sql(_ENDED, run_ids=run_ids).scalars())
    db.session.commit()
    return ended


def _take_slot(run, limit: int) -> bool:
    return get_redis().eval(_TAKE_SLOT, 1, slots_key(run.company_id), run.id, limit) >= 0


def _others_waiting(run) -> bool:
    return _sql(_WAITING, company_id=run.company_id, run_id=run.id).first() is not None


def _prune(company_id: int) -> int:
    """Drop slots held by runs that have ended or never were (a crashed process never gave its slot
    back; the sweep calls this, so the hot path does not pay for it)."""
    redis = get_redis()
    held = [int(i) for i in redis.smembers(slots_key(company_id))]
    if held:
        active = set(db.session.execute(select(Run.id).where(
            Run.id.in_(held), Run.status.in_(("queued", "running")))).scalars())
        ended = [run_id for run_id in held if run_id not in active]
        if ended:
            redis.srem(slots_key(company_id), *ended)
    going = [int(i) for i in redis.smembers(running_key(company_id))]
    if going:
        active = set(db.session.execute(select(Run.id).where(Run.id.in_(going), Run.status == "running")).scalars())
        ended = [run_id for run_id in going if run_id not in active]
        if ended:
            redis.srem(running_key(company_id), *ended)
    return redis.scard(slots_key(company_id))


@dataclass
class _Waiting:
    id: int
    company_id: int
    flow_id: int
    priority: int
    queue: str
    flow_limit: int | None  # the flow's concurrency limit


def dispatch(company_id: int, prune: bool = False) -> int:
    """Hand as many waiting runs to RQ as the company has free slots; returns how many."""
    return len(_dispatch(company_id, prune))


def _dispatch(company_id: int, prune: bool = False) -> set[int]:
    redis = get_redis()
    token = str(time.monotonic_ns())
    deadline = time.monotonic() + 5
    # The lock and the slot count in one round trip (the count is used only once the lock is ours).
    locked, held = redis.pipeline(transaction=False).set(_lock_key(company_id), token, nx=True, px=5000).scard(
        slots_key(company_id)).execute()
    while not locked:
        if time.monotonic() > deadline:
            return set()  # another process is dispatching this company right now
        time.sleep(0.005)
        locked, held = redis.pipeline(transaction=False).set(_lock_key(company_id), token, nx=True,
                                                             px=5000).scard(slots_key(company_id)).execute()
    try:
        if prune:
            held = _prune(company_id)
        free = allowance(company_id) - held
        if free <= 0:
            return set()
        candidates = [_Waiting(*row) for row in _sql(_CANDIDATES, company_id=company_id, limit=free * 20)]
        waiting = _within_flow_limits(company_id, candidates, free)
        if not waiting:
            db.session.commit()  # ends the read; unlike a rollback it leaves loaded objects as they are
            return set()
        # Slots are taken before the runs are marked, so a run admitted meanwhile sees them in use.
        redis.sadd(slots_key(company_id), *[run.id for run in waiting])
        claimed = _mark_dispatched([run.id for run in waiting])
        pipe = redis.pipeline(transaction=False)
        # Jobs first: RQ turns a caller's pipeline into MULTI and refuses once commands are queued
        # (a give-back queued first lost every job of this dispatch and failed the caller).
        for run in waiting:
            if run.id in claimed:
                enqueue(run, pipe)
        lost = [run.id for run in waiting if run.id not in claimed]
        ended = _ended(lost) if lost else []
        if ended:  # stopped meanwhile: give those slots back (a run another process handed over keeps its slot)
            pipe.srem(slots_key(company_id), *ended)
        pipe.eval(_UNLOCK, 1, _lock_key(company_id), token)
        token = None
        pipe.execute()
        return claimed
    finally:
        if token is not None:
            redis.eval(_UNLOCK, 1, _lock_key(company_id), token)


def _within_flow_limits(company_id: int, candidates: list, free: int) -> list:
    """The first `free` candidates whose flow is below its own concurrency limit (if it has one);
    runs of a flow at its limit keep waiting without holding up other flows' runs."""
    limits = {run.flow_id: run.flow_limit for run in candidates if run.flow_limit is not None}
    active: dict[int, int] = {}
    if limits:
        active = dict(_sql(_ACTIVE, company_id=company_id, flow_ids=list(limits)).all())
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


def release(run, pipeline=None) -> None:
    """The run ended (or will never start): give back its slot and let the next ones in. A caller's
    Redis `pipeline` is executed here, with the slot's give-back, in one round trip."""
    pipe = get_redis().pipeline(transaction=False) if pipeline is None else pipeline
    pipe.srem(slots_key(run.company_id), run.id)
    pipe.srem(running_key(run.company_id), run.id)
    pipe.scard(slots_key(run.company_id))
    pipe.scard(running_key(run.company_id))
    held, going = pipe.execute()[-2:]
    # A stale member of the running set (a crashed worker's, until the sweep prunes it) makes this
    # count smaller, so it can only hand over sooner, never starve the company.
    if held - going >= HANDOVER_DEPTH:
        return
    if _sql(_WAITING, company_id=run.company_id, run_id=0).first() is not None:
        dispatch(run.company_id)


def sweep() -> int:
    """Start due automatic retries, then dispatch every company with waiting runs (the scheduler calls
    this each tick)."""
    from app.runs import auto_retry, recovery  # they start runs through services, which imports this module

    auto_retry.start_due()
    recovery.recover()
    company_ids = db.session.execute(
        select(Run.company_id).where(Run.status == "queued", Run.dispatched_at.is_(None)).distinct()).scalars()
    return sum(dispatch(company_id, prune=True) for company_id in list(company_ids))
