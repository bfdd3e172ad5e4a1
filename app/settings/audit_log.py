"""Reading the audit trail: filters, pages, labels and the CSV export."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit import AuditEntry
from app.extensions import db
from app.tenancy import scoped

PAGE_SIZE = 50

ACTION_LABELS = {
    "login.succeeded": _l("Signed in"),
    "login.failed": _l("Sign-in failed"),
    "login.paused": _l("Sign-in paused after failed attempts"),
    "logout": _l("Signed out"),
    "user.created": _l("User added"),
    "user.updated": _l("User details changed"),
    "user.role_changed": _l("Role changed"),
    "user.deleted": _l("User deleted"),
    "user.restored": _l("User restored"),
    "user.password_reset_sent": _l("Password reset sent"),
    "user.password_reset_requested": _l("Password reset requested"),
    "user.password_set": _l("Password set from an emailed link"),
    "user.password_changed": _l("Password changed"),
    "user.password_check_failed": _l("Wrong password on My account"),
    "user.code_check_failed": _l("Wrong authentication code on My account"),
    "user.2fa_enabled": _l("Two-factor authentication turned on"),
    "user.2fa_disabled": _l("Two-factor authentication turned off"),
    "user.recovery_code_used": _l("Recovery code used"),
    "user.recovery_codes_replaced": _l("Recovery codes replaced"),
    "company.registered": _l("Company registered"),
    "company.updated": _l("Company profile changed"),
    "company.banner_set": _l("Banner set"),
    "company.banner_cleared": _l("Banner cleared"),
    "company.2fa_required": _l("Two-factor authentication required"),
    "company.2fa_optional": _l("Two-factor authentication made optional"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@dataclass
class Filters:
    user_id: int | None = None
    action: str | None = None
    start: date | None = None
    end: date | None = None

    def apply(self, stmt):
        if self.user_id:
            stmt = stmt.where(AuditEntry.actor_id == self.user_id)
        if self.action:
            stmt = stmt.where(AuditEntry.action == self.action)
        if self.start:
            stmt = stmt.where(AuditEntry.created_at >= datetime.combine(self.start, time.min))
        if self.end:  # the whole end day counts
            stmt = stmt.where(AuditEntry.created_at < datetime.combine(self.end + timedelta(days=1), time.min))
        return stmt


@dataclass
class Page:
    entries: list[AuditEntry]
    number: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def page(filters: Filters, number: int = 1) -> Page:
    base = filters.apply(scoped(AuditEntry))
    total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    number = min(max(1, number), max(1, -(-total // PAGE_SIZE)))
    rows = db.session.execute(base.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
                              .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)).scalars().all()
    return Page(list(rows), number, total)


def user_choices() -> list[tuple[str, str]]:
    users = db.session.execute(scoped(User).order_by(User.name)).scalars()
    return [(str(u.id), f"{u.name} ({u.email})") for u in users]


def action_choices() -> list[tuple[str, str]]:
    used = db.session.execute(scoped(AuditEntry).with_only_columns(AuditEntry.action).distinct()).scalars()
    return sorted(((a, action_label(a)) for a in used), key=lambda pair: pair[1].lower())


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A leading = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(filters: Filters) -> Iterator[str]:
    """The filtered trail as CSV text, a chunk per entry (streamed, so big exports use little memory)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(["time_utc", "actor", "actor_email", "action", "action_label", "target", "ip", "details"])
    yield flush()
    stmt = filters.apply(scoped(AuditEntry)).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    for entry in db.session.execute(stmt.execution_options(yield_per=500)).scalars():
        writer.writerow([_cell(v) for v in (
            entry.created_at.isoformat(timespec="seconds"), entry.actor_name, entry.actor_email, entry.action,
            action_label(entry.action), entry.target, entry.ip,
            json.dumps(entry.details or {}, ensure_ascii=False, sort_keys=True))])
        yield flush()
