"""Filter and route conditions: every type and operator, null rules, logic, variables and routing."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.flows.conditions import (
    MAX_VALUE_LENGTH,
    OPERATORS,
    TYPES,
    Condition,
    ConditionError,
    compile_conditions,
    filter_records,
    route_records,
    validate_condition,
)

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)


def matches(record, field, operator, type_, value=None, date_format=None, now=NOW):
    cond = Condition(field, operator, type_, value, date_format)
    return compile_conditions([cond], now=now)(record)


# --- string ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("record,expected", [
    ({"status": "open"}, True),
    ({"status": "Open"}, False),
    ({"status": "open "}, False),
    ({"status": None}, False),
    ({}, False),
    ({"status": ["open"]}, False),
])
def test_string_equals_is_exact(record, expected):
    assert matches(record, "status", "equals", "string", "open") is expected


def test_not_equals_is_the_complement_so_missing_and_null_pass():
    assert matches({}, "status", "not_equals", "string", "open") is True
    assert matches({"status": None}, "status", "not_equals", "string", "open") is True
    assert matches({"status": "open"}, "status", "not_equals", "string", "open") is False


def test_numbers_and_booleans_compare_as_their_json_text():
    assert matches({"sku": 12345}, "sku", "equals", "string", "12345")
    assert matches({"price": 12.5}, "price", "starts_with", "string", "12.")
    assert matches({"active": True}, "active", "equals", "string", "true")


@pytest.mark.parametrize("operator,value,expected", [
    ("contains", "ell", True), ("contains", "ELL", False), ("not_contains", "xyz", True),
    ("starts_with", "Hel", True), ("starts_with", "hel", False), ("ends_with", "llo", True),
    ("contains_ci", "ELL", True), ("starts_with_ci", "hEL", True), ("ends_with_ci", "LLO", True),
    ("equals_ci", "HELLO", True), ("not_equals_ci", "HELLO", False), ("not_contains_ci", "ELL", False),
])
def test_string_substring_operators(operator, value, expected):
    assert matches({"word": "Hello"}, "word", operator, "string", value) is expected


def test_case_insensitive_uses_unicode_casefolding_and_normalisation():
    assert matches({"street": "Straße"}, "street", "equals_ci", "string", "STRASSE")
    decomposed = "Cafe\u0301"
    assert matches({"name": decomposed}, "name", "equals_ci", "string", "CAFÉ")
    # Case-sensitive operators compare code points, so the decomposed form differs.
    assert not matches({"name": decomposed}, "name", "equals", "string", "Café")


def test_unicode_values_are_plain_text():
    assert matches({"city": "Zürich 東京 🚀"}, "city", "contains", "string", "東京")
    assert matches({"city": "Zürich"}, "city", "regex", "string", r"^Z\w+h$")


@pytest.mark.parametrize("value,empty", [
    (None, True), ("", True), ("   ", True), ([], True), ({}, True),
    ("x", False), (0, False), (False, False), ([0], False), ({"a": 1}, False),
])
def test_is_empty_rules(value, empty):
    assert matches({"f": value}, "f", "is_empty", "string") is empty
    assert matches({"f": value}, "f", "is_not_empty", "string") is not empty


def test_missing_field_is_empty():
    assert matches({}, "f", "is_empty", "string")
    assert not matches({}, "f", "is_not_empty", "number")


def test_regex_searches_anywhere_and_accepts_php_delimiters():
    assert matches({"ref": "order FR-123 shipped"}, "ref", "regex", "string", r"FR-\d+")
    assert matches({"ref": "fr-123"}, "ref", "regex", "string", r"/^FR-\d+$/i")
    assert not matches({"ref": "fr-123"}, "ref", "regex", "string", r"^FR-\d+$")
    assert matches({"ref": "FR-1"}, "ref", "regex", "string", r"(?<country>[A-Z]{2})-\d")
    assert matches({}, "ref", "not_regex", "string", "x")


def test_one_of_many_matches_whole_items_after_trimming():
    europe = "FR, BE,DE ,SE,IE"
    assert matches({"country": "BE"}, "country", "contains one of many", "string", europe)
    assert not matches({"country": "FRA"}, "country", "one_of", "string", europe)
    assert not matches({"country": "fr"}, "country", "one_of", "string", europe)
    assert matches({"country": "fr"}, "country", "one_of_ci", "string", europe)
    assert matches({"country": "US"}, "country", "does not contain one of many", "string", europe)
    assert matches({}, "country", "not_one_of", "string", europe)


# --- paths -----------------------------------------------------------------------------------------

ORDER = {"id": 7, "customer": {"email": "a@b.c"},
         "lines": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 5}], "tags": ["vip", "eu"]}


def test_nested_and_indexed_paths():
    assert matches(ORDER, "customer.email", "ends_with", "string", ".c")
    assert matches(ORDER, "lines.0.sku", "equals", "string", "A1")
    assert matches(ORDER, "lines.-1.sku", "equals", "string", "B2")
    assert not matches(ORDER, "lines.9.sku", "is_not_empty", "string")


def test_wildcard_matches_when_any_element_matches():
    assert matches(ORDER, "lines.*.sku", "equals", "string", "B2")
    assert matches(ORDER, "lines.*.qty", "greater_than", "number", "4")
    assert not matches(ORDER, "lines.*.qty", "greater_than", "number", "5")
    assert matches(ORDER, "tags.*", "equals", "string", "eu")
    # Negatives are the complement: "no element equals".
    assert not matches(ORDER, "lines.*.sku", "not_equals", "string", "B2")


def test_a_name_crosses_an_array_like_a_wildcard():
    assert matches(ORDER, "lines.sku", "equals", "string", "A1")
    assert matches({"a": [{"b": [{"c": 1}]}, {"b": [{"c": 2}]}]}, "a.b.c", "equals", "number", "2")


def test_empty_array_behaves_like_a_missing_field():
    record = {"lines": []}
    assert not matches(record, "lines.*.sku", "equals", "string", "A1")
    assert matches(record, "lines.*.sku", "not_equals", "string", "A1")
    assert matches(record, "lines.*.sku", "is_empty", "string")


def test_huge_array_through_wildcard():
    record = {"items": [{"n": i} for i in range(100_000)]}
    assert matches(record, "items.*.n", "equals", "number", "99999")
    assert not matches(record, "items.*.n", "less_than", "number", "0")


def test_escaped_dot_is_part_of_the_key():
    assert matches({"a.b": "x"}, r"a\.b", "equals", "string", "x")


def test_record_that_is_not_an_object_has_no_fields():
    assert not matches("plain", "f", "equals", "string", "plain")
    assert matches(None, "f", "is_empty", "string")


# --- number ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("operator,value,expected", [
    ("=", "10", True), ("equals", "10.0", True), ("!=", "10", False), (">", "9.99", True),
    (">=", "10", True), ("<", "10", False), ("<=", "10", True), ("less_than", "1e2", True),
    ("between", "10..20", True), ("between", "-5..9", False),
])
def test_number_operators(operator, value, expected):
    assert matches({"n": 10}, "n", operator, "number", value) is expected


@pytest.mark.parametrize("raw,expected", [
    ("12", True), ("12.50", True), (" 12 ", True), ("+12", True), ("1.2e1", True), (12, True),
    ("12abc", False), ("1,000", False), ("1_2", False), ("١٢", False), ("nan", False), ("inf", False),
    (True, False), (None, False), ("", False), ([12], False),
])
def test_number_coercion_of_record_values(raw, expected):
    assert matches({"n": raw}, "n", ">=", "number", "12") is expected


def test_non_numbers_fail_ordering_but_pass_not_equals():
    assert not matches({"n": "abc"}, "n", "<", "number", "5")
    assert not matches({"n": "abc"}, "n", ">=", "number", "5")
    assert matches({"n": "abc"}, "n", "!=", "number", "5")
    assert matches({}, "n", "not_equals", "number", "5")


def test_big_integers_compare_exactly():
    big = 2**64 + 1
    assert matches({"n": big}, "n", "=", "number", str(big))
    assert not matches({"n": big - 1}, "n", "=", "number", str(big))
    assert matches({"n": str(big)}, "n", ">", "number", str(big - 1))


# --- specific date ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stamp,operator,value,expected", [
    ("2024-03-01T10:00:00Z", "before", "2024-03-02", True),
    ("2024-03-01T10:00:00Z", "before", "2024-03-01", False),
    ("2024-03-01T10:00:00Z", "after", "2024-03-01", False),  # a date-only value is the whole day
    ("2024-03-02T00:00:00Z", "after", "2024-03-01", True),
    ("2024-03-01T10:00:00Z", "after", "2024-03-01T09:59:59Z", True),
    ("2024-03-01T23:59:59Z", "on", "2024-03-01", True),
    ("2024-03-02T00:00:00Z", "on", "2024-03-01", False),
    ("2024-03-01T10:00:00Z", "on", "2024-03-01T18:00:00Z", True),
    ("2024-03-01T10:00:00Z", "equals", "2024-03-01T10:00:00Z", True),
    ("2024-03-01T10:00:00Z", "equals", "2024-03-01T12:00:00+02:00", True),
    ("2024-03-01T10:00:01Z", "equals", "2024-03-01T10:00:00Z", False),
    ("2024-03-31T23:00:00Z", "between", "2024-03-01..2024-03-31", True),
    ("2024-04-01T00:00:00Z", "between", "2024-03-01..2024-03-31", False),
    ("2024-03-01T10:00:00Z", "between", "2024-03-01T10:00:00Z..2024-03-01T10:00:00Z", True),
])
def test_specific_date_operators(stamp, operator, value, expected):
    assert matches({"at": stamp}, "at", operator, "specific_date", value) is expected


def test_dates_without_timezone_are_utc():
    assert matches({"at": "2024-03-01T10:00:00"}, "at", "equals", "Specific date", "2024-03-01T10:00:00Z")
    assert matches({"at": "2024-03-01T10:00:00+01:00"}, "at", "before", "specific_date",
                   "2024-03-01T10:00:00")


def test_epoch_numbers_rfc2822_and_date_objects():
    ts = datetime(2024, 3, 1, 10, tzinfo=UTC).timestamp()
    assert matches({"at": ts}, "at", "on", "specific_date", "2024-03-01")
    assert matches({"at": int(ts * 1000)}, "at", "on", "specific_date", "2024-03-01")
    assert matches({"at": "Fri, 01 Mar 2024 10:00:00 +0000"}, "at", "on", "specific_date", "2024-03-01")
    assert matches({"at": datetime(2024, 3, 1, 10)}, "at", "on", "specific_date", "2024-03-01")


@pytest.mark.parametrize("fmt", ["d/m/Y", "%d/%m/%Y"])
def test_date_format_reads_record_and_value(fmt):
    assert matches({"at": "02/03/2024"}, "at", "on", "specific_date", "2024-03-02", fmt)
    assert matches({"at": "02/03/2024"}, "at", "before", "specific_date", "03/03/2024", fmt)
    assert not matches({"at": "2024-03-02"}, "at", "on", "specific_date", "2024-03-02", fmt)


def test_php_time_format():
    assert matches({"at": "2024-03-02 14:05:00"}, "at", "after", "specific_date", "2024-03-02T14:00:00Z",
                   "Y-m-d H:i:s")


def test_unreadable_dates_do_not_match():
    for raw in ("yesterday", "", None, True, [], "2024-13-01"):
        assert not matches({"at": raw}, "at", "before", "specific_date", "2030-01-01")
    assert matches({"at": "soon"}, "at", "is_not_empty", "specific_date")


# --- dynamic date ----------------------------------------------------------------------------------

@pytest.mark.parametrize("stamp,operator,value,expected", [
    ("2024-03-15T11:00:00Z", "within_last", "2 hours", True),
    ("2024-03-15T10:00:00Z", "within_last", "2 hours", True),  # boundary included
    ("2024-03-15T09:59:59Z", "within_last", "2 hours", False),
    ("2024-03-15T13:00:00Z", "within_last", "2 hours", False),  # the future is not "the last"
    ("2024-02-01T00:00:00Z", "older_than", "30 days", True),
    ("2024-03-01T00:00:00Z", "older_than", "30 days", False),
    ("2024-03-20T00:00:00Z", "within_next", "1 week", True),
    ("2024-03-15T11:59:00Z", "within_next", "1 week", False),
    ("2025-04-01T00:00:00Z", "beyond_next", "1 year", True),
    ("2024-03-13T00:00:00Z", "before", "-2 days", True),
    ("2024-03-14T00:00:00Z", "before", "-2 days", False),
    ("2024-03-15T12:30:00Z", "after", "+10 minutes", True),
    ("2024-03-15T12:00:05Z", "within_last", "10 seconds", False),
    ("2024-03-15T11:59:55Z", "within_last", "10 SECONDS", True),
])
def test_dynamic_date_operators(stamp, operator, value, expected):
    assert matches({"at": stamp}, "at", operator, "dynamic_date", value) is expected


def test_months_move_on_the_calendar():
    now = datetime(2024, 3, 31, 12, tzinfo=UTC)  # one month back is Feb 29 (clamped), not Mar 2
    assert matches({"at": "2024-02-29T12:00:00Z"}, "at", "within_last", "dynamic_date", "1 month", now=now)
    assert not matches({"at": "2024-02-29T11:59:59Z"}, "at", "within_last", "dynamic_date", "1 month",
                       now=now)


def test_naive_now_is_utc():
    naive = datetime(2024, 3, 15, 12, 0)
    assert matches({"at": "2024-03-15T11:30:00Z"}, "at", "within_last", "dynamic_date", "1 hour", now=naive)


# --- boolean ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,is_true,is_false", [
    (True, True, False), (False, False, True), ("true", True, False), ("TRUE", True, False),
    ("1", True, False), (1, True, False), ("yes", True, False), ("no", False, True), (0, False, True),
    ("false", False, True), (None, False, False), ("maybe", False, False), (2, False, False),
])
def test_boolean_operators(value, is_true, is_false):
    assert matches({"b": value}, "b", "is_true", "boolean") is is_true
    assert matches({"b": value}, "b", "is_false", "boolean") is is_false


def test_missing_boolean_is_neither():
    assert not matches({}, "b", "is_true", "boolean")
    assert not matches({}, "b", "is_false", "boolean")


def test_boolean_equals_alias_from_imports():
    assert matches({"b": "true"}, "b", "equals", "boolean", "true")
    assert matches({"b": False}, "b", "equals", "boolean", "false")


# --- validation ------------------------------------------------------------------------------------

@pytest.mark.parametrize("cond,fragment", [
    (Condition("f", "equals", "colour", "x"), "unknown type"),
    (Condition("f", "greater_than", "string", "x"), "does not apply to String"),
    (Condition("f", "regex", "string", "(unclosed"), "invalid regular expression"),
    (Condition("f", "equals", "string", "x" * (MAX_VALUE_LENGTH + 1)), "longer than 1024"),
    (Condition("f", ">", "number", "ten"), "not a number"),
    (Condition("f", "between", "number", "20..10"), "empty"),
    (Condition("f", "between", "number", "10"), "two values"),
    (Condition("f", "contains", "string", ""), "non-empty"),
    (Condition("f", "one_of", "string", " , ,"), "separated by commas"),
    (Condition("f", "equals", "string", None), "needs a value"),
    (Condition("", "is_empty", "string", None), "choose a field"),
    (Condition("f", "before", "specific_date", "next tuesday"), "not a date"),
    (Condition("f", "on", "specific_date", "2024-01-01", "Y-m-d Q"), "not supported"),
    (Condition("f", "within_last", "dynamic_date", "a while"), "not a duration"),
    (Condition("f", "within_last", "dynamic_date", "-2 days"), "without a minus"),
    (Condition("f", "before", "dynamic_date", "2 days"), "signed offset"),
    (Condition("f", "equals", "boolean", "perhaps"), "true or false"),
])
def test_validation_messages(cond, fragment):
    errors = validate_condition(cond)
    assert errors and fragment in " ".join(errors)


def test_valid_conditions_have_no_errors():
    for cond in [Condition("f", "is_empty", "boolean", None), Condition("f", ">=", "Number", "1.5"),
                 Condition("f", "does not contain", "String", "x"), Condition("f", "is before", "Specific date",
                                                                          "2024-01-01T00:00:00Z"),
                 Condition("f", "equals", "string", "[[meta.code]]"), Condition("f", "equals", "string", "")]:
        assert validate_condition(cond) == [], cond


def test_value_of_exactly_the_limit_is_fine():
    assert validate_condition(Condition("f", "equals", "string", "x" * MAX_VALUE_LENGTH)) == []


def test_compile_reports_every_error():
    with pytest.raises(ConditionError) as info:
        compile_conditions([Condition("a", ">", "number", "x"), Condition("b", "nope", "string", "y")], now=NOW)
    assert len(info.value.errors) == 2


def test_operator_table_is_complete_for_the_form():
    assert set(OPERATORS) == set(TYPES)
    for ops in OPERATORS.values():
        names = [op.name for op in ops]
        assert len(names) == len(set(names))
        assert all(op.label for op in ops)
        assert {"is_empty", "is_not_empty"} <= set(names)
    needs = {op.name: op.needs_value for op in OPERATORS["string"]}
    assert needs["equals"] and not needs["is_empty"]


def test_every_listed_operator_compiles_with_a_sample_value():
    samples = {"string": "a,b", "number": "1..2", "specific_date": "2024-01-01..2024-02-01",
               "dynamic_date": "+2 days"}
    for type_, ops in OPERATORS.items():
        for op in ops:
            value = samples.get(type_) if op.needs_value else None
            if type_ == "number" and op.name != "between":
                value = "1"
            if type_ == "specific_date" and op.name != "between":
                value = "2024-01-01"
            cond = Condition("f", op.name, type_, value)
            assert validate_condition(cond) == [], cond
            compile_conditions([cond], now=NOW)({"f": "x"})


# --- logic and variables ---------------------------------------------------------------------------

def test_and_or_logic():
    conds = [Condition("a", "=", "number", "1"), Condition("b", "=", "number", "2")]
    both, one = {"a": 1, "b": 2}, {"a": 1, "b": 3}
    assert compile_conditions(conds, "and", now=NOW)(both)
    assert not compile_conditions(conds, "AND", now=NOW)(one)
    assert compile_conditions(conds, "or", now=NOW)(one)
    assert not compile_conditions(conds, "or", now=NOW)({})


@pytest.mark.parametrize("count", [3, 5])
def test_many_conditions(count):
    conds = [Condition(f"f{i}", "is_not_empty", "string", None) for i in range(count)]
    full = {f"f{i}": "x" for i in range(count)}
    assert compile_conditions(conds, "and", now=NOW)(full)
    assert not compile_conditions(conds, "and", now=NOW)({**full, "f0": ""})
    assert compile_conditions(conds, "or", now=NOW)({"f1": "x"})
    assert not compile_conditions(conds, "or", now=NOW)({})


def test_no_conditions_match_everything_and_bad_logic_is_rejected():
    assert compile_conditions([], now=NOW)({"anything": 1})
    with pytest.raises(ConditionError):
        compile_conditions([], "xor", now=NOW)


def fake_resolve(text, record):
    return text.replace("[[meta.country]]", record.get("_meta_country", "")).replace(
        "[[meta.field]]", record.get("_meta_field", ""))


def test_variables_in_values_are_resolved_per_record():
    cond = Condition("country", "equals", "string", "[[meta.country]]")
    pred = compile_conditions([cond], now=NOW, resolve=fake_resolve)
    assert pred({"country": "FR", "_meta_country": "FR"})
    assert not pred({"country": "FR", "_meta_country": "DE"})


def test_variables_in_field_paths_are_resolved_per_record():
    cond = Condition("[[meta.field]]", "equals", "string", "yes")
    pred = compile_conditions([cond], now=NOW, resolve=fake_resolve)
    assert pred({"a": "yes", "_meta_field": "a"})
    assert not pred({"a": "yes", "_meta_field": "b"})


def test_a_variable_resolving_to_an_unusable_value_never_matches():
    cond = Condition("n", ">", "number", "[[meta.country]]")
    pred = compile_conditions([cond], now=NOW, resolve=fake_resolve)
    assert not pred({"n": 5, "_meta_country": "FR"})
    assert pred({"n": 5, "_meta_country": "4"})


def test_values_from_imported_json_may_be_numbers_or_booleans():
    assert matches({"n": "10"}, "n", ">=", "number", 10)
    assert matches({"b": True}, "b", "equals", "boolean", True)
    assert validate_condition(Condition("n", ">", "number", 2.5)) == []


def test_without_a_resolver_variables_are_literal_text():
    assert matches({"f": "[[x]]"}, "f", "equals", "string", "[[x]]")


# --- filter and route ------------------------------------------------------------------------------

RECORDS = [{"id": i, "country": c} for i, c in enumerate(["FR", "US", "DE", "FR", "JP"])]
IS_FR = compile_conditions([Condition("country", "=", "string", "FR")], now=NOW)
IS_EU = compile_conditions([Condition("country", "one_of", "string", "FR,DE")], now=NOW)


def test_filter_keep_matching_on_and_off():
    assert [r["id"] for r in filter_records(RECORDS, IS_FR, keep_matching=True)] == [0, 3]
    assert [r["id"] for r in filter_records(RECORDS, IS_FR, keep_matching=False)] == [1, 2, 4]


def test_route_follow_all_and_first():
    routes = [("fr", IS_FR), ("eu", IS_EU)]
    all_ = route_records(RECORDS, routes, follow="all")
    assert [r["id"] for r in all_["fr"]] == [0, 3] and [r["id"] for r in all_["eu"]] == [0, 2, 3]
    first = route_records(RECORDS, routes, follow="first")
    assert [r["id"] for r in first["fr"]] == [0, 3] and [r["id"] for r in first["eu"]] == [2]


def test_route_without_conditions_gets_everything_and_unmatched_are_dropped():
    out = route_records(RECORDS, [("eu", IS_EU), ("rest", None)], follow="first")
    assert [r["id"] for r in out["rest"]] == [1, 4]
    dropped = route_records(RECORDS, [("fr", IS_FR)], follow="all")
    assert sum(len(v) for v in dropped.values()) == 2


def test_route_names_present_even_when_empty_and_errors():
    assert route_records([], [("a", IS_FR), ("b", None)]) == {"a": [], "b": []}
    with pytest.raises(ValueError):
        route_records(RECORDS, [("a", None), ("a", None)])
    with pytest.raises(ValueError):
        route_records(RECORDS, [("a", None)], follow="some")


# --- properties ------------------------------------------------------------------------------------

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=8))
records = st.lists(st.dictionaries(st.sampled_from(["a", "b"]), json_scalars, max_size=2), max_size=30)
thresholds = st.lists(st.integers(-5, 5), min_size=1, max_size=4)
# Other suites share this machine's two cores; generation speed is not what these tests check.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@relaxed
@given(records, thresholds)
def test_follow_all_sends_each_record_to_exactly_the_matching_routes(recs, limits):
    preds = [compile_conditions([Condition("a", ">", "number", str(x))], now=NOW) for x in limits]
    routes = [(f"r{i}", p) for i, p in enumerate(preds)]
    out = route_records(recs, routes, follow="all")
    for name, pred in routes:
        assert out[name] == [r for r in recs if pred(r)]


@relaxed
@given(records, thresholds)
def test_follow_first_sends_each_record_to_its_first_match_only(recs, limits):
    preds = [compile_conditions([Condition("a", "<=", "number", str(x))], now=NOW) for x in limits]
    out = route_records(recs, [(f"r{i}", p) for i, p in enumerate(preds)], follow="first")
    expected: dict[str, list] = {f"r{i}": [] for i in range(len(preds))}
    for r in recs:
        for i, p in enumerate(preds):
            if p(r):
                expected[f"r{i}"].append(r)
                break
    assert out == expected


NEGATABLE = [("equals", "string", "1"), ("contains", "string", "a"), ("one_of", "string", "1,a,true"),
             ("regex", "string", "^a"), ("equals", "number", "1"), ("is_empty", "string", None),
             ("equals_ci", "string", "A")]


@relaxed
@given(json_scalars, st.sampled_from(NEGATABLE))
def test_negative_operators_are_exact_complements(value, spec):
    op, type_, arg = spec
    negative = {"equals": "not_equals", "contains": "not_contains", "one_of": "not_one_of",
                "regex": "not_regex", "is_empty": "is_not_empty", "equals_ci": "not_equals_ci"}[op]
    for record in ({"f": value}, {}):
        assert matches(record, "f", op, type_, arg) is not matches(record, "f", negative, type_, arg)


@relaxed
@given(records)
def test_filter_on_and_off_partition_the_records_in_order(recs):
    kept = filter_records(recs, IS_FR, keep_matching=True)
    removed = filter_records(recs, IS_FR, keep_matching=False)
    assert len(kept) + len(removed) == len(recs)
    assert [r for r in recs if r in kept or r in removed] == recs
