"""Curated connector specs for scripts/build_catalog.py: base URL, authentication, endpoints and pagination
as each vendor's public API documents them. A connector missing here is generated from its documented
credential fields only. Helpers first, then SPECS (split by area into catalog_specs_*.py)."""
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
def token(header="Authorization", prefix="Bearer ", key="token", label="Token", name="Access token", **extra):
    return {"key": "token", "name": name, "type": "token",
            "settings": {"placement": "header", "name": header, "prefix": prefix, "value": "{{" + key + "}}"},
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


from catalog_specs_commerce import COMMERCE  # noqa: E402
from catalog_specs_other import OTHER  # noqa: E402

SPECS: dict[str, dict] = {**COMMERCE, **OTHER}
