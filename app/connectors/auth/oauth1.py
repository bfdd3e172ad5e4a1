"""OAuth 1.0a request signing (RFC 5849), implemented here: HMAC-SHA1, HMAC-SHA256 (NetSuite) and PLAINTEXT.

The consumer key/secret are entered on the instance. The access token/secret are either pasted too (NetSuite
token-based authentication issues them in its UI) or, when the method names a `request_token_url`,
`authorize_url` and `access_token_url`, obtained by the three-legged flow (§2): a signed request for a temporary
token with our `oauth_callback`, the user authorises it at the provider, and the verifier sent back is traded for
the access token and secret, kept encrypted in the instance's token store. Every request gets a fresh nonce and
timestamp and an `Authorization: OAuth ...` header signed over the method, the base URI, the query parameters and
any form-encoded body parameters.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx

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
                  nonce: str | None = None, timestamp: str | None = None, extra: dict | None = None) -> str:
    """The Authorization header for one request; `params` are its query plus form-body parameters and `extra`
    the flow's own protocol parameters (oauth_callback, oauth_verifier), signed and sent in the header."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": signature_method,
        "oauth_timestamp": timestamp or str(int(time.time())),
        "oauth_version": "1.0",
    }
    if token:
        oauth["oauth_token"] = token
    oauth.update(extra or {})
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
        Field("request_token_url", "Request token URL", "three-legged flow: where the temporary token is asked for "
              "(leave the three URLs empty to paste the token and secret)", default=""),
        Field("authorize_url", "Authorise URL", "three-legged flow: where the user authorises it", default=""),
        Field("access_token_url", "Access token URL", "three-legged flow: where the verifier is traded", default=""),
    ]
    FLOW_URLS = ("request_token_url", "authorize_url", "access_token_url")

    @classmethod
    def three_legged(cls, method: dict) -> bool:
        """Whether the method gets its token by the authorise flow rather than a pasted token."""
        settings = method.get("settings") or {}
        return all(str(settings.get(name) or "").strip() for name in cls.FLOW_URLS)

    def validate(self, method: dict) -> list[str]:
        problems = super().validate(method)
        chosen = (method.get("settings") or {}).get("signature_method", "HMAC-SHA1")
        if chosen not in SIGNATURE_METHODS:
            problems.append(f"signature method must be one of {', '.join(SIGNATURE_METHODS)}.")
        urls = [name for name in self.FLOW_URLS if str((method.get("settings") or {}).get(name) or "").strip()]
        if urls and len(urls) != len(self.FLOW_URLS):
            problems.append("the three-legged flow needs the request token, authorise and access token URLs together.")
        return problems

    # -- the three-legged flow (RFC 5849 §2) ------------------------------------------------------------
    def _consumer(self, actx: AuthContext) -> tuple[str, str]:
        consumer_key = actx.setting("consumer_key", "{{consumer_key}}")
        consumer_secret = actx.setting("consumer_secret", "{{consumer_secret}}")
        if not consumer_key or not consumer_secret:
            raise AuthError("The instance has no OAuth 1 consumer key and secret: edit the instance and enter them.")
        return consumer_key, consumer_secret

    def _token_request(self, actx: AuthContext, url: str, *, token: str = "", token_secret: str = "",
                       extra: dict) -> dict:
        """POST a signed §2.1/§2.3 request; the answer is form-encoded (oauth_token, oauth_token_secret)."""
        consumer_key, consumer_secret = self._consumer(actx)
        params = list(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        header = signed_header("POST", url, params, consumer_key=consumer_key, consumer_secret=consumer_secret,
                               token=token, token_secret=token_secret, extra=extra,
                               signature_method=actx.settings.get("signature_method") or "HMAC-SHA1",
                               realm=actx.setting("realm", "{{realm}}") or None)
        try:
            response = actx.client.post(url, headers={"Authorization": header, "Accept": "*/*"}, timeout=actx.timeout)
        except httpx.HTTPError as exc:
            raise AuthError(f"The OAuth 1 token request to {url} failed: {exc}") from None
        answer = dict(parse_qsl(response.text, keep_blank_values=True))
        if response.status_code >= 400 or not answer.get("oauth_token"):
            excerpt = response.text[:300]
            for secret in [consumer_secret, token_secret, *actx.secrets()]:
                excerpt = excerpt.replace(secret, "•••") if secret else excerpt
            raise AuthError(f"The OAuth 1 token request to {url} was refused: HTTP {response.status_code} "
                            f"{excerpt}".strip())
        return answer

    def request_token(self, actx: AuthContext, callback: str) -> tuple[str, str]:
        """§2.1: a temporary token and secret for the user to authorise, returning to `callback`."""
        answer = self._token_request(actx, actx.setting("request_token_url"), extra={"oauth_callback": callback})
        return answer["oauth_token"], answer.get("oauth_token_secret", "")

    def authorization_url(self, actx: AuthContext, temporary_token: str) -> str:
        """§2.2: where the user is sent to authorise the temporary token."""
        url = actx.setting("authorize_url")
        return url + ("&" if "?" in url else "?") + urlencode({"oauth_token": temporary_token})

    def exchange_verifier(self, actx: AuthContext, temporary_token: str, temporary_secret: str,
                          verifier: str) -> dict:
        """§2.3: the verifier for the access token and secret, stored encrypted in the token store."""
        answer = self._token_request(actx, actx.setting("access_token_url"), token=temporary_token,
                                     token_secret=temporary_secret, extra={"oauth_verifier": verifier})
        token = {"access_token": answer["oauth_token"], "access_token_secret": answer.get("oauth_token_secret", "")}
        actx.tokens.save(token)
        return token

    def _access(self, actx: AuthContext) -> tuple[str, str]:
        """The authorised token and secret when the flow stored them, else the pasted ones."""
        stored = actx.tokens.load() if self.three_legged(actx.method) else {}
        if stored.get("access_token"):
            return stored["access_token"], stored.get("access_token_secret", "")
        if self.three_legged(actx.method) and not actx.setting("token", "{{token}}"):
            raise AuthError(f"{actx.method.get('name') or 'OAuth 1'} is not authorised yet: use Authorise on the "
                            "instance.")
        return actx.setting("token", "{{token}}"), actx.setting("token_secret", "{{token_secret}}")

    def secret_values(self, actx: AuthContext) -> list[str]:
        stored = actx.tokens.load() if self.three_legged(actx.method) else {}
        return [v for v in (stored.get("access_token"), stored.get("access_token_secret")) if v]

    def apply(self, actx: AuthContext, request: OutgoingRequest) -> None:
        consumer_key, consumer_secret = self._consumer(actx)
        token, token_secret = self._access(actx)
        apply_extras(actx, request)  # extra query parameters are part of what gets signed
        signed = list(request.params) + list(request.form or [])
        header = signed_header(
            request.method, request.url, signed, consumer_key=consumer_key, consumer_secret=consumer_secret,
            token=token, token_secret=token_secret,
            signature_method=actx.settings.get("signature_method") or "HMAC-SHA1",
            realm=actx.setting("realm", "{{realm}}") or None)
        request.set_header("Authorization", header, sensitive=True)
