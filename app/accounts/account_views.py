"""My account pages: details, password, and multi-factor authentication (enrol, recovery codes, disable)."""
from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app import htmx
from app.accounts import account, services, totp
from app.accounts.errors import AccountError
from app.accounts.forms import AccountDetailsForm, ChangePasswordForm, CodeForm, DisableTwoFactorForm
from app.accounts.views import bp
from app.audit import client_ip


def _attach(form, exc: AccountError, default: str) -> None:
    field = getattr(form, exc.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, exc.message]


def _account_page(details=None, password=None, status: int = 200, block: str | None = None):
    details = details or AccountDetailsForm(obj=current_user, formdata=None)
    return htmx.render("accounts/account.html", block=block, status=status, details_form=details,
                       password_form=password or ChangePasswordForm(formdata=None),
                       recovery_left=services.remaining_recovery_codes(current_user))


@bp.route("/account")
@login_required
def account_page():
    return _account_page()


@bp.route("/account/details", methods=["POST"])
@login_required
def update_details():
    form = AccountDetailsForm()
    if form.validate():
        try:
            changes = account.update_details(current_user, form.name.data, form.email.data)
        except AccountError as exc:
            _attach(form, exc, "email")
        else:
            flash(_("Your details are saved.") if changes else _("Nothing to save: your details are unchanged."),
                  "success")
            return htmx.redirect(url_for("accounts.account_page"))
    return _account_page(details=form, status=422, block="details_form")


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate():
        try:
            account.change_password(current_user, form.current.data, form.password.data, client_ip())
        except AccountError as exc:
            _attach(form, exc, "password")
        else:
            # The new session epoch signed out every other session; this one continues.
            login_user(current_user._get_current_object())
            flash(_("Your password is changed. Other devices signed in to your account have been signed out."),
                  "success")
            return htmx.redirect(url_for("accounts.account_page"))
    return _account_page(password=form, status=422, block="password_form")


def _two_factor_page(confirm_form=None, disable_form=None, codes_form=None, status: int = 200,
                     block: str | None = None):
    secret = account.pending_secret(current_user)
    qr = uri = None
    if secret:
        uri = totp.provisioning_uri(secret, current_user.email)
        qr = totp.qr_svg(uri)
    return htmx.render("accounts/two_factor.html", block=block, status=status, secret=secret, qr=qr, uri=uri,
                       confirm_form=confirm_form or CodeForm(formdata=None),
                       disable_form=disable_form or DisableTwoFactorForm(formdata=None),
                       codes_form=codes_form or CodeForm(formdata=None),
                       recovery_left=services.remaining_recovery_codes(current_user))


@bp.route("/account/two-factor")
@login_required
def two_factor():
    return _two_factor_page()


@bp.route("/account/two-factor/start", methods=["POST"])
@login_required
def two_factor_start():
    try:
        account.start_two_factor(current_user)
    except AccountError as exc:
        flash(exc.message, "warning")
    return htmx.redirect(url_for("accounts.two_factor"))


@bp.route("/account/two-factor/confirm", methods=["POST"])
@login_required
def two_factor_confirm():
    form = CodeForm()
    if form.validate():
        try:
            codes = account.confirm_two_factor(current_user, form.code.data, client_ip())
        except AccountError as exc:
            _attach(form, exc, "code")
        else:
            return _codes_page(codes, _("Two-factor authentication is on."))
    return _two_factor_page(confirm_form=form, status=422, block="confirm_form")


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def two_factor_codes():
    form = CodeForm()
    if form.validate():
        try:
            codes = account.regenerate_recovery_codes(current_user, form.code.data, client_ip())
        except AccountError as exc:
            _attach(form, exc, "code")
        else:
            return _codes_page(codes, _("New recovery codes are ready. The old ones no longer work."))
    return _two_factor_page(codes_form=form, status=422, block="codes_form")


def _codes_page(codes: list[str], headline: str):
    # The forms that lead here post without htmx, so the codes arrive as a whole page, shown this once.
    response = htmx.render("accounts/recovery_codes.html", codes=codes, headline=headline)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
def two_factor_disable():
    form = DisableTwoFactorForm()
    if form.validate():
        try:
            account.disable_two_factor(current_user, form.password.data, form.code.data, client_ip())
        except AccountError as exc:
            _attach(form, exc, "code")
        else:
            flash(_("Two-factor authentication is off."), "success")
            return htmx.redirect(url_for("accounts.two_factor"))
    return _two_factor_page(disable_form=form, status=422, block="disable_form")
