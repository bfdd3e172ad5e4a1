"""Flow control (batch) and split: re-cut one parsed payload into output payloads without losing records."""
from __future__ import annotations

from typing import Any

from app.flows.paths import MISSING, STAR, PathError, as_index, compile_path, parse_path


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


Steps = tuple[tuple[str, int | None], ...]  # (key, list position when the key is one)


def _parse(path: str, what: str) -> tuple:
    try:
        return parse_path(path)
    except PathError as exc:
        raise BatchError(f"{what} {path!r}: {exc}") from None


def _level_steps(level: str | None) -> Steps:
    level = (level or "").strip()
    if level in _ROOT_LEVELS:
        return ()
    segs = _parse(level, "batch level")
    if len(segs) > 1 and segs[-1] is STAR:
        # `orders.*` reads naturally as "the orders array"; it names the same array as `orders`.
        segs = segs[:-1]
    if STAR in segs:
        raise BatchError(f"batch level {level!r} must name one array; '*' is only allowed alone (the root array)")
    return tuple((s, as_index(s)) for s in segs)


def _locate(data: Any, steps: Steps, level: str) -> Any:
    cur = data
    for depth, (key, index) in enumerate(steps):
        where = ".".join(s for s, _ in steps[:depth + 1])
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        elif isinstance(cur, list) and index is not None and -len(cur) <= index < len(cur):
            cur = cur[index]
        else:
            raise BatchError(f"batch level {level!r}: nothing at {where!r} ({_describe(cur)} there)")
    return cur


def _replace(data: Any, steps: Steps, value: Any) -> Any:
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


def _with_stars(cur: Any, segs: tuple, i: int = 0) -> list | None:
    """`segs[i:]` with `*` added where a name meets an array, along the first route that finds a value."""
    if i == len(segs):
        return []
    seg = segs[i]
    if isinstance(cur, list) and (seg is STAR or as_index(seg) is None):
        for child in cur:
            rest = _with_stars(child, segs, i + 1 if seg is STAR else i)
            if rest is not None:
                return [STAR, *rest]
        return None
    if seg is STAR and isinstance(cur, dict):
        for child in cur.values():
            rest = _with_stars(child, segs, i + 1)
            if rest is not None:
                return [STAR, *rest]
        return None
    if isinstance(cur, dict) and seg in cur:
        child = cur[seg]
    elif isinstance(cur, list) and -len(cur) <= as_index(seg) < len(cur):
        child = cur[as_index(seg)]
    else:
        return None
    rest = _with_stars(child, segs, i + 1)
    return None if rest is None else [seg, *rest]


def _path_text(segs: list) -> str:
    return ".".join("*" if s is STAR else s.replace("\\", "\\\\").replace(".", "\\.").replace("*", "\\*")
                    for s in segs)


def split(data: Any, *, level: str, wrapper_key: str | None = None) -> list:
    """The value at `level` as the one output payload; through arrays (`*`), every match in document order."""
    level = (level or "").strip()
    if not level:
        raise SplitError("choose the level to split")
    try:
        get = compile_path(level)
    except PathError as exc:
        raise SplitError(f"split level {level!r}: {exc}") from None
    found = get(data)
    if found is MISSING:
        segs = parse_path(level)
        fixed = _with_stars(data, segs)
        if fixed is not None and fixed.count(STAR) > segs.count(STAR):
            raise SplitError(f"split level {level!r}: nothing at that path in the payload; it goes through an "
                             f"array, so write {_path_text(fixed)!r} to take from every element")
        raise SplitError(f"split level {level!r}: nothing at that path in the payload")
    return [{wrapper_key: found} if wrapper_key else found]
