"""The shape contract: one class per shape type and version, read by the tray, the panel and the engine."""
from __future__ import annotations

from typing import Any, ClassVar

from app.flows import formats
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError


class Shape:
    type: ClassVar[str]
    label: ClassVar[str]
    icon: ClassVar[str] = "bi-box"  # a bootstrap-icons class
    group: ClassVar[str] = "standard"  # standard | advanced
    help: ClassVar[str] = ""
    version: ClassVar[int] = 1
    # Further attempts after a failure (spec: 3 for most shapes; connectors configure 0-2).
    retries: ClassVar[int] = 3

    def validate(self, config: dict) -> list[str]:
        """Human-readable problems with config; an empty list means it can be deployed."""
        return []

    def validate_paths(self, paths: list[dict]) -> list[str]:
        """Problems with the step's paths (route conditions, branch count); shapes with paths override."""
        return []

    def summary(self, config: dict) -> str:
        """One line shown on the canvas under the shape's label."""
        return ""

    def execute(self, ctx: ShapeContext) -> Bucket:
        raise NotImplementedError


def read_structured(payload: Payload, number: int, shape: str, wanted: str = "auto",
                    plain_text: str | None = None) -> formats.Structured:
    """The data of a payload for a shape that reads fields: JSON as it is, XML and CSV parsed (docs/formats.md).

    Fails the step, naming the payload (and the line, for XML or CSV that does not parse); `plain_text`
    replaces the message for a text payload that is none of JSON, XML and CSV."""
    if payload.format == "json":
        return formats.Structured(payload.data, "json")
    try:
        return formats.structured(payload.data, payload.format, wanted)
    except formats.PlainText:
        raise ShapeError(plain_text or f"{shape} needs JSON payloads (or XML or CSV); payload {number} is "
                         "plain text.") from None
    except formats.FormatError as exc:
        raise ShapeError(f"Payload {number} could not be read as {exc.fmt.upper()}: {exc}") from None


def with_records(payload: Payload, source: formats.Structured, records: list[Any]) -> Payload:
    """A new payload holding some of the records of `payload` (read as `source`), with a copy of its meta.

    JSON stays JSON; CSV rows are written back as CSV with their header and delimiter, so a CSV stays CSV."""
    if source.format == "csv":
        try:
            body = formats.dump(records, "csv", delimiter=source.delimiter).decode("utf-8")
        except formats.FormatError as exc:
            raise ShapeError(f"The remaining rows could not be written as CSV: {exc}") from exc
        return Payload(data=body, format="csv", meta=dict(payload.meta))
    return Payload(data=records, format="json", meta=dict(payload.meta))
