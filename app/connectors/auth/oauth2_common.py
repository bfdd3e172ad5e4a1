"""What both OAuth 2 grants share: the token request, reading the token response, sending the token."""
from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qsl

import httpx

from app.connectors.auth import method_scripts
from app.connectors.auth.base import AuthContext, AuthError, Field, OutgoingRequest, apply_extras, token_response_error
from app.flows.paths import MISSING, get_path

TOKEN_FIELDS = [
    Field("client_auth", "Send client credentials", "In the form body, or as HTTP Basic", default="body",
          choices=("body", "basic")),
    Field("access_token_key", "Response authentication token key", "Where the access token is in the token "
          "response (a dotted path)", default="access_token"),
    Field("refresh_token_key", "Response refresh token key", default="refresh_token"),
    Field("placement", "Send the access token in", default="header", choices=("header", "query")),
    Field("token_header", "Header (or parameter) name", default="Authorization"),
    Field("token_prefix", "Prefix", default="Bearer "),
]
EXPIRY_MARGIN = 60.0  # refresh this many seconds before the provider says the token expires
DEFAULT_LIFETIME = 3600.0


def token_request(actx: AuthContext, data: dict) -> dict:
    """POST the token endpoint (RFC 6749 §4.1.3 / §4.4.2 / §6) and return a normalised token dict."""
    s = actx.settings
    url = actx.setting("token_url")
    if not url:
        raise AuthError(f"The authentication method '{actx.method.get('name')}' has no token URL.")
    client_id = actx.setting("client_id", "{{client_id}}")
    client_secret = actx.setting("client_secret", "{{client_secret}}")
    headers = {"Accept": "application/json"}
    form = {k: v for k, v in data.items() if v not in (None, "")}
    for name, template in (s.get("extra_params") or {}).items():
        form.setdefault(name, actx.render(template))
    if s.get("client_auth", "body") == "basic":
        pair = f"{client_id}:{client_secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    else:
        if client_id:
            form.setdefault("client_id", client_id)
        if client_secret:
            form.setdefault("client_secret", client_secret)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        response = method_scripts.send(actx, lambda: OutgoingRequest.parse(
            "POST", url, headers=dict(headers), form=list(form.items())))
    except httpx.TimeoutException:
        raise AuthError(f"The token request to {url} timed out after {actx.timeout:g} s.")
    except httpx.TransportError as exc:
        raise AuthError(f"The token request to {url} failed: {exc}")
    body = _parse(response)
    if response.status_code >= 400 or not isinstance(body, dict):
        detail = ""
        if isinstance(body, dict) and body.get("error"):
            detail = f" ({body.get('error')}: {body.get('error_description', '')})".replace(": )", ")")
        masked = token_response_error(response)
        for secret in (client_secret, form.get("refresh_token"), form.get("code"), form.get("password")):
            if secret and len(str(secret)) >= 4:
                masked = masked.replace(str(secret), "••••")
        raise AuthError(f"The token request to {url} was refused{detail}: {masked}")
    return normalise(actx, body)


def _parse(response: httpx.Response):
    try:
        return response.json()
    except (json.JSONDecodeError, ValueError):
        pairs = parse_qsl(response.text)  # some providers still answer form-encoded
        return dict(pairs) if pairs else None


def normalise(actx: AuthContext, body: dict) -> dict:
    s = actx.settings
    access = get_path(body, s.get("access_token_key") or "access_token")
    if access in (MISSING, None, ""):
        raise AuthError(f"The token response has no '{s.get('access_token_key') or 'access_token'}'.")
    refresh = get_path(body, s.get("refresh_token_key") or "refresh_token")
    try:
        lifetime = float(body.get("expires_in"))
    except (TypeError, ValueError):
        lifetime = None
    now = time.time()
    token = {"access_token": str(access), "token_type": body.get("token_type", "Bearer"),
             "obtained_at": now, "expires_at": now + lifetime if lifetime else None,
             "scope": body.get("scope")}
    if refresh not in (MISSING, None, ""):
        token["refresh_token"] = str(refresh)
    return token


def expiring(token: dict, margin: float = EXPIRY_MARGIN) -> bool:
    expires = token.get("expires_at")
    return bool(expires) and float(expires) - margin <= time.time()


def send_token(actx: AuthContext, request: OutgoingRequest, access_token: str) -> None:
    s = actx.settings
    apply_extras(actx, request)
    prefix = s.get("token_prefix", "Bearer ")
    if s.get("placement", "header") == "query":
        request.set_param(s.get("token_header") or "access_token", access_token, sensitive=True)
    else:
        request.set_header(s.get("token_header") or "Authorization", f"{prefix or ''}{access_token}", sensitive=True)
