"""The authorise hand-overs: send the user to the provider, take the grant back.

OAuth 2 authorisation code: the callback brings `code` and `state`. OAuth 1 three-legged (RFC 5849 §2): a
signed request token is fetched first, the user authorises it at the provider, and the callback brings
`oauth_token` and `oauth_verifier`, traded for the access token and secret. OAuth 1 has no `state`, so ours
rides in the `oauth_callback` URL's query, which the provider keeps.

`state` is signed (itsdangerous, 10 minutes) and names the instance, the company and a nonce that must
match this browser's session, so a callback cannot be replayed into another session or company. The
PKCE verifier and the OAuth 1 temporary token (its secret encrypted) stay in the session, never in a URL.
"""
from __future__ import annotations

import secrets
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app import crypto, htmx
from app.connectors import services
from app.connectors.auth import AuthError
from app.connectors.auth.oauth1 import OAuth1
from app.connectors.models import Instance
from app.tenancy import get_or_404, requires

bp = Blueprint("oauth", __name__, url_prefix="/connectors/oauth")

STATE_MAX_AGE = 600
SESSION_KEY = "weft_oauth"
OAUTH1 = OAuth1()


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
        if (instance.method or {}).get("type") == "oauth1":
            url = _oauth1_start(instance, state)
        else:
            url = services.oauth_authorization_url(instance, redirect_uri(), state, verifier)
    except services.ConnectorServiceError as exc:
        session.pop(SESSION_KEY, None)
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
    if "oauth1" in pending:
        return _oauth1_finish(instance, pending["oauth1"], target)
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


# -- OAuth 1 three-legged ----------------------------------------------------------------------------------
def _oauth1_context(runtime, instance: Instance):
    actx = services._oauth_context(runtime, instance, "oauth1")
    if not OAuth1.three_legged(actx.method):
        raise services.ConnectorServiceError(gettext(
            "%(name)s signs with a pasted token: its authentication method names no request token, authorise "
            "and access token URLs.", name=instance.name))
    return actx


def _oauth1_start(instance: Instance, state: str) -> str:
    """Fetch a temporary token (its callback carries our state) and return the provider's authorise URL."""
    base = redirect_uri()
    callback = base + ("&" if "?" in base else "?") + urlencode({"state": state})
    with services.runtime_for(instance.company_id) as runtime:
        actx = _oauth1_context(runtime, instance)
        try:
            token, secret = OAUTH1.request_token(actx, callback)
            url = OAUTH1.authorization_url(actx, token)
        except AuthError as exc:
            raise services.ConnectorServiceError(str(exc)) from None
    session[SESSION_KEY] = {**session.get(SESSION_KEY, {}), "oauth1": crypto.encrypt_json(
        {"token": token, "secret": secret}, current_app.config["SECRET_KEY"])}
    return url


def _oauth1_finish(instance: Instance, sealed: str, target: str):
    temporary = crypto.decrypt_json(sealed, current_app.config["SECRET_KEY"]) or {}
    verifier = request.args.get("oauth_verifier")
    if request.args.get("denied") or not verifier:
        flash(gettext("%(name)s was not authorised: the provider sent no verifier.", name=instance.name), "danger")
        return redirect(target)
    if not secrets.compare_digest(str(request.args.get("oauth_token", "")), str(temporary.get("token", ""))):
        abort(400, gettext("The provider returned another request token than the one this authorisation asked for."))
    try:
        with services.runtime_for(instance.company_id) as runtime:
            try:
                OAUTH1.exchange_verifier(_oauth1_context(runtime, instance), temporary["token"],
                                         temporary.get("secret", ""), verifier)
            except AuthError as exc:
                raise services.ConnectorServiceError(str(exc)) from None
    except services.ConnectorServiceError as exc:
        flash(str(exc), "danger")
        return redirect(target)
    flash(gettext("%(name)s is authorised.", name=instance.name), "success")
    return redirect(target)
