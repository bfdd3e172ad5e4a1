"""Map configs: compile, apply (plain, array and parent-field rules, wrapping), validation and import/export."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.flows.mapping import MapConfigError, compile_map, export_map, import_map, validate_map
from app.flows.transforms import TransformContext, TransformError

ORDER = {
    "id": 101, "order_id": "SO-1", "note": None,
    "customer": {"first_name": "Zoë", "last_name": "Smith", "email": "z@example.com"},
    "lines": [{"sku": "A", "qty": 1, "tags": ["x"]}, {"qty": 2}, {"sku": "C", "qty": "3"}],
    "shipments": [{"no": "S1", "parcels": [{"w": 1}, {"w": 2}]}, {"no": "S2", "parcels": [{"w": 3}]}],
}


def rule(source, target, *transforms, **extra):
    return {"source": source, "target": target, "transforms": list(transforms), **extra}


def fn(name, **params):
    return {"fn": name, "params": params}


def apply(rules, data=ORDER, tctx=None, **options):
    return compile_map({"rules": rules, **options}).apply(data, tctx or TransformContext())


# ---------------------------------------------------------------- plain rules


def test_brief_example_config():
    cfg = {"wrap_input": False, "wrap_output": False, "rules": [
        {"source": "customer.first_name", "target": "firstName",
         "transforms": [{"fn": "prefix", "params": {"text": "Mr "}}]},
        {"source": None, "target": "source",
         "transforms": [{"fn": "custom_string", "params": {"text": "{{flow.variables.channel}}"}}]},
        {"source": "lines.*.sku", "target": "items.*.code"},
    ]}
    out = compile_map(cfg).apply(ORDER, TransformContext(flow_variables={"channel": "web"}))
    assert out == {"firstName": "Mr Zoë", "source": "web", "items": [{"code": "A"}, {}, {"code": "C"}]}


def test_renames_nested_targets_and_keeps_only_mapped_fields():
    out = apply([rule("id", "externalId"), rule("customer.email", "contact.email"),
                 rule("customer.last_name", "contact.name.last"), rule("lines.0.sku", "firstSku")])
    assert out == {"externalId": 101, "contact": {"email": "z@example.com", "name": {"last": "Smith"}}, "firstSku": "A"}


def test_missing_source_writes_nothing_but_null_is_written():
    out = apply([rule("nope", "a"), rule("customer.nope", "b.c"), rule("note", "n")])
    assert out == {"n": None}


def test_transforms_run_in_order_and_see_missing_values():
    out = apply([
        rule("lines.2.qty", "q", fn("cast_to_number"), fn("math", operation="multiply", operand=10)),
        rule("lines.2.qty", "r", fn("prefix", text="x"), fn("suffix", text="y")),
        rule("nope", "s", fn("null_to_string"), fn("prefix", text="P")),
        rule("nope", "t", fn("prefix", text="P")),
    ])
    assert out == {"q": 30, "r": "x3y", "s": "P"}


def test_rules_without_source_make_values():
    out = apply([rule(None, "n", fn("custom_number", number=5), fn("math", operation="add", operand=1)),
                 {"target": "b", "transforms": [fn("custom_boolean", value=False)]}])
    assert out == {"n": 6, "b": False}


def test_whole_source_list_collected_into_one_target():
    out = apply([rule("lines.*.sku", "skus"), rule("lines.*.sku", "joined", fn("array_join", separator="|")),
                 rule("shipments.*.parcels.*.w", "weights")])
    assert out == {"skus": ["A", "C"], "joined": "A|C", "weights": [1, 2, 3]}


def test_concatenate_with_sources():
    out = apply([{"sources": ["customer.first_name", "customer.middle", "customer.last_name"], "target": "name",
                  "transforms": [fn("concatenate", separator=" ")]},
                 {"sources": ["nope", "nada"], "target": "none", "transforms": [fn("concatenate")]}])
    assert out == {"name": "Zoë Smith"}


def test_keys_with_dots_and_unicode():
    data = {"a.b": 1, "ünï": {"ç": 2}}
    assert apply([rule("a\\.b", "x\\.y"), rule("ünï.ç", "ö")], data) == {"x.y": 1, "ö": 2}


# ---------------------------------------------------------------- arrays and parent fields


def test_array_pairing_by_index_with_parent_fields():
    out = apply([
        rule("order_id", "items.*.order_id"),  # listed first: parent fields still see the finished list
        rule("lines.*.sku", "items.*.code"),
        rule("lines.*.qty", "items.*.quantity", fn("cast_to_number")),
    ])
    assert out == {"items": [
        {"code": "A", "quantity": 1, "order_id": "SO-1"},
        {"quantity": 2, "order_id": "SO-1"},
        {"code": "C", "quantity": 3, "order_id": "SO-1"},
    ]}


def test_parent_field_without_a_list_writes_nothing():
    assert apply([rule("order_id", "items.*.order_id")]) == {}
    assert apply([rule("order_id", "items.*.order_id"), rule("nope.*.x", "items.*.code")]) == {}


def test_nested_arrays_pair_level_by_level_and_parents_broadcast_per_level():
    out = apply([
        rule("shipments.*.no", "deliveries.*.ref"),
        rule("shipments.*.parcels.*.w", "deliveries.*.boxes.*.kg"),
        rule("shipments.*.no", "deliveries.*.boxes.*.shipment"),
        rule("id", "deliveries.*.boxes.*.order"),
    ])
    assert out == {"deliveries": [
        {"ref": "S1", "boxes": [{"kg": 1, "shipment": "S1", "order": 101}, {"kg": 2, "shipment": "S1", "order": 101}]},
        {"ref": "S2", "boxes": [{"kg": 3, "shipment": "S2", "order": 101}]},
    ]}


def test_more_source_wildcards_than_target_collect_lists():
    out = apply([rule("shipments.*.parcels.*.w", "deliveries.*.weights")])
    assert out == {"deliveries": [{"weights": [1, 2]}, {"weights": [3]}]}


def test_target_list_of_values_and_broadcast_objects_are_copies():
    out = apply([rule("lines.*.sku", "codes.*"), rule("lines.*.qty", "items.*.q"),
                 rule("customer", "items.*.customer")])
    assert out["codes"] == ["A", None, "C"]
    items = out["items"]
    items[0]["customer"]["first_name"] = "changed"
    assert items[1]["customer"]["first_name"] == "Zoë"
    assert ORDER["customer"]["first_name"] == "Zoë"


def test_array_transforms_apply_per_element_and_sources_in_arrays():
    data = {"people": [{"f": "Ada", "l": "Lovelace"}, {"f": "Alan"}]}
    out = apply([{"sources": ["people.*.f", "people.*.l"], "target": "names.*.full",
                  "transforms": [fn("concatenate")]},
                 rule("people.*.f", "names.*.initial", fn("split_string", delimiter="d", index=0))], data)
    assert out == {"names": [{"full": "Ada Lovelace", "initial": "A"}, {"full": "Alan", "initial": "Alan"}]}


def test_empty_and_huge_arrays():
    assert apply([rule("lines.*.sku", "items.*.code")], {"lines": []}) == {"items": []}
    assert apply([rule("lines.*.sku", "items.*.code")], {"lines": "not a list"}) == {}
    big = {"lines": [{"sku": i} for i in range(20_000)]}
    out = apply([rule("lines.*.sku", "items.*.code", fn("math", operation="add", operand=1))], big)
    assert len(out["items"]) == 20_000 and out["items"][-1] == {"code": 20_000}


# ---------------------------------------------------------------- records and wrapping


def test_list_payload_maps_record_by_record():
    data = [{"id": 1}, {"id": 2}, "not an object", None]
    assert apply([rule("id", "n"), rule(None, "k", fn("custom_string", text="x"))], data) == [
        {"n": 1, "k": "x"}, {"n": 2, "k": "x"}, {"k": "x"}, {"k": "x"}]


def test_custom_string_reads_the_current_record_and_meta():
    data = [{"id": 1}, {"id": 2}]
    tctx = TransformContext(meta={"run": "r9"})
    out = apply([rule(None, "key", fn("custom_string", text="[[meta.run]]-[[payload.id]]"))], data, tctx)
    assert out == [{"key": "r9-1"}, {"key": "r9-2"}]


def test_meta_can_change_between_payloads_on_one_context():
    m = compile_map({"rules": [rule(None, "k", fn("custom_string", text="[[meta.k]]"))]})
    tctx = TransformContext(meta={"k": "first"})
    assert m.apply({}, tctx) == {"k": "first"}
    tctx.meta = {"k": "second"}
    assert m.apply({}, tctx) == {"k": "second"}


@pytest.mark.parametrize("options, data, expected", [
    ({}, {"id": 1}, {"n": 1}),
    ({"wrap_input": True}, {"id": 1}, [{"n": 1}]),
    ({"wrap_input": True}, [{"id": 1}], [{"n": 1}]),
    ({"wrap_output": True}, {"id": 1}, [{"n": 1}]),
    ({"wrap_output": True}, [{"id": 1}, {"id": 2}], [{"n": 1}, {"n": 2}]),
    ({"wrap_input": True, "wrap_output": True}, {"id": 1}, [{"n": 1}]),
    ({"per_record": False}, [{"id": 1}], {}),
])
def test_wrapping(options, data, expected):
    assert apply([rule("id", "n")], data, **options) == expected


def test_whole_payload_mode_reads_across_records():
    out = apply([rule("*.id", "ids"), rule("0.id", "first")], [{"id": 1}, {"id": 2}], per_record=False)
    assert out == {"ids": [1, 2], "first": 1}


def test_runtime_errors_name_rule_and_record():
    m = compile_map({"rules": [rule("id", "a"), rule("v", "b", fn("math", operation="divide", operand=0))]})
    with pytest.raises(TransformError, match=r"^Record 2: Rule 2 \(v → b\): Math: cannot divide 12 by zero$"):
        m.apply([{"v": None}, {"v": 12}])
    with pytest.raises(TransformError, match=r"^Rule 2 \(v → b\): Math: cannot divide 12 by zero$"):
        m.apply({"v": 12})


def test_positions_and_wildcards_share_a_list_and_non_objects_are_left_alone():
    m = compile_map({"rules": [rule("x", "a.0"), rule("l.*.v", "a.*.c")]})
    assert m.apply({"x": 1, "l": [{"v": 2}, {"v": 3}]}) == {"a": [1, {"c": 3}]}


def test_apply_bucket_and_map_record():
    m = compile_map({"rules": [rule("id", "n")]})
    assert m.apply_bucket([{"id": 1}, [{"id": 2}]]) == [{"n": 1}, [{"n": 2}]]
    assert m.map_record({"id": 3}) == {"n": 3}


@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers() | st.text(max_size=3) | st.none()),
                max_size=20))
def test_rename_property(records):
    out = apply([rule("a", "x"), rule("b", "y.z")], records)
    assert len(out) == len(records)
    for rec, o in zip(records, out, strict=True):
        assert o.get("x", "absent") == rec.get("a", "absent")
        assert o.get("y", {}).get("z", "absent") == rec.get("b", "absent")


# ---------------------------------------------------------------- validation


def test_empty_map_is_valid_and_maps_to_empty_objects():
    assert validate_map({"rules": []}) == []
    assert compile_map({}).apply([{"a": 1}]) == [{}]


def test_validate_map_lists_every_problem():
    problems = validate_map({"wrap_input": "yes", "rules": [
        rule("a", "x"),
        rule("b", "x.y"),
        rule("c", "x"),
        rule(None, "q", fn("prefix", text="x")),
        rule("a", "z", fn("math", operation="div")),
        rule("a", "w", fn("nope")),
        {"source": "a"},
        {"source": "a..b", "target": "t"},
        {"source": "a", "target": "u", "trasforms": []},
        {"source": "a", "sources": ["b"], "target": "v"},
        {"sources": ["l.*.a", "m.*.b"], "target": "k"},
        rule("a", "*.x"),
        rule("a", "o.*.*.x"),
        rule(None, "nothing"),
        "not a rule",
    ]})
    assert problems == [
        "'wrap_input' must be true or false",
        "Rule 2 (b → x.y): Rule 1 already writes 'x', a parent of this target",
        "Rule 3 (c → x): Rule 1 already writes the same target",
        "Rule 4 ((no source) → q): has no source field, so its first function must make a value "
        "(custom string, custom number, a date…), not Prefix",
        "Rule 5 (a → z), function 1: Math: Operation must be one of add, subtract, multiply, divide, modulo, power, "
        "not 'div'",
        "Rule 5 (a → z), function 1: Math: Number is required",
        "Rule 6 (a → w), function 1: 'nope' is not a transform function",
        "Rule 7 (a → ?): the target must be a field path",
        "Rule 8 (a..b → t): the source 'a..b' has an empty part (two dots in a row, or a leading/trailing dot)",
        "Rule 9 (a → u): unknown setting 'trasforms'",
        "Rule 10 (b → v): use either source or sources, not both",
        "Rule 11 (l.*.a + m.*.b → k): every source must go through the same list(s) (the same parts before each *)",
        "Rule 12 (a → *.x): the target cannot start with *; each output record is an object",
        "Rule 13 (a → o.*.*.x): the target cannot have *.* (lists directly inside lists)",
        "Rule 14 ((no source) → nothing): needs a source field or a function that makes a value",
        "Rule 15: must be an object with source, target and transforms",
    ]


def test_validate_map_rejects_non_objects():
    assert validate_map([]) == ["The map settings must be an object with a rules list"]
    assert validate_map({"rules": {}}) == ["'rules' must be a list"]


def test_compile_map_raises_with_all_problems():
    with pytest.raises(MapConfigError) as err:
        compile_map({"rules": [rule("a", ""), rule("b", "c", fn("pad"))]})
    assert len(err.value.problems) == 2
    assert str(err.value).startswith("The map has 2 problems: Rule 1")
    assert isinstance(err.value, ValueError)


# ---------------------------------------------------------------- import / export


def test_export_import_round_trip():
    cfg = {"wrap_input": True, "wrap_output": False,
           "rules": [rule("a", "b", fn("prefix", text="é")), rule(None, "c", fn("custom_number", number=1))]}
    text = export_map(cfg)
    doc = json.loads(text)
    assert doc["weft_map"] == 1 and doc["rules"] == cfg["rules"]
    assert import_map(text) == cfg
    assert import_map(text.encode("utf-8-sig")) == cfg


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('{"rules": []}', "not a Weft map export"),
    ('[1]', "not a Weft map export"),
    ('{"weft_map": 2, "rules": []}', "newer Weft \\(format 2\\)"),
    ('{"weft_map": "1", "rules": []}', "version '1' is not valid"),
    ('{"weft_map": 1, "rules": [], "extra": 1}', "unknown setting 'extra'"),
    ('{"weft_map": 1, "rules": [{"source": "a"}]}', "the target must be a field path"),
    (b"\xff\xfe", "not UTF-8"),
    (" " * (6 * 1024 * 1024), "larger than 5 MB"),
])
def test_import_map_rejects_bad_input(text, message):
    with pytest.raises(MapConfigError, match=message):
        import_map(text)
