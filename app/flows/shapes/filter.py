"""Filter: keeps or removes the records inside each payload that match its conditions (docs/shapes.md#filter)."""
from __future__ import annotations

from datetime import UTC, datetime

from app.flows import condition_config, variables
from app.flows.conditions import ConditionError, compile_conditions, filter_records
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.shapes.base import Shape, read_structured, with_records
from app.markers import N_

SETTINGS = ("conditions", "logic", "keep_matching", "source")  # source: schema helper for the field picker


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class Filter(Shape):
    type = "filter"
    label = N_("Filter")
    icon = "bi-funnel"
    group = "standard"
    help = N_("Keep or remove the records that match conditions, inside every payload.")
    retries = 0  # the same records give the same answer; trying again cannot help

    def validate(self, config: dict) -> list[str]:
        problems = [f"Unknown setting {key!r}." for key in config if key not in SETTINGS]
        rows = config.get("conditions")
        if not rows:
            problems.append("Add at least one condition.")
        problems += condition_config.validate_rows(rows)
        problems += condition_config.validate_logic(config.get("logic"))
        keep = config.get("keep_matching", True)
        if not isinstance(keep, bool):
            problems.append(f"Keep matching must be true or false, not {keep!r}.")
        return problems

    def summary(self, config: dict) -> str:
        rows = config.get("conditions") or []
        action = "keep" if config.get("keep_matching", True) else "remove"
        if len(rows) == 1 and isinstance(rows[0], dict):
            row = rows[0]
            value = row.get("value")
            shown = f" {value}" if value not in (None, "") else ""
            return f"{action} where {row.get('field', '?')} {row.get('operator', '?')}{shown}"
        joiner = condition_config.logic_of(config).upper()
        return f"{action} where {len(rows)} conditions match ({joiner})"

    def execute(self, ctx: ShapeContext) -> Bucket:
        config = ctx.config
        keep = config.get("keep_matching", True)
        resolver = condition_config.PayloadVariables(ctx.scope)
        try:
            predicate = compile_conditions(condition_config.parse_rows(config.get("conditions")),
                                           condition_config.logic_of(config),
                                           now=ctx.now or datetime.now(UTC), resolve=resolver)
        except ConditionError as exc:
            raise ShapeError(f"The filter's conditions are not valid: {exc}") from exc
        out: Bucket = []
        seen = removed = emptied = 0
        for number, payload in enumerate(ctx.bucket, start=1):
            ctx.check_deadline()
            source = read_structured(payload, number, "Filter")
            data = source.data
            # Tokens in a condition read the data, so an XML or CSV payload is seen parsed.
            resolver.use(payload if data is payload.data else Payload(data=data, meta=payload.meta))
            try:
                if isinstance(data, list):
                    kept = filter_records(data, predicate, keep)
                    seen += len(data)
                    removed += len(data) - len(kept)
                    if not kept:
                        emptied += 1
                    elif len(kept) == len(data):
                        out.append(payload)  # untouched, in its own format
                    else:
                        out.append(with_records(payload, source, kept))
                else:  # an object (or scalar) payload is one record: kept or removed whole
                    seen += 1
                    if bool(predicate(data)) is keep:
                        out.append(payload)
                    else:
                        removed += 1
                        emptied += 1
            except variables.VariableError as exc:
                raise ShapeError(str(exc)) from exc
        message = f"Filter removed {_plural(removed, 'record')} of {seen:,}"
        if emptied:
            verb = "was" if emptied == 1 else "were"
            message += f"; {_plural(emptied, 'payload')} left with no records {verb} dropped"
        ctx.log("info", message + ".")
        return out
