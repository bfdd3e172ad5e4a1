"""Outgoing mail: SMTP when MAIL_SERVER is set, otherwise .eml files under <INSTANCE_PATH>/mail/.

`send()` renders templates/mail/<name>.txt (and <name>.html when it exists) and delivers at once.
`send_later()` puts the same call on the `mail` RQ queue, so a run or a request never waits on an
SMTP server; the job carries one JSON text, so everything in the template context must be JSON-safe
(checked when enqueueing, not when the worker gets to it). The job renders in the language it is given
(no request there to pick one); `send_later_per_language()` queues one message per recipient language.
"""
from __future__ import annotations

import json
import logging
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import current_app, render_template
from jinja2 import TemplateNotFound

from app import jobs
from app.i18n import in_language, languages_of
from app.timeutil import utcnow

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30


def _render(template_name: str, context: dict) -> tuple[str, str | None]:
    text = render_template(f"mail/{template_name}.txt", **context)
    try:
        current_app.jinja_env.get_template(f"mail/{template_name}.html")
    except TemplateNotFound:
        return text, None
    return text, render_template(f"mail/{template_name}.html", **context)


def build(to: list[str], subject: str, template_name: str, **context) -> EmailMessage:
    """The message as it will be sent (also handy for tests and previews)."""
    config = current_app.config
    sender = config.get("MAIL_FROM") or "Weft <no-reply@weft.local>"
    domain = parseaddr(sender)[1].rpartition("@")[2] or "weft.local"
    text, html = _render(template_name, context)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = " ".join(subject.split())  # no line breaks in a header
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def deliver(message: EmailMessage) -> None:
    """Through MAIL_SERVER, or into an .eml file when no server is configured."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25),
                          timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
        return
    folder = Path(config["INSTANCE_PATH"]) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    stem = message["Message-ID"].strip("<>").split("@")[0]
    name = f"{utcnow():%Y%m%d-%H%M%S}-{stem}.eml"
    (folder / name).write_bytes(bytes(message))


def send(to: list[str], subject: str, template_name: str, **context) -> str:
    """Render and deliver now; returns the Message-ID. Raises on SMTP errors (the job then fails)."""
    recipients = [address for address in dict.fromkeys(a.strip() for a in to) if address]
    if not recipients:
        raise ValueError("an email needs at least one recipient")
    message = build(recipients, subject, template_name, **context)
    deliver(message)
    log.info("mail %s (%s) sent to %d recipient(s)", message["Message-ID"], template_name, len(recipients))
    return message["Message-ID"]


def send_later(to: list[str], subject: str, template_name: str, lang: str | None = None, **context):
    """Queue send() on the mail queue, rendered in `lang` (else English); returns the RQ job.
    Commit before calling (jobs.enqueue checks)."""
    body = json.dumps({"to": list(to), "subject": subject, "template": template_name, "lang": lang,
                       "context": context})
    return jobs.enqueue(jobs.MAIL, "app.mail.send_job", body)


def send_later_per_language(company, to: list[str], subject: str | Callable[[], str], template_name: str,
                            **context) -> list:
    """send_later() once per language among the recipients (app.i18n.languages_of); returns the RQ jobs.
    A callable subject is called inside each language (gettext there), so the subject follows the body."""
    jobs_ = []
    for lang, addresses in languages_of(company, to).items():
        with in_language(lang):
            text = subject() if callable(subject) else subject
        jobs_.append(send_later(addresses, text, template_name, lang=lang, **context))
    return jobs_


def send_job(body: str) -> str:
    """RQ entry point (mail queue): one JSON text made by send_later()."""
    data = json.loads(body)
    with in_language(data.get("lang")):
        return send(data["to"], data["subject"], data["template"], **data["context"])
