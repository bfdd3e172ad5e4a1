"""Which flows listen for messages (their event triggers, validated) and how a batch becomes a run's input.

An event listener lives in the trigger of a flow version's definition, beside its schedules (a trigger
shape holds several kinds at once, spec §2.1):

    {"type": "event", "config": {"instance_id": 7, "queue": "orders", "declare": false, "batch_size": 1,
                                 "batch_wait_seconds": 1.0, "prefetch": 10}}
    {"type": "schedule", "config": {"schedules": [...], "instance_id": 7, "queue": "orders", ...}}

``type`` names the kind the scheduler reads ("schedule" whenever there are schedules). The broker is a
message-queue (AMQP) connector instance of the flow's company, whose credentials stay encrypted on the
instance and are decrypted only here, when the listener connects. An older config with a ``url`` (with
its password in the definition) is still read.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import select

from app.connectors.protocols import amqp
from app.connectors.protocols.base import flag
from app.extensions import db
from app.flows.models import Flow, FlowVersion

log = logging.getLogger("app.events")  # the listener process logs under one name

MAX_BATCH = 1000
MAX_PREFETCH = 10 * MAX_BATCH
MIN_WAIT, MAX_WAIT = 0.05, 300.0
EVENT_KEYS = ("instance_id", "url", "queue", "declare", "batch_size", "batch_wait_seconds", "prefetch")


@dataclass(frozen=True)
class Binding:
    """What one listening flow asks for (its deployed trigger's config, validated and resolved)."""

    flow_id: int
    company_id: int
    url: str  # with the instance's password: never logged as is (amqp.redact)
    queue: str
    batch_size: int = 1
    prefetch: int = 10
    batch_wait: float = 1.0
    declare: bool = False
    tls_verify: bool = True
    instance_id: int | None = None

    @property
    def broker(self) -> tuple[str, bool]:
        """Flows whose brokers are the same share one connection."""
        return self.url, self.tls_verify


def event_config(trigger: dict | None) -> dict | None:
    """The event listener part of a trigger, or None when it has none."""
    trigger = trigger or {}
    config = trigger.get("config") or {}
    if not isinstance(config, dict):
        return None
    if trigger.get("type") != "event" and not any(config.get(k) not in (None, "") for k in
                                                  ("instance_id", "url", "queue")):
        return None
    return {k: config[k] for k in EVENT_KEYS if k in config}


def trigger_instance_id(trigger: dict | None) -> int | None:
    """The connector instance an event trigger listens through (for "which flows use this instance")."""
    try:
        return int((event_config(trigger) or {}).get("instance_id"))
    except (TypeError, ValueError):
        return None


def _broker_url(instance) -> tuple[str, bool]:
    """(amqp URL with the credentials, verify TLS) for a resolved AMQP connector instance."""
    credentials = instance.credentials
    # As amqp.parameters does: an authentication method may carry the host or URL among its variables.
    settings = {**{k: v for k, v in credentials.items() if k not in ("username", "password")},
                **instance.variables}
    user, password = str(credentials.get("username") or ""), str(credentials.get("password") or "")
    auth = f"{quote(user, safe='')}:{quote(password, safe='')}@" if user else ""
    verify = flag(settings.get("tls_verify"), True)
    url = str(settings.get("url") or "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("amqp", "amqps"):
            raise ValueError(f"the broker URL of connector instance '{instance.name}' must start with amqp:// or "
                             "amqps://")
        if auth:  # the instance's username and password override any in the URL
            url = parts._replace(netloc=auth + parts.netloc.rsplit("@", 1)[-1]).geturl()
        return url, verify
    host = str(settings.get("host") or "").strip()
    if not host:
        raise ValueError(f"connector instance '{instance.name}' has no host (or URL) set")
    tls = flag(settings.get("tls"))
    try:
        port = int(settings.get("port") or (5671 if tls else 5672))
    except (TypeError, ValueError):
        raise ValueError(f"the port of connector instance '{instance.name}' is not a number") from None
    vhost = quote(str(settings.get("virtual_host") or "/"), safe="")
    where = f"[{host}]" if ":" in host else host
    return f"{'amqps' if tls else 'amqp'}://{auth}{where}:{port}/{vhost}", verify


def resolve_instance(company_id: int, instance_id) -> tuple[str, bool]:
    """(URL, verify TLS) of the company's AMQP connector instance; ValueError when it cannot be used."""
    from app import crypto
    from app.connectors.runtime import ConnectorRuntime, InstanceNotFound

    # The runtime reads the instance as the flow's company (tenancy.acting_as): another company's id is
    # "not found", whatever the definition says.
    runtime = ConnectorRuntime(company_id=company_id, session=db.session)
    try:
        instance = runtime.get_instance(instance_id)
    except InstanceNotFound:
        raise ValueError(f"the event trigger's connector instance {instance_id} no longer exists") from None
    except crypto.VaultError as exc:
        raise ValueError(f"the credentials of connector instance {instance_id} cannot be read: {exc}") from None
    if instance.protocol != "amqp":
        raise ValueError(f"connector instance '{instance.name}' is not a message-queue (AMQP) connection")
    return _broker_url(instance)


def _number(config: dict, key: str, default, kind):
    value = config.get(key)
    return kind(default if value in (None, "") else value)


def parse_trigger(flow_id: int, company_id: int, trigger: dict) -> Binding:
    """A Binding from an event trigger's config; ValueError with a readable message when it is unusable."""
    config = event_config(trigger)
    if config is None:
        raise ValueError("the trigger has no event listener")
    queue = str(config.get("queue") or "").strip()
    if not queue:
        raise ValueError("the event trigger needs a queue name")
    tls_verify, instance_id = True, None
    if config.get("instance_id") not in (None, ""):
        instance_id = trigger_instance_id(trigger)
        if instance_id is None:
            raise ValueError(f"the event trigger's connector instance {config['instance_id']!r} is not an id")
        url, tls_verify = resolve_instance(company_id, instance_id)
    else:
        url = str(config.get("url") or "").strip()
        if not url.startswith(("amqp://", "amqps://")):
            raise ValueError("the event trigger needs a message-queue connector instance (or a broker URL starting "
                             "with amqp:// or amqps://)")
    try:
        batch_size = _number(config, "batch_size", 1, int)
        prefetch = _number(config, "prefetch", 10, int)
        batch_wait = _number(config, "batch_wait_seconds", 1.0, float)
    except (TypeError, ValueError):
        raise ValueError("batch_size and prefetch must be whole numbers, batch_wait_seconds a number") from None
    batch_size = max(1, min(batch_size, MAX_BATCH))
    # The broker stops delivering at `prefetch` unacknowledged messages: a batch must fit.
    prefetch = max(batch_size, min(prefetch, MAX_PREFETCH))
    return Binding(flow_id=flow_id, company_id=company_id, url=url, queue=queue, batch_size=batch_size,
                   prefetch=prefetch, batch_wait=max(MIN_WAIT, min(batch_wait, MAX_WAIT)),
                   declare=flag(config.get("declare")), tls_verify=tls_verify, instance_id=instance_id)


def listening_flows() -> dict[int, Binding]:
    """{flow id: Binding} for every deployed, enabled flow with an event trigger."""
    bindings: dict[int, Binding] = {}
    # Cross-tenant by nature: the listener serves every company's deployed flows.
    query = select(FlowVersion).join(Flow).where(FlowVersion.status == "deployed", Flow.enabled.is_(True))
    for version in db.session.execute(query).scalars():
        trigger = version.trigger
        if event_config(trigger) is None:
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
