"""Filter shape: keep/remove, AND/OR, object payloads, emptied payloads, variables per payload, and the engine."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.flows import shapes
from app.flows.context import Payload, ShapeContext, ShapeError
from app.flows.engine import Engine, Environment

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
ORDERS = [
    {"id": 1, "status": "paid", "total": 120, "country": "FR"},
    {"id": 2, "status": "pending", "total": 80, "country": "GB"},
    {"id": 3, "status": "paid", "total": 15, "country": "DE"},
    {"id": 4, "status": "cancelled", "total": 300, "country": "FR"},
]


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message, step.get("id") if step else None, bucket))


def cond(field, operator, type_="string", value=None, **extra):
    return {"field": field, "operator": operator, "type": type_, "value": value, **extra}


def run(config, bucket, **ctx_args):
    log = Log()
    ctx = ShapeContext(config=config, bucket=bucket, log=log, now=NOW, **ctx_args)
    return shapes.get("filter").execute(ctx), log


def ids(bucket):
    return [[r["id"] for r in p.data] if isinstance(p.data, list) else p.data["id"] for p in bucket]


# --- validate and summary --------------------------------------------------------------------------

def test_a_complete_config_is_valid():
    config = {"conditions": [cond("status", "equals", value="paid"), cond("total", ">", "number", "10")],
              "logic": "or", "keep_matching": False}
    assert shapes.get("filter").validate(config) == []


@pytest.mark.parametrize("config,fragment", [
    ({}, "Add at least one condition"),
    ({"conditions": []}, "Add at least one condition"),
    ({"conditions": {"field": "a"}}, "Conditions must be a list"),
    ({"conditions": ["status"]}, "Condition 1: must be an object"),
    ({"conditions": [cond("status", "equals", value="x")], "logic": "xor"}, "Logic must be 'and' or 'or'"),
    ({"conditions": [cond("status", "equals", value="x")], "keep_matching": "yes"}, "Keep matching must be"),
    ({"conditions": [cond("status", "equals", value="x")], "colour": "red"}, "Unknown setting 'colour'"),
    ({"conditions": [cond("status", "equals", value="x", colour=1)]}, "Condition 1: unknown setting 'colour'"),
    ({"conditions": [{"field": "a", "type": "string", "value": "x"}]}, "Condition 1: choose an operator"),
    ({"conditions": [{"field": "a", "operator": "equals", "value": "x"}]}, "Condition 1: choose a type"),
    ({"conditions": [cond("", "equals", value="x")]}, "choose a field"),
    ({"conditions": [cond("total", ">", "number", "ten")]}, "'ten' is not a number"),
    ({"conditions": [cond("status", "greater_than", value="x")]}, "does not apply to String"),
    ({"conditions": [cond("status", "equals", value=["x"])]}, "the value must be text, a number or true/false"),
    ({"conditions": [cond("status", "equals", value="[[paylod.x]]")]}, "Unknown variable [[paylod.x]]"),
    ({"conditions": [cond("a\\", "equals", value="x")]}, "lone backslash"),
    ({"conditions": [cond("at", "within_last", "dynamic_date", "2 hours", date_format=5)]}, "date format must be"),
])
def test_every_option_is_checked(config, fragment):
    problems = shapes.get("filter").validate(config)
    assert any(fragment in p for p in problems), problems


def test_values_with_variables_are_checked_at_run_time_only():
    config = {"conditions": [cond("total", ">", "number", "[[flow.variables.minimum]]")]}
    assert shapes.get("filter").validate(config) == []


def test_summary_is_one_line():
    shape = shapes.get("filter")
    assert shape.summary({"conditions": [cond("status", "equals", value="paid")]}) == "keep where status equals paid"
    two = {"conditions": [cond("a", "is_empty"), cond("b", "is_empty")], "logic": "or", "keep_matching": False}
    assert shape.summary(two) == "remove where 2 conditions match (OR)"


# --- records inside payloads -------------------------------------------------------------------------

def test_keep_matching_keeps_the_matches_in_order():
    out, _ = run({"conditions": [cond("status", "equals", value="paid")], "keep_matching": True},
                 [Payload(ORDERS)])
    assert ids(out) == [[1, 3]]


def test_keep_matching_off_removes_the_matches():
    out, _ = run({"conditions": [cond("status", "equals", value="paid")], "keep_matching": False},
                 [Payload(ORDERS)])
    assert ids(out) == [[2, 4]]


def test_and_needs_every_condition_or_needs_one():
    rows = [cond("status", "equals", value="paid"), cond("total", ">=", "number", "100")]
    assert ids(run({"conditions": rows, "logic": "and"}, [Payload(ORDERS)])[0]) == [[1]]
    assert ids(run({"conditions": rows, "logic": "OR"}, [Payload(ORDERS)])[0]) == [[1, 3, 4]]


def test_an_object_payload_is_kept_or_removed_whole():
    bucket = [Payload(ORDERS[0]), Payload(ORDERS[1]), Payload(ORDERS[2])]
    out, log = run({"conditions": [cond("status", "equals", value="paid")]}, bucket)
    assert ids(out) == [1, 3]
    assert out[0] is bucket[0]  # an untouched payload passes as it is
    assert log[-1][1] == "Filter removed 1 record of 3; 1 payload left with no records was dropped."


def test_payloads_emptied_by_the_filter_are_dropped_and_the_log_counts_removals():
    bucket = [Payload(ORDERS[:2], meta={"page": 1}), Payload([ORDERS[3]], meta={"page": 2}), Payload([])]
    out, log = run({"conditions": [cond("status", "not_equals", value="cancelled")]}, bucket)
    assert ids(out) == [[1, 2]]
    assert out[0].meta == {"page": 1}
    assert log == [("info", "Filter removed 1 record of 3; 2 payloads left with no records were dropped.", None,
                    None)]


def test_a_partly_filtered_payload_is_a_new_payload_with_its_meta_copied():
    source = Payload(ORDERS, meta={"page": 3})
    out, _ = run({"conditions": [cond("country", "equals", value="FR")]}, [source])
    assert out[0] is not source and out[0].meta == {"page": 3} and out[0].meta is not source.meta
    assert source.data == ORDERS  # the input is not changed


def test_dynamic_dates_use_the_engines_now():
    records = [{"id": 1, "at": "2024-03-15T11:00:00Z"}, {"id": 2, "at": "2024-03-14T11:00:00Z"}]
    config = {"conditions": [cond("at", "within_last", "dynamic_date", "2 hours")]}
    assert ids(run(config, [Payload(records)])[0]) == [[1]]


# --- XML and CSV payloads: conditions read the parsed data, payloads keep their format ----------------

ORDERS_XML = """<?xml version="1.0"?>
<orders xmlns:sh="urn:shop" sh:channel="web">
  <order id="1" status="paid"><sh:customer>Zoë</sh:customer><line sku="A"/><line sku="B"/></order>
  <order id="2" status="pending"><sh:customer>Bob</sh:customer></order>
</orders>"""


def test_an_xml_document_is_one_record_kept_or_removed_untouched():
    bucket = [Payload(ORDERS_XML, format="xml", meta={"n": 1})]
    paid = {"conditions": [cond("orders.order.*.@status", "equals", value="paid")]}
    [kept], _ = run(paid, bucket)
    assert kept is bucket[0] and kept.data == ORDERS_XML and kept.format == "xml"  # the original text goes on
    assert run({"conditions": [cond("orders.@sh:channel", "equals", value="web")]}, bucket)[0] == [bucket[0]]
    assert run({"conditions": [cond("orders.@sh:channel", "equals", value="shop")]}, bucket)[0] == []
    by_repeated = {"conditions": [cond("orders.order.*.line.*.@sku", "equals", value="B")]}
    assert run(by_repeated, bucket)[0] == [bucket[0]]
    by_unicode = {"conditions": [cond("orders.order.*.sh:customer", "equals", value="Zoë")], "keep_matching": False}
    assert run(by_unicode, bucket)[0] == []


CSV = 'id;name;note\n1;Zoë;"says ""hi""; twice"\n2;Ünal;plain\n3;Zoë;"two\nlines"\n'


def test_csv_rows_are_filtered_and_stay_csv_with_the_header_and_delimiter():
    source = Payload(CSV, format="csv", meta={"file": "c.csv"})
    [out], log = run({"conditions": [cond("name", "equals", value="Zoë")]}, [source])
    assert out.format == "csv" and out.meta == {"file": "c.csv"} and out.meta is not source.meta
    assert out.data == 'id;name;note\r\n1;Zoë;"says ""hi""; twice"\r\n3;Zoë;"two\nlines"\r\n'
    assert log[-1][1] == "Filter removed 1 record of 3."


def test_a_csv_that_keeps_every_row_passes_untouched():
    source = Payload(CSV, format="csv")
    out, _ = run({"conditions": [cond("id", "is_not_empty")]}, [source])
    assert out == [source] and out[0].data is CSV


def test_an_empty_csv_has_no_records_and_is_dropped():
    out, log = run({"conditions": [cond("id", "is_not_empty")]}, [Payload("id,name\n", format="csv")])
    assert out == [] and "1 payload left with no records was dropped" in log[-1][1]


def test_variables_in_conditions_read_the_parsed_payload():
    config = {"conditions": [cond("name", "equals", value="[[payload.0.name]]")]}
    [out], _ = run(config, [Payload(CSV, format="csv")])
    assert out.data.count("Zoë") == 2 and "Ünal" not in out.data


def test_payloads_that_cannot_be_read_fail_clearly():
    config = {"conditions": [cond("a", "is_empty")]}
    with pytest.raises(ShapeError, match=r"^Filter needs JSON payloads \(or XML or CSV\); payload 2 is plain text\.$"):
        run(config, [Payload([{"a": ""}]), Payload("hello there", format="text")])
    with pytest.raises(ShapeError, match=r"^Payload 1 could not be read as XML: Invalid XML at line 2"):
        run(config, [Payload("<a>\n<b></a>", format="xml")])
    with pytest.raises(ShapeError, match=r"^Payload 1 could not be read as CSV: Invalid CSV at line 3"):
        run(config, [Payload("a,b\n1,2\n3,4,5\n", format="csv")])


# --- variables ---------------------------------------------------------------------------------------

def test_value_variables_are_resolved_per_payload_from_its_meta():
    config = {"conditions": [cond("country", "equals", value="[[meta.country]]")]}
    bucket = [Payload(ORDERS, meta={"country": "FR"}), Payload(ORDERS, meta={"country": "GB"})]
    assert ids(run(config, bucket)[0]) == [[1, 4], [2]]


def test_flow_and_payload_variables():
    config = {"conditions": [cond("total", ">", "number", "[[flow.variables.minimum]]")]}
    out, _ = run(config, [Payload(ORDERS)], flow_variables={"minimum": 100})
    assert ids(out) == [[1, 4]]
    # [[payload…]] reads the payload (here the first record's status), not the record being tested.
    config = {"conditions": [cond("status", "equals", value="[[payload.0.status]]")]}
    assert ids(run(config, [Payload(ORDERS)])[0]) == [[1, 3]]


def test_a_list_variable_feeds_one_of_many():
    config = {"conditions": [cond("country", "one_of", value="[[flow.variables.europe]]")]}
    out, _ = run(config, [Payload(ORDERS)], flow_variables={"europe": ["FR", "DE"]})
    assert ids(out) == [[1, 3, 4]]


def test_a_field_path_can_hold_a_meta_variable():
    config = {"conditions": [cond("[[meta.field]]", "equals", value="FR")]}
    out, _ = run(config, [Payload(ORDERS, meta={"field": "country"})])
    assert ids(out) == [[1, 4]]


def test_a_variable_value_the_type_cannot_read_never_matches():
    config = {"conditions": [cond("total", ">", "number", "[[meta.limit]]")]}
    assert run(config, [Payload(ORDERS, meta={"limit": "lots"})])[0] == []


def test_an_unknown_variable_fails_the_step():
    config = {"conditions": [cond("status", "equals", value="[[flow.name]]")]}
    with pytest.raises(ShapeError, match=r"Unknown variable \[\[flow.name\]\]"):
        run(config, [Payload(ORDERS)])


# --- through the engine ------------------------------------------------------------------------------

def test_through_the_engine():
    log = Log()
    steps = [{"id": "f", "type": "filter", "version": 1,
              "config": {"conditions": [cond("total", ">=", "number", "[[flow.variables.minimum]]")],
                         "keep_matching": True}}]
    env = Environment(log=log, retry_delay=0, now=NOW, flow_variables={"minimum": "100"})
    result = Engine(env).run({"steps": steps}, [Payload(ORDERS), Payload([ORDERS[1]])])
    assert result.status == "success"
    assert ids(result.bucket) == [[1, 4]]
    assert ("info", "Filter removed 3 records of 5; 1 payload left with no records was dropped.", "f", None) in log
    assert log[-1][3] is result.bucket  # the engine hands the output bucket to the log for storage


def test_an_invalid_config_fails_the_run_without_retries():
    log = Log()
    steps = [{"id": "f", "type": "filter", "config": {"conditions": [cond("total", ">", "number", "ten")]}}]
    result = Engine(Environment(log=log, retry_delay=0)).run({"steps": steps}, [Payload(ORDERS)])
    assert result.status == "failure" and "'ten' is not a number" in result.error
    assert not any("attempt" in entry[1] for entry in log)
