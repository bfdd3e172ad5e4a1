"""Sign-in: password, second factor, rate limits and their audit entries; the low-level user creation."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import audit
from app.accounts import limits, totp
from app.accounts.models import RecoveryCode, User
from app.extensions import db
from app.security import hash_password, verify_password
from app.timeutil import utcnow

# Verifying against a real hash when the email is unknown keeps response times alike for both cases.
_DUMMY_HASH = hash_password("not-a-real-password")


@dataclass
class SignIn:
    user: User | None
    error: str = ""
    needs_code: bool = False
    recovery_codes_left: int | None = None  # set when a recovery code was used

    @property
    def ok(self) -> bool:
        return self.user is not None and not self.error


def mismatch_message() -> str:
    return _("That email and password do not match an active account.")


def blocked_message(block: limits.Block) -> str:
    return _("Too many failed attempts. For your security, sign-in is paused: try again in %(minutes)d "
             "minute(s), or reset your password.", minutes=block.minutes)


def load_user(user_id: str) -> User | None:
    # Cross-tenant by nature: the session cookie names the user before any company is known.
    ident, _sep, epoch = str(user_id).partition(":")
    try:
        user = db.session.get(User, int(ident))
    except (TypeError, ValueError):
        return None
    # A bumped epoch (password change, deletion) ends every session made before it.
    if user is None or not user.is_active or str(user.session_epoch) != epoch:
        return None
    return user


def _with_email(email: str):
    # Cross-tenant by nature: sign-in starts from an email address.
    return select(User).where(func.lower(User.email) == (email or "").strip().lower())


def find_by_email(email: str) -> User | None:
    """The one account that is not deleted with this email (the database keeps it unique)."""
    return db.session.execute(_with_email(email).where(User.deleted_at.is_(None))).scalar_one_or_none()


def find_deleted(email: str, company_id: int | None = None) -> User | None:
    """The most recently deleted account with this email, in `company_id` when given."""
    query = _with_email(email).where(User.deleted_at.is_not(None))
    if company_id is not None:
        query = query.where(User.company_id == company_id)
    return db.session.execute(query.order_by(User.deleted_at.desc(), User.id.desc())).scalars().first()


def email_taken(email: str, except_user: User | None = None) -> User | None:
    # Cross-tenant by nature: an email address signs in to one account across all companies. Deleted
    # accounts do not count: their address may start a new account in another company.
    existing = find_by_email(email)
    return None if existing is None or existing is except_user else existing


def sign_in(email: str, password: str, ip: str | None) -> SignIn:
    """Check the password; a user with 2FA then needs verify_code() before the session starts."""
    email = (email or "").strip().lower()
    block = limits.blocked(account=email, ip=ip)
    if block:
        return SignIn(None, blocked_message(block))
    # Only a live account can sign in; a deleted one is looked up so its company's audit log shows the attempt.
    user = find_by_email(email) or find_deleted(email)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        limits.fail(account=email, ip=ip)
        return SignIn(None, mismatch_message())
    reason = None
    if user.deleted_at is not None:
        reason = "account deleted"
    elif user.password_hash is None:
        reason = "no password set yet"
    elif not verify_password(user.password_hash, password):
        reason = "wrong password"
    elif not user.active:
        reason = "account inactive"
    if reason:
        _failed(user, ip, reason)
        return SignIn(None, mismatch_message())
    if user.two_factor_enabled:
        return SignIn(user, needs_code=True)
    return _succeeded(user, ip, "password")


def verify_code(user: User, code: str, ip: str | None) -> SignIn:
    """The second step: a TOTP code, or a recovery code (which is then used up)."""
    block = limits.blocked(code=str(user.id), ip=ip)
    if block:
        return SignIn(None, blocked_message(block))
    if not user.is_active or not user.two_factor_enabled:
        return SignIn(None, mismatch_message())
    if totp.verify(totp.unseal(user.totp_secret), code, user.id):
        return _succeeded(user, ip, "password and authenticator code")
    recovery = use_recovery_code(user, code)
    if recovery is not None:
        left = remaining_recovery_codes(user)
        audit.record(user, user.company_id, "user.recovery_code_used", user.email, remaining=left)
        result = _succeeded(user, ip, "password and recovery code")
        result.recovery_codes_left = left
        return result
    limits.fail(code=str(user.id), ip=ip)
    audit.record(user, user.company_id, "login.failed", user.email, reason="wrong two-factor code")
    db.session.commit()
    return SignIn(None, _("That code is not valid. Check your authenticator app, or use a recovery code."))


def use_recovery_code(user: User, code: str) -> RecoveryCode | None:
    """Marks a matching unused recovery code as used (the caller commits)."""
    if len(totp.normalise(code)) != 10:
        return None
    digest = totp.hash_recovery_code(code)
    row = db.session.execute(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == digest, RecoveryCode.used_at.is_(None))
    ).scalar_one_or_none()
    if row is not None:
        row.used_at = utcnow()
    return row


def remaining_recovery_codes(user: User) -> int:
    return db.session.execute(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar_one()


def _failed(user: User, ip: str | None, reason: str) -> None:
    limits.fail(account=user.email, ip=ip)
    audit.record(user, user.company_id, "login.failed", user.email, reason=reason)
    if limits.blocked(account=user.email):
        audit.record(user, user.company_id, "login.paused", user.email,
                     minutes=limits.WINDOW_SECONDS // 60)
    db.session.commit()


def _succeeded(user: User, ip: str | None, method: str) -> SignIn:
    limits.clear(account=user.email, code=str(user.id))
    user.last_login_at = utcnow()
    audit.record(user, user.company_id, "login.succeeded", user.email, method=method)
    db.session.commit()
    return SignIn(user)


def record_sign_out(user: User) -> None:
    audit.record(user, user.company_id, "logout", user.email)
    db.session.commit()


def authenticate(email: str, password: str) -> User | None:
    """Password-only check kept for scripts; pages use sign_in() (rate limits and 2FA)."""
    result = sign_in(email, password, None)
    return result.user if result.user is not None and not result.error else None


def create_user(company, email: str, name: str, role: str, password: str | None = None) -> User:
    """A ready account, for the registration of a company, the demo data and tests (no policy check)."""
    user = User(company_id=company.id, email=email.strip().lower(), name=name, role=role,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.commit()
    return user
