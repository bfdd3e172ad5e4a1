"""No authentication: the request goes out as the endpoint describes it (plus the method's extra headers)."""
from __future__ import annotations

from app.connectors.auth.base import AuthContext, AuthType, OutgoingRequest, apply_extras


class NoAuth(AuthType):
    type = "none"
    label = "No authentication"

    def apply(self, actx: AuthContext, request: OutgoingRequest) -> None:
        apply_extras(actx, request)
