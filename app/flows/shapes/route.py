"""Route: sends each record down the paths (routes) whose conditions it matches (docs/shapes.md#route).

The routes are the step's paths: `{"name", "config": {"logic", "conditions"}}`. The engine runs every
route that received something; a route that received nothing does not start.
"""
from __future__ import annotations

from datetime import UTC, datetime

from app.flows import condition_config, variables
from app.flows.conditions import ConditionError, compile_conditions, route_split
from app.flows.context import Bucket, Fork, Payload, ShapeContext, ShapeError
from app.flows.problems import Problem, joined
from app.flows.shapes.base import Shape, read_structured, with_records
from app.markers import N_, gettext

METHODS = {"all": N_("Follow all matching routes"), "first": N_("Follow first matching route only")}
PATH_SETTINGS = ("conditions", "logic", "source")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _route_name(path: dict, number: int) -> str:
    return path.get("name") or f"route {number}"


class Route(Shape):
    type = "route"
    label = N_("Route")
    icon = "bi-signpost-split"
    group = "standard"
    help = N_("Send each record down the routes whose conditions it matches.")
    retries = 0  # the same records give the same answer; trying again cannot help

    def validate(self, config: dict) -> list[str]:
        problems = [gettext("Unknown setting %(key)s.", key=repr(key))
                    for key in config if key not in ("method", "source")]
        method = config.get("method", "all")
        if method not in METHODS:
            problems.append(gettext("Routing method must be 'all' (%(all)s) or 'first' (%(first)s), not %(value)s.",
                                    value=repr(method), **{key: gettext(text) for key, text in METHODS.items()}))
        return problems

    def validate_paths(self, paths: list[dict]) -> list[str]:
        """Problems with the routes themselves (they are the step's paths, so validate() does not see them)."""
        if len(paths) < 2:
            return [gettext("A route shape needs at least 2 routes; it has %(num)d.", num=len(paths))]
        problems = []
        names = [p.get("name") for p in paths if p.get("name")]
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(gettext("Two routes are called %(name)s; give each route its own name.", name=repr(name)))
        for number, path in enumerate(paths, start=1):
            where = gettext("Route %(name)s", name=repr(_route_name(path, number)))
            config = path.get("config") or {}
            if not isinstance(config, dict):
                problems.append(Problem(gettext("%(where)s: its settings must be an object.", where=where),
                                        path=number - 1))
                continue
            # Each problem names its route (and a condition's its row), so the panel can place it.
            problems += [Problem(gettext("%(where)s: unknown setting %(key)s.", where=where, key=repr(key)),
                                 path=number - 1, local=gettext("Unknown setting %(key)s.", key=repr(key)))
                         for key in config if key not in PATH_SETTINGS]
            found = [Problem(p) for p in condition_config.validate_logic(config.get("logic"))]
            found += condition_config.validate_rows(config.get("conditions"))
            problems += [p.within(joined(where, p), path=number - 1) for p in found]
        return problems

    def summary(self, config: dict) -> str:
        method = METHODS.get(config.get("method", "all"))
        return gettext(method) if method else ""

    def execute(self, ctx: ShapeContext) -> Fork:
        if not ctx.paths:
            raise ShapeError("The route shape has no routes.")
        method = ctx.config.get("method", "all")
        if method not in METHODS:
            raise ShapeError(f"Unknown routing method {method!r}: use 'all' or 'first'.")
        now = ctx.now or datetime.now(UTC)
        resolver = condition_config.PayloadVariables(ctx.scope)
        predicates = []
        for number, path in enumerate(ctx.paths, start=1):
            config = path.get("config") or {}
            rows = config.get("conditions") or []
            if not rows:
                predicates.append(None)  # a route without conditions gets every record that reaches it
                continue
            try:
                predicates.append(compile_conditions(condition_config.parse_rows(rows),
                                                     condition_config.logic_of(config), now=now, resolve=resolver))
            except ConditionError as exc:
                raise ShapeError(f"Route {_route_name(path, number)!r}: the conditions are not valid: {exc}") from exc
        if all(p is None for p in predicates):
            # A route shape with no conditions at all sends everything down every route, in any format.
            ctx.log("info", f"Route: no conditions, so all {_plural(len(ctx.bucket), 'payload')} go down every route.")
            return Fork(buckets=[[p.with_meta(dict(p.meta)) for p in ctx.bucket] or None for _ in ctx.paths])

        buckets: list[Bucket] = [[] for _ in ctx.paths]
        counts = [0] * len(ctx.paths)
        seen = dropped = 0
        for number, payload in enumerate(ctx.bucket, start=1):
            ctx.check_deadline()
            source = read_structured(payload, number, "Route")
            data = source.data
            # Tokens in a condition read the data, so an XML or CSV payload is seen parsed.
            resolver.use(payload if data is payload.data else Payload(data=data, meta=payload.meta))
            records = data if isinstance(data, list) else [data]
            try:
                outs, unmatched = route_split(records, predicates, method)
            except variables.VariableError as exc:
                raise ShapeError(str(exc)) from exc
            seen += len(records)
            dropped += unmatched
            for index, matched in enumerate(outs):
                if not matched:
                    continue
                counts[index] += len(matched)
                # Each route gets its own Payload (and meta), so a route changing meta leaves the others alone.
                if not isinstance(data, list) or len(matched) == len(data):
                    # The whole payload goes this way, untouched and in its own format.
                    buckets[index].append(payload.with_meta(dict(payload.meta)))
                else:
                    buckets[index].append(with_records(payload, source, matched))

        parts = [f"{_route_name(path, n)!r} {_plural(counts[n - 1], 'record')}"
                 for n, path in enumerate(ctx.paths, start=1)]
        message = f"Route ({METHODS[method].lower()}): " + ", ".join(parts)
        if dropped:
            verb = "was" if dropped == 1 else "were"
            message += f"; {_plural(dropped, 'record')} of {seen:,} matched no route and {verb} dropped"
        ctx.log("info", message + ".")
        return Fork(buckets=[bucket or None for bucket in buckets])
