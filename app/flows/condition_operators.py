"""Condition operators: the per-type table the settings form lists, name aliases, and value tests built once."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.flows import condition_values as cv
from app.markers import N_, gettext

RANGE_SEPARATOR = ".."

Test = Callable[[Any], bool]


@dataclass(frozen=True)
class Operator:
    name: str
    label: str  # English, marked with N_: translate where shown
    needs_value: bool


class ValueProblem(Exception):
    """A condition value (or type/operator) that cannot be used; the text is shown to the user."""


def _ops(*rows: tuple[str, str, bool]) -> tuple[Operator, ...]:
    return tuple(Operator(*row) for row in rows)


_EMPTY_OPS = (("is_empty", N_("is empty"), False), ("is_not_empty", N_("is not empty"), False))

TYPES = {
    "string": N_("String"),
    "number": N_("Number"),
    "specific_date": N_("Specific date"),
    "dynamic_date": N_("Dynamic date"),
    "boolean": N_("Boolean"),
}

OPERATORS: dict[str, tuple[Operator, ...]] = {
    "string": _ops(
        ("equals", N_("equals"), True),
        ("not_equals", N_("does not equal"), True),
        ("contains", N_("contains"), True),
        ("not_contains", N_("does not contain"), True),
        ("starts_with", N_("starts with"), True),
        ("ends_with", N_("ends with"), True),
        ("one_of", N_("contains one of many"), True),
        ("not_one_of", N_("does not contain one of many"), True),
        ("regex", N_("matches regex"), True),
        ("not_regex", N_("does not match regex"), True),
        ("equals_ci", N_("equals (ignore case)"), True),
        ("not_equals_ci", N_("does not equal (ignore case)"), True),
        ("contains_ci", N_("contains (ignore case)"), True),
        ("not_contains_ci", N_("does not contain (ignore case)"), True),
        ("starts_with_ci", N_("starts with (ignore case)"), True),
        ("ends_with_ci", N_("ends with (ignore case)"), True),
        ("one_of_ci", N_("contains one of many (ignore case)"), True),
        ("not_one_of_ci", N_("does not contain one of many (ignore case)"), True),
        *_EMPTY_OPS,
    ),
    "number": _ops(
        ("equals", "=", True),
        ("not_equals", "!=", True),
        ("greater_than", ">", True),
        ("greater_or_equal", ">=", True),
        ("less_than", "<", True),
        ("less_or_equal", "<=", True),
        ("between", N_("between"), True),
        *_EMPTY_OPS,
    ),
    "specific_date": _ops(
        ("before", N_("is before"), True),
        ("after", N_("is after"), True),
        ("on", N_("is on (same UTC day)"), True),
        ("equals", N_("is exactly"), True),
        ("between", N_("is between"), True),
        *_EMPTY_OPS,
    ),
    "dynamic_date": _ops(
        ("within_last", N_("is within the last"), True),
        ("older_than", N_("is older than"), True),
        ("within_next", N_("is within the next"), True),
        ("beyond_next", N_("is further ahead than"), True),
        ("before", N_("is before now +/-"), True),
        ("after", N_("is after now +/-"), True),
        *_EMPTY_OPS,
    ),
    "boolean": _ops(("is_true", N_("is true"), False), ("is_false", N_("is false"), False), *_EMPTY_OPS),
}

# Each negative operator is exactly NOT its positive twin, including for null and missing fields.
NEGATIONS = {
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


def option_name(text: str) -> str:
    """`Contains one of many` -> `contains_one_of_many`, so labels and names can be looked up alike."""
    return re.sub(r"[\s\-]+", "_", (text or "").strip().lower())


OPERATOR_NAMES = {t: {op.name: op for op in ops} for t, ops in OPERATORS.items()}
_OPERATOR_ALIASES = {
    t: {**_SYMBOLS, **{option_name(op.label): op.name for op in ops}, **{op.name: op.name for op in ops}}
    for t, ops in OPERATORS.items()
}


def canonical_type(type_: str) -> str | None:
    name = option_name(type_)
    name = _TYPE_ALIASES.get(name, name)
    return name if name in TYPES else None


def canonical_operator(type_: str, operator: str) -> str | None:
    name = _OPERATOR_ALIASES.get(type_, {}).get(option_name(operator))
    return name if name in OPERATOR_NAMES.get(type_, {}) else None


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
        raise ValueProblem(gettext("invalid regular expression: %(error)s", error=exc)) from None


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
        raise ValueProblem(gettext("'%(operator)s' needs a non-empty value", operator=op))
    if base == "regex":
        search = compile_regex(value).search
        return _text_test(lambda s: search(s) is not None)
    if base == "one_of":
        items = frozenset((_fold(i) if ci else i) for i in (p.strip() for p in value.split(",")) if i)
        if not items:
            raise ValueProblem(gettext("list a few values separated by commas"))
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
        raise ValueProblem(gettext("%(value)s is not a number", value=repr(text)))
    return number


def _split_range(text: str) -> tuple[str, str]:
    parts = text.split(RANGE_SEPARATOR)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise ValueProblem(gettext("'between' needs two values separated by '%(separator)s', e.g. 10..20",
                                   separator=RANGE_SEPARATOR))
    return parts[0].strip(), parts[1].strip()


def _number_test(op: str, value: str) -> Test:
    if op == "between":
        lo, hi = (_number(p) for p in _split_range(value))
        if lo > hi:
            raise ValueProblem(gettext("range %(value)s is empty (the first value is larger)", value=repr(value)))
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
        if date_format:
            raise ValueProblem(gettext("%(value)s is not a date with format %(format)s", value=repr(text),
                                       format=repr(date_format)))
        raise ValueProblem(gettext("%(value)s is not a date (use ISO 8601, e.g. 2024-03-01T09:30:00Z)",
                                   value=repr(text)))
    return interval


def _specific_date_check(op: str, value: str, date_format: str | None) -> Callable[[float], bool]:
    if op == "between":
        (lo, _), (b_start, b_end) = (_date_value(p, date_format) for p in _split_range(value))
        if b_end > b_start:
            if lo >= b_end:
                raise ValueProblem(gettext("range %(value)s is empty", value=repr(value)))
            return lambda t: lo <= t < b_end
        if lo > b_start:
            raise ValueProblem(gettext("range %(value)s is empty", value=repr(value)))
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
        raise ValueProblem(gettext("%(value)s is not a duration (e.g. '2 hours', '30 days', '-1 month')",
                                   value=repr(value)))
    sign, amount, unit = duration
    if op in ("before", "after"):
        if not cv.has_sign(value):
            raise ValueProblem(gettext("'%(operator)s' needs a signed offset such as -2 days or +1 hour", operator=op))
        edge = cv.shift(now, sign, amount, unit)
        return (lambda t: t < edge) if op == "before" else (lambda t: t > edge)
    if sign < 0:
        raise ValueProblem(gettext("'%(operator)s' takes a plain amount such as '2 days', without a minus sign",
                                   operator=op))
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


def build_test(type_: str, op: str, value: str | None, date_format: str | None, now: datetime) -> Test:
    """Test one raw field value for a positive operator; raises ValueProblem for an unusable value."""
    if op == "is_empty":
        return cv.is_empty
    if type_ == "boolean":
        as_bool = cv.as_bool
        return (lambda v: as_bool(v) is True) if op == "is_true" else (lambda v: as_bool(v) is False)
    if value is None:
        raise ValueProblem(gettext("a value is required"))
    if type_ == "string":
        return _string_test(op, value)
    if type_ == "number":
        return _number_test(op, value)
    if date_format:
        error = cv.date_format_error(date_format)
        if error:
            raise ValueProblem(error)
    parse = cv.date_parser(date_format)
    if type_ == "specific_date":
        return _date_test(parse, _specific_date_check(op, value, date_format))
    return _date_test(parse, _dynamic_date_check(op, value, now))
