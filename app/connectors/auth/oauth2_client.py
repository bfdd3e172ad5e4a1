"""OAuth 2 client credentials grant (RFC 6749 §4.4): a token fetched with the client id and secret and
cached until shortly before it expires (in Redis when the run has it, otherwise on the instance row).

`grant_type` and `extra_params` also cover the close cousins the catalog needs: the password grant
(Akeneo, Fluent Commerce: grant_type=password plus username/password) and a long-lived refresh token
typed into the instance (Google Sheets: grant_type=refresh_token). An empty `grant_type` sends none: with
`extra_params` as the body, `token_request_body: json` and `access_token_key` it is a "token from a login request"
method (Plytix: POST api_key + api_password, the token at data.0.access_token, cached for `token_lifetime`).
"""
from __future__ import annotations

from app.connectors.auth import oauth2_common as common
from app.connectors.auth.base import AuthContext, AuthType, Field, OutgoingRequest

CACHE_NAME = "client_credentials"


class OAuth2ClientCredentials(AuthType):
    type = "oauth2_client_credentials"
    label = "OAuth 2 (client credentials) or token from a login request"
    default_variables = [
        {"key": "client_id", "label": "Client ID", "required": True, "secret": False},
        {"key": "client_secret", "label": "Client secret", "required": True, "secret": True},
    ]
    fields = [
        Field("token_url", "Token URL", required=True),
        Field("grant_type", "Grant type", "client_credentials, password or refresh_token; empty: none is sent (a "
              "plain login request)", default="client_credentials"),
        Field("scope", "Scope", default=""),
        Field("client_id", "Client ID", default="{{client_id}}"),
        Field("client_secret", "Client secret", default="{{client_secret}}"),
        Field("extra_params", "Extra token parameters", "e.g. audience, or username/password: the login body of a "
              "login request", default={}),
        *common.TOKEN_FIELDS,
    ]

    def validate(self, method: dict) -> list[str]:
        return super().validate(method) + common.validate(method)

    def has_auth_request(self, actx: AuthContext) -> bool:
        return True  # the token request

    def fetch(self, actx: AuthContext) -> dict:
        # An explicitly empty grant type sends none (a login request); a missing one is the client credentials grant.
        data = {"grant_type": actx.settings.get("grant_type", "client_credentials"), "scope": actx.setting("scope")}
        token = common.token_request(actx, data)
        lifetime = (token["expires_at"] - token["obtained_at"]) if token.get("expires_at") else common.DEFAULT_LIFETIME
        actx.tokens.cache(CACHE_NAME, token, ttl=max(lifetime - common.EXPIRY_MARGIN, 5.0))
        return token

    def current(self, actx: AuthContext) -> dict:
        token = actx.tokens.cached(CACHE_NAME)
        if token and not common.expiring(token):
            return token
        with actx.tokens.lock("oauth2-client"):
            token = actx.tokens.cached(CACHE_NAME)  # fetched by another worker while we waited
            if token and not common.expiring(token):
                return token
            return self.fetch(actx)

    def apply(self, actx: AuthContext, request: OutgoingRequest) -> None:
        common.send_token(actx, request, self.current(actx)["access_token"])

    def on_unauthorized(self, actx: AuthContext) -> bool:
        actx.tokens.forget(CACHE_NAME)  # revoked early: fetch a new one and try once more
        return True

    def secret_values(self, actx: AuthContext) -> list[str]:
        token = actx.tokens.cached(CACHE_NAME) or {}
        return [token["access_token"]] if token.get("access_token") else []
