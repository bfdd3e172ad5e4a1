"""What the run queue page shows: the acting company's waiting and running runs per flow with their
place in line, the workers (busy or idle) and the depth of each RQ queue. Read-only.

A waiting run is either held back by Weft (no free concurrency slot yet: its place is its rank by
priority, then age, among the company's held runs) or already handed to RQ (its place is its
position in that RQ queue, which every company shares).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from rq import Queue, Worker
from rq.serializers import JSONSerializer
from sqlalchemy import select
from sqlalchemy.orm import load_only, selectinload

from app.companies.models import Company
from app.companies.tiers import tier_of
from app.extensions import db, get_redis
from app.flows.models import Flow
from app.runs import queue as run_queue
from app.runs.models import Run
from app.tenancy import scoped

SHOWN = 500  # runs listed per state; the page says when there are more
PRIORITY_LABELS = {1: _l("Highest"), 2: _l("High"), 3: _l("Medium"), 4: _l("Low"), 5: _l("Lowest")}


@dataclass
class Entry:
    run: Run
    state: str  # held | handed | running
    position: int | None = None  # 1-based place in line (held: among ours; handed: in its RQ queue)
    queue: str | None = None


@dataclass
class FlowGroup:
    flow: Flow
    entries: list[Entry] = field(default_factory=list)

    @property
    def running(self) -> int:
        return sum(1 for e in self.entries if e.state == "running")

    @property
    def waiting(self) -> int:
        return sum(1 for e in self.entries if e.state != "running")

    @property
    def limit(self) -> int | None:
        return getattr(self.flow, "concurrency_limit", None)


@dataclass
class WorkerView:
    name: str
    state: str
    queues: list[str]
    run_id: int | None  # the acting company's run it works on, if any
    busy_elsewhere: bool
    last_heartbeat: datetime | None
    done: int
    failed: int


def _runs(condition, order) -> list[Run]:
    query = (scoped(Run).where(condition).order_by(*order).limit(SHOWN + 1)
             .options(selectinload(Run.flow).load_only(Flow.id, Flow.name, Flow.company_id),
                      load_only(Run.id, Run.flow_id, Run.status, Run.priority, Run.queue, Run.trigger,
                                Run.created_at, Run.dispatched_at, Run.started_at, Run.company_id, Run.version_id)))
    return list(db.session.execute(query).scalars())


def snapshot(company: Company) -> dict:
    redis = get_redis()
    held = _runs((Run.status == "queued") & Run.dispatched_at.is_(None), (Run.priority, Run.id))
    handed = _runs((Run.status == "queued") & Run.dispatched_at.is_not(None), (Run.id,))
    running = _runs(Run.status == "running", (Run.started_at, Run.id))
    entries = [Entry(run, "held", position=i) for i, run in enumerate(held[:SHOWN], start=1)]
    for run in handed[:SHOWN]:
        name = run_queue.queue_name(run)
        position = Queue(name, connection=redis, serializer=JSONSerializer).get_job_position(run_queue.job_id(run.id))
        entries.append(Entry(run, "handed", position=None if position is None else position + 1, queue=name))
    entries += [Entry(run, "running") for run in running[:SHOWN]]
    groups: dict[int, FlowGroup] = {}
    for entry in entries:
        groups.setdefault(entry.run.flow_id, FlowGroup(entry.run.flow)).entries.append(entry)
    ours = {run.id for run in running}
    return {
        "groups": sorted(groups.values(), key=lambda g: g.flow.name.lower()),
        "more": any(len(rows) > SHOWN for rows in (held, handed, running)),
        "held": len(held), "handed": len(handed), "running": len(running),
        "slots_used": redis.scard(run_queue.slots_key(company.id)), "slots": tier_of(company).concurrency,
        "queues": queue_depths(company.id), "workers": workers(ours),
    }


def queue_depths(company_id: int) -> list[dict]:
    redis = get_redis()
    ours: dict[str, int] = {}
    rows = db.session.execute(select(Run.priority, Run.queue).where(
        Run.company_id == company_id, Run.status == "queued", Run.dispatched_at.is_not(None)))
    for priority, queue in rows:
        name = run_queue.CALLBACKS if queue == run_queue.CALLBACKS else run_queue.PRIORITY_QUEUES.get(priority)
        ours[name] = ours.get(name, 0) + 1
    out = [{"name": run_queue.CALLBACKS, "label": _l("Callbacks"),
            "depth": Queue(run_queue.CALLBACKS, connection=redis).count, "ours": ours.get(run_queue.CALLBACKS, 0)}]
    for priority, name in sorted(run_queue.PRIORITY_QUEUES.items()):
        out.append({"name": name, "label": PRIORITY_LABELS[priority], "depth": Queue(name, connection=redis).count,
                    "ours": ours.get(name, 0)})
    return out


def workers(our_running: set[int]) -> list[WorkerView]:
    found = []
    for worker in Worker.all(connection=get_redis(), serializer=JSONSerializer):
        job_id = worker.get_current_job_id() or ""
        run_id = run_queue.run_id_of(job_id)
        mine = run_id if run_id in our_running else None
        state = worker.get_state()
        found.append(WorkerView(
            name=worker.name, state=str(getattr(state, "value", state)),
            queues=worker.queue_names(), run_id=mine, busy_elsewhere=bool(job_id) and mine is None,
            last_heartbeat=worker.last_heartbeat, done=worker.successful_job_count, failed=worker.failed_job_count))
    return sorted(found, key=lambda w: w.name)
