"""Run-log retention reads the company's tier as the subscription tab writes it."""
from __future__ import annotations

from app.runs import retention
from tests import factories


def test_a_professional_company_gets_the_professional_retention_not_the_trials(ctx):
    professional = factories.company(tier="professional")
    assert retention.limits_for(professional) == retention.TIER_LIMITS["pro"]
    assert retention.limits_for(professional) != retention.limits_for(factories.company(tier="trial"))
    retention.save(professional, log_days=90, payload_hours=14 * 24, tracked_days=30)  # within its tier
