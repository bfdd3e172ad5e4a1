"""Company profile changes: general details, the banner and the two-factor requirement, each audited."""
from __future__ import annotations

from flask_babel import gettext as _

from app import audit
from app.accounts.errors import AccountError
from app.extensions import db
from app.tenancy import role_at_least

BANNER_MAX = 500


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def update_profile(actor, company, name: str, website: str | None, telephone: str | None,
                   email: str | None) -> dict:
    """Managers keep the contact details current; only an administrator renames the company."""
    if not role_at_least(actor.role, "manager"):
        raise AccountError(_("Only administrators and managers can change the company profile."))
    new = {"name": (name or "").strip(), "website": _clean(website), "telephone": _clean(telephone),
           "email": (_clean(email) or "").lower() or None}
    if new["name"] != company.name and actor.role != "administrator":
        raise AccountError(_("Only an administrator can rename the company."), field="name")
    changes = {key: [getattr(company, key), value] for key, value in new.items() if getattr(company, key) != value}
    if changes:
        for key, (_old, value) in changes.items():
            setattr(company, key, value)
        audit.record(actor, company, "company.updated", company.name, changes=changes)
        db.session.commit()
    return changes


def set_banner(actor, company, text: str | None) -> str | None:
    """Shown at the top of every page of the company until cleared; an empty text clears it."""
    if actor.role != "administrator":
        raise AccountError(_("Only administrators can change the banner."))
    text = _clean(text)
    if text and len(text) > BANNER_MAX:
        raise AccountError(_("Keep the banner under %(count)d characters.", count=BANNER_MAX), field="banner")
    if text != company.banner:
        company.banner = text
        audit.record(actor, company, "company.banner_set" if text else "company.banner_cleared", company.name,
                     **({"text": text} if text else {}))
        db.session.commit()
    return text


def set_require_2fa(actor, company, required: bool) -> None:
    if actor.role != "administrator":
        raise AccountError(_("Only administrators can change the security settings."))
    if bool(company.require_2fa) != bool(required):
        company.require_2fa = bool(required)
        audit.record(actor, company, "company.2fa_required" if required else "company.2fa_optional", company.name)
        db.session.commit()
