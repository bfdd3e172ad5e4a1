"""My account: details, password (own change, forgotten, set from a link), language and two-factor setup."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete as sql_delete
from sqlalchemy import update

from app import audit
from app.accounts import emails, limits, passwords, tokens, totp
from app.accounts.errors import AccountError
from app.accounts.models import PasswordToken, RecoveryCode, User
from app.accounts.services import email_taken, find_by_email, use_recovery_code
from app.extensions import db
from app.i18n import LANGUAGES
from app.security import hash_password, verify_password
from app.timeutil import utcnow


def update_details(user: User, name: str, email: str) -> dict:
    email = (email or "").strip().lower()
    if email != user.email and email_taken(email, except_user=user) is not None:
        raise AccountError(_("This email address is already in use."), field="email")
    changes = {key: [old, new] for key, old, new in (("name", user.name, name.strip()), ("email", user.email, email))
               if old != new}
    if changes:
        user.name, user.email = name.strip(), email
        audit.record(user, user.company_id, "user.updated", user.email, changes=changes)
        db.session.commit()
    return changes


def _set_password(user: User, password: str) -> None:
    errors = passwords.check(password)
    if errors:
        raise AccountError(" ".join(errors), field="password")
    user.password_hash = hash_password(password)
    # Other sessions (and remember-me cookies) made with the old password end here.
    user.session_epoch += 1


def check_password(user: User, password: str, during: str, ip: str | None, field: str = "password") -> None:
    """Re-asking a signed-in person's password, under the sign-in's limits: a stolen session must not
    become a way to guess the password. Failures count against the account and the address and are audited.
    """
    block = limits.blocked(account=user.email, ip=ip)
    if block:
        raise AccountError(_("Too many wrong passwords. For your security, password checks are paused: try again "
                             "in %(minutes)d minute(s).", minutes=block.minutes), field=field)
    if verify_password(user.password_hash, password):
        limits.clear(account=user.email)
        return
    limits.fail(account=user.email, ip=ip)
    audit.record(user, user.company_id, "user.password_check_failed", user.email, during=during)
    if limits.blocked(account=user.email):
        audit.record(user, user.company_id, "login.paused", user.email, minutes=limits.WINDOW_SECONDS // 60)
    db.session.commit()
    message = _("Your current password is not correct.") if field == "current" else _("Your password is not correct.")
    raise AccountError(message, field=field)


def change_password(user: User, current: str, new: str, ip: str | None = None) -> None:
    check_password(user, current, "password change", ip, field="current")
    if current == new:
        raise AccountError(_("Choose a password different from your current one."), field="password")
    _set_password(user, new)
    audit.record(user, user.company_id, "user.password_changed", user.email)
    db.session.commit()


def request_reset(email: str, ip: str | None) -> None:
    """Forgot my password: mails a link when the account exists; says nothing either way."""
    email = (email or "").strip().lower()
    if limits.blocked(reset=email, ip=ip):
        return
    limits.fail(reset=email)
    user = find_by_email(email)
    if user is None or user.deleted_at is not None:
        return
    raw = tokens.issue(user, "reset")
    audit.record(user, user.company_id, "user.password_reset_requested", user.email)
    db.session.commit()
    emails.send_password_link(user, raw, "reset")


def set_password_with_link(raw_token: str, password: str) -> User:
    """Uses the link once: sets the password and activates an invited or restored account."""
    token, why = tokens.find(raw_token)
    if why:
        raise AccountError(link_problem(why))
    user = token.user
    _set_password(user, password)
    user.active = True
    now = utcnow()
    db.session.execute(update(PasswordToken).where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
                       .values(used_at=now))
    audit.record(user, user.company_id, "user.password_set", user.email, via=token.purpose)
    db.session.commit()
    limits.clear(account=user.email)
    return user


def link_problem(why: str) -> str:
    return {
        "used": _("This link has already been used. Ask for a new one below."),
        "expired": _("This link has expired: links work for 24 hours. Ask for a new one below."),
        "deleted": _("This account has been deleted. Ask an administrator of your company to restore it."),
    }.get(why, _("This link is not valid. Check that you copied all of it, or ask for a new one below."))


def set_language(user: User | None, language: str) -> None:
    if language not in LANGUAGES:
        raise AccountError(_("That language is not available."))
    if user is not None and user.language != language:
        user.language = language
        db.session.commit()


# Two-factor authentication -------------------------------------------------------------------

def start_two_factor(user: User) -> str:
    """A fresh secret, stored encrypted but not in force until confirm_two_factor()."""
    if user.two_factor_enabled:
        raise AccountError(_("Two-factor authentication is already on."))
    secret = totp.new_secret()
    user.totp_secret = totp.seal(secret)
    db.session.commit()
    return secret


def pending_secret(user: User) -> str | None:
    if user.two_factor_enabled or not user.totp_secret:
        return None
    return totp.unseal(user.totp_secret)


def _check_code(user: User, code: str, allow_recovery: bool, ip: str | None, during: str) -> str:
    """'totp' or 'recovery' when the code is right; raises (and counts and audits the failure) when not."""
    block = limits.blocked(code=str(user.id), ip=ip)
    if block:
        raise AccountError(_("Too many wrong codes. Try again in %(minutes)d minute(s).", minutes=block.minutes),
                           field="code")
    if user.totp_secret and totp.verify(totp.unseal(user.totp_secret), code, user.id):
        return "totp"
    if allow_recovery and use_recovery_code(user, code) is not None:
        return "recovery"
    limits.fail(code=str(user.id), ip=ip)
    audit.record(user, user.company_id, "user.code_check_failed", user.email, during=during)
    db.session.commit()
    raise AccountError(_("That code is not valid. Codes change every 30 seconds: enter the one shown now."),
                       field="code")


def confirm_two_factor(user: User, code: str, ip: str | None = None) -> list[str]:
    """Turns 2FA on once a code from the app matches; returns the recovery codes (shown once)."""
    if user.two_factor_enabled:
        raise AccountError(_("Two-factor authentication is already on."))
    if not user.totp_secret:
        raise AccountError(_("Start the setup again: no authenticator key is waiting."))
    _check_code(user, code, allow_recovery=False, ip=ip, during="2FA setup")
    user.totp_enabled_at = utcnow()
    codes = _replace_recovery_codes(user)
    limits.clear(code=str(user.id))
    audit.record(user, user.company_id, "user.2fa_enabled", user.email)
    db.session.commit()
    return codes


def regenerate_recovery_codes(user: User, code: str, ip: str | None = None) -> list[str]:
    if not user.two_factor_enabled:
        raise AccountError(_("Two-factor authentication is off."))
    _check_code(user, code, allow_recovery=False, ip=ip, during="new recovery codes")
    codes = _replace_recovery_codes(user)
    audit.record(user, user.company_id, "user.recovery_codes_replaced", user.email)
    db.session.commit()
    return codes


def disable_two_factor(user: User, password: str, code: str, ip: str | None = None) -> None:
    if not user.two_factor_enabled:
        raise AccountError(_("Two-factor authentication is already off."))
    if user.company.require_2fa:
        raise AccountError(_("%(company)s requires two-factor authentication, so it cannot be turned off.",
                             company=user.company.name))
    check_password(user, password, "2FA disable", ip)
    method = _check_code(user, code, allow_recovery=True, ip=ip, during="2FA disable")
    user.totp_secret = None
    user.totp_enabled_at = None
    db.session.execute(sql_delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(user, user.company_id, "user.2fa_disabled", user.email, confirmed_with=method)
    db.session.commit()


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(sql_delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    db.session.add_all(RecoveryCode(company_id=user.company_id, user_id=user.id, code_hash=totp.hash_recovery_code(c))
                       for c in codes)
    return codes
