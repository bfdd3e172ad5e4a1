"""Token request options of the OAuth 2 types against a real server on 127.0.0.1: a JSON token body (client
credentials and the refresh grant), the method's headers on the token request, and a "token from a login request"
(Plytix: POST api_key + api_password as JSON, the token at data[0].access_token, cached, a re-login on a 401)."""
from __future__ import annotations

import json
import secrets
import threading
import time

import httpx
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.connectors import catalog, services
from app.connectors.auth import MemoryTokenStore, OutgoingRequest
from app.connectors.auth.base import AuthContext
from app.connectors.auth.oauth2_code import OAuth2AuthorizationCode
from app.extensions import db, get_redis
from app.flows.context import ShapeError
from tests import factories
from tests.connectors.conftest import endpoint, make_definition, run_shape

API_KEY, API_PASSWORD = "plx-key-4711", "plx-pass-s3cret"
CLIENT_ID, CLIENT_SECRET = "spark-client", "spark-s3cret-value"
HX = {"HX-Request": "true"}


class LoginApi:
    """Token endpoints that only accept JSON, a Plytix-style login and a resource wanting the issued bearer."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tokens: set[str] = set()
        self.requests: list[dict] = []
        self.reject_all = False
        self.login_answer: dict = {}  # extra fields in the login answer (an expiry ...)
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wsgi(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.requests.append({"method": request.method, "path": request.path, "headers": dict(request.headers),
                                  "body": request.get_data(as_text=True)})
        handler = {"/oauth/json-token": self.json_token, "/auth/api/get-token": self.login,
                   "/api/v1/products/search": self.resource, "/api/v1/me": self.resource}.get(request.path)
        status, body = handler(request) if handler else (404, {"error": "not found"})
        return Response(json.dumps(body), status=status, content_type="application/json")(environ, start_response)

    def _issue(self) -> str:
        token = f"tok-{secrets.token_hex(8)}"
        with self.lock:
            self.tokens.add(token)
        return token

    def json_token(self, r):
        if r.mimetype != "application/json":
            return 415, {"error": "invalid_request", "error_description": "send JSON"}
        body = r.get_json()
        if r.headers.get("Site-Id") != "site-42":
            return 400, {"error": "invalid_request", "error_description": "Site-Id header missing"}
        if (body.get("client_id"), body.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client"}
        if body.get("grant_type") not in ("client_credentials", "refresh_token"):
            return 400, {"error": "unsupported_grant_type"}
        return 200, {"access_token": self._issue(), "expires_in": 3600, "refresh_token": "rt-new"}

    def login(self, r):
        body = r.get_json(silent=True) or {}
        if set(body) != {"api_key", "api_password"}:
            return 400, {"msg": f"expected api_key and api_password, got {sorted(body)}"}
        if (body["api_key"], body["api_password"]) != (API_KEY, API_PASSWORD):
            # Echoes the key back, so the test can see that the error message masks it.
            return 401, {"msg": f"Invalid credentials for {body['api_key']}"}
        return 200, {"data": [{"access_token": self._issue(), "refresh_token": "plx-refresh"}], **self.login_answer}

    def resource(self, r):
        header = r.headers.get("Authorization", "")
        with self.lock:
            ok = header.startswith("Bearer ") and header[7:] in self.tokens and not self.reject_all
        return (200, {"data": [{"sku": "A-1"}, {"sku": "B-2"}]}) if ok else (401, {"msg": "Unauthorized"})

    def calls(self, path: str) -> list[dict]:
        return [c for c in self.requests if c["path"] == path]

    def revoke(self):
        with self.lock:
            self.tokens.clear()


@pytest.fixture
def server():
    api = LoginApi()
    yield api
    api.server.shutdown()


def _login_method(url: str, **settings) -> dict:
    """The catalog's Plytix method, pointed at the local server."""
    method = json.loads(json.dumps(catalog.get("plytix")["auth_methods"][0]))
    method["settings"]["token_url"] = f"{url}/auth/api/get-token"
    method["settings"].update(settings)
    return method


def _instance(url: str, auth: dict, values: dict, company=None, **extra):
    definition = make_definition(url, auth=auth, endpoints=[endpoint("search", "/api/v1/products/search",
                                                                     method="POST")], **extra)
    connector = services.create_connector(company or factories.company(), definition)
    return services.add_instance(connector, "Main", auth["key"], values)


def _run(make_runtime, instance):
    return run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "search"})


# -- token request body and headers -----------------------------------------------------------------------------
def _json_client_credentials(url: str) -> dict:
    return {"key": "cc", "name": "Client credentials", "type": "oauth2_client_credentials",
            "settings": {"token_url": f"{url}/oauth/json-token", "token_request_body": "json"},
            "headers": {"Site-Id": "{{site_id}}"},
            "variables": [{"key": "client_id", "label": "Client ID"},
                          {"key": "client_secret", "label": "Client secret", "secret": True},
                          {"key": "site_id", "label": "Site ID"}]}


def test_a_json_token_request_carries_the_methods_headers(ctx, server, make_runtime):
    instance = _instance(server.url, _json_client_credentials(server.url),
                         {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "site_id": "site-42"})
    out, _, log = _run(make_runtime, instance)
    assert out[0].data["data"][0]["sku"] == "A-1"
    token_call = server.calls("/oauth/json-token")[0]
    assert token_call["headers"]["Content-Type"] == "application/json"
    assert json.loads(token_call["body"]) == {"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                              "client_secret": CLIENT_SECRET}
    assert token_call["headers"]["Site-Id"] == "site-42"
    # The method's headers still go on the endpoint request too.
    assert server.calls("/api/v1/products/search")[0]["headers"]["Site-Id"] == "site-42"
    assert CLIENT_SECRET not in " ".join(log.messages())


def test_the_default_form_body_is_refused_by_a_json_only_token_endpoint(ctx, server, make_runtime):
    auth = _json_client_credentials(server.url)
    del auth["settings"]["token_request_body"]
    instance = _instance(server.url, auth, {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                            "site_id": "site-42"})
    with pytest.raises(ShapeError, match="send JSON"):
        _run(make_runtime, instance)
    assert server.calls("/oauth/json-token")[0]["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_the_refresh_grant_is_sent_as_json_with_the_headers_too(server):
    method = {"key": "code", "name": "OAuth", "type": "oauth2_authorization_code", "headers": {"Site-Id": "{{site}}"},
              "settings": {"authorize_url": f"{server.url}/authorize", "token_url": f"{server.url}/oauth/json-token",
                           "token_request_body": "json"}}
    store = MemoryTokenStore({"access_token": "old", "refresh_token": "rt-old", "expires_at": time.time() - 5})
    with httpx.Client() as client:
        actx = AuthContext(method=method, values={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                                  "site": "site-42"}, client=client, tokens=store)
        request = OutgoingRequest("GET", f"{server.url}/api/v1/me")
        OAuth2AuthorizationCode().apply(actx, request)
    sent = server.calls("/oauth/json-token")[0]
    assert json.loads(sent["body"])["grant_type"] == "refresh_token"
    assert json.loads(sent["body"])["refresh_token"] == "rt-old"
    assert sent["headers"]["Site-Id"] == "site-42" and sent["headers"]["Content-Type"] == "application/json"
    assert request.header("Authorization") == f"Bearer {store.load()['access_token']}"
    assert store.load()["refresh_token"] == "rt-new"


# -- a token from a login request ----------------------------------------------------------------------------------
def test_the_login_token_is_cached_in_redis_across_requests(ctx, server, make_runtime):
    instance = _instance(server.url, _login_method(server.url), {"api_key": API_KEY, "api_password": API_PASSWORD})
    for _ in range(3):
        out, operations, log = _run(make_runtime, instance)
        assert [r["sku"] for r in out[0].data["data"]] == ["A-1", "B-2"] and operations == 1
    logins = server.calls("/auth/api/get-token")
    assert len(logins) == 1
    assert json.loads(logins[0]["body"]) == {"api_key": API_KEY, "api_password": API_PASSWORD}
    assert logins[0]["headers"]["Content-Type"] == "application/json"
    key = f"weft:connectors:token:{instance.id}:client_credentials"
    assert 800 <= get_redis().ttl(key) <= 840  # Plytix's 15 minutes, less the refresh margin
    cached = get_redis().get(key)
    assert cached and b"tok-" not in cached
    token = server.calls("/api/v1/products/search")[0]["headers"]["Authorization"][7:]
    assert token not in " ".join(log.messages()) and API_PASSWORD not in " ".join(log.messages())


def test_a_401_logs_in_again_once(ctx, server, make_runtime):
    instance = _instance(server.url, _login_method(server.url), {"api_key": API_KEY, "api_password": API_PASSWORD})
    _run(make_runtime, instance)
    server.revoke()
    out, operations, log = _run(make_runtime, instance)
    assert out[0].data["data"][0]["sku"] == "A-1"
    assert len(server.calls("/auth/api/get-token")) == 2 and operations == 2
    assert any("authenticated again" in m for m in log.messages())

    server.reject_all = True  # the fresh token is refused too: one more login, then the 401 is the answer
    with pytest.raises(ShapeError, match="HTTP 401"):
        _run(make_runtime, instance)
    assert len(server.calls("/auth/api/get-token")) == 3


def test_the_expiry_comes_from_the_response_path_or_the_lifetime(ctx, server, make_runtime):
    server.login_answer = {"meta": {"expires_in": 30}}  # inside the refresh margin: a login on every use
    auth = _login_method(server.url, expires_in_key="meta.expires_in", access_token_key="data[0].access_token")
    instance = _instance(server.url, auth, {"api_key": API_KEY, "api_password": API_PASSWORD})
    _run(make_runtime, instance)
    _run(make_runtime, instance)
    assert len(server.calls("/auth/api/get-token")) == 2

    server.login_answer = {"meta": {"expires_at": "2099-01-01T00:00:00Z"}}
    auth = _login_method(server.url, expires_in_key="meta.expires_at")
    instance = _instance(server.url, auth, {"api_key": API_KEY, "api_password": API_PASSWORD})
    _run(make_runtime, instance)
    ttl = get_redis().ttl(f"weft:connectors:token:{instance.id}:client_credentials")
    assert ttl > 365 * 86400  # an absolute expiry date, far beyond the configured 15 minutes


def test_the_plytix_catalog_connector_logs_in_and_searches(ctx, server, make_runtime):
    definition = catalog.get("plytix")
    text = json.dumps(definition).replace("https://auth.plytix.com", server.url).replace(
        "https://pim.plytix.com", server.url)
    connector = services.create_connector(factories.company(), json.loads(text))
    instance = services.add_instance(connector, "PIM", "api-key", {"api_key": API_KEY, "api_password": API_PASSWORD})
    out, _, _ = run_shape(make_runtime(instance.company_id),
                          {"instance_id": instance.id, "endpoint": "search_products"})
    assert out[0].data["data"][1]["sku"] == "B-2"
    assert server.calls("/api/v1/products/search")[0]["headers"]["Authorization"].startswith("Bearer tok-")


# -- Test connection and the pages --------------------------------------------------------------------------------
def _page_instances(app, login, server):
    ids = login("manager")
    with app.app_context():
        from app.companies.models import Company

        company = db.session.get(Company, ids["company_id"])
        good = _instance(server.url, _login_method(server.url), {"api_key": API_KEY, "api_password": API_PASSWORD},
                         company=company, test={"path": "/api/v1/me"})
        wrong = services.add_instance(good.connector, "Wrong password", "api-key",
                                      {"api_key": API_KEY, "api_password": "not-the-password"})
        return good.id, wrong.id


def test_test_connection_says_clearly_that_the_login_was_refused(app, client, login, server):
    good_id, wrong_id = _page_instances(app, login, server)
    ok = client.post(f"/connectors/instances/{good_id}/test", headers=HX).get_data(as_text=True)
    assert "Connection works." in ok
    token = server.calls("/api/v1/me")[0]["headers"]["Authorization"][7:]
    assert token not in ok and API_PASSWORD not in ok and API_KEY not in ok

    failed = client.post(f"/connectors/instances/{wrong_id}/test", headers=HX).get_data(as_text=True)
    assert "The connection failed." in failed
    assert f"The token request to {server.url}/auth/api/get-token was refused" in failed
    assert "HTTP 401" in failed.upper() and "Check the credentials on the instance." in failed
    assert "not-the-password" not in failed and API_KEY not in failed  # the echoed key is masked
    assert not server.calls("/api/v1/me")[1:]  # no endpoint request without a token


def test_the_login_secrets_are_never_rendered_back(app, client, login, server):
    good_id, _ = _page_instances(app, login, server)
    client.post(f"/connectors/instances/{good_id}/test", headers=HX)
    edit = client.get(f"/connectors/instances/{good_id}/edit").get_data(as_text=True)
    assert API_PASSWORD not in edit and API_KEY not in edit and "•••• stored" in edit
    with app.app_context():
        from app.connectors.models import Instance

        connector_id = db.session.get(Instance, good_id).connector_id
    detail = client.get(f"/connectors/{connector_id}").get_data(as_text=True)
    assert API_PASSWORD not in detail and API_KEY not in detail


def test_the_builder_offers_the_token_request_body_and_saves_json(app, client, login, server):
    ids = login("manager")
    with app.app_context():
        from app.companies.models import Company
        from app.connectors import builder

        connector = builder.start_connector(db.session.get(Company, ids["company_id"]),
                                            {"name": "Spark", "base_url": server.url})
        cid = connector.id
    form = client.post(f"/connectors/{cid}/builder/auth/new",
                       data={"name": "Login", "type": "oauth2_client_credentials", "_refresh": "1"})
    page = form.get_data(as_text=True)
    assert 'name="settings-token_request_body"' in page and '<option selected value="form">' in page
    saved = client.post(f"/connectors/{cid}/builder/auth/new", data={
        "name": "Login", "type": "oauth2_client_credentials", "settings-token_url": f"{server.url}/auth/api/get-token",
        "settings-token_request_body": "json", "settings-grant_type": "", "settings-client_id": "",
        "settings-client_secret": "", "settings-client_auth": "body",
        "settings-extra_params": "api_key = {{api_key}}\napi_password = {{api_password}}",
        "settings-access_token_key": "data.0.access_token", "settings-token_lifetime": "900",
        "settings-placement": "header", "settings-token_header": "Authorization", "settings-token_prefix": "Bearer",
        "variables-0-key": "api_key", "variables-0-label": "API key", "variables-0-secret": "y",
        "variables-1-key": "api_password", "variables-1-label": "API password", "variables-1-secret": "y",
        "headers-0-name": "Site-Id", "headers-0-value": "site-42"})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    with app.app_context():
        from app.connectors.models import InstalledConnector

        method = db.session.get(InstalledConnector, cid).definition["auth_methods"][0]
    s = method["settings"]
    assert (s["token_request_body"], s["grant_type"], s["token_lifetime"], s["access_token_key"]) == (
        "json", "", 900, "data.0.access_token")
    assert s["extra_params"] == {"api_key": "{{api_key}}", "api_password": "{{api_password}}"}
    assert method["headers"] == {"Site-Id": "site-42"}
    edit = client.get(f"/connectors/{cid}/builder/auth/{method['key']}").get_data(as_text=True)
    assert '<option selected value="json">' in edit


def test_bad_token_settings_are_refused_by_validation():
    from app.connectors.auth import AUTH_TYPES

    method = {"settings": {"token_url": "https://x.test/token", "token_request_body": "xml", "token_lifetime": "soon"}}
    problems = AUTH_TYPES["oauth2_client_credentials"].validate(method)
    assert "token_request_body must be 'form' or 'json'." in problems
    assert "token_lifetime must be a number of seconds above 0." in problems
