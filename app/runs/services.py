"""Starting, stopping and finishing runs. Services commit; the enqueue comes after the commit."""
from __future__ import annotations

from app import jobs
from app.extensions import db, get_redis
from app.flows.models import Flow
from app.runs import logbook
from app.runs.models import Run
from app.timeutil import utcnow

MAX_INPUT_CHARS = 100_000


class RunError(ValueError):
    """A run cannot be started; the message is meant for the user."""


def job_id(run_id: int) -> str:
    return f"run-{run_id}"


def stop_key(run_id: int) -> str:
    return f"weft:runs:{run_id}:stop"


def start_run(flow: Flow, trigger: str = "manual", payload: str | None = None, fmt: str = "json") -> Run:
    """Create a queued run of the flow's deployed version (else its draft), commit, then enqueue it."""
    version = flow.deployed or flow.draft
    if version is None:
        raise RunError("This flow has no version to run.")
    if payload is not None and len(payload) > MAX_INPUT_CHARS:
        raise RunError(f"The payload is {len(payload):,} characters; the limit is {MAX_INPUT_CHARS:,}.")
    run = Run(company_id=flow.company_id, flow_id=flow.id, version_id=version.id, trigger=trigger, status="queued")
    db.session.add(run)
    db.session.flush()
    if payload is not None:
        run.input_ref = logbook.store().put(run.company_id, run.id, f"input.{fmt}", payload.encode())
    db.session.commit()
    jobs.enqueue(jobs.RUNS, "app.runs.jobs.execute_run", run.id, job_id=job_id(run.id))
    return run


def request_stop(run: Run) -> None:
    """The engine checks this flag between steps; a queued run is stopped at once."""
    if run.is_final:
        return
    get_redis().set(stop_key(run.id), "1", ex=86_400)
    if run.status == "queued":
        finish(run, "stopped", error="Stopped before it started.")


def stop_requested(run_id: int) -> bool:
    return bool(get_redis().exists(stop_key(run_id)))


def finish(run: Run, status: str, *, error: str | None = None) -> None:
    run.status = status
    run.error = error
    run.finished_at = utcnow()
    db.session.commit()
    logbook.publish(run.id, status=status)
