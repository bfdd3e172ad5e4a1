"""Flow control shape: one payload per batch, nothing lost, duplicated or reordered (shape and engine), formats."""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.flows import formats, shapes
from app.flows.context import Payload, ShapeContext, ShapeError
from app.flows.engine import Engine, Environment

relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150)


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message, step.get("id") if step else None, bucket))


def run(config, bucket):
    log = Log()
    return shapes.get("flow_control").execute(ShapeContext(config=config, bucket=bucket, log=log)), log


def step(**config):
    return {"id": "fc", "type": "flow_control", "version": 1, "config": config}


# --- validate ------------------------------------------------------------------------------------

def test_a_complete_config_is_valid():
    config = {"level": "orders", "size": 100, "format": "auto", "wrap_single": True}
    assert shapes.get("flow_control").validate(config) == []
    assert shapes.get("flow_control").validate({}) == []  # level *, size 100, auto, wrap


@pytest.mark.parametrize("config,fragment", [
    ({"size": 0}, "at least 1, not 0"),
    ({"size": "2"}, "at least 1, not '2'"),
    ({"size": True}, "at least 1, not True"),
    ({"size": 2.5}, "at least 1, not 2.5"),
    ({"format": "text"}, "must be one of auto, json, xml, csv"),
    ({"level": "a.*.b"}, "must name one array"),
    ({"level": 5}, "must be a path"),
    ({"level": "a\\"}, "lone backslash"),
    ({"wrap_single": "no"}, "must be true or false"),
    ({"batch": 3}, "Unknown setting 'batch'"),
])
def test_every_option_is_checked(config, fragment):
    problems = shapes.get("flow_control").validate(config)
    assert any(fragment in p for p in problems), problems


def test_summary():
    assert shapes.get("flow_control").summary({"size": 5, "level": "orders"}) == "batches of 5 of orders"
    assert shapes.get("flow_control").summary({}) == "batches of 100"


# --- batching -------------------------------------------------------------------------------------

def test_one_payload_per_batch_with_meta_copied():
    source = Payload(list(range(5)), meta={"page": 1})
    out, log = run({"size": 2}, [source])
    assert [p.data for p in out] == [[0, 1], [2, 3], [4]]
    assert all(p.meta == {"page": 1} and p.meta is not source.meta for p in out)
    assert out[0].meta is not out[1].meta
    assert log[-1][1] == "Flow control cut 1 payload(s) into 3 batch(es) of up to 2."


def test_a_nested_level_keeps_the_surrounding_structure():
    data = {"page": 1, "orders": [{"id": 1}, {"id": 2}, {"id": 3}]}
    out, _ = run({"level": "orders", "size": 2}, [Payload(data)])
    assert [p.data for p in out] == [{"page": 1, "orders": [{"id": 1}, {"id": 2}]}, {"page": 1, "orders": [{"id": 3}]}]


def test_single_records_unwrapped():
    out, _ = run({"size": 1, "wrap_single": False}, [Payload([{"id": 1}, {"id": 2}])])
    assert [p.data for p in out] == [{"id": 1}, {"id": 2}]
    out, _ = run({"size": 1}, [Payload([{"id": 1}])])
    assert [p.data for p in out] == [[{"id": 1}]]


def test_an_empty_array_gives_no_payloads():
    assert run({"size": 3}, [Payload([])])[0] == []


def test_csv_payloads_are_batched_as_csv_with_the_header_each_time():
    out, _ = run({"size": 2}, [Payload("id;name\n1;a\n2;b\n3;c\n", format="csv", meta={"file": "x.csv"})])
    assert [(p.format, p.data) for p in out] == [("csv", "id;name\r\n1;a\r\n2;b\r\n"), ("csv", "id;name\r\n3;c\r\n")]
    assert out[1].meta == {"file": "x.csv"}


def test_xml_payloads_are_batched_as_xml():
    xml = "<orders><order><id>1</id></order><order><id>2</id></order><order><id>3</id></order></orders>"
    out, _ = run({"level": "orders.order", "size": 2}, [Payload(xml, format="xml")])
    assert [p.format for p in out] == ["xml", "xml"]
    assert [formats.parse(p.data, "xml") for p in out] == [
        {"orders": {"order": [{"id": "1"}, {"id": "2"}]}}, {"orders": {"order": {"id": "3"}}}]


def test_auto_detects_json_sent_as_text_and_an_explicit_format_is_used():
    out, _ = run({"size": 2}, [Payload('[1, 2, 3]', format="text")])
    assert [(p.format, p.data) for p in out] == [("json", [1, 2]), ("json", [3])]
    out, _ = run({"size": 1, "format": "csv"}, [Payload("a\n1\n2\n", format="text")])  # one column: not detectable
    assert [p.data for p in out] == ["a\r\n1\r\n", "a\r\n2\r\n"]


def test_unreadable_payloads_fail_clearly():
    with pytest.raises(ShapeError, match="Payload 1 reads as plain text, which has no records to batch"):
        run({}, [Payload("hello there", format="text")])
    with pytest.raises(ShapeError, match="Payload 1 could not be read as JSON: Invalid JSON"):
        run({"format": "json"}, [Payload("a,b\n1,2\n", format="csv")])
    with pytest.raises(ShapeError, match="Payload 2: batch level: the payload is an object, not an array"):
        run({}, [Payload([1]), Payload({"a": 1})])
    with pytest.raises(ShapeError, match="nothing at 'orders'"):
        run({"level": "orders"}, [Payload({"items": []})])


# --- nothing lost, duplicated or reordered -----------------------------------------------------------

records = st.lists(st.one_of(st.integers(), st.text(max_size=3), st.dictionaries(st.text(max_size=2),
                                                                                  st.integers(), max_size=2)),
                   max_size=40)


def _flatten(out, size, wrap):
    if size == 1 and not wrap:
        return [p.data for p in out]
    return [r for p in out for r in p.data]


@relaxed
@given(st.lists(records, max_size=5), st.integers(1, 12), st.booleans())
def test_the_shape_never_loses_duplicates_or_reorders(payloads, size, wrap):
    bucket = [Payload(list(p), meta={"n": i}) for i, p in enumerate(payloads)]
    out, _ = run({"size": size, "wrap_single": wrap}, bucket)
    assert _flatten(out, size, wrap) == [r for p in payloads for r in p]
    assert len(out) == sum(math.ceil(len(p) / size) for p in payloads)
    # each batch keeps the meta of the payload it came from, in order
    assert [p.meta["n"] for p in out] == [i for i, p in enumerate(payloads) for _ in range(math.ceil(len(p) / size))]


@relaxed
@given(st.lists(records, max_size=4), st.integers(1, 12), st.booleans())
def test_the_engine_never_loses_duplicates_or_reorders(payloads, size, wrap):
    log = Log()
    bucket = [Payload({"head": i, "rows": list(p)}) for i, p in enumerate(payloads)]
    definition = {"steps": [step(level="rows", size=size, wrap_single=wrap)]}
    result = Engine(Environment(log=log, retry_delay=0)).run(definition, bucket)
    assert result.status == "success"
    rows = [p.data["rows"] for p in result.bucket]
    flat = rows if (size == 1 and not wrap) else [r for batch in rows for r in batch]
    assert flat == [r for p in payloads for r in p]
    assert [p.data["head"] for p in result.bucket] == [
        i for i, p in enumerate(payloads) for _ in range(math.ceil(len(p) / size))]
    assert log[-1][3] is result.bucket


def test_through_the_engine_after_a_manual_payload():
    log = Log()
    definition = {"steps": [{"id": "mp", "type": "manual_payload", "config": {"format": "json", "body": "[1,2,3,4,5]"}},
                            step(size=2)]}
    result = Engine(Environment(log=log, retry_delay=0)).run(definition, [])
    assert [p.data for p in result.bucket] == [[1, 2], [3, 4], [5]]
    # Flow control never changes size much: the batches add up to the input, give or take brackets and commas.
    assert result.data_out == len(b"[1,2,3,4,5]") + len(b"[1,2][3,4][5]")
