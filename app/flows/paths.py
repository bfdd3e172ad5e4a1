"""Dotted-path access into parsed JSON: the one path syntax of the product (see docs/variables.md).

Variables, mapping, conditions, batching and split all parse paths here and share one MISSING. Arrays
are crossed explicitly with `*`. Conditions compile their getters with `cross_arrays=True`, which also
lets a name that meets an array cross it (`lines.sku` reads like `lines.*.sku`) and marks values found
through arrays as `Many`; that is an option of the getter, not a second syntax.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.markers import gettext


class _Missing:
    """Sentinel for "no value here", distinct from a JSON null (None)."""

    _instance = None
    __slots__ = ()

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self):
        return (_Missing, ())


MISSING: Any = _Missing()


class PathError(ValueError):
    """A path that cannot be parsed, or a write that would destroy existing data."""


STAR = object()  # parsed form of the `*` wildcard segment
MAX_CREATE_INDEX = 10_000  # set_path pads lists up to here; beyond is surely a typo


def parse_path(path: str) -> tuple:
    r"""Split `a.b\.c.0.*` into ("a", "b.c", "0", STAR). `\.`, `\*` and `\\` escape."""
    if not isinstance(path, str):
        raise PathError(gettext("a path must be text, not %(kind)s", kind=type(path).__name__))
    if path == "":
        return ()
    if "\\" not in path:
        return tuple(STAR if s == "*" else s for s in path.split("."))
    segs: list = []
    buf: list[str] = []
    escaped_star = False
    i, n = 0, len(path)
    while i < n:
        c = path[i]
        if c == "\\":
            if i + 1 >= n:
                raise PathError(gettext("path %(path)s ends with a lone backslash", path=repr(path)))
            nxt = path[i + 1]
            if nxt not in ".*\\":
                raise PathError(gettext("path %(path)s: only \\. \\* and \\\\ are escapes", path=repr(path)))
            buf.append(nxt)
            escaped_star = escaped_star or nxt == "*"
            i += 2
            continue
        if c == ".":
            s = "".join(buf)
            segs.append(STAR if s == "*" and not escaped_star else s)
            buf, escaped_star = [], False
        else:
            buf.append(c)
        i += 1
    s = "".join(buf)
    segs.append(STAR if s == "*" and not escaped_star else s)
    return tuple(segs)


def as_index(seg: str) -> int | None:
    if seg and (seg.isdigit() or (seg[0] == "-" and seg[1:].isdigit())) and seg.isascii():
        return int(seg)
    return None


def _slow_step(obj: Any, key: str, idx: int | None) -> Any:
    """One step into a non-dict/list container (Mapping subclasses, tuples)."""
    if isinstance(obj, Mapping):
        return obj.get(key, MISSING)
    if isinstance(obj, Sequence) and not isinstance(obj, (str, bytes, bytearray)) and idx is not None:
        try:
            return obj[idx]
        except IndexError:
            return MISSING
    return MISSING


def _plain_getter(segs: tuple) -> Callable:
    """Getter for a path without wildcards; specialised because it runs per record per field."""
    steps = tuple((s, as_index(s)) for s in segs)
    if not steps:
        def whole(obj, default=MISSING):
            return default if obj is MISSING else obj
        return whole
    if len(steps) == 1:
        ((key, idx),) = steps

        def one(obj, default=MISSING):
            if type(obj) is dict:
                return obj.get(key, default)
            if type(obj) is list:
                if idx is None:
                    return default
                try:
                    return obj[idx]
                except IndexError:
                    return default
            v = _slow_step(obj, key, idx)
            return default if v is MISSING else v
        return one
    if len(steps) == 2 and steps[0][1] is None and steps[1][1] is None:
        (k1, _), (k2, _) = steps

        def two(obj, default=MISSING):
            if type(obj) is dict:
                obj = obj.get(k1, MISSING)
                if type(obj) is dict:
                    return obj.get(k2, default)
                if obj is MISSING:
                    return default
                v = _slow_step(obj, k2, None)
            else:
                v = _slow_step(_slow_step(obj, k1, None), k2, None)
            return default if v is MISSING else v
        return two

    def many(obj, default=MISSING):
        for key, idx in steps:
            t = type(obj)
            if t is dict:
                obj = obj.get(key, MISSING)
                if obj is MISSING:
                    return default
            elif t is list:
                if idx is None:
                    return default
                try:
                    obj = obj[idx]
                except IndexError:
                    return default
            else:
                obj = _slow_step(obj, key, idx)
                if obj is MISSING:
                    return default
        return obj
    return many


def _is_container(node: Any) -> bool:
    return isinstance(node, (list, tuple, Mapping))


def _children(node: Any):
    if type(node) is list:
        return node
    if isinstance(node, Mapping):
        return node.values()
    if isinstance(node, Sequence) and not isinstance(node, (str, bytes, bytearray)):
        return node
    return ()


def split_at_stars(segs: tuple) -> list[tuple]:
    """("a", STAR, "b", STAR) -> [("a",), ("b",), ()]: the plain runs between wildcards."""
    groups: list[tuple] = [()]
    for s in segs:
        if s is STAR:
            groups.append(())
        else:
            groups[-1] = groups[-1] + (s,)
    return groups


def compile_segments(segs: tuple) -> Callable:
    if STAR not in segs:
        return _plain_getter(segs)
    first, *rest = [_plain_getter(g) for g in split_at_stars(segs)]

    def star(obj, default=MISSING):
        cur = first(obj)
        if cur is MISSING or not _is_container(cur):
            return default
        nodes = [cur]
        for getter in rest:
            out = []
            append = out.append
            for node in nodes:
                for el in _children(node):
                    v = getter(el)
                    if v is not MISSING:
                        append(v)
            nodes = out
        return nodes
    return star


class Many(tuple):
    """Every value a crossing getter found through arrays, in document order (possibly none).

    A tuple subclass, so a caller can tell "values found through arrays" from "the value is a list"."""

    __slots__ = ()


def _is_list(node: Any) -> bool:
    return type(node) is list or (isinstance(node, Sequence) and not isinstance(node, (str, bytes, bytearray)))


def _collect(cur: Any, steps: tuple, i: int, out: list) -> None:
    """Everything at steps[i:] below `cur`, crossing arrays met by a name, appended to `out`."""
    n = len(steps)
    while i < n:
        key, idx = steps[i]
        if key is STAR:
            for child in _children(cur):
                _collect(child, steps, i + 1, out)
            return
        t = type(cur)
        if t is dict or (t is not list and isinstance(cur, Mapping)):
            cur = cur.get(key, MISSING)
            if cur is MISSING:
                return
        elif _is_list(cur):
            if idx is None:
                for child in cur:  # a name meeting an array crosses it
                    _collect(child, steps, i, out)
                return
            try:
                cur = cur[idx]
            except IndexError:
                return
        else:
            return
        i += 1
    out.append(cur)


def _crossing_getter(segs: tuple) -> Callable:
    """Getter for conditions: crosses arrays met by a name and returns Many for anything found through arrays."""
    steps = tuple((s, None if s is STAR else as_index(s)) for s in segs)
    if not steps:
        def whole(obj, default=MISSING):
            return default if obj is MISSING else obj
        return whole

    def walk(obj, default=MISSING):
        cur = obj
        for i, (key, idx) in enumerate(steps):
            t = type(cur)
            if key is not STAR:
                if t is dict or (t is not list and isinstance(cur, Mapping)):
                    cur = cur.get(key, MISSING)
                    if cur is MISSING:
                        return default
                    continue
                if not _is_list(cur):
                    return default
                if idx is not None:
                    try:
                        cur = cur[idx]
                    except IndexError:
                        return default
                    continue
            out: list = []
            _collect(cur, steps, i, out)
            return Many(out)
        return cur

    first = steps[0][0]
    if len(steps) == 1 and first is not STAR:
        def one(obj, default=MISSING):
            if type(obj) is dict:
                return obj.get(first, default)
            return walk(obj, default)
        return one
    if len(steps) == 2 and STAR not in segs:
        second = steps[1][0]

        def two(obj, default=MISSING):
            if type(obj) is dict:
                mid = obj.get(first, MISSING)
                if type(mid) is dict:
                    return mid.get(second, default)
                if mid is MISSING:
                    return default
            return walk(obj, default)
        return two
    return walk


_GETTERS: dict[str, Callable] = {}
_CROSSING_GETTERS: dict[str, Callable] = {}


def compile_path(path: str, *, cross_arrays: bool = False) -> Callable:
    """Precompiled `getter(obj, default=MISSING)` for `path`; see get_path for semantics."""
    cache = _CROSSING_GETTERS if cross_arrays else _GETTERS
    g = cache.get(path)
    if g is None:
        segs = parse_path(path)
        g = _crossing_getter(segs) if cross_arrays else compile_segments(segs)
        if len(cache) > 20_000:  # unbounded user input must not grow memory forever
            cache.clear()
        cache[path] = g
    return g


def get_path(obj: Any, path: str, default: Any = MISSING, *, cross_arrays: bool = False) -> Any:
    """Value at dotted `path` in `obj`, or `default`. `*` collects a flat list over array elements.

    With `cross_arrays` (conditions), a name that meets an array also crosses it, and whatever was
    found through arrays comes back as a `Many` (a tuple, possibly empty) instead of a list.
    """
    if cross_arrays:
        return compile_path(path, cross_arrays=True)(obj, default)
    g = _GETTERS.get(path)
    if g is None:
        g = compile_path(path)
    return g(obj, default)


def _new_container(next_seg: Any) -> Any:
    if next_seg is STAR or (isinstance(next_seg, str) and as_index(next_seg) is not None):
        return []
    return {}


def _describe(v: Any) -> str:
    if isinstance(v, str):
        return "text"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if v is None:
        return "null"
    return type(v).__name__


def _set_in(node: Any, segs: tuple, pos: int, value: Any, where: str) -> None:
    seg = segs[pos]
    last = pos == len(segs) - 1
    if seg is STAR:
        if type(node) is not list:
            raise PathError(f"cannot set {where}: the value under '*' is {_describe(node)}, not a list")
        if isinstance(value, list):
            pairs = enumerate(value)
            for _ in range(len(node), len(value)):
                node.append(None if last else _new_container(segs[pos + 1]))
        else:
            pairs = ((i, value) for i in range(len(node)))
        for i, v in pairs:
            if last:
                node[i] = v
            else:
                child = node[i]
                if child is None:
                    child = node[i] = _new_container(segs[pos + 1])
                _set_in(child, segs, pos + 1, v, where)
        return
    if isinstance(node, dict):
        if last:
            node[seg] = value
            return
        child = node.get(seg)
        if child is None:
            child = node[seg] = _new_container(segs[pos + 1])
        _set_in(child, segs, pos + 1, value, where)
        return
    if type(node) is list:
        idx = as_index(seg)
        if idx is None:
            raise PathError(f"cannot set {where}: '{seg}' is not a position in a list")
        if idx < 0:
            if -idx > len(node):
                raise PathError(f"cannot set {where}: position {idx} is outside a list of {len(node)}")
            idx += len(node)
        if idx >= len(node):
            if idx > MAX_CREATE_INDEX:
                raise PathError(f"cannot set {where}: position {idx} is too large")
            node.extend([None] * (idx + 1 - len(node)))
        if last:
            node[idx] = value
            return
        child = node[idx]
        if child is None:
            child = node[idx] = _new_container(segs[pos + 1])
        _set_in(child, segs, pos + 1, value, where)
        return
    raise PathError(f"cannot set {where}: the value before '{seg}' is {_describe(node)}")


def set_path(obj: Any, path: str, value: Any) -> Any:
    """Write `value` at `path` in `obj` (in place, creating dicts/lists) and return `obj`.

    A `*` segment pairs a list `value` element-by-element with the target list (growing it);
    a non-list `value` is broadcast into every existing element.
    """
    segs = parse_path(path)
    if not segs:
        raise PathError("cannot set an empty path")
    _set_in(obj, segs, 0, value, repr(path))
    return obj


def compile_setter(path: str) -> Callable[[Any, Any], None]:
    """Precompiled `setter(obj, value)`; plain one-key paths skip all checks."""
    segs = parse_path(path)
    if not segs:
        raise PathError("cannot set an empty path")
    where = repr(path)
    if len(segs) == 1 and segs[0] is not STAR:
        key = segs[0]

        def one(obj, value):
            if type(obj) is dict:
                obj[key] = value
            else:
                _set_in(obj, segs, 0, value, where)
        return one

    def setter(obj, value):
        _set_in(obj, segs, 0, value, where)
    return setter
