"""Makers for the accounts room: recovery codes, set-password links and audit entries."""
from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.accounts import tokens, totp
from app.accounts.models import PasswordToken, RecoveryCode
from app.audit import AuditEntry
from app.extensions import db
from tests import factories


def make_recovery_code(company):
    user = factories.user(company)
    row = RecoveryCode(company_id=company.id, user_id=user.id, code_hash=totp.hash_recovery_code("abcde-fghjk"))
    db.session.add(row)
    db.session.commit()
    return row


def make_password_token(company):
    user = factories.user(company)
    tokens.issue(user, "reset")
    db.session.commit()
    return db.session.execute(select(PasswordToken).where(PasswordToken.user_id == user.id)).scalar_one()


def make_audit_entry(company):
    row = audit.record(None, company, "company.updated", company.name)
    db.session.commit()
    return row


MAKERS = {RecoveryCode: make_recovery_code, PasswordToken: make_password_token, AuditEntry: make_audit_entry}
