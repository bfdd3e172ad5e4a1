"""Callback: the first callback shape answers the waiting caller with the bucket; the data carries on."""
from __future__ import annotations

from app.flows import shapes
from app.flows.context import Payload, ShapeContext
from app.flows.engine import Engine, Environment


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message))


class Caller(list):
    """Stands in for the waiting request: like app.runs.callbacks.respond, only the first answer counts."""

    def __call__(self, bucket):
        self.append([p.data for p in bucket])
        return len(self) == 1


def answer(bucket, caller=None):
    log = Log()
    out = shapes.get("callback").execute(ShapeContext(config={}, bucket=bucket, log=log, callback_respond=caller))
    return out, log


def test_the_bucket_is_returned_to_the_caller_and_passed_on():
    caller = Caller()
    bucket = [Payload({"sku": "A", "stock": 4}), Payload({"sku": "B", "stock": 0})]
    out, log = answer(bucket, caller)
    assert out is bucket
    assert caller == [[{"sku": "A", "stock": 4}, {"sku": "B", "stock": 0}]]
    assert log == [("info", "Answered the callback request with 2 payloads.")]


def test_a_run_not_started_by_a_callback_has_nothing_to_answer():
    bucket = [Payload({})]
    out, log = answer(bucket)
    assert out is bucket
    assert log == [("warning", "This run was not started by a callback trigger; nothing to answer.")]


def test_through_the_engine_only_the_first_callback_shape_answers():
    caller, log = Caller(), Log()
    definition = {"steps": [
        {"id": "p", "type": "manual_payload", "config": {"format": "json", "body": '{"balance": 12.5}'}},
        {"id": "c1", "type": "callback", "config": {}},
        {"id": "s", "type": "set_variables", "config": {"meta": [{"key": "answered", "value": "yes"}]}},
        {"id": "c2", "type": "callback", "config": {}},
    ]}
    result = Engine(Environment(log=log, retry_delay=0, callback_respond=caller)).run(definition, [])
    assert result.status == "success"
    assert result.bucket[0].data == {"balance": 12.5} and result.bucket[0].meta == {"answered": "yes"}
    assert len(caller) == 2  # the second shape asked, and was told the caller already had its answer
    assert ("info", "Answered the callback request with 1 payload.") in log
    assert ("warning", "The callback request was already answered by an earlier callback shape; "
                       "this one passes the data on.") in log
    assert shapes.get("callback").validate({}) == []
