"""Branch: runs its paths one after another, each with the same input bucket (docs/shapes.md#branch).

The engine runs the paths in order; when one fails, the remaining paths do not start.
"""
from __future__ import annotations

from app.flows.context import Fork, ShapeContext, ShapeError
from app.flows.shapes.base import Shape
from app.markers import N_, gettext

MAX_PATHS = 6


class Branch(Shape):
    type = "branch"
    label = N_("Branch")
    icon = "bi-diagram-3"
    group = "standard"
    help = N_("Run several paths one after another, each with the same data.")
    retries = 0  # nothing here can fail transiently

    def validate(self, config: dict) -> list[str]:
        return [gettext("Unknown setting %(key)s.", key=repr(key)) for key in config]

    def validate_paths(self, paths: list[dict]) -> list[str]:
        """Problems with the branches themselves (the step's paths, which validate() does not see)."""
        if not 1 <= len(paths) <= MAX_PATHS:
            return [gettext("A branch shape holds 1 to %(max)d branches; it has %(num)d.", max=MAX_PATHS,
                            num=len(paths))]
        return []

    def summary(self, config: dict) -> str:
        return gettext("paths run in order")

    def execute(self, ctx: ShapeContext) -> Fork:
        if not ctx.paths:
            raise ShapeError("The branch shape has no branches.")
        # Every branch gets the same payloads; each gets its own Payload objects (and meta), so a
        # branch that changes meta does not change what the next branch sees.
        buckets = [[p.with_meta(dict(p.meta)) for p in ctx.bucket] for _ in ctx.paths]
        return Fork(buckets=buckets, sequential=True)
