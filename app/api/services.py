"""Triggers: managing a flow's webhook and callback URLs, its schedules and its event listener (the trigger panel).

These act on the acting company's rows and commit. Serving the inbound calls is app/api/inbound.py.

A flow's trigger holds several kinds at once (spec §2.1): webhook and callback URLs are rows, while the
schedules and the event listener live side by side in the version's definition (see app/event_bindings.py
for the shape). Changing one kind never drops another.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime

from app import tenancy
from app.api.models import CallbackTrigger, WebhookTrigger, new_signature
from app.connectors.models import InstalledConnector, Instance
from app.connectors.protocols import amqp
from app.event_bindings import EVENT_KEYS, event_config
from app.extensions import db
from app.flows.models import Flow, FlowVersion
from app.flows.schedules import (
    Schedule,
    ScheduleError,
    describe,
    next_fire_times,
    to_cron,
)
from app.timeutil import utcnow

MAX_SCHEDULES = 20
WEBHOOK_STATUSES = (200, 201, 202, 204)


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


def write_trigger(draft: FlowVersion, schedules: list[dict], event: dict | None) -> None:
    """Store the draft's schedules and event listener together. `type` is what the scheduler reads:
    "schedule" whenever there are schedules, else "event" or "manual"."""
    definition = copy.deepcopy(draft.definition or {})
    old = definition.get("trigger") or {}
    old_config = old.get("config") if isinstance(old.get("config"), dict) else {}
    # Settings this panel does not manage are kept, as they were before.
    config = {k: v for k, v in old_config.items() if k not in EVENT_KEYS and k != "schedules"} \
        if old.get("type") in ("schedule", "event") else {}
    config.update(event or {})
    if schedules:
        config["schedules"] = schedules
    kind = "schedule" if schedules else "event" if event else "manual"
    definition["trigger"] = {"type": kind, "config": config}
    draft.definition = definition  # a new object, so the JSON column is seen as changed


def _write_schedules(draft: FlowVersion, items: list[dict]) -> None:
    write_trigger(draft, items, event_config(draft.trigger))


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


# --- the panel: the event listener (kept in the version's definition, beside the schedules) -------------

class EventListenerError(ValueError):
    """The event listener cannot be saved (the message says why)."""


def amqp_instances() -> list[Instance]:
    """The acting company's message-queue (AMQP) connector instances, which an event listener can use."""
    query = tenancy.scoped(Instance).join(InstalledConnector).order_by(InstalledConnector.name, Instance.name)
    return [i for i in db.session.execute(query).scalars() if i.connector.protocol == "amqp"]


def amqp_instance(instance_id) -> Instance:
    """One of the acting company's AMQP instances; another company's id is as unknown as a made-up one."""
    try:
        ident = int(instance_id)
    except (TypeError, ValueError):
        ident = None
    instance = None if ident is None else db.session.execute(
        tenancy.scoped(Instance).where(Instance.id == ident)).scalar_one_or_none()
    if instance is None or instance.connector.protocol != "amqp":
        raise EventListenerError("Choose one of this company's message-queue connector instances.")
    return instance


def set_event_listener(flow: Flow, *, instance_id, queue: str, declare: bool, batch_size: int,
                       batch_wait_seconds: float, prefetch: int) -> None:
    """Add or replace the draft's event listener (validated by forms.EventListenerForm); schedules stay."""
    instance = amqp_instance(instance_id)
    if not (queue or "").strip():
        raise EventListenerError("Give the name of the queue to listen on.")
    draft = ensure_draft(flow)
    # Only the instance's id: its credentials stay encrypted on the instance (an old "url" goes).
    event = {"instance_id": instance.id, "queue": queue.strip(), "declare": bool(declare),
             "batch_size": int(batch_size), "batch_wait_seconds": float(batch_wait_seconds), "prefetch": int(prefetch)}
    write_trigger(draft, schedules_of(draft), event)
    db.session.commit()


def remove_event_listener(flow: Flow) -> None:
    """Take the event listener off the draft; its schedules stay."""
    current = flow.draft or flow.deployed
    if current is None or event_config(current.trigger) is None:
        return
    draft = ensure_draft(flow)
    write_trigger(draft, schedules_of(draft), None)
    db.session.commit()


@dataclass
class EventRow:
    config: dict
    instance: Instance | None
    # Why it would not listen as it stands (the panel words it): "instance_gone", "legacy_url", "no_instance".
    problem: str | None = None
    legacy_url: str | None = None  # an old config's broker URL, password masked


def event_row(version: FlowVersion | None) -> EventRow | None:
    config = event_config(version.trigger) if version is not None else None
    if config is None:
        return None
    if config.get("instance_id") not in (None, ""):
        try:
            return EventRow(config, amqp_instance(config["instance_id"]))
        except EventListenerError:
            return EventRow(config, None, "instance_gone")
    if config.get("url"):
        return EventRow(config, None, "legacy_url", legacy_url=amqp.redact(str(config["url"])))
    return EventRow(config, None, "no_instance")


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
    event: EventRow | None = None
    event_differs: bool = False  # the deployed version's listener (deployed_event) is another one
    deployed_event: EventRow | None = None


def panel(flow: Flow) -> Panel:
    editable = flow.draft or flow.deployed
    items = schedules_of(editable)
    deployed_items = schedules_of(flow.deployed)
    differ = flow.deployed is not None and editable is not flow.deployed and (
        [_cron(i) for i in items] != [_cron(i) for i in deployed_items])
    event_differs = flow.deployed is not None and editable is not flow.deployed and (
        event_config(editable.trigger) != event_config(flow.deployed.trigger))
    return Panel(flow=flow, editable=editable, schedules=schedule_rows(items), next_times=preview(items),
                 deployed_schedules=schedule_rows(deployed_items) if differ else None,
                 deployed_next_times=preview(deployed_items) if differ else [],
                 webhooks=webhooks_of(flow), callbacks=callbacks_of(flow), event=event_row(editable),
                 event_differs=event_differs, deployed_event=event_row(flow.deployed) if event_differs else None)
