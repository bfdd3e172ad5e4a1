"""Engine.run(start_at=...): a retry from a failed step, anywhere in the tree; and what a failure records."""
from __future__ import annotations

from app.flows.context import Payload
from app.flows.engine import Engine, Environment


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message, step.get("id") if step else None))

    def steps(self) -> list[str]:
        return list(dict.fromkeys(s for _, _, s in self if s))


def _payload(body, id="p"):
    return {"id": id, "type": "manual_payload", "version": 1, "config": {"format": "json", "body": body}}


def _map(rules, id):
    return {"id": id, "type": "map", "version": 1, "retries": 0, "config": {"rules": rules}}


RENAME = [{"source": "a", "target": "b"}]
AGAIN = [{"source": "b", "target": "c"}]


def test_a_failure_records_the_failed_step_and_the_bucket_it_received():
    text = {"id": "p", "type": "manual_payload", "version": 1, "config": {"format": "text", "body": "plain"}}
    result = Engine(Environment(log=Log(), retry_delay=0)).run({"steps": [text, _map(RENAME, "m")]}, [])
    assert result.status == "failure"
    assert result.failed_step == "m"
    assert [(p.data, p.format) for p in result.failed_input] == [("plain", "text")]


def test_start_at_skips_the_steps_before_silently_and_feeds_the_given_bucket():
    log = Log()
    definition = {"steps": [_payload('{"a": 0}'), _map(RENAME, "m1"), _map(AGAIN, "m2")]}
    result = Engine(Environment(log=log, retry_delay=0)).run(definition, [Payload({"b": 7})], start_at="m2")
    assert result.status == "success"
    assert [p.data for p in result.bucket] == [{"c": 7}]
    assert log.steps() == ["m2"], "the earlier steps are neither run nor logged"


def test_start_at_a_step_inside_a_route_path_finishes_that_path_then_the_steps_after_the_route():
    log = Log()
    route = {"id": "r", "type": "route", "version": 1, "config": {"method": "all"}, "paths": [
        {"id": "one", "name": "one", "config": {"logic": "and", "conditions": []}, "steps": [_map(RENAME, "in1")]},
        {"id": "two", "name": "two", "config": {"logic": "and", "conditions": []},
         "steps": [_map(RENAME, "x1"), _map(AGAIN, "x2")]}]}
    definition = {"steps": [_payload('{"a": 1}'), route, _map([{"source": "c", "target": "d"}], "after")]}
    result = Engine(Environment(log=log, retry_delay=0)).run(definition, [Payload({"b": 5})], start_at="x2")
    assert result.status == "success", result.error
    assert [p.data for p in result.bucket] == [{"d": 5}]
    assert log.steps() == ["x2", "after"]


def test_start_at_inside_a_try_path_still_isolates_failing_payloads():
    try_catch = {"id": "tc", "type": "try_catch", "version": 1, "config": {"on_exception": "partial"}, "paths": [
        {"name": "try", "steps": [_map([], "first"), _map(RENAME, "second")]}, {"name": "catch", "steps": []}]}
    bucket = [Payload({"a": 1}), Payload("bad", format="text")]
    result = Engine(Environment(log=Log(), retry_delay=0)).run({"steps": [try_catch]}, bucket, start_at="second")
    assert result.status == "partial"
    assert [p.data for p in result.bucket] == [{"b": 1}]
    assert len(result.failed) == 1


def test_start_at_inside_a_catch_path_ends_the_run_there():
    log = Log()
    try_catch = {"id": "tc", "type": "try_catch", "version": 1, "config": {}, "paths": [
        {"name": "try", "steps": [_map(RENAME, "t")]}, {"name": "catch", "steps": [_map(RENAME, "c1")]}]}
    definition = {"steps": [try_catch, _map(AGAIN, "after")]}
    result = Engine(Environment(log=log, retry_delay=0)).run(definition, [Payload({"a": 2})], start_at="c1")
    assert result.status == "success"
    assert log.steps() == ["c1"]


def test_an_unknown_start_step_fails_clearly():
    result = Engine(Environment(log=Log())).run({"steps": [_map(RENAME, "m")]}, [], start_at="gone")
    assert result.status == "failure" and "no step 'gone'" in result.error
