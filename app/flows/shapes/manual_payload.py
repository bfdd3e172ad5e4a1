"""Manual payload: emits the payload typed into its settings, ignoring its input."""
from __future__ import annotations

import json

from app.flows.context import Bucket, Payload, ShapeContext
from app.flows.shapes.base import Shape
from app.markers import N_, gettext, ngettext

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
            errors.append(gettext("Format must be one of %(formats)s.", formats=", ".join(FORMATS)))
        if not str(body or "").strip():  # as the spec and the panel: never empty, though {} is fine
            errors.append(gettext("Paste the payload ({} is allowed for an empty JSON object)."))
        if len(body) > MAX_CHARS:
            errors.append(gettext("The payload is %(size)s characters; the limit is %(limit)s.",
                                  size=f"{len(body):,}", limit=f"{MAX_CHARS:,}"))
        if fmt == "json" and body.strip():
            try:
                json.loads(body)
            except json.JSONDecodeError as exc:
                errors.append(gettext("The payload is not valid JSON: %(error)s (line %(line)d, column %(column)d).",
                                      error=exc.msg, line=exc.lineno, column=exc.colno))
        return errors

    def summary(self, config: dict) -> str:
        size = len(config.get("body", ""))
        return ngettext("%(format)s, %(size)s character", "%(format)s, %(size)s characters", size,
                        format=config.get("format", "json").upper(), size=f"{size:,}")

    def execute(self, ctx: ShapeContext) -> Bucket:
        ctx.check_deadline()
        fmt = ctx.config.get("format", "json")
        body = ctx.config.get("body", "")
        data = json.loads(body) if fmt == "json" and body.strip() else body
        return [Payload(data=data, format=fmt)]
