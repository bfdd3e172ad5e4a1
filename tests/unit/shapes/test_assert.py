"""Assert: passes matching data on, fails with a readable, capped diff; and the diff helper itself."""
from __future__ import annotations

import json

import pytest

from app.flows import diffing, shapes
from app.flows.context import Payload, ShapeContext, ShapeError
from app.flows.engine import Engine, Environment


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message))


def check(expected, bucket):
    log = Log()
    ctx = ShapeContext(config={"expected": json.dumps(expected)}, bucket=bucket, log=log)
    return shapes.get("assert").execute(ctx), log


def test_a_matching_payload_passes_through():
    bucket = [Payload({"b": [1, 2.0], "a": {"x": None}})]
    out, log = check({"a": {"x": None}, "b": [1.0, 2]}, bucket)  # key order and 1 == 1.0 do not matter
    assert out is bucket
    assert log == [("info", "Assertion passed: the payload matches the expected payload.")]


def test_several_payloads_are_compared_as_a_list_and_no_payload_as_an_empty_list():
    out, log = check([{"id": 1}, "plain text"], [Payload({"id": 1}), Payload("plain text", format="text")])
    assert len(out) == 2 and "the 2 payloads (compared as a list) match" in log[0][1]
    assert check([], [])[0] == []


def test_a_mismatch_names_every_path_that_differs():
    expected = {"id": 1, "customer": {"name": "Ada", "vip": True}, "lines": [{"sku": "A"}, {"sku": "B"}]}
    actual = {"id": 2, "customer": {"name": "Ada", "vip": 1, "note": "x"}, "lines": [{"sku": "A"}], "a.b": 0}
    with pytest.raises(ShapeError) as failure:
        check(expected, [Payload(actual)])
    message = str(failure.value)
    assert message.splitlines() == [
        "the payload does not match the expected payload (5 differences):",
        "- id: expected 1, got 2",
        "- customer.vip: expected boolean true, got number 1",  # a boolean never equals a number
        "- customer.note: not expected (got \"x\")",
        "- lines.1: missing (expected {\"sku\":\"B\"})",
        "- a\\.b: not expected (got 0)",  # a dot inside a key is escaped, as in variables
    ]


def test_a_huge_mismatch_is_capped_and_says_how_much_was_left_out():
    expected = {f"field{i}": "x" * 200 for i in range(300)}
    with pytest.raises(ShapeError) as failure:
        check(expected, [Payload({})])
    message = str(failure.value)
    assert "(300 differences)" in message
    shown = [line for line in message.splitlines() if line.startswith("- ")]
    assert 0 < len(shown) <= 20  # at most the first 20 differences, fewer if they would not fit
    assert message.endswith(f"… and {300 - len(shown)} more differences")
    assert len(message) < 2_500
    assert "xxx…" in message  # long values are cut short


def test_the_diff_walks_deep_json_without_recursion():
    deep_expected, deep_actual = 1, 2
    for _ in range(5_000):
        deep_expected, deep_actual = [deep_expected], [deep_actual]
    result = diffing.diff(deep_expected, deep_actual)
    assert result.total == 1 and result.differences[0].path.count(".") == 4_999
    assert not diffing.diff({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]})
    whole = diffing.diff({"a": 1}, [1])
    assert diffing.describe(whole.differences[0]) == '(whole payload): expected object {"a":1}, got list [1]'


def test_validation_needs_a_json_payload_but_allows_an_empty_object():
    shape = shapes.get("assert")
    assert shape.validate({}) == ["Paste the expected payload ({} is allowed)."]
    assert shape.validate({"expected": "{}"}) == []
    assert shape.validate({"expected": "{oops"})[0].startswith("The expected payload is not valid JSON")
    assert shape.summary({"expected": '{"id": 1}'}) == 'expects {"id":1}'


def test_through_the_engine_a_mismatch_fails_the_run_at_once_without_retries():
    log = Log()
    definition = {"steps": [
        {"id": "p", "type": "manual_payload", "config": {"format": "json", "body": '{"total": 10}'}},
        {"id": "a", "type": "assert", "config": {"expected": '{"total": 12}'}},
        {"id": "n", "type": "notify", "config": {"template": "never", "channels": "log"}},
    ]}
    result = Engine(Environment(log=log, retry_delay=0)).run(definition, [])
    assert result.status == "failure"
    assert result.error == ("Assert: the payload does not match the expected payload (1 difference):\n"
                            "- total: expected 12, got 10")
    assert not [m for _, m in log if "attempt" in m]
    assert ("info", "never") not in log
