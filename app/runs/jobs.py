"""RQ entry points for runs. Arguments are ids only; everything else is loaded here."""
from __future__ import annotations

import json
import logging

from flask import current_app

from app.extensions import db, get_redis
from app.flows.context import Payload
from app.flows.engine import Engine, Environment
from app.runs import logbook, services
from app.runs.models import Run
from app.tenancy import acting_as
from app.timeutil import utcnow

log = logging.getLogger(__name__)


def _input_bucket(run: Run) -> list[Payload]:
    if not run.input_ref:
        return []
    body = logbook.store().get(run.company_id, run.input_ref)
    fmt = run.input_ref.rsplit(".", 1)[-1]
    if fmt == "json":
        return [Payload(data=json.loads(body), format="json")]
    return [Payload(data=body.decode("utf-8", errors="replace"), format=fmt)]


def execute_run(run_id: int) -> str:
    # Loading by id alone is cross-tenant by nature: the job carries no company. Everything after
    # this line acts as the run's company.
    run = db.session.get(Run, run_id)
    if run is None:
        log.warning("run %s vanished before it started", run_id)
        return "missing"
    if run.status != "queued":
        return run.status  # stopped while queued, or a duplicate delivery
    with acting_as(run.company_id):
        run.status = "running"
        run.started_at = utcnow()
        db.session.commit()
        logbook.publish(run.id, status="running")
        book = logbook.Logbook(run)
        definition = run.version.definition or {}
        book("info", f"Run {run.id} of '{run.flow.name}' version {run.version.number} started ({run.trigger}).")
        env = Environment(log=book, should_stop=lambda: services.stop_requested(run_id),
                          now=run.created_at if run.flow.use_queued_time else utcnow(),
                          company_id=run.company_id, run_id=run.id, redis=get_redis(),
                          retry_delay=current_app.config["RETRY_DELAY"])
        try:
            bucket = _input_bucket(run)
            result = Engine(env).run(definition, bucket)
        except Exception as exc:  # never leave a run "running" because of our own bug
            log.exception("run %s crashed", run_id)
            db.session.rollback()
            book("error", f"Weft failed to run this flow: {type(exc).__name__}: {exc}")
            services.finish(run, "failure", error=str(exc))
            return "failure"
        run.operations = result.operations
        run.data_out = result.data_out
        run.payload_count = result.payload_count
        level = "info" if result.status == "success" else "error" if result.status == "failure" else "warning"
        book(level, f"Run finished: {result.status}" + (f" — {result.error}" if result.error else "."))
        services.finish(run, result.status, error=result.error)
        return result.status
