"""Flow control (batch) and split: re-cut one parsed payload into output payloads without losing records."""
from __future__ import annotations

from typing import Any

from app.flows.record_paths import MISSING, Many, Step, get_path, parse_path


class BatchError(ValueError):
    pass


class SplitError(BatchError):
    pass


_ROOT_LEVELS = ("", "*", "$")


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


def _level_steps(level: str | None) -> tuple[Step, ...]:
    level = (level or "").strip()
    if level.endswith(".*"):
        # `orders.*` reads naturally as "the orders array"; it names the same array as `orders`.
        level = level[:-2]
    if level in _ROOT_LEVELS:
        return ()
    steps = parse_path(level)
    if any(step.key is None for step in steps):
        raise BatchError(f"batch level {level!r} must name one array; '*' is only allowed alone (the root array)")
    return steps


def _locate(data: Any, steps: tuple[Step, ...], level: str) -> Any:
    cur = data
    for depth, (key, index) in enumerate(steps):
        where = ".".join(s.key or "*" for s in steps[:depth + 1])
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        elif isinstance(cur, list) and index is not None and -len(cur) <= index < len(cur):
            cur = cur[index]
        else:
            raise BatchError(f"batch level {level!r}: nothing at {where!r} ({_describe(cur)} there)")
    return cur


def _replace(data: Any, steps: tuple[Step, ...], value: Any) -> Any:
    """Copy only the containers on the path, so each batch keeps its own surrounding structure."""
    if not steps:
        return value
    key, index = steps[0]
    if isinstance(data, dict):
        copy = dict(data)
        copy[key] = _replace(data[key], steps[1:], value)
    else:
        copy = list(data)
        copy[index] = _replace(data[index], steps[1:], value)
    return copy


def batch(data: Any, *, level: str = "*", size: int, wrap_single: bool = True) -> list:
    """One output payload per `size` records of the array at `level`, in order."""
    if type(size) is not int or size < 1:
        raise BatchError(f"batch size must be a whole number of at least 1, not {size!r}")
    steps = _level_steps(level)
    array = _locate(data, steps, level)
    if not isinstance(array, list):
        where = "the payload" if not steps else f"{level!r}"
        raise BatchError(f"batch level: {where} is {_describe(array)}, not an array")
    if size == 1 and not wrap_single:
        chunks: list = list(array)
    else:
        chunks = [array[i:i + size] for i in range(0, len(array), size)]
    if not steps:
        return chunks
    return [_replace(data, steps, chunk) for chunk in chunks]


def split(data: Any, *, level: str, wrapper_key: str | None = None) -> list:
    """The value at `level` as the one output payload; through arrays, every match in document order."""
    level = (level or "").strip()
    if not level:
        raise SplitError("choose the level to split")
    found = get_path(data, level)
    if found is MISSING:
        raise SplitError(f"split level {level!r}: nothing at that path in the payload")
    if type(found) is Many:
        found = list(found)
    return [{wrapper_key: found} if wrapper_key else found]
