"""What a shape that talks to the outside world would send, worked out for the preview without sending it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask_babel import gettext, ngettext

from app.connectors.definitions import variable_defaults
from app.flows import variables
from app.flows.context import Payload, ShapeContext, ShapeError
from app.flows.panels import choices
from app.flows.paths import STAR, compile_path, parse_path
from app.flows.shapes import notify as notify_shape
from app.flows.shapes import track_data as track_shape
from app.flows.shapes.connector import Connector
from app.flows.shapes.run_flow import manual_payload
from app.markers import N_

MAX_ITEMS = 20
# One whole title per cache level, so each language words the level its own way.
CACHE_TITLES = {"run": N_("Key '%(key)s' in '%(cache)s' (run level)"),
                "flow": N_("Key '%(key)s' in '%(cache)s' (flow level)"),
                "company": N_("Key '%(key)s' in '%(cache)s' (company level)")}
MAX_BODY_CHARS = 5_000
PREVIEW_TIMEOUT = 5.0  # seconds a receive preview waits for its first page


class NoPreview(Exception):
    """This shape's preview is skipped; the message says why."""


@dataclass
class Sent:
    title: str
    lines: list[str] = field(default_factory=list)
    body: str = ""
    error: str = ""


def _text(data, fmt: str = "json") -> str:
    if fmt == "json" and not isinstance(data, (str, bytes)):
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    elif isinstance(data, bytes):
        text = data.decode("utf-8", errors="replace")
    else:
        text = str(data)
    return text if len(text) <= MAX_BODY_CHARS else text[:MAX_BODY_CHARS] + "\n…"


def describe(shape_type: str, ctx: ShapeContext, *, flow_id: int | None) -> list[Sent]:
    describer = {"connector": _connector, "notify": _notify, "run_process_flow": _run_flow,
                 "callback": _callback, "track_data": _track, "cache_add": _cache_add}.get(shape_type)
    return describer(ctx, flow_id) if describer else []


def _connector(ctx: ShapeContext, flow_id) -> list[Sent]:
    from app.connectors.pagination.base import PageStep
    from app.connectors.templating import build_request

    row = choices.instance(ctx.config.get("instance_id"))
    if row is None:
        raise ShapeError(gettext("Connector instance %(instance)s does not exist (was it removed?).",
                                 instance=ctx.config.get("instance_id")))
    endpoint = choices.endpoint(row, ctx.config.get("endpoint"))
    if endpoint is None:
        raise ShapeError(gettext("The connector '%(connector)s' has no endpoint '%(endpoint)s'.",
                                 connector=row.connector.name, endpoint=ctx.config.get("endpoint")))
    if endpoint.get("direction") != "send":
        return _receive_first_page(ctx, row, endpoint)
    definition = row.connector.definition or {}
    # Clear values only: secrets stay encrypted and are never shown, so tokens that use them read empty.
    clear = {**variable_defaults(definition.get("variables")), **(row.variables or {})}
    out = []
    for number, payload in enumerate(ctx.bucket[:MAX_ITEMS], start=1):
        title = gettext("Payload %(number)d → %(endpoint)s (%(instance)s)", number=number,
                        endpoint=endpoint.get("name") or endpoint["key"], instance=row.name)
        try:
            values = Connector()._variables(ctx, endpoint, payload)
        except (ShapeError, variables.VariableError) as exc:
            out.append(Sent(title=title, error=str(exc)))
            continue
        if definition.get("protocol"):
            out.append(Sent(title=title, lines=[f"{definition['protocol'].upper()} {endpoint.get('name', '')}"],
                            body=_text(payload.data, payload.format)))
            continue
        try:
            request = build_request(definition, endpoint, {**clear, **values}, payload, PageStep(),
                                    ctx.flow_variables)
        except Exception as exc:  # noqa: BLE001 - a template that cannot render is shown, not raised
            out.append(Sent(title=title, error=gettext("The request could not be built: %(error)s", error=exc)))
            continue
        query = "&".join(f"{k}={v}" for k, v in request.params)
        body = request.content.decode("utf-8", errors="replace") if request.content else ""
        if request.form:
            body = "&".join(f"{k}={v}" for k, v in request.form)
        lines = [f"{request.method} {request.url}{'?' + query if query else ''}"]
        lines += [f"{k} = {variables.to_text(v)}" for k, v in values.items()]
        out.append(Sent(title=title, lines=lines, body=_text(body, "text")))
    if not ctx.bucket:
        out.append(Sent(title=gettext("No payloads reach this shape, so nothing would be sent.")))
    return out


def _receive_first_page(ctx: ShapeContext, row, endpoint: dict) -> list[Sent]:
    """Fetch the endpoint's first page for real (reading is safe; sending never happens in a preview) and make it
    the shape's output: the preview passes a described connector's bucket on, so the page replaces the input.
    One request, no retries, no pagination, no operations metered, no run stored."""
    from app.connectors.http import ConnectorError, RequestOptions
    from app.connectors.services import runtime_for
    from app.flows.shapes.connector import _uses_payload

    if (row.connector.definition or {}).get("protocol"):
        raise NoPreview(gettext("A file, database or queue connector fetches its data when the flow runs, so it has "
                                "no preview here. Run the flow once: the next shapes then preview with what it "
                                "received."))
    per_payload = bool(ctx.bucket) and _uses_payload(
        [*(ctx.config.get("variables") or {}).values(), endpoint.get("path"), endpoint.get("query"),
         endpoint.get("body")])
    payload = ctx.bucket[0] if per_payload else None
    values = Connector()._variables(ctx, endpoint, payload)
    exchanges = []
    options = RequestOptions(timeout=PREVIEW_TIMEOUT, retries=0, max_pages=1, flow_variables=ctx.flow_variables,
                             on_exchange=exchanges.append, on_log=lambda level, message: ctx.log(level, message))
    with runtime_for(row.company_id) as runtime:
        try:
            instance = runtime.resolve(row)
            pages = runtime.http(instance).receive(endpoint, values, payload, options)
            first = next(pages, None)
            pages.close()
        except ConnectorError as exc:
            raise ShapeError(str(exc)) from None
    wrapped = Connector()._wrap(first, ctx.config.get("wrapping", "raw")) if first is not None else None
    ctx.bucket = [wrapped] if wrapped is not None else []
    ctx.config.pop("save_response_as_payload", None)  # a receive's output is the page itself
    lines = [exchange.summary() for exchange in exchanges]
    lines.append(gettext("Fetched for the first payload only; the flow run fetches for each payload, every page.")
                 if per_payload else gettext("Only the first page is fetched here; the flow run fetches every page."))
    return [Sent(title=gettext("Received for this preview: %(endpoint)s (%(instance)s)",
                               endpoint=endpoint.get("name") or endpoint["key"], instance=row.name), lines=lines)]


def _notify(ctx: ShapeContext, flow_id) -> list[Sent]:
    channels = ctx.config.get("channels", "email_log")
    if channels not in notify_shape.EMAILS:
        return []
    groups = choices.group_names(ctx.config.get("groups") or [])
    messages: list[str] = []
    for payload in ctx.bucket:
        message = notify_shape.render(ctx.config["template"], ctx, payload)
        if message not in messages:
            messages.append(message)
    level = gettext(notify_shape.LEVELS.get(ctx.config.get("level", "info"), "Info"))
    title = (gettext("%(level)s email to %(groups)s", level=level, groups=", ".join(groups)) if groups
             else gettext("%(level)s email to no group", level=level))
    if not messages:
        return [Sent(title=title, lines=[gettext("No payloads reach this shape, so no email would be sent.")])]
    return [Sent(title=title, body=message) for message in messages[:MAX_ITEMS]]


def _run_flow(ctx: ShapeContext, flow_id) -> list[Sent]:
    target_id = ctx.config.get("flow_id")
    if flow_id is not None and target_id == flow_id:
        raise ShapeError(gettext("a process flow cannot run itself"))
    target = choices.flow_or_none(target_id)
    if target is None:
        raise ShapeError(gettext("Process flow %(flow)s does not exist in this company.", flow=target_id))
    version = ctx.config.get("version")

    manual = ctx.config.get("payload")
    overrides = ctx.config.get("variables") or {}
    out = []
    for number, payload in enumerate((ctx.bucket or [None])[:MAX_ITEMS], start=1):
        child: Payload | None = manual_payload(manual) if manual not in (None, "") else payload
        lines = [f"{name} = {variables.to_text(ctx.resolve(value, payload))}" for name, value in overrides.items()]
        if not target.enabled:
            lines.append(gettext("'%(flow)s' is disabled, so this run would be refused.", flow=target.name))
        title = (gettext("Run %(number)d of '%(flow)s' (version %(version)s)", number=number, flow=target.name,
                         version=version) if version else
                 gettext("Run %(number)d of '%(flow)s' (its deployed version)", number=number, flow=target.name))
        out.append(Sent(title=title, lines=lines,
                        body=_text(child.data, child.format) if child is not None else gettext("(no payload)")))
    return out


def _callback(ctx: ShapeContext, flow_id) -> list[Sent]:
    answer = [p.data for p in ctx.bucket]
    return [Sent(title=gettext("The answer to the waiting caller (always an array)"), body=_text(answer))]


def _track(ctx: ShapeContext, flow_id) -> list[Sent]:
    getters = []
    for item in track_shape._fields(ctx.config):
        path = item["path"].strip()
        getters.append((track_shape._label(item), compile_path(path), STAR in parse_path(path)))
    lines: list[str] = []
    for payload in ctx.bucket:
        if payload.format != "json":
            continue
        records = payload.data if isinstance(payload.data, list) else [payload.data]
        for record in records:
            if not isinstance(record, (dict, list)):
                continue
            for label, getter, wildcard in getters:
                found = getter(record, variables.MISSING)
                lines += [f"{label}: {value}" for value in track_shape._values(found, wildcard)]
    shown = lines[:MAX_ITEMS * 5]
    if len(lines) > len(shown):
        shown.append(gettext("… and %(count)d more", count=len(lines) - len(shown)))
    return [Sent(title=ngettext("%(num)d value would be tracked", "%(num)d values would be tracked", len(lines)),
                 lines=shown or [gettext("Nothing to track in this sample.")])]


def _cache_add(ctx: ShapeContext, flow_id) -> list[Sent]:
    from app.flows.shapes.cache_add import resolve_key

    config = ctx.config
    groups: dict[str, list] = {}
    for number, payload in enumerate(ctx.bucket, start=1):
        if payload.format != "json":
            raise ShapeError(gettext("Add to cache stores JSON payloads only; payload %(number)d is %(format)s.",
                                     number=number, format=payload.format.upper()))
        groups.setdefault(resolve_key(ctx, config["key"], payload, number), []).append(payload.data)
    many = bool(config.get("save_all_pages") or config.get("append"))
    out = []
    for key, values in list(groups.items())[:MAX_ITEMS]:
        kept = values if many else values[-1:]
        title = CACHE_TITLES.get(config.get("level", "flow"), CACHE_TITLES["flow"])
        out.append(Sent(title=gettext(title, key=key, cache=config["cache"].strip()),
                        lines=[_how_cached(config, len(kept))], body=_text(kept if len(kept) > 1 else kept[0])))
    return out or [Sent(title=gettext("No payloads reach this shape, so nothing would be cached."))]


def _how_cached(config: dict, count: int) -> str:
    if config.get("save_all_pages"):
        return ngettext("%(num)d payload, added as pages", "%(num)d payloads, added as pages", count)
    if config.get("append"):
        return ngettext("%(num)d payload, appended", "%(num)d payloads, appended", count)
    return ngettext("%(num)d payload, replacing what it holds", "%(num)d payloads, replacing what it holds", count)


class ReadOnlyDedupe:
    """The de-dupe service for a preview: reads the pool and records nothing (a new pool name is an empty pool)."""

    def __init__(self, company_id: int, flow_id: int | None = None):
        from app.caches.pools import DedupeService

        self.inner = DedupeService(company_id, flow_id=flow_id)
        self.name = ""
        self.fresh: list[str] = []

    def pool(self, ref, create: bool = True):
        from types import SimpleNamespace

        from app.caches.pools import PoolError

        try:
            found = self.inner.pool(ref, create=False)
        except PoolError:
            if str(ref).strip().isdigit():
                raise
            found = SimpleNamespace(id=None, name=str(ref).strip())  # created only when the flow runs
        self.name = found.name
        return found

    def known(self, pool, values: list[str]) -> set[str]:
        return set() if pool.id is None else self.inner.known(pool, values)

    def claim(self, pool, values: list[str], entity_type: str | None = None) -> set[str]:
        seen = self.known(pool, values)
        self.fresh = [v for v in dict.fromkeys(values) if v not in seen]
        return set(self.fresh)


def recorded(service: ReadOnlyDedupe | None) -> list[Sent]:
    if service is None:
        return []
    count = len(service.fresh)
    more = [gettext("… and %(count)d more", count=count - MAX_ITEMS * 5)] if count > MAX_ITEMS * 5 else []
    return [Sent(title=ngettext("%(num)d new value would be recorded in '%(pool)s'",
                                "%(num)d new values would be recorded in '%(pool)s'", count, pool=service.name),
                 lines=service.fresh[:MAX_ITEMS * 5] + more)]
