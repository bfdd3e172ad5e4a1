"""What the panel forms offer to choose from, read from the acting company only."""
from __future__ import annotations

from flask_babel import gettext

from app.connectors.models import InstalledConnector, Instance
from app.extensions import db
from app.flows.models import Flow
from app.insights.models import NotificationGroup
from app.markers import N_
from app.tenancy import scoped

STATUSES = {"draft": N_("draft"), "deployed": N_("deployed"), "inactive": N_("inactive")}

DIRECTION_LABELS = {"receive": "Receive", "send": "Send"}


def instances() -> list[Instance]:
    return list(db.session.execute(
        scoped(Instance).join(InstalledConnector, Instance.connector_id == InstalledConnector.id)
        .order_by(InstalledConnector.name, Instance.name)).scalars())


def instance(instance_id) -> Instance | None:
    try:
        ident = int(instance_id)
    except (TypeError, ValueError):
        return None
    return db.session.execute(scoped(Instance).where(Instance.id == ident)).scalar_one_or_none()


def endpoints(row: Instance | None) -> list[dict]:
    if row is None:
        return []
    return [ep for ep in (row.connector.definition or {}).get("endpoints") or [] if isinstance(ep, dict)
            and ep.get("key")]


def endpoint(row: Instance | None, key: str | None) -> dict | None:
    return next((ep for ep in endpoints(row) if ep.get("key") == key), None) if key else None


def endpoint_groups(row: Instance | None) -> list[tuple[str, list[dict]]]:
    """Endpoints grouped by entity (orders, products…), as the spec's endpoint picker groups them."""
    groups: dict[str, list[dict]] = {}
    for ep in endpoints(row):
        groups.setdefault(str(ep.get("entity") or "Other").replace("_", " ").capitalize(), []).append(ep)
    return sorted(groups.items())


def notification_groups() -> list[NotificationGroup]:
    return list(db.session.execute(scoped(NotificationGroup).order_by(NotificationGroup.name)).scalars())


def other_flows(flow: Flow) -> list[Flow]:
    return list(db.session.execute(scoped(Flow).where(Flow.id != flow.id).order_by(Flow.name)).scalars())


def flow_or_none(flow_id) -> Flow | None:
    try:
        ident = int(flow_id)
    except (TypeError, ValueError):
        return None
    return db.session.execute(scoped(Flow).where(Flow.id == ident)).scalar_one_or_none()


def version_choices(target: Flow | None) -> list[tuple[str, str]]:
    """("", deployed-or-draft) first, then every version by number, newest first."""
    first = ("", gettext("Deployed version (the draft while none is deployed)"))
    if target is None:
        return [first]
    out = [first]
    for v in sorted(target.versions, key=lambda v: v.number, reverse=True):
        status = gettext(STATUSES.get(v.status, v.status))
        out.append((str(v.number), gettext("Version %(number)d (%(status)s)", number=v.number, status=status)))
    return out


def flow_variable_names(definition: dict) -> list[str]:
    return [str(v.get("name")) for v in (definition or {}).get("variables") or [] if v.get("name")]


def target_flow_variables(target: Flow | None) -> list[str]:
    if target is None:
        return []
    version = target.deployed or target.draft
    return flow_variable_names(version.definition if version else {})


def group_names(ids: list) -> list[str]:
    if not ids:
        return []
    wanted = [int(i) for i in ids if isinstance(i, int) and not isinstance(i, bool)]
    rows = db.session.execute(scoped(NotificationGroup).where(NotificationGroup.id.in_(wanted))).scalars()
    return sorted(row.name for row in rows)


def caches_for(flow: Flow) -> list:
    """Cache names a cache shape of this flow can use: its own caches and the company's."""
    from sqlalchemy import or_

    from app.caches.models import CacheDefinition

    rows = db.session.execute(scoped(CacheDefinition).where(or_(CacheDefinition.flow_id == flow.id,
                                                                CacheDefinition.level == "company"))
                              .order_by(CacheDefinition.name)).scalars()
    return list(rows)


def data_pools() -> list:
    from app.caches.models import DataPool

    return list(db.session.execute(scoped(DataPool).order_by(DataPool.name)).scalars())
