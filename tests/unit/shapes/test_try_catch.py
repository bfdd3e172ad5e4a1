"""Try/catch shape: its tray group follows the spec, its settings and its placement are checked."""
from __future__ import annotations

from app.flows import shapes
from app.flows.shapes.try_catch import validate_placement

# Spec §2.21 and the seed's shape list: these five are the advanced shapes; Try/Catch is a standard one.
ADVANCED = {"cache_add", "cache_load", "dedupe", "script", "callback"}


def test_try_catch_is_in_the_standard_tray_group_and_only_the_spec_advanced_shapes_are_advanced():
    assert shapes.get("try_catch").group == "standard"
    assert {c.type for c in shapes.latest() if c.group == "advanced"} == ADVANCED


def test_action_on_exception_is_checked():
    shape = shapes.get("try_catch")
    assert shape.validate({}) == [] and shape.validate({"on_exception": "fail"}) == []
    assert shape.validate({"on_exception": "ignore"}) == [
        "Action on exception must be one of: Succeed as partial success, Fail the run."]
    assert shape.summary({}) == "Succeed as partial success"


def test_one_try_catch_per_flow_with_two_paths():
    one = {"type": "try_catch", "paths": [{"steps": []}, {"steps": []}]}
    assert validate_placement([one]) == []
    nested = {"type": "branch", "paths": [{"steps": [one]}]}
    assert validate_placement([one, nested]) == ["A flow can hold one try/catch shape; this one has 2."]
    assert validate_placement([{"type": "try_catch", "paths": [{"steps": []}]}]) == [
        "Try/catch needs exactly two paths: try and catch."]
