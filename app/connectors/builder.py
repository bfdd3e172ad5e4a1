"""Connector builder services: create a custom connector and edit its definition step by step (basic details,
connector variables, authentication methods, endpoints), copy a prebuilt one, import and export definitions
(JSON and Postman), try an endpoint with a real instance, and the facts the connectors page shows.

Every edit works on a copy of the definition and goes through services.update_connector, so it is checked by
definitions.validate_definition (and refused when an instance's method or a deployed flow's endpoint would
vanish); the problems come back as ConnectorServiceError(problems) for the form. Each change commits there.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from app import crypto
from app.connectors import auth as auth_types
from app.connectors import catalog, postman, services
from app.connectors.definitions import (
    find_auth_method,
    find_endpoint,
    frozen,
    validate_definition,
    variable_defaults,
)
from app.connectors.http import ConnectorError, RequestOptions
from app.connectors.models import InstalledConnector, Instance
from app.connectors.records import Exchange
from app.connectors.services import ConnectorServiceError, FlowUsage
from app.flows.context import Payload

CATEGORY_LABELS = {
    "ecommerce": "eCommerce", "erp": "ERP", "wms": "Warehouse (WMS)", "marketing": "Marketing",
    "marketplace": "Marketplaces", "payments": "Returns & payments", "pim": "Product information (PIM)",
    "database": "Databases", "helpdesk": "Helpdesk", "messaging": "Messaging", "file-transfer": "File transfer",
    "crm": "CRM", "ai": "AI", "analytics": "Analytics", "other": "Other",
}
SOURCE_LABELS = {"catalog": "Prebuilt", "custom": "Custom", "postman": "From Postman"}
ICONS = ("bi-plug", "bi-bag", "bi-shop", "bi-cart", "bi-box-seam", "bi-building", "bi-truck", "bi-megaphone",
         "bi-envelope", "bi-tags", "bi-database", "bi-cloud", "bi-people", "bi-headset", "bi-chat-dots",
         "bi-credit-card", "bi-receipt", "bi-graph-up", "bi-globe", "bi-gear", "bi-lightning", "bi-robot",
         "bi-folder-symlink", "bi-arrow-return-left", "bi-box-arrow-in-down", "bi-code-slash")
PROTOCOL_ONLY_AUTH = ("db_user_pass", "ssh_key")
TRY_BODY_LIMIT = 20_000  # characters of a pretty-printed response shown by "Try it"
TRY_TIMEOUT = 30.0
MAX_IMPORT_BYTES = 5_000_000


def slugify(text: str, sep: str = "-") -> str:
    value = re.sub(r"[^a-z0-9]+", sep, (text or "").lower()).strip(sep)
    return value[:60].strip(sep)


def unique_key(base: str, taken: set[str], sep: str = "-") -> str:
    base = base or "connector"
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}{sep}{n}"
        n += 1
    return candidate


def _installed_keys(company_id: int) -> set[str]:
    return {c.key for c in services.installed_connectors(company_id)}


def ensure_editable(connector: InstalledConnector) -> None:
    if connector.source == "catalog":
        raise ConnectorServiceError(f"{connector.name} is a prebuilt connector that Weft keeps up to date: make an "
                                    "editable copy to change it.")


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
    """Add (key None) or replace one method; keys the form does not manage (scripts, tests) are kept."""
    definition = _draft(connector)
    methods = definition.setdefault("auth_methods", [])
    if key is None:
        key = unique_key(slugify(method.get("name", "")) or "auth", {m.get("key") for m in methods})
        methods.append({"key": key, **method, "pre_request_script": None, "post_request_script": None})
    else:
        existing = next((m for m in methods if m.get("key") == key), None)
        if existing is None:
            raise ConnectorServiceError("That authentication method no longer exists: reload the page.")
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
            raise ConnectorServiceError(f"An endpoint with the key '{wanted}' already exists: choose another key.")
        key = wanted or unique_key(slugify(endpoint.get("name", ""), "_") or "endpoint", taken, "_")
        endpoints.append({"key": key, "field_tags": {}, "pre_request_script": None, "post_request_script": None,
                          **endpoint})
    else:
        endpoint.pop("key", None)
        existing = find_endpoint(definition, key)
        if existing is None:
            raise ConnectorServiceError("That endpoint no longer exists: reload the page.")
        existing.update(endpoint)
    _save(connector, definition)
    return key


def duplicate_endpoint(connector: InstalledConnector, key: str) -> str:
    definition = _draft(connector)
    original = find_endpoint(definition, key)
    if original is None:
        raise ConnectorServiceError("That endpoint no longer exists: reload the page.")
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
        (bool(definition.get("name")), "Basic details: name and base URL"),
        (True, f"{len(variables)} connector variable{'s' if len(variables) != 1 else ''} (optional)"),
        (bool(methods), f"{len(methods)} authentication method{'s' if len(methods) != 1 else ''} "
                        "(at least one, before instances can be added)"),
        (bool(endpoints), f"{len(endpoints)} endpoint{'s' if len(endpoints) != 1 else ''} "
                          "(at least one, to use it in a flow)"),
    ]


# -- import and export --------------------------------------------------------------------------------
def _read_json(raw: bytes) -> Any:
    if len(raw) > MAX_IMPORT_BYTES:
        raise ConnectorServiceError("The file is larger than 5 MB: is it really a connector definition?")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConnectorServiceError("The file is not text: choose the .json file Weft exported.") from None
    except json.JSONDecodeError as exc:
        raise ConnectorServiceError(f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, "
                                    f"column {exc.colno}.") from None


def export_definition(connector: InstalledConnector) -> tuple[str, str]:
    """(file name, JSON text) of the connector's definition: no credentials are in a definition."""
    return f"{connector.key}.json", json.dumps(connector.definition or {}, indent=2, ensure_ascii=False) + "\n"


def import_definition(company, raw: bytes, replace: bool = False) -> tuple[InstalledConnector, bool]:
    """Install a definition exported from Weft (or written by hand); (connector, created). With `replace`,
    a custom connector with the same key takes the file's definition instead."""
    definition = _read_json(raw)
    if isinstance(definition, dict) and "schema.getpostman.com" in str((definition.get("info") or {}).get("schema")):
        raise ConnectorServiceError("This is a Postman collection: use 'Import a Postman collection' instead.")
    if isinstance(definition, dict) and not definition.get("key") and isinstance(definition.get("name"), str):
        definition["key"] = slugify(definition["name"])
    problems = validate_definition(definition)
    if problems:
        raise ConnectorServiceError(problems)
    existing = next((c for c in services.installed_connectors(company.id) if c.key == definition["key"]), None)
    if existing is None:
        return services.create_connector(company, definition, source="custom"), True
    if not replace:
        raise ConnectorServiceError(f"A connector with the key '{definition['key']}' is already installed "
                                    f"({existing.name}). Tick 'Replace' to update it from this file, or change "
                                    "the key in the file.")
    if existing.source == "catalog":
        raise ConnectorServiceError(f"'{definition['key']}' is the key of the prebuilt connector {existing.name}: "
                                    "change the key in the file to import it as a custom connector.")
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


# -- instances ------------------------------------------------------------------------------------------
def test_instance_values(connector: InstalledConnector, auth_method: str | None, values: dict,
                         instance: Instance | None = None, **settings) -> services.TestResult:
    """Test what the instance form holds before saving it; when editing, a blank secret means the stored one."""
    if instance is not None:
        method = find_auth_method(connector.definition or {}, auth_method)
        if (method or {}).get("type") == "oauth2_authorization_code" and auth_method == instance.auth_method:
            return services.test_connection(instance)
        stored = crypto.decrypt_json(instance.credentials_enc) or {}
        values = {**values, **{k: v for k, v in stored.items() if values.get(k) in (None, "")}}
    clean = {k: int(v) for k, v in settings.items() if v not in (None, "") and str(v).isdigit()}
    return services.test_values(connector, auth_method, values, **clean)


# -- Try it -----------------------------------------------------------------------------------------------
@dataclass
class TryResult:
    ok: bool
    message: str
    exchanges: list[Exchange] = field(default_factory=list)
    body: str = ""  # the first page (or the send response), pretty-printed, masked and capped
    notes: list[str] = field(default_factory=list)

    @property
    def exchange(self) -> Exchange | None:
        return self.exchanges[-1] if self.exchanges else None


def endpoint_values(endpoint: dict, given: dict) -> tuple[dict, list[str]]:
    """(values, problems): the endpoint's defaults overlaid with what was typed; required ones checked."""
    values = variable_defaults(endpoint.get("variables"))
    values.update({k: v for k, v in given.items() if v not in (None, "")})
    missing = [v.get("label") or v["key"] for v in endpoint.get("variables") or []
               if v.get("required") and values.get(v["key"]) in (None, "")]
    return values, ([f"Enter a value for: {', '.join(missing)}."] if missing else [])


def try_endpoint(connector: InstalledConnector, instance: Instance, endpoint_key: str, given: dict,
                 payload_text: str | None = None) -> TryResult:
    """Send one endpoint's request with a saved instance (one page, no retries) and describe what happened:
    the masked request and response records plus the response body, pretty-printed."""
    endpoint = find_endpoint(connector.definition or {}, endpoint_key)
    if endpoint is None:
        return TryResult(False, "That endpoint no longer exists: reload the page.")
    if instance.connector_id != connector.id:
        return TryResult(False, "Choose an instance of this connector.")
    if connector.protocol:
        return TryResult(False, f"Try it sends HTTP requests; {connector.name} is a {connector.protocol} connector. "
                                "Test it with a flow instead.")
    values, problems = endpoint_values(endpoint, given)
    if problems:
        return TryResult(False, " ".join(problems))
    payload = None
    if payload_text and payload_text.strip():
        try:
            payload = Payload(data=json.loads(payload_text), format="json")
        except ValueError:
            payload = Payload(data=payload_text, format="text")
    exchanges: list[Exchange] = []
    notes: list[str] = []
    options = RequestOptions(timeout=min(float(instance.timeout_seconds or TRY_TIMEOUT), TRY_TIMEOUT), retries=0,
                             allow_unsuccessful=True, max_pages=1, on_exchange=exchanges.append,
                             on_log=lambda level, message: notes.append(message))
    with services.runtime_for(connector.company_id, retry_delay=0.5, max_retry_after=10.0) as runtime:
        resolved = runtime.resolve(instance)
        http = runtime.http(resolved)
        try:
            if endpoint.get("direction") == "send":
                page = http.send(endpoint, values, payload, options)
            else:
                page = next(iter(http.receive(endpoint, values, payload, options)), None)
        except ConnectorError as exc:
            return TryResult(False, str(exc), exchanges or ([exc.exchange] if exc.exchange else []))
        masker = http.masker()
    if (endpoint.get("pagination") or {}).get("type", "none") != "none":
        notes = ["Try it fetches the first page only; a flow fetches every page."]
    body = ""
    if page is not None:
        text = json.dumps(page.data, indent=2, ensure_ascii=False, default=str) if page.format == "json" \
            else str(page.data)
        body = masker.body(text, limit=TRY_BODY_LIMIT)
    last = exchanges[-1] if exchanges else None
    if last is None:
        return TryResult(False, "No request was sent.", exchanges, body, notes)
    ok = last.ok
    message = (f"{last.status} {last.reason}" if last.status else last.error or "No response") + \
        (f" · {last.summary().rsplit(', ', 1)[-1]}" if last.status else "")
    return TryResult(ok, message, exchanges, body, notes)


# -- the connectors page -----------------------------------------------------------------------------------
def _version_key(version: str) -> list[tuple[int, Any]]:
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.findall(r"\d+|[a-z]+", str(version).lower())]


def is_newer(candidate: str | None, installed: str | None) -> bool:
    """Whether the catalog's version is newer than the installed one (free-text versions: compared by parts)."""
    if not candidate or candidate == installed:
        return False
    return _version_key(candidate) > _version_key(installed or "")


def catalog_update(connector: InstalledConnector) -> str | None:
    """The newer catalog version of a prebuilt connector, or None."""
    if connector.source != "catalog":
        return None
    newest = catalog.get(connector.key)
    version = str((newest or {}).get("version", ""))
    return version if newest is not None and is_newer(version, connector.version) else None


@dataclass
class ConnectorCard:
    connector: InstalledConnector
    update_version: str | None
    usages: dict[int, list[FlowUsage]]  # instance id → deployed flows using it (one entry per flow)

    @property
    def in_use(self) -> bool:
        return any(self.usages.values())


def _by_instance(usages: list[FlowUsage]) -> dict[int, list[FlowUsage]]:
    found: dict[int, dict[int, FlowUsage]] = {}
    for usage in usages:
        found.setdefault(usage.instance_id, {}).setdefault(usage.flow_id, usage)
    return {k: sorted(v.values(), key=lambda u: u.flow_name.lower()) for k, v in found.items()}


def overview(company_id: int) -> list[ConnectorCard]:
    connectors = services.installed_connectors(company_id)
    ids = [i.id for c in connectors for i in c.instances]
    usages = _by_instance(services.flows_using(company_id, ids))
    return [ConnectorCard(c, catalog_update(c), {i.id: usages.get(i.id, []) for i in c.instances})
            for c in connectors]


def card(connector: InstalledConnector) -> ConnectorCard:
    usages = _by_instance(services.flows_using(connector.company_id, [i.id for i in connector.instances]))
    return ConnectorCard(connector, catalog_update(connector),
                         {i.id: usages.get(i.id, []) for i in connector.instances})


def unique_flows(usages: list[FlowUsage]) -> list[FlowUsage]:
    """One entry per flow (an InUseError lists every step)."""
    seen: dict[int, FlowUsage] = {}
    for usage in usages:
        seen.setdefault(usage.flow_id, usage)
    return sorted(seen.values(), key=lambda u: u.flow_name.lower())
