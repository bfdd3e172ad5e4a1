"""`flask companies …`: the operator's commands for subscriptions (self-hosted Weft has no billing)."""
from __future__ import annotations

import click
from sqlalchemy import select

from app.accounts.errors import AccountError
from app.companies import services, tiers
from app.companies.models import Company
from app.companies.views import bp
from app.extensions import db


def _company(company_id: int) -> Company:
    company = db.session.get(Company, company_id)
    if company is None:
        raise click.ClickException(f"no company with id {company_id}")
    return company


@bp.cli.command("list")
def list_companies():
    """Every company with its tier, bolt-ons and partner."""
    for company in db.session.execute(select(Company).order_by(Company.id)).scalars():
        extras = ", ".join(f"{k}×{v}" for k, v in (company.bolt_ons or {}).items())
        partner = " [partner]" if company.is_partner else ""
        parent = f" linked to #{company.parent_id}" if company.parent_id else ""
        click.echo(f"#{company.id} {company.name}{partner}{parent}: {tiers.tier_label(company.tier)}"
                   + (f" + {extras}" if extras else ""))


@bp.cli.command("tier")
@click.argument("company_id", type=int)
@click.argument("tier")
def set_tier(company_id: int, tier: str):
    """Put a company on a tier (trial, blueprint_store, standard, professional, custom, unlimited)."""
    company = _company(company_id)
    try:
        services.operator_set_tier(company, tiers.ALIASES.get(tier, tier))
    except AccountError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{company.name} is on the {tiers.tier_label(company.tier)} tier.")


@bp.cli.command("bolt-on")
@click.argument("company_id", type=int)
@click.argument("key")
@click.argument("units", type=int)
def set_bolt_on(company_id: int, key: str, units: int):
    """Set a bolt-on's units (0 removes it); `partner` turns the partner features on (1) or off (0)."""
    company = _company(company_id)
    try:
        services.operator_set_bolt_on(company, key, units)
    except AccountError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{company.name}: {key} set to {units}.")
