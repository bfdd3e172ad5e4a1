"""Dotted record paths (`a.b`, `items.0.sku`, `items.*.sku`) read by conditions, batching and split."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()
"""Returned when a path leads nowhere; distinct from a JSON null (None)."""


class Many(tuple):
    """The values a path found by crossing one or more arrays (possibly none of them)."""

    __slots__ = ()


class Step(NamedTuple):
    key: str | None  # None is the `*` wildcard
    index: int | None  # set for an ASCII integer segment (`0`, `-1`), so it can index a list


def parse_path(path: str) -> tuple[Step, ...]:
    """Split on unescaped dots; `\\.` is a literal dot and `\\*` a literal star key."""
    if path in ("", "$"):
        return ()
    segments: list[tuple[str, bool]] = []
    buf: list[str] = []
    escaped_star = False
    chars = iter(path)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            escaped_star = escaped_star or nxt == "*"
            buf.append(nxt)
        elif ch == ".":
            segments.append(("".join(buf), escaped_star))
            buf, escaped_star = [], False
        else:
            buf.append(ch)
    segments.append(("".join(buf), escaped_star))
    steps = []
    for text, literal in segments:
        if text == "*" and not literal:
            steps.append(Step(None, None))
        else:
            digits = text[1:] if text.startswith("-") else text
            is_index = text.isascii() and digits.isdigit()
            steps.append(Step(text, int(text) if is_index else None))
    return tuple(steps)


def _collect(cur: Any, steps: tuple[Step, ...], i: int, out: list) -> None:
    if i == len(steps):
        out.append(cur)
        return
    key, index = steps[i]
    if key is None:
        # Same as the variables resolver (app/flows/paths.py): `*` visits array elements and
        # object values, and finds nothing in a scalar.
        for item in cur if isinstance(cur, list) else cur.values() if isinstance(cur, dict) else ():
            _collect(item, steps, i + 1, out)
    elif isinstance(cur, dict):
        value = cur.get(key, MISSING)
        if value is not MISSING:
            _collect(value, steps, i + 1, out)
    elif isinstance(cur, list):
        if index is not None:
            if -len(cur) <= index < len(cur):
                _collect(cur[index], steps, i + 1, out)
        else:
            # A name meeting an array crosses it, so schema-picked paths such as
            # `lines.sku` work without the user typing `lines.*.sku`.
            for item in cur:
                _collect(item, steps, i, out)


def _walk(cur: Any, steps: tuple[Step, ...]) -> Any:
    for i, (key, index) in enumerate(steps):
        if key is None:
            out: list = []
            _collect(cur, steps, i, out)
            return Many(out)
        if isinstance(cur, dict):
            cur = cur.get(key, MISSING)
            if cur is MISSING:
                return MISSING
        elif isinstance(cur, list):
            if index is None:
                out = []
                _collect(cur, steps, i, out)
                return Many(out)
            if not -len(cur) <= index < len(cur):
                return MISSING
            cur = cur[index]
        else:
            return MISSING
    return cur


def compile_getter(path: str) -> Callable[[Any], Any]:
    """Return `get(record)` giving the value, MISSING, or a Many when arrays were crossed."""
    steps = parse_path(path)
    if not steps:
        return lambda record: record
    if len(steps) == 1 and steps[0].key is not None:
        # The common case (a top-level field) gets a getter without the loop.
        key = steps[0].key

        def get_top(record: Any) -> Any:
            if isinstance(record, dict):
                return record.get(key, MISSING)
            return _walk(record, steps)

        return get_top
    return lambda record: _walk(record, steps)


def get_path(data: Any, path: str) -> Any:
    return compile_getter(path)(data)
