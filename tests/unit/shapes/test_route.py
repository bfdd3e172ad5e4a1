"""Route shape: all vs first, routes without conditions, dropped records, and nested route paths in the engine."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.flows import shapes
from app.flows.context import Fork, Payload, ShapeContext, ShapeError
from app.flows.engine import Engine, Environment

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
ORDERS = [
    {"id": 1, "country": "FR", "total": 500},
    {"id": 2, "country": "GB", "total": 20},
    {"id": 3, "country": "DE", "total": 900},
    {"id": 4, "country": "US", "total": 10},
]


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message, step.get("id") if step else None, bucket))


def cond(field, operator, type_="string", value=None):
    return {"field": field, "operator": operator, "type": type_, "value": value}


EUROPE = cond("country", "one_of", value="FR,DE,GB")
BIG = cond("total", ">=", "number", "100")


def path(name, *conditions, logic="and", steps=()):
    return {"id": name, "name": name, "config": {"logic": logic, "conditions": list(conditions)}, "steps": list(steps)}


def run(method, paths, bucket, **ctx_args):
    log = Log()
    ctx = ShapeContext(config={"method": method}, bucket=bucket, log=log, now=NOW,
                       paths=[{k: v for k, v in p.items() if k != "steps"} for p in paths], **ctx_args)
    return shapes.get("route").execute(ctx), log


def ids(bucket):
    if bucket is None:
        return None
    return [[r["id"] for r in p.data] if isinstance(p.data, list) else p.data["id"] for p in bucket]


# --- validate ------------------------------------------------------------------------------------

def test_config_and_routes_are_validated():
    shape = shapes.get("route")
    assert shape.validate({"method": "all"}) == [] and shape.validate({}) == []
    assert "Routing method must be 'all'" in shape.validate({"method": "some"})[0]
    assert shape.validate({"method": "first", "x": 1}) == ["Unknown setting 'x'."]
    assert shape.validate_paths([path("EU", EUROPE), path("Rest")]) == []
    assert shape.validate_paths([path("EU", EUROPE)]) == ["A route shape needs at least 2 routes; it has 1."]
    assert shape.validate_paths([path("A"), path("A")]) == ["Two routes are called 'A'; give each route its own name."]
    problems = shape.validate_paths([path("EU", cond("total", ">", "number", "ten")), path("B", logic="nand")])
    assert problems == ["Route 'EU': Condition on 'total': 'ten' is not a number",
                        "Route 'B': Logic must be 'and' or 'or', not 'nand'."]


def test_summary():
    assert shapes.get("route").summary({"method": "first"}) == "Follow first matching route only"


# --- routing --------------------------------------------------------------------------------------

def test_follow_all_sends_a_record_down_every_matching_route():
    fork, log = run("all", [path("EU", EUROPE), path("Big", BIG)], [Payload(ORDERS)])
    assert isinstance(fork, Fork) and not fork.sequential
    assert [ids(b) for b in fork.buckets] == [[[1, 2, 3]], [[1, 3]]]
    assert log[-1][1] == ("Route (follow all matching routes): 'EU' 3 records, 'Big' 2 records; 1 record of 4 "
                          "matched no route and was dropped.")


def test_follow_first_sends_a_record_down_the_first_matching_route_only():
    fork, _ = run("first", [path("Big", BIG), path("EU", EUROPE)], [Payload(ORDERS)])
    assert [ids(b) for b in fork.buckets] == [[[1, 3]], [[2]]]


def test_a_route_without_conditions_gets_every_record_that_reaches_it():
    fork, log = run("first", [path("EU", EUROPE), path("Everything else")], [Payload(ORDERS)])
    assert [ids(b) for b in fork.buckets] == [[[1, 2, 3]], [[4]]]
    assert "dropped" not in log[-1][1]
    fork, _ = run("all", [path("EU", EUROPE), path("All")], [Payload(ORDERS)])
    assert [ids(b) for b in fork.buckets] == [[[1, 2, 3]], [[1, 2, 3, 4]]]


def test_a_route_shape_with_no_conditions_sends_everything_down_every_route_in_any_format():
    bucket = [Payload("a,b\n1,2", format="csv", meta={"n": 1})]
    fork, _ = run("first", [path("A"), path("B")], bucket)
    assert [[p.data for p in b] for b in fork.buckets] == [["a,b\n1,2"], ["a,b\n1,2"]]
    assert fork.buckets[0][0] is not fork.buckets[1][0]


def test_a_route_that_gets_nothing_does_not_start():
    fork, _ = run("all", [path("US", cond("country", "equals", value="JP")), path("EU", EUROPE)], [Payload(ORDERS)])
    assert fork.buckets[0] is None and ids(fork.buckets[1]) == [[1, 2, 3]]


def test_each_payload_is_routed_on_its_own_and_keeps_its_meta():
    bucket = [Payload(ORDERS[:2], meta={"page": 1}), Payload(ORDERS[2:], meta={"page": 2})]
    fork, _ = run("all", [path("EU", EUROPE), path("Big", BIG)], bucket)
    assert [ids(b) for b in fork.buckets] == [[[1, 2], [3]], [[1], [3]]]
    assert [p.meta for p in fork.buckets[0]] == [{"page": 1}, {"page": 2}]
    assert fork.buckets[0][0].meta is not fork.buckets[1][0].meta  # each route has its own meta


def test_object_payloads_are_routed_whole():
    fork, _ = run("all", [path("EU", EUROPE), path("Big", BIG)], [Payload(o) for o in ORDERS])
    assert [ids(b) for b in fork.buckets] == [[1, 2, 3], [1, 3]]


def test_or_logic_and_variables_inside_a_route():
    us_or_big = path("Mine", cond("country", "equals", value="[[meta.home]]"), BIG, logic="or")
    fork, _ = run("all", [us_or_big, path("EU", EUROPE)], [Payload(ORDERS, meta={"home": "US"})])
    assert ids(fork.buckets[0]) == [[1, 3, 4]]


def test_routing_errors_are_clear():
    with pytest.raises(ShapeError, match=r"^Route needs JSON payloads \(or XML or CSV\); payload 1 is plain text\.$"):
        run("all", [path("EU", EUROPE), path("B")], [Payload("hello", format="text")])
    with pytest.raises(ShapeError, match=r"^Payload 1 could not be read as XML: Invalid XML at line 3"):
        run("all", [path("EU", EUROPE), path("B")], [Payload("<a>\n<b/>\n<c></a>", format="xml")])
    with pytest.raises(ShapeError, match=r"^Payload 2 could not be read as CSV: Invalid CSV at line 2"):
        run("all", [path("EU", EUROPE), path("B")], [Payload(ORDERS), Payload("a,b\n1,2,3\n", format="csv")])
    with pytest.raises(ShapeError, match="Route 'EU': the conditions are not valid"):
        run("all", [path("EU", cond("total", ">", "number", "x")), path("B")], [Payload(ORDERS)])
    with pytest.raises(ShapeError, match="no routes"):
        run("all", [], [Payload(ORDERS)])
    with pytest.raises(ShapeError, match="Unknown routing method"):
        run("most", [path("A"), path("B")], [Payload(ORDERS)])


# --- through the engine ---------------------------------------------------------------------------

def _map(rules, id_):
    return {"id": id_, "type": "map", "version": 1, "config": {"rules": rules}}


def _route_step(method, paths):
    return {"id": "r", "type": "route", "version": 1, "config": {"method": method}, "paths": paths}


def _engine_run(step, bucket):
    log = Log()
    result = Engine(Environment(log=log, retry_delay=0, now=NOW)).run({"steps": [step]}, bucket)
    return result, log


def test_route_paths_run_their_nested_steps_and_the_outputs_join():
    eu = path("EU", EUROPE, steps=[_map([{"source": "id", "target": "eu_id"}], "m1")])
    big = path("Big", BIG, steps=[
        _map([{"source": "id", "target": "big_id"}], "m2"),
        {"id": "f", "type": "filter", "config": {"conditions": [cond("big_id", ">", "number", "1")]}},
    ])
    nothing = path("JP", cond("country", "equals", value="JP"), steps=[_map([], "m3")])
    result, log = _engine_run(_route_step("all", [eu, big, nothing]), [Payload(ORDERS)])
    assert result.status == "success"
    assert [p.data for p in result.bucket] == [[{"eu_id": 1}, {"eu_id": 2}, {"eu_id": 3}], [{"big_id": 3}]]
    messages = [m for _, m, *_ in log]
    assert "Route: 'EU' starts with 1 payload." in messages and "Route: 'Big' starts with 1 payload." in messages
    assert not any("'JP' starts" in m for m in messages) and not any(entry[2] == "m3" for entry in log)


def test_all_versus_first_through_the_engine():
    paths = [path("EU", EUROPE, steps=[_map([{"source": "id", "target": "eu"}], "m1")]),
             path("Big", BIG, steps=[_map([{"source": "id", "target": "big"}], "m2")])]
    all_result, _ = _engine_run(_route_step("all", paths), [Payload(ORDERS)])
    first_result, _ = _engine_run(_route_step("first", paths), [Payload(ORDERS)])
    assert [p.data for p in all_result.bucket] == [[{"eu": 1}, {"eu": 2}, {"eu": 3}], [{"big": 1}, {"big": 3}]]
    assert [p.data for p in first_result.bucket] == [[{"eu": 1}, {"eu": 2}, {"eu": 3}]]  # Big gets nothing


def test_a_failing_route_fails_the_run_after_the_other_routes_ran():
    failing = path("Text", steps=[{"id": "mp", "type": "manual_payload", "config": {"format": "text", "body": "x"}},
                                  {**_map([], "m1"), "retries": 0}])
    fine = path("Fine", steps=[_map([{"source": "id", "target": "n"}], "m2")])
    result, log = _engine_run(_route_step("all", [failing, fine]), [Payload(ORDERS)])
    assert result.status == "failure" and "Map needs JSON payloads" in result.error
    assert any(entry[2] == "m2" and "finished" in entry[1] for entry in log)  # routes run in parallel: both ran


# --- XML and CSV payloads: conditions read the parsed data, payloads keep their format ------------------

ORDER_XML = """<order xmlns:sh="urn:shop" id="7"><sh:country>FR</sh:country><total>500</total>
  <line sku="A"/><line sku="B"/></order>"""
ORDERS_CSV = 'id,country,total,note\n1,FR,500,"Zoë, ""VIP"""\n2,GB,20,\n3,DE,900,Ünal\n4,US,10,\n'


def test_an_xml_document_goes_down_its_routes_untouched():
    xml = Payload(ORDER_XML, format="xml", meta={"n": 1})
    routes = [path("EU", cond("order.sh:country", "one_of", value="FR,DE")),
              path("Big", cond("order.total", ">=", "number", "100")),
              path("Two lines", cond("order.line.1.@sku", "equals", value="B")),
              path("Seven", cond("order.@id", "equals", value="8"))]
    fork, _ = run("all", routes, [xml])
    assert [[(p.format, p.data) for p in b] if b else None for b in fork.buckets] == [
        [("xml", ORDER_XML)], [("xml", ORDER_XML)], [("xml", ORDER_XML)], None]
    assert fork.buckets[0][0].meta == {"n": 1} and fork.buckets[0][0].meta is not xml.meta


def test_csv_rows_are_routed_as_csv_with_their_header():
    source = Payload(ORDERS_CSV, format="csv")
    fork, log = run("all", [path("EU", EUROPE), path("Everything")], [source])
    [eu], [everything] = fork.buckets
    assert eu.format == "csv"
    assert eu.data == 'id,country,total,note\r\n1,FR,500,"Zoë, ""VIP"""\r\n2,GB,20,\r\n3,DE,900,Ünal\r\n'
    assert everything.data is ORDERS_CSV  # every row matched: the payload goes on as it came
    assert log[-1][1] == "Route (follow all matching routes): 'EU' 3 records, 'Everything' 4 records."


def test_an_empty_csv_starts_no_route():
    fork, _ = run("all", [path("EU", EUROPE), path("Big", BIG)], [Payload("id,country\n", format="csv")])
    assert fork.buckets == [None, None]
