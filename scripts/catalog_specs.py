"""Curated connector specs for scripts/build_catalog.py: base URL, authentication, endpoints and pagination
as each vendor's public API documents them. Helpers first, then SPECS, gathered from the area files
catalog_specs_<area>.py. A spec made with derived_with() keeps the base URL and authentication that
build_catalog derives from the documented credential fields and only adds endpoints (generic ones where the
vendor's API reference could not be found)."""
from __future__ import annotations


def var(key, label, required=True, secret=False, default=None, help=""):
    v = {"key": key, "label": label, "required": required, "secret": secret}
    if default is not None:
        v["default"] = default
    if help:
        v["help"] = help
    return v


def opt(key, label, default=None, help=""):
    return var(key, label, required=False, default=default, help=help)


# -- authentication methods ------------------------------------------------------------------------------
def token(header="Authorization", prefix="Bearer ", key="token", label="Token", name="Access token",
          placement="header", **extra):
    return {"key": "token", "name": name, "type": "token",
            "settings": {"placement": placement, "name": header, "prefix": prefix, "value": "{{" + key + "}}"},
            "variables": [var(key, label, secret=True)], **extra}


def api_key(header="X-API-Key", key="api_key", label="API key", prefix="", placement="header", name="API key",
            **extra):
    return {"key": "api-key", "name": name, "type": "api_key",
            "settings": {"placement": placement, "name": header, "prefix": prefix, "value": "{{" + key + "}}"},
            "variables": [var(key, label, secret=True)], **extra}


def basic(user="username", password="password", user_label="Username", password_label="Password",
          name="Basic", password_template=None, user_template=None, **extra):
    return {"key": "basic", "name": name, "type": "basic",
            "settings": {"username": "{{" + user + "}}" if user_template is None else user_template,
                         "password": "{{" + password + "}}" if password_template is None else password_template},
            "variables": [var(user, user_label), var(password, password_label, secret=True)], **extra}


def client_credentials(token_url, scope="", client_auth="body", name="OAuth 2 (client credentials)",
                       variables=None, **settings):
    return {"key": "oauth2-client", "name": name, "type": "oauth2_client_credentials",
            "settings": {"token_url": token_url, "scope": scope, "client_auth": client_auth, **settings},
            "variables": variables if variables is not None else [
                var("client_id", "Client ID"), var("client_secret", "Client secret", secret=True)]}


def auth_code(authorize_url, token_url, scope="", client_auth="body", name="OAuth 2 (authorisation code)",
              variables=None, **settings):
    return {"key": "oauth2-code", "name": name, "type": "oauth2_authorization_code",
            "settings": {"authorize_url": authorize_url, "token_url": token_url, "scope": scope,
                         "client_auth": client_auth, **settings},
            "variables": variables if variables is not None else [
                var("client_id", "Client ID"), var("client_secret", "Client secret", secret=True)]}


def user_pass(name="Username and password"):
    return {"key": "user-pass", "name": name, "type": "db_user_pass",
            "variables": [var("username", "Username"), var("password", "Password", secret=True)]}


NO_AUTH = {"key": "none", "name": "No authentication", "type": "none"}


# -- pagination -------------------------------------------------------------------------------------------
def page(page_param="page", limit_param=None, limit=None, data=None, total=None, total_pages=None, start=1):
    p = {"type": "page_number", "page_param": page_param, "start_page": start}
    for key, value in (("limit_param", limit_param), ("limit", limit), ("data_path", data), ("total_path", total),
                       ("total_pages_path", total_pages)):
        if value is not None:
            p[key] = value
    return p


def offset(limit_param="limit", offset_param="offset", limit=100, data=None, total=None, has_more=None, start=0):
    p = {"type": "limit_offset", "limit_param": limit_param, "offset_param": offset_param, "limit": limit,
         "start_offset": start}
    for key, value in (("data_path", data), ("total_path", total), ("has_more_path", has_more)):
        if value is not None:
            p[key] = value
    return p


def link(data=None):
    return {"type": "link_header", **({"data_path": data} if data else {})}


def next_url(path, data=None):
    return {"type": "next_page_url", "next_url_path": path, **({"data_path": data} if data else {})}


def cursor(token_param, token_path, data=None, limit_param=None, limit=None):
    p = {"type": "next_page_token", "token_param": token_param, "token_path": token_path}
    for key, value in (("data_path", data), ("limit_param", limit_param), ("limit", limit)):
        if value is not None:
            p[key] = value
    return p


def relative(uri_path, data=None, done=None):
    p = {"type": "custom_relative_uri", "uri_path": uri_path}
    if data:
        p["data_path"] = data
    if done:
        p["done_path"] = done
    return p


def graphql(connection, data_suffix="edges"):
    base = f"data.{connection}"
    return {"type": "graphql_cursor", "end_cursor_path": f"{base}.pageInfo.endCursor",
            "has_next_page_path": f"{base}.pageInfo.hasNextPage", "cursor_variable": "after",
            "data_path": f"{base}.{data_suffix}"}


# -- endpoints --------------------------------------------------------------------------------------------
def snake(name: str) -> str:
    """salesOrder -> sales_order: endpoint keys are lower case."""
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def ep(key, name, method, path, entity, *, direction=None, query=None, pagination=None, variables=None,
       body=None, headers=None, data_type="json", records=None, description="", **extra):
    e = {"key": snake(key), "name": name, "entity": entity,
         "direction": direction or ("receive" if method == "GET" else "send"), "method": method, "path": path,
         "data_type": data_type}
    if description:
        e["description"] = description
    if query:
        e["query"] = query
    if headers:
        e["headers"] = headers
    if body is not None:
        e["body"] = body
    if variables:
        e["variables"] = variables
    if pagination:
        e["pagination"] = pagination
    if records:
        e["records_path"] = records
    e.update(extra)
    return e


def op(key, name, direction, entity, *, variables=None, **fields):
    """A protocol operation (ftp, sftp, amqp): protocol-specific keys instead of method and path."""
    e = {"key": key, "name": name, "entity": entity, "direction": direction, **fields}
    if variables:
        e["variables"] = variables
    return e


def path_vars(*keys):
    """Required endpoint variables named after the {{tokens}} of a path."""
    return [var(k, k.replace("_", " ").capitalize()) for k in keys]


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def crud(plural, single, entity, path, *, ops="lgcu", id_var="id", pages=None, query=None, variables=None,
         update="PUT", **list_extra):
    """The usual REST calls on one resource: l(ist) and c(reate) on `path`, g(et), u(pdate) and d(elete) on
    `path/{{id}}`. Keys are list_<plural>, get_/create_/update_/delete_<single> (spaces become '_')."""
    many, single_key, one = plural.replace(" ", "_"), single.replace(" ", "_"), _a(single)
    item = f"{path}/{{{{{id_var}}}}}"
    out = []
    for code in ops:
        if code == "l":
            out.append(ep(f"list_{many}", f"List {plural}", "GET", path, entity, pagination=pages, query=query,
                          variables=variables, **list_extra))
        elif code == "g":
            out.append(ep(f"get_{single_key}", f"Get {one}", "GET", item, entity, variables=path_vars(id_var)))
        elif code == "c":
            out.append(ep(f"create_{single_key}", f"Create {one}", "POST", path, entity))
        elif code == "u":
            out.append(ep(f"update_{single_key}", f"Update {one}", update, item, entity,
                          variables=path_vars(id_var)))
        elif code == "d":
            out.append(ep(f"delete_{single_key}", f"Delete {one}", "DELETE", item, entity,
                          variables=path_vars(id_var)))
    return out


def listings(path_of, pages, rows, **extra):
    """One list endpoint per (name, label, entity) row, all paginated alike: path_of(name) gives the path."""
    return [ep(f"list_{name}", f"List {label}", "GET", path_of(name), entity, pagination=pages, **extra)
            for name, label, entity in rows]


def gql(key, name, path, entity, query, *, variables=None, pagination=None, **extra):
    """A GraphQL query sent as a receive endpoint: body {"query", "variables"}."""
    body = {"query": query, "variables": dict(variables or {})}
    return ep(key, name, "POST", path, entity, direction="receive", body=body, pagination=pagination, **extra)


def gql_send(path, name="GraphQL request", key="graphql"):
    return ep(key, name, "POST", path, "other",
              description="The payload is the body: {\"query\": \"...\", \"variables\": {...}}")


def edge_cursor(connection):
    """Relay connections whose pageInfo has hasNextPage but no endCursor: the last edge's cursor."""
    base = f"data.{connection}"
    return {"type": "graphql_cursor", "end_cursor_path": f"{base}.edges.-1.cursor",
            "has_next_page_path": f"{base}.pageInfo.hasNextPage", "cursor_variable": "after",
            "data_path": f"{base}.edges"}


XML_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}


def soap_call(key, name, path, action, entity, body, *, direction=None, variables=None, **extra):
    """A SOAP 1.1 call: XML envelope body and the SOAPAction header."""
    return ep(key, name, "POST", path, entity, direction=direction, data_type="xml", body=body,
              headers={**XML_HEADERS, "SOAPAction": action}, variables=variables, **extra)


GENERIC = ("Generic call: the vendor's API reference could not be checked, so this endpoint works on whatever "
           "resource you name; compare it with the vendor's documentation before relying on it.")


def generic_rest():
    """For vendors whose API documentation could not be found: list / get / create / update on a resource the
    user names (one path segment, e.g. orders)."""
    res = var("resource", "Resource (path segment, e.g. orders)")
    rid = var("record_id", "Record ID")
    return [
        ep("list_records", "List records (generic)", "GET", "/{{resource}}", "other", variables=[res],
           description=GENERIC),
        ep("get_record", "Get a record (generic)", "GET", "/{{resource}}/{{record_id}}", "other",
           variables=[res, rid], description=GENERIC),
        ep("create_record", "Create a record (generic)", "POST", "/{{resource}}", "other", variables=[res],
           description=GENERIC + " The payload is the body."),
        ep("update_record", "Update a record (generic)", "PUT", "/{{resource}}/{{record_id}}", "other",
           variables=[res, rid], description=GENERIC + " The payload is the body."),
    ]


def derived_with(endpoints, **extra):
    """A spec for a vendor whose base URL and authentication stay as build_catalog derives them from the
    documented credential fields, with endpoints added."""
    return {"derive": True, "endpoints": endpoints, **extra}


from catalog_specs_commerce import COMMERCE  # noqa: E402
from catalog_specs_data import DATA  # noqa: E402
from catalog_specs_deviations import DEVIATIONS  # noqa: E402
from catalog_specs_erp import ERP  # noqa: E402
from catalog_specs_files import FILES  # noqa: E402
from catalog_specs_logistics import LOGISTICS  # noqa: E402
from catalog_specs_marketing import MARKETING  # noqa: E402
from catalog_specs_marketplaces import MARKETPLACES  # noqa: E402
from catalog_specs_returns import RETURNS  # noqa: E402
from catalog_specs_shops import SHOPS  # noqa: E402

_AREAS = (COMMERCE, SHOPS, MARKETPLACES, ERP, LOGISTICS, RETURNS, MARKETING, DATA, FILES)
SPECS: dict[str, dict] = {key: spec for area in _AREAS for key, spec in area.items()}
if len(SPECS) != sum(len(area) for area in _AREAS):  # a key in two area files: one would silently win
    raise SystemExit("a connector key is specified in two catalog_specs_* files")
for _key, _deviations in DEVIATIONS.items():
    SPECS[_key] = {**SPECS[_key], "deviations": _deviations}
