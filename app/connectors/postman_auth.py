"""Postman auth blocks (collection, folder or request) as Weft authentication methods."""
from __future__ import annotations

import json
from typing import Any

from app.connectors.keys import slugify, unique_key
from app.connectors.postman_variables import _only_token, label_for, safe_name

SUPPORTED_AUTH = ("noauth", "basic", "bearer", "apikey", "oauth2", "oauth1")


def _auth_params(auth: dict) -> dict:
    """{param: value} of a Postman auth block (v2.1 lists; a v2.0-style object is accepted too)."""
    params = auth.get(auth.get("type")) if isinstance(auth, dict) else None
    if isinstance(params, dict):
        return {str(k): v for k, v in params.items()}
    if isinstance(params, list):
        return {p["key"]: p.get("value") for p in params if isinstance(p, dict) and isinstance(p.get("key"), str)}
    return {}


class _AuthBuilder:
    """Turns Postman auth blocks into Weft authentication methods, one per distinct block."""

    def __init__(self, notes: list[str]):
        self.notes = notes
        self.methods: list[dict] = []
        self.by_signature: dict[str, str] = {}
        self.auth_vars: dict[str, dict] = {}  # postman variable name → the Weft variable it became
        self.literal_warned: set[str] = set()

    def _var(self, method: dict, value: Any, default_key: str, label: str, secret: bool,
             required: bool = True) -> str:
        """The template for one credential: {{var}} of the variable the collection names, or a new one."""
        name = _only_token(value)
        key = safe_name(name) if name else default_key
        if name:
            self.auth_vars[name] = {"key": key}
        elif value not in (None, "") and method["name"] not in self.literal_warned:
            self.literal_warned.add(method["name"])
            self.notes.append(f"The collection holds credentials for '{method['name']}': they were not copied. "
                              "Enter them when you add an instance.")
        if key not in {v["key"] for v in method["variables"]}:
            method["variables"].append({"key": key, "label": label_for(key) if name else label,
                                        "required": required, "secret": secret})
        return "{{" + key + "}}"

    def _setting_text(self, value: Any) -> str:
        return value if isinstance(value, str) else ("" if value is None else str(value))

    def method_for(self, auth: dict | None) -> str | None:
        """The key of the Weft method for a Postman auth block (None: no authentication)."""
        if not isinstance(auth, dict) or auth.get("type") in (None, "noauth"):
            return None
        kind = auth["type"]
        params = _auth_params(auth)
        signature = json.dumps([kind, params], sort_keys=True, default=str)
        if signature in self.by_signature:
            return self.by_signature[signature]
        taken = {m["key"] for m in self.methods}
        method: dict = {"key": "", "name": "", "type": "none", "variables": [], "settings": {}, "headers": {},
                        "query": {}, "pre_request_script": None, "post_request_script": None}
        if kind == "basic":
            method.update(name="Basic authentication", type="basic")
            method["settings"] = {
                "username": self._var(method, params.get("username"), "username", "Username", secret=False),
                "password": self._var(method, params.get("password"), "password", "Password", secret=True)}
        elif kind == "bearer":
            method.update(name="Bearer token", type="token")
            method["settings"] = {"placement": "header", "name": "Authorization", "prefix": "Bearer ",
                                  "value": self._var(method, params.get("token"), "token", "Token", secret=True)}
        elif kind == "apikey":
            placement = "query" if str(params.get("in") or "header").lower() == "query" else "header"
            header = self._setting_text(params.get("key")) or ("X-API-Key" if placement == "header" else "api_key")
            method.update(name="API key", type="api_key")
            method["settings"] = {"placement": placement, "name": header, "prefix": "",
                                  "value": self._var(method, params.get("value"), "api_key", "API key", secret=True)}
        elif kind == "oauth2":
            self._oauth2(method, params)
        elif kind == "oauth1":
            method.update(name="OAuth 1.0a", type="oauth1")
            signature_method = str(params.get("signatureMethod") or "HMAC-SHA1").upper()
            if signature_method not in ("HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT"):
                self.notes.append(f"OAuth 1 signature method {signature_method} is not supported: HMAC-SHA256 "
                                  "was chosen instead; check it in the builder.")
                signature_method = "HMAC-SHA256"
            method["settings"] = {
                "signature_method": signature_method,
                "consumer_key": self._var(method, params.get("consumerKey"), "consumer_key", "Consumer key", False),
                "consumer_secret": self._var(method, params.get("consumerSecret"), "consumer_secret",
                                             "Consumer secret", True),
                "token": self._var(method, params.get("token"), "token", "Token", True),
                "token_secret": self._var(method, params.get("tokenSecret"), "token_secret", "Token secret", True)}
            if params.get("realm"):
                method["settings"]["realm"] = self._var(method, params.get("realm"), "realm", "Realm", False,
                                                        required=False)
            else:
                method["settings"]["realm"] = ""
        else:
            self.notes.append(f"Postman '{kind}' authentication is not supported: the requests that use it were "
                              "imported without authentication. Add a method in the builder.")
            method.update(name="No authentication", type="none")
        method["key"] = unique_key(slugify(method["name"]) or "auth", taken)
        self.methods.append(method)
        self.by_signature[signature] = method["key"]
        return method["key"]

    def _oauth2(self, method: dict, params: dict) -> None:
        grant = str(params.get("grant_type") or "authorization_code")
        placement = "query" if str(params.get("addTokenTo") or "header") == "queryParams" else "header"
        prefix = self._setting_text(params.get("headerPrefix") if "headerPrefix" in params else "Bearer")
        common = {"client_auth": "basic" if params.get("client_authentication") == "header" else "body",
                  "placement": placement, "token_header": "Authorization" if placement == "header" else "access_token",
                  "token_prefix": (prefix + " ") if prefix and placement == "header" else ""}
        scope = self._setting_text(params.get("scope"))
        if grant in ("authorization_code", "authorization_code_with_pkce"):
            method.update(name="OAuth 2 (authorisation code)", type="oauth2_authorization_code")
            method["settings"] = {
                "authorize_url": self._setting_text(params.get("authUrl")),
                "token_url": self._setting_text(params.get("accessTokenUrl")),
                "scope": scope, "pkce": grant.endswith("pkce"), **common}
        elif grant in ("client_credentials", "password_credentials"):
            method.update(name="OAuth 2 (client credentials)", type="oauth2_client_credentials")
            method["settings"] = {"token_url": self._setting_text(params.get("accessTokenUrl")),
                                  "grant_type": "client_credentials", "scope": scope, **common}
            if grant == "password_credentials":
                method["name"] = "OAuth 2 (password)"
                method["settings"]["grant_type"] = "password"
                method["settings"]["extra_params"] = {
                    "username": self._var(method, params.get("username"), "username", "Username", False),
                    "password": self._var(method, params.get("password"), "password", "Password", True)}
        else:
            self.notes.append(f"OAuth 2 '{grant}' cannot run unattended: it was imported as a bearer token that "
                              "you paste on the instance.")
            method.update(name="Access token", type="token")
            method["settings"] = {"placement": placement, "name": common["token_header"],
                                  "prefix": common["token_prefix"],
                                  "value": self._var(method, params.get("accessToken"), "access_token_value",
                                                     "Access token", True)}
            return
        method["settings"]["client_id"] = self._var(method, params.get("clientId"), "client_id", "Client ID", False)
        method["settings"]["client_secret"] = self._var(method, params.get("clientSecret"), "client_secret",
                                                        "Client secret", True)
        for setting in ("authorize_url", "token_url"):
            if setting in method["settings"] and not method["settings"][setting]:
                self.notes.append(f"The OAuth 2 {setting.replace('_', ' ').replace('url', 'URL')} is missing: "
                                  "fill it in on the authentication step of the builder.")
                method["settings"][setting] = "https://example.com/oauth/" + setting.split("_")[0]

