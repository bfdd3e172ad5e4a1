"""Cache definitions (their data lives in Redis: app/caches/store.py) and de-dupe data pools with their values."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow

LEVELS = {"run": _l("Flow run"), "flow": _l("Flow"), "company": _l("Company")}
POOL_VALUE_MAX = 255


class CacheDefinition(TenantMixin, db.Model):
    """A named cache. Run and flow caches belong to the flow that writes them; company caches to no flow.
    The name is unique per flow (company caches: per company); the service checks it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10), default="flow")  # run | flow | company
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("flow.id", ondelete="CASCADE"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    flow = relationship("Flow")

    @property
    def level_label(self) -> str:
        return LEVELS.get(self.level, self.level)


class DataPool(TenantMixin, db.Model):
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    values: Mapped[list[PoolValue]] = relationship(back_populates="pool", cascade="all, delete-orphan",
                                                   passive_deletes=True, lazy="dynamic")


class PoolValue(TenantMixin, db.Model):
    """One value seen by a de-dupe shape (or imported). Unique per pool: the unique index is what makes
    "track & filter" safe when two runs claim the same value at once."""

    __table_args__ = (
        UniqueConstraint("pool_id", "value", name="uq_pool_value"),
        Index("ix_pool_value_created", "pool_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("data_pool.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(String(POOL_VALUE_MAX))
    entity_type: Mapped[str | None] = mapped_column(String(120))
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("flow.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pool: Mapped[DataPool] = relationship(back_populates="values")
