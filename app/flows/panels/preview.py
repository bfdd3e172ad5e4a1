"""Try one shape inside its panel: the real execute() with the settings as edited, on sample input, no run.

Nothing is stored and nothing leaves Weft. Shapes that talk to the outside world (connector, notify, run
process flow, callback, track data) get a ShapeContext whose hooks are all None and whose `connectors` is
None; the panel shows what they would send instead (see outside.py).
"""
from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from typing import Any

from app.flows import shapes
from app.flows.context import Bucket, Fork, Payload, ShapeContext, ShapeError
from app.flows.panels import choices, outside
from app.timeutil import utcnow

OUTSIDE = ("connector", "notify", "run_process_flow", "callback", "track_data")
# Shapes that write to Weft's own stores (caches, data pools): previewed without writing anything.
STORES = ("cache_add", "dedupe")
# Shapes whose execute() would fail without the services a run hands over; they are described instead.
DESCRIBED_ONLY = ("connector", "run_process_flow", "cache_add")
# Services a preview may hand over because they only read (lookups, caches, a de-dupe that records nothing) or
# run in the sandbox (scripts).
WITH_SERVICES = ("map", "script", "cache_load", "dedupe")
NO_PREVIEW = {
    "try_catch": "Try/catch has no output of its own: it watches the steps of its try path when the flow runs.",
}
MAX_SHOWN = 20
MAX_CHARS = 20_000
SECONDS = 5.0


@dataclass
class Shown:
    """One payload as the panel shows it."""

    number: int
    format: str
    text: str
    truncated: bool = False
    meta: dict = field(default_factory=dict)
    records: int | None = None


@dataclass
class PathShown:
    name: str
    payloads: list[Shown] | None  # None: the path does not start
    total: int = 0
    records: int = 0


@dataclass
class Preview:
    input_count: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    outputs: list[Shown] | None = None
    output_total: int = 0
    paths: list[PathShown] | None = None
    logs: list[tuple[str, str]] = field(default_factory=list)
    outside: bool = False
    fetched: bool = False  # a connector on a receive endpoint: the preview fetched its first page for real
    stores: bool = False
    would_send: list[outside.Sent] = field(default_factory=list)
    unavailable: str | None = None
    variables: dict = field(default_factory=dict)  # flow variables the shape changed

    @property
    def ran(self) -> bool:
        return not (self.problems or self.error or self.unavailable)


def show(payload: Payload, number: int) -> Shown:
    data = payload.data
    records = len(data) if payload.format == "json" and isinstance(data, list) else None
    if payload.format == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    elif isinstance(data, bytes):
        text = data.decode("utf-8", errors="replace")
    else:
        text = str(data)
    truncated = len(text) > MAX_CHARS
    return Shown(number=number, format=payload.format, text=text[:MAX_CHARS] + ("\n…" if truncated else ""),
                 truncated=truncated, meta=dict(payload.meta or {}), records=records)


def _shown(bucket: Bucket) -> list[Shown]:
    return [show(p, n) for n, p in enumerate(bucket[:MAX_SHOWN], start=1)]


def _records(bucket: Bucket) -> int:
    return sum(len(p.data) if p.format == "json" and isinstance(p.data, list) else 1 for p in bucket)


def _copy(bucket: Bucket) -> Bucket:
    # Shapes never edit what they receive, but a preview must not leak into the cached sample either.
    return [Payload(data=copy.deepcopy(p.data), format=p.format, meta=dict(p.meta or {})) for p in bucket]


def services_for(shape_type: str, company_id: int | None, flow_id: int | None, app_config) -> dict:
    """Read-only services for the shapes that use them: lookups, caches (read), a de-dupe that records nothing,
    and a script runner capped to the preview's time."""
    if shape_type not in WITH_SERVICES or company_id is None:
        return {}
    from app.caches.services import CacheStore
    from app.extensions import get_redis
    from app.lookups.services import LookupReader
    from app.scripts.finder import finder
    from app.scripts.sandbox import ScriptRunner, limits_from

    return {"lookups": LookupReader(company_id),
            "caches": CacheStore(get_redis(), company_id, flow_id=flow_id, run_id=None),
            "dedupe": outside.ReadOnlyDedupe(company_id, flow_id=flow_id),
            "scripts": ScriptRunner(company_id, find=finder(company_id), reuse=False,
                                    limits=limits_from(app_config, timeout=SECONDS))}


def run(step: dict, config: dict, paths: list[dict], bucket: Bucket, *, flow_variables: dict | None = None,
        flow_id: int | None = None, company_id: int | None = None, services: dict | None = None) -> Preview:
    """Validate the edited settings, then run the shape once on `bucket` and describe what came out."""
    services = services or {}
    try:
        return _run(step, config, paths, bucket, flow_variables, flow_id, company_id, services)
    finally:
        if services.get("scripts") is not None:
            services["scripts"].close()


def _receives(config: dict) -> bool:
    """An HTTP receive endpoint, whose preview fetches (outside.py); a protocol one has no preview at all."""
    row = choices.instance(config.get("instance_id"))
    endpoint = choices.endpoint(row, config.get("endpoint"))
    return (endpoint is not None and endpoint.get("direction") != "send"
            and not (row.connector.definition or {}).get("protocol"))


def _run(step, config, paths, bucket, flow_variables, flow_id, company_id, services) -> Preview:
    shape_type = step.get("type", "")
    log_only = shape_type == "notify" and config.get("channels", "email_log") == "log"
    result = Preview(input_count=len(bucket), outside=shape_type in OUTSIDE and not log_only,
                     stores=shape_type in STORES and config.get("behaviour") != "filter")
    try:
        shape = shapes.get(shape_type, step.get("version"))
    except shapes.UnknownShape as exc:
        result.unavailable = str(exc)
        return result
    if shape_type in NO_PREVIEW:
        result.unavailable = NO_PREVIEW[shape_type]
        return result
    result.problems = shape.validate(config) + (shape.validate_paths(paths) if paths else [])
    if result.problems:
        return result
    variables = copy.deepcopy(flow_variables or {})
    before = copy.deepcopy(variables)

    def log(level: str, message: str, *, bucket: Bucket | None = None) -> None:
        result.logs.append((level, message))

    ctx = ShapeContext(
        config=copy.deepcopy(config), bucket=_copy(bucket), log=log, flow_variables=variables, now=utcnow(),
        company_id=company_id, run_id=None, flow_id=flow_id, step_id=str(step.get("id", "")),
        paths=[{k: v for k, v in p.items() if k != "steps"} for p in paths],
        deadline=time.monotonic() + SECONDS, redis=None, connectors=None,
        start_child_run=None, notify=None, track=None, callback_respond=None,
        lookups=services.get("lookups"), scripts=services.get("scripts"), caches=services.get("caches"),
        dedupe=services.get("dedupe"))
    if result.outside or shape_type == "cache_add":
        result.fetched = shape_type == "connector" and _receives(config)
        try:
            result.would_send = outside.describe(shape_type, ctx, flow_id=flow_id)
        except outside.NoPreview as exc:
            result.unavailable = str(exc)
            return result
        except ShapeError as exc:
            result.error = str(exc)
            return result
        except Exception as exc:  # noqa: BLE001 - describing must never break the panel
            result.error = f"unexpected {type(exc).__name__}: {exc}"
            return result
    try:
        out = _execute(shape, shape_type, ctx)
    except ShapeError as exc:
        result.error = str(exc)
        return result
    except Exception as exc:  # noqa: BLE001 - a shape bug shows in the panel as it would fail the step
        result.error = f"unexpected {type(exc).__name__}: {exc}"
        return result
    result.logs = [(lvl, msg) for lvl, msg in result.logs if not _about_missing_hooks(msg)]
    if isinstance(out, Fork):
        result.paths = []
        for index, path in enumerate(paths):
            part = out.buckets[index] if index < len(out.buckets) else None
            result.paths.append(PathShown(name=path.get("name") or f"Path {index + 1}",
                                          payloads=None if part is None else _shown(part),
                                          total=len(part or []), records=_records(part or [])))
    else:
        result.outputs = _shown(out)
        result.output_total = len(out)
    result.variables = {k: v for k, v in variables.items() if k not in before or before[k] != v}
    if shape_type == "dedupe" and result.stores:
        result.would_send = outside.recorded(services.get("dedupe"))
    return result


def _execute(shape, shape_type: str, ctx: ShapeContext) -> Any:
    if shape_type in DESCRIBED_ONLY:
        # Without a runtime these would stop with "not available in this run"; what they pass on is known.
        if shape_type == "connector" and ctx.config.get("save_response_as_payload"):
            ctx.log("info", "With 'save response as payload' on, the endpoint's responses go on to the next "
                            "step; the preview cannot know them.")
            return []
        return ctx.bucket
    if shape_type == "notify":
        # Log-only runs the real template rendering without the mail hook; describe() listed the emails.
        ctx.config = {**ctx.config, "channels": "log"}
    return shape.execute(ctx)


def _about_missing_hooks(message: str) -> bool:
    return "not available in this run" in message or "was not started by a callback trigger" in message
