"""Connector builder services: create a custom connector and edit its definition step by step (basic details,
connector variables, authentication methods, endpoints), copy a prebuilt one, and import and export definitions
(JSON and Postman). Trying a connector out is in builder_try.py; the connectors page's cards in cards.py.

Every edit works on a copy of the definition and goes through services.update_connector, so it is checked by
definitions.validate_definition (and refused when an instance's method or a deployed flow's endpoint would
vanish); the problems come back as ConnectorServiceError(problems) for the form. Each change commits there.
"""
from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from app.connectors import auth as auth_types
from app.connectors import postman, services
from app.connectors.definitions import find_endpoint, frozen, validate_definition
from app.connectors.keys import slugify, unique_key
from app.connectors.models import InstalledConnector
from app.connectors.services import ConnectorServiceError

CATEGORY_LABELS = {
    "ecommerce": _l("eCommerce"), "erp": _l("ERP"), "wms": _l("Warehouse (WMS)"), "marketing": _l("Marketing"),
    "marketplace": _l("Marketplaces"), "payments": _l("Returns & payments"), "pim": _l("Product information (PIM)"),
    "database": _l("Databases"), "helpdesk": _l("Helpdesk"), "messaging": _l("Messaging"),
    "file-transfer": _l("File transfer"),
    "crm": _l("CRM"), "ai": _l("AI"), "analytics": _l("Analytics"), "other": _l("Other"),
}
SOURCE_LABELS = {"catalog": _l("Prebuilt"), "custom": _l("Custom"), "postman": _l("From Postman")}
ICONS = ("bi-plug", "bi-bag", "bi-shop", "bi-cart", "bi-box-seam", "bi-building", "bi-truck", "bi-megaphone",
         "bi-envelope", "bi-tags", "bi-database", "bi-cloud", "bi-people", "bi-headset", "bi-chat-dots",
         "bi-credit-card", "bi-receipt", "bi-graph-up", "bi-globe", "bi-gear", "bi-lightning", "bi-robot",
         "bi-folder-symlink", "bi-arrow-return-left", "bi-box-arrow-in-down", "bi-code-slash")
PROTOCOL_ONLY_AUTH = ("db_user_pass", "ssh_key")
MAX_IMPORT_BYTES = 5_000_000


def _installed_keys(company_id: int) -> set[str]:
    return {c.key for c in services.installed_connectors(company_id)}


def ensure_editable(connector: InstalledConnector) -> None:
    if connector.source == "catalog":
        raise ConnectorServiceError(gettext("%(name)s is a prebuilt connector that Weft keeps up to date: make an "
                                            "editable copy to change it.", name=connector.name))


def _draft(connector: InstalledConnector) -> dict:
    ensure_editable(connector)
    return frozen(connector.definition or {})


def _save(connector: InstalledConnector, definition: dict) -> InstalledConnector:
    return services.update_connector(connector, definition)


# -- step 1: basic details ---------------------------------------------------------------------------
DETAIL_KEYS = ("name", "version", "icon", "category", "description", "documentation_url", "base_url")


def _apply_details(definition: dict, details: dict) -> dict:
    for key in DETAIL_KEYS:
        if key in details:
            value = details[key]
            definition[key] = value.strip() if isinstance(value, str) else value
    test_path = (details.get("test_path") or "").strip()
    if test_path:
        definition["test"] = {"method": "GET", "path": test_path}
    elif "test_path" in details:
        definition.pop("test", None)
    return definition


def start_connector(company, details: dict) -> InstalledConnector:
    """A new custom connector from the basic details; variables, methods and endpoints come next."""
    definition = _apply_details({"key": "", "protocol": None, "variables": [], "auth_methods": [], "endpoints": []},
                                details)
    definition["key"] = unique_key(slugify(definition.get("name", "")), _installed_keys(company.id))
    return services.create_connector(company, definition, source="custom")


def save_details(connector: InstalledConnector, details: dict) -> InstalledConnector:
    return _save(connector, _apply_details(_draft(connector), details))


def copy_connector(company, connector: InstalledConnector) -> InstalledConnector:
    """An editable (custom) copy of any installed connector, e.g. a prebuilt one to adapt."""
    definition = frozen(connector.definition or {})
    definition["key"] = unique_key(f"{connector.key}-copy", _installed_keys(company.id))
    definition["name"] = f"{connector.name} (copy)"[:120]
    for key in ("curated", "notes"):
        definition.pop(key, None)
    return services.create_connector(company, definition, source="custom")


# -- step 2: connector variables ----------------------------------------------------------------------
def save_variables(connector: InstalledConnector, variables: list[dict]) -> InstalledConnector:
    definition = _draft(connector)
    definition["variables"] = variables
    return _save(connector, definition)


# -- step 3: authentication methods -------------------------------------------------------------------
def auth_type_choices(protocol: str | None = None, current: str | None = None) -> list[tuple[str, str]]:
    """(type, label) for the builder's select: HTTP types, or the protocol ones for protocol connectors."""
    choices = []
    for kind, auth_type in auth_types.AUTH_TYPES.items():
        wanted = (kind in PROTOCOL_ONLY_AUTH or kind == "none") if protocol else kind not in PROTOCOL_ONLY_AUTH
        if wanted or kind == current:
            choices.append((kind, auth_type.label))
    return choices


def method_defaults(kind: str) -> dict:
    """What a new method of this type starts with: its settings' defaults and its default variables."""
    auth_type = auth_types.get(kind)
    settings = {f.key: frozen(f.default) if isinstance(f.default, dict) else f.default
                for f in auth_type.fields if f.default is not None}
    return {"type": kind, "settings": settings, "variables": [dict(v) for v in auth_type.default_variables],
            "headers": {}, "query": {}}


def save_auth_method(connector: InstalledConnector, key: str | None, method: dict) -> str:
    """Add (key None) or replace one method; keys the form does not manage (`test`) are kept."""
    definition = _draft(connector)
    methods = definition.setdefault("auth_methods", [])
    if key is None:
        key = unique_key(slugify(method.get("name", "")) or "auth", {m.get("key") for m in methods})
        methods.append({"key": key, "pre_request_script": None, "post_request_script": None, **method})
    else:
        existing = next((m for m in methods if m.get("key") == key), None)
        if existing is None:
            raise ConnectorServiceError(gettext("That authentication method no longer exists: reload the page."))
        existing.update(method)
    _save(connector, definition)
    return key


def remove_auth_method(connector: InstalledConnector, key: str) -> None:
    definition = _draft(connector)
    definition["auth_methods"] = [m for m in definition.get("auth_methods") or [] if m.get("key") != key]
    for endpoint in definition.get("endpoints") or []:  # endpoints limited to it fall back to every method
        if endpoint.get("auth_methods"):
            endpoint["auth_methods"] = [k for k in endpoint["auth_methods"] if k != key] or None
    _save(connector, definition)


# -- step 4: endpoints --------------------------------------------------------------------------------
def save_endpoint(connector: InstalledConnector, key: str | None, endpoint: dict) -> str:
    """Add (key None: the endpoint's own key, or one made from its name) or replace one endpoint."""
    definition = _draft(connector)
    endpoints = definition.setdefault("endpoints", [])
    taken = {e.get("key") for e in endpoints}
    if key is None:
        wanted = (endpoint.pop("key", None) or "").strip()
        if wanted and wanted in taken:
            raise ConnectorServiceError(gettext("An endpoint with the key '%(key)s' already exists: choose another "
                                                "key.", key=wanted))
        key = wanted or unique_key(slugify(endpoint.get("name", ""), "_") or "endpoint", taken, "_")
        endpoints.append({"key": key, "field_tags": {}, "pre_request_script": None, "post_request_script": None,
                          **endpoint})
    else:
        endpoint.pop("key", None)
        existing = find_endpoint(definition, key)
        if existing is None:
            raise ConnectorServiceError(gettext("That endpoint no longer exists: reload the page."))
        existing.update(endpoint)
    _save(connector, definition)
    return key


def duplicate_endpoint(connector: InstalledConnector, key: str) -> str:
    definition = _draft(connector)
    original = find_endpoint(definition, key)
    if original is None:
        raise ConnectorServiceError(gettext("That endpoint no longer exists: reload the page."))
    twin = frozen(original)
    twin["key"] = unique_key(f"{key}_copy", {e.get("key") for e in definition["endpoints"]}, "_")
    twin["name"] = f"{original.get('name') or key} (copy)"
    definition["endpoints"].insert(definition["endpoints"].index(original) + 1, twin)
    _save(connector, definition)
    return twin["key"]


def remove_endpoint(connector: InstalledConnector, key: str) -> None:
    definition = _draft(connector)
    definition["endpoints"] = [e for e in definition.get("endpoints") or [] if e.get("key") != key]
    _save(connector, definition)


def endpoint_groups(definition: dict) -> list[tuple[str, list[dict]]]:
    """Endpoints grouped by entity, in the order the groups first appear."""
    groups: dict[str, list[dict]] = {}
    for endpoint in definition.get("endpoints") or []:
        groups.setdefault(endpoint.get("entity") or "general", []).append(endpoint)
    return list(groups.items())


def readiness(definition: dict) -> list[tuple[bool, str]]:
    """The builder's checklist: (done, sentence)."""
    methods = definition.get("auth_methods") or []
    endpoints = definition.get("endpoints") or []
    variables = definition.get("variables") or []
    return [
        (bool(definition.get("name")), gettext("Basic details: name and base URL")),
        (True, ngettext("%(num)d connector variable (optional)", "%(num)d connector variables (optional)",
                        len(variables))),
        (bool(methods), ngettext("%(num)d authentication method (at least one, before instances can be added)",
                                 "%(num)d authentication methods (at least one, before instances can be added)",
                                 len(methods))),
        (bool(endpoints), ngettext("%(num)d endpoint (at least one, to use it in a flow)",
                                   "%(num)d endpoints (at least one, to use it in a flow)", len(endpoints))),
    ]


# -- import and export --------------------------------------------------------------------------------
def _read_json(raw: bytes) -> Any:
    if len(raw) > MAX_IMPORT_BYTES:
        raise ConnectorServiceError(gettext("The file is larger than 5 MB: is it really a connector definition?"))
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConnectorServiceError(gettext("The file is not text: choose the .json file Weft exported.")) from None
    except json.JSONDecodeError as exc:
        raise ConnectorServiceError(gettext("The file is not valid JSON: %(reason)s at line %(line)d, column "
                                            "%(column)d.", reason=exc.msg, line=exc.lineno, column=exc.colno)) from None


def export_definition(connector: InstalledConnector) -> tuple[str, str]:
    """(file name, JSON text) of the connector's definition: no credentials are in a definition."""
    return f"{connector.key}.json", json.dumps(connector.definition or {}, indent=2, ensure_ascii=False) + "\n"


def import_definition(company, raw: bytes, replace: bool = False) -> tuple[InstalledConnector, bool]:
    """Install a definition exported from Weft (or written by hand); (connector, created). With `replace`,
    a custom connector with the same key takes the file's definition instead."""
    definition = _read_json(raw)
    if isinstance(definition, dict) and "schema.getpostman.com" in str((definition.get("info") or {}).get("schema")):
        raise ConnectorServiceError(gettext("This is a Postman collection: use 'Import a Postman collection' "
                                            "instead."))
    if isinstance(definition, dict) and not definition.get("key") and isinstance(definition.get("name"), str):
        definition["key"] = slugify(definition["name"])
    problems = validate_definition(definition)
    if problems:
        raise ConnectorServiceError(problems)
    existing = next((c for c in services.installed_connectors(company.id) if c.key == definition["key"]), None)
    if existing is None:
        return services.create_connector(company, definition, source="custom"), True
    if not replace:
        raise ConnectorServiceError(gettext("A connector with the key '%(key)s' is already installed (%(name)s). "
                                            "Tick 'Replace' to update it from this file, or change the key in the "
                                            "file.", key=definition["key"], name=existing.name))
    if existing.source == "catalog":
        raise ConnectorServiceError(gettext("'%(key)s' is the key of the prebuilt connector %(name)s: change the key "
                                            "in the file to import it as a custom connector.",
                                            key=definition["key"], name=existing.name))
    return services.update_connector(existing, definition), False


def import_postman(company, raw: bytes, name: str | None = None) -> tuple[InstalledConnector, list[str]]:
    """A Postman v2.1 collection as a new connector; (connector, notes about what was left out)."""
    try:
        draft = postman.convert(raw, name=name)
    except postman.PostmanError as exc:
        raise ConnectorServiceError(exc.problems) from None
    definition = draft.definition
    definition["key"] = unique_key(definition["key"], _installed_keys(company.id))
    return services.create_connector(company, definition, source="postman"), draft.notes
