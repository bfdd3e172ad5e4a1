"""The connector definition schema: plain JSON-able dicts, checked by validate_definition().

A definition is data (catalog JSON, the builder, the Postman importer all produce the same shape):

    {"key": "shopify", "name": "Shopify", "version": "2025-01", "icon": "bi-bag", "category": "ecommerce",
     "description": "...", "documentation_url": "https://...", "base_url": "https://{{store_name}}.myshopify.com",
     "protocol": null,                       # or "ftp" | "sftp" | "database" | "amqp" (no HTTP then)
     "variables": [Variable, ...],           # connector variables, asked for on every instance
     "auth_methods": [AuthMethod, ...],
     "endpoints": [Endpoint, ...]}

    Variable   = {"key", "label", "required": bool, "secret": bool, "default", "help", "options": [...]}
    AuthMethod = {"key", "name", "type" (see AUTH_TYPES), "variables": [Variable], "settings": {...type options},
                  "headers": {name: template}, "query": {name: template},
                  "body": {name: template},  # merged into JSON-object and form bodies, token and login requests
                  "pre_request_script": null, "post_request_script": null}
    Endpoint   = {"key", "name", "entity", "direction": "receive" | "send", "method", "path", "query": {...},
                  "headers": {...}, "body": null | text template | JSON template, "data_type": "json" | "xml" |
                  "form" | "text", "variables": [Variable], "pagination": null | {"type": ..., ...options},
                  "records_path": "orders", "schema": {...}, "field_tags": {"orders.*.id": "order.id"},  # auto-map
                  "auth_methods": [keys] (default: all), "pre_request_script": null, "post_request_script": null}

Templates use `{{name}}` for connector, authentication and endpoint variables and `[[pagination.x]]` /
`[[payload.x]]` where a page or a payload is at hand. See docs/connectors.md for every option.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from app.flows import variables as tokens

AUTH_TYPES = ("none", "basic", "token", "api_key", "oauth2_authorization_code", "oauth2_client_credentials",
              "oauth1", "soap", "db_user_pass", "ssh_key")
PAGINATION_TYPES = ("none", "page_number", "limit_offset", "link_header", "next_page_url", "next_page_token",
                    "graphql_cursor", "custom_relative_uri", "script")
PROTOCOLS = ("ftp", "sftp", "database", "amqp")
DIRECTIONS = ("receive", "send")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
DATA_TYPES = ("json", "xml", "form", "text")
CATEGORIES = ("ecommerce", "erp", "wms", "marketing", "marketplace", "payments", "pim", "database", "helpdesk",
              "messaging", "file-transfer", "crm", "ai", "analytics", "other")
# Values an auth method makes available to templates on top of its variables (soap login token, oauth token).
AUTH_PROVIDED = ("access_token", "session_token")

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")
VAR_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,79}$")


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _variables_problems(where: str, items: Any) -> tuple[list[str], set[str]]:
    problems: list[str] = []
    keys: set[str] = set()
    if items is None:
        return problems, keys
    if not isinstance(items, list):
        return [f"{where}: variables must be a list."], keys
    for i, var in enumerate(items, start=1):
        if not isinstance(var, dict):
            problems.append(f"{where}: variable {i} must be an object.")
            continue
        key = var.get("key")
        if not isinstance(key, str) or not VAR_KEY_RE.match(key):
            problems.append(f"{where}: variable {i} needs a key of letters, digits and underscores.")
            continue
        if key in keys:
            problems.append(f"{where}: variable '{key}' is defined twice.")
        keys.add(key)
        if "options" in var and not isinstance(var["options"], list):
            problems.append(f"{where}: variable '{key}' options must be a list.")
    return problems, keys


def _template_problems(where: str, value: Any, known: set[str]) -> list[str]:
    """Check every string inside value (text, dict or list) for broken or unknown variables."""
    problems: list[str] = []
    if isinstance(value, str):
        for p in tokens.validate(value, None, known_connector_variables=known):
            problems.append(f"{where}: {p}")
    elif isinstance(value, dict):
        for k, v in value.items():
            problems += _template_problems(where, k, known) if isinstance(k, str) and "{{" in k else []
            problems += _template_problems(where, v, known)
    elif isinstance(value, list):
        for v in value:
            problems += _template_problems(where, v, known)
    return problems


def _auth_problems(definition: dict, known: set[str]) -> tuple[list[str], set[str], set[str]]:
    from app.connectors import auth  # the registry validates each type's settings

    problems: list[str] = []
    method_keys: set[str] = set()
    auth_vars: set[str] = set()
    methods = definition.get("auth_methods")
    if not isinstance(methods, list):
        return ["auth_methods must be a list."], method_keys, auth_vars
    for i, method in enumerate(methods, start=1):
        if not isinstance(method, dict):
            problems.append(f"Authentication method {i} must be an object.")
            continue
        key = method.get("key")
        where = f"Authentication method '{method.get('name') or key or i}'"
        if not isinstance(key, str) or not KEY_RE.match(key):
            problems.append(f"{where} needs a key of lower-case letters, digits, '-' or '_'.")
        elif key in method_keys:
            problems.append(f"{where}: the key '{key}' is used twice.")
        else:
            method_keys.add(key)
        if not _text(method.get("name")):
            problems.append(f"{where} needs a name.")
        var_problems, keys = _variables_problems(where, method.get("variables"))
        problems += var_problems
        auth_vars |= keys
        kind = method.get("type")
        if kind not in AUTH_TYPES:
            problems.append(f"{where}: unknown authentication type '{kind}' (one of {', '.join(AUTH_TYPES)}).")
            continue
        problems += [f"{where}: {p}" for p in auth.get(kind).validate(method)]
    for method in methods:
        if isinstance(method, dict):
            scope = known | auth_vars | set(AUTH_PROVIDED)
            name = method.get("name") or method.get("key")
            if method.get("body") is not None and not isinstance(method["body"], dict):
                problems.append(f"Authentication method '{name}' body: must be an object of field names and values.")
            for part in ("headers", "query", "body", "settings"):
                problems += _template_problems(f"Authentication method '{name}' {part}", method.get(part), scope)
    return problems, method_keys, auth_vars


def _endpoint_problems(ep: Any, i: int, protocol: str | None, known: set[str], methods: set[str]) -> list[str]:
    from app.connectors import pagination

    if not isinstance(ep, dict):
        return [f"Endpoint {i} must be an object."]
    where = f"Endpoint '{ep.get('name') or ep.get('key') or i}'"
    problems: list[str] = []
    if not isinstance(ep.get("key"), str) or not KEY_RE.match(ep["key"]):
        problems.append(f"{where} needs a key of lower-case letters, digits, '-' or '_'.")
    if not _text(ep.get("name")):
        problems.append(f"{where} needs a name.")
    if ep.get("direction") not in DIRECTIONS:
        problems.append(f"{where}: direction must be 'receive' or 'send'.")
    var_problems, ep_vars = _variables_problems(where, ep.get("variables"))
    problems += var_problems
    scope = known | ep_vars
    if protocol is None:
        if str(ep.get("method", "")).upper() not in METHODS:
            problems.append(f"{where}: HTTP method must be one of {', '.join(METHODS)}.")
        if not isinstance(ep.get("path"), str):
            problems.append(f"{where} needs a URL path.")
        if ep.get("data_type", "json") not in DATA_TYPES:
            problems.append(f"{where}: data type must be one of {', '.join(DATA_TYPES)}.")
        for part in ("path", "query", "headers", "body"):
            problems += _template_problems(f"{where} {part}", ep.get(part), scope)
        pag = ep.get("pagination")
        if pag is not None:
            if not isinstance(pag, dict) or pag.get("type") not in PAGINATION_TYPES:
                problems.append(f"{where}: pagination type must be one of {', '.join(PAGINATION_TYPES)}.")
            else:
                problems += [f"{where} pagination: {p}" for p in pagination.get(pag["type"]).validate(pag)]
    for m in ep.get("auth_methods") or []:
        if m not in methods:
            problems.append(f"{where}: unknown authentication method '{m}'.")
    tags = ep.get("field_tags")
    if tags is not None and not isinstance(tags, dict):
        problems.append(f"{where}: field tags must be an object of field paths and tags.")
    for tag_path, tag in (tags if isinstance(tags, dict) else {}).items():
        if not isinstance(tag, str) or not tag.strip():
            problems.append(f"{where}: field tag for '{tag_path}' must be text.")
    if ep.get("schema") is not None and not isinstance(ep["schema"], dict):
        problems.append(f"{where}: the schema must be a JSON object.")
    return problems


def validate_definition(d: Any) -> list[str]:
    """Every problem with a connector definition as a sentence for the builder; [] when it is usable."""
    if not isinstance(d, dict):
        return ["A connector definition must be a JSON object."]
    problems: list[str] = []
    if not isinstance(d.get("key"), str) or not KEY_RE.match(d["key"]):
        problems.append("The connector needs a key of lower-case letters, digits, '-' or '_' (e.g. 'shopify').")
    if not _text(d.get("name")):
        problems.append("The connector needs a name.")
    if d.get("category") is not None and d["category"] not in CATEGORIES:
        problems.append(f"Unknown category '{d['category']}' (one of {', '.join(CATEGORIES)}).")
    protocol = d.get("protocol")
    if protocol is not None and protocol not in PROTOCOLS:
        problems.append(f"Unknown protocol '{protocol}' (HTTP when empty, or one of {', '.join(PROTOCOLS)}).")
    var_problems, conn_vars = _variables_problems("Connector", d.get("variables"))
    problems += var_problems
    auth_problems, method_keys, auth_vars = _auth_problems(d, conn_vars)
    problems += auth_problems
    known = conn_vars | auth_vars | set(AUTH_PROVIDED)
    if protocol is None:
        if not isinstance(d.get("base_url"), str):
            problems.append("An HTTP connector needs a base URL (it may contain {{variables}}).")
        else:
            problems += _template_problems("Base URL", d["base_url"], known)
    endpoints = d.get("endpoints")
    if not isinstance(endpoints, list):
        problems.append("endpoints must be a list.")
        endpoints = []
    seen: set[str] = set()
    for i, ep in enumerate(endpoints, start=1):
        problems += _endpoint_problems(ep, i, protocol, known, method_keys)
        key = ep.get("key") if isinstance(ep, dict) else None
        if isinstance(key, str):
            if key in seen:
                problems.append(f"Endpoint key '{key}' is used twice.")
            seen.add(key)
    return problems


def usable_problems(d: dict) -> list[str]:
    """What stops instances being added (spec 6: at least one authentication method and one endpoint)."""
    problems = []
    if not d.get("auth_methods"):
        problems.append("Add at least one authentication method before adding instances.")
    if not d.get("endpoints"):
        problems.append("Add at least one endpoint before using this connector in a flow.")
    return problems


def find_endpoint(d: dict, key: str) -> dict | None:
    for ep in d.get("endpoints") or []:
        if ep.get("key") == key:
            return ep
    return None


def find_auth_method(d: dict, key: str | None) -> dict | None:
    methods = d.get("auth_methods") or []
    if key is None and len(methods) == 1:
        return methods[0]
    for m in methods:
        if m.get("key") == key:
            return m
    return None


def variable_defaults(items: list[dict] | None) -> dict:
    return {v["key"]: v["default"] for v in items or [] if v.get("default") not in (None, "")}


def secret_keys(method: dict | None) -> set[str]:
    """Auth variables stored encrypted (every auth variable flagged secret)."""
    return {v["key"] for v in (method or {}).get("variables") or [] if v.get("secret")}


def summary(d: dict) -> dict:
    """The card shown in the catalog / marketplace tab."""
    return {
        "key": d.get("key"), "name": d.get("name"), "version": d.get("version", ""),
        "icon": d.get("icon", ""), "category": d.get("category", "other"),
        "description": d.get("description", ""), "documentation_url": d.get("documentation_url", ""),
        "protocol": d.get("protocol"), "auth_types": [m.get("type") for m in d.get("auth_methods") or []],
        "endpoint_count": len(d.get("endpoints") or []),
    }


def frozen(d: dict) -> dict:
    """A deep copy, so an installed definition never shares structure with the catalog's cache."""
    return copy.deepcopy(d)
