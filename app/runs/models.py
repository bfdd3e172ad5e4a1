"""Runs and their log rows. Payload bodies live in the payload store (small ones in RunPayload); rows keep a
reference."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.flows.models import Flow, FlowVersion
from app.tenancy import TenantMixin
from app.timeutil import utcnow

FINAL_STATUSES = ("success", "failure", "stopped", "partial")
STATUS_LABELS = {
    "queued": _l("Queued"), "running": _l("Running"), "success": _l("Success"), "failure": _l("Failure"),
    "stopped": _l("Stopped"), "partial": _l("Partial success"),
}


class Run(TenantMixin, db.Model):
    __table_args__ = (
        Index("ix_run_company_created", "company_id", "id"),
        # The run queue picks a company's waiting runs by priority, then FIFO.
        Index("ix_run_waiting", "company_id", "status", "priority", "id"),
        # The run logs page: newest first (keyset on id) within each filter, and day ranges/charts.
        Index("ix_run_company_status", "company_id", "status", "id"),
        Index("ix_run_company_flow", "company_id", "flow_id", "id"),
        Index("ix_run_company_trigger", "company_id", "trigger", "id"),
        Index("ix_run_company_day", "company_id", "created_at", "status"),
        Index("ix_run_parent", "parent_run_id"),
        Index("ix_run_retry_of", "retry_of_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flow.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("flow_version.id", ondelete="CASCADE"))
    # manual | schedule | webhook | callback | event | api | run_process_flow | retry
    trigger: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    priority: Mapped[int] = mapped_column(default=3)  # 1 highest .. 5 lowest
    queue: Mapped[str] = mapped_column(String(20), default="runs")  # runs | callbacks
    skip_queue: Mapped[bool] = mapped_column(default=False)  # manual runs: no waiting, still a slot
    dispatched_at: Mapped[datetime | None]
    parent_run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id", ondelete="SET NULL"))
    input_ref: Mapped[str | None] = mapped_column(String(255))
    input_meta: Mapped[dict | None] = mapped_column(JSON)
    variables: Mapped[dict | None] = mapped_column(JSON)  # flow-variable overrides for this run
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    operations: Mapped[int] = mapped_column(default=0)
    data_out: Mapped[int] = mapped_column(BigInteger, default=0)
    payload_count: Mapped[int] = mapped_column(default=0)
    cpu_ms: Mapped[float] = mapped_column(default=0.0)
    output_ref: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    # A retry is a new run pointing at the run it retries; from a step, it starts at that step.
    retry_of_id: Mapped[int | None] = mapped_column(ForeignKey("run.id", ondelete="SET NULL"))
    retry_from_step: Mapped[str | None] = mapped_column(String(40))

    flow: Mapped[Flow] = relationship()
    version: Mapped[FlowVersion] = relationship()

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        return ((self.finished_at or utcnow()) - self.started_at).total_seconds()


class RunLog(TenantMixin, db.Model):
    __table_args__ = (
        # The run list's "has warnings" filter: one seek per run, and only warning rows pay for the index.
        Index("ix_run_log_warning", "run_id", sqlite_where=text("level = 'warning'"),
              postgresql_where=text("level = 'warning'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[str | None] = mapped_column(String(40))
    step_label: Mapped[str | None] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10), default="info")  # debug | info | warning | error
    message: Mapped[str] = mapped_column(Text)
    payload_ref: Mapped[str | None] = mapped_column(String(255))
    payload_size: Mapped[int | None] = mapped_column(BigInteger)
    payload_count: Mapped[int | None]
    payload_preview: Mapped[str | None] = mapped_column(Text)
    # A connector's line about one HTTP request: the masked request and response (runs.exchanges).
    exchange: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    run: Mapped[Run] = relationship()


class RunStep(TenantMixin, db.Model):
    """What one step of a run did: status, timing, payloads and operations (the per-step table)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))  # success | failure | skipped | partial
    started_at: Mapped[datetime]
    duration_ms: Mapped[float] = mapped_column(default=0.0)
    cpu_ms: Mapped[float] = mapped_column(default=0.0)
    payloads_in: Mapped[int] = mapped_column(default=0)
    payloads_out: Mapped[int] = mapped_column(default=0)
    bytes_in: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_out: Mapped[int] = mapped_column(BigInteger, default=0)
    operations: Mapped[int] = mapped_column(default=0)
    # A connector step's operations by its endpoint's direction (receive: in, send: out), and its instance.
    ops_in: Mapped[int] = mapped_column(default=0)
    ops_out: Mapped[int] = mapped_column(default=0)
    instance_id: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)


class RunFailedPayload(TenantMixin, db.Model):
    """A payload that failed in a run: the input of the step that failed the run (kind "step_input",
    all its payloads in one stored bucket, what a retry from that step starts with), or one payload
    a try/catch sent down its catch path (kind "caught")."""

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # step_input | caught
    step_id: Mapped[str | None] = mapped_column(String(40))
    step_label: Mapped[str | None] = mapped_column(String(120))
    error: Mapped[str | None] = mapped_column(Text)
    payload_ref: Mapped[str | None] = mapped_column(String(255))
    payload_size: Mapped[int] = mapped_column(BigInteger, default=0)
    payload_count: Mapped[int] = mapped_column(default=0)
    payload_preview: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunPayload(TenantMixin, db.Model):
    """A small payload body kept in the database instead of a file (app.runs.payloads.INLINE_BYTES):
    creating a file costs more than the rest of a short run's bookkeeping, and the row is written in a
    transaction the run commits anyway. Addressed by the same reference a file would have."""

    __table_args__ = (Index("ix_run_payload_company_created", "company_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(255), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunSettings(TenantMixin, db.Model):
    """A company's run-log settings: retention (within its tier's bounds, see app.runs.retention) and
    the notification groups that flows without their own failure groups email."""

    __table_args__ = (UniqueConstraint("company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    log_days: Mapped[int] = mapped_column(default=30)
    payload_hours: Mapped[int] = mapped_column(default=72)
    tracked_days: Mapped[int] = mapped_column(default=15)
    failure_group_ids: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
