"""Connector scripts through the one execution service, against the real test API: a pre-request script changes
the request, post-request scripts change the response or answer with codes 0-3, and a pagination script decides
the next page."""
from __future__ import annotations

import itertools
import json

import pytest

from app.connectors import services as connector_services
from app.connectors.runtime import ConnectorRuntime
from app.extensions import db, get_redis
from app.flows import shapes
from app.flows.context import Payload, ShapeContext, ShapeError
from app.scripts import services
from app.scripts.finder import runner_for
from tests import factories
from tests.connectors.api_server import ITEMS
from tests.connectors.api_server import TestApi as ApiServer
from tests.connectors.conftest import endpoint, make_definition
from tests.servers import local_server

_keys = itertools.count()


class Log(list):
    def __call__(self, level, message, *, bucket=None, step=None):
        self.append((level, message))


api_server, api = local_server(ApiServer, "api", scope="module")


@pytest.fixture
def company(ctx):
    return factories.company()


def _script(company, name, code, language="python"):
    script = services.create_script(company, name, language, code=code)
    services.deploy(script)
    return script


def _run(company, api, ep, bucket=None):
    definition = make_definition(api.url, endpoints=[ep], key=f"testapi{next(_keys)}")
    connector = connector_services.create_connector(company, definition)
    instance = connector_services.add_instance(connector, "Test", "none", {}, retries=1)
    runtime = ConnectorRuntime(company_id=company.id, redis=get_redis(), session=db.session,
                               secret_key="x" * 32, retry_delay=0.01, sleep=lambda s: None)
    runner = runner_for(company.id)
    runtime.scripts = runner
    log = Log()
    ctx = ShapeContext(config={"instance_id": instance.id, "endpoint": ep["key"]}, bucket=list(bucket or []), log=log,
                       company_id=company.id, connectors=runtime, flow_variables={"shop": "EU"})
    try:
        return shapes.get("connector").execute(ctx), log
    finally:
        runtime.close()
        runner.close()


PRE = ("import json\ndef handle(data):\n    r = data['request']\n"
       "    r['headers']['X-Signature'] = 'sig-' + data['flow']['variables']['shop']\n"
       "    r['url'] = r['url'] + ('&' if '?' in r['url'] else '?') + 'signed=1'\n"
       "    data['logs'] = ['signed ' + r['method']]\n    return data\n")


def test_a_pre_request_script_changes_headers_and_url(company, api):
    _script(company, "Signer", PRE)
    out, log = _run(company, api, endpoint("echo", "/echo", pre_request_script="Signer"))
    echoed = out[0].data
    assert echoed["headers"]["x-signature"] == "sig-EU"
    assert echoed["args"]["signed"] == ["1"]
    assert ("info", "Pre-request script: signed GET") in log


def test_a_post_request_script_rewrites_the_body_in_javascript(company, api):
    _script(company, "Unwrap", "function handle(d) { const b = JSON.parse(d.response.body);\n"
                               "  d.response.body = JSON.stringify({method: b.method, ok: true}); return d; }",
            "javascript")
    out, _ = _run(company, api, endpoint("echo", "/echo", post_request_script="Unwrap"))
    assert out[0].data == {"method": "GET", "ok": True}


@pytest.mark.parametrize("code,words", [(2, "failed the run; it will be retried: Invalid session"),
                                        (3, "failed the run: Invalid session")])
def test_response_codes_fail_the_step_with_the_message(company, api, code, words):
    _script(company, "Guard", f"def handle(data):\n    data['response_code'] = {code}\n"
                              "    data['message'] = 'Invalid session'\n    return data\n")
    with pytest.raises(ShapeError, match=words):
        _run(company, api, endpoint("echo", "/echo", post_request_script="Guard"))


def test_code_1_retries_the_request(company, api):
    _script(company, "Retry", "def handle(data):\n    data['response_code'] = 1\n    return data\n")
    with pytest.raises(ShapeError, match="asked to retry the request 2 times"):
        _run(company, api, endpoint("echo", "/echo", post_request_script="Retry"))
    assert len([r for r in api.state["requests"] if r["path"] == "/echo"]) == 2


def test_a_pagination_script_decides_the_next_page(company, api):
    pager = ("import json\ndef handle(data):\n    page = data['pagination']['page']\n"
             "    items = json.loads(data['response']['body'])['items']\n"
             "    data['next'] = {'params': {'page': page + 1, 'limit': 10}} if len(items) == 10 else None\n"
             "    data['state'] = {'seen': data['pagination']['state'].get('seen', 0) + len(items)}\n"
             "    return data\n")
    _script(company, "Pager", pager)
    out, _ = _run(company, api, endpoint("list", "/pages/number", query={"limit": "10"},
                                         pagination={"type": "script", "script": "Pager", "data_path": "items"}))
    ids = [item["id"] for page in out for item in page.data["items"]]
    assert ids == [item["id"] for item in ITEMS]


def test_a_broken_connector_script_fails_the_step_clearly(company, api):
    _script(company, "Broken", "def handle(data):\n    raise ValueError('no token')\n")
    with pytest.raises(ShapeError, match="Script 'Broken' failed: ValueError: no token"):
        _run(company, api, endpoint("echo", "/echo", pre_request_script="Broken"))
    with pytest.raises(ShapeError, match="does not exist in this company"):
        _run(company, api, endpoint("echo", "/echo", post_request_script="Missing"))


def test_the_payload_reaches_a_send_script(company, api):
    _script(company, "Wrap", "import json\ndef handle(data):\n    r = data['request']\n"
                             "    r['body'] = json.dumps({'wrapped': json.loads(data['payload'])})\n    return data\n")
    out, _ = _run(company, api, endpoint("push", "/echo", method="POST", direction="send", pre_request_script="Wrap"),
          [Payload({"sku": "A1"})])
    assert out == [Payload({"sku": "A1"})]
    echoed = [r for r in api.state["requests"] if r["path"] == "/echo"][-1]
    assert json.loads(echoed["body"]) == {"wrapped": {"sku": "A1"}}
