"""Subscription tiers as one data table: features ("tier trumps role") and allowances, plus bolt-ons.

`tier_of(company)` is the company's effective tier: its tier's row, the per-company values of the
custom tier, and its bolt-ons added on top. It reads only the company row (no query), because the run
queue and the inbound rate limits call it on hot paths.

Values come from the seeds' Core subscription tier table (process-flow-spec §10). Where that source is
garbled (webhooks for standard, the blueprint-store column of some rows, linked-company counts) the
numbers below are our reading of it; docs/partners.md lists them.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from types import MappingProxyType

FULL, READ, NONE = "full", "read", "none"
# In an area a tier makes read-only, only these actions stay open (plus the tier's `allowed` pairs).
READ_ACTIONS = frozenset({"view"})

# Custom scripts are the seeds' "advanced features": read-only on standard unless the bolt-on is added.
ADVANCED_AREAS = ("scripts",)


@dataclass(frozen=True)
class Tier:
    key: str
    label: str
    concurrency: int  # runs of one company executing at once
    webhooks_per_minute: int
    callbacks_per_minute: int  # the soft limit; inbound adds the 240 hard margin before answering 429
    api_requests_per_minute: int
    monthly_emails: int
    operations_per_month: int | None  # None: unmetered
    deployed_flows: int | None = None  # enabled flows with a deployed version; None: unlimited
    deployed_connectors: int | None = None  # connectors used by those flows
    cache_memory_mb: int = 50
    tracked_days: int = 15  # tracked-data lookback; bolt-ons extend it up to TRACKED_DAYS_MAX
    virtual_environments: int = 2
    ai_requests_per_day: int = 5
    linked_companies: int = 0  # only with the partner features bolt-on
    summary: str = ""
    # area -> FULL / READ / NONE; an area not listed is FULL.
    access: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    # (area, action) pairs a READ area still allows on this tier.
    allowed: frozenset = frozenset()
    bolt_ons_allowed: bool = True
    selectable: bool = True  # offered on the subscription tab


TRACKED_DAYS_MAX = 90

# Numeric allowances, in the order pages show them: key -> (label, unit).
ALLOWANCES = {
    "deployed_flows": ("Deployed process flows", ""),
    "deployed_connectors": ("Deployed connectors", ""),
    "operations_per_month": ("Operations", "per month"),
    "concurrency": ("Process flows running at once", ""),
    "webhooks_per_minute": ("Webhooks", "per minute"),
    "callbacks_per_minute": ("Callbacks", "per minute"),
    "api_requests_per_minute": ("Weft API requests", "per minute"),
    "monthly_emails": ("Notification emails", "per month"),
    "cache_memory_mb": ("Cache memory", "MB"),
    "tracked_days": ("Tracked data lookback", "days"),
    "virtual_environments": ("Virtual environments", ""),
    "ai_requests_per_day": ("AI requests", "per day"),
    "linked_companies": ("Linked companies", ""),
}
# The ones a custom-tier company sets for itself (blank keeps the tier's value).
CUSTOM_ALLOWANCES = ("deployed_flows", "deployed_connectors", "operations_per_month", "concurrency",
                     "webhooks_per_minute", "callbacks_per_minute", "api_requests_per_minute", "monthly_emails",
                     "linked_companies")

_BLUEPRINT_STORE_ACCESS = MappingProxyType({
    "flows": READ, "connectors": READ, "marketplace": READ, "scripts": READ, "lookups": READ, "caches": READ,
    "environments": READ, "builder": NONE, "companies": NONE,
})
# The seeds' blueprint-store exceptions: run, deploy and enable existing flows, edit their settings,
# add and edit connector instances, edit cross-reference values.
_BLUEPRINT_STORE_ALLOWED = frozenset({
    ("flows", "run"), ("flows", "deploy"), ("flows", "settings"), ("instances", "edit"), ("lookups", "values"),
})

_TIERS = (
    Tier("trial", "Trial", concurrency=1, webhooks_per_minute=2, callbacks_per_minute=2,
         api_requests_per_minute=240, monthly_emails=100, operations_per_month=10_000,
         deployed_flows=2, deployed_connectors=2, linked_companies=1, bolt_ons_allowed=False,
         summary="Every feature for 15 days, with small allowances."),
    Tier("blueprint_store", "Blueprint store", concurrency=10, webhooks_per_minute=60, callbacks_per_minute=0,
         api_requests_per_minute=240, monthly_emails=100, operations_per_month=150_000,
         deployed_flows=2, deployed_connectors=2, bolt_ons_allowed=False,
         access=_BLUEPRINT_STORE_ACCESS, allowed=_BLUEPRINT_STORE_ALLOWED,
         summary="Runs purchased blueprints: mostly read-only; instances, schedules and settings stay editable."),
    Tier("standard", "Standard", concurrency=10, webhooks_per_minute=60, callbacks_per_minute=0,
         api_requests_per_minute=240, monthly_emails=500, operations_per_month=250_000,
         deployed_flows=10, deployed_connectors=2, linked_companies=5,
         access=MappingProxyType({area: READ for area in ADVANCED_AREAS}),
         summary="All standard features; custom scripts are read-only unless the advanced features bolt-on is added."),
    Tier("professional", "Professional", concurrency=20, webhooks_per_minute=120, callbacks_per_minute=0,
         api_requests_per_minute=240, monthly_emails=1000, operations_per_month=500_000,
         deployed_flows=20, deployed_connectors=4, linked_companies=10,
         summary="Full access to every standard and advanced feature."),
    Tier("custom", "Custom", concurrency=30, webhooks_per_minute=120, callbacks_per_minute=120,
         api_requests_per_minute=240, monthly_emails=1000, operations_per_month=None,
         linked_companies=25,
         summary="Full access, with allowances set for the company."),
    # For self-hosted installations that meter nothing (and for benchmarks of the whole stack).
    Tier("unlimited", "Self-hosted (unlimited)", concurrency=32, webhooks_per_minute=1_000_000,
         callbacks_per_minute=1_000_000, api_requests_per_minute=1_000_000, monthly_emails=1_000_000,
         operations_per_month=None, cache_memory_mb=1_000_000, tracked_days=TRACKED_DAYS_MAX,
         virtual_environments=1_000, ai_requests_per_day=1_000_000, linked_companies=1_000_000,
         selectable=False, summary="Nothing metered."),
)

TIERS: dict[str, Tier] = {tier.key: tier for tier in _TIERS}
# Rows and tests written before the partners issue say "pro".
ALIASES = {"pro": "professional"}
TIERS.update({alias: TIERS[key] for alias, key in ALIASES.items()})
# The tiers a partner may choose for a linked company, in price order.
TIER_ORDER = tuple(tier.key for tier in _TIERS if tier.selectable)


@dataclass(frozen=True)
class BoltOn:
    key: str
    label: str
    summary: str
    adds: MappingProxyType  # allowance -> amount per unit
    tiers: tuple[str, ...] = ("standard", "professional", "custom")
    max_units: int = 20


BOLT_ONS: dict[str, BoltOn] = {b.key: b for b in (
    BoltOn("flows", "10 process flows", "Ten more deployed process flows.",
           MappingProxyType({"deployed_flows": 10})),
    BoltOn("webhooks", "60 webhooks per minute", "Sixty more webhook calls per minute.",
           MappingProxyType({"webhooks_per_minute": 60})),
    BoltOn("callbacks", "120 callbacks per minute", "A hundred and twenty more callback calls per minute.",
           MappingProxyType({"callbacks_per_minute": 120})),
    BoltOn("concurrency", "Flow concurrency", "Five more process flows running at once.",
           MappingProxyType({"concurrency": 5})),
    BoltOn("cache", "Cache memory", "Fifty more MB for caches (the default is 50 MB).",
           MappingProxyType({"cache_memory_mb": 50})),
    BoltOn("api_rate", "Weft API rate limit", "240 more Weft API requests per minute.",
           MappingProxyType({"api_requests_per_minute": 240})),
    BoltOn("tracked_data", "Tracked data extension", "Fifteen more days of tracked data, up to 90 days in all.",
           MappingProxyType({"tracked_days": 15}), max_units=5),
    BoltOn("ai", "AI requests", "Five more AI requests per day.", MappingProxyType({"ai_requests_per_day": 5})),
    BoltOn("environments", "Virtual environments", "One more virtual environment.",
           MappingProxyType({"virtual_environments": 1})),
    BoltOn("advanced", "Advanced features", "Full access to custom scripts on the standard tier.",
           MappingProxyType({}), tiers=("standard",), max_units=1),
)}
# The partner features bolt-on is Company.is_partner (set by the operator: `flask companies partner`).
PARTNER_BOLT_ON = "partner"


def canonical(key: str | None) -> str:
    key = ALIASES.get(key or "", key or "")
    return key if key in TIERS else "trial"


def base_tier(key: str | None) -> Tier:
    return TIERS[canonical(key)]


def tier_label(key: str | None) -> str:
    return base_tier(key).label


def tier_of(company) -> Tier:
    """The company's effective tier: its tier's row, custom values, then bolt-ons added."""
    base = base_tier(company.tier)
    overrides = (getattr(company, "allowance_overrides", None) or {}) if base.key == "custom" else {}
    bolt_ons = (getattr(company, "bolt_ons", None) or {}) if base.bolt_ons_allowed else {}
    if not overrides and not bolt_ons:
        return base
    values = {key: value for key, value in overrides.items() if key in CUSTOM_ALLOWANCES}
    access = dict(base.access)
    for key, units in bolt_ons.items():
        bolt_on = BOLT_ONS.get(key)
        if bolt_on is None or base.key not in bolt_on.tiers or not units:
            continue
        for allowance, amount in bolt_on.adds.items():
            current = values.get(allowance, getattr(base, allowance))
            if current is not None:  # unlimited stays unlimited
                values[allowance] = current + amount * int(units)
        if key == "advanced":
            access.update({area: FULL for area in ADVANCED_AREAS})
    if "tracked_days" in values:
        values["tracked_days"] = min(values["tracked_days"], TRACKED_DAYS_MAX)
    return dataclasses.replace(base, access=MappingProxyType(access), **values)


def area_access(tier: Tier, area: str) -> str:
    return tier.access.get(area, FULL)


def allows(company, area: str, action: str) -> bool:
    """Tier trumps role: may anyone in this company do (area, action) at all?"""
    if area == "companies" and not getattr(company, "is_partner", False):
        return False  # linked companies need the partner features bolt-on
    tier = tier_of(company)
    level = area_access(tier, area)
    if level == FULL:
        return True
    if level == NONE:
        return False
    return action in READ_ACTIONS or (area, action) in tier.allowed


def bolt_ons_for(tier_key: str) -> list[BoltOn]:
    key = canonical(tier_key)
    return [b for b in BOLT_ONS.values() if key in b.tiers] if base_tier(key).bolt_ons_allowed else []
