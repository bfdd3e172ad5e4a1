"""Run-log retention reads the company's tier as the subscription tab writes it."""
from __future__ import annotations

from app.runs import retention
from tests import factories


def test_a_professional_company_gets_the_professional_retention_not_the_trials(ctx):
    professional = factories.company(tier="professional")
    assert retention.limits_for(professional) == retention.TIER_LIMITS["professional"]
    assert retention.limits_for(professional) != retention.limits_for(factories.company(tier="trial"))
    retention.save(professional, log_days=90, payload_hours=14 * 24, tracked_days=15)  # within its tier


def test_the_tracked_data_lookback_is_the_tier_tables_and_bolt_ons_extend_it(ctx):
    company = factories.company(tier="standard")
    assert retention.limits_for(company).tracked_days == 15
    company.bolt_ons = {"tracked_data": 2}
    assert retention.limits_for(company).tracked_days == 45
    company.bolt_ons = {"tracked_data": 9}  # capped at 90 days in all
    assert retention.limits_for(company).tracked_days == 90
