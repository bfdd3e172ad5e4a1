"""Process flows and their versions: the draft is edited, a deployed version is frozen."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow

PRIORITIES = {"highest": 1, "high": 2, "medium": 3, "low": 4, "lowest": 5}


class Flow(TenantMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    use_queued_time: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    versions: Mapped[list[FlowVersion]] = relationship(
        back_populates="flow", order_by="FlowVersion.number", cascade="all, delete-orphan")

    @property
    def draft(self) -> FlowVersion | None:
        return next((v for v in self.versions if v.status == "draft"), None)

    @property
    def deployed(self) -> FlowVersion | None:
        return next((v for v in self.versions if v.status == "deployed"), None)

    def __repr__(self) -> str:
        return f"<Flow {self.id} {self.name!r}>"


class FlowVersion(TenantMixin, db.Model):
    __table_args__ = (UniqueConstraint("flow_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flow.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | deployed | inactive
    # {"trigger": {"type": ..., "config": {...}}, "steps": [{"id", "type", "version", "config", ...}]}
    definition: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_at: Mapped[datetime | None]

    flow: Mapped[Flow] = relationship(back_populates="versions")

    @property
    def steps(self) -> list[dict]:
        return (self.definition or {}).get("steps", [])

    @property
    def trigger(self) -> dict:
        return (self.definition or {}).get("trigger", {"type": "manual", "config": {}})
