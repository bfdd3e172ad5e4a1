"""Read-only queries over the acting company's flows: counts and the process flows page."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.flows import schedules
from app.flows.models import Flow, FlowVersion, Label, flow_label
from app.tenancy import scoped

PAGE_SIZE = 25
FILTERS = {"": _l("All flows"), "deployed": _l("Deployed"), "undeployed": _l("Not deployed"), "enabled": _l("Enabled"),
           "disabled": _l("Disabled")}


def count_flows() -> int:
    return db.session.execute(scoped(Flow).with_only_columns(func.count())).scalar_one()


def count_live() -> int:
    """Deployed and enabled: the flows that run by themselves (what allowances count)."""
    deployed = exists().where(FlowVersion.flow_id == Flow.id, FlowVersion.status == "deployed")
    query = scoped(Flow).with_only_columns(func.count()).where(Flow.enabled.is_(True), deployed)
    return db.session.execute(query).scalar_one()


def all_flows() -> list[Flow]:
    return list(db.session.execute(scoped(Flow).order_by(Flow.name)).scalars())


@dataclass
class Row:
    flow: Flow
    schedule: str
    versions: int
    deployed_number: int | None
    latest_run: object | None


@dataclass
class Page:
    rows: list[Row]
    total: int
    page: int
    pages: int


def _schedule_summary(flow: Flow) -> str:
    version = flow.deployed or flow.draft
    if version is None:
        return ""
    trigger = version.trigger
    items = (trigger.get("config") or {}).get("schedules") or [] if trigger.get("type") == "schedule" else []
    described = []
    for item in items:
        try:
            described.append(schedules.describe(item))
        except (schedules.ScheduleError, KeyError, TypeError, ValueError):
            described.append("a schedule that needs attention")
    return "; ".join(described)


def flow_page(q: str = "", status: str = "", label_id: int | None = None, page: int = 1) -> Page:
    from app.runs.models import Run

    query = scoped(Flow)
    if q.strip():
        query = query.where(func.lower(Flow.name).contains(q.strip().lower(), autoescape=True))
    deployed = exists().where(FlowVersion.flow_id == Flow.id, FlowVersion.status == "deployed")
    if status == "deployed":
        query = query.where(deployed)
    elif status == "undeployed":
        query = query.where(~deployed)
    elif status == "enabled":
        query = query.where(Flow.enabled.is_(True))
    elif status == "disabled":
        query = query.where(Flow.enabled.is_(False))
    if label_id:
        query = query.where(exists().where(flow_label.c.flow_id == Flow.id, flow_label.c.label_id == label_id))
    total = db.session.execute(query.with_only_columns(func.count())).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = max(1, min(page, pages))
    flows = list(db.session.execute(
        query.options(selectinload(Flow.versions), selectinload(Flow.labels))
        .order_by(func.lower(Flow.name), Flow.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).scalars())
    latest_ids = {}
    if flows:
        latest_ids = dict(db.session.execute(
            scoped(Run).with_only_columns(Run.flow_id, func.max(Run.id))
            .where(Run.flow_id.in_([f.id for f in flows])).group_by(Run.flow_id)).all())
    runs = {}
    if latest_ids:
        runs = {r.flow_id: r for r in db.session.execute(scoped(Run).where(Run.id.in_(latest_ids.values()))).scalars()}
    rows = [_row(f, runs.get(f.id)) for f in flows]
    return Page(rows=rows, total=total, page=page, pages=pages)


def _row(flow: Flow, latest_run) -> Row:
    return Row(flow=flow, schedule=_schedule_summary(flow), versions=len(flow.versions),
               deployed_number=flow.deployed.number if flow.deployed else None, latest_run=latest_run)


def row_for(flow: Flow) -> Row:
    """One row of the list, after a change to that flow."""
    from app.runs.models import Run

    latest = db.session.execute(scoped(Run).where(Run.flow_id == flow.id).order_by(Run.id.desc()).limit(1)).scalar()
    return _row(flow, latest)


def label_counts() -> dict[int, int]:
    """How many flows carry each of the company's labels."""
    query = (select(flow_label.c.label_id, func.count())
             .where(flow_label.c.label_id.in_(scoped(Label).with_only_columns(Label.id)))
             .group_by(flow_label.c.label_id))
    return dict(db.session.execute(query).all())


def notification_groups() -> list:
    """The company's notification groups, for the failure emails setting."""
    from app.insights.models import NotificationGroup

    return list(db.session.execute(scoped(NotificationGroup).order_by(NotificationGroup.name)).scalars())
