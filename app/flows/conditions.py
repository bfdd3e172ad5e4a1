"""Filter and route conditions: typed operators, validation, and record predicates compiled once per step."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.flows import condition_values as cv
from app.flows.record_paths import MISSING, Many, compile_getter

MAX_VALUE_LENGTH = 1024
RANGE_SEPARATOR = ".."

Predicate = Callable[[Any], bool]
Test = Callable[[Any], bool]


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    type: str
    value: str | None
    date_format: str | None = None


@dataclass(frozen=True)
class Operator:
    name: str
    label: str
    needs_value: bool


class ConditionError(ValueError):
    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


def _ops(*rows: tuple[str, str, bool]) -> tuple[Operator, ...]:
    return tuple(Operator(*row) for row in rows)


_EMPTY_OPS = (("is_empty", "is empty", False), ("is_not_empty", "is not empty", False))

TYPES = {
    "string": "String",
    "number": "Number",
    "specific_date": "Specific date",
    "dynamic_date": "Dynamic date",
    "boolean": "Boolean",
}

OPERATORS: dict[str, tuple[Operator, ...]] = {
    "string": _ops(
        ("equals", "equals", True),
        ("not_equals", "does not equal", True),
        ("contains", "contains", True),
        ("not_contains", "does not contain", True),
        ("starts_with", "starts with", True),
        ("ends_with", "ends with", True),
        ("one_of", "contains one of many", True),
        ("not_one_of", "does not contain one of many", True),
        ("regex", "matches regex", True),
        ("not_regex", "does not match regex", True),
        ("equals_ci", "equals (ignore case)", True),
        ("not_equals_ci", "does not equal (ignore case)", True),
        ("contains_ci", "contains (ignore case)", True),
        ("not_contains_ci", "does not contain (ignore case)", True),
        ("starts_with_ci", "starts with (ignore case)", True),
        ("ends_with_ci", "ends with (ignore case)", True),
        ("one_of_ci", "contains one of many (ignore case)", True),
        ("not_one_of_ci", "does not contain one of many (ignore case)", True),
        *_EMPTY_OPS,
    ),
    "number": _ops(
        ("equals", "=", True),
        ("not_equals", "!=", True),
        ("greater_than", ">", True),
        ("greater_or_equal", ">=", True),
        ("less_than", "<", True),
        ("less_or_equal", "<=", True),
        ("between", "between", True),
        *_EMPTY_OPS,
    ),
    "specific_date": _ops(
        ("before", "is before", True),
        ("after", "is after", True),
        ("on", "is on (same UTC day)", True),
        ("equals", "is exactly", True),
        ("between", "is between", True),
        *_EMPTY_OPS,
    ),
    "dynamic_date": _ops(
        ("within_last", "is within the last", True),
        ("older_than", "is older than", True),
        ("within_next", "is within the next", True),
        ("beyond_next", "is further ahead than", True),
        ("before", "is before now +/-", True),
        ("after", "is after now +/-", True),
        *_EMPTY_OPS,
    ),
    "boolean": _ops(("is_true", "is true", False), ("is_false", "is false", False), *_EMPTY_OPS),
}

# Each negative operator is exactly NOT its positive twin, including for null and missing fields.
_NEGATIONS = {
    "not_equals": "equals", "not_contains": "contains", "not_one_of": "one_of", "not_regex": "regex",
    "not_equals_ci": "equals_ci", "not_contains_ci": "contains_ci", "not_one_of_ci": "one_of_ci",
    "is_not_empty": "is_empty",
}

_TYPE_ALIASES = {"text": "string", "str": "string", "numeric": "number", "integer": "number",
                 "float": "number", "date": "specific_date", "datetime": "specific_date",
                 "relative_date": "dynamic_date", "bool": "boolean"}
_SYMBOLS = {"=": "equals", "==": "equals", "eq": "equals", "!=": "not_equals", "<>": "not_equals",
            "ne": "not_equals", "neq": "not_equals", ">": "greater_than", "gt": "greater_than",
            ">=": "greater_or_equal", "gte": "greater_or_equal", "ge": "greater_or_equal",
            "<": "less_than", "lt": "less_than", "<=": "less_or_equal", "lte": "less_or_equal",
            "le": "less_or_equal", "in": "one_of", "not_in": "not_one_of", "not_equal": "not_equals",
            "does_not_contain": "not_contains"}


def _slug(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", (text or "").strip().lower())


_OPERATOR_NAMES = {t: {op.name: op for op in ops} for t, ops in OPERATORS.items()}
_OPERATOR_ALIASES = {
    t: {**_SYMBOLS, **{_slug(op.label): op.name for op in ops}, **{op.name: op.name for op in ops}}
    for t, ops in OPERATORS.items()
}


def canonical_type(type_: str) -> str | None:
    slug = _slug(type_)
    slug = _TYPE_ALIASES.get(slug, slug)
    return slug if slug in TYPES else None


def canonical_operator(type_: str, operator: str) -> str | None:
    name = _OPERATOR_ALIASES.get(type_, {}).get(_slug(operator))
    return name if name in _OPERATOR_NAMES.get(type_, {}) else None


def _canonical(c: Condition) -> tuple[str, str, str | None]:
    """Return (type, operator, value) in canonical names; raises _Bad for unknown ones."""
    type_ = canonical_type(c.type)
    if type_ is None:
        raise _Bad(f"unknown type {c.type!r} (expected one of: {', '.join(TYPES.values())})")
    value = c.value
    if type_ == "boolean" and _slug(c.operator) in ("equals", "=", "==", "is"):
        # Imported flows express booleans as "equals true/false".
        flag = cv.as_bool(value)
        if flag is None:
            raise _Bad(f"boolean value must be true or false, not {value!r}")
        return type_, "is_true" if flag else "is_false", None
    op = canonical_operator(type_, c.operator)
    if op is None:
        names = ", ".join(o.label for o in OPERATORS[type_])
        raise _Bad(f"operator {c.operator!r} does not apply to {TYPES[type_]} (choose: {names})")
    return type_, op, value


class _Bad(Exception):
    pass


# --- building value tests --------------------------------------------------------------------

def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text.casefold())


_REGEX_DELIMITED = re.compile(r"([/#~])(.*)\1([imsxu]*)", re.DOTALL)
_REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "u": 0}


def compile_regex(value: str) -> re.Pattern:
    """Python `re`, searched anywhere; PHP-style `/pattern/flags` and `(?<name>…)` are accepted."""
    pattern, flags = value, 0
    match = _REGEX_DELIMITED.fullmatch(value)
    if match:
        pattern = match.group(2)
        for letter in match.group(3):
            flags |= _REGEX_FLAGS[letter]
    pattern = re.sub(r"\(\?<(?![=!])", "(?P<", pattern)
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise _Bad(f"invalid regular expression: {exc}") from None


def _text_test(check: Callable[[str], Any]) -> Test:
    def test(value: Any) -> bool:
        if type(value) is str:
            return bool(check(value))
        text = cv.as_text(value)
        return text is not None and bool(check(text))
    return test


def _string_test(op: str, value: str) -> Test:
    ci = op.endswith("_ci")
    base = op[:-3] if ci else op
    if base != "equals" and not value:
        raise _Bad(f"'{op}' needs a non-empty value")
    if base == "regex":
        search = compile_regex(value).search
        return _text_test(lambda s: search(s) is not None)
    if base == "one_of":
        items = frozenset((_fold(i) if ci else i) for i in (p.strip() for p in value.split(",")) if i)
        if not items:
            raise _Bad("list a few values separated by commas")
        return _text_test((lambda s: _fold(s) in items) if ci else items.__contains__)
    target = _fold(value) if ci else value
    checks = {
        "equals": lambda s: s == target,
        "contains": lambda s: target in s,
        "starts_with": lambda s: s.startswith(target),
        "ends_with": lambda s: s.endswith(target),
    }
    check = checks[base]
    return _text_test((lambda s: check(_fold(s))) if ci else check)


def _number(text: str) -> int | float:
    number = cv.as_number(text)
    if number is None:
        raise _Bad(f"{text!r} is not a number")
    return number


def _split_range(text: str) -> tuple[str, str]:
    parts = text.split(RANGE_SEPARATOR)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise _Bad(f"'between' needs two values separated by '{RANGE_SEPARATOR}', e.g. 10..20")
    return parts[0].strip(), parts[1].strip()


def _number_test(op: str, value: str) -> Test:
    if op == "between":
        lo, hi = (_number(p) for p in _split_range(value))
        if lo > hi:
            raise _Bad(f"range {value!r} is empty (the first value is larger)")
        check: Callable[[Any], bool] = lambda n: lo <= n <= hi  # noqa: E731
    else:
        target = _number(value)
        check = {
            "equals": lambda n: n == target,
            "greater_than": lambda n: n > target,
            "greater_or_equal": lambda n: n >= target,
            "less_than": lambda n: n < target,
            "less_or_equal": lambda n: n <= target,
        }[op]
    as_number = cv.as_number

    def test(value: Any) -> bool:
        number = as_number(value)
        return number is not None and check(number)
    return test


def _date_value(text: str, date_format: str | None) -> tuple[float, float]:
    interval = cv.parse_date_value(text, date_format)
    if interval is None:
        hint = f" with format {date_format!r}" if date_format else " (use ISO 8601, e.g. 2024-03-01T09:30:00Z)"
        raise _Bad(f"{text!r} is not a date{hint}")
    return interval


def _specific_date_check(op: str, value: str, date_format: str | None) -> Callable[[float], bool]:
    if op == "between":
        (lo, _), (b_start, b_end) = (_date_value(p, date_format) for p in _split_range(value))
        if b_end > b_start:
            if lo >= b_end:
                raise _Bad(f"range {value!r} is empty")
            return lambda t: lo <= t < b_end
        if lo > b_start:
            raise _Bad(f"range {value!r} is empty")
        return lambda t: lo <= t <= b_start
    start, end = _date_value(value, date_format)
    whole_day = end > start
    if op == "before":
        return lambda t: t < start
    if op == "after":
        return (lambda t: t >= end) if whole_day else (lambda t: t > start)
    if op == "equals" and not whole_day:
        return lambda t: t == start
    day_start, day_end = (start, end) if whole_day else cv.day_of(start)
    return lambda t: day_start <= t < day_end


def _dynamic_date_check(op: str, value: str, now: datetime) -> Callable[[float], bool]:
    duration = cv.parse_duration(value)
    if duration is None:
        raise _Bad(f"{value!r} is not a duration (e.g. '2 hours', '30 days', '-1 month')")
    sign, amount, unit = duration
    if op in ("before", "after"):
        if not cv.has_sign(value):
            raise _Bad(f"'{op}' needs a signed offset such as -2 days or +1 hour")
        edge = cv.shift(now, sign, amount, unit)
        return (lambda t: t < edge) if op == "before" else (lambda t: t > edge)
    if sign < 0:
        raise _Bad(f"'{op}' takes a plain amount such as '2 days', without a minus sign")
    current = now.timestamp()
    past, future = cv.shift(now, -1, amount, unit), cv.shift(now, 1, amount, unit)
    return {
        "within_last": lambda t: past <= t <= current,
        "older_than": lambda t: t < past,
        "within_next": lambda t: current <= t <= future,
        "beyond_next": lambda t: t > future,
    }[op]


def _date_test(parse: Callable[[Any], float | None], check: Callable[[float], bool]) -> Test:
    def test(value: Any) -> bool:
        timestamp = parse(value)
        return timestamp is not None and check(timestamp)
    return test


def _build_test(type_: str, op: str, value: str | None, date_format: str | None, now: datetime) -> Test:
    """Test one raw field value for a positive operator; raises _Bad for an unusable value."""
    if op == "is_empty":
        return cv.is_empty
    if type_ == "boolean":
        as_bool = cv.as_bool
        return (lambda v: as_bool(v) is True) if op == "is_true" else (lambda v: as_bool(v) is False)
    if value is None:
        raise _Bad("a value is required")
    if type_ == "string":
        return _string_test(op, value)
    if type_ == "number":
        return _number_test(op, value)
    if date_format:
        error = cv.date_format_error(date_format)
        if error:
            raise _Bad(error)
    parse = cv.date_parser(date_format)
    if type_ == "specific_date":
        return _date_test(parse, _specific_date_check(op, value, date_format))
    return _date_test(parse, _dynamic_date_check(op, value, now))


# --- public API --------------------------------------------------------------------------------

def _has_variables(text: str | None) -> bool:
    return bool(text) and "[[" in text


def validate_condition(c: Condition) -> list[str]:
    """Human-readable problems with one condition; empty when it can be compiled."""
    label = f"Condition on {c.field!r}" if c.field else "Condition"
    errors: list[str] = []
    if not (c.field or "").strip():
        errors.append("Condition: choose a field")
    if c.value is not None and len(c.value) > MAX_VALUE_LENGTH:
        errors.append(f"{label}: value is longer than {MAX_VALUE_LENGTH} characters")
    try:
        type_, op, value = _canonical(c)
    except _Bad as exc:
        return errors + [f"{label}: {exc}"]
    needs_value = _OPERATOR_NAMES[type_][op].needs_value
    if needs_value and (value is None or (type_ != "string" and not value.strip())):
        errors.append(f"{label}: '{op}' needs a value")
    elif needs_value and not _has_variables(value) and not errors:
        # Variables are only known per record, so their values are checked at run time.
        try:
            _build_test(type_, _NEGATIONS.get(op, op), value, c.date_format, datetime.now(cv.UTC))
        except _Bad as exc:
            errors.append(f"{label}: {exc}")
    elif c.date_format and type_ in ("specific_date", "dynamic_date"):
        error = cv.date_format_error(c.date_format)
        if error:
            errors.append(f"{label}: {error}")
    return errors


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


def _condition_predicate(c: Condition, now: datetime, resolve: Callable | None) -> Predicate:
    type_, op, value = _canonical(c)
    negate = op in _NEGATIONS
    positive = _NEGATIONS.get(op, op)
    needs_value = _OPERATOR_NAMES[type_][op].needs_value
    dynamic_value = resolve is not None and needs_value and _has_variables(value)
    dynamic_field = resolve is not None and _has_variables(c.field)

    if not dynamic_value and not dynamic_field:
        get, test = compile_getter(c.field), _build_test(type_, positive, value, c.date_format, now)

        def static(record: Any) -> bool:
            found = get(record)
            if type(found) is Many:
                return _apply(test, found) is not negate
            return test(found) is not negate
        return static

    def build_test(text: str) -> Test:
        try:
            return _build_test(type_, positive, text, c.date_format, now)
        except _Bad:
            return _never  # a per-record value that does not parse never matches
    tests = _bounded_cache(build_test)
    getters = _bounded_cache(compile_getter)
    fixed_test = None if dynamic_value else _build_test(type_, positive, value, c.date_format, now)
    fixed_get = None if dynamic_field else compile_getter(c.field)

    def dynamic(record: Any) -> bool:
        test = fixed_test or tests(resolve(value, record))
        get = fixed_get or getters(resolve(c.field, record))
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


def route_records(records: Iterable[Any], routes: Sequence[tuple[str, Predicate | None]],
                  follow: str = "all") -> dict[str, list]:
    """Each route gets the records it matches (None matches all); records matching no route are dropped."""
    if follow not in ("all", "first"):
        raise ValueError(f"follow must be 'all' or 'first', not {follow!r}")
    names = [name for name, _ in routes]
    if len(set(names)) != len(names):
        raise ValueError("route names must be unique")
    out: dict[str, list] = {name: [] for name in names}
    legs = [(out[name], pred or _always) for name, pred in routes]
    records = records if isinstance(records, list) else list(records)
    if follow == "all":
        for bucket, pred in legs:
            bucket.extend(filter(pred, records))
        return out
    for record in records:
        for bucket, pred in legs:
            if pred(record):
                bucket.append(record)
                break
    return out
