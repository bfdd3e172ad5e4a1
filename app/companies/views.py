"""Settings → managed companies (list, search, CSV, add, un-link), switching, and the plan page.

Team access and subscription tabs are in access_views.py, on this blueprint.
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import htmx
from app.accounts.errors import AccountError
from app.companies import access, allowances, services, switching, tiers
from app.companies.forms import LinkedCompanyForm
from app.tenancy import can, requires
from app.timeutil import utcnow

bp = Blueprint("companies", __name__, url_prefix="/companies", cli_group="companies")

SWITCHER_LIMIT = 50


@bp.app_context_processor
def company_helpers():
    home = getattr(g, "home_company", None)
    return {
        "switched": bool(getattr(g, "switched", False)),
        "home_company": home,
        "can_switch": bool(home is not None and current_user.is_authenticated and home.is_partner
                           and access.eligible(current_user)),
        "company_link": switching.company_link,
        "tier_label": tiers.tier_label,
        "allowance_status": allowances.allowance_status,
        "allowance_badge": allowances.badge,
        "ALLOWANCE_LABELS": tiers.ALLOWANCES,
    }


def home_company():
    """The signed-in user's own company: managed companies always belong to it, even while switched."""
    return current_user.company


def linked_or_404(company_id: int):
    company = services.linked(home_company(), company_id)
    if company is None:
        abort(404)
    return company


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() else 1


# -- managed companies ---------------------------------------------------------------------------------

@bp.route("/")
@requires("companies", "view")
def index():
    partner = home_company()
    result = services.managed(current_user, partner, request.args.get("q", ""), _page_number())
    used, limit = allowances.allowance_status(partner, "linked_companies")
    # The search box and the pager ask for only the table; a direct load gets the whole page (C2).
    block = "company_rows" if ("q" in request.args or "page" in request.args) else None
    return htmx.render("companies/index.html", block=block, partner=partner, result=result, used=used, limit=limit)


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    # A name starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@bp.route("/export.csv")
@requires("companies", "view")
def export():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "name", "relation", "tier", "created", "native users", "deployed flows",
                     "operations this month"])
    for row in services.summary(home_company()):
        writer.writerow([row.id, _csv_cell(row.name), row.relation, row.tier, f"{row.created:%Y-%m-%d}",
                         row.native_users, row.deployed_flows, row.operations_this_month])
    name = f"weft-linked-companies-{utcnow():%Y%m%d}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/new", methods=["GET", "POST"])
@requires("companies", "add")
def new():
    partner = home_company()
    form = LinkedCompanyForm()
    if form.validate_on_submit():
        try:
            company, granted = services.add_linked(current_user, partner, form.name.data, form.email.data,
                                                   form.website.data)
        except AccountError as exc:
            field = getattr(form, exc.field or "name", form.name)
            field.errors = [*field.errors, exc.message]
        else:
            flash(_("%(company)s is added on the trial tier and %(count)d team member(s) can manage it. Switch into "
                    "it to add its users.", company=company.name, count=granted), "success")
            return htmx.redirect(url_for("companies.detail", company_id=company.id))
    used, limit = allowances.allowance_status(partner, "linked_companies")
    return htmx.render("companies/new.html", block="company_form", status=422 if form.is_submitted() else 200,
                       form=form, partner=partner, used=used, limit=limit)


@bp.route("/<int:company_id>")
@requires("companies", "view")
def detail(company_id: int):
    company = linked_or_404(company_id)
    stats = {key: allowances.allowance_status(company, key)
             for key in ("deployed_flows", "deployed_connectors", "operations_per_month")}
    return htmx.render("companies/detail.html", company=company, tab="overview", stats=stats,
                       has_access=access.has_access(current_user, company), holders=access.holders(company))


@bp.route("/<int:company_id>/unlink", methods=["POST"])
@requires("companies", "unlink")
def unlink(company_id: int):
    company = linked_or_404(company_id)
    try:
        services.unlink(current_user, home_company(), company)
    except AccountError as exc:
        flash(exc.message, "danger")
        return htmx.redirect(url_for("companies.detail", company_id=company.id))
    flash(_("%(company)s is no longer linked to %(partner)s. Your team has no access to it any more; its own users "
            "still sign in as before.", company=company.name, partner=home_company().name), "success")
    return htmx.redirect(url_for("companies.index"))


# -- switching -------------------------------------------------------------------------------------

@bp.route("/switch")
@login_required
def switch_list():
    """The top bar's searchable list (a fragment), or the same list as a page on direct load."""
    query = (request.args.get("q") or "").strip()
    companies = access.accessible(current_user, query, limit=SWITCHER_LIMIT)
    return htmx.render("companies/switch.html", block="switcher_list", companies=companies, query=query,
                       limit=SWITCHER_LIMIT)


@bp.route("/<int:company_id>/switch", methods=["POST"])
@login_required
def switch(company_id: int):
    company = access.access_company(current_user, company_id)
    if company is None:
        abort(404)
    if switching.two_factor_missing(current_user, company):
        return switching.refuse_two_factor(company)
    switching.enter(current_user, company)
    flash(_("You are now working in %(company)s. Everything you change applies to this company.",
            company=company.name), "info")
    return htmx.redirect(_next_url())


@bp.route("/switch-back", methods=["POST"])
@login_required
def switch_back():
    switching.leave()
    flash(_("You are back in %(company)s.", company=home_company().name), "info")
    return htmx.redirect(_next_url())


def _next_url() -> str:
    target = request.form.get("next") or ""
    # Only same-site paths: an absolute URL would make this an open redirect.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("dashboard.index")


# -- the acting company's plan ------------------------------------------------------------------------

@bp.route("/plan")
@requires("settings", "view")
def plan():
    company = g.company
    tier = tiers.tier_of(company)
    counted = ("deployed_flows", "deployed_connectors", "operations_per_month", "monthly_emails", "linked_companies")
    rows = []
    for key, (label, unit) in tiers.ALLOWANCES.items():
        if key == "linked_companies" and not company.is_partner:
            continue
        used = allowances.allowance_status(company, key)[0] if key in counted else None
        rows.append({"key": key, "label": label, "unit": unit, "limit": getattr(tier, key), "used": used})
    areas = [(area, tiers.area_access(tier, area)) for area in sorted(tier.access)]
    bolt_ons = [(tiers.BOLT_ONS[key], units) for key, units in (company.bolt_ons or {}).items()
                if key in tiers.BOLT_ONS and units]
    return htmx.render("companies/plan.html", company=company, tier=tier, rows=rows, areas=areas, bolt_ons=bolt_ons,
                       can_change=can("companies", "subscription") and company.parent_id == current_user.company_id)


from app.companies import access_views, cli  # noqa: E402,F401  (their routes and commands are on this blueprint)
