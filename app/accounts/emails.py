"""Account emails (invitation and password reset), queued on the mail queue in the recipient's language."""
from __future__ import annotations

import json

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _

from app import jobs, mail
from app.i18n import in_language

SUBJECTS = {
    "invite": lambda company: _("You have been invited to %(company)s on Weft", company=company),
    "reset": lambda _company: _("Reset your Weft password"),
}


def send_password_link(user, raw_token: str, purpose: str, sender_name: str | None = None):
    """Queue the set-password email; call after the token is committed."""
    body = json.dumps({
        "to": user.email, "purpose": purpose, "lang": user.language or "en", "name": user.name,
        "company": user.company.name, "sender": sender_name or "",
        "link": link_for(raw_token),
    })
    return jobs.enqueue(jobs.MAIL, "app.accounts.emails.send_job", body)


def link_for(raw_token: str) -> str:
    if has_request_context():
        return url_for("accounts.set_password", token=raw_token, _external=True)
    # Off-request (CLI): an address relative to SERVER_NAME, or localhost when none is configured.
    with current_app.test_request_context():
        return url_for("accounts.set_password", token=raw_token, _external=True)


def send_job(body: str) -> str:
    """RQ entry point (mail queue)."""
    data = json.loads(body)
    with in_language(data["lang"]):
        subject = SUBJECTS[data["purpose"]](data["company"])
        return mail.send([data["to"]], subject, f"account_{data['purpose']}", name=data["name"],
                         company=data["company"], sender=data["sender"], link=data["link"], hours=24)
