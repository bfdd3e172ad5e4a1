"""Dynamic variables: dotted paths, template resolution, references and deploy-time validation."""
from __future__ import annotations

from collections import OrderedDict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.flows.variables import (
    MISSING,
    PathError,
    Reference,
    Scope,
    VariableError,
    compile_path,
    compile_setter,
    compile_template,
    get_path,
    references,
    resolve,
    set_path,
    to_text,
    validate,
)

ORDER = {
    "id": 7,
    "customer": {"name": "Zoë", "tags": ["vip"], "nothing": None},
    "lines": [{"sku": "A", "qty": 1}, {"qty": 2}, {"sku": "C", "qty": 3}],
    "batches": [{"lines": [{"sku": "x"}, {"sku": "y"}]}, {"lines": []}, {"lines": [{"sku": "z"}]}],
    "a.b": {"c": "dotted"},
    "*": "star key",
    "0": "zero key",
}


# ---------------------------------------------------------------- get_path


@pytest.mark.parametrize("path, expected", [
    ("id", 7),
    ("customer.name", "Zoë"),
    ("customer.tags.0", "vip"),
    ("lines.0.sku", "A"),
    ("lines.-1.sku", "C"),
    ("lines.*.sku", ["A", "C"]),
    ("lines.*.qty", [1, 2, 3]),
    ("batches.*.lines.*.sku", ["x", "y", "z"]),
    ("batches.*.lines", [[{"sku": "x"}, {"sku": "y"}], [], [{"sku": "z"}]]),
    ("a\\.b.c", "dotted"),
    ("\\*", "star key"),
    ("0", "zero key"),
    ("customer.nothing", None),
    ("", ORDER),
])
def test_get_path_reads_values(path, expected):
    assert get_path(ORDER, path) == expected


@pytest.mark.parametrize("path", [
    "missing", "customer.missing", "lines.9.sku", "lines.-9.sku", "lines.x", "id.more", "customer.name.0",
    "customer.nothing.deeper", "a.b.c",
])
def test_get_path_missing_returns_default(path):
    assert get_path(ORDER, path) is MISSING
    assert get_path(ORDER, path, "dflt") == "dflt"


def test_wildcard_on_missing_or_scalar_is_missing_and_on_empty_list_is_empty():
    assert get_path(ORDER, "nope.*.x") is MISSING
    assert get_path(ORDER, "id.*", None) is None
    assert get_path({"lines": []}, "lines.*.sku") == []
    assert get_path({"d": {"a": {"v": 1}, "b": {"v": 2}}}, "d.*.v") == [1, 2]  # objects: over their values


def test_get_path_on_non_containers_and_other_sequence_types():
    assert get_path("text", "0") is MISSING
    assert get_path(None, "a") is MISSING
    assert get_path((1, 2, 3), "1") == 2
    assert get_path(OrderedDict(a={"b": 1}), "a.b") == 1
    assert get_path([{"id": 1}], "0.id") == 1


def test_compile_path_is_cached_and_equivalent():
    g = compile_path("lines.*.sku")
    assert g is compile_path("lines.*.sku")
    assert g(ORDER) == ["A", "C"]
    assert compile_path("x.y")({"x": {"y": 0}}) == 0
    assert compile_path("x.y")({"x": 5}, "d") == "d"


@pytest.mark.parametrize("bad", ["a\\", "a\\b"])
def test_bad_escapes_raise_path_error(bad):
    with pytest.raises(PathError):
        get_path({}, bad)


def test_missing_sentinel_is_falsy_singleton():
    assert not MISSING
    assert repr(MISSING) == "MISSING"
    assert type(MISSING)() is MISSING


# ---------------------------------------------------------------- set_path


def test_set_path_creates_objects_and_lists():
    assert set_path({}, "a.b.c", 1) == {"a": {"b": {"c": 1}}}
    assert set_path({}, "items.0.sku", "A") == {"items": [{"sku": "A"}]}
    assert set_path({}, "items.2", "C") == {"items": [None, None, "C"]}
    assert set_path({}, "a\\.b", 1) == {"a.b": 1}


def test_set_path_into_existing_structures():
    doc = {"items": [{"sku": "A"}, {"sku": "B"}], "n": {"0": "kept"}}
    set_path(doc, "items.-1.qty", 2)
    set_path(doc, "n.0", "replaced")  # a numeric key on an object is a key, not a position
    assert doc == {"items": [{"sku": "A"}, {"sku": "B", "qty": 2}], "n": {"0": "replaced"}}


def test_set_path_star_pairs_lists_and_broadcasts_scalars():
    doc: dict = {}
    set_path(doc, "items.*.sku", ["A", "B"])
    set_path(doc, "items.*.order", 42)
    assert doc == {"items": [{"sku": "A", "order": 42}, {"sku": "B", "order": 42}]}
    set_path(doc, "items.*.sku", ["X"])  # shorter list: only the first element changes
    assert doc["items"][0]["sku"] == "X" and doc["items"][1]["sku"] == "B"
    nested: dict = {}
    set_path(nested, "o.*.l.*.v", [[1, 2], [3]])
    assert nested == {"o": [{"l": [{"v": 1}, {"v": 2}]}, {"l": [{"v": 3}]}]}
    assert set_path({}, "codes.*", ["a", "b"]) == {"codes": ["a", "b"]}


@pytest.mark.parametrize("doc, path", [
    ({"a": 5}, "a.b"),
    ({"a": [1]}, "a.x"),
    ({"a": []}, "a.-1"),
    ({"a": "s"}, "a.*"),
    ({}, "a.100000"),
])
def test_set_path_refuses_destructive_or_absurd_writes(doc, path):
    with pytest.raises(PathError):
        set_path(doc, path, 1)


def test_set_path_empty_path_rejected():
    with pytest.raises(PathError):
        set_path({}, "", 1)
    with pytest.raises(PathError):
        compile_setter("")


def test_compile_setter_matches_set_path():
    s = compile_setter("a.b")
    doc: dict = {}
    s(doc, 1)
    assert doc == {"a": {"b": 1}}
    one = compile_setter("x")
    one(doc, 2)
    assert doc["x"] == 2


_key = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8)
_scalar = st.none() | st.booleans() | st.integers() | st.text(max_size=5)


def _escape(k: str) -> str:
    return k.replace("\\", "\\\\").replace(".", "\\.").replace("*", "\\*")


_small_index = st.integers(min_value=0, max_value=30).map(str)


@given(keys=st.lists(_key | _small_index, min_size=1, max_size=5), value=_scalar)
def test_set_then_get_round_trip(keys, value):
    path = ".".join(_escape(k) for k in keys)
    doc: dict = {}
    # Numeric keys create lists on the way; either way get must read back what set wrote.
    try:
        set_path(doc, path, value)
    except PathError:
        # Only a negative or huge position in a list being created is refused.
        assert any(k.lstrip("-").isascii() and k.lstrip("-").isdigit() for k in keys[1:])
        return
    assert get_path(doc, path) == value


@given(values=st.lists(_scalar, max_size=20))
def test_star_set_then_get_round_trip(values):
    doc: dict = {}
    set_path(doc, "items.*.v", values)
    assert get_path(doc, "items.*.v") == values
    assert len(doc["items"]) == len(values)


# ---------------------------------------------------------------- resolve


@pytest.fixture
def scope() -> Scope:
    return Scope(
        payload={"id": 12, "price": 9.5, "ok": True, "none": None, "items": [{"id": 1}, {"id": 2}],
                 "name": "Zoë", "obj": {"a": [1, 2]}},
        meta={"unique_key": "k-1"},
        flow_variables={"customerID": "C9", "limit": 50},
        connector_variables={"store_name": "acme", "api.version": "v2"},
        pagination={"page": 3, "next_page_token": "tok"},
    )


@pytest.mark.parametrize("text, expected", [
    ("[[payload.id]]", 12),
    ("[[payload.price]]", 9.5),
    ("[[payload.ok]]", True),
    ("[[payload.none]]", None),
    ("[[payload.missing]]", None),
    ("[[payload.items.*.id]]", [1, 2]),
    ("[[payload.obj]]", {"a": [1, 2]}),
    ("[[ payload.id ]]", 12),
    ("[[meta.unique_key]]", "k-1"),
    ("[[flow.variables.limit]]", 50),
    ("{{flow.variables.customerID}}", "C9"),
    ("[[pagination.page]]", 3),
    ("[[pagination.next_page_token]]", "tok"),
    ("{{store_name}}", "acme"),
    ("{{api.version}}", "v2"),
])
def test_lone_token_returns_raw_value(scope, text, expected):
    assert resolve(text, scope) == expected


@pytest.mark.parametrize("text, expected", [
    ("prefix-[[payload.id]]-[[meta.unique_key]]-suffix", "prefix-12-k-1-suffix"),
    ("ok=[[payload.ok]] none=[[payload.none]] gone=[[payload.missing]]", "ok=true none= gone="),
    ("ids [[payload.items.*.id]] obj [[payload.obj]]", 'ids [1,2] obj {"a":[1,2]}'),
    ("https://{{store_name}}.example.com/{{api.version}}?page=[[pagination.page]]",
     "https://acme.example.com/v2?page=3"),
    ("Hi [[payload.name]]!", "Hi Zoë!"),
    ("no tokens", "no tokens"),
    ("", ""),
    (" [[payload.id]]", " 12"),
])
def test_mixed_text_is_stringified(scope, text, expected):
    assert resolve(text, scope) == expected


def test_json_looking_text_is_left_alone(scope):
    body = '{"m": [[1,2],[3]], "n": {"o": {"p": 1}}, "q": "{{store_name}}"}'
    assert resolve(body, scope) == '{"m": [[1,2],[3]], "n": {"o": {"p": 1}}, "q": "acme"}'


def test_whole_payload_works_with_raw_text_and_json_text():
    assert resolve("[[payload]]", Scope(payload="a,b\n1,2")) == "a,b\n1,2"
    s = Scope(payload='{"id": 5}')
    assert resolve("[[payload.id]]", s) == 5
    assert resolve("[[payload.id]]", Scope(payload="<xml/>")) is None


def test_unknown_roots_raise_variable_error(scope):
    with pytest.raises(VariableError, match=r"\[\[foo\.bar\]\]"):
        resolve("x [[foo.bar]]", scope)
    with pytest.raises(VariableError):
        resolve("[[flow.name]]", scope)
    assert issubclass(VariableError, ValueError)


def test_brackets_restrict_token_kinds(scope):
    assert resolve("{{store_name}}-[[payload.id]]", scope, brackets=("[[",)) == "{{store_name}}-12"
    assert resolve("{{store_name}}-[[payload.id]]", scope, brackets=("{{",)) == "acme-[[payload.id]]"
    with pytest.raises(ValueError):
        resolve("x", scope, brackets=("<<",))


def test_non_text_values_pass_through(scope):
    assert resolve(5, scope) == 5
    assert resolve(None, scope) is None


def test_templates_are_compiled_once():
    assert compile_template("a [[payload.x]]") is compile_template("a [[payload.x]]")
    assert compile_template("plain").is_constant


def test_render_with_explicit_payload(scope):
    t = compile_template("[[payload.id]]/[[meta.unique_key]]")
    assert t.render(scope, {"id": "other"}) == "other/k-1"


@pytest.mark.parametrize("value, text", [
    (None, ""), (MISSING, ""), (True, "true"), (False, "false"), (3, "3"), (2.5, "2.5"), ("s", "s"),
    ({"a": "é"}, '{"a":"é"}'), ([1, None], "[1,null]"),
])
def test_to_text(value, text):
    assert to_text(value) == text


# ---------------------------------------------------------------- references and validate


def test_references_lists_every_token_in_order():
    refs = references("[[payload.items.*.id]] {{flow.variables.x}} {{store}} [[meta]] [[pagination.page]]")
    assert refs == [
        Reference("payload", "items.*.id", "[[payload.items.*.id]]"),
        Reference("flow.variables", "x", "{{flow.variables.x}}"),
        Reference("connector", "store", "{{store}}"),
        Reference("meta", "", "[[meta]]"),
        Reference("pagination", "page", "[[pagination.page]]"),
    ]


def test_validate_accepts_good_text():
    assert validate("[[payload.id]]-{{flow.variables.x}}-[[flow.variables.x]]", {"x"}) == []
    assert validate('{"a": [[1,2]]}', set()) == []
    assert validate(12, set()) == []


def test_validate_reports_each_problem_readably():
    errors = validate("[[foo.id]] [[flow.variables.nope]] [[payload.a..b]] [[payload.id", {"x"})
    assert errors[0].startswith("Unknown variable [[foo.id]]: a variable must start with payload")
    assert errors[1] == "Unknown variable [[flow.variables.nope]]: the flow defines no variable 'nope'"
    assert "empty part" in errors[2]
    assert errors[3] == "Unclosed variable: '[[payload.id' has no closing ]]"
    assert len(errors) == 4


def test_bad_escape_in_token_is_invalid():
    errors = validate(r"[[payload.a\q]]")
    assert len(errors) == 1 and errors[0].startswith(r"Invalid variable [[payload.a\q]]: path")
    with pytest.raises(VariableError, match=r"^Invalid variable \[\[payload\.a\\q\]\]"):
        resolve(r"[[payload.a\q]]", Scope())


def test_validate_unopened_and_connector_variables():
    assert validate("payload.id]] ok", set()) == ["Unopened variable: 'payload.id]]' has no opening [["]
    assert validate("{{store}} {{nope}}", known_connector_variables={"store"}) == [
        "Unknown variable {{nope}}: the connector defines no variable 'nope'"]
    assert validate("{{store", known_connector_variables=set()) == ["Unclosed variable: '{{store' has no closing }}"]


def test_validate_skips_name_checks_when_names_unknown():
    assert validate("[[flow.variables.anything]] {{whatever}}") == []
