"""Sign in (password, then the 2FA code), sign out, forgotten passwords, set-password links, language."""
from __future__ import annotations

import time
from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app import htmx
from app.accounts import account, roles, services, tokens
from app.accounts.errors import AccountError
from app.accounts.forms import CodeForm, ForgotForm, LanguageForm, LoginForm, NewPasswordForm
from app.audit import client_ip

bp = Blueprint("accounts", __name__)

PENDING_KEY = "weft_2fa_pending"
PENDING_SECONDS = 10 * 60
# Pages a user may reach while their company requires 2FA and they have not set it up yet.
SETUP_ENDPOINTS = {"accounts.two_factor", "accounts.two_factor_start", "accounts.two_factor_confirm",
                   "accounts.logout", "accounts.language", "static"}


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL in ?next= would make us an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return url_for("dashboard.index")


def _status(form) -> int:
    return 422 if form.is_submitted() else 200


@bp.app_context_processor
def account_helpers():
    return {"role_name": roles.role_name, "status_name": roles.status_name}


@bp.before_app_request
def require_two_factor_setup():
    """A company that requires 2FA sends its users without it to the setup page first."""
    if request.path.startswith("/api/"):
        return None  # checked first: no /api/ call is sent to the setup page, so none need load the user
    if not current_user.is_authenticated or current_user.two_factor_enabled:
        return None
    if not current_user.company.require_2fa or request.endpoint in SETUP_ENDPOINTS or request.endpoint is None:
        return None
    return htmx.redirect(url_for("accounts.two_factor"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.sign_in(form.email.data, form.password.data, client_ip())
        if result.needs_code:
            session[PENDING_KEY] = {"user": result.user.get_id(), "remember": bool(form.remember.data),
                                    "at": time.time(), "next": request.args.get("next")}
            return htmx.redirect(url_for("accounts.verify"))
        if result.ok:
            login_user(result.user, remember=form.remember.data)
            return htmx.redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(result.error)
    return htmx.render("accounts/login.html", block="login_form", status=_status(form), form=form)


def _pending_user():
    pending = session.get(PENDING_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, pending
    return services.load_user(pending.get("user", "")), pending


@bp.route("/login/code", methods=["GET", "POST"])
def verify():
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Please sign in again."), "info")
        return htmx.redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        result = services.verify_code(user, form.code.data, client_ip())
        if result.ok:
            session.pop(PENDING_KEY, None)
            login_user(result.user, remember=pending.get("remember", False))
            if result.recovery_codes_left is not None:
                flash(_("You signed in with a recovery code. %(count)d recovery code(s) left: you can replace "
                        "them under My account.", count=result.recovery_codes_left), "warning")
            return htmx.redirect(_safe_next(pending.get("next")))
        form.code.errors.append(result.error)
    return htmx.render("accounts/verify.html", block="code_form", status=_status(form), form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.record_sign_out(current_user)
    logout_user()
    flash(_("You have been signed out."), "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        account.request_reset(form.email.data, client_ip())
        flash(_("If an account uses %(email)s, we have emailed it a link to set a new password. The link works "
                "once, for 24 hours.", email=form.email.data), "info")
        return htmx.redirect(url_for("accounts.login"))
    return htmx.render("accounts/forgot.html", block="forgot_form", status=_status(form), form=form)


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    found, why = tokens.find(token)
    if why:
        return htmx.render("accounts/set_password.html", status=410, problem=account.link_problem(why), form=None)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            account.set_password_with_link(token, form.password.data)
        except AccountError as exc:
            form.password.errors.append(exc.message)
        else:
            flash(_("Your password is set. Sign in with it now."), "success")
            return htmx.redirect(url_for("accounts.login"))
    return htmx.render("accounts/set_password.html", block="password_form", status=_status(form), form=form,
                       problem=None, purpose=found.purpose, user=found.user)


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if form.validate():
        account.set_language(current_user if current_user.is_authenticated else None, form.language.data)
        session["language"] = form.language.data
    return htmx.redirect(_safe_next(form.next.data))


from app.accounts import account_views  # noqa: E402,F401  (routes of My account on this blueprint)
from app.accounts.registration import init_cli  # noqa: E402

init_cli(bp)  # `flask accounts register COMPANY NAME EMAIL`
