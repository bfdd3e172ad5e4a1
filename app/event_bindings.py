"""Which flows listen for messages (their event triggers, validated) and how a batch becomes a run's input."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.connectors.protocols import amqp
from app.extensions import db
from app.flows.models import Flow, FlowVersion

log = logging.getLogger("app.events")  # the listener process logs under one name

MAX_BATCH = 1000


@dataclass(frozen=True)
class Binding:
    """What one listening flow asks for (its deployed trigger's config, validated)."""

    flow_id: int
    company_id: int
    url: str
    queue: str
    batch_size: int = 1
    prefetch: int = 10
    batch_wait: float = 1.0
    declare: bool = False


def parse_trigger(flow_id: int, company_id: int, trigger: dict) -> Binding:
    """A Binding from an event trigger's config; ValueError with a readable message when it is unusable."""
    config = trigger.get("config") or {}
    url = str(config.get("url") or "").strip()
    if not url.startswith(("amqp://", "amqps://")):
        raise ValueError("the event trigger needs a broker URL starting with amqp:// or amqps://")
    queue = str(config.get("queue") or "").strip()
    if not queue:
        raise ValueError("the event trigger needs a queue name")
    try:
        batch_size = int(config.get("batch_size") or 1)
        prefetch = int(config.get("prefetch") or 10)
        batch_wait = float(config.get("batch_wait_seconds") or 1.0)
    except (TypeError, ValueError):
        raise ValueError("batch_size and prefetch must be whole numbers, batch_wait_seconds a number") from None
    batch_size = max(1, min(batch_size, MAX_BATCH))
    # The broker stops delivering at `prefetch` unacknowledged messages: a batch must fit.
    prefetch = max(batch_size, min(prefetch, 10 * MAX_BATCH))
    return Binding(flow_id=flow_id, company_id=company_id, url=url, queue=queue, batch_size=batch_size,
                   prefetch=prefetch, batch_wait=max(0.05, min(batch_wait, 300.0)),
                   declare=bool(config.get("declare")))


def listening_flows() -> dict[int, Binding]:
    """{flow id: Binding} for every deployed, enabled flow with an event trigger."""
    bindings: dict[int, Binding] = {}
    # Cross-tenant by nature: the listener serves every company's deployed flows.
    query = select(FlowVersion).join(Flow).where(FlowVersion.status == "deployed", Flow.enabled.is_(True))
    for version in db.session.execute(query).scalars():
        trigger = version.trigger
        if trigger.get("type") != "event":
            continue
        try:
            bindings[version.flow_id] = parse_trigger(version.flow_id, version.company_id, trigger)
        except ValueError as exc:
            log.warning("flow %s: %s; not listening", version.flow_id, exc)
    return bindings


def run_payload(messages: list[tuple[Any, Any, bytes]], batch_size: int) -> tuple[str, str]:
    """The run input (text, format): the message itself, or a JSON array for a batch."""
    payloads = [amqp.message_payload(body, properties) for _, properties, body in messages]
    if batch_size == 1:
        (_, _, body), payload = messages[0], payloads[0]
        return body.decode("utf-8", errors="replace"), payload.format
    items = [p.data if p.format == "json" else
             (p.data.decode("utf-8", errors="replace") if isinstance(p.data, bytes) else p.data) for p in payloads]
    return json.dumps(items, ensure_ascii=False, separators=(",", ":")), "json"
