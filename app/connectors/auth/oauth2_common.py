"""What both OAuth 2 grants share: the token request, reading the token response, sending the token.

The token request is form-encoded (RFC 6749) unless `token_request_body` is "json" (Avasam, SparkLayer,
Ergonode, fulfillmenttools); the method's `headers` and `body` fields go on it as well as on every endpoint request
(SparkLayer's Site-Id; body fields never replace the grant's own parameters). The token is read at
`access_token_key` (a dotted path: Plytix's `data.0.access_token`) and its expiry at `expires_in_key` (seconds,
an epoch time or an ISO date), else `token_lifetime` seconds. With an empty `grant_type` and no client id/secret
the same machinery is a plain login request (Plytix: api_key + api_password).
"""
from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import httpx

from app.connectors.auth import method_scripts
from app.connectors.auth.base import (
    AuthContext,
    AuthError,
    Field,
    OutgoingRequest,
    apply_extras,
    body_fields,
    token_response_error,
)
from app.flows.paths import MISSING, get_path

BODY_FORMATS = ("form", "json")
TOKEN_FIELDS = [
    Field("token_request_body", "Token request body", "form: urlencoded fields (the OAuth 2 standard); json: a JSON "
          "object, for providers that document a JSON token or login request", default="form", choices=BODY_FORMATS),
    Field("client_auth", "Send client credentials", "In the request body, or as HTTP Basic", default="body",
          choices=("body", "basic")),
    Field("access_token_key", "Response authentication token key", "Where the access token is in the token "
          "response (a dotted path, e.g. data.0.access_token)", default="access_token"),
    Field("refresh_token_key", "Response refresh token key", default="refresh_token"),
    Field("expires_in_key", "Response expiry key", "Where the token's lifetime in seconds (or its expiry time) is "
          "in the token response", default="expires_in"),
    Field("token_lifetime", "Token lifetime (seconds)", "Used when the token response says nothing about expiry"),
    Field("placement", "Send the access token in", default="header", choices=("header", "query")),
    Field("token_header", "Header (or parameter) name", default="Authorization"),
    Field("token_prefix", "Prefix", default="Bearer "),
]
EXPIRY_MARGIN = 60.0  # refresh this many seconds before the provider says the token expires
DEFAULT_LIFETIME = 3600.0


def validate(method: dict) -> list[str]:
    """The token settings both grants share."""
    s = method.get("settings") or {}
    problems = []
    if s.get("token_request_body", "form") not in BODY_FORMATS:
        problems.append("token_request_body must be 'form' or 'json'.")
    lifetime = s.get("token_lifetime")
    if lifetime not in (None, ""):
        try:
            if float(lifetime) <= 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.append("token_lifetime must be a number of seconds above 0.")
    return problems


def render_value(actx: AuthContext, template):
    """A token parameter: text templates are rendered; numbers, booleans and nested objects keep their JSON type."""
    if isinstance(template, str):
        return actx.render(template)
    if isinstance(template, dict):
        return {k: render_value(actx, v) for k, v in template.items()}
    if isinstance(template, list):
        return [render_value(actx, v) for v in template]
    return template


def _form_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def token_request(actx: AuthContext, data: dict) -> dict:
    """POST the token endpoint (RFC 6749 §4.1.3 / §4.4.2 / §6) and return a normalised token dict."""
    s = actx.settings
    url = actx.setting("token_url")
    if not url:
        raise AuthError(f"The authentication method '{actx.method.get('name')}' has no token URL.")
    client_id = actx.setting("client_id", "{{client_id}}")
    client_secret = actx.setting("client_secret", "{{client_secret}}")
    params = {k: v for k, v in data.items() if v not in (None, "")}
    for name, template in (s.get("extra_params") or {}).items():
        params.setdefault(name, render_value(actx, template))
    for name, value in body_fields(actx).items():  # the method's body fields, like its headers, go on it too
        params.setdefault(name, value)
    basic = s.get("client_auth", "body") == "basic"
    if not basic:
        if client_id:
            params.setdefault("client_id", client_id)
        if client_secret:
            params.setdefault("client_secret", client_secret)
    as_json = s.get("token_request_body") == "json"
    method_headers = [(name, actx.render(template)) for name, template in (actx.method.get("headers") or {}).items()]

    def build() -> OutgoingRequest:
        request = OutgoingRequest.parse("POST", url)
        for name, value in method_headers:  # the method's headers go on its token request too (SparkLayer Site-Id)
            request.set_header(name, value)
        request.set_header("Accept", "application/json")
        if basic:
            pair = f"{client_id}:{client_secret}".encode()
            request.set_header("Authorization", "Basic " + base64.b64encode(pair).decode())
        if as_json:
            request.set_header("Content-Type", "application/json")
            request.content = json.dumps(params).encode()
        else:
            request.set_header("Content-Type", "application/x-www-form-urlencoded")
            request.form = [(k, _form_text(v)) for k, v in params.items()]
        return request

    try:
        response = method_scripts.send(actx, build)
    except httpx.TimeoutException:
        raise AuthError(f"The token request to {url} timed out after {actx.timeout:g} s.")
    except httpx.TransportError as exc:
        raise AuthError(f"The token request to {url} failed: {exc}")
    body = _parse(response)
    if response.status_code >= 400 or not isinstance(body, (dict, list)):
        detail = ""
        if isinstance(body, dict) and body.get("error") and isinstance(body.get("error"), str):
            detail = f" ({body.get('error')}: {body.get('error_description', '')})".replace(": )", ")")
        masked = token_response_error(response)
        secrets = [client_secret, params.get("refresh_token"), params.get("code"), params.get("password"),
                   *actx.secrets()]
        for secret in secrets:
            if isinstance(secret, str) and len(secret) >= 4:
                masked = masked.replace(secret, "••••")
        hint = ""
        if response.status_code in (400, 401, 403):
            hint = (" Authorise the instance again." if "refresh_token" in data
                    else " Check the credentials on the instance.")
        raise AuthError(f"The token request to {url} was refused{detail}: {masked}{hint}")
    return normalise(actx, body)


def _parse(response: httpx.Response):
    try:
        return response.json()
    except (json.JSONDecodeError, ValueError):
        pairs = parse_qsl(response.text)  # some providers still answer form-encoded
        return dict(pairs) if pairs else None


def response_path(path: str) -> str:
    """`data[0].access_token` (as vendors write it) -> `data.0.access_token` (as get_path reads it)."""
    return re.sub(r"\[(\d+)\]", r".\1", path)


def _expires_at(actx: AuthContext, body, now: float) -> float | None:
    raw = get_path(body, response_path(actx.settings.get("expires_in_key") or "expires_in"))
    at = _as_expiry(raw, now)
    lifetime = actx.settings.get("token_lifetime")
    if at is None and lifetime not in (None, ""):
        try:
            at = now + float(lifetime)
        except (TypeError, ValueError):
            return None
    return at


def _as_expiry(raw, now: float) -> float | None:
    """A lifetime in seconds, an epoch time (seconds or milliseconds) or an ISO date, as an epoch time."""
    if raw in (MISSING, None, "") or isinstance(raw, bool):
        return None
    try:
        number = float(raw)
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
    if number <= 0:
        return None
    if number >= 1e12:
        return number / 1000
    return number if number >= 1e9 else now + number


def normalise(actx: AuthContext, body) -> dict:
    s = actx.settings
    key = s.get("access_token_key") or "access_token"
    access = get_path(body, response_path(key))
    if access in (MISSING, None, "") or isinstance(access, (dict, list)):
        raise AuthError(f"The token response has no '{key}'.")
    refresh = get_path(body, response_path(s.get("refresh_token_key") or "refresh_token"))
    now = time.time()
    fields = body if isinstance(body, dict) else {}
    token = {"access_token": str(access), "token_type": fields.get("token_type", "Bearer"),
             "obtained_at": now, "expires_at": _expires_at(actx, body, now), "scope": fields.get("scope")}
    if refresh not in (MISSING, None, "") and not isinstance(refresh, (dict, list)):
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
