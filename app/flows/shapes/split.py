"""Split: the element at a path of each payload, with everything inside it, becomes the output payload
(docs/shapes.md#split)."""
from __future__ import annotations

from app.flows.batching import SplitError, split
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.paths import PathError, parse_path
from app.flows.shapes.base import Shape
from app.i18n import N_

SETTINGS = ("level", "wrapper_key", "source")  # source: schema helper for the path picker


class Split(Shape):
    type = "split"
    label = N_("Split")
    icon = "bi-scissors"
    group = "standard"
    help = N_("Keep only the part of each payload at a path, optionally wrapped in a key.")
    retries = 0  # the same payload gives the same answer; trying again cannot help

    def validate(self, config: dict) -> list[str]:
        problems = [f"Unknown setting {key!r}." for key in config if key not in SETTINGS]
        level = config.get("level")
        if not isinstance(level, str) or not level.strip():
            problems.append("Choose the level to split (a path such as customer.addresses).")
        else:
            try:
                parse_path(level.strip())
            except PathError as exc:
                problems.append(f"Level to split: {exc}.")
        wrapper = config.get("wrapper_key")
        if wrapper is not None and not isinstance(wrapper, str):
            problems.append("The wrapper key must be text (or empty for no wrapper).")
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
            if payload.format != "json":
                raise ShapeError(f"Split needs JSON payloads; payload {number} is {payload.format.upper()}.")
            try:
                (data,) = split(payload.data, level=level, wrapper_key=wrapper)
            except SplitError as exc:
                raise ShapeError(f"Payload {number}: {exc}") from exc
            out.append(Payload(data=data, format="json", meta=dict(payload.meta)))
        return out
