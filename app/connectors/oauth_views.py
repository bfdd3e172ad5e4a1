"""The OAuth 2 authorisation-code hand-over: send the user to the provider, take the code back.

`state` is signed (itsdangerous, 10 minutes) and names the instance, the company and a nonce that must
match this browser's session, so a callback cannot be replayed into another session or company. The
PKCE verifier stays in the session, never in a URL.
"""
from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app import htmx
from app.connectors import services
from app.connectors.models import Instance
from app.tenancy import get_or_404, requires

bp = Blueprint("oauth", __name__, url_prefix="/connectors/oauth")

STATE_MAX_AGE = 600
SESSION_KEY = "weft_oauth"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="weft-connectors-oauth-state")


def _safe_next(target: str | None) -> str:
    """Only a local path: never bounce the user to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def redirect_uri() -> str:
    """The callback URL registered with the provider (override with OAUTH_REDIRECT_URL behind a proxy)."""
    return current_app.config.get("OAUTH_REDIRECT_URL") or url_for("oauth.callback", _external=True)


@bp.route("/<int:instance_id>/start")
@requires("connectors", "edit")
def start(instance_id: int):
    instance = get_or_404(Instance, instance_id)
    nonce = secrets.token_urlsafe(16)
    verifier = services.new_code_verifier()
    session[SESSION_KEY] = {"nonce": nonce, "verifier": verifier}
    state = _serializer().dumps({"i": instance.id, "c": instance.company_id, "u": current_user.id, "n": nonce,
                                 "next": _safe_next(request.args.get("next"))})
    try:
        url = services.oauth_authorization_url(instance, redirect_uri(), state, verifier)
    except services.ConnectorServiceError as exc:
        flash(str(exc), "danger")
        return htmx.redirect(_safe_next(request.args.get("next")))
    if htmx.is_request():
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = url  # leave the app: a full-page navigation to the provider
        return response
    return redirect(url)


@bp.route("/callback")
@requires("connectors", "edit")
def callback():
    try:
        state = _serializer().loads(request.args.get("state", ""), max_age=STATE_MAX_AGE)
    except SignatureExpired:
        abort(400, gettext("The authorisation took longer than 10 minutes: start it again."))
    except BadSignature:
        abort(400, gettext("The authorisation state is invalid."))
    pending = session.pop(SESSION_KEY, None) or {}
    if not secrets.compare_digest(str(pending.get("nonce", "")), str(state.get("n", ""))) or \
            state.get("u") != current_user.id:
        abort(400, gettext("This authorisation was not started from this browser session: start it again."))
    if getattr(g, "company", None) is None or g.company.id != state.get("c"):
        abort(404)
    instance = get_or_404(Instance, state.get("i"))
    target = _safe_next(state.get("next"))
    if request.args.get("error"):
        detail = request.args.get("error_description") or request.args.get("error")
        flash(gettext("%(name)s was not authorised: %(detail)s", name=instance.name, detail=detail), "danger")
        return redirect(target)
    code = request.args.get("code")
    if not code:
        abort(400, gettext("The provider sent no authorisation code."))
    try:
        services.complete_oauth(instance, code, redirect_uri(), pending.get("verifier"))
    except services.ConnectorServiceError as exc:
        flash(str(exc), "danger")
        return redirect(target)
    flash(gettext("%(name)s is authorised.", name=instance.name), "success")
    return redirect(target)
