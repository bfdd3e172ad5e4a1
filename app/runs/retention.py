"""How long runs, payloads and tracked values are kept, per company within its tier, and the purge.

Defaults: run logs 30 days, payloads 72 hours, tracked data 15 days (spec §4.2, §4.5). A company's
administrators may choose other values between MINIMUM and its tier's maximum (TIER_LIMITS).

`purge()` runs daily as an RQ job (queued by `tick()`, which the scheduler calls every tick). It deletes
in batches of BATCH ids, one short transaction each, so the tables are never locked for long and
runs keep writing meanwhile; it removes each purged run's payload folder and any payload folder
older than the payload retention. The database and the payload store therefore stay bounded by what
the retention keeps, whatever the load.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from app import audit, jobs
from app.companies import tiers
from app.companies.models import Company
from app.extensions import db, get_redis
from app.runs import failures, logbook
from app.runs.models import FINAL_STATUSES, Run, RunFailedPayload, RunLog, RunPayload, RunSettings, RunStep
from app.runs.tracking import TrackedValue
from app.timeutil import utcnow

log = logging.getLogger(__name__)
BATCH = 1000
STUCK_AFTER = timedelta(hours=7)  # longer than any job may run (app.runs.queue.JOB_TIMEOUT_SECONDS)


@dataclass(frozen=True)
class Limits:
    log_days: int
    payload_hours: int
    tracked_days: int


DEFAULTS = Limits(log_days=30, payload_hours=72, tracked_days=15)
MINIMUM = Limits(log_days=1, payload_hours=1, tracked_days=1)
# The most each tier may keep of logs and payloads; "tier trumps role", so an administrator chooses within
# these. The tracked-data lookback comes from the tier table (app.companies.tiers), where bolt-ons extend it.
TIER_LIMITS = {
    "trial": Limits(log_days=30, payload_hours=72, tracked_days=15),
    "standard": Limits(log_days=60, payload_hours=7 * 24, tracked_days=15),
    "professional": Limits(log_days=90, payload_hours=14 * 24, tracked_days=15),
    "custom": Limits(log_days=365, payload_hours=30 * 24, tracked_days=15),
    "unlimited": Limits(log_days=365, payload_hours=30 * 24, tracked_days=tiers.TRACKED_DAYS_MAX),
}


def limits_for(company: Company) -> Limits:
    tier = tiers.tier_of(company)  # resolves the old "pro" rows and adds bolt-ons
    return replace(TIER_LIMITS.get(tier.key, TIER_LIMITS["trial"]), tracked_days=tier.tracked_days)


def effective(company: Company, settings: RunSettings | None = None) -> Limits:
    """The company's retention, clamped to its tier (a tier downgrade shortens it at once)."""
    if settings is None:
        settings = failures.settings_for(company.id)
    top = limits_for(company)
    chosen = Limits(settings.log_days, settings.payload_hours, settings.tracked_days) if settings else DEFAULTS
    return Limits(*(max(low, min(value, high)) for value, low, high in zip(
        (chosen.log_days, chosen.payload_hours, chosen.tracked_days),
        (MINIMUM.log_days, MINIMUM.payload_hours, MINIMUM.tracked_days),
        (top.log_days, top.payload_hours, top.tracked_days), strict=True)))


class RetentionError(ValueError):
    """Settings outside the allowed range: `problems` maps each field to a message for the user."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def save(company: Company, log_days: int, payload_hours: int, tracked_days: int,
         failure_group_ids: list[int] | None = None, actor=None) -> RunSettings:
    top = limits_for(company)
    problems = {}
    for name, value, low, high, unit in (
            ("log_days", log_days, MINIMUM.log_days, top.log_days, "days"),
            ("payload_hours", payload_hours, MINIMUM.payload_hours, top.payload_hours, "hours"),
            ("tracked_days", tracked_days, MINIMUM.tracked_days, top.tracked_days, "days")):
        if not low <= value <= high:
            problems[name] = f"Choose between {low} and {high} {unit}: the most your subscription keeps is {high}."
    if problems:
        raise RetentionError(problems)
    settings = failures.settings_for(company.id)
    if settings is None:
        settings = RunSettings(company_id=company.id)
        db.session.add(settings)
    settings.log_days, settings.payload_hours, settings.tracked_days = log_days, payload_hours, tracked_days
    if failure_group_ids is not None:
        settings.failure_group_ids = sorted({int(i) for i in failure_group_ids})
    if actor is not None:
        audit.record(actor, company, "runs.settings_changed", "run logs", log_days=log_days,
                     payload_hours=payload_hours, tracked_days=tracked_days,
                     failure_group_ids=settings.failure_group_ids)
    db.session.commit()
    return settings


# -- the purge ------------------------------------------------------------------------------------
@dataclass
class PurgeReport:
    runs: int = 0
    logs: int = 0
    tracked: int = 0
    payload_folders: int = 0
    payload_rows: int = 0  # small payloads kept in the database (RunPayload)

    def __str__(self) -> str:
        return (f"{self.runs} runs, {self.logs} log rows, {self.tracked} tracked values, "
                f"{self.payload_rows} stored payloads and {self.payload_folders} payload folders removed")


def _delete_ids(model, ids: list[int]) -> int:
    return db.session.execute(delete(model).where(model.id.in_(ids))).rowcount or 0


def _purge_runs(company_id: int, cutoff: datetime, report: PurgeReport, batch: int) -> None:
    store = logbook.store()
    while True:
        # No ORDER BY: sorting the whole expired range for each batch would cost more than the batch.
        ids = list(db.session.execute(
            select(Run.id).where(Run.company_id == company_id, Run.created_at < cutoff,
                                 Run.status.in_(FINAL_STATUSES)).limit(batch)).scalars())
        if not ids:
            return
        # A run's log rows go in slices too: a long run can have many thousands.
        while True:
            log_ids = list(db.session.execute(select(RunLog.id).where(RunLog.run_id.in_(ids)).limit(batch)).scalars())
            if not log_ids:
                break
            report.logs += _delete_ids(RunLog, log_ids)
            db.session.commit()
        db.session.execute(delete(RunStep).where(RunStep.run_id.in_(ids)))
        db.session.execute(delete(RunFailedPayload).where(RunFailedPayload.run_id.in_(ids)))
        db.session.execute(delete(TrackedValue).where(TrackedValue.run_id.in_(ids)))
        for column in (Run.parent_run_id, Run.retry_of_id):  # SQLite does not enforce ON DELETE SET NULL
            db.session.execute(Run.__table__.update().where(column.in_(ids)).values({column.key: None}))
        report.runs += _delete_ids(Run, ids)
        db.session.commit()
        for run_id in ids:
            store.remove_run(company_id, run_id)


def _purge_tracked(company_id: int, cutoff: datetime, report: PurgeReport, batch: int) -> None:
    while True:
        ids = list(db.session.execute(select(TrackedValue.id).where(
            TrackedValue.company_id == company_id, TrackedValue.tracked_at < cutoff).limit(batch)).scalars())
        if not ids:
            return
        report.tracked += _delete_ids(TrackedValue, ids)
        db.session.commit()


def _purge_payload_rows(company_id: int, cutoff: datetime, now: datetime, report: PurgeReport, batch: int) -> None:
    """Delete small payloads stored before the cutoff, except those of runs still going (as for folders)."""
    going = select(Run.id).where(Run.company_id == company_id, Run.status.not_in(FINAL_STATUSES),
                                 Run.created_at >= now - STUCK_AFTER)
    while True:
        ids = list(db.session.execute(select(RunPayload.id).where(
            RunPayload.company_id == company_id, RunPayload.created_at < cutoff,
            RunPayload.run_id.not_in(going)).limit(batch)).scalars())
        if not ids:
            return
        report.payload_rows += _delete_ids(RunPayload, ids)
        db.session.commit()


def _purge_payloads(company_id: int, cutoff: datetime, now: datetime, report: PurgeReport, batch: int) -> None:
    """Remove stored payloads and run folders untouched since the cutoff, except those of runs still going
    (a stuck run older than any job may live is not going)."""
    _purge_payload_rows(company_id, cutoff, now, report, batch)
    store = logbook.store()
    old = [(run_id, changed) for run_id, changed in store.run_folders(company_id) if changed < cutoff.timestamp()]
    if not old:
        return
    live: set[int] = set()
    for start in range(0, len(old), BATCH):
        chunk = [run_id for run_id, _ in old[start:start + BATCH]]
        live |= set(db.session.execute(select(Run.id).where(
            Run.company_id == company_id, Run.id.in_(chunk), Run.status.not_in(FINAL_STATUSES),
            Run.created_at >= now - STUCK_AFTER)).scalars())
    db.session.commit()
    for run_id, _ in old:
        if run_id not in live:
            store.remove_run(company_id, run_id)
            report.payload_folders += 1


def purge(now: datetime | None = None, batch: int = BATCH) -> PurgeReport:
    """Apply every company's retention. Cross-tenant by nature: a housekeeping job."""
    now = now or utcnow()
    report = PurgeReport()
    company_ids = set(db.session.execute(select(Company.id)).scalars()) | set(logbook.store().companies())
    for company_id in sorted(company_ids):
        company = db.session.get(Company, company_id)
        if company is None:  # a deleted company's leftover payloads
            for run_id, _ in logbook.store().run_folders(company_id):
                logbook.store().remove_run(company_id, run_id)
                report.payload_folders += 1
            continue
        keep = effective(company)
        _purge_runs(company_id, now - timedelta(days=keep.log_days), report, batch)
        _purge_tracked(company_id, now - timedelta(days=keep.tracked_days), report, batch)
        _purge_payloads(company_id, now - timedelta(hours=keep.payload_hours), now, report, batch)
        db.session.remove()  # drop loaded rows between companies; memory stays flat
    log.info("retention purge: %s", report)
    return report


def purge_job() -> str:
    """RQ entry point (default queue)."""
    return str(purge())


# -- the scheduler's hook -------------------------------------------------------------------------
def purge_key(day) -> str:
    return f"weft:purge:{day.isoformat()}"


def tick(now: datetime | None = None) -> list[str]:
    """Called by the scheduler every tick: queue the daily purge once per UTC day, and the failure
    summaries whose window has ended. Returns the names of the jobs queued."""
    now = now or utcnow()
    queued = []
    if get_redis().set(purge_key(now.date()), 1, nx=True, ex=2 * 86_400):
        jobs.enqueue(jobs.DEFAULT, "app.runs.retention.purge_job", job_timeout=6 * 3600)
        queued.append("purge")
    if failures.summaries_due(time.time()):
        jobs.enqueue(jobs.DEFAULT, "app.runs.failures.send_due_summaries_job")
        queued.append("failure summaries")
    return queued
