"""The prebuilt catalog: every connector offers endpoints a flow can use, every pagination method and
authentication type it names is one the runtime has, and a few catalog connectors run end to end (through
the connector shape) against a vendor double on 127.0.0.1 speaking each vendor's paging style."""
from __future__ import annotations

import json
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.connectors import catalog, services
from app.connectors.auth import AUTH_TYPES
from app.connectors.definitions import usable_problems
from app.connectors.pagination import PAGINATIONS
from tests import factories
from tests.connectors.conftest import run_shape

KEYS = catalog.keys()


def test_every_catalog_connector_has_endpoints_a_flow_can_use():
    bare = [key for key in KEYS if not catalog.get(key)["endpoints"]]
    assert bare == []
    unusable = {key: usable_problems(catalog.get(key)) for key in KEYS if usable_problems(catalog.get(key))}
    assert unusable == {}


@pytest.mark.parametrize("key", KEYS)
def test_pagination_and_auth_names_are_ones_the_runtime_knows(key):
    definition = catalog.get(key)
    methods = {m["key"] for m in definition["auth_methods"]}
    for method in definition["auth_methods"]:
        assert method["type"] in AUTH_TYPES, (key, method["key"])
        assert AUTH_TYPES[method["type"]].validate(method) == [], (key, method["key"])
    for endpoint in definition["endpoints"]:
        where = (key, endpoint["key"])
        assert set(endpoint.get("auth_methods") or []) <= methods, where
        pagination = endpoint.get("pagination")
        if pagination:
            assert pagination["type"] in PAGINATIONS, where
            assert PAGINATIONS[pagination["type"]].validate(pagination) == [], where
        if not definition.get("protocol"):
            assert endpoint["method"] in ("GET", "POST", "PUT", "PATCH", "DELETE"), where


def test_connectors_without_a_checked_api_say_their_endpoints_are_generic():
    generic = [catalog.get(k) for k in KEYS if not catalog.get(k)["curated"]]
    assert generic, "the catalog has connectors whose API could not be checked"
    for definition in generic:
        assert "generic" in definition["notes"], definition["key"]
        assert all("Generic" in e.get("description", "") for e in definition["endpoints"]), definition["key"]


# -- a vendor double -------------------------------------------------------------------------------------------
class Vendor:
    """A threaded HTTP server on 127.0.0.1: routes[(method, path)](request) -> (status, json body)."""

    def __init__(self):
        self.routes, self.requests = {}, []
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wsgi(self, environ, start_response):
        request = Request(environ)
        self.requests.append({"method": request.method, "path": request.path, "args": dict(request.args),
                              "headers": dict(request.headers), "body": request.get_data(as_text=True)})
        handler = self.routes.get((request.method, request.path))
        status, body = handler(request) if handler else (404, {"error": "not found"})
        response = Response(json.dumps(body), status=status, content_type="application/json")
        return response(environ, start_response)

    def calls(self, path):
        return [r for r in self.requests if r["path"] == path]


@pytest.fixture
def vendor():
    server = Vendor()
    yield server
    server.server.shutdown()


def _instance(key, values):
    connector = services.install_connector(factories.company(), key)
    method = connector.definition["auth_methods"][0]["key"]
    return services.add_instance(connector, "Main", method, values)


def test_huboo_orders_page_until_the_last_page_with_the_bearer_key(ctx, vendor, make_runtime):
    def orders(request):
        page = int(request.args["page"])
        return 200, {"data": [{"id": f"o{page}"}], "meta": {"current_page": page, "last_page": 3}}

    vendor.routes[("GET", "/v2/orders")] = orders
    instance = _instance("huboo", {"baseurl": vendor.url + "/v2", "api_key": "hb-key-123"})
    out, operations, _ = run_shape(make_runtime(instance.company_id),
                                   {"instance_id": instance.id, "endpoint": "list_orders"})
    assert [p.data["data"][0]["id"] for p in out] == ["o1", "o2", "o3"]
    calls = vendor.calls("/v2/orders")
    assert [c["args"]["page"] for c in calls] == ["1", "2", "3"] and operations == 3
    assert all(c["args"]["per_page"] == "250" and c["headers"]["Authorization"] == "Bearer hb-key-123"
               for c in calls)


def test_pimberly_products_follow_max_id_in_the_since_id_header(ctx, vendor, make_runtime):
    pages = {"": {"data": [{"primaryId": "A"}], "maxId": "m1"}, "m1": {"data": [{"primaryId": "B"}], "maxId": "m2"},
             "m2": {"data": []}}
    vendor.routes[("GET", "/core/products")] = lambda r: (200, pages[r.headers.get("sinceId", "")])
    instance = _instance("pimberly", {"api_url": vendor.url + "/core", "token": "pim-tok"})
    out, _, _ = run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "list_products"})
    assert [p.data["data"][0]["primaryId"] for p in out] == ["A", "B"]
    calls = vendor.calls("/core/products")
    assert [c["headers"].get("Sinceid", "") for c in calls] == ["", "m1", "m2"]
    assert all(c["headers"]["Authorization"] == "pim-tok" and c["args"]["extendResponse"] == "1" for c in calls)


def test_fluent_orders_use_the_password_grant_and_the_last_edge_cursor(ctx, vendor, make_runtime):
    def token(request):
        form = request.form
        ok = (form.get("grant_type"), form.get("username"), form.get("password"), form.get("scope")) == (
            "password", "ops", "pw-secret", "api")
        return (200, {"access_token": "fl-token", "expires_in": 3600}) if ok else (401, {"error": "bad grant"})

    def graphql(request):
        if request.headers.get("Authorization") != "Bearer fl-token":
            return 401, {"errors": ["unauthorised"]}
        after = request.get_json()["variables"].get("after")
        edges = [{"cursor": "c1", "node": {"ref": "O-1"}}, {"cursor": "c2", "node": {"ref": "O-2"}}] \
            if after is None else [{"cursor": "c3", "node": {"ref": "O-3"}}]
        return 200, {"data": {"orders": {"edges": edges, "pageInfo": {"hasNextPage": after is None}}}}

    vendor.routes[("POST", "/oauth/token")] = token
    vendor.routes[("POST", "/graphql")] = graphql
    instance = _instance("fluent-commerce", {"url": vendor.url, "client_id": "FLUENT", "client_secret": "cs",
                                             "username": "ops", "password": "pw-secret"})
    out, operations, _ = run_shape(make_runtime(instance.company_id),
                                   {"instance_id": instance.id, "endpoint": "list_orders"})
    refs = [e["node"]["ref"] for p in out for e in p.data["data"]["orders"]["edges"]]
    assert refs == ["O-1", "O-2", "O-3"] and operations == 2
    sent = [json.loads(c["body"])["variables"] for c in vendor.calls("/graphql")]
    assert sent == [{"first": 100}, {"first": 100, "after": "c2"}]
