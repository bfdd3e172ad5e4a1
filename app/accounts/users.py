"""Managing other people's accounts: create (invite), update, change role, delete, restore, send a reset.

Every function takes the acting user explicitly, checks the seeds' rules (roles.py) itself, so the API
can reuse it, commits once with its audit entry, and queues mail only after that commit.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app import audit
from app.accounts import emails, roles, tokens
from app.accounts.errors import AccountError, DeletedAccountEmail
from app.accounts.models import PasswordToken, RecoveryCode, User
from app.accounts.services import email_taken, find_deleted
from app.extensions import db
from app.tenancy import scoped
from app.timeutil import utcnow

PAGE_SIZE = 50


def search(query: str | None = None, show_deleted: bool = True) -> list[User]:
    """The acting company's users, matching `query` in name or email."""
    stmt = scoped(User)
    if query and query.strip():
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(User.name.ilike(like), User.email.ilike(like)))
    if not show_deleted:
        stmt = stmt.where(User.deleted_at.is_(None))
    return list(db.session.execute(stmt.order_by(User.deleted_at.is_not(None), User.name)).scalars())


def _role_label(role: str) -> str:
    return roles.role_name(role)


def _require_manage(actor: User, user: User) -> None:
    if user.id == actor.id:
        raise AccountError(_("Change your own details from My account."))
    if not roles.can_manage(actor.role, user.role):
        raise AccountError(_("Your role (%(mine)s) cannot change the account of someone with the %(theirs)s role.",
                             mine=_role_label(actor.role), theirs=_role_label(user.role)))


def _clean_email(email: str) -> str:
    return (email or "").strip().lower()


def create(actor: User, company, name: str, email: str) -> User:
    """A new `user` account without a password; the person gets a set-password link by email."""
    if not roles.can_create(actor.role):
        raise AccountError(_("Only administrators and managers can add users."))
    email = _clean_email(email)
    if email_taken(email) is not None:
        raise AccountError(_("This email address is already in use."), field="email")
    # Only this company's deleted account is offered back; one deleted elsewhere leaves the address free.
    deleted = find_deleted(email, company.id)
    if deleted is not None:
        raise DeletedAccountEmail(_("This email belongs to a deleted account. Restore that account instead."),
                                  deleted)
    user = User(company_id=company.id, name=name.strip(), email=email, role="user", active=False)
    db.session.add(user)
    db.session.flush()
    raw = tokens.issue(user, "invite")
    audit.record(actor, company, "user.created", user.email, name=user.name, role=user.role)
    db.session.commit()
    emails.send_password_link(user, raw, "invite", sender_name=actor.name)
    return user


def update_user(actor: User, user: User, name: str, email: str, role: str) -> dict:
    """Details and role together: a refused role (or email) leaves everything unchanged."""
    _require_manage(actor, user)
    if user.deleted_at is not None:
        raise AccountError(_("Restore this account before changing it."))
    email = _clean_email(email)
    if role != user.role and not roles.can_assign(actor.role, user.role, role):
        raise AccountError(_("Your role (%(mine)s) cannot assign the %(role)s role. Nothing was changed.",
                             mine=_role_label(actor.role), role=_role_label(role)), field="role")
    if email != user.email and email_taken(email, except_user=user) is not None:
        raise AccountError(_("This email address is already in use."), field="email")
    changes = {key: [old, new] for key, old, new in (("name", user.name, name.strip()), ("email", user.email, email))
               if old != new}
    old_role = user.role
    user.name, user.email = name.strip(), email
    if changes:
        audit.record(actor, user.company_id, "user.updated", user.email, changes=changes)
    if role != old_role:
        user.role = role
        audit.record(actor, user.company_id, "user.role_changed", user.email, old=old_role, new=role)
        changes["role"] = [old_role, role]
    db.session.commit()
    return changes


def delete(actor: User, user: User) -> None:
    """The account becomes inactive and is signed out everywhere; restore() brings it back."""
    _require_manage(actor, user)
    if user.deleted_at is not None:
        raise AccountError(_("This account is already deleted."))
    user.deleted_at = utcnow()
    user.active = False
    user.session_epoch += 1
    _expire_links(user)
    audit.record(actor, user.company_id, "user.deleted", user.email)
    db.session.commit()


def restore(actor: User, user: User) -> None:
    """Back with its email and role, inactive until a password is set: the old one is not reinstated."""
    _require_manage(actor, user)
    if user.deleted_at is None:
        raise AccountError(_("This account is not deleted."))
    if email_taken(user.email, except_user=user) is not None:
        raise AccountError(_("%(email)s now belongs to another account, so this account cannot be restored.",
                             email=user.email))
    user.deleted_at = None
    user.active = False
    user.password_hash = None
    user.totp_secret = None
    user.totp_enabled_at = None
    db.session.execute(update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
                       .values(used_at=utcnow()))
    audit.record(actor, user.company_id, "user.restored", user.email)
    db.session.commit()


def send_reset(actor: User, user: User) -> None:
    """Email the user a single-use, 24-hour link to set a new password (never set on their behalf)."""
    _require_manage(actor, user)
    if user.deleted_at is not None:
        raise AccountError(_("Restore this account before sending a password reset."))
    raw = tokens.issue(user, "reset")
    audit.record(actor, user.company_id, "user.password_reset_sent", user.email)
    db.session.commit()
    emails.send_password_link(user, raw, "reset", sender_name=actor.name)


def _expire_links(user: User) -> None:
    db.session.execute(update(PasswordToken).where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
                       .values(used_at=utcnow()))


def pending_links(user: User) -> int:
    return len(db.session.execute(select(PasswordToken.id).where(
        PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None),
        PasswordToken.expires_at > utcnow())).all())
