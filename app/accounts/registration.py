"""Registering a company: the company and its first user, who is its administrator (seeds: registration)."""
from __future__ import annotations

import click
from flask_babel import gettext as _

from app import audit
from app.accounts import emails, tokens
from app.accounts.errors import AccountError
from app.accounts.models import User
from app.accounts.services import email_taken
from app.companies.models import Company
from app.extensions import db


def register_company(company_name: str, admin_name: str, admin_email: str, tier: str = "trial"
                     ) -> tuple[Company, User, str]:
    """Creates both and mails the administrator a set-password link; returns the raw link token too."""
    admin_email = (admin_email or "").strip().lower()
    if not (company_name or "").strip() or not (admin_name or "").strip() or "@" not in admin_email:
        raise AccountError(_("A company name, the administrator's name and a valid email are needed."))
    if email_taken(admin_email) is not None:
        raise AccountError(_("This email address is already in use."), field="email")
    company = Company(name=company_name.strip(), tier=tier)
    db.session.add(company)
    db.session.flush()
    user = User(company_id=company.id, name=admin_name.strip(), email=admin_email, role="administrator",
                active=False)
    db.session.add(user)
    db.session.flush()
    raw = tokens.issue(user, "invite")
    audit.record(None, company, "company.registered", company.name, administrator=admin_email, tier=tier)
    db.session.commit()
    emails.send_password_link(user, raw, "invite")
    return company, user, raw


def init_cli(bp) -> None:
    @bp.cli.command("register")
    @click.argument("company_name")
    @click.argument("admin_name")
    @click.argument("admin_email")
    @click.option("--tier", default="trial", show_default=True, help="Subscription tier of the new company.")
    def register(company_name: str, admin_name: str, admin_email: str, tier: str):
        """Register a company and its administrator, who is emailed a link to set a password."""
        try:
            company, user, raw = register_company(company_name, admin_name, admin_email, tier)
        except AccountError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Registered {company.name} (id {company.id}); {user.email} is its administrator.")
        click.echo(f"Set-password link (also emailed, valid 24 hours): {emails.link_for(raw)}")
