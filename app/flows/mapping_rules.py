"""Turns validated map rules into fast per-record functions (generated code for plain rules, walkers for arrays)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.flows.paths import MISSING, STAR, PathError, as_index, compile_segments, compile_setter
from app.flows.transforms import Transform, TransformError


@dataclass
class RuleSpec:
    label: str
    src_groups: list[tuple]  # per source: the plain runs between wildcards (see paths.split_at_stars)
    ns: int  # wildcards in the source(s)
    tgt_groups: list[tuple]
    nt: int  # wildcards in the target
    steps: list[tuple[Transform, dict]]  # (transform, prepared params)
    multi: bool  # `sources`: the value is a list, one entry per source
    no_source: bool

    @property
    def broadcast(self) -> bool:
        """Parent-field rules write into lists other rules build, so they run after them."""
        return self.nt > self.ns

    @property
    def plain(self) -> bool:
        return self.nt == 0


def copy_value(v: Any) -> Any:
    """Copy JSON containers so one output object never appears twice (or inside the input)."""
    t = type(v)
    if t is dict:
        return {k: copy_value(x) for k, x in v.items()}
    if t is list:
        return [copy_value(x) for x in v]
    return v


def _join(groups: list[tuple]) -> tuple:
    out: tuple = ()
    for k, g in enumerate(groups):
        out += (STAR,) + g if k else g
    return out


def _escape(segs: tuple) -> str:
    return ".".join(s.replace("\\", "\\\\").replace(".", "\\.").replace("*", "\\*") for s in segs)


def _plain_key(segs: tuple) -> bool:
    return all(as_index(s) is None for s in segs)


def _leaf_getter(spec: RuleSpec, paired: int) -> Callable:
    if spec.no_source:
        return lambda node: MISSING
    if spec.multi:
        getters = [compile_segments(_join(g[paired:])) for g in spec.src_groups]
        return lambda node: [g(node) for g in getters]
    return compile_segments(_join(spec.src_groups[0][paired:]))


def _plain_snippet(i: int, spec: RuleSpec, env: dict) -> list[str]:
    """Python lines computing rule i for `rec` into `out` (nt == 0). Values reach the code only via env."""
    src = spec.src_groups[0][0] if spec.src_groups and not spec.multi else None
    env[f"g{i}"] = _leaf_getter(spec, 0)
    if spec.no_source:
        lines = ["v = M"]
    elif src is not None and spec.ns == 0 and len(src) == 1 and _plain_key(src):
        env[f"s{i}"] = src[0]
        lines = [f"v = rec.get(s{i}, M) if t is dict else g{i}(rec)"]
    elif src is not None and spec.ns == 0 and len(src) == 2 and _plain_key(src):
        env[f"s{i}"], env[f"u{i}"] = src
        lines = ["if t is dict:", f"    v = rec.get(s{i}, M)", "    if type(v) is dict:", f"        v = v.get(u{i}, M)",
                 "    elif v is not M:", f"        v = g{i}(rec)", "else:", f"    v = g{i}(rec)"]
    else:
        lines = [f"v = g{i}(rec)"]
    for j, (tr, params) in enumerate(spec.steps):
        f, fi, p = f"f{i}_{j}", f"fi{i}_{j}", f"p{i}_{j}"
        env[f], env[fi], env[p] = tr.run, tr.impl, params
        # The transform's null/list policy inlined: saves a call per value on the hot path.
        call = f"({f}(v, {p}, tctx) if type(v) is list else {fi}(v, {p}, tctx))" if tr.each else f"{fi}(v, {p}, tctx)"
        if tr.nulls == "pass":
            lines += ["if v is not None and v is not M:", f"    v = {call}"]
        else:
            lines.append(f"v = {call}")
    lines += ["if v is not M:"]
    tgt = spec.tgt_groups[0]
    env[f"w{i}"] = compile_setter(_escape(tgt))
    if len(tgt) == 1 and _plain_key(tgt):
        env[f"k{i}"] = tgt[0]
        lines.append(f"    out[k{i}] = v")
    elif len(tgt) == 2 and _plain_key(tgt):
        env[f"a{i}"], env[f"b{i}"] = tgt
        lines += [f"    d = out.get(a{i})", "    if d is None:", f"        d = out[a{i}] = {{}}",
                  "    if type(d) is dict:", f"        d[b{i}] = v", "    else:", f"        w{i}(out, v)"]
    else:
        lines.append(f"    w{i}(out, v)")
    return lines


def _env() -> dict:
    # Generated code sees only these names; no builtins beyond what the snippets use.
    return {"M": MISSING, "C": copy_value, "__builtins__": {"type": type, "dict": dict, "list": list}}


def build_rule_fn(i: int, spec: RuleSpec) -> Callable:
    """rule(rec, out, tctx) for one rule."""
    if spec.plain:
        env = _env()
        body = _plain_snippet(i, spec, env)
        src = "def rule(rec, out, tctx):\n    t = type(rec)\n" + "".join(f"    {ln}\n" for ln in body)
        exec(compile(src, f"<map rule {i + 1}>", "exec"), env)  # noqa: S102 - only names from env, no user text
        return env["rule"]
    return _array_rule(spec)


def build_record_fn(specs: list[RuleSpec], fns: list[Callable], wrap_error: Callable) -> Callable:
    """record(rec, tctx) -> dict running every rule in order, plain rules inlined into one function."""
    env = _env()
    env["WRAP"] = wrap_error
    env["ERRORS"] = (TransformError, PathError)
    lines = ["def record(rec, tctx):", "    tctx.record = rec", "    out = {}", "    t = type(rec)", "    n = 0",
             "    try:"]
    for i, (spec, fn) in enumerate(zip(specs, fns, strict=True)):
        lines.append(f"        n = {i}")
        if spec.plain:
            lines += [f"        {ln}" for ln in _plain_snippet(i, spec, env)]
        else:
            env[f"r{i}"] = fn
            lines.append(f"        r{i}(rec, out, tctx)")
    if not specs:
        lines.append("        pass")
    lines += ["    except ERRORS as e:", "        raise WRAP(n, e) from e", "    return out"]
    exec(compile("\n".join(lines) + "\n", "<map>", "exec"), env)  # noqa: S102 - only names from env
    return env["record"]


def ensure_list(node: Any, segs: tuple) -> list:
    """The list at `segs` under `node`, created (with parent objects) when absent."""
    for s in segs[:-1]:
        child = node.get(s)
        if child is None:
            child = node[s] = {}
        elif type(child) is not dict:
            raise TransformError(f"cannot write under '{s}': it already holds {type(child).__name__}")
        node = child
    arr = node.get(segs[-1])
    if arr is None:
        arr = node[segs[-1]] = []
    elif type(arr) is not list:
        raise TransformError(f"cannot write a list to '{segs[-1]}': it already holds {type(arr).__name__}")
    return arr


def _array_rule(spec: RuleSpec) -> Callable:
    """Pair the first min(ns, nt) wildcards element by element; deeper target wildcards broadcast."""
    paired = min(spec.ns, spec.nt)
    leaf_get = _leaf_getter(spec, paired)
    steps = [(tr.run, params) for tr, params in spec.steps]

    def value(node, tctx):
        v = leaf_get(node)
        for fn, params in steps:
            v = fn(v, params, tctx)
        return v

    tail = spec.tgt_groups[paired:]
    last_set = compile_setter(_escape(tail[-1])) if tail[-1] else None
    tail_get = [compile_segments(g) for g in tail[:-1]]

    def write(tnode, v):
        """Set the plain tail, or broadcast into every element of lists that already exist."""
        if not tail_get:
            last_set(tnode, copy_value(v))
            return
        nodes, lists = [tnode], []
        for depth, get in enumerate(tail_get):
            lists = [a for a in (get(n) for n in nodes) if type(a) is list]
            if depth < len(tail_get) - 1:
                nodes = [x for a in lists for x in a]
        for a in lists:
            for k in range(len(a)):
                if last_set is None:
                    a[k] = copy_value(v)
                elif type(a[k]) is dict:
                    last_set(a[k], copy_value(v))

    if paired == 0:  # a parent field broadcast into lists built by other rules
        def parent(rec, out, tctx):
            v = value(rec, tctx)
            if v is not MISSING:
                write(out, v)
        return parent

    src_lists = [compile_segments(g) for g in spec.src_groups[0][:paired]]
    tgt_lists = spec.tgt_groups[:paired]
    direct = len(tail) == 1 and not tail[0]  # a target like codes.*: the element itself is the value

    def walk(src, tnode, level, tctx):
        arr = src_lists[level](src)
        if type(arr) is not list:
            return
        tarr = ensure_list(tnode, tgt_lists[level])
        last = level == paired - 1
        if len(tarr) < len(arr):
            tarr.extend([None] * (len(arr) - len(tarr)))
        for k, el in enumerate(arr):
            if last and direct:
                v = value(el, tctx)
                if v is not MISSING:
                    tarr[k] = copy_value(v)
                continue
            node = tarr[k]
            if node is None:
                node = tarr[k] = {}
            elif type(node) is not dict:
                continue
            if not last:
                walk(el, node, level + 1, tctx)
                continue
            v = value(el, tctx)
            if v is not MISSING:
                write(node, v)

    def arrays(rec, out, tctx):
        walk(rec, out, 0, tctx)
    return arrays
