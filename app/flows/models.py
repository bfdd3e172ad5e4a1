"""Process flows, their versions (one draft, at most one deployed, older ones inactive) and labels."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow

PRIORITIES = {"highest": 1, "high": 2, "medium": 3, "low": 4, "lowest": 5}
PRIORITY_LABELS = {"highest": _l("Highest"), "high": _l("High"), "medium": _l("Regular"), "low": _l("Low"),
                   "lowest": _l("Lowest")}

# Both sides are scoped to one company by the services that assign labels.
flow_label = Table(
    "flow_label", db.metadata,
    Column("flow_id", Integer, ForeignKey("flow.id", ondelete="CASCADE"), primary_key=True),
    Column("label_id", Integer, ForeignKey("label.id", ondelete="CASCADE"), primary_key=True),
)


class Label(TenantMixin, db.Model):
    """One shared pool of labels per company (flows today; environments and blueprints later)."""

    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    colour: Mapped[str] = mapped_column(String(7), default="#6c757d")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Label {self.id} {self.name!r}>"


class Flow(TenantMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    use_queued_time: Mapped[bool] = mapped_column(default=False)
    # Runs of this flow at once (None: only the company's allowance applies).
    concurrency_limit: Mapped[int | None]
    run_timeout_seconds: Mapped[int | None]
    # How many times a failed run is started again automatically (0-3).
    retry_failed_runs: Mapped[int] = mapped_column(default=0)
    # NotificationGroup ids emailed when a run fails.
    failure_group_ids: Mapped[list] = mapped_column(JSON, default=list)
    # Addresses typed in the flow settings, emailed with those groups when a run fails (lower-cased).
    failure_emails: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    versions: Mapped[list[FlowVersion]] = relationship(
        back_populates="flow", order_by="FlowVersion.number", cascade="all, delete-orphan")
    labels: Mapped[list[Label]] = relationship(secondary=flow_label, order_by="Label.name")

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
    # {"trigger": {"type": ..., "config": {...}}, "steps": [{"id", "type", "version", "config", ...}],
    #  "variables": [{"name", "type", "default"}]}
    definition: Mapped[dict] = mapped_column(JSON, default=dict)
    # Bumped by the ORM on every UPDATE of the row (version_id_col below): an edit posted with an older
    # revision is refused, and two saves racing on one row cannot both commit.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    deployed_at: Mapped[datetime | None]
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    flow: Mapped[Flow] = relationship(back_populates="versions")
    created_by = relationship("User", foreign_keys=[created_by_id])
    deployed_by = relationship("User", foreign_keys=[deployed_by_id])

    __mapper_args__ = {"version_id_col": revision}

    @property
    def steps(self) -> list[dict]:
        return (self.definition or {}).get("steps", [])

    @property
    def trigger(self) -> dict:
        return (self.definition or {}).get("trigger", {"type": "manual", "config": {}})

    @property
    def variables(self) -> list[dict]:
        return (self.definition or {}).get("variables", [])


class DraftChange(TenantMixin, db.Model):
    """The undo stack of a draft: the definition as it was before each structural change."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("flow_version.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))  # in English, as made; older rows have only this
    # [[msgid, params], …]: the label's parts (N_-marked in app/flows/drafts.py) to show in the viewer's language
    label_parts: Mapped[list | None] = mapped_column(JSON)
    definition: Mapped[dict] = mapped_column(JSON)
    # A restore replaces everything, so undoing it does too; other undos keep today's shape settings.
    whole: Mapped[bool] = mapped_column(default=False)
    # A change to one shape's settings (auto-map): undo puts that shape's settings back as well.
    settings_of: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def shown_label(self) -> str:
        """The label in the viewer's language (rows made before label_parts show as stored)."""
        from app.flows.drafts import render_undo_label

        return render_undo_label(self.label_parts) if self.label_parts else self.label
