"""Subscription tiers: features and allowances. "Tier trumps role": tenancy intersects these with roles.

The partners issue makes tiers editable and adds bolt-ons; until then these are the seeds' defaults.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tier:
    key: str
    label: str
    concurrency: int  # runs of one company executing at once
    webhooks_per_minute: int
    callbacks_per_minute: int
    api_requests_per_minute: int
    monthly_emails: int
    operations_per_month: int | None  # None: unmetered


TIERS = {
    "trial": Tier("trial", "Trial", concurrency=1, webhooks_per_minute=2, callbacks_per_minute=2,
                  api_requests_per_minute=60, monthly_emails=100, operations_per_month=10_000),
    "standard": Tier("standard", "Standard", concurrency=3, webhooks_per_minute=60, callbacks_per_minute=0,
                     api_requests_per_minute=240, monthly_emails=500, operations_per_month=250_000),
    "pro": Tier("pro", "Professional", concurrency=5, webhooks_per_minute=120, callbacks_per_minute=120,
                api_requests_per_minute=600, monthly_emails=1000, operations_per_month=1_000_000),
    "custom": Tier("custom", "Custom", concurrency=10, webhooks_per_minute=600, callbacks_per_minute=600,
                   api_requests_per_minute=1200, monthly_emails=5000, operations_per_month=None),
    # For self-hosted installations that meter nothing (and for benchmarks of the whole stack).
    "unlimited": Tier("unlimited", "Self-hosted (unlimited)", concurrency=32, webhooks_per_minute=1_000_000,
                      callbacks_per_minute=1_000_000, api_requests_per_minute=1_000_000, monthly_emails=1_000_000,
                      operations_per_month=None),
}


def tier_of(company) -> Tier:
    return TIERS.get(company.tier, TIERS["trial"])
