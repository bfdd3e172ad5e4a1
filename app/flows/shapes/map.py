"""Map: rebuilds each payload from mapping rules (source path -> target path, with transforms).

Reads JSON, XML and CSV payloads; always writes JSON (docs/shapes.md#map)."""
from __future__ import annotations

import functools
import json

from app.flows import mapping
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.shapes.base import Shape, read_structured
from app.flows.transforms import TransformContext, TransformError
from app.markers import N_, ngettext


@functools.lru_cache(maxsize=256)
def _compiled(config_json: str) -> mapping.CompiledMap:
    # Compiling a 20-rule map costs milliseconds; a flow that runs thousands of times a day compiles
    # each version's map once per worker instead.
    return mapping.compile_map(json.loads(config_json))


class Map(Shape):
    type = "map"
    label = N_("Map")
    icon = "bi-shuffle"
    help = N_("Rename, reshape and transform fields, record by record.")

    def validate(self, config: dict) -> list[str]:
        return mapping.validate_map(config)

    def summary(self, config: dict) -> str:
        rules = config.get("rules", [])
        return ngettext("%(num)d rule", "%(num)d rules", len(rules))

    def execute(self, ctx: ShapeContext) -> Bucket:
        try:
            compiled = _compiled(json.dumps(ctx.config, sort_keys=True, default=str))
        except mapping.MapConfigError as exc:
            raise ShapeError(str(exc)) from exc
        # Lookups, caches and scripts are the run's services; a run without them leaves the hooks None.
        tctx = TransformContext(now=ctx.now, flow_variables=ctx.flow_variables,
                                lookup=getattr(ctx.lookups, "lookup", None),
                                cache_get=getattr(ctx.caches, "lookup", None),
                                run_script=ctx.scripts.field_hook(ctx.flow_variables) if ctx.scripts else None)
        out: Bucket = []
        for number, payload in enumerate(ctx.bucket, start=1):
            ctx.check_deadline()
            # XML and CSV are read into data; the map's output is always JSON (docs/shapes.md#map).
            source = payload.data if payload.format == "json" else read_structured(payload, number, "Map").data
            tctx.meta = payload.meta
            try:
                data = compiled.apply(source, tctx)
            except TransformError as exc:
                raise ShapeError(str(exc)) from exc
            out.append(Payload(data=data, format="json", meta=dict(payload.meta)))
        return out
