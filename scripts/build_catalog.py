"""Generate app/connectors/catalog/<key>.json, one prebuilt connector definition per file.

Source: /work/shared/reference/connectors.json (names, categories, descriptions, documented auth methods
and credential fields; its 003 text is partly scrambled) merged with scripts/catalog_specs.py, which holds
what was checked against each vendor's public API: base URL, authentication, endpoints, pagination.
A connector whose API could not be checked keeps its documented auth fields and a `{{base_url}}` variable
(`curated: false`) and gets generic endpoints, so it can be used in a flow at once and refined in the builder.

    .venv/bin/python scripts/build_catalog.py [path/to/connectors.json]

Every generated definition must pass app.connectors.definitions.validate_definition; the script stops
on the first one that does not.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from catalog_specs import SPECS, generic_rest  # noqa: E402
from catalog_specs_files import EXTRA_ENTRIES  # noqa: E402

from app.connectors.definitions import validate_definition  # noqa: E402

SOURCE = Path("/work/shared/reference/connectors.json")
OUT = ROOT / "app" / "connectors" / "catalog"
CATEGORIES = {"wms/3pl": "wms", "payments/returns": "payments"}
ICONS = {"ecommerce": "bi-bag", "erp": "bi-building", "wms": "bi-box-seam", "marketing": "bi-megaphone",
         "marketplace": "bi-shop", "payments": "bi-arrow-return-left", "pim": "bi-tags", "database": "bi-database",
         "helpdesk": "bi-life-preserver", "messaging": "bi-chat-dots", "file-transfer": "bi-folder-symlink",
         "crm": "bi-people", "ai": "bi-stars", "analytics": "bi-graph-up", "other": "bi-plug"}
# Credential fields that are OAuth plumbing in Patchworks: they become auth settings, not questions.
PLUMBING = {"grant_type", "response_authentication_token_key", "response_refresh_token_key", "response_type_key",
            "refresh_grant_type", "state_length", "client_type", "dashboard_oauth_callback_url",
            "oauth_authorised_code"}
NO_AUTH = {"key": "none", "name": "No authentication", "type": "none"}
AUTH_LABELS = {"none": "No authentication", "basic": "Basic", "token": "Token", "api_key": "API key",
               "oauth2_authorization_code": "OAuth 2 (authorisation code)",
               "oauth2_client_credentials": "OAuth 2 (client credentials)", "oauth1": "OAuth 1",
               "soap": "SOAP", "db_user_pass": "User and password", "ssh_key": "SSH key"}


def _variable(field: dict) -> dict:
    var = {"key": field["name"], "label": field["label"], "required": bool(field.get("required")),
           "secret": bool(field.get("secret"))}
    if field.get("default") not in (None, ""):
        var["default"] = field["default"]
    return var


def derived(entry: dict) -> dict:
    """A best-effort definition from the documented fields alone (no curated spec)."""
    fields = [f for f in entry["credentials"] if f["name"] not in PLUMBING]
    methods = []
    for kind in entry["auth_methods"]:
        mine = [f for f in fields if not f.get("methods") or kind in f["methods"]]
        variables = [_variable(f) for f in mine if f.get("secret") or f["name"] in ("username", "email")]
        method = {"key": kind.replace("_", "-"), "name": AUTH_LABELS[kind], "type": kind, "variables": variables}
        secret = next((f["name"] for f in mine if f.get("secret")), None)
        if kind in ("token", "api_key") and not secret:
            secret = "token"
            variables.append({"key": "token", "label": "Token", "required": True, "secret": True})
        if kind in ("token", "api_key"):
            method["settings"] = {"value": "{{" + secret + "}}"}
        if kind == "basic":
            user = next((f["name"] for f in mine if not f.get("secret") and f["name"] in ("username", "email")),
                        None)
            method["settings"] = {"username": "{{" + user + "}}" if user else "",
                                  "password": "{{" + secret + "}}" if secret else ""}
        if kind.startswith("oauth2"):
            method["settings"] = {"token_url": "{{token_url}}"}
            if any(f["name"] == "scope" for f in fields):
                method["settings"]["scope"] = "{{scope}}"
            method["variables"].append({"key": "token_url", "label": "Token URL", "required": True})
            if kind == "oauth2_authorization_code":
                method["settings"]["authorize_url"] = "{{authorize_url}}"
                method["variables"].append({"key": "authorize_url", "label": "Authorise URL", "required": True})
        methods.append(method)
    in_auth = {v["key"] for m in methods for v in m["variables"]}
    variables = [_variable(f) for f in fields if f["name"] not in in_auth]
    pattern = entry.get("base_url_pattern") or ""
    names = re.findall(r"\{(\w+)\}", pattern)
    if names and all(any(v["key"] == n for v in variables) for n in names):
        return {"base_url": re.sub(r"\{(\w+)\}", r"{{\1}}", pattern), "variables": variables,
                "auth_methods": methods or [NO_AUTH], "endpoints": []}
    if not any(v["key"] in ("base_url", "url", "baseurl", "host", "api_url") for v in variables):
        variables.insert(0, {"key": "base_url", "label": "API base URL", "required": True,
                             "help": "The vendor's API address, e.g. https://api.example.com"})
    base_key = next(v["key"] for v in variables if v["key"] in ("base_url", "url", "baseurl", "host", "api_url"))
    return {"base_url": "{{" + base_key + "}}", "variables": variables, "auth_methods": methods or [NO_AUTH],
            "endpoints": []}


GENERIC_NOTE = ("Generated from the documented credential fields only, as the vendor's API reference could not be "
                "checked: verify the base URL and the authentication header against the vendor's API. The "
                "endpoints are generic calls on a resource you name; replace them in the connector builder "
                "with the vendor's own.")


def build(entry: dict) -> dict:
    category = CATEGORIES.get(entry["category"], entry["category"])
    spec = SPECS.get(entry["slug"]) or {"derive": True, "endpoints": generic_rest()}
    checked = not spec.get("derive")
    body = dict(spec) if checked else {**derived(entry), **{k: v for k, v in spec.items() if k != "derive"}}
    notes = entry.get("notes") or ""
    if body.get("extra_notes"):
        notes = (notes + " " + body["extra_notes"]).strip()
    body.pop("extra_notes", None)
    deviations = body.pop("deviations", [])
    if deviations:
        notes = (notes + " Differs from the reference list: " + " ".join(d["reason"] for d in deviations)).strip()
    if not checked:
        notes = (notes + " " + GENERIC_NOTE).strip()
    definition = {
        "key": entry["slug"], "name": body.pop("name", entry["name"]), "version": body.pop("version", "1"),
        "icon": ICONS.get(category, "bi-plug"), "category": category, "description": entry["description"],
        "documentation_url": body.pop("documentation_url", ""),
    }
    if body.get("protocol"):
        definition["protocol"] = body.pop("protocol")
    else:
        body.pop("protocol", None)
        definition["base_url"] = body.pop("base_url")
    definition.update({"variables": body.pop("variables", []), "auth_methods": body.pop("auth_methods"),
                       "endpoints": body.pop("endpoints", [])})
    definition.update(body)  # test, data_type ... anything else the spec sets
    definition["notes"] = notes
    if deviations:
        definition["deviations"] = deviations
    definition["curated"] = checked
    return definition


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    entries = json.loads(source.read_text(encoding="utf-8")) + EXTRA_ENTRIES  # plus Weft's own (SQL database)
    unknown = set(SPECS) - {e["slug"] for e in entries}
    if unknown:
        print(f"specs for connectors not in {source.name}: {sorted(unknown)}", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in OUT.glob("*.json"):
        stale.unlink()
    for entry in entries:
        definition = build(entry)
        problems = validate_definition(definition)
        if problems:
            print(f"{entry['slug']}: " + "\n  ".join(problems), file=sys.stderr)
            return 1
        path = OUT / f"{definition['key']}.json"
        path.write_text(json.dumps(definition, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    built = [build(e) for e in entries]
    curated = sum(1 for d in built if d["curated"])
    endpoints = sum(len(d["endpoints"]) for d in built)
    print(f"wrote {len(entries)} connectors ({curated} curated, {endpoints} endpoints) to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
