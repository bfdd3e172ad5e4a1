"""The map shape's transform-function catalogue: types, parameter handling and the TRANSFORMS registry."""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.flows.problems import joined
from app.flows.variables import MISSING, Scope, to_text
from app.markers import gettext

CATEGORIES = ("array", "date", "number", "string", "other")
# Reference kinds are text naming one of the company's lookups, caches or scripts; the panel offers them.
REFERENCE_KINDS = ("lookup", "cache", "script")
PARAM_KINDS = ("text", "number", "choice", "bool", "fields", *REFERENCE_KINDS)
_PREPARED = "__prepared__"  # marks a params dict that went through Transform.prepare


class TransformError(ValueError):
    """A transform that cannot work on this value or with these settings; the message is for admins."""


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    kind: str = "text"
    required: bool = False
    default: Any = None
    choices: tuple = ()
    help: str = ""


@dataclass
class TransformContext:
    """What a transform may read at apply time. Hooks are None until the engine supplies them."""

    now: datetime | None = None
    flow_variables: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    connector_variables: dict = field(default_factory=dict)
    pagination: dict = field(default_factory=dict)
    lookup: Callable[..., Any] | None = None  # lookup(table, key, direction, default[, match_type=])
    cache_get: Callable[[str, str], Any] | None = None  # cache_get(cache, key) -> data or MISSING/None
    run_script: Callable[[str, Any], Any] | None = None  # run_script(script_id, value) -> value
    record: Any = None  # the source record being mapped; set by the map for each record
    _scope: Scope | None = field(default=None, init=False, repr=False, compare=False)

    def run_now(self) -> datetime:
        """The run's time, aware UTC; naive values are taken as UTC (Weft stores naive UTC)."""
        now = self.now or datetime.now(UTC)
        return now if now.tzinfo else now.replace(tzinfo=UTC)

    def scope(self) -> Scope:
        """A variables Scope over this context; rebuilt only when the engine swaps meta or variables."""
        sc = self._scope
        if (sc is None or sc.meta is not self.meta or sc.flow_variables is not self.flow_variables
                or sc.connector_variables is not self.connector_variables or sc.pagination is not self.pagination):
            sc = self._scope = Scope(payload=None, meta=self.meta, flow_variables=self.flow_variables,
                                     connector_variables=self.connector_variables, pagination=self.pagination,
                                     now=self.now)
        return sc


@dataclass(frozen=True)
class Transform:
    name: str
    label: str
    category: str
    params: tuple[Param, ...]
    needs_source: bool
    fn: Callable[[Any, dict, TransformContext], Any]
    description: str = ""
    setup: Callable[[dict], None] | None = None  # adds precomputed entries to prepared params
    example: str = ""
    # fn without the "are these params prepared?" check, for the map's hot loop.
    run: Callable[[Any, dict, TransformContext], Any] | None = field(default=None, compare=False, repr=False)
    # The raw function and its null/list policy, so the map can inline the policy (see register).
    impl: Callable[[Any, dict, TransformContext], Any] | None = field(default=None, compare=False, repr=False)
    nulls: str = "pass"
    each: bool = True

    def prepare(self, params: dict | None) -> dict:
        """Validated params with defaults filled in and precomputed helpers; raises TransformError."""
        errors, out = self._check(params)
        if errors:
            raise TransformError("; ".join(errors))
        return out

    def check(self, params: dict | None) -> list[str]:
        """Every problem with `params`, as sentences; [] when fine."""
        return self._check(params)[0]

    def _check(self, params: dict | None) -> tuple[list[str], dict]:
        errors: list[str] = []
        params = {} if params is None else params
        if not isinstance(params, dict):
            return [joined(gettext(self.label), gettext("settings must be an object"))], {}
        if params.get(_PREPARED):
            return [], params
        known = {p.name for p in self.params}
        for extra in sorted(set(params) - known - {_PREPARED}):
            if not extra.startswith("_"):
                errors.append(joined(gettext(self.label), gettext("unknown setting '%(key)s'", key=extra)))
        out: dict = {}
        for p in self.params:
            try:
                out[p.name] = _coerce(p, params.get(p.name))
            except TransformError as exc:
                errors.append(joined(gettext(self.label), exc))
        if not errors and self.setup is not None:
            try:
                self.setup(out)
            except (TransformError, ValueError) as exc:
                errors.append(joined(gettext(self.label), exc))
        out[_PREPARED] = True
        return errors, out

    def __call__(self, value: Any, params: dict | None = None, tctx: TransformContext | None = None) -> Any:
        """Convenience for one-off calls; hot loops should prepare once and call fn."""
        return self.fn(value, self.prepare(params), tctx or TransformContext())


def _coerce(p: Param, v: Any) -> Any:
    """The parameter's value; raises TransformError with a sentence naming the parameter."""
    label = gettext(p.label)
    if v is None or (isinstance(v, str) and v == "" and p.kind != "text"):
        if p.required and p.default is None:
            raise TransformError(gettext("%(param)s is required", param=label))
        return p.default
    if p.kind == "text" or p.kind in REFERENCE_KINDS:
        if isinstance(v, (dict, list)):
            raise TransformError(gettext("%(param)s must be text", param=label))
        if v == "" and p.required and p.default is None:
            raise TransformError(gettext("%(param)s is required", param=label))
        return v if isinstance(v, str) else to_text(v)
    if p.kind == "number":
        if isinstance(v, bool):
            raise TransformError(gettext("%(param)s must be a number, not %(value)s", param=label, value=v))
        if isinstance(v, (int, float)):
            if isinstance(v, float) and not math.isfinite(v):
                raise TransformError(gettext("%(param)s must be a finite number, not %(value)s", param=label,
                                             value=v))
            return v
        try:
            return parse_number(str(v))
        except ValueError:
            raise TransformError(gettext("%(param)s must be a number, not '%(value)s'", param=label, value=v)) from None
    if p.kind == "bool":
        b = parse_bool(v)
        if b is None:
            raise TransformError(gettext("%(param)s must be true or false, not '%(value)s'", param=label, value=v))
        return b
    if p.kind == "choice":
        if v not in p.choices:
            raise TransformError(gettext("%(param)s must be one of %(choices)s, not '%(value)s'", param=label,
                                         choices=", ".join(map(str, p.choices)), value=v))
        return v
    if p.kind == "fields":
        items = v.split(",") if isinstance(v, str) else v
        if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
            raise TransformError(gettext("%(param)s must be a list of field paths", param=label))
        return [i.strip() for i in items if i.strip()]
    raise TransformError(gettext("%(param)s has an unknown kind %(kind)s", param=label, kind=repr(p.kind)))


_TRUE = frozenset({"true", "t", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "off", ""})


def parse_bool(v: Any) -> bool | None:
    """True/False for booleans, numbers and yes/no-style text; None when it is not boolean-like."""
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    if isinstance(v, str):
        s = v.strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    return None


def parse_number(s: str) -> int | float:
    """int for whole-number text, float for decimal/exponent text; ValueError otherwise."""
    t = s.strip()
    if not t or "_" in t:  # Python accepts 1_000; data should not
        raise ValueError(s)
    if t.isdigit() or (t[0] in "+-" and t[1:].isdigit()):
        return int(t)
    f = float(t)
    if not math.isfinite(f):
        raise ValueError(s)
    return f


def describe(v: Any) -> str:
    """A value as admins see it in an error message (short)."""
    if v is MISSING:
        return "a missing value"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "a list"
    text = to_text(v)
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


def as_text(v: Any, label: str) -> str:
    """Text for string functions: numbers and booleans are written out, objects/lists refused."""
    t = type(v)
    if t is str:
        return v
    if t is dict or t is list:
        raise TransformError(f"{label}: expected text but got {describe(v)}")
    return to_text(v)


def as_number(v: Any, label: str) -> int | float:
    t = type(v)
    if t is int or t is float:
        if t is float and not math.isfinite(v):
            raise TransformError(f"{label}: {v} is not a usable number")
        return v
    if t is str:
        try:
            return parse_number(v)
        except ValueError:
            raise TransformError(f"{label}: {describe(v)} is not a number") from None
    raise TransformError(f"{label}: {describe(v)} is not a number")


TRANSFORMS: dict[str, Transform] = {}


def register(name: str, label: str, category: str, params: tuple[Param, ...] = (), *,
             needs_source: bool = True, nulls: str = "pass", each: bool = True,
             setup: Callable[[dict], None] | None = None, description: str = "", example: str = ""):
    """Register fn under `name`, wrapped for the shared null and list policy.

    nulls="pass": null/missing come back unchanged without calling fn. each=True: a list
    input is transformed element by element (nested lists too).
    """
    if category not in CATEGORIES:
        raise ValueError(f"bad category {category!r}")

    def deco(fn: Callable) -> Callable:
        transform_ref: list[Transform] = []

        def wrapped(value, params, tctx):
            if _PREPARED not in params:
                params = transform_ref[0].prepare(params)
            return run(value, params, tctx)

        # Variants chosen at registration so the per-value path has no policy branches left.
        if nulls == "pass" and each:
            def run(value, params, tctx):
                if value is None or value is MISSING:
                    return value
                if type(value) is list:
                    return [run(v, params, tctx) for v in value]
                return fn(value, params, tctx)
        elif nulls == "pass":
            def run(value, params, tctx):
                if value is None or value is MISSING:
                    return value
                return fn(value, params, tctx)
        elif each:
            def run(value, params, tctx):
                if type(value) is list:
                    return [run(v, params, tctx) for v in value]
                return fn(value, params, tctx)
        else:
            run = fn

        wrapped.__name__ = wrapped.__qualname__ = f"transform_{name}"
        wrapped.__doc__ = fn.__doc__
        t = Transform(name=name, label=label, category=category, params=params, needs_source=needs_source,
                      fn=wrapped, description=description or (fn.__doc__ or "").strip(), setup=setup,
                      example=example, run=run, impl=fn, nulls=nulls, each=each)
        transform_ref.append(t)
        if name in TRANSFORMS:
            raise ValueError(f"transform {name!r} registered twice")
        TRANSFORMS[name] = t
        return fn
    return deco


def get_transform(name: str) -> Transform:
    try:
        return TRANSFORMS[name]
    except KeyError:
        raise TransformError(f"'{name}' is not a transform function") from None


def catalogue() -> list[dict]:
    """The catalogue as JSON-ready dicts for the settings form, grouped order by category."""
    order = {c: i for i, c in enumerate(CATEGORIES)}
    out = []
    for t in sorted(TRANSFORMS.values(), key=lambda t: (order[t.category], t.label)):
        out.append({
            "name": t.name, "label": t.label, "category": t.category, "needs_source": t.needs_source,
            "description": t.description,
            "params": [{"name": p.name, "label": p.label, "kind": p.kind, "required": p.required,
                        "default": p.default, "choices": list(p.choices), "help": p.help} for p in t.params],
        })
    return out


def json_text(v: Any, pretty: bool = False) -> str:
    return json.dumps(v, ensure_ascii=False, default=to_text,
                      indent=2 if pretty else None, separators=None if pretty else (",", ":"))


# The catalogue modules register themselves on import; they need the names above.
from app.flows import transforms_misc, transforms_text  # noqa: E402,F401,I001
