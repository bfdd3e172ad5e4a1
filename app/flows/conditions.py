"""Filter and route conditions: validation, record predicates compiled once per step, filtering and routing."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.flows import condition_values as cv
from app.flows.condition_operators import (
    NEGATIONS,
    OPERATOR_NAMES,
    OPERATORS,
    RANGE_SEPARATOR,
    TYPES,
    Operator,
    Test,
    ValueProblem,
    build_test,
    canonical_operator,
    canonical_type,
    option_name,
)
from app.flows.paths import MISSING, Many, PathError, compile_path, parse_path
from app.flows.problems import joined
from app.markers import gettext

__all__ = ["MAX_VALUE_LENGTH", "OPERATORS", "RANGE_SEPARATOR", "TYPES", "Condition", "ConditionError", "Operator",
           "compile_conditions", "filter_records", "route_records", "validate_condition"]

MAX_VALUE_LENGTH = 1024

Predicate = Callable[[Any], bool]


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    type: str
    value: str | None
    date_format: str | None = None


class ConditionError(ValueError):
    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


def _canonical(c: Condition) -> tuple[str, str, str | None]:
    """Return (type, operator, value) in canonical names; raises ValueProblem for unknown ones."""
    type_ = canonical_type(c.type)
    if type_ is None:
        raise ValueProblem(gettext("unknown type %(type)s (expected one of: %(types)s)", type=repr(c.type),
                                   types=", ".join(gettext(name) for name in TYPES.values())))
    # Imported JSON may carry numbers or booleans as values; conditions work on their text.
    value = c.value if c.value is None or isinstance(c.value, str) else cv.as_text(c.value)
    if type_ == "boolean" and option_name(c.operator) in ("equals", "=", "==", "is"):
        # Imported flows express booleans as "equals true/false".
        flag = cv.as_bool(value)
        if flag is None:
            raise ValueProblem(gettext("boolean value must be true or false, not %(value)s", value=repr(value)))
        return type_, "is_true" if flag else "is_false", None
    op = canonical_operator(type_, c.operator)
    if op is None:
        names = ", ".join(gettext(o.label) for o in OPERATORS[type_])
        raise ValueProblem(gettext("operator %(operator)s does not apply to %(type)s (choose: %(names)s)",
                                   operator=repr(c.operator), type=gettext(TYPES[type_]), names=names))
    return type_, op, value


# --- public API --------------------------------------------------------------------------------

def _has_variables(text: str | None) -> bool:
    return bool(text) and "[[" in text


def validate_condition(c: Condition) -> list[str]:
    """Human-readable problems with one condition; empty when it can be compiled."""
    label = gettext("Condition on %(field)s", field=repr(c.field)) if c.field else gettext("Condition")
    errors: list[str] = []
    if not isinstance(c.field, str) or not c.field.strip():
        errors.append(gettext("Condition: choose a field"))
    elif not _has_variables(c.field):
        try:
            parse_path(c.field)
        except PathError as exc:
            errors.append(joined(label, exc))
    if isinstance(c.value, str) and len(c.value) > MAX_VALUE_LENGTH:
        errors.append(gettext("%(where)s: value is longer than %(max)d characters", where=label, max=MAX_VALUE_LENGTH))
    try:
        type_, op, value = _canonical(c)
    except ValueProblem as exc:
        return errors + [joined(label, exc)]
    needs_value = OPERATOR_NAMES[type_][op].needs_value
    if needs_value and (value is None or (type_ != "string" and not value.strip())):
        errors.append(gettext("%(where)s: '%(operator)s' needs a value", where=label, operator=op))
    elif needs_value and not _has_variables(value) and not errors:
        # Variables are only known per record, so their values are checked at run time.
        try:
            build_test(type_, NEGATIONS.get(op, op), value, c.date_format, datetime.now(cv.UTC))
        except ValueProblem as exc:
            errors.append(joined(label, exc))
    elif c.date_format and type_ in ("specific_date", "dynamic_date"):
        error = cv.date_format_error(c.date_format)
        if error:
            errors.append(joined(label, error))
    return errors


def compile_getter(path: str) -> Callable[[Any], Any]:
    """`get(record)`: the value at `path`, MISSING, or a Many when the path went through arrays.

    Conditions read paths with the product's one syntax (app/flows/paths.py) and its `cross_arrays`
    option, so a name meeting an array crosses it (`lines.sku` is `lines.*.sku`)."""
    return compile_path(path, cross_arrays=True)


def _missing_getter(_record: Any, default: Any = MISSING) -> Any:
    return default


def _getter_or_missing(path: str) -> Callable[[Any], Any]:
    try:
        return compile_getter(path)
    except PathError:
        return _missing_getter  # a per-record field that does not parse finds nothing


def _apply(test: Test, value: Any) -> bool:
    if type(value) is Many:
        # Through an array, any element matching is enough; no element at all is "missing".
        return any(map(test, value)) if value else test(MISSING)
    return test(value)


def _never(_value: Any) -> bool:
    return False


def _bounded_cache(build: Callable[[str], Any]) -> Callable[[str], Any]:
    cache: dict[str, Any] = {}

    def get(key: str) -> Any:
        hit = cache.get(key)
        if hit is None:
            if len(cache) >= 1024:
                cache.clear()
            hit = cache[key] = build(key)
        return hit
    return get


def _resolved(resolve: Callable, text: str, record: Any) -> str:
    result = resolve(text, record)
    return "" if result is None else str(result)


def _condition_predicate(c: Condition, now: datetime, resolve: Callable | None) -> Predicate:
    type_, op, value = _canonical(c)
    negate = op in NEGATIONS
    positive = NEGATIONS.get(op, op)
    needs_value = OPERATOR_NAMES[type_][op].needs_value
    dynamic_value = resolve is not None and needs_value and _has_variables(value)
    dynamic_field = resolve is not None and _has_variables(c.field)

    if not dynamic_value and not dynamic_field:
        get, test = _getter_or_missing(c.field), build_test(type_, positive, value, c.date_format, now)

        def static(record: Any) -> bool:
            found = get(record)
            if type(found) is Many:
                return _apply(test, found) is not negate
            return test(found) is not negate
        return static

    def test_for(text: str) -> Test:
        try:
            return build_test(type_, positive, text, c.date_format, now)
        except ValueProblem:
            return _never  # a per-record value that does not parse never matches
    tests = _bounded_cache(test_for)
    getters = _bounded_cache(_getter_or_missing)
    fixed_test = None if dynamic_value else build_test(type_, positive, value, c.date_format, now)
    fixed_get = None if dynamic_field else _getter_or_missing(c.field)

    def dynamic(record: Any) -> bool:
        test = fixed_test or tests(_resolved(resolve, value, record))
        get = fixed_get or getters(_resolved(resolve, c.field, record))
        return _apply(test, get(record)) is not negate
    return dynamic


def _always(_record: Any) -> bool:
    return True


def compile_conditions(conditions: Iterable[Condition], logic: str = "and", *, now: datetime,
                       resolve: Callable[[str, Any], str] | None = None) -> Predicate:
    """One predicate for all conditions; no conditions match every record. Raises ConditionError."""
    logic = (logic or "and").strip().lower()
    if logic not in ("and", "or"):
        raise ConditionError([f"logic must be 'and' or 'or', not {logic!r}"])
    conditions = list(conditions)
    errors = [e for c in conditions for e in validate_condition(c)]
    if errors:
        raise ConditionError(errors)
    moment = cv.utc_now(now)
    preds = [_condition_predicate(c, moment, resolve) for c in conditions]
    if not preds:
        return _always
    if len(preds) == 1:
        return preds[0]
    # Unrolled for the common small cases: this runs once per record per step.
    if len(preds) == 2:
        a, b = preds
        return (lambda r: a(r) and b(r)) if logic == "and" else (lambda r: a(r) or b(r))
    if len(preds) == 3:
        a, b, c3 = preds
        return (lambda r: a(r) and b(r) and c3(r)) if logic == "and" else (lambda r: a(r) or b(r) or c3(r))
    if logic == "and":
        return lambda r: all(p(r) for p in preds)
    return lambda r: any(p(r) for p in preds)


def filter_records(records: Iterable[Any], predicate: Predicate, keep_matching: bool) -> list:
    """keep_matching ON keeps the matches; OFF removes them and keeps everything else."""
    if keep_matching:
        return [r for r in records if predicate(r)]
    return [r for r in records if not predicate(r)]


def route_split(records: Iterable[Any], predicates: Sequence[Predicate | None],
                follow: str = "all") -> tuple[list[list], int]:
    """(the records each route matches, by position; how many records matched no route).

    None matches every record. With "first" a record goes down the first route it matches only."""
    if follow not in ("all", "first"):
        raise ValueError(f"follow must be 'all' or 'first', not {follow!r}")
    records = records if isinstance(records, list) else list(records)
    outs: list[list] = [[] for _ in predicates]
    if not records:
        return outs, 0
    legs = [(out, pred or _always) for out, pred in zip(outs, predicates, strict=True)]
    if follow == "all" and any(pred is None for pred in predicates):
        # A route without conditions takes every record, so none is dropped: filter route by route.
        for out, pred in legs:
            out.extend(filter(pred, records))
        return outs, 0
    dropped = 0
    if follow == "all":
        for record in records:
            hit = False
            for out, pred in legs:
                if pred(record):
                    out.append(record)
                    hit = True
            if not hit:
                dropped += 1
        return outs, dropped
    for record in records:
        for out, pred in legs:
            if pred(record):
                out.append(record)
                break
        else:
            dropped += 1
    return outs, dropped


def route_records(records: Iterable[Any], routes: Sequence[tuple[str, Predicate | None]],
                  follow: str = "all") -> dict[str, list]:
    """Each route gets the records it matches (None matches all); records matching no route are dropped."""
    if follow not in ("all", "first"):
        raise ValueError(f"follow must be 'all' or 'first', not {follow!r}")
    names = [name for name, _ in routes]
    if len(set(names)) != len(names):
        raise ValueError("route names must be unique")
    outs, _dropped = route_split(records, [pred for _, pred in routes], follow)
    return dict(zip(names, outs, strict=True))
