"""One path syntax and one MISSING for variables, mapping, conditions, batching and split."""
from __future__ import annotations

import pytest

from app.flows import batching, condition_values, conditions, paths, variables
from app.flows.paths import MISSING, Many, PathError, compile_path, get_path

ORDER = {"id": 7, "lines": [{"sku": "A", "qty": 1}, {"qty": 2}, {"sku": "C"}], "tags": ["vip"],
         "groups": [{"lines": [{"sku": "x"}]}, {"lines": [{"sku": "y"}, {"sku": "z"}]}]}


def test_there_is_one_missing():
    assert variables.MISSING is paths.MISSING is conditions.MISSING is condition_values.MISSING is batching.MISSING


@pytest.mark.parametrize("path,plain,crossing", [
    ("id", 7, 7),
    ("lines.0.sku", "A", "A"),
    ("lines.-1.sku", "C", "C"),
    ("lines.*.sku", ["A", "C"], Many(("A", "C"))),
    ("lines.sku", MISSING, Many(("A", "C"))),  # only the crossing getter lets a name cross an array
    ("groups.lines.sku", MISSING, Many(("x", "y", "z"))),
    ("groups.*.lines.*.sku", ["x", "y", "z"], Many(("x", "y", "z"))),
    ("tags", ["vip"], ["vip"]),  # a path that ends on an array gives the array itself
    ("tags.*", ["vip"], Many(("vip",))),
    ("nothing", MISSING, MISSING),
    ("nothing.*.x", MISSING, MISSING),
])
def test_the_plain_and_the_crossing_getter(path, plain, crossing):
    assert get_path(ORDER, path) == plain
    found = get_path(ORDER, path, cross_arrays=True)
    assert found == crossing and type(found) is type(crossing)


def test_crossing_results_are_many_even_when_empty_and_lists_stay_lists():
    assert get_path({"lines": []}, "lines.*.sku", cross_arrays=True) == Many()
    assert get_path({"lines": []}, "lines.sku", cross_arrays=True) == Many()
    assert type(get_path(ORDER, "tags", cross_arrays=True)) is list


def test_both_getters_share_the_parser_and_its_errors():
    for cross in (False, True):
        assert compile_path("a\\.b", cross_arrays=cross)({"a.b": 1}) == 1
        with pytest.raises(PathError, match="lone backslash"):
            compile_path("a\\", cross_arrays=cross)


def test_conditions_reject_a_path_the_parser_rejects():
    problems = conditions.validate_condition(conditions.Condition("a\\q", "is_empty", "string", None))
    assert problems and "only \\. \\* and \\\\ are escapes" in problems[0]
