"""Every authentication type against the real test API and its OAuth 2 authorisation server."""
from __future__ import annotations

import time

import pytest

from app.connectors.auth import MemoryTokenStore, oauth1
from app.connectors.auth.base import AuthContext
from app.connectors.auth.oauth2_code import OAuth2AuthorizationCode
from app.flows.context import ShapeError
from tests.connectors.api_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    OAUTH1_TOKEN,
    OAUTH1_TOKEN_SECRET,
)
from tests.connectors.conftest import endpoint, run_shape

SECRET = "p4ssw0rd-secret"


def _get(path, **extra):
    return [endpoint("get", path, **extra)]


def _run(make_runtime, instance, **config):
    return run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "get", **config})


def test_basic_auth(setup, make_runtime):
    auth = {"key": "basic", "name": "Basic", "type": "basic", "variables": [
        {"key": "username", "label": "Username", "required": True},
        {"key": "password", "label": "Password", "required": True, "secret": True}]}
    instance = setup(auth=auth, endpoints=_get("/auth/basic"), values={"username": "ada", "password": SECRET})
    out, _, log = _run(make_runtime, instance)
    assert out[0].data == {"ok": True, "user": "ada"}


def test_basic_auth_maps_other_variable_names(setup, make_runtime):
    auth = {"key": "basic", "name": "WooCommerce keys", "type": "basic",
            "settings": {"username": "{{consumer_key}}", "password": "{{consumer_secret}}"},
            "variables": [{"key": "consumer_key", "label": "Consumer key"},
                          {"key": "consumer_secret", "label": "Consumer secret", "secret": True}]}
    instance = setup(auth=auth, endpoints=_get("/auth/basic"), values={"consumer_key": "ada",
                                                                        "consumer_secret": SECRET})
    assert _run(make_runtime, instance)[0][0].data["ok"] is True


def test_token_in_a_custom_header_and_api_key_in_the_query(setup, make_runtime):
    header = {"key": "key", "name": "Key", "type": "api_key", "settings": {"name": "X-Api-Key"},
              "variables": [{"key": "api_key", "label": "API key", "secret": True}]}
    instance = setup(auth=header, endpoints=_get("/auth/header"), values={"api_key": "key-12345-secret"})
    assert _run(make_runtime, instance)[0][0].data == {"ok": True}
    query = {"key": "key", "name": "Key", "type": "token",
             "settings": {"placement": "query", "name": "api_key", "prefix": ""},
             "variables": [{"key": "token", "label": "Token", "secret": True}]}
    instance = setup(auth=query, endpoints=_get("/auth/query"), values={"token": "key-12345-secret"})
    out, _, log = _run(make_runtime, instance)
    assert out[0].data == {"ok": True}
    assert "key-12345-secret" not in " ".join(log.messages())
    assert "api_key=••••" in " ".join(log.messages())


def test_a_wrong_key_fails_with_the_status_and_a_body_excerpt(setup, make_runtime):
    header = {"key": "key", "name": "Key", "type": "api_key", "settings": {"name": "X-Api-Key"},
              "variables": [{"key": "api_key", "label": "API key", "secret": True}]}
    instance = setup(auth=header, endpoints=_get("/auth/header"), values={"api_key": "wrong-key-value"})
    with pytest.raises(ShapeError, match=r"failed with HTTP 401 UNAUTHORIZED: \{\"error\": \"bad key\"\}"):
        _run(make_runtime, instance)


def _client_credentials(api, **settings):
    return {"key": "cc", "name": "Client credentials", "type": "oauth2_client_credentials",
            "settings": {"token_url": f"{api.url}/oauth/token", "scope": "read", **settings},
            "variables": [{"key": "client_id", "label": "Client ID"},
                          {"key": "client_secret", "label": "Client secret", "secret": True}]}


def test_client_credentials_token_is_fetched_once_and_cached_in_redis(setup, make_runtime, api, ctx):
    instance = setup(auth=_client_credentials(api), endpoints=_get("/auth/bearer"),
                     values={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    for _ in range(3):
        out, _, _ = _run(make_runtime, instance)
        assert out[0].data["ok"] is True
    assert api.state["issued"] == 1
    from app.extensions import get_redis

    cached = get_redis().get(f"weft:connectors:token:{instance.id}:client_credentials")
    assert cached and b"at-" not in cached  # encrypted at rest in Redis too


def test_client_credentials_refetches_an_expiring_token(setup, make_runtime, api):
    auth = _client_credentials(api, client_auth="basic")
    auth["settings"]["token_url"] += "?lifetime=30"  # inside the refresh margin: fetched again on every use
    instance = setup(auth=auth, endpoints=_get("/auth/bearer"),
                     values={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    _run(make_runtime, instance)
    _run(make_runtime, instance)
    assert api.state["issued"] == 2


def test_client_credentials_refetches_once_when_the_token_is_revoked(setup, make_runtime, api):
    instance = setup(auth=_client_credentials(api), endpoints=_get("/auth/bearer"),
                     values={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    _run(make_runtime, instance)
    api.revoke_all()
    out, operations, log = _run(make_runtime, instance)
    assert out[0].data["ok"] is True and api.state["issued"] == 2
    assert operations == 2 and any("authenticated again" in m for m in log.messages())


def test_client_credentials_without_redis_caches_on_the_instance_row(setup, api, ctx):
    from app.connectors.runtime import ConnectorRuntime
    from app.extensions import db

    instance = setup(auth=_client_credentials(api), endpoints=_get("/auth/bearer"),
                     values={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    for _ in range(2):
        with ConnectorRuntime(instance.company_id, None, db.session, ctx.config["SECRET_KEY"]) as runtime:
            assert run_shape(runtime, {"instance_id": instance.id, "endpoint": "get"})[0][0].data["ok"]
    assert api.state["issued"] == 1
    db.session.refresh(instance)
    assert instance.oauth_token_enc and "at-" not in instance.oauth_token_enc


def test_a_refused_token_request_is_a_clear_error_without_the_secret(setup, make_runtime, api):
    instance = setup(auth=_client_credentials(api), endpoints=_get("/auth/bearer"),
                     values={"client_id": CLIENT_ID, "client_secret": "wrong-secret-value"})
    with pytest.raises(ShapeError) as exc:
        _run(make_runtime, instance)
    assert "refused (invalid_client: unknown client)" in str(exc.value)
    assert "wrong-secret-value" not in str(exc.value)


def test_password_grant_through_client_credentials_settings(setup, make_runtime, api):
    auth = _client_credentials(api, grant_type="password",
                               extra_params={"username": "{{username}}", "password": "{{password}}"})
    auth["variables"] += [{"key": "username", "label": "Username"},
                          {"key": "password", "label": "Password", "secret": True}]
    instance = setup(auth=auth, endpoints=_get("/auth/bearer"), values={
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": "ada", "password": SECRET})
    assert _run(make_runtime, instance)[0][0].data["ok"] is True


def _auth_code(api, **settings):
    return {"key": "code", "name": "OAuth", "type": "oauth2_authorization_code",
            "settings": {"authorize_url": f"{api.url}/oauth/authorize", "token_url": f"{api.url}/oauth/token",
                         "scope": "orders", **settings},
            "variables": [{"key": "client_id", "label": "Client ID"},
                          {"key": "client_secret", "label": "Client secret", "secret": True}]}


def _authorise(api, runtime, instance, redirect="http://weft.test/cb", verifier=None):
    """Walk the authorisation-code dance against the test authorisation server without a browser."""
    import httpx

    resolved = runtime.get_instance(instance.id)
    grant = OAuth2AuthorizationCode()
    actx = AuthContext(method=resolved.auth_method, values=resolved.values, client=runtime.client,
                       tokens=resolved.tokens)
    url = grant.authorization_url(actx, redirect, "state-1", verifier)
    location = httpx.get(url).headers["location"]
    code = httpx.URL(location).params["code"]
    return grant.exchange_code(actx, code, redirect, verifier)


def test_authorisation_code_not_yet_authorised_says_so(setup, make_runtime, api):
    instance = setup(auth=_auth_code(api), endpoints=_get("/auth/bearer"),
                     values={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    with pytest.raises(ShapeError, match="not authorised yet"):
        _run(make_runtime, instance)


def test_authorisation_code_with_pkce_stores_tokens_encrypted_and_uses_them(setup, make_runtime, api, ctx):
    instance = setup(auth=_auth_code(api, pkce=True), endpoints=_get("/auth/bearer"),
                     values={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    runtime = make_runtime(instance.company_id)
    token = _authorise(api, runtime, instance, verifier=OAuth2AuthorizationCode.new_verifier())
    from app.extensions import db

    db.session.refresh(instance)
    assert instance.oauth_token_enc and token["access_token"] not in instance.oauth_token_enc
    assert instance.authorised_at is not None and instance.token_expires_at is not None
    assert _run(make_runtime, instance)[0][0].data["ok"] is True


def test_an_expiring_access_token_is_refreshed_before_the_request(setup, make_runtime, api, ctx):
    auth = _auth_code(api)
    auth["settings"]["token_url"] += "?lifetime=30"  # inside the 60 s margin: refreshed on every use
    instance = setup(auth=auth, endpoints=_get("/auth/bearer"),
                     values={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    runtime = make_runtime(instance.company_id)
    first = _authorise(api, runtime, instance)
    out, operations, _ = _run(make_runtime, instance)
    assert out[0].data["ok"] and operations == 1
    stored = runtime.get_instance(instance.id).tokens.load()
    assert stored["access_token"] != first["access_token"]
    assert stored["refresh_token"] != first["refresh_token"]  # the rotated refresh token was kept


def test_a_401_refreshes_once_and_retries(setup, make_runtime, api):
    instance = setup(auth=_auth_code(api), endpoints=_get("/auth/bearer"),
                     values={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    _authorise(api, make_runtime(instance.company_id), instance)
    api.revoke_all()
    out, operations, log = _run(make_runtime, instance)
    assert out[0].data["ok"] and operations == 2


def test_oauth1_signed_requests_pass_an_independent_signature_check(setup, make_runtime, api):
    auth = {"key": "tba", "name": "Token-based auth", "type": "oauth1",
            "settings": {"signature_method": "HMAC-SHA256"},
            "variables": [{"key": "consumer_key", "label": "Consumer key"},
                          {"key": "consumer_secret", "label": "Consumer secret", "secret": True},
                          {"key": "token", "label": "Token", "secret": True},
                          {"key": "token_secret", "label": "Token secret", "secret": True},
                          {"key": "realm", "label": "Realm"}]}
    values = {"consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET, "token": OAUTH1_TOKEN,
              "token_secret": OAUTH1_TOKEN_SECRET, "realm": "1234567_SB1"}
    eps = [endpoint("get", "/oauth1/resource", query={"q": "a b&c=d", "limit": "5"}),
           endpoint("post", "/oauth1/resource", method="POST", data_type="form", direction="send",
                    body={"name": "Ada Lovelace", "tag": "x/y"})]
    instance = setup(auth=auth, endpoints=eps, values=values)
    out, _, _ = _run(make_runtime, instance)
    assert out[0].data == {"ok": True, "realm": "1234567_SB1", "method": "HMAC-SHA256"}
    from app.flows.context import Payload

    out, _, _ = run_shape(make_runtime(instance.company_id),
                          {"instance_id": instance.id, "endpoint": "post", "save_response_as_payload": True},
                          [Payload({"x": 1})])
    assert out[0].data["ok"] is True


def test_oauth1_signature_matches_rfc_5849_example():
    base = oauth1.signature_base_string("GET", "http://photos.example.net/photos", [
        ("file", "vacation.jpg"), ("size", "original"), ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
        ("oauth_token", "nnch734d00sl2jdk"), ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131202"), ("oauth_nonce", "chapoH")])
    assert oauth1.sign(base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00") == "MdpQcU8iPSUjWoN/UDMsK2sui9I="
    assert oauth1.base_string_uri("HTTP://Example.COM:80/r%20v/X?id=123") == "http://example.com/r%20v/X"
    assert oauth1.base_string_uri("https://www.example.net:8080/?q=1") == "https://www.example.net:8080/"


def test_soap_ws_security_puts_the_credentials_in_the_envelope(setup, make_runtime):
    auth = {"key": "soap", "name": "SOAP", "type": "soap", "settings": {"mode": "ws_security"},
            "variables": [{"key": "username", "label": "User"},
                          {"key": "password", "label": "Password", "secret": True}]}
    envelope = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
                '<GetItems/></soap:Body></soap:Envelope>')
    ep = endpoint("get", "/soap/wss", method="POST", data_type="xml", body=envelope)
    instance = setup(auth=auth, endpoints=[ep], values={"username": "ada", "password": SECRET})
    out, _, log = _run(make_runtime, instance)
    assert out[0].format == "xml" and "<Ok>yes</Ok>" in out[0].data


def test_soap_login_reads_the_token_by_xpath_and_logs_in_again_on_invalid_session(setup, make_runtime, api):
    auth = {"key": "soap", "name": "Peoplevox style", "type": "soap", "settings": {
        "mode": "login", "login_path": "/soap/login", "token_xpath": "//ns:Detail", "namespaces": {"ns": "urn:pvx"},
        "login_body": "<Envelope><Body><Username>{{username}}</Username><Password>{{password}}</Password>"
                      "</Body></Envelope>"},
        "variables": [{"key": "username", "label": "User"},
                      {"key": "password", "label": "Password", "secret": True}]}
    ep = endpoint("get", "/soap/call", method="POST", data_type="xml",
                  body="<Envelope><Body><SessionId>{{session_token}}</SessionId></Body></Envelope>")
    instance = setup(auth=auth, endpoints=[ep], values={"username": "ada", "password": SECRET})
    out, _, log = _run(make_runtime, instance)
    assert "<Items>3</Items>" in out[0].data and api.state["issued"] == 1
    _run(make_runtime, instance)
    assert api.state["issued"] == 1  # the session token is cached
    api.revoke_all()
    out, operations, _ = _run(make_runtime, instance)
    assert "<Items>3</Items>" in out[0].data and api.state["issued"] == 2 and operations == 2


def test_database_credentials_cannot_sign_http_requests(setup, make_runtime):
    auth = {"key": "db", "name": "DB", "type": "db_user_pass",
            "variables": [{"key": "username", "label": "User"}, {"key": "password", "label": "Pw", "secret": True}]}
    instance = setup(auth=auth, endpoints=_get("/echo"), values={"username": "u", "password": "pw-secret"})
    with pytest.raises(ShapeError, match="cannot authenticate an HTTP request"):
        _run(make_runtime, instance)


def test_auth_scripts_need_the_script_service(setup, make_runtime):
    # Running them is tested in tests/connectors/test_auth_scripts.py; a runtime without scripts says so.
    auth = {"key": "t", "name": "Emarsys token", "type": "token", "pre_request_script": "Emarsys Pre-Request",
            "variables": [{"key": "token", "label": "Token", "secret": True}]}
    instance = setup(auth=auth, endpoints=_get("/echo"), values={"token": "abcd-efgh"})
    with pytest.raises(ShapeError, match="pre-request script 'Emarsys Pre-Request', but scripts cannot run here"):
        _run(make_runtime, instance)


def test_memory_token_store_expires_cached_values():
    store = MemoryTokenStore()
    store.cache("x", {"a": 1}, ttl=0.05)
    assert store.cached("x") == {"a": 1}
    time.sleep(0.06)
    assert store.cached("x") is None
