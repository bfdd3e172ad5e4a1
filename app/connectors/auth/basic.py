"""HTTP Basic authentication (RFC 7617): `Authorization: Basic base64(username:password)`.

The username and password are templates over the method's variables, so a connector can map its own
names (WooCommerce: consumer key as username, consumer secret as password).
"""
from __future__ import annotations

import base64

from app.connectors.auth.base import AuthContext, AuthError, AuthType, Field, OutgoingRequest, apply_extras


class BasicAuth(AuthType):
    type = "basic"
    label = "Basic (username and password)"
    default_variables = [
        {"key": "username", "label": "Username", "required": True, "secret": False},
        {"key": "password", "label": "Password", "required": True, "secret": True},
    ]
    fields = [
        Field("username", "Username", "Template for the user name", default="{{username}}"),
        Field("password", "Password", "Template for the password", default="{{password}}"),
    ]

    def apply(self, actx: AuthContext, request: OutgoingRequest) -> None:
        username = actx.setting("username", "{{username}}")
        password = actx.setting("password", "{{password}}")
        if not username and not password:
            raise AuthError("The instance has no username or password: edit the instance and enter them.")
        encoded = base64.b64encode(f"{username}:{password}".encode()).decode()
        apply_extras(actx, request)
        request.set_header("Authorization", f"Basic {encoded}", sensitive=True)
