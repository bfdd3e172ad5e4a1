"""Webhooks as a caller sees them: real HTTP requests to /api/v1/webhooks, the run they start (real
worker, real Redis) and its stored input."""
from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest

from app.api import inbound, services
from app.api.models import WebhookTrigger
from app.companies.models import Company
from app.extensions import db
from app.flows.models import Flow
from app.runs import logbook
from app.runs.models import Run
from tests import factories

MAP_SKU = {"trigger": {"type": "manual", "config": {}}, "steps": [
    {"id": "m", "type": "map", "version": 1, "config": {"rules": [{"source": "sku", "target": "code"}]}}]}
NO_STEPS = {"trigger": {"type": "manual", "config": {}}, "steps": []}


def make_hook(app, tier="pro", definition=NO_STEPS, deploy=True, **changes):
    with app.app_context():
        company = factories.company(tier=tier)
        flow = factories.flow(company, definition=definition, deploy=deploy)
        hook = services.create_webhook(flow, "Orders")
        for name, value in changes.items():
            setattr(hook, name, value)
        db.session.commit()
        return SimpleNamespace(company_id=company.id, flow_id=flow.id, id=hook.id, signature=hook.signature,
                               url=f"/api/v1/webhooks/{company.id}/{hook.id}?signature={hook.signature}")


@pytest.fixture
def hook(app):
    return make_hook(app)


def runs(app):
    with app.app_context():
        return [(r.id, r.trigger, r.input_ref) for r in db.session.query(Run).order_by(Run.id)]


def stored_input(app, run_id):
    """(format, text) of the run's stored input, read back from the payload store."""
    with app.app_context():
        run = db.session.get(Run, run_id)
        if run.input_ref is None:
            return None, None
        return run.input_ref.rsplit(".", 1)[-1], logbook.store().get(run.company_id, run.input_ref).decode()


def test_a_json_post_starts_a_run_whose_input_is_the_body(app, client, login, worker):
    target = make_hook(app, definition=MAP_SKU)
    response = client.post(target.url, json={"sku": "RED-1"})
    assert response.status_code == 200
    run_id = response.json["run_id"]
    assert response.json == {"message": "Flow initialised.", "run_id": run_id}
    assert stored_input(app, run_id) == ("json", '{"sku": "RED-1"}')  # stored before the answer

    worker.work()
    login("read-only", company_id=target.company_id)
    page = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert 'data-status="success"' in page
    assert "(webhook)" in page
    assert "RED-1" in page and "code" in page


@pytest.mark.parametrize("content_type,body,fmt", [
    ("application/xml", '<order><sku>RED-1</sku></order>', "xml"),
    ("text/xml; charset=utf-8", '<?xml version="1.0"?><order id="7"/>', "xml"),
    ("text/csv", "sku,qty\nRED-1,2\nBLUE-2,5\n", "csv"),
    ("text/plain", "sku,qty\nRED-1,2\n", "csv"),  # detected
    ("text/plain", '{"sku": "RED-1"}', "json"),  # detected
    ("text/plain", "just a note", "text"),
    ("application/octet-stream", "<a><b>1</b></a>", "xml"),  # detected
    ("application/vnd.api+json", '{"data": []}', "json"),
])
def test_payloads_in_every_format_land_as_the_run_input(app, client, hook, content_type, body, fmt):
    response = client.post(hook.url, data=body.encode(), headers={"Content-Type": content_type})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert stored_input(app, response.json["run_id"]) == (fmt, body)


def test_form_fields_become_a_json_object(app, client, hook):
    response = client.post(hook.url, data={"sku": "RED-1", "tag": ["a", "b"]})
    assert response.status_code == 200
    fmt, text = stored_input(app, response.json["run_id"])
    assert fmt == "json" and json.loads(text) == {"sku": "RED-1", "tag": ["a", "b"]}


def test_multipart_form_fields_become_a_json_object(app, client, hook):
    import io

    response = client.post(hook.url, data={"sku": "RED-1", "file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    fmt, text = stored_input(app, response.json["run_id"])
    assert fmt == "json" and json.loads(text) == {"sku": "RED-1", "file": "a,b\n1,2\n"}


def test_curl_style_json_labelled_as_form_data_is_taken_as_json(app, client, hook):
    response = client.post(hook.url, data='{"sku": "RED-1"}',
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert stored_input(app, response.json["run_id"]) == ("json", '{"sku": "RED-1"}')


def test_a_get_with_query_parameters_sends_them_as_a_json_object(app, client, hook):
    response = client.get(hook.url + "&sku=RED-1&qty=2&tag=a&tag=b")
    assert response.status_code == 200
    fmt, text = stored_input(app, response.json["run_id"])
    assert fmt == "json"
    assert json.loads(text) == {"sku": "RED-1", "qty": "2", "tag": ["a", "b"]}  # never the signature


def test_the_body_wins_over_query_parameters(app, client, hook):
    response = client.post(hook.url + "&sku=FROM-QUERY", json={"sku": "FROM-BODY"})
    assert stored_input(app, response.json["run_id"]) == ("json", '{"sku": "FROM-BODY"}')


def test_a_call_without_payload_starts_a_run_without_input(app, client, hook):
    response = client.post(hook.url)
    assert response.status_code == 200
    assert stored_input(app, response.json["run_id"]) == (None, None)


def test_invalid_json_is_refused_with_the_parsers_message_and_starts_nothing(app, client, hook):
    response = client.post(hook.url, data='{"sku": ', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["error"].startswith("Invalid JSON at line 1, column 9")
    bad_xml = client.post(hook.url, data="<order><sku></order>", headers={"Content-Type": "application/xml"})
    assert bad_xml.status_code == 400 and "Invalid XML" in bad_xml.json["error"]
    assert runs(app) == []


def test_wrong_or_missing_signatures_and_unknown_ids_are_all_the_same_404(app, client, hook):
    other = make_hook(app)
    urls = [
        f"/api/v1/webhooks/{hook.company_id}/{hook.id}?signature=" + "x" * 43,
        f"/api/v1/webhooks/{hook.company_id}/{hook.id}",
        f"/api/v1/webhooks/{hook.company_id}/{hook.id}?signature=" + hook.signature[:-1],
        f"/api/v1/webhooks/{hook.company_id}/{hook.id + 1000}?signature={hook.signature}",
        # another company's webhook id under this company (with either signature)
        f"/api/v1/webhooks/{hook.company_id}/{other.id}?signature={other.signature}",
        f"/api/v1/webhooks/{other.company_id}/{hook.id}?signature={hook.signature}",
    ]
    bodies = set()
    for url in urls:
        response = client.post(url, json={"sku": "RED-1"})
        assert response.status_code == 404, url
        assert response.mimetype == "application/json"
        bodies.add(response.get_data(as_text=True))
    assert len(bodies) == 1  # nothing tells which part was wrong
    assert runs(app) == []


def test_an_undeployed_or_disabled_flow_answers_409(app, client):
    undeployed = make_hook(app, deploy=False)
    response = client.post(undeployed.url, json={})
    assert response.status_code == 409
    assert "no deployed version" in response.json["error"]

    disabled = make_hook(app)
    with app.app_context():
        db.session.get(Flow, disabled.flow_id).enabled = False
        db.session.commit()
    response = client.post(disabled.url, json={})
    assert response.status_code == 409 and "is disabled" in response.json["error"]

    switched_off = make_hook(app, enabled=False)
    response = client.post(switched_off.url, json={})
    assert response.status_code == 409 and "webhook is disabled" in response.json["error"]
    assert runs(app) == []


def _fresh_minute():
    # The window is the clock minute: do not straddle two of them.
    if time.time() % 60 > 57:
        time.sleep(60 - time.time() % 60 + 0.1)


def test_the_tiers_allowance_per_minute_then_429_with_retry_after(app, client):
    trial = make_hook(app, tier="trial")  # 2 webhooks a minute
    neighbour = make_hook(app, tier="trial")
    _fresh_minute()
    assert [client.post(trial.url, json={}).status_code for _ in range(2)] == [200, 200]
    refused = client.post(trial.url, json={})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "2 per minute" in refused.json["error"]
    assert len(runs(app)) == 2
    assert client.post(neighbour.url, json={}).status_code == 200  # counted per company


def test_a_customised_answer(app, client):
    xml = make_hook(app, response_status=202, response_format="xml", response_body="<ok>received</ok>")
    response = client.post(xml.url, json={})
    assert response.status_code == 202
    assert response.mimetype == "application/xml"
    assert response.get_data(as_text=True) == "<ok>received</ok>"

    text = make_hook(app, response_format="text")
    response = client.post(text.url, json={})
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("Flow initialised. Run id ")

    default_xml = make_hook(app, response_format="xml", response_status=201)
    response = client.post(default_xml.url, json={})
    assert response.status_code == 201
    assert "<message>Flow initialised.</message>" in response.get_data(as_text=True)

    empty = make_hook(app, response_status=204)
    response = client.post(empty.url, json={})
    assert response.status_code == 204 and response.data == b""
    assert len(runs(app)) == 4


def test_a_payload_over_10_mb_is_refused_with_413(app, client, hook):
    big = b'{"blob": "' + b"x" * inbound.MAX_BODY_BYTES + b'"}'
    response = client.post(hook.url, data=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "10 MB" in response.json["error"]
    assert runs(app) == []


def test_a_large_payload_under_the_limit_is_accepted(app, client, hook):
    rows = [{"sku": f"SKU-{i}", "name": "x" * 40} for i in range(5000)]  # about 300 KB
    response = client.post(hook.url, json=rows)
    assert response.status_code == 200
    fmt, text = stored_input(app, response.json["run_id"])
    assert fmt == "json" and len(json.loads(text)) == 5000


def test_a_regenerated_signature_retires_the_old_url(app, client, hook):
    with app.app_context():
        row = db.session.get(WebhookTrigger, hook.id)
        services.regenerate_signature(row)
        new_signature = row.signature
    assert client.post(hook.url, json={}).status_code == 404
    fresh = f"/api/v1/webhooks/{hook.company_id}/{hook.id}?signature={new_signature}"
    assert client.post(fresh, json={}).status_code == 200


def test_signatures_are_long_random_and_encrypted_at_rest(app, hook):
    with app.app_context():
        row = db.session.get(WebhookTrigger, hook.id)
        assert len(row.signature) >= 40
        assert hook.signature not in row.signature_enc
        assert db.session.get(Company, hook.company_id) is not None


def test_each_accepted_call_counts_one_operation_for_its_company(app, client, hook):
    from app.insights.usage import UsageDaily

    client.post(hook.url, json={})
    client.post(hook.url, json={})
    client.post(hook.url + "x", json={})  # a wrong signature is not the company's operation
    with app.app_context():
        from app.insights import usage

        usage.flush()  # counters wait in Redis until the scheduler (or a reader) stores them
        rows = db.session.query(UsageDaily).filter_by(company_id=hook.company_id, source="webhook").all()
        assert [(r.flow_id, r.operations) for r in rows] == [(hook.flow_id, 2)]


@pytest.fixture
def live_server(app, redis_server, database_url, tmp_path):
    """The app served over real HTTP (werkzeug, threaded), so bodies can arrive chunked."""
    import threading

    from werkzeug.serving import make_server

    from app import create_app
    from tests.conftest import free_port

    served = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_server,
                         "INSTANCE_PATH": str(tmp_path)})
    server = make_server("127.0.0.1", free_port(), served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_chunked_body_is_limited_too_and_never_stored_cut_short(app, hook, live_server):
    import httpx

    def chunks(total_mb):
        for _ in range(total_mb):
            yield b"x" * (1024 * 1024)

    huge = httpx.post(live_server + hook.url, content=chunks(11), headers={"Content-Type": "text/plain"}, timeout=30)
    assert huge.status_code == 413
    small = httpx.post(live_server + hook.url, content=iter([b'{"sku": ', b'"RED-1"}']),
                       headers={"Content-Type": "application/json"}, timeout=30)
    assert small.status_code == 200
    assert stored_input(app, small.json()["run_id"]) == ("json", '{"sku": "RED-1"}')
    assert len(runs(app)) == 1


def test_xml_in_another_declared_encoding_is_stored_as_utf8_and_other_binary_is_refused(app, client, hook):
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><name>café</name>'.encode("latin-1")
    response = client.post(hook.url, data=latin, headers={"Content-Type": "application/xml"})
    assert response.status_code == 200
    fmt, text = stored_input(app, response.json["run_id"])
    assert fmt == "xml" and "<name>café</name>" in text
    binary = client.post(hook.url, data=b"\xff\xfe\x00binary", headers={"Content-Type": "application/octet-stream"})
    assert binary.status_code == 400 and binary.json == {"error": "The body is not UTF-8 text."}
