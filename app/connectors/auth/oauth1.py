"""OAuth 1.0a request signing (RFC 5849), implemented here: HMAC-SHA1, HMAC-SHA256 (NetSuite) and PLAINTEXT.

The consumer key/secret and the access token/secret are entered on the instance (NetSuite token-based
authentication issues them in its UI). Every request gets a fresh nonce and timestamp and an
`Authorization: OAuth ...` header signed over the method, the base URI, the query parameters and any
form-encoded body parameters.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import quote, urlsplit, urlunsplit

from app.connectors.auth.base import AuthContext, AuthError, AuthType, Field, OutgoingRequest, apply_extras

SIGNATURE_METHODS = ("HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT")


def pct(value: str) -> str:
    """RFC 5849 §3.6: percent-encode everything but the unreserved characters, with upper-case hex."""
    return quote(str(value), safe="~-._")


def base_string_uri(url: str) -> str:
    """§3.4.1.2: lower-case scheme and host, default ports dropped, no query or fragment."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", "", ""))


def normalised_parameters(params: list[tuple[str, str]]) -> str:
    """§3.4.1.3.2: encode each name and value, sort by name then value, join with '=' and '&'."""
    encoded = sorted((pct(k), pct(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in encoded)


def signature_base_string(method: str, url: str, params: list[tuple[str, str]]) -> str:
    """§3.4.1: METHOD & encoded base URI & encoded normalised parameters (realm and signature excluded)."""
    usable = [(k, v) for k, v in params if k not in ("realm", "oauth_signature")]
    return "&".join((method.upper(), pct(base_string_uri(url)), pct(normalised_parameters(usable))))


def sign(base_string: str, consumer_secret: str, token_secret: str, method: str = "HMAC-SHA1") -> str:
    key = f"{pct(consumer_secret)}&{pct(token_secret)}"
    if method == "PLAINTEXT":
        return key
    digest = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}.get(method)
    if digest is None:
        raise AuthError(f"Unsupported OAuth 1 signature method '{method}' (use {', '.join(SIGNATURE_METHODS)}).")
    mac = hmac.new(key.encode(), base_string.encode(), digest)
    return base64.b64encode(mac.digest()).decode()


def authorization_header(oauth_params: dict[str, str], realm: str | None = None) -> str:
    """§3.5.1: `OAuth realm="...", oauth_x="..."` with every value percent-encoded."""
    parts = [f'realm="{pct(realm)}"'] if realm else []
    parts += [f'{pct(k)}="{pct(v)}"' for k, v in oauth_params.items()]
    return "OAuth " + ", ".join(parts)


def signed_header(method: str, url: str, params: list[tuple[str, str]], *, consumer_key: str,
                  consumer_secret: str, token: str = "", token_secret: str = "",
                  signature_method: str = "HMAC-SHA1", realm: str | None = None,
                  nonce: str | None = None, timestamp: str | None = None) -> str:
    """The Authorization header for one request; `params` are its query plus form-body parameters."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": signature_method,
        "oauth_timestamp": timestamp or str(int(time.time())),
        "oauth_version": "1.0",
    }
    if token:
        oauth["oauth_token"] = token
    base = signature_base_string(method, url, list(params) + list(oauth.items()))
    oauth["oauth_signature"] = sign(base, consumer_secret, token_secret, signature_method)
    return authorization_header(oauth, realm)


class OAuth1(AuthType):
    type = "oauth1"
    label = "OAuth 1.0a (signed requests)"
    default_variables = [
        {"key": "consumer_key", "label": "Consumer key", "required": True, "secret": False},
        {"key": "consumer_secret", "label": "Consumer secret", "required": True, "secret": True},
        {"key": "token", "label": "Token", "required": True, "secret": True},
        {"key": "token_secret", "label": "Token secret", "required": True, "secret": True},
        {"key": "realm", "label": "Realm", "required": False, "secret": False},
    ]
    fields = [
        Field("signature_method", "Signature method", default="HMAC-SHA1", choices=SIGNATURE_METHODS),
        Field("consumer_key", "Consumer key", default="{{consumer_key}}"),
        Field("consumer_secret", "Consumer secret", default="{{consumer_secret}}"),
        Field("token", "Token", default="{{token}}"),
        Field("token_secret", "Token secret", default="{{token_secret}}"),
        Field("realm", "Realm", default="{{realm}}"),
    ]

    def validate(self, method: dict) -> list[str]:
        problems = super().validate(method)
        chosen = (method.get("settings") or {}).get("signature_method", "HMAC-SHA1")
        if chosen not in SIGNATURE_METHODS:
            problems.append(f"signature method must be one of {', '.join(SIGNATURE_METHODS)}.")
        return problems

    def apply(self, actx: AuthContext, request: OutgoingRequest) -> None:
        consumer_key = actx.setting("consumer_key", "{{consumer_key}}")
        consumer_secret = actx.setting("consumer_secret", "{{consumer_secret}}")
        if not consumer_key or not consumer_secret:
            raise AuthError("The instance has no OAuth 1 consumer key and secret: edit the instance and enter them.")
        apply_extras(actx, request)  # extra query parameters are part of what gets signed
        signed = list(request.params) + list(request.form or [])
        header = signed_header(
            request.method, request.url, signed, consumer_key=consumer_key, consumer_secret=consumer_secret,
            token=actx.setting("token", "{{token}}"), token_secret=actx.setting("token_secret", "{{token_secret}}"),
            signature_method=actx.settings.get("signature_method") or "HMAC-SHA1",
            realm=actx.setting("realm", "{{realm}}") or None)
        request.set_header("Authorization", header, sensitive=True)
