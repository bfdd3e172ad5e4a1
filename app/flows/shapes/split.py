"""Split: the element at a path of each payload, with everything inside it, becomes the output payload
(docs/shapes.md#split)."""
from __future__ import annotations

from typing import Any

from app.flows import formats
from app.flows.batching import SplitError, split
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.paths import PathError, parse_path
from app.flows.shapes.base import Shape, read_structured
from app.markers import N_, gettext

SETTINGS = ("level", "wrapper_key", "source")  # source: schema helper for the path picker


def _is_row(value: Any) -> bool:
    return isinstance(value, dict) and not any(isinstance(v, (dict, list)) for v in value.values())


def _as_rows(data: Any) -> bool:
    """Whether split output from a CSV payload can be CSV again: one flat object or a list of them."""
    return _is_row(data) or (isinstance(data, list) and bool(data) and all(_is_row(r) for r in data))


def _output(data: Any, source: formats.Structured, meta: dict) -> Payload:
    # CSV rows stay CSV. XML becomes JSON: the split part loses its element name and the namespace
    # declarations of its ancestors, so writing it back as XML would not be the document's own XML.
    if source.format == "csv" and _as_rows(data):
        body = formats.dump(data, "csv", delimiter=source.delimiter).decode("utf-8")
        return Payload(data=body, format="csv", meta=dict(meta))
    return Payload(data=data, format="json", meta=dict(meta))


class Split(Shape):
    type = "split"
    label = N_("Split")
    icon = "bi-scissors"
    group = "standard"
    help = N_("Keep only the part of each payload at a path, optionally wrapped in a key.")
    retries = 0  # the same payload gives the same answer; trying again cannot help

    def validate(self, config: dict) -> list[str]:
        problems = [gettext("Unknown setting %(key)s.", key=repr(key)) for key in config if key not in SETTINGS]
        level = config.get("level")
        if not isinstance(level, str) or not level.strip():
            problems.append(gettext("Choose the level to split (a path such as customer.addresses)."))
        else:
            try:
                parse_path(level.strip())
            except PathError as exc:
                problems.append(gettext("Level to split: %(problem)s.", problem=exc))
        wrapper = config.get("wrapper_key")
        if wrapper is not None and not isinstance(wrapper, str):
            problems.append(gettext("The wrapper key must be text (or empty for no wrapper)."))
        return problems

    def summary(self, config: dict) -> str:
        level = config.get("level") or "?"
        wrapper = config.get("wrapper_key")
        return f"{level} → {{\"{wrapper}\": …}}" if wrapper else f"{level}"

    def execute(self, ctx: ShapeContext) -> Bucket:
        level = ctx.config.get("level") or ""
        wrapper = ctx.config.get("wrapper_key") or None
        out: Bucket = []
        for number, payload in enumerate(ctx.bucket, start=1):
            ctx.check_deadline()
            source = read_structured(payload, number, "Split")
            try:
                (data,) = split(source.data, level=level, wrapper_key=wrapper)
            except SplitError as exc:
                raise ShapeError(f"Payload {number}: {exc}") from exc
            out.append(_output(data, source, payload.meta))
        return out
