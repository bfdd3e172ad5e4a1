"""Structural differences between two JSON values, written for a person reading a run log.

Used by the assert shape. Paths use the same dotted notation as variables (`items.2.sku`; a dot
inside a key is written `\\.`), so a path from a diff can be pasted into `[[payload.…]]`.
Objects compare by key (order ignored), lists by position; numbers compare by value (1 == 1.0)
but a boolean is never equal to a number. Walking is iterative, so deep JSON cannot overflow the
stack, and only the first `limit` differences are kept (the rest are counted).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ROOT = "(whole payload)"
MISSING = object()  # "no value on this side" in a Difference


@dataclass(frozen=True)
class Difference:
    path: str
    kind: str  # changed | type | missing | extra
    expected: Any = MISSING
    actual: Any = MISSING


@dataclass
class Diff:
    differences: list[Difference] = field(default_factory=list)
    total: int = 0  # every difference found, including those past the limit

    def __bool__(self) -> bool:
        return self.total > 0


def _key_part(key: Any) -> str:
    return str(key).replace("\\", "\\\\").replace(".", "\\.").replace("*", "\\*")


def _join(path: str, key: Any) -> str:
    part = _key_part(key) if not isinstance(key, int) else str(key)
    return part if path == "" else f"{path}.{part}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


def diff(expected: Any, actual: Any, limit: int = 20) -> Diff:
    """Every place where `actual` differs from `expected`, in expected-document order."""
    result = Diff()

    def add(d: Difference) -> None:
        result.total += 1
        if len(result.differences) < limit:
            result.differences.append(d)

    stack: list[tuple[str, Any, Any]] = [("", expected, actual)]
    while stack:
        path, exp, act = stack.pop()
        if exp is MISSING:
            add(Difference(path, "extra", actual=act))
            continue
        if act is MISSING:
            add(Difference(path, "missing", expected=exp))
            continue
        kind_e, kind_a = _kind(exp), _kind(act)
        if kind_e != kind_a:
            add(Difference(path, "type", exp, act))
            continue
        if kind_e == "object":
            children = [(_join(path, key), value, act.get(key, MISSING)) for key, value in exp.items()]
            children += [(_join(path, key), MISSING, value) for key, value in act.items() if key not in exp]
            stack.extend(reversed(children))
        elif kind_e == "list":
            children = [(_join(path, i), exp[i] if i < len(exp) else MISSING, act[i] if i < len(act) else MISSING)
                        for i in range(max(len(exp), len(act)))]
            stack.extend(reversed(children))
        elif exp != act:
            add(Difference(path, "changed", exp, act))
    return result


def show(value: Any, width: int = 80) -> str:
    """A value as compact JSON, cut to `width` characters."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def describe(d: Difference, width: int = 80) -> str:
    where = d.path or ROOT
    if d.kind == "missing":
        return f"{where}: missing (expected {show(d.expected, width)})"
    if d.kind == "extra":
        return f"{where}: not expected (got {show(d.actual, width)})"
    if d.kind == "type":
        return (f"{where}: expected {_kind(d.expected)} {show(d.expected, width)}, "
                f"got {_kind(d.actual)} {show(d.actual, width)}")
    return f"{where}: expected {show(d.expected, width)}, got {show(d.actual, width)}"


def report(result: Diff, max_chars: int = 2000, width: int = 80) -> str:
    """The differences as lines, capped at `max_chars`, ending with how many were left out."""
    lines: list[str] = []
    used = 0
    for d in result.differences:
        line = "- " + describe(d, width)
        if used + len(line) + 1 > max_chars:
            break
        lines.append(line)
        used += len(line) + 1
    left = result.total - len(lines)
    if left > 0:
        lines.append(f"… and {left} more difference{'s' if left != 1 else ''}")
    return "\n".join(lines)
