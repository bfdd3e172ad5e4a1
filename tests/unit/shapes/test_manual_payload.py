"""Manual payload shape: one payload in the chosen format replaces the bucket; size limit; later shapes read it."""
from __future__ import annotations

import time

import pytest

from app.flows import formats, shapes
from app.flows.context import Payload, ShapeContext, StepTimeout
from app.flows.engine import Engine, Environment

XML = '<?xml version="1.0"?>\n<order id="7" xmlns:sh="urn:shop"><sh:customer>Zoë</sh:customer><line/><line/></order>'
CSV = 'sku;name\nA-1;"Crème; brûlée"\nB-2;Ünal\n'


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message))


def run(config, bucket=(), **ctx_args):
    return shapes.get("manual_payload").execute(ShapeContext(config=config, bucket=list(bucket), log=Log(),
                                                             **ctx_args))


def validate(config):
    return shapes.get("manual_payload").validate(config)


# --- validate and summary -------------------------------------------------------------------------

def test_every_format_with_a_body_is_valid():
    assert validate({"format": "json", "body": "{}"}) == []
    assert validate({"format": "xml", "body": XML}) == []
    assert validate({"format": "csv", "body": CSV}) == []
    assert validate({"format": "text", "body": "héllo 👋"}) == []


def test_an_empty_body_is_refused_as_the_panel_refuses_it():
    refused = ["Paste the payload ({} is allowed for an empty JSON object)."]
    for fmt in ("json", "xml", "csv", "text"):
        assert validate({"format": fmt, "body": ""}) == refused
        assert validate({"format": fmt, "body": " \n\t"}) == refused
    assert validate({"format": "json"}) == refused  # a new, untouched shape


def test_an_unknown_format_and_invalid_json_are_refused():
    assert validate({"format": "yaml", "body": "a: 1"}) == ["Format must be one of json, xml, csv, text."]
    assert validate({"format": "json", "body": '{\n  "a": 1,\n}'}) == [
        "The payload is not valid JSON: Expecting property name enclosed in double quotes (line 3, column 1)."]


def test_the_limit_is_100000_characters_not_bytes():
    assert validate({"format": "text", "body": "é" * 100_000}) == []  # 200,000 bytes of UTF-8
    assert validate({"format": "text", "body": "é" * 100_001}) == [
        "The payload is 100,001 characters; the limit is 100,000."]
    big_json = '["' + "x" * 99_996 + '"]'
    assert len(big_json) == 100_000 and validate({"format": "json", "body": big_json}) == []


def test_summary():
    assert shapes.get("manual_payload").summary({"format": "xml", "body": XML}) == f"XML, {len(XML):,} characters"


# --- execute ----------------------------------------------------------------------------------------

def test_json_is_parsed_and_replaces_the_incoming_bucket():
    out = run({"format": "json", "body": '[{"name": "Zoë"}]'}, [Payload({"a": 1}), Payload({"a": 2})])
    assert [(p.format, p.data, p.meta) for p in out] == [("json", [{"name": "Zoë"}], {})]


@pytest.mark.parametrize("fmt,body", [("xml", XML), ("csv", CSV), ("text", "Grüße, 世界 👋")])
def test_other_formats_are_passed_on_as_the_text_typed(fmt, body):
    [out] = run({"format": fmt, "body": body})
    assert (out.format, out.data) == (fmt, body)
    assert out.to_bytes() == body.encode("utf-8")  # data usage counts the UTF-8 bytes


def test_later_shapes_read_its_xml_and_csv():
    assert formats.parse(run({"format": "xml", "body": XML})[0].data, "xml") == {
        "order": {"@id": "7", "@xmlns:sh": "urn:shop", "sh:customer": "Zoë", "line": [None, None]}}
    steps = [{"id": "p", "type": "manual_payload", "config": {"format": "csv", "body": CSV}},
             {"id": "f", "type": "filter", "config": {"conditions": [
                 {"field": "name", "operator": "equals", "type": "string", "value": "Ünal"}]}}]
    result = Engine(Environment(log=lambda *a, **k: None, retry_delay=0)).run({"steps": steps}, [])
    assert result.status == "success", result.error
    assert [(p.format, p.data) for p in result.bucket] == [("csv", "sku;name\r\nB-2;Ünal\r\n")]


def test_a_step_already_past_its_time_limit_emits_nothing():
    with pytest.raises(StepTimeout, match="time limit"):
        run({"format": "json", "body": "{}"}, deadline=time.monotonic() - 1)
