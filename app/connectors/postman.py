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
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from app.connectors.definitions import METHODS, validate_definition

MAX_BYTES = 5_000_000
_TOKEN_RE = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_PATH_VAR_RE = re.compile(r"(?<=/):([A-Za-z_][\w\-]*)")
_ORIGIN_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*://[^/?#]+)(.*)$")
_SECRET_HINT = re.compile(r"secret|password|passwd|token|api[-_]?key|apikey|private", re.I)
_NOT_SECRET_HINT = re.compile(r"(url|uri|endpoint|path|host|type|name)$", re.I)  # tokenUrl, apiKeyName
SUPPORTED_AUTH = ("noauth", "basic", "bearer", "apikey", "oauth2", "oauth1")


class PostmanError(ValueError):
    """The file is not a Postman Collection v2.1 that can be imported; `.problems` says why."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


@dataclass
class Draft:
    definition: dict
    notes: list[str] = field(default_factory=list)


@dataclass
class _Request:
    name: str
    folder: str
    method: str
    raw_url: str
    query: list[dict]
    path_variables: list[dict]
    headers: list[dict]
    body: Any
    auth: dict | None  # the effective auth (inherited), None for no auth
    description: str


# -- small helpers ------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    """Postman descriptions are text or {"content": ...}."""
    if isinstance(value, dict):
        value = value.get("content")
    return value.strip() if isinstance(value, str) else ""


def safe_name(name: str) -> str:
    """A Postman variable name as a Weft variable key ({{store name}} → store_name, {{$guid}} → guid)."""
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", name.strip()).strip("_")
    if not cleaned:
        cleaned = "value"
    if cleaned[0].isdigit():
        cleaned = "v_" + cleaned
    return cleaned[:80]


def label_for(key: str) -> str:
    """baseUrl → 'Base URL', client_id → 'Client ID': a readable label for a variable key."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key).replace("_", " ").replace("-", " ").split()
    fixed = {"id": "ID", "url": "URL", "api": "API", "uri": "URI", "sku": "SKU"}
    words = [fixed.get(w.lower(), w.lower()) for w in words] or [key]
    first = words[0]
    words[0] = first if first.isupper() else first.capitalize()
    return " ".join(words)


def slug(text: str, sep: str = "_") -> str:
    value = re.sub(r"[^a-z0-9]+", sep, (text or "").lower()).strip(sep)
    return value[:60].strip(sep)


def _unique(base: str, taken: set[str], sep: str = "_") -> str:
    base = base or "endpoint"
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}{sep}{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _tokens(value: Any) -> list[str]:
    """Every {{name}} inside value (text, or nested dicts and lists), in order."""
    found: list[str] = []
    if isinstance(value, str):
        found += [m.group(1) for m in _TOKEN_RE.finditer(value)]
    elif isinstance(value, dict):
        for k, v in value.items():
            found += _tokens(k) + _tokens(v)
    elif isinstance(value, list):
        for v in value:
            found += _tokens(v)
    return found


def _rename(value: Any, names: dict[str, str]) -> Any:
    """Rewrite {{postman name}} as {{weft_key}} everywhere inside value."""
    if isinstance(value, str):
        return _TOKEN_RE.sub(lambda m: "{{" + names.get(m.group(1), safe_name(m.group(1))) + "}}", value)
    if isinstance(value, dict):
        return {_rename(k, names): _rename(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename(v, names) for v in value]
    return value


def _only_token(value: Any) -> str | None:
    """The variable name when value is exactly one {{token}}, else None."""
    if isinstance(value, str):
        m = _TOKEN_RE.fullmatch(value.strip())
        if m:
            return m.group(1)
    return None


def _looks_secret(name: str, spec: dict | None = None) -> bool:
    if (spec or {}).get("type") == "secret":
        return True
    return bool(_SECRET_HINT.search(name)) and not _NOT_SECRET_HINT.search(name)


def _version(value: Any) -> str:
    if isinstance(value, dict):  # v2.1 allows {"major": 1, "minor": 2, "patch": 0}
        return ".".join(str(value.get(k, 0)) for k in ("major", "minor", "patch"))
    return str(value).strip()[:80] if value not in (None, "") else "1"


def _pairs(items: Any) -> list[dict]:
    """Postman key/value lists (headers, query, urlencoded), skipping malformed entries."""
    if isinstance(items, str):  # a raw header block "Name: value\nName: value"
        out = []
        for line in items.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                out.append({"key": k.strip(), "value": v.strip()})
        return out
    if not isinstance(items, list):
        return []
    return [i for i in items if isinstance(i, dict) and isinstance(i.get("key"), str) and i["key"].strip()]


def _auth_params(auth: dict) -> dict:
    """{param: value} of a Postman auth block (v2.1 lists; a v2.0-style object is accepted too)."""
    params = auth.get(auth.get("type")) if isinstance(auth, dict) else None
    if isinstance(params, dict):
        return {str(k): v for k, v in params.items()}
    if isinstance(params, list):
        return {p["key"]: p.get("value") for p in params if isinstance(p, dict) and isinstance(p.get("key"), str)}
    return {}


# -- reading the file ---------------------------------------------------------------------------------
def load(source: bytes | str | dict) -> dict:
    if isinstance(source, dict):
        data = source
    else:
        if isinstance(source, bytes):
            if len(source) > MAX_BYTES:
                raise PostmanError(f"The file is larger than {MAX_BYTES // 1_000_000} MB: is it really a collection?")
            try:
                source = source.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise PostmanError("The file is not text: choose the .json file Postman exported.") from None
        if not source.strip():
            raise PostmanError("The file is empty.")
        try:
            data = json.loads(source)
        except json.JSONDecodeError as exc:
            raise PostmanError(f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") \
                from None
    if not isinstance(data, dict):
        raise PostmanError("This is not a Postman collection: the file should hold one JSON object.")
    if "requests" in data and "order" in data:
        raise PostmanError("This is an old Postman Collection v1 file. In Postman, choose Export on the collection "
                           "and pick 'Collection v2.1', then import that file.")
    if data.get("_postman_variable_scope") or ("values" in data and "item" not in data):
        raise PostmanError("This is a Postman environment, not a collection. Export the collection itself "
                           "(Export → Collection v2.1).")
    info = data.get("info")
    if not isinstance(info, dict) or not isinstance(data.get("item"), list):
        raise PostmanError("This is not a Postman collection: it needs an 'info' section and a list of 'item's.")
    schema = str(info.get("schema") or "")
    if "v2.1" not in schema:
        found = re.search(r"v\d+(\.\d+)*", schema)
        version = f"Postman Collection {found.group(0)}" if found else "a collection without a format version"
        raise PostmanError(f"This is {version}; Weft reads Collection v2.1. In Postman, choose Export on the "
                           "collection and pick 'Collection v2.1'.")
    return data


def _url_parts(url: Any) -> tuple[str, list[dict], list[dict]]:
    """(raw URL without the query, query entries, path variables) of a Postman URL (text or object)."""
    if isinstance(url, str):
        raw, query = url, []
        path_variables: list[dict] = []
    elif isinstance(url, dict):
        raw = url.get("raw") if isinstance(url.get("raw"), str) else ""
        if not raw:
            host = url.get("host")
            host = ".".join(host) if isinstance(host, list) else (host or "")
            path = url.get("path")
            path = "/".join(str(p) for p in path) if isinstance(path, list) else (path or "")
            protocol = f"{url['protocol']}://" if url.get("protocol") else ""
            port = f":{url['port']}" if url.get("port") else ""
            raw = f"{protocol}{host}{port}" + (f"/{path.lstrip('/')}" if path else "")
        query = _pairs(url.get("query"))
        path_variables = _pairs(url.get("variable"))
    else:
        return "", [], []
    raw = raw.strip()
    base, _, query_text = raw.partition("?")
    base = base.split("#", 1)[0]
    if not query and query_text:
        for part in query_text.split("#", 1)[0].split("&"):
            if part:
                k, _, v = part.partition("=")
                query.append({"key": k, "value": v})
    return base, query, path_variables


def _walk(items: list, folder: str, auth: dict | None, problems: list[str], notes: list[str],
          requests: list[_Request], where: str = "") -> None:
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f"Item {index}{where} is not an object.")
            continue
        name = str(item.get("name") or "").strip() or f"Item {index}"
        place = f"'{name}'" + where
        if item.get("event") and any(isinstance(e, dict) and e.get("script") for e in item["event"] or []):
            notes.append(f"Scripts on {place} were not imported (Weft has no scripts yet).")
        if isinstance(item.get("item"), list):
            folder_auth = item.get("auth") if isinstance(item.get("auth"), dict) else auth
            if isinstance(folder_auth, dict) and folder_auth.get("type") in (None, "inherit"):
                folder_auth = auth
            _walk(item["item"], name, folder_auth, problems, notes, requests, f" in folder '{name}'")
            continue
        request = item.get("request")
        if request is None:
            problems.append(f"Item {place} has neither a request nor items.")
            continue
        if isinstance(request, str):
            request = {"method": "GET", "url": request}
        if not isinstance(request, dict):
            problems.append(f"The request {place} is not an object.")
            continue
        raw, query, path_variables = _url_parts(request.get("url"))
        if not raw:
            problems.append(f"The request {place} has no URL.")
            continue
        method = str(request.get("method") or "GET").upper()
        if method not in METHODS:
            notes.append(f"The request {place} uses the {method} method, which connectors do not send: skipped.")
            continue
        effective = request.get("auth") if isinstance(request.get("auth"), dict) else auth
        if isinstance(effective, dict) and effective.get("type") in (None, "inherit"):
            effective = auth
        requests.append(_Request(name=name, folder=folder, method=method, raw_url=raw, query=query,
                                 path_variables=path_variables, headers=_pairs(request.get("header")),
                                 body=request.get("body"), auth=effective,
                                 description=_text(request.get("description"))))


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


# -- authentication -----------------------------------------------------------------------------------
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
        method["key"] = _unique(slug(method["name"], "-") or "auth", taken, "-")
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


# -- bodies -------------------------------------------------------------------------------------------
def _body(request: _Request, notes: list[str]) -> tuple[Any, str | None]:
    """(body template, data type) of a request; (None, None) when it sends none."""
    body = request.body
    if not isinstance(body, dict) or body.get("disabled"):
        return None, None
    mode = body.get("mode")
    if mode == "raw":
        raw = body.get("raw")
        if not isinstance(raw, str) or not raw.strip():
            return None, None
        language = str(((body.get("options") or {}).get("raw") or {}).get("language") or "").lower()
        content_type = next((str(h.get("value", "")).lower() for h in request.headers
                             if h["key"].lower() == "content-type" and not h.get("disabled")), "")
        if language == "xml" or (not language and "xml" in content_type):
            return raw, "xml"
        if language == "json" or "json" in content_type or (not language and raw.lstrip()[:1] in "{["):
            try:
                parsed = json.loads(raw)
            except ValueError:
                return raw, "json"  # {{tokens}} outside quotes: kept as a text template sent as JSON
            return (parsed if isinstance(parsed, (dict, list)) else raw), "json"
        return raw, "text"
    if mode in ("urlencoded", "formdata"):
        pairs = [p for p in _pairs(body.get(mode)) if not p.get("disabled")]
        files = [p["key"] for p in pairs if p.get("type") == "file"]
        if files:
            notes.append(f"The request '{request.name}' uploads files ({', '.join(files)}): file fields were "
                         "left out, connectors send form fields only.")
        fields = {p["key"]: p.get("value") if isinstance(p.get("value"), str) else "" for p in pairs
                  if p.get("type") != "file"}
        return (fields or None), ("form" if fields else None)
    if mode == "graphql":
        graphql = body.get("graphql") or {}
        variables = graphql.get("variables")
        try:
            variables = json.loads(variables) if isinstance(variables, str) and variables.strip() else (
                variables if isinstance(variables, dict) else {})
        except ValueError:
            variables = {}
        return {"query": graphql.get("query") or "", "variables": variables}, "json"
    if mode in ("file", "binary"):
        notes.append(f"The request '{request.name}' sends a file as its body: left out (a send endpoint without a "
                     "body sends the payload itself).")
    return None, None


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
            "key": _unique(slug(request.name) or slug(f"{request.method} {path}"), taken),
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
        "key": slug(title, "-") or "postman-import", "name": title[:120],
        "version": _version(info.get("version")),
        "icon": "bi-box-arrow-in-down", "category": "other", "description": _text(info.get("description"))[:2000],
        "documentation_url": "", "base_url": _rename(base_url, names), "protocol": None, "variables": variables,
        "auth_methods": auths.methods, "endpoints": endpoints,
    }
    problems = validate_definition(definition)
    if problems:
        raise PostmanError(["The collection could not be turned into a valid connector:", *problems])
    return Draft(definition=definition, notes=list(dict.fromkeys(notes)))
