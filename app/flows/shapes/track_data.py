"""Track data: records the values found at chosen field paths as data passes (spec §2.13).

Config: {"fields": [{"path": "customer_id", "label": "Customer"}, {"path": "lines.*.sku"}]}

- Each record is searched: a payload holding a list is a list of records, an object is one record.
- A path with `*` tracks every value it finds; an object or list value is tracked as compact JSON.
  Missing, null and empty values are not tracked. Each value is cut to 255 characters (spec).
- Entries are handed to ctx.track as (label, value) pairs, where the label (the "entity type" of
  the tracked data page) is the field's label or, when it has none, its path; one call per payload.
- JSON only: other payloads pass untracked with a warning (tracking never fails a flow for that).
- The payloads pass through unchanged. Not retried: a retry would track the same values twice.
"""
from __future__ import annotations

from typing import Any

from app.flows import variables
from app.flows.context import Bucket, ShapeContext, ShapeError
from app.flows.paths import STAR, PathError, compile_path, parse_path
from app.flows.shapes.base import Shape
from app.markers import N_, gettext

MAX_VALUE_CHARS = 255
MAX_LABEL_CHARS = 120
MAX_FIELDS = 50
CHUNK = 1_000  # pairs per ctx.track call, so a huge payload is written in pieces


def _fields(config: dict) -> list:
    fields = config.get("fields") or []
    return fields if isinstance(fields, list) else []


def _label(field: dict) -> str:
    label = field.get("label")
    return (label.strip() if isinstance(label, str) and label.strip() else field["path"].strip())[:MAX_LABEL_CHARS]


def _values(found: Any, wildcard: bool) -> list[str]:
    items = found if wildcard and isinstance(found, list) else [found]
    out = []
    for item in items:
        if item is None or item is variables.MISSING:
            continue
        text = variables.to_text(item)
        if text != "":
            out.append(text[:MAX_VALUE_CHARS])
    return out


class TrackData(Shape):
    type = "track_data"
    label = N_("Track data")
    icon = "bi-binoculars"
    help = N_("Record values (an order number, a customer id) to find them later on the tracked data page.")
    retries = 0

    def validate(self, config: dict) -> list[str]:
        fields = config.get("fields")
        if not isinstance(fields, list) or not fields:
            return [gettext("Add at least one field to track.")]
        if len(fields) > MAX_FIELDS:
            return [gettext("Track at most %(max)d fields in one shape.", max=MAX_FIELDS)]
        errors = []
        for number, field in enumerate(fields, start=1):
            path = field.get("path") if isinstance(field, dict) else None
            if not isinstance(path, str) or not path.strip():
                errors.append(gettext("Field %(number)d needs a path, such as customer_id.", number=number))
                continue
            try:
                parse_path(path.strip())
            except PathError as exc:
                errors.append(gettext("Field %(number)d: %(problem)s.", number=number, problem=exc))
            label = field.get("label")
            if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL_CHARS):
                errors.append(gettext("Field %(number)d: the label must be text of at most %(max)d characters.",
                                      number=number, max=MAX_LABEL_CHARS))
        return errors

    def summary(self, config: dict) -> str:
        labels = [_label(f) for f in _fields(config) if isinstance(f, dict) and isinstance(f.get("path"), str)]
        shown = ", ".join(labels)
        return shown if len(shown) <= 60 else shown[:59] + "…"

    def execute(self, ctx: ShapeContext) -> Bucket:
        problems = self.validate(ctx.config)
        if problems:
            raise ShapeError(problems[0])
        if ctx.track is None:
            ctx.log("warning", "Tracked data is not available in this run; nothing was tracked.")
            return ctx.bucket
        getters = []
        for field in _fields(ctx.config):
            path = field["path"].strip()
            getters.append((_label(field), compile_path(path), STAR in parse_path(path)))
        tracked = skipped = 0
        for payload in ctx.bucket:
            if payload.format != "json":
                skipped += 1
                continue
            records = payload.data if isinstance(payload.data, list) else [payload.data]
            pairs: list[tuple[str, str]] = []
            for record in records:
                if not isinstance(record, (dict, list)):
                    continue
                for label, getter, wildcard in getters:
                    pairs += [(label, value) for value in _values(getter(record, variables.MISSING), wildcard)]
            for start in range(0, len(pairs), CHUNK):
                ctx.check_deadline()
                ctx.track(pairs[start:start + CHUNK])
            tracked += len(pairs)
        if skipped:
            ctx.log("warning", f"Track data reads JSON only: {skipped} payload{'s were' if skipped != 1 else ' was'} "
                               "not JSON and passed untracked.")
        ctx.log("info", f"Tracked {tracked} value{'s' if tracked != 1 else ''}.")
        return ctx.bucket
