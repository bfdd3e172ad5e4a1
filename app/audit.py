"""The audit trail: one AuditEntry per change or sign-in, added by the service that made it (never a view).

record() only adds the row to the session; the calling service commits it together with the change
it describes, so a change and its entry are saved or lost together.
"""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow


class AuditEntry(TenantMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The actor's name and email are copied so the trail still reads after the account changes.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(120), default="")
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(300), default="")
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


def client_ip() -> str | None:
    """The visitor's address, the one place sign-in limits and audit rows take it from.

    Headers such as X-Forwarded-For are never read here: with WEFT_PROXY_HOPS set, ProxyFix (in the app
    factory) has already replaced remote_addr with what the trusted proxies reported, and without it a
    forged header changes nothing.
    """
    return request.remote_addr if has_request_context() else None


def record(actor, company, action: str, target: str = "", ip: str | None = None, **details) -> AuditEntry:
    """Add an entry for `company` (a Company or its id); `actor` is a User or None (the system)."""
    company_id = company if isinstance(company, int) else company.id
    entry = AuditEntry(company_id=company_id, action=action, target=str(target)[:300], ip=ip or client_ip(),
                       actor_id=getattr(actor, "id", None), actor_name=getattr(actor, "name", "") or "",
                       actor_email=getattr(actor, "email", "") or "", details=details)
    db.session.add(entry)
    return entry
