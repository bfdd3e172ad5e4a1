"""Companies: a partner company links child companies that its team manages, with per-company grants."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class Company(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    # The partner features bolt-on: the company may link child companies (up to its tier's allowance).
    is_partner: Mapped[bool] = mapped_column(default=False)
    tier: Mapped[str] = mapped_column(String(30), default="trial")
    banner: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(255))
    telephone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    require_2fa: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bolt-on key -> units (see tiers.BOLT_ONS). Kept on the row so tier_of() needs no query on hot paths;
    # every change goes through companies.services and is audited there.
    bolt_ons: Mapped[dict | None] = mapped_column(JSON, default=dict)
    # The custom tier's per-company allowances (allowance key -> number); ignored on other tiers.
    allowance_overrides: Mapped[dict | None] = mapped_column(JSON, default=dict)
    linked_at: Mapped[datetime | None]

    parent: Mapped[Company | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Company]] = relationship(back_populates="parent", order_by="Company.name")

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name!r}>"


class TeamAccess(db.Model):
    """A partner's team member may switch into one linked company.

    Not a TenantMixin model: it links a user of the partner to a company that is not theirs, so it is
    read across companies by nature (only through companies.access, which checks the partner link).
    """

    __table_args__ = (UniqueConstraint("user_id", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    granted_by = relationship("User", foreign_keys=[granted_by_id])
