"""The tier table: allowances, the "pro" alias, bolt-ons, custom values and "tier trumps role"."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.companies import tiers
from app.companies.tiers import TIERS, allows, tier_of


def company(tier="trial", bolt_ons=None, overrides=None, is_partner=False):
    return SimpleNamespace(tier=tier, bolt_ons=bolt_ons or {}, allowance_overrides=overrides or {},
                           is_partner=is_partner)


def test_the_seeds_operations_per_month_and_defaults():
    assert [TIERS[k].operations_per_month for k in tiers.TIER_ORDER] == [10_000, 150_000, 250_000, 500_000, None]
    assert tiers.TIER_ORDER == ("trial", "blueprint_store", "standard", "professional", "custom")
    for key in tiers.TIER_ORDER:
        assert TIERS[key].cache_memory_mb == 50 and TIERS[key].tracked_days == 15


def test_pro_is_an_alias_of_professional():
    assert tier_of(company("pro")) is TIERS["professional"] is TIERS["pro"]
    assert tiers.canonical("pro") == "professional" and tiers.tier_label("pro") == "Professional"


def test_an_unknown_tier_falls_back_to_trial():
    assert tier_of(company("gold")) is TIERS["trial"]
    assert tier_of(company(None)) is TIERS["trial"]


def test_bolt_ons_add_to_the_allowances():
    tier = tier_of(company("standard", {"flows": 2, "webhooks": 1, "callbacks": 1, "concurrency": 1}))
    assert tier.deployed_flows == 10 + 20
    assert tier.webhooks_per_minute == TIERS["standard"].webhooks_per_minute + 60
    assert tier.callbacks_per_minute == 120 and tier.concurrency == 15


def test_tracked_data_extends_up_to_ninety_days():
    assert tier_of(company("professional", {"tracked_data": 2})).tracked_days == 45
    assert tier_of(company("professional", {"tracked_data": 9})).tracked_days == 90


def test_bolt_ons_do_not_apply_on_trial_or_blueprint_store():
    assert tier_of(company("trial", {"flows": 3})).deployed_flows == 2
    assert tier_of(company("blueprint_store", {"flows": 3})).deployed_flows == 2
    assert tiers.bolt_ons_for("trial") == []


def test_custom_values_are_set_per_company_and_only_on_custom():
    custom = tier_of(company("custom", overrides={"operations_per_month": 2_000_000, "deployed_flows": 50}))
    assert (custom.operations_per_month, custom.deployed_flows) == (2_000_000, 50)
    assert tier_of(company("standard", overrides={"deployed_flows": 50})).deployed_flows == 10
    assert tier_of(company("custom")).operations_per_month is None  # unmetered until set


def test_the_attribute_names_other_rooms_use_still_exist():
    for key in ("concurrency", "webhooks_per_minute", "callbacks_per_minute", "api_requests_per_minute",
                "monthly_emails", "operations_per_month"):
        assert isinstance(getattr(TIERS["trial"], key), int)
    assert TIERS["trial"].concurrency == 1 and TIERS["trial"].webhooks_per_minute == 2
    assert TIERS["trial"].monthly_emails == 100


@pytest.mark.parametrize("area, action, expected", [
    ("flows", "view", True), ("flows", "edit", False), ("flows", "delete", False), ("flows", "run", True),
    ("flows", "deploy", True), ("connectors", "view", True), ("connectors", "edit", False),
    ("instances", "edit", True), ("runs", "view", True), ("runs", "control", True), ("settings", "edit", True),
    ("users", "manage", True), ("marketplace", "view", True), ("marketplace", "install", False),
    ("builder", "view", False), ("scripts", "edit", False), ("scripts", "view", True),
])
def test_blueprint_store_is_mostly_read_only(area, action, expected):
    assert allows(company("blueprint_store"), area, action) is expected


def test_standard_has_read_only_scripts_unless_the_advanced_bolt_on():
    assert allows(company("standard"), "scripts", "view")
    assert not allows(company("standard"), "scripts", "edit")
    assert allows(company("standard", {"advanced": 1}), "scripts", "edit")
    assert allows(company("professional"), "scripts", "edit")
    assert allows(company("trial"), "scripts", "edit"), "the trial has every feature"


def test_linked_companies_need_the_partner_features_bolt_on():
    assert not allows(company("professional"), "companies", "view")
    assert allows(company("professional", is_partner=True), "companies", "view")
    assert not allows(company("blueprint_store", is_partner=True), "companies", "view")
