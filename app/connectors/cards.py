"""The connectors page's cards: each installed connector, its catalog update and the deployed flows using it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.connectors import catalog, services
from app.connectors.models import InstalledConnector
from app.connectors.services import FlowUsage


# -- the connectors page -----------------------------------------------------------------------------------
def _version_key(version: str) -> list[tuple[int, Any]]:
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.findall(r"\d+|[a-z]+", str(version).lower())]


def is_newer(candidate: str | None, installed: str | None) -> bool:
    """Whether the catalog's version is newer than the installed one (free-text versions: compared by parts)."""
    if not candidate or candidate == installed:
        return False
    return _version_key(candidate) > _version_key(installed or "")


def catalog_update(connector: InstalledConnector) -> str | None:
    """The newer catalog version of a prebuilt connector, or None."""
    if connector.source != "catalog":
        return None
    newest = catalog.get(connector.key)
    version = str((newest or {}).get("version", ""))
    return version if newest is not None and is_newer(version, connector.version) else None


@dataclass
class ConnectorCard:
    connector: InstalledConnector
    update_version: str | None
    usages: dict[int, list[FlowUsage]]  # instance id → deployed flows using it (one entry per flow)

    @property
    def in_use(self) -> bool:
        return any(self.usages.values())


def _by_instance(usages: list[FlowUsage]) -> dict[int, list[FlowUsage]]:
    found: dict[int, dict[int, FlowUsage]] = {}
    for usage in usages:
        found.setdefault(usage.instance_id, {}).setdefault(usage.flow_id, usage)
    return {k: sorted(v.values(), key=lambda u: u.flow_name.lower()) for k, v in found.items()}


def overview(company_id: int) -> list[ConnectorCard]:
    connectors = services.installed_connectors(company_id)
    ids = [i.id for c in connectors for i in c.instances]
    usages = _by_instance(services.flows_using(company_id, ids))
    return [ConnectorCard(c, catalog_update(c), {i.id: usages.get(i.id, []) for i in c.instances})
            for c in connectors]


def card(connector: InstalledConnector) -> ConnectorCard:
    usages = _by_instance(services.flows_using(connector.company_id, [i.id for i in connector.instances]))
    return ConnectorCard(connector, catalog_update(connector),
                         {i.id: usages.get(i.id, []) for i in connector.instances})


def unique_flows(usages: list[FlowUsage]) -> list[FlowUsage]:
    """One entry per flow (an InUseError lists every step)."""
    seen: dict[int, FlowUsage] = {}
    for usage in usages:
        seen.setdefault(usage.flow_id, usage)
    return sorted(seen.values(), key=lambda u: u.flow_name.lower())
