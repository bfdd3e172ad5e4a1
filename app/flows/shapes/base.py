"""The shape contract: one class per shape type and version, read by the tray, the panel and the engine."""
from __future__ import annotations

from typing import ClassVar

from app.flows.context import Bucket, ShapeContext


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
