"""Postman Collection v2.1 → a draft connector definition (no Flask, no database: pure data in, data out).

    draft = convert(file_bytes)          # raises PostmanError(problems) for anything that is not a v2.1 collection
    draft.definition                     # passes definitions.validate_definition()
    draft.notes                          # sentences about what could not be carried over

What becomes what:
- folders → the endpoints' `entity` (the group they are listed under); requests → endpoints (method, path,
  query, headers, body); GET/HEAD requests receive, every other method sends.
- the base URL: a leading `{{variable}}` shared by the requests (`{{baseUrl}}/orders`) becomes a connector
  variable; otherwise the most common scheme + host plus the path segments every request shares
  (`https://api.example.com/v1`). A request on another host keeps its full URL as its path.
- `{{variables}}`: collection variables and any variable in the base URL are connector variables (asked for on
  every instance); a variable used by an authentication setting is an authentication variable (secret when it
  holds a password, token or key); every other variable is an endpoint variable of the requests that use it.
  Postman path variables (`/orders/:id`) become `{{id}}` endpoint variables; disabled query parameters become
  optional query entries with an optional variable (left out while empty).
- authentication (collection, folder or request level, inherited as Postman does): basic, bearer, API key,
  OAuth 2 (authorisation code, with PKCE, client credentials, password), OAuth 1 and no auth. Literal
  credentials in the file are never copied into the definition: they are entered on the instance.

Reading the file is postman_collection.py, the auth blocks postman_auth.py, the {{variables}} postman_variables.py.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from app.connectors.definitions import validate_definition
from app.connectors.keys import slugify, unique_key
from app.connectors.postman_auth import _AuthBuilder
from app.connectors.postman_collection import PostmanError, _body, _pairs, _Request, _text, _walk, load
from app.connectors.postman_variables import (
    _TOKEN_RE,
    _looks_secret,
    _only_token,
    _rename,
    _tokens,
    label_for,
    safe_name,
)

_PATH_VAR_RE = re.compile(r"(?<=/):([A-Za-z_][\w\-]*)")
_ORIGIN_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*://[^/?#]+)(.*)$")


@dataclass
class Draft:
    definition: dict
    notes: list[str] = field(default_factory=list)


def _version(value: Any) -> str:
    if isinstance(value, dict):  # v2.1 allows {"major": 1, "minor": 2, "patch": 0}
        return ".".join(str(value.get(k, 0)) for k in ("major", "minor", "patch"))
    return str(value).strip()[:80] if value not in (None, "") else "1"


# -- the base URL -------------------------------------------------------------------------------------
def _split_origin(raw: str) -> tuple[str, str]:
    """('{{baseUrl}}' | 'https://host', '/path') of a URL without its query."""
    raw = _PATH_VAR_RE.sub(lambda m: "{{" + m.group(1) + "}}", raw)
    lead = _TOKEN_RE.match(raw)
    if lead:
        return lead.group(0), raw[lead.end():]
    m = _ORIGIN_RE.match(raw)
    if m:
        return m.group(1), m.group(2)
    host, slash, rest = raw.partition("/")  # "api.example.com/v1/orders" (no scheme)
    return host, slash + rest


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s != ""]


def _base(requests: list[_Request]) -> tuple[str, str, int]:
    """(origin, shared path prefix, number of segments in the prefix)."""
    origins = Counter(_split_origin(r.raw_url)[0] for r in requests)
    origin = origins.most_common(1)[0][0]
    paths = [_segments(_split_origin(r.raw_url)[1]) for r in requests if _split_origin(r.raw_url)[0] == origin]
    path_var_names = {v["key"] for r in requests for v in r.path_variables}
    prefix: list[str] = []
    for parts in zip(*[p[:-1] for p in paths], strict=False):  # never the last segment: that names the resource
        if len(set(parts)) != 1:
            break
        name = _only_token(parts[0])
        if name is not None and name in path_var_names:
            break  # a path variable (/:shop/...) differs per request: it stays in the endpoint path
        prefix.append(parts[0])
    return origin, ("/" + "/".join(prefix)) if prefix else "", len(prefix)


# -- the conversion -----------------------------------------------------------------------------------
def convert(source: bytes | str | dict, *, name: str | None = None) -> Draft:
    data = load(source)
    info = data["info"]
    problems: list[str] = []
    notes: list[str] = []
    requests: list[_Request] = []
    collection_auth = data.get("auth") if isinstance(data.get("auth"), dict) else None
    if data.get("event") and any(isinstance(e, dict) and e.get("script") for e in data["event"] or []):
        notes.append("The collection's scripts were not imported (Weft has no scripts yet).")
    _walk(data["item"], "", collection_auth, problems, notes, requests)
    if problems:
        raise PostmanError(problems)
    if not requests:
        raise PostmanError("The collection has no requests to turn into endpoints.")

    collection_vars = {str(v["key"]): v for v in _pairs(data.get("variable")) if not v.get("disabled")}
    origin, prefix, prefix_len = _base(requests)

    # Authentication first: the variables it claims are not connector or endpoint variables.
    auths = _AuthBuilder(notes)
    default_key = auths.method_for(collection_auth)
    request_methods = [auths.method_for(r.auth) for r in requests]
    if not auths.methods:
        auths.methods.append({"key": "none", "name": "No authentication", "type": "none", "variables": [],
                              "settings": {}, "headers": {}, "query": {}, "pre_request_script": None,
                              "post_request_script": None})
    default_key = default_key or (request_methods[0] if len(set(request_methods)) == 1 else None)
    auth_names = set(auths.auth_vars)

    # A credential the requests use directly (an `X-Api-Key: {{apiKey}}` header) is asked for with every
    # authentication method, so it is stored encrypted instead of in clear as a connector or endpoint variable.
    used = [t for r in requests for t in _tokens([r.raw_url, r.query, r.headers, r.body])]
    for var in dict.fromkeys([*collection_vars, *used]):
        if var in auth_names or var.startswith("$") or not _looks_secret(var, collection_vars.get(var)):
            continue
        auth_names.add(var)
        for method in auths.methods:
            if safe_name(var) not in {v["key"] for v in method["variables"]}:
                method["variables"].append({"key": safe_name(var), "label": label_for(safe_name(var)),
                                            "required": True, "secret": True})
        copied = (collection_vars.get(var) or {}).get("value")
        notes.append(f"'{var}' looks like a credential: it is asked for on each instance and stored encrypted"
                     + (" (its value in the collection was not copied)." if copied else "."))

    # Connector variables: collection variables, and whatever the base URL and the auth URLs use.
    base_url = origin + prefix
    connector_names: list[str] = []
    method_vars = {v["key"] for m in auths.methods for v in m["variables"]}
    for var in [*collection_vars, *_tokens(base_url),
                *[t for m in auths.methods for t in _tokens(m["settings"]) if t not in method_vars]]:
        if var not in auth_names and var not in connector_names and safe_name(var) not in {
                safe_name(a) for a in auth_names}:
            connector_names.append(var)
    names = {n: safe_name(n) for n in [*connector_names, *auth_names]}
    for method in auths.methods:
        method["settings"] = _rename(method["settings"], names)
    variables = []
    for var in connector_names:
        spec = collection_vars.get(var, {})
        value = spec.get("value")
        secret = _looks_secret(var, spec)
        entry = {"key": names[var], "label": "Base URL" if _only_token(base_url) == var else label_for(names[var]),
                 "required": True, "secret": False}
        if isinstance(value, (str, int, float)) and str(value) != "" and not secret:
            entry["default"] = str(value)
            entry["required"] = False
        elif secret and value:
            notes.append(f"The collection variable '{var}' looks like a credential: its value was not copied.")
        if _text(spec.get("description")):
            entry["help"] = _text(spec.get("description"))
        variables.append(entry)
    known = {names[n] for n in connector_names} | {names[n] for n in auth_names}

    endpoints: list[dict] = []
    taken: set[str] = set()
    dynamic: set[str] = set()
    for request, method_key in zip(requests, request_methods, strict=True):
        req_origin, path = _split_origin(request.raw_url)
        segments = _segments(path)
        if req_origin == origin and len(segments) >= prefix_len and \
                ("/" + "/".join(segments[:prefix_len]) if prefix_len else "") == prefix:
            path = "/" + "/".join(segments[prefix_len:]) if segments[prefix_len:] else ""
        else:
            path = req_origin + path
            if _only_token(req_origin):
                name = _only_token(req_origin)
                if name not in names:
                    names[name] = safe_name(name)
                    connector_names.append(name)
                    variables.append({"key": names[name], "label": label_for(names[name]), "required": True,
                                      "secret": False})
                    known.add(names[name])
        query: dict[str, str] = {}
        optional: list[dict] = []
        for q in request.query:
            key = q["key"]
            value = q.get("value") if isinstance(q.get("value"), str) else ""
            if q.get("disabled"):
                var = safe_name(key)
                query[key] = "{{" + var + "}}"
                optional.append({"key": var, "label": label_for(var), "required": False, "secret": False,
                                 **({"help": _text(q.get("description"))} if _text(q.get("description")) else {})})
            else:
                query[key] = value
        headers = {h["key"]: h.get("value") if isinstance(h.get("value"), str) else "" for h in request.headers
                   if not h.get("disabled") and not (method_key and h["key"].lower() == "authorization")}
        body, data_type = _body(request, notes)
        endpoint_names: list[str] = []
        for token in _tokens([path, query, headers, body]):
            if token.startswith("$"):
                dynamic.add(token)
            if token not in names and token not in endpoint_names:
                endpoint_names.append(token)
        local = {n: safe_name(n) for n in endpoint_names}
        rename = {**names, **local}
        path_help = {v["key"]: _text(v.get("description")) or (f"e.g. {v['value']}" if v.get("value") else "")
                     for v in request.path_variables}
        ep_vars = [{"key": local[n], "label": label_for(local[n]), "required": ("{{" + n + "}}") in path
                    or n in path_help, "secret": False,
                    **({"help": path_help[n]} if path_help.get(n) else {})}
                   for n in endpoint_names if local[n] not in known and local[n] not in {o["key"] for o in optional}]
        ep_vars += [o for o in optional if o["key"] not in known and o["key"] not in {v["key"] for v in ep_vars}]
        direction = "receive" if request.method in ("GET", "HEAD") else "send"
        endpoint = {
            "key": unique_key(slugify(request.name, "_") or slugify(f"{request.method} {path}", "_") or "endpoint",
                              taken, "_"),
            "name": request.name, "entity": request.folder or "general", "direction": direction,
            "method": request.method, "path": _rename(path, rename), "query": _rename(query, rename),
            "headers": _rename(headers, rename), "body": _rename(body, rename), "data_type": data_type or "json",
            "variables": ep_vars, "pagination": None, "records_path": None, "schema": None, "field_tags": {},
            "auth_methods": [method_key] if method_key and method_key != default_key else None,
            "pre_request_script": None, "post_request_script": None,
        }
        if request.description:
            endpoint["description"] = request.description
        endpoints.append(endpoint)
    if dynamic:
        listed = ", ".join("{{" + d + "}}" for d in sorted(dynamic))
        notes.append(f"Postman's dynamic variables ({listed}) have no Weft equivalent: they became endpoint "
                     "variables you fill in.")
    if len(auths.methods) > 1 and default_key is None:
        notes.append("Requests use different authentication: each endpoint is limited to its own method.")

    for method in auths.methods:
        for var in method["variables"]:
            var.setdefault("label", label_for(var["key"]))
    title = (name or "").strip() or str(info.get("name") or "").strip() or "Imported collection"
    definition = {
        "key": slugify(title) or "postman-import", "name": title[:120],
        "version": _version(info.get("version")),
        "icon": "bi-box-arrow-in-down", "category": "other", "description": _text(info.get("description"))[:2000],
        "documentation_url": "", "base_url": _rename(base_url, names), "protocol": None, "variables": variables,
        "auth_methods": auths.methods, "endpoints": endpoints,
    }
    problems = validate_definition(definition)
    if problems:
        raise PostmanError(["The collection could not be turned into a valid connector:", *problems])
    return Draft(definition=definition, notes=list(dict.fromkeys(notes)))
