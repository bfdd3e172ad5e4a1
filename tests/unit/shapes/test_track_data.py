"""Track data: values at field paths of every record, capped at 255 characters; payloads pass through."""
from __future__ import annotations

from app.flows import shapes
from app.flows.context import Payload, ShapeContext
from app.flows.engine import Engine, Environment


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message))


class Tracker(list):
    """Stands in for the run's tracked-data store: one entry per call."""

    def __call__(self, pairs):
        self.append(list(pairs))


def track(config, bucket, tracker=None):
    log = Log()
    ctx = ShapeContext(config=config, bucket=bucket, log=log, track=tracker)
    return shapes.get("track_data").execute(ctx), log


def test_every_record_of_every_payload_is_tracked_under_its_label():
    tracker = Tracker()
    bucket = [Payload([{"customer_id": "C1", "order": {"ref": "R1"}}, {"customer_id": "C2"}]),
              Payload({"customer_id": 3, "order": {"ref": "R3"}})]
    out, log = track({"fields": [{"path": "customer_id", "label": "Customer"}, {"path": "order.ref"}]}, bucket, tracker)
    assert out is bucket
    assert tracker == [[("Customer", "C1"), ("order.ref", "R1"), ("Customer", "C2")],
                       [("Customer", "3"), ("order.ref", "R3")]]
    assert log == [("info", "Tracked 5 values.")]


def test_wildcards_track_each_value_long_values_are_cut_and_empty_ones_skipped():
    tracker = Tracker()
    record = {"lines": [{"sku": "A"}, {"sku": None}, {"sku": "B"}], "note": "n" * 300, "empty": "",
              "nothing": None, "address": {"city": "Leeds"}, "flag": False}
    track({"fields": [{"path": "lines.*.sku", "label": "SKU"}, {"path": "note"}, {"path": "empty"},
                      {"path": "nothing"}, {"path": "missing.path"}, {"path": "address"}, {"path": "flag"}]},
          [Payload(record)], tracker)
    assert tracker == [[("SKU", "A"), ("SKU", "B"), ("note", "n" * 255), ("address", '{"city":"Leeds"}'),
                        ("flag", "false")]]


def test_non_json_payloads_pass_untracked_with_a_warning():
    tracker = Tracker()
    bucket = [Payload("<order id='1'/>", format="xml"), Payload({"id": 1})]
    out, log = track({"fields": [{"path": "id"}]}, bucket, tracker)
    assert out is bucket and tracker == [[("id", "1")]]
    assert ("warning", "Track data reads JSON only: 1 payload was not JSON and passed untracked.") in log


def test_without_a_tracking_service_the_data_still_passes():
    bucket = [Payload({"id": 1})]
    out, log = track({"fields": [{"path": "id"}]}, bucket)
    assert out is bucket
    assert log == [("warning", "Tracked data is not available in this run; nothing was tracked.")]


def test_validation():
    shape = shapes.get("track_data")
    assert shape.validate({}) == ["Add at least one field to track."]
    assert shape.validate({"fields": [{"path": " "}]}) == ["Field 1 needs a path, such as customer_id."]
    assert shape.validate({"fields": [{"path": "a\\"}]})[0].startswith("Field 1: path")
    assert shape.validate({"fields": [{"path": "id", "label": "x" * 121}]}) == [
        "Field 1: the label must be text of at most 120 characters."]
    assert shape.validate({"fields": [{"path": "customer.id", "label": "Customer"}]}) == []
    assert shape.summary({"fields": [{"path": "customer.id", "label": "Customer"}, {"path": "sku"}]}) == "Customer, sku"


def test_through_the_engine_the_bucket_is_unchanged_and_values_reach_the_hook():
    tracker = Tracker()
    definition = {"steps": [
        {"id": "p", "type": "manual_payload", "config": {"format": "json", "body": '[{"id": 1}, {"id": 2}]'}},
        {"id": "t", "type": "track_data", "config": {"fields": [{"path": "id", "label": "Order"}]}},
    ]}
    result = Engine(Environment(log=Log(), retry_delay=0, track=tracker)).run(definition, [])
    assert result.status == "success" and result.bucket[0].data == [{"id": 1}, {"id": 2}]
    assert tracker == [[("Order", "1"), ("Order", "2")]]
