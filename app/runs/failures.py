"""What a run keeps of its failures, and the failure emails.

When a run ends, `after_run` stores the payloads that failed (the input bucket of the step that
failed the run, which a retry from that step starts with, and each payload a try/catch sent down its
catch path) and, for a failed run, emails the flow's failure notification groups.

Emails are once per run and at most one per flow per WINDOW_SECONDS: the first failure is emailed at
once; failures inside the window are counted in Redis and summarised ("N more failures") when the
window ends, by the housekeeping tick (app.runs.retention.tick), or sooner with the next failure
after it. Every email counts against the company's monthly allowance (app.insights.notifications).
Recipients get the body in their own language: one message per language (app.i18n.languages_of),
counted once.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import select

from app import mail
from app.companies.models import Company
from app.companies.tiers import tier_of
from app.extensions import db, get_redis
from app.flows.engine import RunResult
from app.flows.models import Flow
from app.insights import notifications
from app.insights.models import NotificationGroup
from app.runs import logbook
from app.runs.models import Run, RunFailedPayload, RunSettings
from app.runs.payloads import bucket_body, dump_bucket, preview
from app.runs.retry import failed_step_label

log = logging.getLogger(__name__)
WINDOW_SECONDS = 15 * 60
MAX_CAUGHT = 500  # caught payloads stored per run; the log says when more failed
LISTED_RUNS = 20  # runs linked from a summary email
DUE_KEY = "weft:failmail:due"  # sorted set: flow id -> when its summary is due

Log = Callable[..., object]


def _key(*parts) -> str:
    return "weft:failmail:" + ":".join(str(p) for p in parts)


# -- failed payloads ---------------------------------------------------------------------------------
def record(run: Run, result: RunResult, log_line: Log) -> int:
    """Store the run's failed payloads and commit; returns how many rows were added."""
    if result.failed_step is None and not result.failed:
        return 0
    store = logbook.store()
    limit = current_app.config["PAYLOAD_PREVIEW_BYTES"]
    rows = []
    if result.failed_step is not None:
        body = dump_bucket(result.failed_input)
        shown = bucket_body(result.failed_input) if result.failed_input else b""
        rows.append(RunFailedPayload(
            company_id=run.company_id, run_id=run.id, kind="step_input", step_id=result.failed_step[:40],
            step_label=(failed_step_label(run, result.failed_step) or "")[:120], error=result.error,
            payload_ref=store.put(run.company_id, run.id, "failed-input.bucket", body),
            payload_size=len(shown), payload_count=len(result.failed_input), payload_preview=preview(shown, limit)))
    for number, failed in enumerate(result.failed[:MAX_CAUGHT], start=1):
        body = failed.payload.to_bytes()
        rows.append(RunFailedPayload(
            company_id=run.company_id, run_id=run.id, kind="caught", step_label=failed.step_label[:120],
            error=failed.error, payload_ref=store.put(run.company_id, run.id, f"caught-{number:04d}.dat", body),
            payload_size=len(body), payload_count=1, payload_preview=preview(body, limit)))
    if len(result.failed) > MAX_CAUGHT:
        log_line("warning", f"{len(result.failed) - MAX_CAUGHT} more failed payloads were not kept "
                            f"(a run keeps at most {MAX_CAUGHT}).")
    db.session.add_all(rows)
    db.session.commit()
    return len(rows)


# -- who hears about it ------------------------------------------------------------------------------
def settings_for(company_id: int) -> RunSettings | None:
    return db.session.execute(select(RunSettings).where(RunSettings.company_id == company_id)).scalar_one_or_none()


def group_ids_for(flow: Flow) -> list[int]:
    """The flow's own failure groups; flows without any (nor addresses of their own) use the company's
    default groups."""
    own = [int(i) for i in (getattr(flow, "failure_group_ids", None) or []) if str(i).isdigit()]
    if own or getattr(flow, "failure_emails", None):
        return own
    settings = settings_for(flow.company_id)
    return [int(i) for i in (settings.failure_group_ids if settings else []) or [] if str(i).isdigit()]


def recipients(company_id: int, group_ids: list[int]) -> tuple[list[str], list[str]]:
    """(addresses, group names) of the company's groups among `group_ids`; others are ignored."""
    if not group_ids:
        return [], []
    groups = list(db.session.execute(select(NotificationGroup).where(
        NotificationGroup.company_id == company_id, NotificationGroup.id.in_(group_ids))
        .order_by(NotificationGroup.name)).scalars())
    addresses = list(dict.fromkeys(a for g in groups for a in g.emails or []))
    return addresses, [g.name for g in groups]


def flow_recipients(flow: Flow) -> tuple[list[str], str]:
    """(addresses, who they are for the run log): the flow's groups and the addresses typed in its settings."""
    addresses, names = recipients(flow.company_id, group_ids_for(flow))
    typed = [a for a in (getattr(flow, "failure_emails", None) or []) if a]
    who = [f"notification group{'s' if len(names) != 1 else ''}: {', '.join(names)}"] if names else []
    if typed:
        who.append(f"address{'es' if len(typed) != 1 else ''} in the flow settings: {', '.join(typed)}")
    return list(dict.fromkeys(addresses + typed)), "; ".join(who)


def run_url(run_id: int) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/runs/{run_id}"


def _take_email(company: Company) -> bool:
    return notifications.take_email(company.id, tier_of(company).monthly_emails) is not None


# -- the failure email ---------------------------------------------------------------------------
def after_run(run: Run, result: RunResult | None, log_line: Log, error: str | None = None) -> None:
    """The job's hook once the engine is done: keep the failed payloads; email when the run failed.
    Never raises: a broken mail setup must not turn into a second failure of the run."""
    try:
        if result is not None:
            record(run, result, log_line)
        status = result.status if result is not None else "failure"
        if status == "failure":
            step = failed_step_label(run, result.failed_step) if result is not None else None
            notify_failure(run, step, (result.error if result is not None else error) or "", log_line)
    except Exception:  # noqa: BLE001  (logged; the run's own outcome stands)
        log.exception("failure handling of run %s failed", run.id)
        db.session.rollback()
        log_line("warning", "Weft could not record this run's failed payloads or send its failure email.")


def notify_failure(run: Run, step: str | None, error: str, log_line: Log, now: float | None = None) -> str | None:
    """Email the flow's groups about this failed run, or count it towards the flow's next summary.
    Returns "sent", "summarised" or None (nobody to tell, already told, or no allowance left)."""
    redis = get_redis()
    if not redis.set(_key("run", run.id), 1, nx=True, ex=86_400):
        return None  # this run was handled already (a duplicate delivery of its job)
    flow = run.flow
    addresses, who = flow_recipients(flow)
    if not addresses:
        return None
    now = now or time.time()
    if not redis.set(_key("flow", flow.id, "window"), 1, nx=True, ex=WINDOW_SECONDS):
        pipe = redis.pipeline()
        pipe.incr(_key("flow", flow.id, "count"))
        pipe.lpush(_key("flow", flow.id, "runs"), run.id)
        pipe.ltrim(_key("flow", flow.id, "runs"), 0, LISTED_RUNS - 1)
        pipe.expire(_key("flow", flow.id, "count"), 2 * 86_400)
        pipe.expire(_key("flow", flow.id, "runs"), 2 * 86_400)
        pipe.pttl(_key("flow", flow.id, "window"))
        ttl_ms = pipe.execute()[-1]
        redis.zadd(DUE_KEY, {str(flow.id): now + max(ttl_ms, 0) / 1000}, nx=True)
        log_line("info", "A failure email about this flow went out in the last 15 minutes; this failure will be "
                         "in the next summary.")
        return "summarised"
    earlier, earlier_runs = _claim_pending(flow.id)
    company = db.session.get(Company, run.company_id)
    if not _take_email(company):
        log_line("warning", "No failure email was sent: this month's notification email allowance is used up.")
        return None

    def subject() -> str:  # called in each recipient language
        if step:
            return gettext("[Failed] %(flow)s: run #%(run)s failed at %(step)s", flow=flow.name, run=run.id, step=step)
        return gettext("[Failed] %(flow)s: run #%(run)s failed", flow=flow.name, run=run.id)
    mail.send_later_per_language(company, addresses, subject, "run_failed", flow_name=flow.name, run_id=run.id,
                                 run_url=run_url(run.id), step=step, error=error, trigger=run.trigger,
                                 company_name=company.name, earlier=earlier,
                                 earlier_urls=[run_url(i) for i in earlier_runs])
    log_line("info", f"Failure email queued for {len(addresses)} recipient{'s' if len(addresses) != 1 else ''} "
                     f"({who}).")
    return "sent"


def _claim_pending(flow_id: int) -> tuple[int, list[int]]:
    """Take the flow's counted failures (if a summary was due and not yet sent): (count, run ids)."""
    redis = get_redis()
    if not redis.zrem(DUE_KEY, str(flow_id)):
        return 0, []
    pipe = redis.pipeline()
    pipe.getdel(_key("flow", flow_id, "count"))
    pipe.lrange(_key("flow", flow_id, "runs"), 0, -1)
    pipe.delete(_key("flow", flow_id, "runs"))
    count, ids, _ = pipe.execute()
    return int(count or 0), [int(i) for i in ids]


def send_due_summaries(now: float | None = None) -> int:
    """Send the summary of each flow whose window has ended with failures counted; returns how many.
    Cross-tenant by nature: a housekeeping job serving every company's flows."""
    redis = get_redis()
    now = now or time.time()
    sent = 0
    for raw in redis.zrangebyscore(DUE_KEY, "-inf", now):
        flow_id = int(raw)
        count, run_ids = _claim_pending(flow_id)
        if not count:
            continue
        flow = db.session.get(Flow, flow_id)
        if flow is None:
            continue
        addresses, _ = flow_recipients(flow)
        company = db.session.get(Company, flow.company_id)
        if not addresses or not _take_email(company):
            continue
        # The next failure waits for the next summary too: at most one email per flow per window.
        redis.set(_key("flow", flow_id, "window"), 1, ex=WINDOW_SECONDS)
        base = current_app.config["BASE_URL"].rstrip("/")
        mail.send_later_per_language(
            company, addresses,
            lambda count=count, name=flow.name: ngettext(  # called at once, in each recipient language
                "[Failed] %(flow)s: %(num)d more failed run", "[Failed] %(flow)s: %(num)d more failed runs",
                count, flow=name),
            "run_failures_summary", flow_name=flow.name, count=count, company_name=company.name,
            run_urls=[run_url(i) for i in run_ids], list_url=f"{base}/runs/?flow={flow_id}&status=failure&from=",
            minutes=WINDOW_SECONDS // 60)
        sent += 1
    return sent


def send_due_summaries_job() -> int:
    """RQ entry point (default queue), enqueued by the housekeeping tick."""
    return send_due_summaries()


def summaries_due(now: float | None = None) -> bool:
    return bool(get_redis().zcount(DUE_KEY, "-inf", now or time.time()))


def latest_failure(run_id: int) -> RunFailedPayload | None:
    return db.session.execute(select(RunFailedPayload).where(RunFailedPayload.run_id == run_id)
                              .order_by(RunFailedPayload.id).limit(1)).scalar_one_or_none()
