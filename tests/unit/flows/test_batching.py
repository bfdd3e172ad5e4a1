"""Flow control batches and split levels: order, completeness, surrounding structure and errors."""
from __future__ import annotations

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.flows.batching import BatchError, SplitError, batch, split

relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- batch -----------------------------------------------------------------------------------------

def test_root_array_in_batches_with_a_short_last_one():
    assert batch([1, 2, 3, 4, 5], size=2) == [[1, 2], [3, 4], [5]]
    assert batch([1, 2, 3, 4], level="*", size=2) == [[1, 2], [3, 4]]
    assert batch([1, 2], size=10) == [[1, 2]]


def test_size_one_wraps_unless_told_not_to():
    records = [{"id": 1}, {"id": 2}]
    assert batch(records, size=1) == [[{"id": 1}], [{"id": 2}]]
    assert batch(records, size=1, wrap_single=False) == [{"id": 1}, {"id": 2}]
    # The option only concerns single records; bigger batches are always arrays.
    assert batch(records, size=2, wrap_single=False) == [records]


def test_empty_array_gives_no_batches():
    assert batch([], size=3) == []
    assert batch({"orders": []}, level="orders", size=3) == []


def test_nested_level_keeps_the_surrounding_structure():
    data = {"meta": {"page": 1}, "orders": [1, 2, 3], "total": 3}
    assert batch(data, level="orders", size=2) == [
        {"meta": {"page": 1}, "orders": [1, 2], "total": 3},
        {"meta": {"page": 1}, "orders": [3], "total": 3},
    ]


def test_deep_and_indexed_levels():
    data = {"data": {"items": ["a", "b", "c"], "cursor": "x"}}
    assert batch(data, level="data.items", size=2) == [
        {"data": {"items": ["a", "b"], "cursor": "x"}}, {"data": {"items": ["c"], "cursor": "x"}}]
    pages = {"pages": [{"items": [1, 2]}, {"items": [9]}]}
    assert batch(pages, level="pages.0.items", size=1) == [
        {"pages": [{"items": [1]}, {"items": [9]}]}, {"pages": [{"items": [2]}, {"items": [9]}]}]


def test_nested_single_records_without_wrapping():
    data = {"orders": [{"id": 1}, {"id": 2}], "source": "shop"}
    assert batch(data, level="orders", size=1, wrap_single=False) == [
        {"orders": {"id": 1}, "source": "shop"}, {"orders": {"id": 2}, "source": "shop"}]


def test_trailing_star_names_the_same_array():
    data = {"orders": [1, 2, 3]}
    assert batch(data, level="orders.*", size=2) == batch(data, level="orders", size=2)


def test_input_is_not_mutated():
    data = {"orders": [{"id": 1}, {"id": 2}, {"id": 3}], "x": {"y": 1}}
    before = copy.deepcopy(data)
    batch(data, level="orders", size=2, wrap_single=False)
    assert data == before


@pytest.mark.parametrize("data,level,fragment", [
    ({"orders": {"id": 1}}, "orders", "is an object, not an array"),
    ({"orders": "x"}, "orders", "is a string"),
    ({"orders": None}, "orders", "is null"),
    ({"a": 1}, "orders", "nothing at 'orders'"),
    ({"a": {"b": 1}}, "a.c.d", "nothing at 'a.c'"),
    ({"id": 1}, "*", "the payload is an object"),
    ({"a": [{"b": [1]}]}, "a.*.b", "'*' is only allowed alone"),
])
def test_batch_errors_say_what_is_wrong(data, level, fragment):
    with pytest.raises(BatchError) as info:
        batch(data, level=level, size=1)
    assert fragment in str(info.value)


@pytest.mark.parametrize("size", [0, -1, 1.5, True, "2", None])
def test_batch_size_must_be_a_positive_integer(size):
    with pytest.raises(BatchError):
        batch([1], size=size)


def test_huge_array():
    records = list(range(100_001))
    batches = batch(records, size=1000)
    assert len(batches) == 101 and batches[-1] == [100_000]


@relaxed
@given(st.lists(st.integers()), st.integers(1, 50), st.booleans())
def test_batching_never_loses_duplicates_or_reorders(records, size, wrap):
    batches = batch(records, size=size, wrap_single=wrap)
    flat = [r for b in batches for r in b] if (wrap or size > 1) else batches
    assert flat == records
    assert len(batches) == math.ceil(len(records) / size)
    if wrap or size > 1:
        assert all(len(b) == size for b in batches[:-1])


@relaxed
@given(st.lists(st.text(max_size=3)), st.integers(1, 20))
def test_nested_batching_never_loses_duplicates_or_reorders(records, size):
    data = {"head": {"n": len(records)}, "body": {"rows": records}}
    batches = batch(data, level="body.rows", size=size)
    assert [r for b in batches for r in b["body"]["rows"]] == records
    assert all(b["head"] == data["head"] for b in batches)


# --- split -----------------------------------------------------------------------------------------

CUSTOMER = {"customer": {"name": "Ann", "addresses": [{"city": "Leeds"}, {"city": "York"}]}}


def test_split_takes_the_element_and_everything_inside_it():
    assert split(CUSTOMER, level="customer.addresses", wrapper_key=None) == [
        [{"city": "Leeds"}, {"city": "York"}]]
    assert split(CUSTOMER, level="customer", wrapper_key=None) == [CUSTOMER["customer"]]


def test_split_wrapper_key():
    assert split(CUSTOMER, level="customer.name", wrapper_key="who") == [{"who": "Ann"}]
    assert split(CUSTOMER, level="customer.name", wrapper_key="") == ["Ann"]


ORDERS = {"orders": [{"id": 1, "lines": [{"sku": "a"}, {"sku": "b"}]}, {"id": 2, "lines": [{"sku": "c"}]}]}


def test_split_through_an_array_collects_one_array_in_document_order():
    assert split(ORDERS, level="orders.*.lines", wrapper_key=None) == [[[{"sku": "a"}, {"sku": "b"}],
                                                                         [{"sku": "c"}]]]
    assert split(ORDERS, level="orders.*.lines.*", wrapper_key="lines") == [
        {"lines": [{"sku": "a"}, {"sku": "b"}, {"sku": "c"}]}]
    assert split(ORDERS, level="orders.*.lines.*.sku", wrapper_key=None) == [["a", "b", "c"]]


def test_split_crosses_arrays_only_where_the_path_says_star():
    # Changed with the one path syntax: a name meeting an array no longer crosses it in split (only
    # conditions keep that as an option); the error names the explicit form.
    with pytest.raises(SplitError, match=r"write 'orders\.\*\.lines' to take from every element"):
        split(ORDERS, level="orders.lines", wrapper_key=None)
    with pytest.raises(SplitError, match=r"write 'orders\.\*\.lines\.\*\.sku'"):
        split(ORDERS, level="orders.lines.sku", wrapper_key=None)
    with pytest.raises(SplitError, match="nothing at that path in the payload$"):
        split(ORDERS, level="orders.nothing", wrapper_key=None)


def test_split_through_an_empty_array_gives_an_empty_array():
    assert split({"orders": []}, level="orders.*.lines", wrapper_key="x") == [{"x": []}]


def test_split_errors():
    with pytest.raises(SplitError, match="nothing at that path"):
        split(CUSTOMER, level="customer.phone", wrapper_key=None)
    with pytest.raises(SplitError, match="choose the level"):
        split(CUSTOMER, level=" ", wrapper_key=None)
    assert issubclass(SplitError, BatchError)


def test_split_of_the_root_array():
    assert split([1, 2], level="*", wrapper_key="all") == [{"all": [1, 2]}]


@relaxed
@given(st.lists(st.lists(st.integers(), max_size=4), max_size=6))
def test_split_star_star_flattens_every_element_in_order(groups):
    data = {"g": [{"v": g} for g in groups]}
    assert split(data, level="g.*.v.*", wrapper_key=None) == [[x for g in groups for x in g]]
