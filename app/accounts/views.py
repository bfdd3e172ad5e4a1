"""Sign in and sign out."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app import htmx
from app.accounts import services
from app.accounts.forms import LoginForm

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL in ?next= would make us an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return htmx.redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("That email and password do not match an active account.")
    status = 422 if form.is_submitted() else 200
    return htmx.render("accounts/login.html", block="login_form", status=status, form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("You have been signed out.", "info")
    return redirect(url_for("accounts.login"), code=303)
