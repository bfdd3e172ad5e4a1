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


def _try_catch(try_steps, catch_steps, on_exception="partial"):
    return {"id": "tc", "type": "try_catch", "version": 1, "config": {"on_exception": on_exception},
            "paths": [{"name": "try", "steps": try_steps}, {"name": "catch", "steps": catch_steps}]}


def _three_payloads():
    from app.flows.context import Payload

    return [Payload({"a": 1}), Payload("not json", format="text"), Payload({"a": 3})]


def test_try_catch_sends_only_the_failing_payloads_to_catch_and_ends_partial():
    log = Log()
    definition = {"steps": [_try_catch([_map([{"source": "a", "target": "b"}], id="m")],
                                       [_map([], id="c", skip=True)])]}
    result = Engine(Environment(log=log, retry_delay=0)).run(definition, _three_payloads())
    assert result.status == "partial"
    assert [p.data for p in result.bucket] == [{"b": 1}, {"b": 3}]
    assert len(result.failed) == 1 and "Map needs JSON payloads" in result.failed[0].error
    catch_rows = [entry for entry in log if "catch path" in entry[1]]
    assert catch_rows and catch_rows[-1][3][0].meta["failed_step"] == "Map"
    assert ("warning", "Map: flow step skipped.", "c", None) in log  # the catch path ran


def test_try_catch_can_fail_the_run_instead():
    definition = {"steps": [_try_catch([_map([{"source": "a", "target": "b"}])], [], on_exception="fail")]}
    result = Engine(Environment(log=Log(), retry_delay=0)).run(definition, _three_payloads())
    assert result.status == "failure" and "1 payload(s) failed" in result.error


def test_failures_outside_try_fail_the_whole_run():
    definition = {"steps": [_map([{"source": "a", "target": "b"}])]}
    result = Engine(Environment(log=Log(), retry_delay=0)).run(definition, _three_payloads())
    assert result.status == "failure" and not result.bucket


def test_every_step_reports_its_record():
    records = []
    definition = {"steps": [_payload('[{"a": 1}]', id="p"), _map([{"source": "a", "target": "b"}], id="m"),
                            _map([], id="s", skip=True)]}
    Engine(Environment(log=Log(), on_step=records.append)).run(definition, [])
    assert [(r.step_id, r.status, r.payloads_in, r.payloads_out) for r in records] == [
        ("p", "success", 0, 1), ("m", "success", 1, 1), ("s", "skipped", 1, 1)]
    assert records[1].bytes_out == len(b'[{"b":1}]') and records[1].attempts == 1


def test_a_step_past_its_time_limit_fails_without_retries():
    log = Log()
    env = Environment(log=log, retry_delay=0, step_timeout=-1)  # every step is already late
    result = Engine(env).run({"steps": [_payload('{"a": 1}')]}, [])
    # The shape's own check stops it ("ran past its time limit"), else the engine's ("longer than its limit").
    assert result.status == "failure" and "ran past its time limit" in result.error
    assert not [m for _, m, *_ in log if "attempt" in m]
