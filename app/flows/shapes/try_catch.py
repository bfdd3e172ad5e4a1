"""Try/catch: watches the steps of its try path; payloads that fail there go down the catch path.

The engine runs this step itself (per-payload isolation needs the engine's retries and logging);
the class holds what the tray, the settings panel and deploy-time validation need.
"""
from __future__ import annotations

from app.flows.context import Bucket, ShapeContext, ShapeError
from app.flows.shapes.base import Shape
from app.markers import N_, gettext

ACTIONS = {"partial": N_("Succeed as partial success"), "fail": N_("Fail the run")}


class TryCatch(Shape):
    type = "try_catch"
    label = N_("Try/catch")
    icon = "bi-shield-exclamation"
    group = "standard"  # the spec lists Try/Catch with the standard shapes (§2.21)
    help = N_("Send payloads that fail to a catch path instead of failing the whole run.")
    retries = 0

    def validate(self, config: dict) -> list[str]:
        action = config.get("on_exception", "partial")
        if action not in ACTIONS:
            return [gettext("Action on exception must be one of: %(choices)s.",
                            choices=", ".join(gettext(v) for v in ACTIONS.values()))]
        return []

    def summary(self, config: dict) -> str:
        action = ACTIONS.get(config.get("on_exception", "partial"))
        return gettext(action) if action else ""

    def execute(self, ctx: ShapeContext) -> Bucket:
        raise ShapeError("try/catch is run by the engine, not executed as a step")


def validate_placement(steps: list[dict]) -> list[str]:
    """One try/catch per flow, with exactly a try and a catch path."""
    found: list[dict] = []

    def visit(items: list[dict]) -> None:
        for step in items:
            if step.get("type") == "try_catch":
                found.append(step)
            for path in step.get("paths") or []:
                visit(path.get("steps") or [])

    visit(steps)
    problems = []
    if len(found) > 1:
        problems.append(f"A flow can hold one try/catch shape; this one has {len(found)}.")
    for step in found:
        if len(step.get("paths") or []) != 2:
            problems.append("Try/catch needs exactly two paths: try and catch.")
    return problems
