"""RQ entry points for runs. Arguments are ids only; everything else is loaded here."""
from __future__ import annotations

import json
import logging
import time
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.companies.models import Company
from app.connectors.runtime import ConnectorRuntime, shared_client
from app.extensions import db, get_redis
from app.flows.context import Payload, ShapeError
from app.flows.engine import Engine, Environment, StepRecord
from app.flows.models import Flow, FlowVersion
from app.insights import notifications, usage
from app.runs import auto_retry, callbacks, failures, live_steps, logbook, retry, services, tracking
from app.runs import queue as run_queue
from app.runs.models import Run, RunPayload
from app.scripts import run_services as script_services
from app.tenancy import acting_as
from app.timeutil import utcnow

log = logging.getLogger(__name__)
# A run's steps are announced to live viewers, and a stop request is looked for again, only after this
# long: viewers cannot tell the difference, and a short run saves a Redis round trip per step.
LIVE_AFTER_SECONDS = 0.05


def _input_bucket(run: Run, body: bytes | None) -> list[Payload]:
    """The run's input; `body` is its stored row's, when _LOAD found one (else the file is read)."""
    if not run.input_ref:
        return []
    body = bytes(body) if body is not None else logbook.store().get(run.company_id, run.input_ref)
    fmt = run.input_ref.rsplit(".", 1)[-1]
    meta = dict(run.input_meta or {})
    if fmt == "json":
        return [Payload(data=json.loads(body), format="json", meta=meta)]
    return [Payload(data=body.decode("utf-8", errors="replace"), format=fmt, meta=meta)]


def _flow_variables(version: FlowVersion, overrides: dict | None) -> dict:
    values = {v["name"]: v.get("default") for v in (version.definition or {}).get("variables", []) if v.get("name")}
    values.update(overrides or {})
    return values


class RunHooks:
    """The services a run offers its shapes, bound to one run and its company."""

    def __init__(self, run: Run, book=None):
        self.run = run
        self.book = book
        self.by_source: dict[str, int] = {}
        self.cpu_ms = 0.0
        self.steps: list[SimpleNamespace] = []  # RunStep columns; plain objects cost a tenth of ORM ones
        self.unannounced: list[SimpleNamespace] | None = []  # None once the run is old enough to announce
        self.started = time.monotonic()

    def on_step(self, record: StepRecord) -> None:
        run = self.run
        self.cpu_ms += record.cpu_ms
        operations = record.operations
        # Kept aside and saved with the final status: adding them to the session now would hold a
        # write lock (on SQLite) for the whole run, blocking the log writer.
        self.steps.append(SimpleNamespace(company_id=run.company_id, run_id=run.id, step_id=record.step_id[:40],
                               label=record.label[:120], type=record.type[:40], status=record.status,
                               started_at=record.started_at, duration_ms=record.duration_ms, cpu_ms=record.cpu_ms,
                               payloads_in=record.payloads_in, payloads_out=record.payloads_out,
                               bytes_in=record.bytes_in, bytes_out=record.bytes_out, operations=operations,
                               ops_in=operations if record.direction == "receive" else 0,
                               ops_out=operations if record.direction == "send" else 0, instance_id=record.instance_id,
                               attempts=record.attempts, error=record.error))
        self._announce(self.steps[-1])
        if operations:  # UsageDaily.source: the connector instance the operations went through
            source = f"instance:{record.instance_id}" if record.instance_id else record.type
            self.by_source[source] = self.by_source.get(source, 0) + operations

    def _announce(self, step: SimpleNamespace) -> None:
        """Tell the run's viewers (one Redis round trip, no database); the steps of a run's first
        LIVE_AFTER_SECONDS wait, so a short run announces none: its final status brings them all."""
        if self.unannounced is None:
            live_steps.publish(self.run.id, [step])
            return
        self.unannounced.append(step)
        if time.monotonic() - self.started >= LIVE_AFTER_SECONDS:
            live_steps.publish(self.run.id, self.unannounced)
            self.unannounced = None

    def notify(self, level: str, message: str, channels: str, groups: list[int]) -> None:
        notifications.notify_from_run(self.run.company_id, self.run.id, level, message, channels, groups, self.book)

    def track(self, pairs: list[tuple[str, str]]) -> None:
        tracking.record(self.run.company_id, self.run.flow_id, self.run.id, pairs)

    def callback_respond(self, bucket) -> bool:
        return callbacks.respond(self.run.id, bucket)

    def start_child_run(self, flow_id: int, version: int | None = None, payload: Payload | None = None,
                        meta: dict | None = None, variables: dict | None = None) -> int:
        run = self.run
        flow = db.session.execute(select(Flow).where(Flow.id == int(flow_id), Flow.company_id == run.company_id)
                                  ).scalar_one_or_none()
        if flow is None:
            raise ShapeError(f"Process flow {flow_id} does not exist in this company.")
        if not flow.enabled:
            raise ShapeError(f"Process flow '{flow.name}' is disabled, so it was not started.")
        if flow.id in services.ancestor_flow_ids(run):
            raise ShapeError(f"Process flow '{flow.name}' is already running above this one; flows cannot call "
                             "themselves, directly or through another flow.")
        chosen = None
        if version is not None:
            chosen = next((v for v in flow.versions if v.number == int(version)), None)
            if chosen is None:
                raise ShapeError(f"Process flow '{flow.name}' has no version {version}.")
        body = payload.to_bytes() if payload is not None else None
        child = services.start_run(flow, trigger="run_process_flow", payload=body,
                                   fmt=payload.format if payload is not None else "json", meta=meta,
                                   variables=variables, version=chosen, parent_run_id=run.id, max_chars=None)
        return child.id


# Built once: building these statements per run cost more than running them.
# The company comes along so the run's services find it in the session instead of selecting it again.
# A small input payload comes along too (app.runs.payloads keeps it as a row).
_LOAD = (select(Run, Company, RunPayload.body).join(Company, Company.id == Run.company_id)
         .outerjoin(RunPayload, and_(RunPayload.ref == Run.input_ref, RunPayload.company_id == Run.company_id))
         .options(joinedload(Run.flow), joinedload(Run.version))  # all a run needs, one query
         .where(Run.id == bindparam("run_id")))
_CLAIM = (update(Run.__table__).where(Run.__table__.c.id == bindparam("run_id"), Run.__table__.c.status == "queued")
          .values(status="running", started_at=bindparam("started_at")))


def execute_run(run_id: int) -> str:
    # Loading by id alone is cross-tenant by nature: the job carries no company. Everything after
    # this line acts as the run's company.
    # `company` is held for the run's length: the session's identity map keeps only weak references.
    run, company, input_body = db.session.execute(_LOAD, {"run_id": run_id}).first() or (None, None, None)
    if run is None:
        log.warning("run %s vanished before it started", run_id)
        return "missing"
    if not _claim(run):
        if run.is_final:
            run_queue.release(run)  # stopped while it waited
        return run.status  # else a duplicate delivery: the worker that has it gives the slot back
    # The run's closing Redis commands (log and status announcements, usage counters, its live steps
    # dropped, its slot given back) go in one round trip, by release().
    closing = get_redis().pipeline(transaction=False)
    try:
        with acting_as(run.company_id):
            return _execute(run, closing, input_body)
    finally:
        if run.trigger == "callback":
            callbacks.fail(run.id, run.error or f"The run ended ({run.status}) before reaching a callback shape.")
        closing.delete(live_steps.key(run.id))  # its steps are in the database now
        run_queue.release(run, closing)


def _claim(run: Run) -> bool:
    """Mark the run running, only if it is still queued: one worker runs it, whatever happens to
    its job (a duplicate delivery, a job enqueued again by crash recovery)."""
    started = utcnow()
    claimed = db.session.connection().execute(_CLAIM, {"run_id": run.id, "started_at": started}).rowcount
    db.session.commit()
    if claimed:  # keep the loaded object true without reloading it
        set_committed_value(run, "status", "running")
        set_committed_value(run, "started_at", started)
    else:
        db.session.refresh(run)
    return bool(claimed)


class _StopCheck:
    """services.stop_requested, whose first answer came with the run's "running" announcement; asked
    again at most every LIVE_AFTER_SECONDS (a person's stop needs no faster answer than that)."""

    def __init__(self, run_id: int, first: bool):
        self.run_id, self.known, self.asked = run_id, first, time.monotonic()

    def __call__(self) -> bool:
        if not self.known and time.monotonic() - self.asked >= LIVE_AFTER_SECONDS:
            self.known, self.asked = services.stop_requested(self.run_id), time.monotonic()
        return self.known


def _execute(run: Run, closing, input_body: bytes | None) -> str:
    opening = get_redis().pipeline(transaction=False)
    logbook.publish(run.id, pipeline=opening, status="running")
    run_queue.started(run.id, run.company_id, opening)
    opening.exists(services.stop_key(run.id))
    should_stop = _StopCheck(run.id, bool(opening.execute()[-1]))
    book = logbook.Logbook(run)
    hooks = RunHooks(run, book)
    version = run.version
    book("info", f"Run {run.id} of '{run.flow.name}' version {version.number} started ({run.trigger}).")
    env = Environment(
        log=book, should_stop=should_stop,
        flow_variables=_flow_variables(version, run.variables),
        now=run.created_at if run.flow.use_queued_time else utcnow(),
        company_id=run.company_id, run_id=run.id, flow_id=run.flow_id, redis=get_redis(),
        retry_delay=current_app.config["RETRY_DELAY"], run_timeout=run.flow.run_timeout_seconds, on_step=hooks.on_step,
        step_timeout=current_app.config["STEP_TIMEOUT_SECONDS"],
        start_child_run=hooks.start_child_run, notify=hooks.notify, track=hooks.track,
        callback_respond=hooks.callback_respond if run.trigger == "callback" else None,
        connectors=ConnectorRuntime(company_id=run.company_id, redis=get_redis(), session=db.session,
                                    secret_key=current_app.config["SECRET_KEY"],
                                    retry_delay=current_app.config["RETRY_DELAY"], client=shared_client()),
        **script_services.for_run(run))
    env.connectors.scripts = env.scripts  # connector pre/post-request and pagination scripts
    try:
        start_at = run.retry_from_step  # a retry from a failed step starts there, with that step's input
        bucket = retry.input_bucket(run) if start_at else _input_bucket(run, input_body)
        result = Engine(env).run(version.definition or {}, bucket, start_at=start_at)
    except Exception as exc:  # never leave a run "running" because of our own bug
        log.exception("run %s crashed", run.id)
        db.session.rollback()
        book("error", f"Weft failed to run this flow: {type(exc).__name__}: {exc}")
        failures.after_run(run, None, book, error=str(exc))
        retry_in = auto_retry.plan(run, book)
        services.finish(run, "failure", error=str(exc), steps=hooks.steps, book=book, pipeline=closing)
        if retry_in is not None:
            auto_retry.schedule(run.id, retry_in)
        return "failure"
    finally:
        env.connectors.close()
        script_services.close(env)
    failures.after_run(run, result, book)  # keeps failed payloads; emails the flow's groups on failure
    level = {"success": "info", "partial": "warning", "stopped": "warning"}.get(result.status, "error")
    book(level, f"Run finished: {result.status}" + (f" — {result.error}" if result.error else "."))
    retry_in = auto_retry.plan(run, book) if result.status == "failure" else None
    usage.add(run.company_id, run.flow_id, runs=1, data_bytes=result.data_out, pipeline=closing)
    for source, operations in hooks.by_source.items():
        usage.add(run.company_id, run.flow_id, operations=operations, source=source, pipeline=closing)
    # Its last log rows commit with the final status, so viewers who hear the status find every row.
    services.finish(run, result.status, error=result.error, steps=hooks.steps, book=book,
                    operations=result.operations,
                    data_out=result.data_out, payload_count=result.payload_count, cpu_ms=hooks.cpu_ms,
                    pipeline=closing)
    if retry_in is not None:
        auto_retry.schedule(run.id, retry_in)
    return result.status
