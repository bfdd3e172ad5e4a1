"""Makers for the insights room: notification groups and the monthly email counter."""
from __future__ import annotations

from app.extensions import db
from app.insights.models import EmailUsage, NotificationGroup


def make_group(company):
    row = NotificationGroup(company_id=company.id, name="Ops", emails=["ops@example.com"])
    db.session.add(row)
    db.session.commit()
    return row


def make_email_usage(company):
    row = EmailUsage(company_id=company.id, month="2025-01", sent=3)
    db.session.add(row)
    db.session.commit()
    return row


MAKERS = {
    NotificationGroup: make_group,
    EmailUsage: make_email_usage,
}
