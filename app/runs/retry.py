"""Retrying runs: from the start with the same input, from the failed step with the payloads that step
received, or many failed runs at once. A retry is a new run (trigger "retry") of the ORIGINAL version,
linked to the run it retries by `retry_of_id`; the old run is never changed (spec §4.4).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from app import audit
from app.extensions import db
from app.flows.context import Bucket
from app.flows.engine import step_label
from app.runs import logbook, services
from app.runs.models import Run, RunFailedPayload
from app.runs.payloads import load_bucket
from app.runs.queries import RunFilter, matching_ids
from app.runs.services import RunError
from app.tenancy import current_company_id, scoped

RETRYABLE = ("failure", "partial", "stopped")
BULK_LIMIT = 500  # runs retried by one bulk action; the page says when more matched
BUCKET_FORMAT = "bucket"  # input.bucket: a whole stored bucket (payloads with formats and metadata)


def _input(run: Run) -> tuple[bytes | None, str]:
    """The run's input payload and its format; RunError when it was stored and has since been purged."""
    if not run.input_ref:
        return None, "json"
    try:
        body = logbook.store().get(run.company_id, run.input_ref)
    except KeyError:
        raise RunError("The input payload of this run has been removed (payload retention), so it cannot be "
                       "retried with the same input. Run the flow again with a payload instead.") from None
    return body, run.input_ref.rsplit(".", 1)[-1]


def step_input(run: Run) -> RunFailedPayload | None:
    return db.session.execute(scoped(RunFailedPayload).where(RunFailedPayload.run_id == run.id,
                                                             RunFailedPayload.kind == "step_input")
                              .order_by(RunFailedPayload.id.desc()).limit(1)).scalar_one_or_none()


def why_not(run: Run, from_step: bool = False) -> str | None:
    """Why this run cannot be retried (that way) now, in words for the page; None when it can."""
    if run.status not in RETRYABLE:
        return "Only failed, partly successful or stopped runs can be retried."
    if not run.flow.enabled:
        return "The process flow is disabled; enable it to retry its runs."
    if from_step:
        if run.status != "failure":
            return "Only a failed run can be retried from the step that failed."
        saved = step_input(run)
        if saved is None:
            return "This run did not keep the payloads of a failed step."
        if not logbook.store().exists(run.company_id, saved.payload_ref or ""):
            return "The payloads of the failed step have been removed (payload retention)."
    return None


def retry(run: Run, *, from_step: bool = False, skip_queue: bool | None = None, actor=None) -> Run:
    """Start the retry run and return it; RunError (message for the user) when it cannot start."""
    problem = why_not(run, from_step)
    if problem:
        raise RunError(problem)
    version = run.version
    if actor is not None:  # committed with the new run by start_run
        audit.record(actor, run.company_id, "run.retried", f"run #{run.id}", flow=run.flow.name, from_step=from_step)
    if from_step:
        saved = step_input(run)
        try:
            body = logbook.store().get(run.company_id, saved.payload_ref)
        except KeyError:
            raise RunError("The payloads of the failed step have been removed (payload retention).") from None
        return services.start_run(run.flow, trigger="retry", payload=body, fmt=BUCKET_FORMAT, version=version,
                                  variables=run.variables, parent_run_id=run.parent_run_id, max_chars=None,
                                  retry_of_id=run.id, retry_from_step=saved.step_id, skip_queue=skip_queue)
    body, fmt = _input(run)
    return services.start_run(run.flow, trigger="retry", payload=body, fmt=fmt, meta=run.input_meta,
                              variables=run.variables, version=version, parent_run_id=run.parent_run_id,
                              max_chars=None, retry_of_id=run.id, skip_queue=skip_queue)


def input_bucket(run: Run) -> Bucket:
    """The input of a retry from a step: the stored bucket the failed step received."""
    body = logbook.store().get(run.company_id, run.input_ref)
    return load_bucket(body)


def failed_step_label(run: Run, step_id: str | None) -> str | None:
    """The label of a step of the run's version, found anywhere in its tree."""
    def find(steps):
        for step in steps:
            if str(step.get("id", "")) == step_id:
                return step
            for path in step.get("paths") or []:
                found = find(path.get("steps", []))
                if found:
                    return found
        return None

    if not step_id:
        return None
    step = find((run.version.definition or {}).get("steps", []))
    return step_label(step) if step else step_id


@dataclass
class BulkResult:
    started: list[int] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> how many
    more: bool = False  # more runs matched than one bulk action retries


def retry_many(filters: RunFilter, limit: int = BULK_LIMIT, actor=None) -> BulkResult:
    """Retry (from the start) every failed run matching the filters that was not retried before.

    The retries wait their turn in the run queue like scheduled runs: hundreds of them must not all
    take a concurrency slot at once."""
    result = BulkResult()
    ids = matching_ids(filters, "failure", limit + 1)
    result.more = len(ids) > limit
    ids = ids[:limit]
    if not ids:
        return result
    retried = set(db.session.execute(scoped(Run).with_only_columns(Run.retry_of_id)
                                     .where(Run.retry_of_id.in_(ids))).scalars())
    for run_id in sorted(ids):
        if run_id in retried:
            result.skipped["already retried"] = result.skipped.get("already retried", 0) + 1
            continue
        run = db.session.execute(scoped(Run).where(Run.id == run_id)).scalar_one()
        try:
            result.started.append(retry(run, skip_queue=False).id)
        except RunError as exc:
            db.session.rollback()
            reason = str(exc).split(";")[0].split(",")[0].rstrip(".")
            result.skipped[reason] = result.skipped.get(reason, 0) + 1
    if actor is not None and result.started:
        audit.record(actor, current_company_id(), "runs.bulk_retried", f"{len(result.started)} runs",
                     run_ids=result.started[:100])
        db.session.commit()
    return result


def options(run: Run) -> dict:
    """What the run page offers: retry from the start, and from the failed step (with why not)."""
    saved = step_input(run) if run.status == "failure" else None
    return {"retry_problem": why_not(run), "step_retry": saved,
            "step_retry_problem": why_not(run, from_step=True) if saved else None}
