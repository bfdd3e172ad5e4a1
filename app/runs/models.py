"""Runs and their log rows. Payload bodies live in the payload store; rows keep a reference."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.flows.models import Flow, FlowVersion
from app.tenancy import TenantMixin
from app.timeutil import utcnow

FINAL_STATUSES = ("success", "failure", "stopped", "partial")
STATUS_LABELS = {
    "queued": "Queued", "running": "Running", "success": "Success", "failure": "Failure",
    "stopped": "Stopped", "partial": "Partial success",
}


class Run(TenantMixin, db.Model):
    __table_args__ = (Index("ix_run_company_created", "company_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flow.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("flow_version.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(20))  # manual | schedule | webhook | callback | api | retry
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    input_ref: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    operations: Mapped[int] = mapped_column(default=0)
    data_out: Mapped[int] = mapped_column(BigInteger, default=0)
    payload_count: Mapped[int] = mapped_column(default=0)
    output_ref: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)

    flow: Mapped[Flow] = relationship()
    version: Mapped[FlowVersion] = relationship()

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        return ((self.finished_at or utcnow()) - self.started_at).total_seconds()


class RunLog(TenantMixin, db.Model):
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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    run: Mapped[Run] = relationship()
