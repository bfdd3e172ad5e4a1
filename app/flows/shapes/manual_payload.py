"""Manual payload: emits the payload typed into its settings, ignoring its input."""
from __future__ import annotations

import json

from app.flows.context import Bucket, Payload, ShapeContext
from app.flows.shapes.base import Shape
from app.markers import N_

MAX_CHARS = 100_000
FORMATS = ("json", "xml", "csv", "text")


class ManualPayload(Shape):
    type = "manual_payload"
    label = N_("Manual payload")
    icon = "bi-file-earmark-code"
    help = N_("Start the flow with a payload you paste in (JSON, XML, CSV or text).")
    retries = 0  # nothing external can fail transiently

    def validate(self, config: dict) -> list[str]:
        body = config.get("body", "")
        fmt = config.get("format", "json")
        errors = []
        if fmt not in FORMATS:
            errors.append(f"Format must be one of {', '.join(FORMATS)}.")
        if len(body) > MAX_CHARS:
            errors.append(f"The payload is {len(body):,} characters; the limit is {MAX_CHARS:,}.")
        if fmt == "json" and body.strip():
            try:
                json.loads(body)
            except json.JSONDecodeError as exc:
                errors.append(f"The payload is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
        return errors

    def summary(self, config: dict) -> str:
        return f"{config.get('format', 'json').upper()}, {len(config.get('body', '')):,} characters"

    def execute(self, ctx: ShapeContext) -> Bucket:
        ctx.check_deadline()
        fmt = ctx.config.get("format", "json")
        body = ctx.config.get("body", "")
        data = json.loads(body) if fmt == "json" and body.strip() else body
        return [Payload(data=data, format=fmt)]
