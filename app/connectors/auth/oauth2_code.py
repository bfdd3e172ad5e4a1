"""OAuth 2 authorisation code grant (RFC 6749 §4.1, optional PKCE RFC 7636) with automatic refresh.

The user is sent to `authorize_url` (oauth_views.start), the provider redirects back to
/connectors/oauth/callback with a code, `exchange_code` trades it for tokens, which are stored encrypted
on the instance. Before each request an access token that expires within a minute is refreshed; a 401
triggers one refresh and one more attempt. Refreshes hold a lock, so workers never race a rotating
refresh token.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode

from app.connectors.auth import oauth2_common as common
from app.connectors.auth.base import AuthContext, AuthError, AuthType, Field, OutgoingRequest

NOT_AUTHORISED = "This instance is not authorised yet: open the instance and click 'Authorise' to sign in at {name}."


class OAuth2AuthorizationCode(AuthType):
    type = "oauth2_authorization_code"
    label = "OAuth 2 (authorisation code)"
    default_variables = [
        {"key": "client_id", "label": "Client ID", "required": True, "secret": False},
        {"key": "client_secret", "label": "Client secret", "required": True, "secret": True},
        {"key": "scope", "label": "Scope", "required": False, "secret": False},
    ]
    fields = [
        Field("authorize_url", "Authorise URL", "Additional URL 1: where the user signs in", required=True),
        Field("token_url", "Token URL", "URL: where codes and refresh tokens are exchanged", required=True),
        Field("scope", "Scope", default="{{scope}}"),
        Field("client_id", "Client ID", default="{{client_id}}"),
        Field("client_secret", "Client secret", default="{{client_secret}}"),
        Field("pkce", "Use PKCE (S256)", default=False),
        Field("extra_authorize_params", "Extra authorise parameters", "e.g. access_type=offline", default={}),
        Field("refresh_grant_type", "Refresh grant type", default="refresh_token"),
        *common.TOKEN_FIELDS,
    ]

    def validate(self, method: dict) -> list[str]:
        return super().validate(method) + common.validate(method)

    def has_auth_request(self, actx: AuthContext) -> bool:
        return True  # the token request

    # -- the redirect dance -------------------------------------------------------------------------
    @staticmethod
    def new_verifier() -> str:
        return secrets.token_urlsafe(48)

    @staticmethod
    def challenge(verifier: str) -> str:
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def authorization_url(self, actx: AuthContext, redirect_uri: str, state: str,
                          code_verifier: str | None = None) -> str:
        url = actx.setting("authorize_url")
        if not url:
            raise AuthError(f"The authentication method '{actx.method.get('name')}' has no authorise URL.")
        params = {"response_type": "code", "client_id": actx.setting("client_id", "{{client_id}}"),
                  "redirect_uri": redirect_uri, "state": state}
        scope = actx.setting("scope", "{{scope}}")
        if scope:
            params["scope"] = scope
        if code_verifier and actx.settings.get("pkce"):
            params["code_challenge"] = self.challenge(code_verifier)
            params["code_challenge_method"] = "S256"
        for name, template in (actx.settings.get("extra_authorize_params") or {}).items():
            params[name] = actx.render(template)
        return url + ("&" if "?" in url else "?") + urlencode(params)

    def exchange_code(self, actx: AuthContext, code: str, redirect_uri: str,
                      code_verifier: str | None = None) -> dict:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier and actx.settings.get("pkce"):
            data["code_verifier"] = code_verifier
        token = common.token_request(actx, data)
        actx.tokens.save(token)
        return token

    # -- every request ------------------------------------------------------------------------------
    def refresh(self, actx: AuthContext, *, force: bool = False) -> dict:
        with actx.tokens.lock("oauth2-refresh"):
            token = actx.tokens.load()  # another worker may have refreshed while we waited
            if not force and token.get("access_token") and not common.expiring(token):
                return token
            refresh_token = token.get("refresh_token")
            if not refresh_token:
                raise AuthError("The access token has expired and the provider gave no refresh token: "
                                "authorise the instance again.")
            data = {"grant_type": actx.settings.get("refresh_grant_type") or "refresh_token",
                    "refresh_token": refresh_token}
            fresh = common.token_request(actx, data)
            fresh.setdefault("refresh_token", refresh_token)  # most providers keep the old one valid
            actx.tokens.save(fresh)
            return fresh

    def apply(self, actx: AuthContext, request: OutgoingRequest) -> None:
        token = actx.tokens.load()
        if not token.get("access_token"):
            raise AuthError(NOT_AUTHORISED.format(name=actx.method.get("name") or "the provider"))
        if common.expiring(token):
            token = self.refresh(actx)
        common.send_token(actx, request, token["access_token"])

    def on_unauthorized(self, actx: AuthContext) -> bool:
        if not actx.tokens.load().get("refresh_token"):
            return False
        self.refresh(actx, force=True)
        return True

    def secret_values(self, actx: AuthContext) -> list[str]:
        token = actx.tokens.load()
        return [token[k] for k in ("access_token", "refresh_token") if token.get(k)]
