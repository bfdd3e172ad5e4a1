"""Split shape: the element at a level becomes the payload, optionally wrapped; arrays only through `*`."""
from __future__ import annotations

import pytest

from app.flows import shapes
from app.flows.context import Payload, ShapeContext, ShapeError
from app.flows.engine import Engine, Environment

CUSTOMER = {"customer": {"name": "Ann", "addresses": [{"city": "Leeds"}, {"city": "York"}]}}
ORDERS = {"orders": [{"id": 1, "lines": [{"sku": "a"}, {"sku": "b"}]}, {"id": 2, "lines": [{"sku": "c"}]}]}


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message, step.get("id") if step else None, bucket))


def run(config, bucket):
    return shapes.get("split").execute(ShapeContext(config=config, bucket=bucket, log=Log()))


def test_validate():
    shape = shapes.get("split")
    assert shape.validate({"level": "customer.addresses", "wrapper_key": None}) == []
    assert shape.validate({"level": "customer.addresses", "wrapper_key": "addresses"}) == []
    assert shape.validate({}) == ["Choose the level to split (a path such as customer.addresses)."]
    assert shape.validate({"level": "  "}) == ["Choose the level to split (a path such as customer.addresses)."]
    assert "lone backslash" in shape.validate({"level": "a\\"})[0]
    assert shape.validate({"level": "a", "wrapper_key": 3}) == [
        "The wrapper key must be text (or empty for no wrapper)."]
    assert shape.validate({"level": "a", "depth": 2}) == ["Unknown setting 'depth'."]


def test_summary():
    assert shapes.get("split").summary({"level": "customer.addresses"}) == "customer.addresses"
    assert shapes.get("split").summary({"level": "a", "wrapper_key": "k"}) == 'a → {"k": …}'


def test_the_element_at_the_level_becomes_the_payload_with_its_meta():
    out = run({"level": "customer.addresses"}, [Payload(CUSTOMER, meta={"source": "shop"})])
    assert [(p.data, p.meta) for p in out] == [([{"city": "Leeds"}, {"city": "York"}], {"source": "shop"})]


def test_a_wrapper_key_wraps_the_output():
    out = run({"level": "customer.addresses", "wrapper_key": "addresses"}, [Payload(CUSTOMER)])
    assert out[0].data == {"addresses": [{"city": "Leeds"}, {"city": "York"}]}
    assert run({"level": "customer.name", "wrapper_key": ""}, [Payload(CUSTOMER)])[0].data == "Ann"


def test_one_payload_out_per_payload_in_and_arrays_crossed_with_star():
    out = run({"level": "orders.*.lines.*", "wrapper_key": "lines"}, [Payload(ORDERS), Payload({"orders": []})])
    assert [p.data for p in out] == [{"lines": [{"sku": "a"}, {"sku": "b"}, {"sku": "c"}]}, {"lines": []}]


def test_a_name_does_not_cross_an_array_and_the_error_says_how_to_write_it():
    with pytest.raises(ShapeError, match=r"Payload 1: split level 'orders.lines': .* write 'orders\.\*\.lines'"):
        run({"level": "orders.lines"}, [Payload(ORDERS)])


def test_errors_name_the_payload():
    with pytest.raises(ShapeError, match="Payload 2: split level 'customer.phone': nothing at that path"):
        run({"level": "customer.phone"}, [Payload({"customer": {"phone": 1}}), Payload(CUSTOMER)])
    with pytest.raises(ShapeError, match=r"^Split needs JSON payloads \(or XML or CSV\); payload 1 is plain text\.$"):
        run({"level": "a"}, [Payload("just words", format="text")])
    with pytest.raises(ShapeError, match=r"^Payload 1 could not be read as XML: Invalid XML at line 2"):
        run({"level": "a"}, [Payload("<a>\n<b></a>", format="xml")])
    with pytest.raises(ShapeError, match=r"^Payload 1 could not be read as CSV: Invalid CSV at line 2"):
        run({"level": "a"}, [Payload('a,b\n"1,2\n', format="csv")])


def test_through_the_engine_then_a_filter():
    log = Log()
    steps = [{"id": "s", "type": "split", "config": {"level": "customer.addresses", "wrapper_key": None}},
             {"id": "f", "type": "filter", "config": {"conditions": [
                 {"field": "city", "operator": "equals", "type": "string", "value": "York"}]}}]
    result = Engine(Environment(log=log, retry_delay=0)).run({"steps": steps}, [Payload(CUSTOMER)])
    assert result.status == "success"
    assert [p.data for p in result.bucket] == [[{"city": "York"}]]
    split_out = next(entry[3] for entry in log if entry[2] == "s" and entry[3] is not None)
    assert [p.data for p in split_out] == [[{"city": "Leeds"}, {"city": "York"}]]


# --- XML and CSV payloads ---------------------------------------------------------------------------

ORDER_XML = """<?xml version="1.0"?>
<sh:order xmlns:sh="urn:shop" id="7">
  <sh:customer vip="yes"><name>Zoë</name></sh:customer>
  <line sku="A">2</line><line sku="B">5</line>
</sh:order>"""


def test_xml_is_split_into_json():
    xml = Payload(ORDER_XML, format="xml", meta={"file": "o.xml"})
    [lines] = run({"level": "sh:order.line"}, [xml])
    assert (lines.format, lines.data, lines.meta) == (
        "json", [{"@sku": "A", "#text": "2"}, {"@sku": "B", "#text": "5"}], {"file": "o.xml"})
    [customer] = run({"level": "sh:order.sh:customer", "wrapper_key": "customer"}, [xml])
    assert (customer.format, customer.data) == ("json", {"customer": {"@vip": "yes", "name": "Zoë"}})
    [skus] = run({"level": "sh:order.line.*.@sku"}, [xml])
    assert skus.data == ["A", "B"]


CSV = 'id;name;note\n1;Zoë;"says ""hi""; twice"\n2;Ünal;"two\nlines"\n'


def test_csv_rows_stay_csv_with_their_header_and_delimiter():
    [row] = run({"level": "1"}, [Payload(CSV, format="csv", meta={"file": "c.csv"})])
    assert (row.format, row.data, row.meta) == ("csv", 'id;name;note\r\n2;Ünal;"two\nlines"\r\n', {"file": "c.csv"})
    [rows] = run({"level": "*"}, [Payload(CSV, format="csv")])
    assert rows.format == "csv"
    assert rows.data == 'id;name;note\r\n1;Zoë;"says ""hi""; twice"\r\n2;Ünal;"two\nlines"\r\n'


def test_csv_values_that_are_not_rows_become_json():
    [names] = run({"level": "*.name"}, [Payload(CSV, format="csv")])
    assert (names.format, names.data) == ("json", ["Zoë", "Ünal"])
    [wrapped] = run({"level": "0", "wrapper_key": "first"}, [Payload(CSV, format="csv")])
    assert (wrapped.format, wrapped.data) == ("json", {"first": {"id": "1", "name": "Zoë", "note": 'says "hi"; twice'}})
    [empty] = run({"level": "*"}, [Payload("id,name\n", format="csv")])
    assert (empty.format, empty.data) == ("json", [])
