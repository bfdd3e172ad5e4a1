"""An authentication method's body fields against the real test API on 127.0.0.1: merged into a JSON object body
and a form body, put on the OAuth 2 token request and into the SOAP login envelope, and left off a GET."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl

from lxml import etree

from app.connectors import definitions
from tests.connectors.api_server import CLIENT_ID, CLIENT_SECRET
from tests.connectors.conftest import endpoint, make_definition, run_shape

ACCOUNT = "acct-7781"
TOKEN = "key-12345-secret"


def _api_key_method() -> dict:
    return {"key": "key", "name": "Key", "type": "api_key", "settings": {"name": "X-Api-Key"},
            "variables": [{"key": "api_key", "label": "API key", "secret": True},
                          {"key": "account", "label": "Account"}],
            "body": {"account_id": "{{account}}", "api_key": "{{api_key}}"}}


def _run(make_runtime, instance, key="call"):
    return run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": key})


def _requests(api, path: str) -> list[dict]:
    return [r for r in api.state["requests"] if r["path"] == path]


def test_body_fields_are_merged_into_a_json_post(setup, make_runtime, api):
    ep = endpoint("call", "/echo", method="POST", body={"name": "Ada", "account_id": "from the endpoint"})
    instance = setup(auth=_api_key_method(), endpoints=[ep], values={"api_key": TOKEN, "account": ACCOUNT})
    out, _, log = _run(make_runtime, instance)
    sent = json.loads(out[0].data["body"])
    assert sent == {"name": "Ada", "account_id": ACCOUNT, "api_key": TOKEN}  # the method's field wins, like headers
    assert out[0].data["headers"]["content-type"] == "application/json"
    assert TOKEN not in " ".join(log.messages())  # a secret in the body is masked in the run log


def test_body_fields_are_merged_into_a_form_post(setup, make_runtime, api):
    ep = endpoint("call", "/echo", method="POST", data_type="form", body={"q": "shoes"})
    instance = setup(auth=_api_key_method(), endpoints=[ep], values={"api_key": TOKEN, "account": ACCOUNT})
    out, _, _ = _run(make_runtime, instance)
    assert dict(parse_qsl(out[0].data["body"])) == {"q": "shoes", "account_id": ACCOUNT, "api_key": TOKEN}


def test_a_get_is_left_alone(setup, make_runtime, api):
    instance = setup(auth=_api_key_method(), endpoints=[endpoint("call", "/echo")],
                     values={"api_key": TOKEN, "account": ACCOUNT})
    out, _, _ = _run(make_runtime, instance)
    assert out[0].data["body"] == "" and out[0].data["args"] == {}
    assert out[0].data["headers"]["x-api-key"] == TOKEN  # the method itself still applied


def test_body_fields_go_on_the_oauth2_token_request(setup, make_runtime, api):
    auth = {"key": "cc", "name": "Client credentials", "type": "oauth2_client_credentials",
            "settings": {"token_url": f"{api.url}/oauth/token", "scope": "read"},
            "variables": [{"key": "client_id", "label": "Client ID"},
                          {"key": "client_secret", "label": "Client secret", "secret": True},
                          {"key": "tenant", "label": "Tenant"}],
            # grant_type cannot be replaced by a body field: the grant's own parameters come first
            "body": {"tenant_id": "{{tenant}}", "grant_type": "password"}}
    instance = setup(auth=auth, endpoints=[endpoint("call", "/auth/bearer")],
                     values={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "tenant": "t-42"})
    out, _, _ = _run(make_runtime, instance)
    assert out[0].data["ok"] is True
    (token_request,) = _requests(api, "/oauth/token")
    sent = dict(parse_qsl(token_request["body"]))
    assert sent["tenant_id"] == "t-42" and sent["grant_type"] == "client_credentials"
    assert "tenant_id" not in _requests(api, "/auth/bearer")[0]["body"]  # the GET endpoint request has no body


def test_body_fields_go_into_the_soap_login_envelope(setup, make_runtime, api):
    auth = {"key": "soap", "name": "SOAP login", "type": "soap", "settings": {
        "mode": "login", "login_path": "/soap/login", "token_xpath": "//ns:Detail", "namespaces": {"ns": "urn:pvx"},
        "login_body": "<Envelope><Body><Username>{{username}}</Username><Password>{{password}}</Password>"
                      "</Body></Envelope>"},
        "variables": [{"key": "username", "label": "User"}, {"key": "password", "label": "Password", "secret": True},
                      {"key": "client", "label": "Client"}],
        "body": {"ClientId": "{{client}}"}}
    ep = endpoint("call", "/soap/call", method="POST", data_type="xml",
                  body="<Envelope><Body><SessionId>{{session_token}}</SessionId></Body></Envelope>")
    instance = setup(auth=auth, endpoints=[ep], values={"username": "ada", "password": "p4ssw0rd-secret",
                                                        "client": "c-9"})
    out, _, _ = _run(make_runtime, instance)
    assert "<Items>3</Items>" in out[0].data
    (login,) = _requests(api, "/soap/login")
    assert etree.fromstring(login["body"].encode()).xpath("string(/Envelope/Body/ClientId)") == "c-9"
    assert "ClientId" not in _requests(api, "/soap/call")[0]["body"]  # an XML envelope is not a JSON or form body


def test_a_body_that_is_not_an_object_is_refused(api):
    method = {**_api_key_method(), "body": ["account_id"]}
    problems = definitions.validate_definition(make_definition(api.url, auth=method))
    assert any("body: must be an object" in p for p in problems)
    method = {**_api_key_method(), "body": {"account_id": "{{acount}}"}}
    problems = definitions.validate_definition(make_definition(api.url, auth=method))
    assert any("Authentication method 'Key' body" in p and "acount" in p for p in problems)


def test_the_builder_saves_body_fields_and_requests_carry_them(app, client, login, api, make_runtime):
    from app.connectors import services
    from app.connectors.models import InstalledConnector
    from app.extensions import db
    from tests.connectors_pages import helpers

    me = login("manager")
    with app.app_context():
        ep = endpoint("call", "/echo", method="POST", body={"name": "Ada"})
        cid = services.create_connector(helpers.company(me["company_id"]),
                                        make_definition(api.url, endpoints=[ep])).id
    form = {"name": "Key", "type": "api_key", "settings-placement": "header", "settings-name": "X-Api-Key",
            "settings-prefix": "", "settings-value": "{{api_key}}", "variables-0-key": "api_key",
            "variables-0-label": "API key", "variables-0-secret": "y", "variables-1-key": "account",
            "variables-1-label": "Account"}
    added = client.post(f"/connectors/{cid}/builder/auth/new", data={**form, "_add": "body"},
                        headers={"HX-Request": "true"})
    assert added.status_code == 200 and 'name="body-0-name"' in added.get_data(as_text=True)
    nameless = client.post(f"/connectors/{cid}/builder/auth/new", data={**form, "body-0-value": "{{account}}"})
    assert nameless.status_code == 422 and "Give this value a name." in nameless.get_data(as_text=True)
    typo = client.post(f"/connectors/{cid}/builder/auth/new",
                       data={**form, "body-0-name": "account_id", "body-0-value": "{{acount}}"})
    assert typo.status_code == 422 and "{{acount}}" in typo.get_data(as_text=True)
    saved = client.post(f"/connectors/{cid}/builder/auth/new",
                        data={**form, "body-0-name": "account_id", "body-0-value": "{{account}}"})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    page = client.get(f"/connectors/{cid}/builder/auth/key").get_data(as_text=True)
    assert 'value="account_id"' in page and 'value="{{account}}"' in page

    with app.app_context():
        connector = db.session.get(InstalledConnector, cid)
        assert connector.definition["auth_methods"][-1]["body"] == {"account_id": "{{account}}"}
        instance = services.add_instance(connector, "Live", "key", {"api_key": TOKEN, "account": ACCOUNT})
        out, _, _ = _run(make_runtime, instance)
    assert json.loads(out[0].data["body"]) == {"name": "Ada", "account_id": ACCOUNT}
