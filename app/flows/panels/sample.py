"""Sample input for a settings panel: what a step received in a recent run, pasted JSON, or an endpoint schema.

A run logs each step's output bucket (engine: "… finished", with the bucket in the payload store), so a
step's input is the output of the step before it. The first step of a path reads its owner's input: a
branch or try path gets it whole, a route path gets its share (the route is run again on it, which is
pure), a catch path gets the failed payloads the engine logged on the try/catch step.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from app.extensions import db
from app.flows import formats, shapes
from app.flows.context import Bucket, Fork, Payload, ShapeContext, ShapeError
from app.markers import N_
from app.runs import logbook
from app.runs.models import Run, RunLog
from app.tenancy import scoped

RUNS_LOOKED_AT = 5
MAX_SAMPLE_BYTES = 2_000_000
MAX_FIELDS = 400
MAX_DEPTH = 8
ELEMENTS_LOOKED_AT = 25


@dataclass
class Sample:
    bucket: Bucket
    label: str  # "Run #12" or "Pasted JSON"
    run_id: int | None = None
    note: str = ""


@dataclass
class Field:
    path: str
    example: str = ""
    kind: str = ""  # text | number | boolean | null | object | list


@dataclass
class _Where:
    siblings: list[dict]
    index: int
    owner: dict | None = None
    path_index: int | None = None


def _index(steps: list[dict], owner: dict | None = None, path_index: int | None = None,
           out: dict | None = None) -> dict[str, _Where]:
    out = {} if out is None else out
    for i, step in enumerate(steps):
        out[str(step.get("id"))] = _Where(steps, i, owner, path_index)
        for p, path in enumerate(step.get("paths") or []):
            _index(path.get("steps") or [], step, p, out)
    return out


def _parse_body(body: bytes, count: int | None, fmt_hint: str | None = None) -> Bucket:
    text = body.decode("utf-8", errors="replace")
    if fmt_hint in (None, "json"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        else:
            # The store keeps several JSON payloads as one array (runs.payloads.bucket_body).
            if count and count > 1 and isinstance(data, list) and len(data) == count:
                return [Payload(data=item, format="json") for item in data]
            return [Payload(data=data, format="json")]
    fmt = fmt_hint if fmt_hint in ("xml", "csv", "text") else formats.detect(text)
    return [Payload(data=text, format=fmt if fmt != "json" else "text")]


class _RunReader:
    """Reads one run's logged buckets back as step inputs and outputs."""

    def __init__(self, run: Run, where: dict[str, _Where]):
        self.run = run
        self.where = where
        self.store = logbook.store()

    def _load(self, ref: str, count: int | None, fmt: str | None = None) -> Bucket | None:
        try:
            body = self.store.get(self.run.company_id, ref)
        except (KeyError, OSError):
            return None
        if len(body) > MAX_SAMPLE_BYTES:
            return None
        return _parse_body(body, count, fmt)

    def _logged(self, step_id: str) -> Bucket | None:
        row = db.session.execute(
            select(RunLog).where(RunLog.run_id == self.run.id, RunLog.company_id == self.run.company_id,
                                 RunLog.step_id == step_id, RunLog.payload_ref.is_not(None))
            .order_by(RunLog.id.desc()).limit(1)).scalar_one_or_none()
        return None if row is None else self._load(row.payload_ref, row.payload_count)

    def run_input(self) -> Bucket | None:
        if not self.run.input_ref:
            return []  # the run started without a payload: the first step received nothing
        fmt = self.run.input_ref.rsplit(".", 1)[-1]
        bucket = self._load(self.run.input_ref, 1, fmt)
        if bucket is not None:
            for payload in bucket:
                payload.meta = dict(self.run.input_meta or {})
        return bucket

    def output(self, step: dict, depth: int = 0) -> Bucket | None:
        if depth > 50:
            return None
        if step.get("paths") and not step.get("skip"):
            if step.get("type") == "try_catch":
                last = (step["paths"][0].get("steps") or [None])[-1]
                return self.output(last, depth + 1) if last else self.input(step, depth + 1)
            joined: Bucket = []
            owner_in: Bucket | None = None
            for index, path in enumerate(step["paths"]):
                inner = path.get("steps") or []
                if inner:
                    part = self.output(inner[-1], depth + 1)
                else:  # an empty path passes on what it received
                    owner_in = self.input(step, depth + 1) if owner_in is None else owner_in
                    part = route_share(step, index, owner_in) if owner_in and step.get("type") == "route" else owner_in
                joined += part or []
            return joined
        logged = self._logged(str(step.get("id")))
        if logged is not None:
            return logged
        return self.input(step, depth + 1) if step.get("skip") else None

    def input(self, step: dict, depth: int = 0) -> Bucket | None:
        if depth > 50:
            return None
        where = self.where.get(str(step.get("id")))
        if where is None:
            return None
        if where.index > 0:
            return self.output(where.siblings[where.index - 1], depth + 1)
        if where.owner is None:
            return self.run_input()
        owner = where.owner
        if owner.get("type") == "try_catch" and where.path_index == 1:
            return self._logged(str(owner.get("id")))  # the failed payloads sent down the catch path
        owner_in = self.input(owner, depth + 1)
        if owner_in is None or owner.get("type") != "route":
            return owner_in
        return route_share(owner, where.path_index or 0, owner_in)


def route_share(route_step: dict, path_index: int, bucket: Bucket) -> Bucket:
    """What one path of a route step receives from `bucket` (the route is pure, so running it is safe)."""
    ctx = ShapeContext(config=route_step.get("config") or {}, bucket=bucket, log=lambda *a, **k: None,
                       paths=[{k: v for k, v in p.items() if k != "steps"} for p in route_step.get("paths") or []])
    try:
        fork = shapes.get("route", route_step.get("version")).execute(ctx)
    except (ShapeError, shapes.UnknownShape):
        return []
    if not isinstance(fork, Fork) or path_index >= len(fork.buckets):
        return []
    return fork.buckets[path_index] or []


def latest_run_input(flow, definition: dict, step_id: str) -> Sample | None:
    """The payloads the step received in the most recent of the flow's last few runs that reached it."""
    where = _index(definition.get("steps") or [])
    step = next((w.siblings[w.index] for sid, w in where.items() if sid == str(step_id)), None)
    if step is None:
        return None
    runs = db.session.execute(scoped(Run).where(Run.flow_id == flow.id, Run.started_at.is_not(None))
                              .order_by(Run.id.desc()).limit(RUNS_LOOKED_AT)).scalars()
    for run in runs:
        bucket = _RunReader(run, where).input(step)
        if bucket:
            return Sample(bucket=bucket, label=f"Run #{run.id}", run_id=run.id)
    return None


# what was pasted -> (too large, not JSON) messages
_PASTE_ERRORS = {
    "sample": (N_("The pasted sample is larger than %(size)d MB."),
               N_("The pasted sample is not valid JSON: %(error)s (line %(line)d, column %(column)d).")),
    "example output": (N_("The pasted example output is larger than %(size)d MB."),
                       N_("The pasted example output is not valid JSON: %(error)s (line %(line)d, column "
                          "%(column)d).")),
}


def pasted(text: str, what: str = "sample") -> tuple[Sample | None, str | None]:
    """(sample, None) for pasted JSON, or (None, a sentence saying what is wrong); `what` is a _PASTE_ERRORS key."""
    text = (text or "").strip()
    if not text:
        return None, None
    too_large, not_json = _PASTE_ERRORS[what]
    if len(text) > MAX_SAMPLE_BYTES:
        return None, gettext(too_large, size=MAX_SAMPLE_BYTES // 1_000_000)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, gettext(not_json, error=exc.msg, line=exc.lineno, column=exc.colno)
    return Sample(bucket=[Payload(data=data, format="json")], label="Pasted JSON"), None


# --- field paths for the pickers ------------------------------------------------------------------

def _escape(key: str) -> str:
    return key.replace("\\", "\\\\").replace(".", "\\.").replace("*", "\\*")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    return "text"


def _example(value: Any) -> str:
    if isinstance(value, dict):
        return f"{{{len(value)} field{'s' if len(value) != 1 else ''}}}"
    if isinstance(value, list):
        return f"[{len(value)} item{'s' if len(value) != 1 else ''}]"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:39] + "…"


def _walk(value: Any, prefix: str, depth: int, found: dict[str, Field]) -> None:
    if len(found) >= MAX_FIELDS or depth > MAX_DEPTH:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{_escape(str(key))}" if prefix else _escape(str(key))
            if path not in found:
                found[path] = Field(path, _example(child), _kind(child))
            _walk(child, path, depth + 1, found)
    elif isinstance(value, list):
        for child in value[:ELEMENTS_LOOKED_AT]:
            path = f"{prefix}.*" if prefix else "*"
            if isinstance(child, (dict, list)):
                _walk(child, path, depth + 1, found)
            elif path not in found:
                found[path] = Field(path, _example(child), _kind(child))


def fields_of(bucket: Bucket, records: bool = True) -> list[Field]:
    """Flattened paths of the JSON payloads (`a.b`, `items.*.sku`), each with an example value.

    With `records`, a payload that is a list is a list of records (as the map, filter and route read it),
    so its paths are those inside one record."""
    found: dict[str, Field] = {}
    for payload in bucket[:ELEMENTS_LOOKED_AT]:
        if payload.format != "json":
            continue
        data = payload.data
        items = data[:ELEMENTS_LOOKED_AT] if records and isinstance(data, list) else [data]
        for item in items:
            _walk(item, "", 0, found)
    return list(found.values())


def _schema_walk(schema: Any, prefix: str, depth: int, found: dict[str, Field]) -> None:
    if not isinstance(schema, dict) or len(found) >= MAX_FIELDS or depth > MAX_DEPTH:
        return
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    if kind == "array" or "items" in schema:
        _schema_walk(schema.get("items"), f"{prefix}.*" if prefix else "*", depth + 1, found)
        return
    for key, child in (schema.get("properties") or {}).items():
        path = f"{prefix}.{_escape(str(key))}" if prefix else _escape(str(key))
        child_kind = child.get("type") if isinstance(child, dict) else None
        label = {"string": "text", "integer": "number", "array": "list"}.get(child_kind, child_kind or "")
        found.setdefault(path, Field(path, (child.get("description") or "")[:40] if isinstance(child, dict) else "",
                                     label))
        _schema_walk(child, path, depth + 1, found)


def fields_of_schema(schema: Any) -> list[Field]:
    """Paths of an endpoint schema: a JSON Schema (properties/items) or an example document."""
    if not isinstance(schema, (dict, list)) or not schema:
        return []
    if isinstance(schema, dict) and ("properties" in schema or schema.get("type") in ("object", "array")):
        found: dict[str, Field] = {}
        _schema_walk(schema, "", 0, found)
        return list(found.values())
    return fields_of([Payload(data=schema, format="json")], records=False)


def merge(*lists: list[Field]) -> list[Field]:
    seen: dict[str, Field] = {}
    for items in lists:
        for item in items:
            seen.setdefault(item.path, item)
    return list(seen.values())[:MAX_FIELDS]


@dataclass
class Neighbours:
    """The connector steps just before and after a step, for schema-fed pickers."""

    before: dict | None = None
    after: dict | None = None


def neighbours(definition: dict, step_id: str) -> Neighbours:
    where = _index(definition.get("steps") or []).get(str(step_id))
    if where is None:
        return Neighbours()
    before = where.siblings[where.index - 1] if where.index > 0 else None
    after = where.siblings[where.index + 1] if where.index + 1 < len(where.siblings) else None
    return Neighbours(before=before if before and before.get("type") == "connector" else None,
                      after=after if after and after.get("type") == "connector" else None)
