"""The HTTP layer: retries with backoff, 429 + Retry-After, timeouts, readable errors, masking, rate
limits and connection pools across runtimes, request templating."""
from __future__ import annotations

import threading
import time

import pytest

from app.connectors.http import RequestOptions, retry_after_seconds
from app.connectors.ratelimit import Limiter
from app.connectors.records import Masker
from app.flows.context import Payload, ShapeError
from tests.connectors.conftest import endpoint, run_shape

KEY_AUTH = {"key": "key", "name": "Key", "type": "api_key", "settings": {"name": "X-Api-Key"},
            "variables": [{"key": "api_key", "label": "API key", "secret": True}]}


def _run(make_runtime, instance, bucket=None, **config):
    return run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "get", **config},
                     bucket)


def test_a_5xx_is_retried_with_doubling_backoff_and_every_attempt_is_an_operation(setup, make_runtime, sleeps):
    instance = setup(endpoints=[endpoint("get", "/flaky", query={"key": "a", "fail": "2"})])
    out, operations, log = _run(make_runtime, instance, retries=2)
    assert out[0].data == {"ok": True, "attempt": 3}
    assert operations == 3
    assert sleeps == [0.01, 0.02]
    assert len([m for m in log.messages("warning") if "503" in m and "Retrying" in m]) == 2


def test_retries_run_out_with_the_last_status(setup, make_runtime):
    instance = setup(endpoints=[endpoint("get", "/flaky", query={"key": "b", "fail": "5"})])
    with pytest.raises(ShapeError, match="failed with HTTP 503 SERVICE UNAVAILABLE"):
        _run(make_runtime, instance, retries=1)


def test_the_instance_retries_apply_when_the_shape_sets_none(setup, make_runtime):
    instance = setup(endpoints=[endpoint("get", "/flaky", query={"key": "c", "fail": "1"})], retries=0)
    with pytest.raises(ShapeError, match="HTTP 503"):
        _run(make_runtime, instance)


def test_429_waits_as_retry_after_asks_even_without_retries(setup, make_runtime, sleeps):
    instance = setup(endpoints=[endpoint("get", "/limited", query={"key": "d", "times": "2", "after": "3"})])
    out, operations, log = _run(make_runtime, instance, retries=0)
    assert out[0].data["ok"] is True and operations == 3
    assert sleeps == [3.0, 3.0]
    assert any("HTTP 429" in m and "waiting 3 s" in m for m in log.messages("warning"))


def test_a_retry_after_longer_than_allowed_fails_clearly(setup, make_runtime):
    instance = setup(endpoints=[endpoint("get", "/limited", query={"key": "e", "after": "3600"})])
    with pytest.raises(ShapeError, match="asked to wait 3600 s, longer than the 120 s"):
        _run(make_runtime, instance)


def test_retry_after_accepts_an_http_date():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert retry_after_seconds("7") == 7.0 and retry_after_seconds("soon") is None


def test_a_slow_response_times_out_and_is_retried(setup, make_runtime, sleeps):
    instance = setup(endpoints=[endpoint("get", "/slow", query={"delay": "3"})])
    started = time.monotonic()
    with pytest.raises(ShapeError, match=r"timed out after 1 s"):
        _run(make_runtime, instance, timeout=1, retries=1)
    assert time.monotonic() - started < 2.9
    assert len(sleeps) == 1


def test_secrets_never_reach_errors_or_log_lines(setup, make_runtime):
    instance = setup(auth=KEY_AUTH, endpoints=[endpoint("get", "/fail", query={"status": "422"})],
                     values={"api_key": "key-12345-secret"})
    with pytest.raises(ShapeError) as exc:
        _run(make_runtime, instance)
    message = str(exc.value)
    assert "HTTP 422 UNPROCESSABLE ENTITY" in message and "is invalid" in message
    assert "key-12345-secret" not in message and "••••" in message


def test_the_exchange_record_is_masked(setup, make_runtime):
    instance = setup(auth=KEY_AUTH, endpoints=[endpoint("get", "/echo", query={"k": "{{api_key}}"})],
                     values={"api_key": "key-12345-secret"})
    runtime = make_runtime(instance.company_id)
    resolved = runtime.get_instance(instance.id)
    records = []
    list(runtime.http(resolved).receive(resolved.endpoint("get"), {}, None, RequestOptions(on_exchange=records.append)))
    flat = repr(records[0].as_dict())
    assert "key-12345-secret" not in flat
    assert records[0].request_headers["X-Api-Key"] == "••••"


def test_masker_hides_encoded_forms_and_sensitive_names():
    m = Masker(["s3cr3t/value"], names={"x-custom"})
    assert m.text("a=s3cr3t%2Fvalue b=s3cr3t/value") == "a=•••• b=••••"
    assert m.url("https://u:pw@h/p?access_token=abc&page=2") == "https://••••@h/p?access_token=••••&page=2"
    assert m.headers([("X-Custom", "v"), ("Accept", "x")]) == {"X-Custom": "••••", "Accept": "x"}


def test_unsuccessful_statuses_can_be_allowed(setup, make_runtime):
    instance = setup(endpoints=[endpoint("get", "/fail", query={"status": "404"})])
    out, _, log = _run(make_runtime, instance, allow_unsuccessful_statuses=True)
    assert out[0].meta["http_status"] == 404 and out[0].data["errors"]["email"] == "is invalid"
    assert any("404" in m for m in log.messages("warning"))


def test_send_makes_one_request_per_payload_and_can_keep_the_input(setup, make_runtime, api):
    ep = endpoint("get", "/echo/{{order_id}}", method="PUT", direction="send",
                  variables=[{"key": "order_id", "label": "Order", "required": True}])
    ep["path"] = "/echo"
    ep["query"] = {"id": "{{order_id}}"}
    instance = setup(endpoints=[ep])
    bucket = [Payload({"id": 1, "n": "a"}, meta={"m": "x"}), Payload({"id": 2, "n": "b"})]
    out, operations, _ = _run(make_runtime, instance, bucket, variables={"order_id": "[[payload.id]]"})
    assert operations == 2 and out == bucket  # save response off: the input passes through
    assert [r["query"] for r in api.state["requests"]] == ["id=1", "id=2"]
    assert api.state["requests"][0]["body"] == '{"id":1,"n":"a"}'
    out, _, _ = _run(make_runtime, instance, bucket, variables={"order_id": "[[payload.id]]"},
                     save_response_as_payload=True)
    assert [p.data["method"] for p in out] == ["PUT", "PUT"] and out[0].meta["m"] == "x"


def test_path_variables_are_encoded_and_body_templates_keep_types(setup, make_runtime, api):
    ep = endpoint("get", "/echo", method="POST", direction="send", body={
        "sku": "[[payload.sku]]", "qty": "[[payload.qty]]", "note": "from {{shop}} run [[flow.variables.run]]"})
    ep2 = endpoint("get2", "/items/{{sku}}", variables=[{"key": "sku", "label": "SKU", "required": True}])
    instance = setup(endpoints=[ep, ep2], variables=[{"key": "shop", "label": "Shop", "default": "main"}])
    out, _, _ = _run(make_runtime, instance, [Payload({"sku": "A/1", "qty": 3})], save_response_as_payload=True,
                     flow_variables=None)
    import json

    assert json.loads(out[0].data["body"]) == {"sku": "A/1", "qty": 3, "note": "from main run "}
    with pytest.raises(ShapeError, match="HTTP 404"):
        run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "get2",
                                                      "variables": {"sku": "A/1 x"}})
    assert api.state["requests"][-1]["raw"] == "/items/A%2F1%20x"


def test_xml_responses_stay_xml_text(setup, make_runtime):
    instance = setup(endpoints=[endpoint("get", "/xml")])
    out, _, _ = _run(make_runtime, instance)
    assert out[0].format == "xml" and out[0].data.startswith("<orders>")


def test_rate_limit_is_shared_through_redis_and_waits_instead_of_failing(ctx):
    from app.extensions import get_redis

    now = [1000.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    first, second = (Limiter(get_redis(), sleep=sleep, clock=lambda: now[0]) for _ in range(2))
    for limiter in (first, second, first):
        assert limiter.wait_for_rate("rl-test", 3) == 0
    assert second.wait_for_rate("rl-test", 3) == pytest.approx(60.0)  # the 4th request in a minute waits
    assert waits == [pytest.approx(60.0)]


def test_the_connection_pool_caps_requests_in_flight_across_runtimes(setup, make_runtime, api, ctx):
    instance = setup(endpoints=[endpoint("get", "/concurrency")], pool_size=2)
    results = []
    app = ctx

    def work():
        with app.app_context():
            runtime = make_runtime(instance.company_id, sleep=time.sleep)
            resolved = runtime.get_instance(instance.id)
            results.append(len(list(runtime.http(resolved).receive(resolved.endpoint("get"), {}))))

    threads = [threading.Thread(target=work) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [1] * 5
    assert api.state["max_inflight"] == 2
