"""Cross-reference lookup tables and their rows (left value ↔ right value)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow

VALUE_MAX = 255
# Which way a table may be read. A two-way table keeps both columns unique; a one-way table only the
# column it is read from, so many values may map to one (Kilogram, kg, KGS → Kg).
DIRECTIONS = {
    "both": "Both ways (left ↔ right)",
    "left_to_right": "Left → right only",
    "right_to_left": "Right → left only",
}


class LookupTable(TenantMixin, db.Model):
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    left_label: Mapped[str] = mapped_column(String(60), default="Left value")
    right_label: Mapped[str] = mapped_column(String(60), default="Right value")
    directions: Mapped[str] = mapped_column(String(20), default="both")
    default_value: Mapped[str | None] = mapped_column(String(VALUE_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    rows: Mapped[list[LookupRow]] = relationship(back_populates="table", order_by="LookupRow.id",
                                                 cascade="all, delete-orphan")

    @property
    def directions_label(self) -> str:
        return DIRECTIONS.get(self.directions, self.directions)

    def unique_sides(self) -> tuple[str, ...]:
        """The columns whose values must not repeat: those the table can be read from."""
        return {"both": ("left", "right"), "left_to_right": ("left",), "right_to_left": ("right",)}[self.directions]


class LookupRow(TenantMixin, db.Model):
    __table_args__ = (
        Index("ix_lookup_row_left", "table_id", "left_value"),
        Index("ix_lookup_row_right", "table_id", "right_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("lookup_table.id", ondelete="CASCADE"), index=True)
    left_value: Mapped[str] = mapped_column(String(VALUE_MAX))
    right_value: Mapped[str] = mapped_column(String(VALUE_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    table: Mapped[LookupTable] = relationship(back_populates="rows")
