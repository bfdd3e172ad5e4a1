"""A linked company's "team members with access" and "subscription" tabs (on the companies blueprint)."""
from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields import SelectChoice

from app import htmx
from app.accounts.errors import AccountError
from app.accounts.models import User
from app.companies import access, services, tiers
from app.companies.forms import GrantForm, SubscriptionForm
from app.companies.views import bp, home_company, linked_or_404
from app.extensions import db
from app.tenancy import can, requires


def _grant_form(company, rows, formdata=True) -> GrantForm:
    form = GrantForm() if formdata else GrantForm(formdata=None)
    form.user_id.choices = [SelectChoice(0, _("Choose a team member…"))] + [
        SelectChoice(user.id, f"{user.name} ({user.email})") for user, grant in rows
        if grant is None and access.eligible(user)]
    return form


def _access_page(company, form=None, status: int = 200, block: str | None = None):
    rows = access.team_with_access(company)
    return htmx.render("companies/access.html", block=block, status=status, company=company, tab="access", rows=rows,
                       form=form or _grant_form(company, rows, formdata=False),
                       manage=access.can_manage_access(current_user, company) and can("companies", "access"),
                       has_access=access.has_access(current_user, company))


@bp.route("/<int:company_id>/access")
@requires("companies", "view")
def access_tab(company_id: int):
    return _access_page(linked_or_404(company_id))


@bp.route("/<int:company_id>/access", methods=["POST"])
@requires("companies", "access")
def grant(company_id: int):
    company = linked_or_404(company_id)
    form = _grant_form(company, access.team_with_access(company))
    if form.validate():
        # Cross-tenant by nature: a member of the partner's team; grant() checks they belong to it.
        user = db.session.get(User, form.user_id.data)
        try:
            if user is None:
                raise AccountError(_("Choose a team member."))
            access.grant(current_user, company, user)
        except AccountError as exc:
            form.user_id.errors = [*form.user_id.errors, exc.message]
        else:
            flash(_("%(name)s can now switch into %(company)s.", name=user.name, company=company.name), "success")
            return htmx.redirect(url_for("companies.access_tab", company_id=company.id))
    return _access_page(company, form=form, status=422, block="grant_form")


@bp.route("/<int:company_id>/access/<int:user_id>/revoke", methods=["POST"])
@requires("companies", "access")
def revoke(company_id: int, user_id: int):
    company = linked_or_404(company_id)
    user = db.session.get(User, user_id)  # cross-tenant by nature, as in grant()
    try:
        if user is None or user.company_id != home_company().id:
            raise AccountError(_("That person is not on your team."))
        access.revoke(current_user, company, user)
    except AccountError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("%(name)s can no longer switch into %(company)s. If they are working in it now, they are moved back "
                "to their own company on their next click.", name=user.name, company=company.name), "success")
    return htmx.redirect(url_for("companies.access_tab", company_id=company.id))


# -- subscription ----------------------------------------------------------------------------------

def _subscription_form(company, formdata=True) -> SubscriptionForm:
    if not formdata:
        form = SubscriptionForm(formdata=None, tier=tiers.canonical(company.tier))
        for bolt_on, field in form.bolt_on_fields():
            field.data = (company.bolt_ons or {}).get(bolt_on.key, 0)
        for key, field in form.custom_fields():
            field.data = (company.allowance_overrides or {}).get(key)
        return form
    return SubscriptionForm()


def _subscription_page(company, form=None, status: int = 200, block: str | None = None, warnings=()):
    return htmx.render("companies/subscription.html", block=block, status=status, company=company,
                       tab="subscription", form=form or _subscription_form(company, formdata=False),
                       effective=tiers.tier_of(company), warnings=warnings,
                       manage=can("companies", "subscription") and access.has_access(current_user, company),
                       has_access=access.has_access(current_user, company),
                       bolt_on_tiers={b.key: list(b.tiers) for b in tiers.BOLT_ONS.values()})


@bp.route("/<int:company_id>/subscription")
@requires("companies", "view")
def subscription(company_id: int):
    return _subscription_page(linked_or_404(company_id))


@bp.route("/<int:company_id>/subscription", methods=["POST"])
@requires("companies", "subscription")
def update_subscription(company_id: int):
    company = linked_or_404(company_id)
    form = _subscription_form(company)
    if form.validate():
        try:
            changes = services.set_subscription(current_user, home_company(), company, form.tier.data,
                                                form.bolt_ons(), form.overrides())
        except AccountError as exc:
            field = getattr(form, exc.field or "tier", None) or form.tier
            field.errors = [*field.errors, exc.message]
        else:
            if not changes:
                flash(_("Nothing to save: the subscription is unchanged."), "info")
            else:
                flash(_("%(company)s is now on the %(tier)s tier.", company=company.name,
                        tier=tiers.tier_label(company.tier)), "success")
                for warning in services.over_allowance(company):
                    flash(warning, "warning")
            return htmx.redirect(url_for("companies.subscription", company_id=company.id))
    return _subscription_page(company, form=form, status=422, block="subscription_form")
