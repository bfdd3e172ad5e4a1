"""The password policy: length and character classes, then the Pwned Passwords range check."""
from __future__ import annotations

from flask_babel import gettext as _

from app.accounts import pwned

MIN_LENGTH = 8
MAX_LENGTH = 200
SPECIALS = "!$#%"


def policy_errors(password: str) -> list[str]:
    """Everything wrong with the password, as messages a person can act on (empty when it is fine)."""
    password = password or ""
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(_("Use at least %(count)d characters.", count=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        errors.append(_("Use at most %(count)d characters.", count=MAX_LENGTH))
    if not any(c.islower() for c in password):
        errors.append(_("Add a lowercase letter."))
    if not any(c.isupper() for c in password):
        errors.append(_("Add an uppercase letter."))
    if not any(c.isdigit() for c in password):
        errors.append(_("Add a digit."))
    if not any(c in SPECIALS for c in password):
        errors.append(_("Add one of these characters: %(chars)s", chars=" ".join(SPECIALS)))
    return errors


def check(password: str) -> list[str]:
    """Policy errors, or, when the policy is met, a refusal if the password is known to be compromised."""
    errors = policy_errors(password)
    if not errors and pwned.is_compromised(password):
        errors.append(_("This password has appeared in a data breach. Please choose a different one."))
    return errors
