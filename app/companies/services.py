"""Linked companies: add, un-link, change a linked company's subscription, list and summarise them.

Each function takes the acting user and the partner explicitly, checks the rules itself (so the API
and the CLI can reuse it), commits once with its audit entries. Queries here span the partner and its
linked companies, which is cross-tenant by nature: always bounded by Company.parent_id == partner.id.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app import audit
from app.accounts.errors import AccountError
from app.accounts.models import User
from app.companies import access, allowances, tiers
from app.companies.models import Company
from app.extensions import db
from app.flows.models import Flow, FlowVersion
from app.tenancy import PERMISSIONS, role_at_least
from app.timeutil import utcnow

PAGE_SIZE = 20


def _require(actor, partner: Company, action: str) -> None:
    if actor.company_id != partner.id:
        raise AccountError(_("Switch back to your own company first."))
    if not partner.is_partner:
        raise AccountError(_("%(company)s does not have the partner features bolt-on, so it cannot manage linked "
                             "companies.", company=partner.name))
    if not role_at_least(actor.role, PERMISSIONS[("companies", action)]):
        raise AccountError(_("Your role does not allow this."))


def linked(partner: Company, company_id) -> Company | None:
    """A company linked to the partner, or None (views turn that into a 404)."""
    try:
        company_id = int(company_id)
    except (TypeError, ValueError):
        return None
    return db.session.execute(select(Company).where(
        Company.id == company_id, Company.parent_id == partner.id)).scalar_one_or_none()


# -- the managed companies list ----------------------------------------------------------------------

@dataclass
class Page:
    rows: list[Company]
    access: set[int]
    total: int
    page: int
    pages: int
    query: str


def managed(actor, partner: Company, query: str = "", page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    stmt = select(Company).where(Company.parent_id == partner.id)
    query = (query or "").strip()
    if query:
        matches = [Company.name.ilike(f"%{query}%")]
        if query.isdigit():
            matches.append(Company.id == int(query))
        stmt = stmt.where(or_(*matches))
    total = db.session.execute(stmt.with_only_columns(func.count(Company.id))).scalar_one()
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(db.session.execute(stmt.order_by(func.lower(Company.name), Company.id)
                                   .offset((page - 1) * per_page).limit(per_page)).scalars())
    return Page(rows, access.accessible_ids(actor, [c.id for c in rows]), total, page, pages, query)


@dataclass
class Summary:
    id: int
    name: str
    tier: str
    created: datetime
    native_users: int
    deployed_flows: int
    operations_this_month: int
    relation: str  # "own profile" or "linked"


def summary(partner: Company) -> list[Summary]:
    """The CSV download: the partner's own profile first, then every linked company by name."""
    from app.insights import usage

    companies = [partner, *db.session.execute(select(Company).where(Company.parent_id == partner.id)
                                              .order_by(func.lower(Company.name), Company.id)).scalars()]
    ids = [c.id for c in companies]
    users = dict(db.session.execute(select(User.company_id, func.count(User.id)).where(
        User.company_id.in_(ids), User.deleted_at.is_(None)).group_by(User.company_id)).all())
    flows = dict(db.session.execute(
        select(Flow.company_id, func.count(func.distinct(Flow.id))).join(FlowVersion, FlowVersion.flow_id == Flow.id)
        .where(Flow.company_id.in_(ids), Flow.enabled.is_(True), FlowVersion.status == "deployed")
        .group_by(Flow.company_id)).all())
    usage.flush()
    operations = dict(db.session.execute(
        select(usage.UsageDaily.company_id, func.sum(usage.UsageDaily.operations))
        .where(usage.UsageDaily.company_id.in_(ids), usage.UsageDaily.day >= allowances.month_start())
        .group_by(usage.UsageDaily.company_id)).all())
    return [Summary(c.id, c.name, tiers.tier_label(c.tier), c.created_at, int(users.get(c.id, 0)),
                    int(flows.get(c.id, 0)), int(operations.get(c.id) or 0),
                    "own profile" if c.id == partner.id else "linked") for c in companies]


# -- adding and un-linking ---------------------------------------------------------------------------

def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def add_linked(actor, partner: Company, name: str, email: str | None = None, website: str | None = None,
               telephone: str | None = None) -> tuple[Company, int]:
    """A new company linked to the partner, on the trial tier; every eligible team member gets access.
    Returns the company and how many team members were given access."""
    _require(actor, partner, "add")
    name = (name or "").strip()
    if not name:
        raise AccountError(_("Enter the company's name."), field="name")
    used, limit = allowances.allowance_status(partner, "linked_companies")
    if limit is not None and used >= limit:
        raise AccountError(_("%(company)s has %(used)d of its %(limit)d linked companies. Un-link one you no longer "
                             "manage, or ask for a larger allowance.", company=partner.name, used=used, limit=limit))
    clash = db.session.execute(select(Company.id).where(
        Company.parent_id == partner.id, func.lower(Company.name) == name.lower())).first()
    if clash is not None or name.lower() == partner.name.lower():
        raise AccountError(_("You already manage a company called %(name)s.", name=name), field="name")
    company = Company(name=name, parent_id=partner.id, tier="trial", linked_at=utcnow(),
                      email=(_clean(email) or "").lower() or None, website=_clean(website),
                      telephone=_clean(telephone), bolt_ons={}, allowance_overrides={})
    db.session.add(company)
    db.session.flush()
    granted = access.grant_whole_team(actor, company, partner)
    audit.record(actor, partner, "company.linked_added", company.name, company_id=company.id, team_access=granted)
    audit.record(actor, company, "company.created", company.name, partner=partner.name, tier="trial")
    db.session.commit()
    return company, granted


def unlink(actor, partner: Company, company: Company) -> None:
    """The company leaves the partner: no team member keeps access; its native users keep theirs."""
    _require(actor, partner, "unlink")
    if company.parent_id != partner.id:
        raise AccountError(_("%(company)s is not linked to your company.", company=company.name))
    removed = access.drop_all(company)
    company.parent_id = None
    company.linked_at = None
    audit.record(actor, partner, "company.unlinked", company.name, company_id=company.id, team_access_removed=removed)
    audit.record(actor, company, "company.unlinked", company.name, partner=partner.name)
    db.session.commit()


# -- subscriptions -----------------------------------------------------------------------------------

def set_subscription(actor, partner: Company, company: Company, tier: str, bolt_ons: dict[str, int],
                     overrides: dict[str, int | None]) -> dict:
    """Tier, bolt-ons (units) and, on the custom tier, its allowances; returns what changed."""
    _require(actor, partner, "subscription")
    if company.parent_id != partner.id or not access.has_access(actor, company):
        raise AccountError(_("You need access to %(company)s to change its subscription.", company=company.name))
    if tier not in tiers.TIER_ORDER:
        raise AccountError(_("Choose one of the tiers offered."), field="tier")
    allowed = {b.key: b for b in tiers.bolt_ons_for(tier)}
    clean_bolt_ons = {}
    for key, units in (bolt_ons or {}).items():
        units = int(units or 0)
        if not units:
            continue
        if key not in allowed:
            raise AccountError(_("The %(bolt_on)s bolt-on is not available on the %(tier)s tier.",
                                 bolt_on=tiers.BOLT_ONS[key].label if key in tiers.BOLT_ONS else key,
                                 tier=tiers.tier_label(tier)), field="tier")
        if not 0 < units <= allowed[key].max_units:
            raise AccountError(_("Choose between 0 and %(most)d of %(bolt_on)s.", most=allowed[key].max_units,
                                 bolt_on=allowed[key].label), field=f"bolt_{key}")
        clean_bolt_ons[key] = units
    clean_overrides = {}
    if tier == "custom":
        for key, value in (overrides or {}).items():
            if key in tiers.CUSTOM_ALLOWANCES and value is not None:
                if int(value) < 0:
                    raise AccountError(_("Allowances cannot be negative."), field=key)
                clean_overrides[key] = int(value)
    changes = {}
    for attr, new in (("tier", tier), ("bolt_ons", clean_bolt_ons), ("allowance_overrides", clean_overrides)):
        old = getattr(company, attr) or ({} if attr != "tier" else None)
        if attr == "tier":
            old = tiers.canonical(old)
        if old != new:
            changes[attr] = [old, new]
            setattr(company, attr, new)
    if changes:
        audit.record(actor, company, "company.subscription_changed", company.name, changes=changes)
        audit.record(actor, partner, "company.subscription_changed", company.name, changes=changes)
        db.session.commit()
    return changes


def over_allowance(company: Company) -> list[str]:
    """Warnings after a downgrade: allowances the company now uses more of than it has."""
    warnings = []
    for key in ("deployed_flows", "deployed_connectors", "linked_companies"):
        used, limit = allowances.allowance_status(company, key)
        if limit is not None and used is not None and used > limit:
            warnings.append(_("%(company)s uses %(used)d %(what)s; the new allowance is %(limit)d. New deployments "
                              "are refused until it is back within the allowance.", company=company.name, used=used,
                              what=tiers.ALLOWANCES[key][0].lower(), limit=limit))
    return warnings


# -- the operator (CLI): subscriptions of any company, including partners -------------------------------

def operator_set_tier(company: Company, tier: str) -> None:
    if tier not in tiers.TIER_ORDER and tier != "unlimited":
        raise AccountError(f"unknown tier {tier!r}; choose one of {', '.join((*tiers.TIER_ORDER, 'unlimited'))}")
    audit.record(None, company, "company.subscription_changed", company.name,
                 changes={"tier": [tiers.canonical(company.tier), tier]}, by="operator")
    company.tier = tier
    db.session.commit()


def operator_set_bolt_on(company: Company, key: str, units: int) -> None:
    if key == tiers.PARTNER_BOLT_ON:
        company.is_partner = bool(units)
    elif key in tiers.BOLT_ONS:
        bolt_ons = dict(company.bolt_ons or {})
        if units:
            bolt_ons[key] = int(units)
        else:
            bolt_ons.pop(key, None)
        company.bolt_ons = bolt_ons
    else:
        raise AccountError(f"unknown bolt-on {key!r}; choose one of "
                           f"{', '.join((tiers.PARTNER_BOLT_ON, *tiers.BOLT_ONS))}")
    audit.record(None, company, "company.bolt_on_set", company.name, bolt_on=key, units=int(units), by="operator")
    db.session.commit()
