"""Map shape: JSON, XML and CSV payloads in, JSON out; clear errors for text and for XML or CSV that does not parse."""
from __future__ import annotations

import time

import pytest

from app.flows import shapes
from app.flows.context import Payload, ShapeContext, ShapeError, StepTimeout
from app.flows.engine import Engine, Environment

ORDERS_XML = """<?xml version="1.0" encoding="UTF-8"?>
<orders xmlns:sh="urn:shop">
  <order id="1" status="paid"><sh:customer>Zoë</sh:customer><total>120.50</total><line sku="A"/><line sku="B"/></order>
  <order id="2" status="pending"><sh:customer>Bob</sh:customer><total>80</total><line sku="C"/></order>
</orders>"""

CUSTOMERS_CSV = 'id;name;note\n1;Zoë;"says ""hi""; twice"\n2;Ünal;"two\nlines"\n'


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message))


def rule(source, target):
    return {"source": source, "target": target}


def run(rules, bucket, **ctx_args):
    ctx = ShapeContext(config={"rules": rules}, bucket=bucket, log=Log(), **ctx_args)
    return shapes.get("map").execute(ctx)


def test_json_payloads_are_mapped_as_before():
    out = run([rule("id", "customer_id")], [Payload([{"id": 1}, {"id": 2}], meta={"page": 1})])
    assert [(p.format, p.data, p.meta) for p in out] == [("json", [{"customer_id": 1}, {"customer_id": 2}],
                                                          {"page": 1})]


def test_xml_attributes_namespaced_elements_and_repeated_elements_are_read():
    rules = [rule("orders.order.*.@id", "orders.*.id"), rule("orders.order.*.sh:customer", "orders.*.name"),
             rule("orders.order.*.total", "orders.*.total"), rule("orders.order.0.line.*.@sku", "first_skus")]
    [out] = run(rules, [Payload(ORDERS_XML, format="xml", meta={"file": "orders.xml"})])
    assert out.format == "json" and out.meta == {"file": "orders.xml"}
    assert out.data == {"orders": [{"id": "1", "name": "Zoë", "total": "120.50"},
                                   {"id": "2", "name": "Bob", "total": "80"}],
                        "first_skus": ["A", "B"]}


def test_xml_bytes_follow_their_declared_encoding():
    raw = '<?xml version="1.0" encoding="ISO-8859-1"?><p><name>Zoë</name></p>'.encode("latin-1")
    [out] = run([rule("p.name", "name")], [Payload(raw, format="xml")])
    assert out.data == {"name": "Zoë"}


def test_csv_rows_are_mapped_record_by_record_with_quotes_and_unicode():
    out = run([rule("name", "who"), rule("note", "said")], [Payload(CUSTOMERS_CSV, format="csv")])
    assert [(p.format, p.data) for p in out] == [
        ("json", [{"who": "Zoë", "said": 'says "hi"; twice'}, {"who": "Ünal", "said": "two\nlines"}])]


def test_an_empty_csv_maps_to_an_empty_list():
    assert [p.data for p in run([rule("name", "who")], [Payload("id,name\n", format="csv")])] == [[]]


def test_text_that_is_json_xml_or_csv_is_detected():
    bucket = [Payload('{"id": 7}', format="text"), Payload("<p><id>8</id></p>", format="text"),
              Payload("id,x\n9,y\n", format="text")]
    out = run([rule("id", "n"), rule("p.id", "m")], bucket)
    assert [p.data for p in out] == [{"n": 7}, {"m": "8"}, [{"n": "9"}]]


def test_plain_text_fails_clearly():
    with pytest.raises(ShapeError, match=r"^Map needs JSON payloads \(or XML or CSV\); payload 2 is plain text\.$"):
        run([rule("a", "b")], [Payload({"a": 1}), Payload("hello there", format="text")])


def test_invalid_xml_names_the_payload_and_the_line():
    broken = "<orders>\n  <order>\n    <id>1</order>\n</orders>"
    with pytest.raises(ShapeError, match=r"^Payload 1 could not be read as XML: Invalid XML at line 3, column \d+"):
        run([rule("a", "b")], [Payload(broken, format="xml")])


def test_invalid_csv_names_the_payload_and_the_line():
    with pytest.raises(ShapeError, match=r"^Payload 1 could not be read as CSV: Invalid CSV at line 3: row has 3 "):
        run([rule("a", "b")], [Payload("a,b\n1,2\n3,4,5\n", format="csv")])


def test_a_map_past_its_time_limit_stops_before_the_next_payload():
    with pytest.raises(StepTimeout, match="time limit"):
        run([rule("a", "b")], [Payload({"a": 1})] * 3, deadline=time.monotonic() - 1)


def test_xml_from_a_previous_step_through_the_engine():
    steps = [{"id": "p", "type": "manual_payload", "config": {"format": "xml", "body": ORDERS_XML}},
             {"id": "m", "type": "map", "config": {"rules": [rule("orders.order.*.@status", "statuses")]}}]
    result = Engine(Environment(log=lambda *a, **k: None, retry_delay=0)).run({"steps": steps}, [])
    assert result.status == "success", result.error
    assert [(p.format, p.data) for p in result.bucket] == [("json", {"statuses": ["paid", "pending"]})]
