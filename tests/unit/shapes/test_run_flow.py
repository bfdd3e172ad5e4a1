"""Run process flow: one child run per payload (or one with no payload), fire-and-forget."""
from __future__ import annotations

import itertools

import pytest

from app.flows import shapes
from app.flows.context import Payload, ShapeContext, ShapeError
from app.flows.engine import Engine, Environment


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message))


class Starter(list):
    """Stands in for the run service: records each child run and hands out run ids."""

    def __init__(self, first_id=100):
        super().__init__()
        self.ids = itertools.count(first_id)

    def __call__(self, *, flow_id, version, payload, meta, variables):
        self.append({"flow_id": flow_id, "version": version, "payload": payload, "meta": meta,
                     "variables": variables})
        return next(self.ids)


def start(config, bucket, starter=None, flow_id=1):
    log = Log()
    ctx = ShapeContext(config=config, bucket=bucket, log=log, start_child_run=starter, flow_id=flow_id,
                       flow_variables={"env": "live"})
    return shapes.get("run_process_flow").execute(ctx), log


def test_one_child_run_per_payload_with_its_meta_and_resolved_variables():
    starter = Starter()
    bucket = [Payload({"id": 7}, meta={"shop": "UK"}), Payload({"id": 8})]
    out, log = start({"flow_id": 12, "version": 3,
                      "variables": {"customer": "[[payload.id]]", "env": "[[flow.variables.env]]", "fixed": "x"}},
                     bucket, starter)
    assert out is bucket  # the calling flow carries on with its own data
    assert [c["payload"] for c in starter] == bucket
    assert [c["meta"] for c in starter] == [{"shop": "UK"}, {}]
    assert [c["variables"] for c in starter] == [{"customer": 7, "env": "live", "fixed": "x"},
                                                 {"customer": 8, "env": "live", "fixed": "x"}]
    assert all(c["flow_id"] == 12 and c["version"] == 3 for c in starter)
    assert log == [("info", "Started 2 runs of flow #12: #100, #101.")]
    starter[0]["meta"]["changed"] = True
    assert bucket[0].meta == {"shop": "UK"}  # the child gets a copy


def test_a_manual_payload_replaces_each_payload_and_keeps_its_meta():
    starter = Starter()
    start({"flow_id": 12, "payload": '{"report": true}'}, [Payload({"id": 1}, meta={"k": "v"})], starter)
    start({"flow_id": 12, "payload": "id,name\n1,Ada"}, [Payload({"id": 1})], starter)
    assert (starter[0]["payload"].data, starter[0]["payload"].format, starter[0]["meta"]) == (
        {"report": True}, "json", {"k": "v"})
    assert (starter[1]["payload"].data, starter[1]["payload"].format) == ("id,name\n1,Ada", "text")


def test_with_no_payload_the_child_runs_once_so_a_scheduled_flow_can_start_another():
    starter = Starter()
    out, log = start({"flow_id": 12, "version": None}, [], starter)
    assert out == [] and len(starter) == 1
    assert starter[0]["payload"] is None and starter[0]["meta"] == {} and starter[0]["version"] is None
    assert log == [("info", "Started 1 run of flow #12: #100.")]


def test_many_child_runs_are_logged_briefly():
    starter = Starter(1)
    _, log = start({"flow_id": 12}, [Payload({"n": n}) for n in range(25)], starter)
    assert log[0][1].startswith("Started 25 runs of flow #12: #1, #2,") and log[0][1].endswith("#20 and 5 more.")


def test_a_flow_cannot_run_itself_and_needs_the_run_service():
    with pytest.raises(ShapeError, match="a process flow cannot run itself"):
        start({"flow_id": 5}, [Payload({})], Starter(), flow_id=5)
    with pytest.raises(ShapeError, match="starting other process flows is not available in this run"):
        start({"flow_id": 6}, [Payload({})], None, flow_id=5)


def test_validation():
    shape = shapes.get("run_process_flow")
    assert shape.validate({}) == ["Choose the process flow to run."]
    assert shape.validate({"flow_id": True}) == ["Choose the process flow to run."]
    assert shape.validate({"flow_id": 3, "version": 0}) == [
        "The version must be a version number, or empty for the deployed version."]
    problems = shape.validate({"flow_id": 3, "variables": {"a": "[[nope]]"}})
    assert problems[0].startswith("Variable 'a': Unknown variable")
    assert shape.validate({"flow_id": 3, "payload": "x" * 100_001})[0].startswith("The manual payload is 100,001")
    assert shape.validate({"flow_id": 3, "version": None, "variables": {"a": "1"}, "payload": None}) == []
    assert shape.summary({"flow_id": 3, "version": 2}) == "flow #3, version 2"


def test_through_the_engine_a_refused_child_fails_the_step_once():
    log = Log()

    def refuse(**kwargs):
        raise ShapeError("Process flow 'Invoices' is disabled, so it was not started.")

    definition = {"steps": [
        {"id": "p", "type": "manual_payload", "config": {"format": "json", "body": '{"id": 1}'}},
        {"id": "r", "type": "run_process_flow", "config": {"flow_id": 9}},
    ]}
    result = Engine(Environment(log=log, retry_delay=0, flow_id=1, start_child_run=refuse)).run(definition, [])
    assert result.error == "Run process flow: Process flow 'Invoices' is disabled, so it was not started."
    assert not [m for _, m in log if "attempt" in m]

    starter = Starter()
    result = Engine(Environment(log=Log(), retry_delay=0, flow_id=1, start_child_run=starter)).run(definition, [])
    assert result.status == "success" and result.bucket[0].data == {"id": 1} and len(starter) == 1
