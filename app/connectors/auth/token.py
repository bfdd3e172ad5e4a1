"""Token and API-key authentication: one secret value sent in a header or a query parameter.

Settings: `placement` ("header" or "query"), `name` (header or parameter name), `prefix` (e.g. "Bearer "
for a bearer token, "" for a raw API key) and `value` (a template, default `{{token}}` / `{{api_key}}`).
Shopify: header `X-Shopify-Access-Token`, no prefix. Klaviyo: header `Authorization`, prefix
"Klaviyo-API-Key ".
"""
from __future__ import annotations

from app.connectors.auth.base import AuthContext, AuthError, AuthType, Field, OutgoingRequest, apply_extras


class TokenAuth(AuthType):
    type = "token"
    label = "Token (bearer or custom header)"
    default_value = "{{token}}"
    default_prefix = "Bearer "
    default_variables = [{"key": "token", "label": "Token", "required": True, "secret": True}]
    fields = [
        Field("placement", "Send the token in", default="header", choices=("header", "query")),
        Field("name", "Header or parameter name", default="Authorization"),
        Field("prefix", "Prefix", "Text before the token, e.g. 'Bearer '", default="Bearer "),
        Field("value", "Value", "Template for the token", default="{{token}}"),
    ]

    def validate(self, method: dict) -> list[str]:
        problems = super().validate(method)
        placement = (method.get("settings") or {}).get("placement", "header")
        if placement not in ("header", "query"):
            problems.append("placement must be 'header' or 'query'.")
        return problems

    def apply(self, actx: AuthContext, request: OutgoingRequest) -> None:
        s = actx.settings
        value = actx.render(s.get("value"), self.default_value)
        if not value and actx.method.get("pre_request_script"):
            apply_extras(actx, request)  # the method's pre-request script built the credentials (Emarsys WSSE)
            return
        if not value:
            raise AuthError(f"The instance has no {self.label.split(' (')[0].lower()}: edit the instance and enter it.")
        prefix = s.get("prefix", self.default_prefix if s.get("placement", "header") == "header" else "")
        name = s.get("name") or ("Authorization" if s.get("placement", "header") == "header" else "api_key")
        apply_extras(actx, request)
        if s.get("placement", "header") == "query":
            request.set_param(name, f"{prefix or ''}{value}", sensitive=True)
        else:
            request.set_header(name, f"{prefix or ''}{value}", sensitive=True)


class ApiKeyAuth(TokenAuth):
    type = "api_key"
    label = "API key (header or query parameter)"
    default_value = "{{api_key}}"
    default_prefix = ""
    default_variables = [{"key": "api_key", "label": "API key", "required": True, "secret": True}]
    fields = [
        Field("placement", "Send the key in", default="header", choices=("header", "query")),
        Field("name", "Header or parameter name", default="X-API-Key"),
        Field("prefix", "Prefix", default=""),
        Field("value", "Value", "Template for the key", default="{{api_key}}"),
    ]
