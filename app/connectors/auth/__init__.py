"""The authentication-type registry: {type: AuthType instance}, one module per type, listed explicitly."""
from __future__ import annotations

from app.connectors.auth import basic, database, none, oauth1, oauth2_client, oauth2_code, soap, token
from app.connectors.auth.base import AuthContext, AuthError, AuthType, MemoryTokenStore, OutgoingRequest

__all__ = ["AUTH_TYPES", "AuthContext", "AuthError", "AuthType", "MemoryTokenStore", "OutgoingRequest", "get"]

_CLASSES: list[type[AuthType]] = [
    none.NoAuth,
    basic.BasicAuth,
    token.TokenAuth,
    token.ApiKeyAuth,
    oauth2_code.OAuth2AuthorizationCode,
    oauth2_client.OAuth2ClientCredentials,
    oauth1.OAuth1,
    soap.SoapAuth,
    database.DatabaseAuth,
    database.SshKeyAuth,
]

AUTH_TYPES: dict[str, AuthType] = {cls.type: cls() for cls in _CLASSES}


def get(kind: str) -> AuthType:
    try:
        return AUTH_TYPES[kind]
    except KeyError:
        raise AuthError(f"Unknown authentication type '{kind}'.") from None
