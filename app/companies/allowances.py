"""Allowance status and the checks that refuse going past one ("3 of 10 deployed flows").

For allowance purposes (seeds) a deployed process flow is one that is deployed *and* enabled, and a
deployed connector is an installed connector used by such a flow (through any of its instances).
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select

from app.companies.models import Company
from app.companies.tiers import ALLOWANCES, tier_of
from app.connectors.models import Instance
from app.extensions import db
from app.flows.models import Flow, FlowVersion
from app.timeutil import utcnow


def month_start(today: date | None = None) -> date:
    return (today or utcnow().date()).replace(day=1)


def _instance_ids(node) -> Iterator[int]:
    """Every instance a flow definition names, however deeply route/branch/try-catch nest the steps."""
    if isinstance(node, dict):
        value = node.get("instance_id")
        if value not in (None, "") and not isinstance(value, (dict, list)):
            try:
                yield int(value)
            except (TypeError, ValueError):
                pass
        for child in node.values():
            yield from _instance_ids(child)
    elif isinstance(node, list):
        for child in node:
            yield from _instance_ids(child)


def _deployed_versions(company_id: int):
    # Explicit company filter: also called for companies other than the acting one (partner summaries).
    return select(FlowVersion).join(Flow, Flow.id == FlowVersion.flow_id).where(
        Flow.company_id == company_id, Flow.enabled.is_(True), FlowVersion.status == "deployed")


def deployed_flow_count(company_id: int) -> int:
    query = select(func.count(func.distinct(Flow.id))).join(FlowVersion, FlowVersion.flow_id == Flow.id).where(
        Flow.company_id == company_id, Flow.enabled.is_(True), FlowVersion.status == "deployed")
    return db.session.execute(query).scalar_one()


def connector_ids(company_id: int, definitions) -> set[int]:
    """The installed connectors behind the instances these definitions use."""
    instance_ids = {i for definition in definitions for i in _instance_ids(definition or {})}
    if not instance_ids:
        return set()
    return set(db.session.execute(select(Instance.connector_id).where(
        Instance.company_id == company_id, Instance.id.in_(instance_ids))).scalars())


def deployed_connector_ids(company_id: int, except_flow_id: int | None = None) -> set[int]:
    versions = db.session.execute(_deployed_versions(company_id)).scalars()
    return connector_ids(company_id, [v.definition for v in versions if v.flow_id != except_flow_id])


def operations_this_month(company_id: int) -> int:
    from app.insights import usage

    usage.flush()
    query = select(func.coalesce(func.sum(usage.UsageDaily.operations), 0)).where(
        usage.UsageDaily.company_id == company_id, usage.UsageDaily.day >= month_start())
    return int(db.session.execute(query).scalar_one())


def _used(company: Company, key: str) -> int | None:
    if key == "deployed_flows":
        return deployed_flow_count(company.id)
    if key == "deployed_connectors":
        return len(deployed_connector_ids(company.id))
    if key == "operations_per_month":
        return operations_this_month(company.id)
    if key == "linked_companies":
        return db.session.execute(select(func.count(Company.id)).where(Company.parent_id == company.id)).scalar_one()
    if key == "monthly_emails":
        from app.insights.notifications import emails_sent

        return emails_sent(company.id)
    return None  # per-minute rates and sizes have no running total to show


def allowance_status(company: Company, key: str) -> tuple[int | None, int | None]:
    """(used, limit) for the company; limit None means unlimited, used None means not counted."""
    if key not in ALLOWANCES:
        raise KeyError(f"unknown allowance {key}")
    return _used(company, key), getattr(tier_of(company), key)


def status_text(company: Company, key: str, status: tuple[int | None, int | None] | None = None) -> str:
    """For page headers: "3 of 10 deployed process flows" (or "3 deployed process flows, no limit")."""
    used, limit = status or allowance_status(company, key)
    label = ALLOWANCES[key][0].lower()
    if limit is None:
        return f"{used:,} {label}, no limit" if used is not None else f"{label}: no limit"
    return f"{used:,} of {limit:,} {label}" if used is not None else f"{limit:,} {label}"


def badge(company: Company, key: str) -> dict:
    """Everything a header badge shows, from one count."""
    used, limit = allowance_status(company, key)
    return {"used": used, "limit": limit, "text": status_text(company, key, (used, limit)),
            "full": limit is not None and used is not None and used >= limit}


def _flow_refusal(company: Company, used: int, limit: int) -> str:
    tier = tier_of(company)
    return (f"{company.name} already has {used} of its {limit} deployed process flows (the {tier.label} tier's "
            f"allowance). Disable a flow you no longer need, or move to a larger tier or add a process flows "
            f"bolt-on, then try again.")


def _connector_refusal(company: Company, used: int, limit: int, new: int) -> str:
    tier = tier_of(company)
    return (f"This flow would bring {new} more connector{'s' if new != 1 else ''} into use, past the {tier.label} "
            f"tier's allowance of {limit} deployed connectors ({used} in use now). Use an instance of a connector "
            f"your deployed flows already use, disable a flow, or move to a larger tier.")


def _check(company: Company, flow: Flow, definition: dict | None, counts_after: bool) -> str | None:
    if not counts_after:
        return None  # a disabled flow uses no allowance
    tier = tier_of(company)
    counted_now = flow.id is not None and flow.enabled and flow.deployed is not None
    if tier.deployed_flows is not None and not counted_now:
        used = deployed_flow_count(company.id)
        if used >= tier.deployed_flows:
            return _flow_refusal(company, used, tier.deployed_flows)
    if tier.deployed_connectors is not None:
        others = deployed_connector_ids(company.id, except_flow_id=flow.id)
        after = others | connector_ids(company.id, [definition])
        in_use_now = others | (connector_ids(company.id, [flow.deployed.definition]) if counted_now else set())
        if len(after) > tier.deployed_connectors and len(after) > len(in_use_now):
            return _connector_refusal(company, len(in_use_now), tier.deployed_connectors, len(after - in_use_now))
    return None


def check_can_deploy(company: Company, flow: Flow, enable: bool | None = None) -> str | None:
    """A message when deploying the flow's draft (and enabling it, if `enable`) goes past an allowance.

    `enable` None keeps the flow's enabled switch as it is."""
    draft = flow.draft
    definition = draft.definition if draft is not None else (flow.deployed.definition if flow.deployed else {})
    return _check(company, flow, definition, flow.enabled if enable is None else bool(enable))


def check_can_enable(company: Company, flow: Flow) -> str | None:
    """A message when switching on the flow's deployed version goes past an allowance."""
    if flow.enabled or flow.deployed is None:
        return None
    return _check(company, flow, flow.deployed.definition, True)
