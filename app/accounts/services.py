"""Sign-in rules and user creation."""
from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.security import hash_password, verify_password
from app.timeutil import utcnow

# Verifying against a real hash when the email is unknown keeps response times alike for both cases.
_DUMMY_HASH = hash_password("not-a-real-password")


def load_user(user_id: str) -> User | None:
    # Cross-tenant by nature: the session cookie names the user before any company is known.
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def find_by_email(email: str) -> User | None:
    # Cross-tenant by nature: sign-in starts from an email address.
    query = select(User).where(func.lower(User.email) == email.strip().lower())
    return db.session.execute(query).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    user = find_by_email(email)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not user.active or not verify_password(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def create_user(company, email: str, name: str, role: str, password: str | None = None) -> User:
    user = User(company_id=company.id, email=email.strip().lower(), name=name, role=role,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.commit()
    return user
