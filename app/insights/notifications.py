"""Notification groups and notify-shape emails, counted against the tier's monthly email allowance.

`notify_from_run` is the service behind the notify shape's ctx.notify hook (the RQ run job binds
the company, run and run log). It only ever reads groups of the run's company, so a group id from
another company is treated exactly like a deleted group. Emails go out whether or not the flow is
enabled or deployed (spec §1.2, §2.10).

Allowance (spec §2.10, §10): one notification email is one message, whatever the number of
recipients (all the chosen groups' addresses, de-duplicated, on one message; recipients whose languages
differ get one message per language, still counted once). The counter is one row
per company and UTC month, taken with a single conditional UPDATE … RETURNING, so concurrent workers
can neither overshoot the allowance nor skip a warning. The run log gets a warning when 20 % of the
allowance remains and again when none remains; once used up nothing is sent and the log says so.
Monthly allowances reset at 00:00 UTC on the 1st (a new month is a new row).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app import mail
from app.companies.models import Company
from app.companies.tiers import tier_of
from app.extensions import db
from app.flows.models import Flow
from app.insights.models import EmailUsage, NotificationGroup
from app.markers import N_
from app.runs.models import Run
from app.tenancy import scoped
from app.timeutil import utcnow

# Translated where they are shown: the mail job (templates/mail/notify.*) and the subject.
LEVEL_LABELS = {"success": N_("Success"), "info": N_("Info"), "warning": N_("Warning"), "error": N_("Error")}
EMAIL_CHANNELS = ("email", "email_log")
WARN_FRACTION = 5  # warn when allowance // 5 (20 %) remain
MAX_RECIPIENTS = 100

Log = Callable[..., object]


class GroupError(ValueError):
    """A notification group that cannot be saved; the message is meant for the user."""


# -- groups -------------------------------------------------------------------------------------
def parse_emails(text: str) -> tuple[list[str], list[str]]:
    """Addresses from text separated by commas, semicolons, spaces or lines: (valid, problems)."""
    found: list[str] = []
    problems: list[str] = []
    for raw in text.replace(";", ",").replace("\n", ",").replace(" ", ",").split(","):
        raw = raw.strip()
        if not raw:
            continue
        try:
            address = validate_email(raw, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            problems.append(f"{raw}: {exc}")
            continue
        if address not in found:
            found.append(address)
    return found, problems


def groups() -> list[NotificationGroup]:
    """The acting company's groups, by name."""
    return list(db.session.execute(scoped(NotificationGroup).order_by(NotificationGroup.name)).scalars())


def save_group(company_id: int, name: str, emails: list[str], group: NotificationGroup | None = None):
    """Create (group None) or update a group; raises GroupError for a taken name or no addresses."""
    name = " ".join(name.split())
    if not name:
        raise GroupError("Give the group a name.")
    if not emails:
        raise GroupError("Add at least one email address.")
    if len(emails) > MAX_RECIPIENTS:
        raise GroupError(f"A group can hold at most {MAX_RECIPIENTS} addresses.")
    clash = db.session.execute(select(NotificationGroup.id).where(
        NotificationGroup.company_id == company_id, NotificationGroup.name == name,
        NotificationGroup.id != (group.id if group else -1))).first()
    if clash:
        raise GroupError(f"There is already a group called '{name}'.")
    if group is None:
        group = NotificationGroup(company_id=company_id)
        db.session.add(group)
    group.name, group.emails = name, list(dict.fromkeys(e.lower() for e in emails))
    db.session.commit()
    return group


def delete_group(group: NotificationGroup) -> None:
    db.session.delete(group)
    db.session.commit()


# -- the allowance ------------------------------------------------------------------------------
def month_key(now: datetime | None = None) -> str:
    return f"{(now or utcnow()):%Y-%m}"


def _next_month(now: datetime) -> str:
    return f"{now.year + (now.month == 12)}-{now.month % 12 + 1:02d}-01"


def emails_sent(company_id: int, now: datetime | None = None) -> int:
    sent = db.session.execute(select(EmailUsage.sent).where(
        EmailUsage.company_id == company_id, EmailUsage.month == month_key(now))).scalar_one_or_none()
    return sent or 0


def take_email(company_id: int, allowance: int, now: datetime | None = None) -> int | None:
    """Count one email if the allowance has room: the new month total, or None when used up."""
    month = month_key(now)
    table = EmailUsage.__table__
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(table).values(company_id=company_id, month=month, sent=0)
                       .on_conflict_do_nothing(index_elements=["company_id", "month"]))
    sent = db.session.execute(
        update(table)
        .where(table.c.company_id == company_id, table.c.month == month, table.c.sent < allowance)
        .values(sent=table.c.sent + 1)
        .returning(table.c.sent)).scalar_one_or_none()
    db.session.commit()
    return sent


# -- the notify shape's hook --------------------------------------------------------------------
def notify_from_run(company_id: int, run_id: int | None, level: str, message: str, channels: str,
                    group_ids: list, log: Log, *, now: datetime | None = None) -> str | None:
    """Email `message` to the addresses of the company's groups in `group_ids`.

    `log(level, message)` writes to the run log. Returns the (first) queued mail job id, or None when nothing
    was sent (log-only channel, no groups or addresses, or the allowance is used up)."""
    if channels not in EMAIL_CHANNELS:
        return None
    wanted = {int(g) for g in group_ids
              if (isinstance(g, int) and not isinstance(g, bool)) or (isinstance(g, str) and g.isdigit())}
    chosen = list(db.session.execute(select(NotificationGroup).where(
        NotificationGroup.company_id == company_id, NotificationGroup.id.in_(wanted))
        .order_by(NotificationGroup.name)).scalars()) if wanted else []
    missing = sorted(wanted - {g.id for g in chosen})
    if missing:
        log("warning", f"Notification group{'s' if len(missing) != 1 else ''} "
                       f"{', '.join(f'#{i}' for i in missing)} not found; ignored.")
    recipients = list(dict.fromkeys(address for group in chosen for address in group.emails or []))
    if not recipients:
        log("warning", "No email was sent: the chosen notification groups hold no email addresses.")
        return None
    company = db.session.get(Company, company_id)
    allowance = tier_of(company).monthly_emails
    now = now or utcnow()
    sent = take_email(company_id, allowance, now)
    if sent is None:
        log("warning", f"No email was sent: this month's allowance of {allowance} notification emails is used up "
                       f"(it renews on {_next_month(now)}).")
        return None
    flow_name = None
    if run_id is not None:
        flow_name = db.session.execute(select(Flow.name).join(Run, Run.flow_id == Flow.id).where(
            Run.id == run_id, Run.company_id == company_id)).scalar_one_or_none()
    label = LEVEL_LABELS.get(level, level.capitalize())
    first_line = message.splitlines()[0] if message.strip() else ""

    def subject() -> str:  # called in each recipient language
        return gettext("[%(level)s] %(flow)s: %(message)s", level=gettext(label), flow=flow_name or "Weft",
                       message=first_line[:80])

    jobs = mail.send_later_per_language(company, recipients, subject, "notify", level=level, level_label=label,
                                        message=message, flow_name=flow_name, run_id=run_id,
                                        company_name=company.name)
    names = ", ".join(g.name for g in chosen)
    log("info", f"Email queued for {len(recipients)} recipient{'s' if len(recipients) != 1 else ''} "
                f"(notification group{'s' if len(chosen) != 1 else ''}: {names}).")
    remaining = allowance - sent
    if remaining == 0:
        log("warning", f"That was the last of this month's {allowance} notification emails: no more are sent "
                       f"until {_next_month(now)}.")
    elif remaining == allowance // WARN_FRACTION:
        log("warning", f"Only {remaining} of this month's {allowance} notification emails remain (20 %).")
    return jobs[0].id
