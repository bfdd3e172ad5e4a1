"""Callbacks as a caller sees them: the request waits while a real worker runs the flow, then gets the
payloads at the flow's callback shape, the run's error (502) or a timeout (504).

The request blocks, so it runs in a thread with its own test client; the worker runs in the main
thread (RQ installs signal handlers, which only the main thread may do).
"""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from app.api import inbound, services
from app.extensions import db
from app.flows.models import Flow
from app.runs.models import Run
from tests import factories

MANUAL = {"id": "p", "type": "manual_payload", "version": 1, "config": {
    "format": "json", "body": '[{"sku": "RED-1", "stock": 4}, {"sku": "BLUE-2", "stock": 0}]'}}
CALLBACK = {"id": "cb", "type": "callback", "version": 1, "config": {}}
AFTER = {"id": "after", "type": "map", "version": 1, "config": {"rules": [{"source": "sku", "target": "code"}]}}
ANSWERING = {"trigger": {"type": "manual", "config": {}}, "steps": [MANUAL, CALLBACK, AFTER]}


def make_callback(app, definition, tier="pro", **fields):
    with app.app_context():
        company = factories.company(tier=tier)
        flow = factories.flow(company, definition=definition)
        hook = services.create_callback(flow, "Stock check", **fields)
        return SimpleNamespace(company_id=company.id, flow_id=flow.id, id=hook.id,
                               url=f"/api/v1/callbacks/{company.id}/{hook.id}?signature={hook.signature}")


def call_in_background(app, url, **kwargs):
    """POST in a thread; returns (thread, box) where box["response"] appears when it answers."""
    box: dict = {}

    def call():
        box["response"] = app.test_client().post(url, **kwargs)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, box


def wait_for_queued_run(app, timeout=10.0) -> int:
    """The id of the run the callback request started, once its job is on the queue (a burst worker
    started before the enqueue would find nothing to do)."""
    from rq.job import Job

    from app.extensions import get_redis

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            run = db.session.query(Run).order_by(Run.id.desc()).first()
            if run is not None and Job.exists(f"run-{run.id}", connection=get_redis()):
                return run.id
        time.sleep(0.02)
    raise AssertionError("the callback request did not start a run")


def answer_with_worker(app, worker, url, **kwargs):
    thread, box = call_in_background(app, url, **kwargs)
    run_id = wait_for_queued_run(app)
    worker.work()
    thread.join(timeout=15)
    assert "response" in box, "the callback request never answered"
    return box["response"], run_id


def test_the_caller_gets_the_payloads_at_the_callback_shape_as_an_array(app, worker):
    target = make_callback(app, ANSWERING)
    response, run_id = answer_with_worker(app, worker, target.url, json={"ask": "stock"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.json == [[{"sku": "RED-1", "stock": 4}, {"sku": "BLUE-2", "stock": 0}]]
    with app.app_context():
        run = db.session.get(Run, run_id)
        assert run.trigger == "callback" and run.status == "success"  # the steps after it still ran


@pytest.mark.parametrize("fmt,mimetype,expected", [
    ("xml", "application/xml", "<payloads><payload><item><sku>RED-1</sku>"),
    ("text", "text/plain", '[{"sku":"RED-1","stock":4},{"sku":"BLUE-2","stock":0}]'),
])
def test_the_answer_format_follows_the_trigger(app, worker, fmt, mimetype, expected):
    target = make_callback(app, ANSWERING, fmt=fmt)
    response, _ = answer_with_worker(app, worker, target.url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == mimetype
    assert expected in response.get_data(as_text=True).replace(" ", "")


def test_a_run_that_fails_before_its_callback_shape_answers_502_with_the_error(app, worker):
    failing = {"trigger": {"type": "manual", "config": {}}, "steps": [
        {"id": "a", "type": "manual_payload", "version": 1, "config": {"format": "text", "body": "hello"}},
        {"id": "b", "type": "map", "version": 1, "retries": 0, "config": {"rules": [{"source": "x", "target": "y"}]}},
        CALLBACK]}
    target = make_callback(app, failing)
    response, run_id = answer_with_worker(app, worker, target.url, json={})
    assert response.status_code == 502
    assert response.mimetype == "application/json"
    assert "Map needs JSON payloads" in response.json["error"]
    with app.app_context():
        assert db.session.get(Run, run_id).status == "failure"


def test_a_run_without_a_callback_shape_answers_502_once_it_ends(app, worker):
    target = make_callback(app, {"trigger": {"type": "manual", "config": {}}, "steps": [MANUAL]})
    response, _ = answer_with_worker(app, worker, target.url)
    assert response.status_code == 502
    assert "before reaching a callback shape" in response.json["error"]


def test_no_answer_within_the_timeout_is_a_504_and_the_run_carries_on(app, worker):
    target = make_callback(app, ANSWERING, timeout_seconds=1)
    started = time.monotonic()
    response = app.test_client().post(target.url, json={})  # no worker is running: nobody answers
    assert 1 <= time.monotonic() - started < 5
    assert response.status_code == 504
    run_id = wait_for_queued_run(app)
    assert response.json["error"] == (f"The flow did not reach its callback shape within 1 seconds; "
                                      f"the run continues (run id {run_id}).")
    worker.work()
    with app.app_context():
        assert db.session.get(Run, run_id).status == "success"


def test_callback_checks_signature_deployment_and_the_hard_rate_limit(app, client):
    target = make_callback(app, ANSWERING, timeout_seconds=1)
    wrong = f"/api/v1/callbacks/{target.company_id}/{target.id}?signature=nope"
    assert client.post(wrong).status_code == 404
    with app.app_context():
        db.session.get(Flow, target.flow_id).enabled = False
        db.session.commit()
    assert client.post(target.url).status_code == 409
    with app.app_context():
        assert db.session.query(Run).count() == 0


def test_over_the_allowance_by_more_than_240_in_a_minute_is_a_429(app, client):
    from app.api import ratelimit
    from app.companies.tiers import TIERS

    target = make_callback(app, ANSWERING, tier="standard", timeout_seconds=1)
    allowance = TIERS["standard"].callbacks_per_minute
    if time.time() % 60 > 57:  # the window is the clock minute: do not straddle two of them
        time.sleep(60 - time.time() % 60 + 0.1)
    with app.app_context():
        # Fill this minute's window as 240 earlier calls over the allowance would have (real counter).
        for _ in range(allowance + inbound.CALLBACK_HARD_MARGIN):
            decision = ratelimit.hit("callbacks", target.company_id, 10_000)
        assert decision.count == allowance + inbound.CALLBACK_HARD_MARGIN
    refused = client.post(target.url)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    with app.app_context():
        assert db.session.query(Run).count() == 0

