"""Inbound webhook and callback calls: authenticate, check, rate-limit, read the payload, start the run,
answer. Callers are not signed in: the URL names the company and the signature is the credential.

Views hand over an Inbound (the request's parts) and send back the Answer; no Flask here.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from sqlalchemy import bindparam, select

from app.api import ratelimit
from app.api.models import CONTENT_TYPES, CallbackTrigger, WebhookTrigger, signature_matches
from app.companies.models import Company
from app.companies.tiers import Tier, tier_of
from app.extensions import db
from app.flows import formats
from app.flows.models import Flow, FlowVersion
from app.runs import callbacks
from app.runs import services as run_services
from app.runs.models import FINAL_STATUSES, Run

MAX_BODY_BYTES = 10 * 1024 * 1024
CALLBACK_HARD_MARGIN = 240  # spec §2.17: over the allowance by 241 or more in one minute is a 429
CALLBACK_POLL_SECONDS = 1.0
DEFAULT_MESSAGE = "Flow initialised."


@dataclass
class Answer:
    status: int
    body: bytes = b""
    content_type: str = CONTENT_TYPES["json"]
    headers: dict[str, str] = field(default_factory=dict)


def _json_answer(status: int, obj: dict, **headers: str) -> Answer:
    return Answer(status, json.dumps(obj).encode(), CONTENT_TYPES["json"], dict(headers))


def _error(status: int, message: str, **headers: str) -> Answer:
    return _json_answer(status, {"error": message}, **headers)


class PayloadTooLarge(Exception):
    pass


class BadPayload(ValueError):
    pass


@dataclass
class Inbound:
    """What a view hands over of the request; read() gives (body, multipart form fields) and may raise
    PayloadTooLarge. It is called only once the caller is authenticated and within its limits."""

    mimetype: str
    content_length: int | None
    query: list[tuple[str, str]]
    read: Callable[[], tuple[bytes, list[tuple[str, str]]]]


_DECLARED = {"application/json": "json", "text/json": "json", "application/xml": "xml", "text/xml": "xml",
             "text/csv": "csv", "application/csv": "csv"}


def _declared_format(mimetype: str) -> str | None:
    if mimetype in _DECLARED:
        return _DECLARED[mimetype]
    if mimetype.endswith("+json"):
        return "json"
    if mimetype.endswith("+xml"):
        return "xml"
    return None


def _as_object(pairs: list[tuple[str, str]]) -> dict:
    """Form or query pairs as a JSON object; a repeated key becomes a list of its values."""
    out: dict = {}
    for key, value in pairs:
        if key in out:
            out[key] = (out[key] if isinstance(out[key], list) else [out[key]]) + [value]
        else:
            out[key] = value
    return out


def read_payload(inbound: Inbound) -> tuple[str | None, str]:
    """(payload text, format) from the body, else from the query parameters; the body wins.

    A declared JSON, XML or CSV content type must parse (else BadPayload with the parser's message);
    form fields become a JSON object; anything else is detected (JSON, XML, CSV or text)."""
    body, form = inbound.read()
    if form:
        return json.dumps(_as_object(form)), "json"
    # `curl -d '{"a": 1}'` labels JSON as form data: a body that is JSON or XML is taken as such.
    if (inbound.mimetype == "application/x-www-form-urlencoded" and body.strip()
            and formats.detect(body) not in ("json", "xml")):
        try:
            return json.dumps(_as_object(parse_qsl(body.decode("utf-8"), keep_blank_values=True))), "json"
        except UnicodeDecodeError:
            raise BadPayload("The form data is not UTF-8 text.") from None
    if body.strip():
        fmt = _declared_format(inbound.mimetype)
        if fmt:
            try:
                parsed = formats.parse(body, fmt)
            except formats.FormatError as exc:
                raise BadPayload(str(exc)) from None
        else:
            fmt, parsed = formats.detect(body), None
        try:
            return body.decode("utf-8-sig"), fmt
        except UnicodeDecodeError:
            if fmt == "xml":  # another declared encoding: store it as UTF-8 XML
                return formats.dump(parsed if parsed is not None else formats.parse(body, "xml"), "xml").decode(), fmt
            raise BadPayload("The body is not UTF-8 text.") from None
    if inbound.query:
        return json.dumps(_as_object(inbound.query)), "json"
    return None, "json"


@dataclass(frozen=True)
class FlowFacts:
    """What the inbound path reads of a trigger's flow; start_inbound_run takes it in place of a Flow."""

    id: int
    company_id: int
    name: str
    enabled: bool
    priority: str
    concurrency_limit: int | None


@dataclass(frozen=True)
class Trigger:
    """A webhook or callback row as the inbound path needs it, with its flow, the id of the flow's
    deployed version (None: none is deployed) and the company's effective tier."""

    id: int
    company_id: int
    flow_id: int
    response_format: str
    flow: FlowFacts
    version_id: int | None
    tier: Tier
    response_status: int = 200  # webhooks only
    response_body: str | None = None  # webhooks only
    enabled: bool = True  # webhooks only
    timeout_seconds: int = 30  # callbacks only


def _lookup(model, *own_columns: str):
    """One Core statement reading the trigger, its flow, its flow's deployed version and its company's tier
    columns: one round trip and no ORM, built once (building and keying statements costs more than running
    them). Cross-tenant by nature: the caller is not signed in. The URL names the company and the row, and
    the signature is the credential, so it cannot go through tenancy.scoped()."""
    hook, flow, version, company = (model.__table__, Flow.__table__, FlowVersion.__table__, Company.__table__)
    deployed = (select(version.c.id).where(version.c.flow_id == hook.c.flow_id, version.c.status == "deployed")
                .limit(1).scalar_subquery())
    return (select(hook.c.id, hook.c.company_id, hook.c.flow_id, hook.c.signature_enc,
                   *(hook.c[name] for name in own_columns),
                   flow.c.company_id.label("flow_company_id"), flow.c.name.label("flow_name"),
                   flow.c.enabled.label("flow_enabled"), flow.c.priority.label("flow_priority"),
                   flow.c.concurrency_limit.label("flow_concurrency_limit"), deployed.label("version_id"),
                   company.c.tier, company.c.allowance_overrides, company.c.bolt_ons)
            .join_from(hook, flow, flow.c.id == hook.c.flow_id)
            .join(company, company.c.id == hook.c.company_id)
            .where(hook.c.company_id == bindparam("company_id"), hook.c.id == bindparam("ident")))


_OWN_COLUMNS = {WebhookTrigger: ("response_format", "response_status", "response_body", "enabled"),
                CallbackTrigger: ("response_format", "timeout_seconds")}
_FIND = {model: _lookup(model, *columns) for model, columns in _OWN_COLUMNS.items()}


def _find(model, company_id: int, ident: int, signature: str | None) -> Trigger | None:
    row = db.session.connection().execute(_FIND[model], {"company_id": company_id, "ident": ident}).first()
    if row is None or not signature_matches(row.signature_enc, signature):
        return None
    flow = FlowFacts(row.flow_id, row.flow_company_id, row.flow_name, row.flow_enabled, row.flow_priority,
                     row.flow_concurrency_limit)
    own = {name: getattr(row, name) for name in _OWN_COLUMNS[model]}
    return Trigger(id=row.id, company_id=row.company_id, flow_id=row.flow_id, flow=flow, version_id=row.version_id,
                   tier=tier_of(row), **own)


def _not_runnable(flow: FlowFacts, version_id: int | None, what: str) -> str | None:
    if version_id is None:
        return f"The flow '{flow.name}' has no deployed version; deploy it to accept {what} calls."
    if not flow.enabled:
        return f"The flow '{flow.name}' is disabled; enable it to accept {what} calls."
    return None


def _too_large() -> Answer:
    return _error(413, f"The payload is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB; split it across calls.")


def _rate_limited(kind: str, decision: ratelimit.Decision, allowance: int) -> Answer:
    return _error(429, f"Too many {kind} calls: this company's plan allows {allowance} per minute. "
                       f"Try again in {decision.retry_after} seconds.", **{"Retry-After": str(decision.retry_after)})


def _api_rate_limited(decision: ratelimit.Decision) -> Answer:
    return _error(429, f"Too many Weft API requests: this company's plan allows {decision.limit} API requests per "
                       f"minute, webhooks and callbacks together. Try again in {decision.retry_after} seconds.",
                  **{"Retry-After": str(decision.retry_after)})


@dataclass
class Accepted:
    payload: str | None
    fmt: str


def _accept(kind: str, hook: Trigger, inbound: Inbound, limit: int, allowance: int) -> Answer | Accepted:
    """The checks webhooks and callbacks share, in order: flow runnable (409), size (413), rate (429: the
    company's API requests, then this kind's), payload (400). Returns the error answer, or what the run needs."""
    problem = _not_runnable(hook.flow, hook.version_id, kind)
    if problem:
        return _error(409, problem)
    if inbound.content_length is not None and inbound.content_length > MAX_BODY_BYTES:
        return _too_large()
    decisions = ratelimit.hit_many(hook.company_id, {"api": hook.tier.api_requests_per_minute, f"{kind}s": limit})
    if not decisions["api"].allowed:
        return _api_rate_limited(decisions["api"])
    if not decisions[f"{kind}s"].allowed:
        return _rate_limited(kind, decisions[f"{kind}s"], allowance)
    try:
        payload, fmt = read_payload(inbound)
    except PayloadTooLarge:
        return _too_large()
    except BadPayload as exc:
        return _error(400, str(exc))
    return Accepted(payload, fmt)


def receive_webhook(company_id: int, webhook_id: int, signature: str | None, inbound: Inbound) -> Answer:
    hook = _find(WebhookTrigger, company_id, webhook_id, signature)
    if hook is None:
        return _error(404, "No webhook matches this URL and signature.")
    if not hook.enabled:
        return _error(409, "This webhook is disabled; enable it on the flow's trigger panel.")
    allowance = hook.tier.webhooks_per_minute
    accepted = _accept("webhook", hook, inbound, allowance, allowance)
    if isinstance(accepted, Answer):
        return accepted
    try:
        run = run_services.start_inbound_run(hook.flow, hook.version_id, "webhook", accepted.payload,
                                             accepted.fmt, company_allowance=hook.tier.concurrency,
                                             operation="webhook")
    except run_services.RunError as exc:
        return _error(422, str(exc))
    return webhook_answer(hook, run.id)


def webhook_answer(hook: Trigger, run_id: int) -> Answer:
    """The default answer, or the webhook's customised status, body and format."""
    fmt, status = hook.response_format, hook.response_status
    if status == 204:
        return Answer(204, b"", CONTENT_TYPES[fmt])
    if hook.response_body is not None:
        return Answer(status, hook.response_body.encode(), CONTENT_TYPES[fmt])
    default = {"message": DEFAULT_MESSAGE, "run_id": run_id}
    if fmt == "xml":
        body = formats.dump({"response": default}, "xml")
    elif fmt == "text":
        body = f"{DEFAULT_MESSAGE} Run id {run_id}.".encode()
    else:
        body = json.dumps(default).encode()
    return Answer(status, body, CONTENT_TYPES[fmt])


def receive_callback(company_id: int, callback_id: int, signature: str | None, inbound: Inbound) -> Answer:
    hook = _find(CallbackTrigger, company_id, callback_id, signature)
    if hook is None:
        return _error(404, "No callback matches this URL and signature.")
    allowance = hook.tier.callbacks_per_minute
    accepted = _accept("callback", hook, inbound, allowance + CALLBACK_HARD_MARGIN, allowance)
    if isinstance(accepted, Answer):
        return accepted
    timeout = hook.timeout_seconds
    try:
        run = run_services.start_inbound_run(hook.flow, hook.version_id, "callback", accepted.payload,
                                             accepted.fmt, queue="callbacks", operation="callback")
    except run_services.RunError as exc:
        return _error(422, str(exc))
    run_id = run.id
    answer = await_answer(run_id, timeout)
    if answer is None:
        return _error(504, f"The flow did not reach its callback shape within {timeout} seconds; "
                           f"the run continues (run id {run_id}).")
    if "error" in answer:
        return _error(502, answer["error"])
    return callback_answer(hook.response_format, answer.get("payloads") or [])


def await_answer(run_id: int, timeout: float) -> dict | None:
    """Wait for the run's callback answer. Between short waits, a run that ended without answering
    (it failed, or had no callback shape) is reported as an error at once rather than at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()  # no transaction (or connection) held while blocking on Redis
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        answer = callbacks.wait(run_id, timeout=min(CALLBACK_POLL_SECONDS, remaining))
        if answer is not None:
            return answer
        status, error = db.session.execute(select(Run.status, Run.error).where(Run.id == run_id)).one()
        if status in FINAL_STATUSES:
            # The worker answers (or reports the failure) right around finishing: give that a moment.
            late = callbacks.wait(run_id, timeout=0.25)
            if late is not None:
                return late
            detail = f": {error}" if error else "."
            return {"error": f"Run {run_id} ended ({status}) without reaching a callback shape{detail}"}


def _xml_item(payload):
    """One payload as the content of a <payload> element: XML text parsed, a JSON array as <item>s."""
    if isinstance(payload, str):
        try:
            return formats.parse(payload, "xml")
        except formats.FormatError:
            return payload
    if isinstance(payload, list):
        return {"item": payload}
    return payload


def callback_answer(fmt: str, payloads: list) -> Answer:
    """All callback answers are arrays: a JSON array, <payloads><payload>… in XML, or lines of text."""
    try:
        if fmt == "xml":
            body = formats.dump({"payloads": {"payload": [_xml_item(p) for p in payloads]}}, "xml")
        elif fmt == "text":
            body = "\n".join(p if isinstance(p, str) else json.dumps(p) for p in payloads).encode()
        else:
            body = formats.dump(payloads, "json")
    except formats.FormatError as exc:
        return _error(502, f"The callback payloads cannot be written as {fmt.upper()}: {exc}")
    return Answer(200, body, CONTENT_TYPES.get(fmt, CONTENT_TYPES["json"]))
