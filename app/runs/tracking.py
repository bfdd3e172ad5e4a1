"""Tracked data: values recorded by track data shapes, searchable on the tracked data page (spec §4.5).

One row per value per tracking, so a value tracked by two track shapes in one run gives two
entries (spec). The label is the "entity type" the page searches by first, then the value. Each
row is kept for RETENTION_DAYS after it was tracked; the purge job calls purge_older_than().
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, delete, insert
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow

RETENTION_DAYS = 15
MAX_VALUE_CHARS = 255
MAX_LABEL_CHARS = 120


class TrackedValue(TenantMixin, db.Model):
    __table_args__ = (
        # The page: pick a label (entity type), then type a value (prefix search), newest first.
        Index("ix_tracked_value_label_value", "company_id", "label", "value"),
        Index("ix_tracked_value_value", "company_id", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flow.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(MAX_LABEL_CHARS))
    value: Mapped[str] = mapped_column(String(MAX_VALUE_CHARS))
    tracked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def record(company_id: int, flow_id: int, run_id: int, pairs: list[tuple[str, str]],
           now: datetime | None = None) -> int:
    """Insert one row per (label, value) in one statement and commit; returns the number of rows."""
    when = now or utcnow()
    rows = [{"company_id": company_id, "flow_id": flow_id, "run_id": run_id,
             "label": str(label)[:MAX_LABEL_CHARS], "value": str(value)[:MAX_VALUE_CHARS], "tracked_at": when}
            for label, value in pairs]
    if rows:
        db.session.execute(insert(TrackedValue), rows)
        db.session.commit()
    return len(rows)


def purge_older_than(days: int = RETENTION_DAYS, now: datetime | None = None) -> int:
    """Delete rows tracked more than `days` ago, for every company (a housekeeping job, cross-tenant by
    nature); returns how many were deleted. Commits."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(delete(TrackedValue).where(TrackedValue.tracked_at < cutoff))
    db.session.commit()
    return result.rowcount or 0
