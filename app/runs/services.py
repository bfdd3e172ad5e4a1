"""Starting, stopping and finishing runs. Services commit; the run queue enqueues after the commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app import audit
from app.extensions import db, get_redis
from app.flows.models import PRIORITIES, Flow, FlowVersion
from app.insights import usage
from app.runs import logbook
from app.runs import queue as run_queue
from app.runs.models import Run, RunStep
from app.timeutil import utcnow

MAX_INPUT_CHARS = 100_000
SKIPS_QUEUE = ("manual", "retry")  # people waiting at the screen; they still take a slot


class RunError(ValueError):
    """A run cannot be started; the message is meant for the user."""


def stop_key(run_id: int) -> str:
    return f"weft:runs:{run_id}:stop"


def start_run(flow: Flow, trigger: str = "manual", payload: str | bytes | None = None, fmt: str = "json", *,
              meta: dict | None = None, variables: dict | None = None, queue: str | None = None,
              version: FlowVersion | None = None, parent_run_id: int | None = None,
              max_chars: int | None = MAX_INPUT_CHARS, retry_of_id: int | None = None,
              retry_from_step: str | None = None, skip_queue: bool | None = None) -> Run:
    """Create a run of `version` (default: the deployed version, else the draft), commit, then queue it.

    The input payload is stored before this returns, so a webhook can answer only once it is safe.
    `skip_queue` overrides the trigger's default (bulk retries wait their turn like scheduled runs)."""
    version = version or flow.deployed or flow.draft
    if version is None:
        raise RunError("This flow has no version to run.")
    if payload is not None and max_chars is not None and len(payload) > max_chars:
        raise RunError(f"The payload is {len(payload):,} characters; the limit is {max_chars:,}.")
    callback = queue == run_queue.CALLBACKS
    run = Run(company_id=flow.company_id, flow_id=flow.id, version_id=version.id, trigger=trigger, status="queued",
              priority=1 if callback else PRIORITIES.get(flow.priority, 3), queue="callbacks" if callback else "runs",
              skip_queue=callback or (trigger in SKIPS_QUEUE if skip_queue is None else skip_queue),
              input_meta=meta or None, variables=variables or None, parent_run_id=parent_run_id,
              retry_of_id=retry_of_id, retry_from_step=retry_from_step)
    db.session.add(run)
    db.session.flush()
    if payload is not None:
        body = payload if isinstance(payload, bytes) else payload.encode()
        run.input_ref = logbook.store().put_with(db.session.connection(), run.company_id, run.id, f"input.{fmt}",
                                                   body)
    db.session.commit()
    run_queue.admit(run, flow.concurrency_limit)
    return run


@dataclass
class NewRun:
    """A run started by start_inbound_run: what the queue and the caller need, without an ORM object."""

    id: int
    company_id: int
    flow_id: int
    priority: int
    queue: str
    skip_queue: bool
    dispatched_at: datetime | None = None


# Built once: building statements per call cost more than running them.
_INSERT_RUN = insert(Run.__table__).returning(Run.__table__.c.id)
_SET_INPUT = (update(Run.__table__).where(Run.__table__.c.id == bindparam("run_id"))
              .values(input_ref=bindparam("ref")))


def start_inbound_run(flow: Flow, version_id: int, trigger: str, payload: str | bytes | None, fmt: str = "json", *,
                      queue: str | None = None, company_allowance: int | None = None,
                      operation: str | None = None) -> NewRun:
    """start_run for the inbound hot path (webhooks, callbacks): one INSERT … RETURNING and one
    UPDATE in one transaction, no ORM unit of work; the caller has checked the version, the size
    and the company. Like start_run, the payload is stored and committed before this returns. `flow` may be
    anything with a Flow's id, company_id, priority and concurrency_limit (inbound passes what it read).
    `operation` names the source of the operation the call counts (count_operation), metered in the
    run queue's first Redis round trip."""
    callback = queue == run_queue.CALLBACKS
    values = {"company_id": flow.company_id, "flow_id": flow.id, "priority": 1 if callback else
              PRIORITIES.get(flow.priority, 3), "queue": "callbacks" if callback else "runs",
              "skip_queue": callback or trigger in SKIPS_QUEUE}
    conn = db.session.connection()
    run_id = conn.execute(_INSERT_RUN, {"version_id": version_id, "trigger": trigger, "status": "queued",
                                        "created_at": utcnow(), **values}).scalar_one()
    if payload is not None:
        body = payload if isinstance(payload, bytes) else payload.encode()
        ref = logbook.store().put_with(conn, flow.company_id, run_id, f"input.{fmt}", body)
        conn.execute(_SET_INPUT, {"run_id": run_id, "ref": ref})
    db.session.commit()
    run = NewRun(id=run_id, **values)
    first = None
    if operation is not None:
        first = get_redis().pipeline(transaction=False)
        count_operation(flow.company_id, flow.id, operation, pipeline=first)
    run_queue.admit(run, flow.concurrency_limit, company_allowance, first=first)
    return run


def count_operation(company_id: int, flow_id: int, source: str, pipeline=None) -> None:
    """A webhook, event or API call received counts one operation for its company (on a Redis
    `pipeline`, once the caller executes it)."""
    usage.add(company_id, flow_id, operations=1, source=source, pipeline=pipeline)


def request_stop(run: Run, actor=None) -> None:
    """The engine checks this flag between steps; a run still waiting is stopped at once."""
    if run.is_final:
        return
    if actor is not None:
        audit.record(actor, run.company_id, "run.stopped", f"run #{run.id}", flow=run.flow.name, was=run.status)
        db.session.commit()
    get_redis().set(stop_key(run.id), "1", ex=86_400)
    if run.status == "queued":
        finish(run, "stopped", error="Stopped before it started.")
        _cancel_job(run.id)
        run_queue.release(run)


def _cancel_job(run_id: int) -> None:
    """Take a stopped run's job off its RQ queue, so queue depths stay true; the job would only have
    returned at once anyway (execute_run ignores a run that is no longer queued)."""
    try:
        Job.fetch(run_queue.job_id(run_id), connection=get_redis(), serializer=JSONSerializer).cancel()
    except (NoSuchJobError, InvalidJobOperation):
        pass  # never handed to RQ (waiting for a slot), or already taken by a worker


def stop_requested(run_id: int) -> bool:
    return bool(get_redis().exists(stop_key(run_id)))


_FINISH: dict[tuple, object] = {}


def _finish_statement(names: tuple) -> object:
    """UPDATE run SET <names> for one run, built once per set of columns."""
    statement = _FINISH.get(names)
    if statement is None:
        statement = _FINISH[names] = (update(Run.__table__).where(Run.__table__.c.id == bindparam("run_id"))
                                      .values({name: bindparam(f"new_{name}") for name in names}))
    return statement


def finish(run: Run, status: str, *, error: str | None = None, steps: list | None = None, pipeline=None,
           book=None, **totals) -> None:
    """Store the final status (with `totals`: operations, data_out, payload_count, cpu_ms), the
    run's step records and its logbook's last rows (`book`, with `pipeline`) in one commit, then tell
    viewers (with a Redis `pipeline`, when the caller executes it). Core statements, no unit of work:
    this is once per run on the worker's hot path."""
    values = {"status": status, "error": error, "finished_at": utcnow(), **totals}
    conn = db.session.connection()
    if book is not None:
        book.write_into(conn, pipeline)
    if steps:
        conn.execute(insert(RunStep.__table__), [_step_row(step) for step in steps])
    conn.execute(_finish_statement(tuple(values)), {"run_id": run.id, **{f"new_{k}": v for k, v in values.items()}})
    db.session.commit()
    for name, value in values.items():  # the loaded run stays true without a reload
        set_committed_value(run, name, value)
    logbook.publish(run.id, pipeline=pipeline, status=status)


def _step_row(step: RunStep) -> dict:
    return {key: value for key, value in vars(step).items() if not key.startswith("_")}


def ancestor_flow_ids(run: Run) -> set[int]:
    """The flows of this run and of every run above it (run process flow must not recurse)."""
    ids, current, seen = {run.flow_id}, run, {run.id}
    while current.parent_run_id and current.parent_run_id not in seen:
        seen.add(current.parent_run_id)
        current = db.session.execute(select(Run).where(Run.id == current.parent_run_id,
                                                       Run.company_id == run.company_id)).scalar_one_or_none()
        if current is None:
            break
        ids.add(current.flow_id)
    return ids
