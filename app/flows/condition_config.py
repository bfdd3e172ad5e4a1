"""Conditions as shapes store them: config rows to Conditions, deploy-time checks, and variables per payload.

The filter shape and each leg of the route shape hold `{"conditions": [...], "logic": "and"|"or"}`;
each row is `{"field", "operator", "type", "value", "date_format"}` (see docs/filters.md).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.flows import variables
from app.flows.conditions import Condition, validate_condition
from app.flows.problems import Problem, joined
from app.markers import gettext

ROW_KEYS = ("field", "operator", "type", "value", "date_format")
LOGICS = ("and", "or")
_SQUARE = ("[[",)
_UNSET: Any = object()


def logic_of(config: dict) -> str:
    """The configured logic, lower case; "and" when absent."""
    logic = config.get("logic")
    return "and" if logic is None else str(logic).strip().lower()


def validate_logic(value: Any) -> list[str]:
    if value is None or (isinstance(value, str) and value.strip().lower() in LOGICS):
        return []
    return [gettext("Logic must be 'and' or 'or', not %(value)s.", value=repr(value))]


def _row_problems(row: Any, number: int) -> list[str]:
    where = gettext("Condition %(number)d", number=number)
    if not isinstance(row, dict):
        return [gettext("%(where)s: must be an object with field, operator, type and value.", where=where)]
    problems = [gettext("%(where)s: unknown setting %(key)s.", where=where, key=repr(key))
                for key in row if key not in ROW_KEYS]
    if not isinstance(row.get("operator"), str) or not row["operator"].strip():
        problems.append(gettext("%(where)s: choose an operator.", where=where))
    if not isinstance(row.get("type"), str) or not row["type"].strip():
        problems.append(gettext("%(where)s: choose a type.", where=where))
    value = row.get("value")
    if value is not None and not isinstance(value, (str, int, float)):
        problems.append(gettext("%(where)s: the value must be text, a number or true/false.", where=where))
    date_format = row.get("date_format")
    if date_format is not None and not isinstance(date_format, str):
        problems.append(gettext("%(where)s: the date format must be text.", where=where))
    for key in ("field", "value"):
        if isinstance(row.get(key), str):
            problems += [joined(where, p) for p in variables.validate(row[key], None, brackets=_SQUARE)]
    return problems


def to_condition(row: dict) -> Condition:
    date_format = row.get("date_format") or None
    return Condition(field=row.get("field") or "", operator=row.get("operator") or "", type=row.get("type") or "",
                     value=row.get("value"), date_format=date_format)


def parse_rows(rows: list[dict] | None) -> list[Condition]:
    """Config rows as Conditions (after validate_rows found nothing wrong)."""
    return [to_condition(row) for row in rows or []]


def validate_rows(rows: Any) -> list[Problem]:
    """Every problem with a list of condition rows, as sentences (Problems naming their row); [] when they
    can be compiled."""
    if rows is None:
        return []
    if not isinstance(rows, list):
        return [Problem(gettext("Conditions must be a list."))]
    problems: list[Problem] = []
    for index, row in enumerate(rows):
        row_problems = _row_problems(row, index + 1) or validate_condition(to_condition(row))
        problems += [Problem(problem, row=index) for problem in row_problems]
    return problems


def condition_text(value: Any) -> str:
    """A resolved variable as condition text: null/missing is empty, a list of scalars is comma-separated
    (so `contains one of many` can take a list variable), anything else reads as it does in text."""
    if isinstance(value, (list, tuple)) and all(not isinstance(v, (dict, list, tuple)) for v in value):
        return ",".join(variables.to_text(v) for v in value)
    return variables.to_text(value)


class PayloadVariables:
    """The `resolve(text, record)` callable for compile_conditions, reading the current payload.

    `[[payload.…]]`, `[[meta.…]]` and `[[flow.variables.…]]` name the payload, not the record, so every
    record of a payload sees the same value: each text is resolved once per payload. Call `use(payload)`
    before filtering a payload's records. Only `[[ ]]` tokens are variables here; `{{ }}` is plain text.
    Raises variables.VariableError for a token that can never resolve.
    """

    def __init__(self, scope_for: Callable[[Any], variables.Scope]):
        self._scope_for = scope_for
        self._payload: Any = None
        self._memo: dict[str, str] = {}

    def use(self, payload: Any) -> None:
        self._payload = payload
        self._memo = {}

    def __call__(self, text: str, _record: Any) -> str:
        hit = self._memo.get(text, _UNSET)
        if hit is _UNSET:
            value = variables.resolve(text, self._scope_for(self._payload), brackets=_SQUARE)
            hit = self._memo[text] = condition_text(value)
        return hit
