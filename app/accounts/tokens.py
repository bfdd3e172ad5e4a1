"""Set-password links: a random token mailed once, stored only as a keyed hash, single-use, 24 hours."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from app import crypto
from app.accounts.models import PasswordToken, User
from app.extensions import db
from app.timeutil import utcnow

LIFETIME = timedelta(hours=24)


def _hash(raw: str) -> str:
    return crypto.hash_token("password-link:" + raw)


def issue(user: User, purpose: str) -> str:
    """A new link token for the user (the caller commits); any older unused link stops working."""
    now = utcnow()
    db.session.execute(update(PasswordToken)
                       .where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
                       .values(used_at=now))
    raw = secrets.token_urlsafe(32)
    db.session.add(PasswordToken(company_id=user.company_id, user_id=user.id, token_hash=_hash(raw),
                                 purpose=purpose, expires_at=now + LIFETIME))
    return raw


def find(raw: str | None) -> tuple[PasswordToken | None, str]:
    """(token, "") when usable, else (None or the token, why not: unknown | used | expired | deleted)."""
    if not raw or len(raw) > 200:
        return None, "unknown"
    # Cross-tenant by nature: the link itself names the account, before anyone is signed in.
    token = db.session.execute(select(PasswordToken).where(PasswordToken.token_hash == _hash(raw))
                               ).scalar_one_or_none()
    if token is None:
        return None, "unknown"
    if token.used_at is not None:
        return token, "used"
    if token.expires_at <= utcnow():
        return token, "expired"
    if token.user.deleted_at is not None:
        return token, "deleted"
    return token, ""
