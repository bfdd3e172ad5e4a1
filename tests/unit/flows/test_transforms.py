"""Transform functions: every catalogue entry with nulls, missing values, wrong types, unicode and big inputs."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.flows.transforms import (
    CATEGORIES,
    PARAM_KINDS,
    TRANSFORMS,
    TransformContext,
    TransformError,
    catalogue,
    get_transform,
)
from app.flows.transforms_dates import PREDEFINED_FORMATS, format_php, parse_date
from app.flows.variables import MISSING

NOW = datetime(2024, 5, 6, 14, 30, 15, 123456, tzinfo=UTC)


def run(name, _value=MISSING, tctx=None, /, **params):
    return TRANSFORMS[name](_value, params, tctx or TransformContext(now=NOW))


# ---------------------------------------------------------------- catalogue shape

SPEC_FUNCTIONS = {
    "array_join", "custom_dynamic_date", "custom_static_date", "format_date", "round_date", "cast_to_string",
    "custom_number", "math", "round_number", "cast_boolean_to_string", "cast_to_boolean", "custom_boolean",
    "null_to_string", "null_to_zero", "null_value", "contains_one_of_many", "custom_string", "cast_to_float",
    "concatenate", "does_not_contain_one_of_many", "cast_to_number", "first_word", "json_encode", "last_word",
    "pad", "replace", "split_string", "prefix", "suffix", "cross_reference", "cache_lookup", "script",
}


def test_catalogue_has_every_spec_function_and_valid_metadata():
    assert set(TRANSFORMS) == SPEC_FUNCTIONS
    for name, t in TRANSFORMS.items():
        assert t.name == name and name.islower() and " " not in name
        assert t.category in CATEGORIES and t.label and t.description
        for p in t.params:
            assert p.kind in PARAM_KINDS
            if p.kind == "choice":
                assert p.default is None or p.default in p.choices
    producers = {n for n, t in TRANSFORMS.items() if not t.needs_source}
    assert producers == {"custom_string", "custom_number", "custom_boolean", "custom_dynamic_date",
                         "custom_static_date"}


def test_catalogue_export_is_json_ready_and_grouped():
    cat = catalogue()
    assert [c["category"] for c in cat] == sorted((c["category"] for c in cat), key=CATEGORIES.index)
    assert {c["name"] for c in cat} == SPEC_FUNCTIONS


def test_unknown_transform_and_bad_params_raise_transform_error():
    with pytest.raises(TransformError, match="'nope' is not a transform"):
        get_transform("nope")
    with pytest.raises(TransformError, match="unknown setting 'txt'"):
        run("prefix", "a", txt="x")
    with pytest.raises(TransformError, match="must be an object"):
        TRANSFORMS["prefix"].prepare(["x"])
    assert TRANSFORMS["pad"].check({"length": "abc"}) == ["Pad: Length must be a number, not 'abc'"]


def test_null_and_missing_pass_through_ordinary_functions():
    for name in ("prefix", "suffix", "pad", "replace", "split_string", "first_word", "last_word", "math",
                 "round_number", "format_date", "round_date", "cast_to_number", "cast_to_float",
                 "cast_boolean_to_string", "array_join", "cast_to_string"):
        t = TRANSFORMS[name]
        params = {"length": 3, "search": "a", "operand": 1, "text": "x"}
        params = {k: v for k, v in params.items() if k in {p.name for p in t.params}}
        assert t(None, params) is None, name
        assert t(MISSING, params) is MISSING, name


# ---------------------------------------------------------------- string


@pytest.mark.parametrize("value, expected", [
    ("RED001", "AW25-RED001"), (12, "AW25-12"), (True, "AW25-true"), ("", "AW25-"), ("ß", "AW25-ß"),
    (["a", None, "b"], ["AW25-a", None, "AW25-b"]),
])
def test_prefix(value, expected):
    assert run("prefix", value, text="AW25-") == expected


def test_suffix_and_object_input_is_refused():
    assert run("suffix", "RED001", text="-XL") == "RED001-XL"
    with pytest.raises(TransformError, match="Suffix: expected text but got an object"):
        run("suffix", {"a": 1}, text="x")


@pytest.mark.parametrize("direction, expected", [
    ("right", "12345678************"), ("both", "******12345678******"), ("left", "************12345678"),
])
def test_pad_spec_examples(direction, expected):
    assert run("pad", "12345678", direction=direction, length=20, character="*") == expected


def test_pad_edge_cases():
    assert run("pad", "abc", direction="both", length=6, character="-") == "-abc--"  # odd extra goes right
    assert run("pad", "toolong", length=3) == "toolong"
    assert run("pad", 42, length=5, character="0") == "00042"
    assert run("pad", "", length=2) == "  "
    assert run("pad", "é", length=3, character="·", direction="right") == "é··"
    with pytest.raises(TransformError, match="exactly one character"):
        run("pad", "x", length=5, character="ab")
    with pytest.raises(TransformError, match="at most"):
        run("pad", "x", length=10**9)
    with pytest.raises(TransformError, match="Length is required"):
        run("pad", "x")


@given(text=st.text(max_size=30), length=st.integers(0, 60), direction=st.sampled_from(["left", "right", "both"]))
def test_pad_length_property(text, length, direction):
    out = run("pad", text, length=length, direction=direction, character="#")
    assert len(out) == max(len(text), length)
    assert text in out


def test_replace_plain_regex_and_case():
    assert run("replace", "2024/01/02", search="/", replace_with="-") == "2024-01-02"
    assert run("replace", "a.b.c", search=".", replace_with="", count=1) == "ab.c"
    assert run("replace", "Hello HELLO", search="hello", replace_with="bye", case_sensitive=False) == "bye bye"
    assert run("replace", "a\\1", search="a", replace_with="\\2", case_sensitive=False) == "\\2\\1"
    assert run("replace", "order-123", search=r"(\w+)-(\d+)", replace_with=r"\2:\1", mode="regex") == "123:order"
    assert run("replace", 1.5, search=".", replace_with=",") == "1,5"
    with pytest.raises(TransformError, match="regular expression is invalid"):
        run("replace", "x", search="(", mode="regex")
    with pytest.raises(TransformError, match="Replace"):
        run("replace", "x", search="x", replace_with=r"\3", mode="regex")
    with pytest.raises(TransformError, match="Search for is required"):
        run("replace", "x", search="")


@pytest.mark.parametrize("params, expected", [
    ({"delimiter": ",", "index": 0}, "a"),
    ({"delimiter": ",", "index": -1}, "c"),
    ({"delimiter": ",", "index": 5}, None),
    ({"delimiter": ",", "index": -4}, None),
    ({"delimiter": ","}, ["a", "b", "c"]),
    ({"delimiter": " | ", "index": 1}, None),
])
def test_split_string(params, expected):
    assert run("split_string", "a,b,c", **params) == expected


def test_split_string_errors_and_unicode():
    assert run("split_string", "α—β", delimiter="—", index=1) == "β"
    with pytest.raises(TransformError, match="delimiter cannot be empty"):
        run("split_string", "x", delimiter="")
    with pytest.raises(TransformError, match="whole number"):
        run("split_string", "x", index=1.5)


@pytest.mark.parametrize("name, value, expected", [
    ("first_word", "  Ada  Lovelace ", "Ada"), ("last_word", "Ada King Lovelace\n", "Lovelace"),
    ("first_word", "", ""), ("last_word", "   ", ""), ("first_word", "Zoë\u00a0Smith", "Zoë"),
    ("first_word", 123, "123"),
])
def test_first_and_last_word(name, value, expected):
    assert run(name, value) == expected


@pytest.mark.parametrize("value, expected", [
    ("12", 12), ("12.50", 12.5), (" -3 ", -3), ("1e3", 1000.0), (7, 7), (2.5, 2.5), (True, 1), ("", None),
    ("   ", None), ("+4", 4),
])
def test_cast_to_number(value, expected):
    out = run("cast_to_number", value)
    assert out == expected and type(out) is type(expected)


@pytest.mark.parametrize("bad", ["abc", "1,000", "1_000", "nan", "inf", "12abc", "1" * 5000])
def test_cast_to_number_refuses_non_numbers(bad):
    with pytest.raises(TransformError, match="Cast to number: '.*' is not a number|too long"):
        run("cast_to_number", bad)


def test_cast_to_float():
    assert run("cast_to_float", "12") == 12.0 and type(run("cast_to_float", "12")) is float
    assert run("cast_to_float", "") is None
    assert run("cast_to_float", ["1", "2.5"]) == [1.0, 2.5]
    with pytest.raises(TransformError, match="Cast to float: 'abc' is not a number"):
        run("cast_to_float", "abc")
    with pytest.raises(TransformError, match="too large"):
        run("cast_to_float", "9" * 400)


def test_custom_string_constant_and_variables():
    tctx = TransformContext(flow_variables={"channel": "web"}, meta={"k": "m1"})
    tctx.record = {"id": 5}
    assert run("custom_string", text="fixed") == "fixed"
    text = "{{flow.variables.channel}}-[[meta.k]]-[[payload.id]]"
    assert run("custom_string", MISSING, tctx, text=text) == "web-m1-5"
    assert run("custom_string", MISSING, tctx, text="[[payload.id]]") == 5
    assert run("custom_string", None, text="") == ""
    with pytest.raises(TransformError, match="Unknown variable"):
        run("custom_string", text="[[nope.x]]")


def test_concatenate():
    assert run("concatenate", ["Ada", None, "Lovelace"]) == "Ada Lovelace"
    assert run("concatenate", ["Ada", None, "Lovelace"], separator="-", skip_empty=False) == "Ada--Lovelace"
    assert run("concatenate", ["a", 1, True, {"k": 1}], separator="|") == 'a|1|true|{"k":1}'
    assert run("concatenate", [MISSING, MISSING]) is MISSING
    assert run("concatenate", []) is MISSING
    tctx = TransformContext()
    tctx.record = {"first": "Ada", "addr": {"city": "London"}}
    assert run("concatenate", "Hi", tctx, fields="first, addr.city", separator=", ") == "Hi, Ada, London"


@pytest.mark.parametrize("value, params, expected", [
    ("DE", {}, True), (" de ", {}, True), ("DEU", {}, False), ("DE", {"case_sensitive": True, "values": "de"}, False),
    ("Deutschland", {"match": "contains", "values": "land, ch"}, True), (None, {}, False), (MISSING, {}, False),
    (["US", "FR"], {}, True), ({"c": "DE"}, {}, False), (49, {"values": "49,33"}, True),
])
def test_contains_one_of_many(value, params, expected):
    params = {"values": "FR,BE,DE,SE,IE", **params}
    assert run("contains_one_of_many", value, **params) is expected
    assert run("does_not_contain_one_of_many", value, **params) is (not expected)


def test_contains_one_of_many_needs_values():
    with pytest.raises(TransformError, match="at least one value"):
        run("contains_one_of_many", "x", values=" , ,")


def test_json_encode():
    assert run("json_encode", {"a": "é", "b": [1, None]}) == '{"a":"é","b":[1,null]}'
    assert run("json_encode", None) == "null"
    assert run("json_encode", MISSING) is MISSING
    assert run("json_encode", "x") == '"x"'
    assert run("json_encode", {"a": 1}, pretty=True) == '{\n  "a": 1\n}'


# ---------------------------------------------------------------- array


def test_array_join():
    assert run("array_join", ["a", "b", None, 3]) == "a,b,3"
    assert run("array_join", ["a", None], skip_nulls=False, separator=";") == "a;"
    assert run("array_join", []) == ""
    assert run("array_join", [{"a": 1}, [2]], separator=" ") == '{"a":1} [2]'
    assert run("array_join", "solo") == "solo"
    assert run("array_join", list(range(100_000)), separator="")[:5] == "01234"


# ---------------------------------------------------------------- number


@pytest.mark.parametrize("op, a, b, expected", [
    ("add", 12, 3, 15), ("subtract", "12", 3, 9), ("multiply", 12, 1.5, 18.0), ("divide", 12, 4, 3),
    ("divide", 12, 5, 2.4), ("modulo", 12, 5, 2), ("power", 2, 10, 1024), ("add", "0.1", 0.2, 0.30000000000000004),
    ("add", 10**30, 1, 10**30 + 1),
])
def test_math(op, a, b, expected):
    out = run("math", a, operation=op, operand=b)
    assert out == expected and type(out) is type(expected)


def test_math_errors_are_readable():
    with pytest.raises(TransformError, match="^Math: cannot divide 12 by zero$"):
        run("math", 12, operation="divide", operand=0)
    with pytest.raises(TransformError, match="cannot take the remainder of 12 by zero"):
        run("math", 12, operation="modulo", operand=0)
    with pytest.raises(TransformError, match="Math: 'abc' is not a number"):
        run("math", "abc", operation="add", operand=1)
    with pytest.raises(TransformError, match="Math: true is not a number"):
        run("math", True, operation="add", operand=1)
    with pytest.raises(TransformError, match="too large"):
        run("math", 10, operation="power", operand=10**6)
    with pytest.raises(TransformError, match="too large"):
        run("math", 1e300, operation="multiply", operand=1e300)
    with pytest.raises(TransformError, match="not a real number"):
        run("math", -8, operation="power", operand=0.5)
    with pytest.raises(TransformError, match="Operation must be one of"):
        run("math", 1, operation="sqrt", operand=1)
    assert run("math", [1, 2], operation="multiply", operand=2) == [2, 4]


@pytest.mark.parametrize("value, places, mode, expected", [
    (2.675, 2, "half_up", 2.68), (2.5, 0, "half_up", 3), (2.5, 0, "half_even", 2), (-2.5, 0, "half_up", -3),
    (2.11, 1, "up", 2.2), (-2.19, 1, "down", -2.1), (2.11, 1, "ceiling", 2.2), (-2.11, 1, "floor", -2.2),
    (1234, -2, "half_up", 1200), ("3.14159", 3, "half_up", 3.142), (10**20, 2, "half_up", 1e20),
])
def test_round_number(value, places, mode, expected):
    out = run("round_number", value, places=places, mode=mode)
    assert out == expected
    assert isinstance(out, int) == (places <= 0)


def test_round_number_settings_checked():
    with pytest.raises(TransformError, match="whole number from -15 to 15"):
        run("round_number", 1, places=1.5)
    with pytest.raises(TransformError, match="Round number: 'x' is not a number"):
        run("round_number", "x")


def test_cast_to_string_and_custom_number():
    assert run("cast_to_string", 12.5) == "12.5"
    assert run("cast_to_string", [1, "a"]) == '[1,"a"]'
    assert run("cast_to_string", False) == "false"
    assert run("custom_number", "ignored", number="42") == 42
    assert run("custom_number", number=2.5) == 2.5
    with pytest.raises(TransformError, match="Number is required"):
        run("custom_number")


# ---------------------------------------------------------------- boolean and null


@pytest.mark.parametrize("value, expected", [
    (True, True), ("yes", True), ("Y", True), ("1", True), (" on ", True), (2, True), (0, False), ("no", False),
    ("", False), (None, False), (MISSING, False), ("FALSE", False),
])
def test_cast_to_boolean(value, expected):
    assert run("cast_to_boolean", value) is expected


def test_cast_to_boolean_refuses_other_text():
    with pytest.raises(TransformError, match="Cast to boolean: 'maybe' is not true or false"):
        run("cast_to_boolean", "maybe")


def test_cast_boolean_to_string_and_custom_boolean():
    assert run("cast_boolean_to_string", True) == "true"
    assert run("cast_boolean_to_string", "no", true_text="Y", false_text="N") == "N"
    with pytest.raises(TransformError, match="not true or false"):
        run("cast_boolean_to_string", "maybe")
    assert run("custom_boolean", value=False) is False
    assert run("custom_boolean", value="true") is True


def test_null_functions():
    assert run("null_to_string", None) == "" and run("null_to_string", MISSING) == ""
    assert run("null_to_string", 0) == 0
    assert run("null_to_zero", None) == 0 and run("null_to_zero", "x") == "x"
    assert run("null_to_zero", [None, 1]) == [0, 1]
    assert run("null_value", None, value="N/A") == "N/A"
    assert run("null_value", "", value="N/A") == ""
    assert run("null_value", "", value="N/A", empty_is_null=True) == "N/A"


# ---------------------------------------------------------------- dates


def test_format_date_spec_example_and_predefined_formats():
    assert run("format_date", "2023-10-26T07:51:07-04:00", format="unix") == "1698321067"
    v = "2023-10-26T07:51:07.250-04:00"
    assert run("format_date", v) == "2023-10-26T07:51:07-04:00"
    assert run("format_date", v, format="iso8601_zulu") == "2023-10-26T11:51:07Z"
    assert run("format_date", v, format="unix_ms") == "1698321067250"
    assert run("format_date", v, format="uk_date") == "26/10/2023"
    assert run("format_date", v, format="rfc2822") == "Thu, 26 Oct 2023 07:51:07 -0400"
    assert run("format_date", v, format="http") == "Thu, 26 Oct 2023 11:51:07 GMT"
    assert run("format_date", v, format="long") == "Thursday, 26th October 2023"
    for name in PREDEFINED_FORMATS:
        assert run("format_date", v, format=name)


def test_format_date_custom_timezones_and_inputs():
    assert run("format_date", "2024-07-01 12:00", format="custom", custom_format="H:i T e",
               timezone="Europe/London") == "13:00 BST Europe/London"
    assert run("format_date", "2024-07-01 12:00", input_timezone="+02:00", format="custom",
               custom_format="H:i P") == "12:00 +02:00"
    assert run("format_date", 1698321067, format="date") == "2023-10-26"
    assert run("format_date", 1698321067000, format="date") == "2023-10-26"
    assert run("format_date", "01/02/2024", format="date") == "2024-01-02"
    assert run("format_date", "01/02/2024", format="date", day_first=True) == "2024-02-01"
    assert run("format_date", "26 October 2023", format="date") == "2023-10-26"
    assert run("format_date", ["2024-01-01", None], format="custom", custom_format="Y") == ["2024", None]


@pytest.mark.parametrize("bad, message", [
    ("not a date", "'not a date' is not a date"), ("", "empty text"), (True, "not a date"),
    ({"d": 1}, "dict is not a date"), (10**20, "out of the supported date range"),
])
def test_format_date_bad_values(bad, message):
    with pytest.raises(TransformError, match=f"Format date: .*{message}"):
        run("format_date", bad)


def test_format_date_bad_settings():
    with pytest.raises(TransformError, match="choose a custom format"):
        run("format_date", "2024-01-01", format="custom")
    with pytest.raises(TransformError, match="is not a time zone"):
        run("format_date", "2024-01-01", timezone="Mars/Olympus")


def test_php_format_characters():
    d = parse_date("2024-02-05T09:04:03.007+00:00")
    assert format_php(d, "d D j l N S w z W F m M n t L o Y y") == \
        "05 Mon 5 Monday 1 th 1 35 06 February 02 Feb 2 29 1 2024 2024 24"
    assert format_php(d, "a A g G h H i s u v e I O P p T U") == \
        "am AM 9 9 09 09 04 03 007000 007 UTC 0 +0000 +00:00 Z UTC 1707123843"
    assert format_php(d, "\\Y\\m\\d Y") == "Ymd 2024"
    assert format_php(d, "c | r") == "2024-02-05T09:04:03+00:00 | Mon, 05 Feb 2024 09:04:03 +0000"
    assert format_php(parse_date("2024-01-01"), "o-\\WW") == "2024-W01"
    assert format_php(parse_date("2021-01-01"), "o W") == "2020 53"
    assert [format_php(parse_date(f"2024-01-{d:02d}"), "jS") for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd"]


def test_round_date():
    assert run("round_date", "2024-05-06T14:30:00Z") == "2024-05-06T00:00:00+00:00"
    assert run("round_date", "2024-05-06T14:30:00Z", round="end") == "2024-05-06T23:59:59+00:00"
    assert run("round_date", "2024-05-06T23:30:00Z", timezone="Europe/London") == "2024-05-07T00:00:00+01:00"
    assert run("round_date", "2024-02-10", round="end", unit="month", format="date") == "2024-02-29"
    assert run("round_date", "2024-05-08T10:00:00Z", unit="week", format="date") == "2024-05-06"
    assert run("round_date", "2024-03-31T12:00:00", round="end", timezone="Europe/London") == \
        "2024-03-31T23:59:59+01:00"


def test_custom_dynamic_date_uses_run_time():
    assert run("custom_dynamic_date") == "2024-05-06T14:30:15+00:00"
    assert run("custom_dynamic_date", adjustment=-1, units="day", round="start_of_day") == "2024-05-05T00:00:00+00:00"
    assert run("custom_dynamic_date", adjustment=36, units="hour", round="end_of_day") == "2024-05-08T23:59:59+00:00"
    assert run("custom_dynamic_date", adjustment=1.5, units="day", format="datetime") == "2024-05-08 02:30:15"
    assert run("custom_dynamic_date", adjustment=-3, units="month", format="date") == "2024-02-06"
    assert run("custom_dynamic_date", format="unix") == str(int(NOW.timestamp()))
    naive = TransformContext(now=datetime(2024, 1, 1, 12, 0))
    assert run("custom_dynamic_date", MISSING, naive) == "2024-01-01T12:00:00+00:00"
    with pytest.raises(TransformError, match="whole numbers"):
        run("custom_dynamic_date", adjustment=1.5, units="month")


def test_custom_dynamic_date_without_now_uses_clock():
    out = TRANSFORMS["custom_dynamic_date"](None, {"format": "custom", "custom_format": "Y"}, TransformContext())
    assert out == str(datetime.now(UTC).year)


def test_custom_static_date():
    assert run("custom_static_date", date="2024-01-01") == "2024-01-01T00:00:00+00:00"
    assert run("custom_static_date", date="2024-01-01T10:00:00Z", timezone="America/New_York",
               format="datetime") == "2024-01-01 05:00:00"
    with pytest.raises(TransformError, match="is not a date"):
        run("custom_static_date", date="someday")
    with pytest.raises(TransformError, match="Date is required"):
        run("custom_static_date")


# ---------------------------------------------------------------- hooks: lookups, cache, script


def test_hooks_missing_give_clear_errors():
    with pytest.raises(TransformError, match="cross-reference lookups are not available yet"):
        run("cross_reference", "Kilogram", table="units")
    with pytest.raises(TransformError, match="cache lookups are not available yet"):
        run("cache_lookup", "k", cache="c")
    with pytest.raises(TransformError, match="script transforms are not available yet"):
        run("script", "v", script="s1")


def test_cross_reference_calls_hook():
    calls = []

    def lookup(table, key, direction, default, **kw):
        calls.append((table, key, direction, default, kw))
        return {"Kilogram": "Kg", "Five": "5"}.get(key, default)

    tctx = TransformContext(lookup=lookup)
    assert run("cross_reference", "Kilogram", tctx, table="units") == "Kg"
    assert run("cross_reference", "Five", tctx, table="units", output_type="number") == 5
    assert run("cross_reference", "Pound", tctx, table="units", direction="right_to_left", default="?") == "?"
    assert run("cross_reference", "x", tctx, table="u", match_type="case_insensitive") is None
    assert calls[2] == ("units", "Pound", "right_to_left", "?", {})
    assert calls[3][4] == {"match_type": "case_insensitive"}
    with pytest.raises(TransformError, match="is not a number"):
        run("cross_reference", "Kilogram", tctx, table="units", output_type="number")


def test_cache_lookup_calls_hook():
    store = {("customers", "customer-7"): {"name": "Ada"}, ("plain", "k"): "v"}
    tctx = TransformContext(cache_get=lambda c, k: store.get((c, k), MISSING))
    tctx.record = {"id": 7}
    assert run("cache_lookup", "ignored", tctx, cache="customers", key="customer-[[payload.id]]", path="name") == "Ada"
    assert run("cache_lookup", "k", tctx, cache="plain") == "v"
    assert run("cache_lookup", "zz", tctx, cache="plain", default="none") == "none"
    assert run("cache_lookup", "zz", tctx, cache="plain") is None
    assert run("cache_lookup", None, tctx, cache="plain") is None  # no key to look up
    assert run("cache_lookup", MISSING, tctx, cache="customers", key="customer-7", path="name") == "Ada"


def test_script_calls_hook_with_value():
    tctx = TransformContext(run_script=lambda sid, v: {"sid": sid, "v": v})
    assert run("script", [1], tctx, script="s1") == {"sid": "s1", "v": [1]}
    assert run("script", MISSING, tctx, script="s1") == {"sid": "s1", "v": None}
