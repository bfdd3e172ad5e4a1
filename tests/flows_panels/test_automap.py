"""Auto-map's name matching: similar names meet, nested and list fields keep their paths, the user's rules win."""
from __future__ import annotations

from app.flows.mapping import validate_map
from app.flows.panels.automap import normalise, propose


def pairs(outcome) -> list[tuple[str, str]]:
    return [(p.source, p.target) for p in outcome.proposals]


def test_names_meet_without_case_underscores_dashes_or_spaces():
    assert normalise("customer_email") == normalise("CustomerEmail") == normalise("Customer-Email ") == "customeremail"
    outcome = propose(["customer_email", "order id", "total"], ["CustomerEmail", "OrderId", "Total", "Currency"])
    assert pairs(outcome) == [("customer_email", "CustomerEmail"), ("order id", "OrderId"), ("total", "Total")]


def test_a_nested_source_meets_a_flat_target_of_the_same_words_and_lists_pair_up():
    sources = ["id", "customer", "customer.email", "customer.first_name", "lines", "lines.*.sku", "lines.*.qty",
               "tags", "tags.*"]
    targets = ["CustomerEmail", "customer.FirstName", "Lines.*.SKU", "lines.*.Qty", "tags", "tags.*"]
    outcome = propose(sources, targets)
    assert pairs(outcome) == [("customer.email", "CustomerEmail"), ("customer.first_name", "customer.FirstName"),
                              ("lines.*.sku", "Lines.*.SKU"), ("lines.*.qty", "lines.*.Qty"), ("tags.*", "tags.*")]
    # objects themselves are not mapped when their fields are listed, and the rules made are valid
    assert all(source not in ("customer", "lines", "tags") for source, _ in pairs(outcome))
    assert validate_map({"rules": [{"source": s, "target": t} for s, t in pairs(outcome)]}) == []


def test_a_last_name_match_needs_one_closest_candidate_in_as_many_lists():
    sources = ["customer.email", "billing.email", "shipping.address.city", "lines.*.sku", "sku"]
    targets = ["buyer.email", "delivery.city", "items.*.sku", "billing.Email"]
    outcome = propose(sources, targets)
    assert pairs(outcome) == [("shipping.address.city", "delivery.city"), ("lines.*.sku", "items.*.sku"),
                              ("billing.email", "billing.Email")]
    assert {p.target: p.how for p in outcome.proposals}["delivery.city"] == "name"
    # two source fields called email fit buyer.email equally: the user chooses
    assert outcome.ambiguous == {"buyer.email": ["customer.email", "billing.email"]}


def test_targets_the_user_already_maps_are_never_touched():
    rules = [{"source": "name", "target": "CustomerEmail"},  # even a rule that looks wrong is the user's
             {"source": "addr", "target": "shipping"}]  # a parent target: its fields are the user's too
    sources = ["customer_email", "shipping.city", "id"]
    targets = ["CustomerEmail", "shipping.city", "Id"]
    outcome = propose(sources, targets, rules)
    assert pairs(outcome) == [("id", "Id")]
    assert outcome.taken == 2
    # and a child target that the user maps blocks a proposal for its parent
    rules = [{"source": "x", "target": "customer.name"}]
    assert pairs(propose(["customer"], ["customer", "Customer.Name"], rules)) == []


def test_form_rows_count_as_rules_and_each_target_is_proposed_once():
    from app.flows.panels.forms_map import RuleRow

    rows = [RuleRow(key="0", source="", target="  total "), RuleRow(key="1", source="id", target="")]
    outcome = propose(["total", "id", "ID"], ["total", "id", "id", "Total"], rows)
    # total is the user's (so is Total, which their rule does not write: it gets its own proposal); id once
    assert pairs(outcome) == [("id", "id"), ("total", "Total")]
    assert propose([], ["a"]).proposals == [] and propose(["a"], []).proposals == []


def test_paths_with_escaped_dots_and_bad_paths_are_handled():
    outcome = propose(["meta\\.id", "a..b", "x"], ["Meta\\.Id", "a.b", ""])
    assert pairs(outcome) == [("meta\\.id", "Meta\\.Id")]
