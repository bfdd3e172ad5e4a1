"""Authentication methods' pre-request and post-request scripts in the real script sandbox, against the real test
API: a script builds credentials the server checks, signs a token request, reshapes a login response the token
is read from, changes every endpoint response; failures are clear sentences; Test connection, Try it and the
OAuth callback run them too. Plus the connector shape's own response script."""
from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest

from app.companies.models import Company
from app.connectors import services as connector_services
from app.connectors.http import RequestOptions
from app.connectors.models import Instance
from app.extensions import db
from app.flows.context import ShapeError
from app.scripts import services as script_services
from app.scripts.finder import runner_for
from tests import factories
from tests.connectors.api_server import CLIENT_ID, CLIENT_SECRET
from tests.connectors.conftest import endpoint, make_definition, run_shape

SECRET = "p4ssw0rd-secret"
HX = {"HX-Request": "true"}


def _script(company, name, code, language="python"):
    script = script_services.create_script(company, name, language, code=code)
    script_services.deploy(script)
    return script


@pytest.fixture
def company(ctx):
    return factories.company()


@pytest.fixture
def scripted(make_runtime):
    """A runtime with the company's script service, as a flow run has; runners are closed afterwards."""
    runners = []

    def make(company_id):
        runtime = make_runtime(company_id)
        runtime.scripts = runner_for(company_id)
        runners.append(runtime.scripts)
        return runtime

    yield make
    for runner in runners:
        runner.close()


WSSE = ("import base64, hashlib, random\n"
        "def handle(data):\n"
        "    v = data['variables']\n"
        "    nonce = '%016x' % random.getrandbits(64)\n"
        "    created = '2024-05-01T10:00:00Z'\n"
        "    digest = base64.b64encode(hashlib.sha1((nonce + created + v['password']).encode()).hexdigest()"
        ".encode()).decode()\n"
        "    data['request']['headers']['X-WSSE'] = ('UsernameToken Username=\"%s\", PasswordDigest=\"%s\", '\n"
        "        'Nonce=\"%s\", Created=\"%s\"' % (v['username'], digest, nonce, created))\n"
        "    data['logs'] = ['signed for ' + v['username'] + ' with ' + v['password']]\n"
        "    return data\n")

EMARSYS = {"key": "wsse", "name": "WSSE", "type": "token", "pre_request_script": "WSSE header",
           "settings": {"name": "X-WSSE", "prefix": "", "value": "{{token}}"},
           "variables": [{"key": "username", "label": "API username", "required": True},
                         {"key": "password", "label": "API secret", "required": True, "secret": True},
                         {"key": "token", "label": "Token (the script builds it)", "secret": True}]}


def test_a_pre_request_script_builds_the_credentials_the_server_receives(company, setup, scripted, api):
    _script(company, "WSSE header", WSSE)
    instance = setup(auth=EMARSYS, endpoints=[endpoint("get", "/echo")], company=company,
                     values={"username": "ada", "password": SECRET})
    runtime = scripted(company.id)
    exchanges, log = [], []
    connector = runtime.http(runtime.get_instance(instance.id))
    page = connector.send(connector.instance.endpoint("get"), {}, None,
                          RequestOptions(on_exchange=exchanges.append, on_log=lambda lvl, msg: log.append(msg)))
    header = page.data["headers"]["x-wsse"]
    fields = dict(re.findall(r'(\w+)="([^"]*)"', header))
    expected = base64.b64encode(hashlib.sha1((fields["Nonce"] + fields["Created"] + SECRET).encode())
                                .hexdigest().encode()).decode()
    assert fields["Username"] == "ada" and fields["PasswordDigest"] == expected
    # what the script wrote is a credential: masked in the record; the secret it logged is masked too
    assert dict(exchanges[0].request_headers)["X-WSSE"] == "••••"
    assert log == ["Authentication pre-request script: signed for ada with ••••"]


def test_the_methods_post_request_script_changes_every_endpoint_response(company, setup, scripted, api):
    _script(company, "Stamp", "function handle(d) { const b = JSON.parse(d.response.body);\n"
                              "  d.response.body = JSON.stringify({...b, stamped: d.response.status}); return d; }",
            "javascript")
    auth = {"key": "key", "name": "Key", "type": "api_key", "settings": {"name": "X-Api-Key"},
            "post_request_script": "Stamp", "variables": [{"key": "api_key", "label": "API key", "secret": True}]}
    instance = setup(auth=auth, endpoints=[endpoint("get", "/auth/header")], company=company,
                     values={"api_key": "key-12345-secret"})
    out, _, _ = run_shape(scripted(company.id), {"instance_id": instance.id, "endpoint": "get"})
    assert out[0].data == {"ok": True, "stamped": 200}


SIGN = ("from urllib.parse import quote\n"
        "def handle(data):\n"
        "    r = data['request']\n"
        "    r['body'] = r['body'] + '&client_secret=' + quote(data['variables']['private_key'])\n"
        "    r['headers']['X-Assertion'] = 'signed'\n"
        "    return data\n")


def test_a_pre_request_script_signs_the_oauth_token_request(company, setup, scripted, api):
    _script(company, "Sign assertion", SIGN)
    auth = {"key": "cc", "name": "NetSuite style", "type": "oauth2_client_credentials",
            "pre_request_script": "Sign assertion",
            "settings": {"token_url": f"{api.url}/oauth/token", "client_secret": ""},
            "variables": [{"key": "client_id", "label": "Client ID"},
                          {"key": "private_key", "label": "Private key", "secret": True}]}
    instance = setup(auth=auth, endpoints=[endpoint("get", "/auth/bearer")], company=company,
                     values={"client_id": CLIENT_ID, "private_key": CLIENT_SECRET})
    out, operations, _ = run_shape(scripted(company.id), {"instance_id": instance.id, "endpoint": "get"})
    assert out[0].data["ok"] is True and operations == 1  # the token request is not an operation
    token_request = next(r for r in api.state["requests"] if r["path"] == "/oauth/token")
    assert dict(parse_qsl(token_request["body"]))["client_secret"] == CLIENT_SECRET
    assert token_request["headers"]["X-Assertion"] == "signed"
    bearer = next(r for r in api.state["requests"] if r["path"] == "/auth/bearer")
    assert "X-Assertion" not in bearer["headers"]  # the script ran on the token request only


RESHAPE = ("import re\n"
           "def handle(data):\n"
           "    token = re.search(r'<ns:Detail>([^<]+)</ns:Detail>', data['response']['body']).group(1)\n"
           "    data['response']['body'] = '<result>' + token + '</result>'\n"
           "    data['logs'] = ['token found']\n"
           "    return data\n")


def test_a_post_request_script_reshapes_the_login_response_the_token_is_read_from(company, setup, scripted, api):
    _script(company, "Cybertill token", RESHAPE)
    auth = {"key": "soap", "name": "Cybertill SOAP", "type": "soap", "post_request_script": "Cybertill token",
            "settings": {"mode": "login", "login_path": "/soap/login", "token_xpath": "//result",
                         "login_body": "<Envelope><Body><Username>{{username}}</Username>"
                                       "<Password>{{password}}</Password></Body></Envelope>"},
            "variables": [{"key": "username", "label": "User"}, {"key": "password", "label": "Password",
                                                                 "secret": True}]}
    ep = endpoint("get", "/soap/call", method="POST", data_type="xml",
                  body="<Envelope><Body><SessionId>{{session_token}}</SessionId></Body></Envelope>")
    instance = setup(auth=auth, endpoints=[ep], company=company, values={"username": "ada", "password": SECRET})
    out, _, log = run_shape(scripted(company.id), {"instance_id": instance.id, "endpoint": "get"})
    assert "<Items>3</Items>" in out[0].data and api.state["issued"] == 1
    assert "Authentication post-request script: token found" in log.messages("info")


def test_auth_script_failures_are_clear_sentences_with_secrets_masked(company, setup, scripted, api):
    _script(company, "Broken", "def handle(data):\n"
                               "    raise ValueError('cannot sign with ' + data['variables']['password'])\n")
    broken = {**EMARSYS, "name": "WSSE", "pre_request_script": "Broken"}
    instance = setup(auth=broken, endpoints=[endpoint("get", "/echo")], company=company,
                     values={"username": "ada", "password": SECRET})
    with pytest.raises(ShapeError) as failed:
        run_shape(scripted(company.id), {"instance_id": instance.id, "endpoint": "get"})
    message = str(failed.value)
    assert "Authentication method 'WSSE': Script 'Broken' failed: ValueError: cannot sign with" in message
    assert SECRET not in message
    assert not [r for r in api.state["requests"] if r["path"] == "/echo"]  # nothing was sent

    company = factories.company()  # one test connector per company
    _script(company, "Refuse", "def handle(data):\n    data['response_code'] = 3\n"
                               "    data['message'] = 'Account locked'\n    return data\n")
    auth = {"key": "cc", "name": "CC", "type": "oauth2_client_credentials", "post_request_script": "Refuse",
            "settings": {"token_url": f"{api.url}/oauth/token"},
            "variables": [{"key": "client_id", "label": "Client ID"},
                          {"key": "client_secret", "label": "Secret", "secret": True}]}
    instance = setup(auth=auth, endpoints=[endpoint("get", "/auth/bearer")], company=company,
                     values={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    with pytest.raises(ShapeError, match="post-request script 'Refuse' refused the authentication response: "
                                         "Account locked"):
        run_shape(scripted(company.id), {"instance_id": instance.id, "endpoint": "get"})


def test_a_shape_level_response_script_transforms_the_response(company, setup, scripted, api):
    _script(company, "Only method", "import json\ndef handle(data):\n"
                                    "    body = json.loads(data['response']['body'])\n"
                                    "    data['response']['body'] = json.dumps({'method': body['method'],"
                                    " 'shop': data['flow']['variables']['shop']})\n    return data\n")
    instance = setup(endpoints=[endpoint("get", "/echo")], company=company)
    out, _, _ = run_shape(scripted(company.id), {"instance_id": instance.id, "endpoint": "get",
                                                 "response_script": "Only method"}, flow_variables={"shop": "EU"})
    assert out[0].data == {"method": "GET", "shop": "EU"}
    _script(company, "Fail it", "def handle(data):\n    data['response_code'] = 3\n"
                                "    data['message'] = 'Invalid session'\n    return data\n")
    with pytest.raises(ShapeError, match="The response script 'Fail it' failed the run: Invalid session"):
        run_shape(scripted(company.id), {"instance_id": instance.id, "endpoint": "get", "response_script": "Fail it"})


# -- web side: Test connection, Try it, the OAuth callback -------------------------------------------------
KEY_FROM_PARTS = ("def handle(data):\n"
                  "    v = data['variables']\n"
                  "    data['request']['headers']['X-Api-Key'] = v['key_id'] + '-' + v['key_secret']\n"
                  "    return data\n")


def _keyed_connector(api, company, script="Key from parts"):
    auth = {"key": "parts", "name": "Key parts", "type": "token", "pre_request_script": script,
            "settings": {"name": "X-Api-Key", "prefix": ""},
            "variables": [{"key": "key_id", "label": "Key id"},
                          {"key": "key_secret", "label": "Key secret", "secret": True},
                          {"key": "token", "label": "Token", "secret": True}]}
    definition = make_definition(api.url, auth=auth, test={"path": "/auth/header"}, endpoints=[
        endpoint("echo", "/echo", pre_request_script="Tag")])
    connector = connector_services.create_connector(company, definition)
    return connector, connector_services.add_instance(connector, "Live", "parts",
                                                      {"key_id": "key", "key_secret": "12345-secret"})


def test_test_connection_and_try_it_run_the_scripts(app, client, login, api):
    ids = login("manager")
    with app.app_context():
        company = db.session.get(Company, ids["company_id"])
        _script(company, "Key from parts", KEY_FROM_PARTS)
        _script(company, "Tag", "def handle(data):\n    data['request']['headers']['X-Tag'] = 'tried'\n"
                                "    return data\n")
        connector, instance = _keyed_connector(api, company)
        cid, iid = connector.id, instance.id
    tested = client.post(f"/connectors/instances/{iid}/test", headers=HX)
    assert tested.status_code == 200 and "Connected" in tested.get_data(as_text=True)
    assert api.state["requests"][-1]["headers"]["X-Api-Key"] == "key-12345-secret"

    tried = client.post(f"/connectors/{cid}/endpoints/echo/try", data={"instance_id": iid}, headers=HX)
    body = tried.get_data(as_text=True)
    assert tried.status_code == 200 and 'id="try-status">200 OK' in body
    echoed = api.state["requests"][-1]["headers"]
    assert echoed["X-Tag"] == "tried" and echoed["X-Api-Key"] == "key-12345-secret"
    assert "12345-secret" not in body  # the header the auth script wrote is masked on the page


def test_a_failing_auth_script_is_a_message_in_test_connection_not_a_crash(app, client, login, api):
    ids = login("manager")
    with app.app_context():
        company = db.session.get(Company, ids["company_id"])
        _script(company, "Loops", "def handle(data):\n    while True:\n        pass\n")
        _, instance = _keyed_connector(api, company, script="Loops")
        iid = instance.id
        app.config["SCRIPT_TIMEOUT_SECONDS"] = 1
    try:
        tested = client.post(f"/connectors/instances/{iid}/test", headers=HX)
    finally:
        app.config.pop("SCRIPT_TIMEOUT_SECONDS", None)
    body = tested.get_data(as_text=True)
    assert tested.status_code == 200
    assert "Authentication method &#39;Key parts&#39;: Script &#39;Loops&#39; took too long" in body
    assert not [r for r in api.state["requests"] if r["path"] == "/auth/header"]


def test_the_oauth_callback_runs_the_token_request_script(app, client, login, api):
    ids = login("administrator")
    with app.app_context():
        company = db.session.get(Company, ids["company_id"])
        _script(company, "Add secret", "from urllib.parse import quote\ndef handle(data):\n"
                                       "    data['request']['body'] += '&client_secret=' + "
                                       "quote(data['variables']['vault_secret'])\n    return data\n")
        auth = {"key": "code", "name": "OAuth", "type": "oauth2_authorization_code", "pre_request_script": "Add secret",
                "settings": {"authorize_url": f"{api.url}/oauth/authorize", "token_url": f"{api.url}/oauth/token",
                             "client_secret": ""},
                "variables": [{"key": "client_id", "label": "Client ID"},
                              {"key": "vault_secret", "label": "Secret", "secret": True}]}
        connector = connector_services.create_connector(company, make_definition(
            api.url, auth=auth, endpoints=[endpoint("get", "/auth/bearer")]))
        iid = connector_services.add_instance(connector, "Store", "code", {"client_id": CLIENT_ID,
                                                                           "vault_secret": CLIENT_SECRET}).id
    location = client.get(f"/connectors/oauth/{iid}/start?next=/connectors/").headers["Location"]
    back = urlsplit(httpx.get(location).headers["location"])
    assert parse_qs(back.query)["code"]
    callback = client.get(back.path + "?" + back.query)
    assert callback.status_code == 302 and callback.headers["Location"].endswith("/connectors/")
    with app.app_context():
        assert db.session.get(Instance, iid).is_authorised
