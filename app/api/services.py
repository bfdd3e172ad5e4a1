"""Triggers: managing a flow's webhook and callback URLs and its schedules (the trigger panel).

These act on the acting company's rows and commit. Serving the inbound calls is app/api/inbound.py.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime

from app import tenancy
from app.api.models import CallbackTrigger, WebhookTrigger, new_signature
from app.extensions import db
from app.flows.models import Flow, FlowVersion
from app.flows.schedules import (
    Schedule,
    ScheduleError,
    describe,
    next_fire_times,
    to_cron,
)
from app.runs import services as run_services
from app.timeutil import utcnow

MAX_SCHEDULES = 20
WEBHOOK_STATUSES = (200, 201, 202, 204)


def count_operation(company_id: int, flow_id: int, kind: str) -> None:
    """One operation per webhook or callback received (spec §1.11), metered by the runs room's
    count_operation (app.insights.usage, source "webhook" or "callback"); it commits."""
    run_services.count_operation(company_id, flow_id, kind)


# --- the panel: webhook and callback rows ------------------------------------------------------------

def webhooks_of(flow: Flow) -> list[WebhookTrigger]:
    query = tenancy.scoped(WebhookTrigger).where(WebhookTrigger.flow_id == flow.id).order_by(WebhookTrigger.id)
    return list(db.session.execute(query).scalars())


def callbacks_of(flow: Flow) -> list[CallbackTrigger]:
    query = tenancy.scoped(CallbackTrigger).where(CallbackTrigger.flow_id == flow.id).order_by(CallbackTrigger.id)
    return list(db.session.execute(query).scalars())


def create_webhook(flow: Flow, name: str) -> WebhookTrigger:
    hook = WebhookTrigger(company_id=flow.company_id, flow_id=flow.id, name=name.strip())
    hook.signature = new_signature()
    db.session.add(hook)
    db.session.commit()
    return hook


def update_webhook(hook: WebhookTrigger, *, name: str, status: int, body: str | None, fmt: str,
                   enabled: bool) -> None:
    hook.name = name.strip()
    hook.response_status = status
    hook.response_body = body if body and body.strip() and status != 204 else None
    hook.response_format = fmt
    hook.enabled = enabled
    db.session.commit()


def create_callback(flow: Flow, name: str, fmt: str = "json", timeout_seconds: int = 30) -> CallbackTrigger:
    hook = CallbackTrigger(company_id=flow.company_id, flow_id=flow.id, name=name.strip(), response_format=fmt,
                           timeout_seconds=timeout_seconds)
    hook.signature = new_signature()
    db.session.add(hook)
    db.session.commit()
    return hook


def update_callback(hook: CallbackTrigger, *, name: str, fmt: str, timeout_seconds: int) -> None:
    hook.name = name.strip()
    hook.response_format = fmt
    hook.timeout_seconds = timeout_seconds
    db.session.commit()


def regenerate_signature(hook: WebhookTrigger | CallbackTrigger) -> None:
    """A new secret: the old URL stops working at once."""
    hook.signature = new_signature()
    db.session.commit()


def delete_trigger(hook: WebhookTrigger | CallbackTrigger) -> None:
    db.session.delete(hook)
    db.session.commit()


# --- the panel: schedules (kept in the version's definition) ------------------------------------------

class StaleSchedules(ValueError):
    """The schedule list changed since the page showed it."""


def schedules_of(version: FlowVersion | None) -> list[dict]:
    if version is None or version.trigger.get("type") != "schedule":
        return []
    return list((version.trigger.get("config") or {}).get("schedules") or [])


def _cron(item: dict) -> str:
    try:
        return to_cron(item)
    except ScheduleError:
        return str(item.get("cron_string") or item.get("cron") or item)


@dataclass
class ScheduleRow:
    index: int
    cron: str
    description: str
    error: str | None = None


def schedule_rows(items: list[dict]) -> list[ScheduleRow]:
    rows = []
    for index, item in enumerate(items):
        try:
            rows.append(ScheduleRow(index, to_cron(item), describe(item)))
        except ScheduleError as exc:
            rows.append(ScheduleRow(index, _cron(item), "Invalid schedule (it never fires)", error=str(exc)))
    return rows


def preview(items: list[dict], n: int = 5, after: datetime | None = None) -> list[datetime]:
    valid = [i for i in items if not _invalid(i)]
    return next_fire_times(valid, after or utcnow(), n)


def _invalid(item: dict) -> bool:
    try:
        Schedule.from_dict(item)
    except ScheduleError:
        return True
    return False


def ensure_draft(flow: Flow) -> FlowVersion:
    """The flow's draft; when there is none, a new one copied from the deployed (else latest) version."""
    if flow.draft is not None:
        return flow.draft
    base = flow.deployed or (flow.versions[-1] if flow.versions else None)
    number = max((v.number for v in flow.versions), default=0) + 1
    draft = FlowVersion(company_id=flow.company_id, number=number, status="draft",
                        definition=copy.deepcopy(base.definition if base else {}) or {})
    flow.versions.append(draft)
    db.session.flush()
    return draft


def _write_schedules(draft: FlowVersion, items: list[dict]) -> None:
    definition = copy.deepcopy(draft.definition or {})
    if items:
        trigger = definition.get("trigger") or {}
        config = dict(trigger.get("config") or {}) if trigger.get("type") == "schedule" else {}
        config["schedules"] = items
        definition["trigger"] = {"type": "schedule", "config": config}
    else:
        definition["trigger"] = {"type": "manual", "config": {}}
    draft.definition = definition  # a new object, so the JSON column is seen as changed


def add_schedule(flow: Flow, data: dict) -> Schedule:
    """Validate and append a schedule to the draft; raises ScheduleError with readable messages."""
    schedule = Schedule.from_dict(data)
    items = schedules_of(flow.draft or flow.deployed)
    if len(items) >= MAX_SCHEDULES:
        raise ScheduleError([f"A flow can have at most {MAX_SCHEDULES} schedules."])
    draft = ensure_draft(flow)
    _write_schedules(draft, [*schedules_of(draft), schedule.to_dict()])
    db.session.commit()
    return schedule


def remove_schedule(flow: Flow, index: int, expected_cron: str) -> None:
    """Remove the draft's schedule at index, if it is still the one the page showed (its cron)."""
    items = schedules_of(flow.draft or flow.deployed)
    if not 0 <= index < len(items) or _cron(items[index]) != expected_cron:
        raise StaleSchedules("The schedules changed since this page was loaded; here they are again.")
    draft = ensure_draft(flow)
    items = schedules_of(draft)
    del items[index]
    _write_schedules(draft, items)
    db.session.commit()


@dataclass
class Panel:
    flow: Flow
    editable: FlowVersion | None  # the draft, else the deployed version a first edit will copy
    schedules: list[ScheduleRow]
    next_times: list[datetime]
    deployed_schedules: list[ScheduleRow] | None  # set only when they differ from the editable ones
    deployed_next_times: list[datetime]
    webhooks: list[WebhookTrigger]
    callbacks: list[CallbackTrigger]


def panel(flow: Flow) -> Panel:
    editable = flow.draft or flow.deployed
    items = schedules_of(editable)
    deployed_items = schedules_of(flow.deployed)
    differ = flow.deployed is not None and editable is not flow.deployed and (
        [_cron(i) for i in items] != [_cron(i) for i in deployed_items])
    return Panel(flow=flow, editable=editable, schedules=schedule_rows(items), next_times=preview(items),
                 deployed_schedules=schedule_rows(deployed_items) if differ else None,
                 deployed_next_times=preview(deployed_items) if differ else [],
                 webhooks=webhooks_of(flow), callbacks=callbacks_of(flow))
