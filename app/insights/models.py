"""Notification groups (who gets notify-shape and failure emails) and the monthly email counter."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow


class NotificationGroup(TenantMixin, db.Model):
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Addresses as typed or picked from the company's users; stored lower-cased, without duplicates.
    emails: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<NotificationGroup {self.id} {self.name!r}>"


class EmailUsage(TenantMixin, db.Model):
    """Notification emails sent by a company in one calendar month (UTC), against its tier's allowance."""

    __table_args__ = (UniqueConstraint("company_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # "YYYY-MM"
    sent: Mapped[int] = mapped_column(default=0)
