"""The engine against real shapes and an in-memory log: bucket flow, skip, retries, failure, stop."""
from __future__ import annotations

from app.flows.engine import Engine, Environment


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message, step.get("id") if step else None, bucket))


def _payload(body, fmt="json", **extra):
    return {"type": "manual_payload", "version": 1, "config": {"format": fmt, "body": body}, **extra}


def _map(rules, **extra):
    return {"type": "map", "version": 1, "config": {"rules": rules}, **extra}


def test_each_step_receives_the_previous_bucket():
    log = Log()
    definition = {"steps": [_payload('[{"a": 1}, {"a": 2}]', id="p"), _map([{"source": "a", "target": "b"}], id="m")]}
    result = Engine(Environment(log=log, retry_delay=0)).run(definition, [])
    assert result.status == "success"
    assert [p.data for p in result.bucket] == [[{"b": 1}, {"b": 2}]]
    assert result.data_out == len(b'[{"a":1},{"a":2}]') + len(b'[{"b":1},{"b":2}]')
    finished = [entry for entry in log if "finished" in entry[1]]
    assert [entry[2] for entry in finished] == ["p", "m"]
    assert finished[-1][3] is result.bucket  # the output bucket is handed to the log for storage


def test_a_skipped_step_passes_its_bucket_through_with_a_warning():
    log = Log()
    definition = {"steps": [_payload('{"a": 1}'), _map([{"source": "a", "target": "b"}], id="m", skip=True)]}
    result = Engine(Environment(log=log, retry_delay=0)).run(definition, [])
    assert result.bucket[0].data == {"a": 1}
    assert ("warning", "Map: flow step skipped.", "m", None) in log


def test_a_failing_step_is_retried_then_fails_the_run():
    log = Log()
    definition = {"steps": [_payload("plain text", fmt="text"), _map([{"source": "a", "target": "b"}], id="m")]}
    result = Engine(Environment(log=log, retry_delay=0)).run(definition, [])
    assert result.status == "failure"
    assert "Map needs JSON payloads" in result.error
    retries = [m for level, m, *_ in log if level == "warning" and "attempt" in m]
    assert len(retries) == 3  # the default: three further attempts
    assert log[-1][0] == "error"


def test_an_unknown_shape_fails_clearly():
    result = Engine(Environment(log=Log())).run({"steps": [{"type": "teleport", "id": "x"}]}, [])
    assert result.status == "failure" and "Unknown shape type 'teleport'" in result.error


def test_a_stop_request_ends_the_run_at_the_next_step_boundary():
    log = Log()
    calls = iter([False, True])
    definition = {"steps": [_payload('{"a": 1}', id="p"), _map([], id="m")]}
    result = Engine(Environment(log=log, should_stop=lambda: next(calls))).run(definition, [])
    assert result.status == "stopped"
    assert not any(entry[2] == "m" for entry in log)
