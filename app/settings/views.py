"""Settings → my company profile: general details, banner, security, and the users tab with search."""
from __future__ import annotations

from flask import Blueprint, flash, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import htmx
from app.accounts import users
from app.accounts.errors import AccountError
from app.settings import services
from app.settings.forms import BannerForm, CompanyProfileForm, SecurityForm
from app.tenancy import requires

bp = Blueprint("settings", __name__, url_prefix="/settings")


def _page(profile_form=None, banner_form=None, security_form=None, status: int = 200, block: str | None = None):
    company = g.company
    query = (request.args.get("q") or "").strip()
    return htmx.render(
        "settings/index.html", block=block, status=status, company=company, query=query,
        users=users.search(query),
        profile_form=profile_form or CompanyProfileForm(obj=company, formdata=None),
        banner_form=banner_form or BannerForm(obj=company, formdata=None),
        security_form=security_form or SecurityForm(obj=company, formdata=None))


@bp.route("/")
@requires("settings", "view")
def index():
    # The search box asks for only the table rows; a direct load gets the whole page (C2).
    return _page(block="user_rows" if "q" in request.args else None)


def _attach(form, exc: AccountError, default: str) -> None:
    field = getattr(form, exc.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, exc.message]


@bp.route("/profile", methods=["POST"])
@requires("company", "edit")
def update_profile():
    form = CompanyProfileForm()
    if form.validate():
        try:
            changes = services.update_profile(current_user, g.company, form.name.data, form.website.data,
                                              form.telephone.data, form.email.data)
        except AccountError as exc:
            _attach(form, exc, "name")
        else:
            flash(_("The company profile is saved.") if changes else _("Nothing to save: the profile is unchanged."),
                  "success")
            return htmx.redirect(url_for("settings.index"))
    return _page(profile_form=form, status=422, block="profile_form")


@bp.route("/banner", methods=["POST"])
@requires("settings", "edit")
def update_banner():
    form = BannerForm()
    if form.validate():
        try:
            text = services.set_banner(current_user, g.company, form.banner.data)
        except AccountError as exc:
            _attach(form, exc, "banner")
        else:
            flash(_("The banner is showing to everyone in your company.") if text else _("The banner is cleared."),
                  "success")
            return htmx.redirect(url_for("settings.index"))
    return _page(banner_form=form, status=422, block="banner_form")


@bp.route("/security", methods=["POST"])
@requires("settings", "edit")
def update_security():
    form = SecurityForm()
    if form.validate():
        try:
            services.set_require_2fa(current_user, g.company, form.require_2fa.data)
        except AccountError as exc:
            _attach(form, exc, "require_2fa")
        else:
            flash(_("Two-factor authentication is now required for everyone in %(company)s.", company=g.company.name)
                  if form.require_2fa.data else _("Two-factor authentication is now optional."), "success")
            return htmx.redirect(url_for("settings.index"))
    return _page(security_form=form, status=422, block="security_form")


from app.settings import audit_views, users_views  # noqa: E402,F401  (their routes are on this blueprint)
