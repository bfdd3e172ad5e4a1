"""Branch shape: same data down every branch, in order; the first failing branch stops the rest."""
from __future__ import annotations

import pytest

from app.flows import shapes
from app.flows.context import Fork, Payload, ShapeContext, ShapeError
from app.flows.engine import Engine, Environment


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message, step.get("id") if step else None, bucket))


def branch_path(name, steps=()):
    return {"id": name, "name": name, "steps": list(steps)}


def _map(target, id_, **extra):
    return {"id": id_, "type": "map", "version": 1, "config": {"rules": [{"source": "a", "target": target}]}, **extra}


def _text_payload(id_):
    return {"id": id_, "type": "manual_payload", "config": {"format": "text", "body": "not json"}}


def _run(paths, bucket):
    log = Log()
    step = {"id": "b", "type": "branch", "version": 1, "config": {}, "paths": paths}
    return Engine(Environment(log=log, retry_delay=0)).run({"steps": [step]}, bucket), log


def test_validate():
    shape = shapes.get("branch")
    assert shape.validate({}) == [] and shape.validate({"x": 1}) == ["Unknown setting 'x'."]
    assert shape.validate_paths([branch_path("A"), branch_path("B")]) == []
    assert shape.validate_paths([branch_path("A")]) == []
    assert shape.validate_paths([]) == ["A branch shape holds 1 to 6 branches; it has 0."]
    assert shape.validate_paths([branch_path(str(i)) for i in range(7)]) == [
        "A branch shape holds 1 to 6 branches; it has 7."]
    assert shape.summary({}) == "paths run in order"


def test_every_branch_gets_the_same_payloads_as_its_own_objects():
    bucket = [Payload({"a": 1}, meta={"k": "v"}), Payload("text", format="text")]
    ctx = ShapeContext(config={}, bucket=bucket, log=Log(), paths=[{"id": "1"}, {"id": "2"}, {"id": "3"}])
    fork = shapes.get("branch").execute(ctx)
    assert isinstance(fork, Fork) and fork.sequential
    assert len(fork.buckets) == 3
    for path_bucket in fork.buckets:
        assert [(p.data, p.format, p.meta) for p in path_bucket] == [({"a": 1}, "json", {"k": "v"}),
                                                                     ("text", "text", {})]
    assert fork.buckets[0][0] is not fork.buckets[1][0] and fork.buckets[0][0].meta is not bucket[0].meta


def test_a_branch_shape_without_branches_fails():
    with pytest.raises(ShapeError, match="no branches"):
        shapes.get("branch").execute(ShapeContext(config={}, bucket=[], log=Log()))


def test_branches_run_in_order_with_the_same_input_and_their_outputs_join():
    paths = [branch_path("First", [_map("x", "m1")]), branch_path("Second", [_map("y", "m2")]),
             branch_path("Third", [_map("z", "m3")])]
    result, log = _run(paths, [Payload({"a": 1}), Payload({"a": 2})])
    assert result.status == "success"
    assert [p.data for p in result.bucket] == [{"x": 1}, {"x": 2}, {"y": 1}, {"y": 2}, {"z": 1}, {"z": 2}]
    order = [entry[2] for entry in log if entry[2] in ("m1", "m2", "m3") and "started" in entry[1]]
    assert order == ["m1", "m2", "m3"]
    starts = [m for _, m, *_ in log if "starts with" in m]
    assert starts == ["Branch: 'First' starts with 2 payloads.", "Branch: 'Second' starts with 2 payloads.",
                      "Branch: 'Third' starts with 2 payloads."]


def test_the_first_failing_branch_stops_the_remaining_branches():
    # The second branch swaps in a text payload; map raises on non-JSON, so that branch fails.
    paths = [branch_path("Fine", [_map("x", "m1")]),
             branch_path("Broken", [_text_payload("t"), _map("y", "m2", retries=0)]),
             branch_path("Never", [_map("z", "m3")])]
    result, log = _run(paths, [Payload({"a": 1})])
    assert result.status == "failure" and "Map needs JSON payloads" in result.error
    assert any(entry[2] == "m1" and "finished" in entry[1] for entry in log)
    assert not any(entry[2] == "m3" for entry in log)
    assert not any("'Never' starts" in entry[1] for entry in log)
    assert ("error", "Branch: 'Broken' failed; the remaining paths do not start.", "b", None) in log


def test_nested_branches():
    inner = {"id": "inner", "type": "branch", "config": {},
             "paths": [branch_path("i1", [_map("p", "m-i1")]), branch_path("i2", [_map("q", "m-i2")])]}
    result, _ = _run([branch_path("outer", [inner]), branch_path("after", [_map("r", "m-after")])],
                     [Payload({"a": 7})])
    assert [p.data for p in result.bucket] == [{"p": 7}, {"q": 7}, {"r": 7}]
