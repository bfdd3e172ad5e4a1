"""Filter: keeps or removes the records inside each payload that match its conditions (docs/shapes.md#filter)."""
from __future__ import annotations

from datetime import UTC, datetime

from app.flows import condition_config, condition_operators, variables
from app.flows.conditions import ConditionError, compile_conditions, filter_records
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.shapes.base import Shape, read_structured, with_records
from app.markers import N_, gettext, ngettext

SETTINGS = ("conditions", "logic", "keep_matching", "source")  # source: schema helper for the field picker


def operator_label(row: dict) -> str:
    """The operator of a condition row as the settings form names it, in the current language."""
    type_ = condition_operators.canonical_type(str(row.get("type") or "string")) or "string"
    name = condition_operators.canonical_operator(type_, str(row.get("operator") or ""))
    if name is None:
        return str(row.get("operator") or "?")
    return gettext(condition_operators.OPERATOR_NAMES[type_][name].label)


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
        problems = [gettext("Unknown setting %(key)s.", key=repr(key)) for key in config if key not in SETTINGS]
        rows = config.get("conditions")
        if not rows:
            problems.append(gettext("Add at least one condition."))
        problems += condition_config.validate_rows(rows)
        problems += condition_config.validate_logic(config.get("logic"))
        keep = config.get("keep_matching", True)
        if not isinstance(keep, bool):
            problems.append(gettext("Keep matching must be true or false, not %(value)s.", value=repr(keep)))
        return problems

    def summary(self, config: dict) -> str:
        rows = config.get("conditions") or []
        keep = config.get("keep_matching", True)
        if len(rows) == 1 and isinstance(rows[0], dict):
            row = rows[0]
            value = row.get("value")
            shown = f" {value}" if value not in (None, "") else ""
            words = dict(field=row.get("field", "?"), operator=operator_label(row), value=shown)
            return (gettext("keep where %(field)s %(operator)s%(value)s", **words) if keep
                    else gettext("remove where %(field)s %(operator)s%(value)s", **words))
        joiner = condition_config.logic_of(config).upper()
        if keep:
            return ngettext("keep where %(num)d condition matches (%(logic)s)",
                            "keep where %(num)d conditions match (%(logic)s)", len(rows), logic=joiner)
        return ngettext("remove where %(num)d condition matches (%(logic)s)",
                        "remove where %(num)d conditions match (%(logic)s)", len(rows), logic=joiner)

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
