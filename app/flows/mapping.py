"""Compile and apply a map shape configuration: rules, array pairing, wrapping, import/export."""
from __future__ import annotations

import json
from typing import Any

from app.flows.mapping_rules import RuleSpec, build_record_fn, build_rule_fn
from app.flows.paths import STAR, PathError, parse_path, split_at_stars
from app.flows.problems import Problem, joined
from app.flows.transforms import TRANSFORMS, TransformContext, TransformError
from app.markers import gettext, ngettext

FORMAT_VERSION = 1
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_RULES = 2000
RULE_KEYS = {"source", "sources", "target", "transforms", "name", "label", "id", "note", "source_name", "target_name"}
OPTION_KEYS = ("wrap_input", "wrap_output", "per_record")


class MapConfigError(ValueError):
    """A map configuration that cannot run; `problems` lists every issue found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(ngettext("The map has %(num)d problem: %(problems)s",
                                  "The map has %(num)d problems: %(problems)s", len(self.problems),
                                  problems="; ".join(self.problems)))


def _label(i: int, rule: Any) -> str:
    if isinstance(rule, dict):
        sources = rule.get("sources")
        src = rule.get("source") if not isinstance(sources, list) else " + ".join(map(str, sources))
        return gettext("Rule %(number)d (%(source)s → %(target)s)", number=i + 1,
                       source=src or gettext("(no source)"), target=rule.get("target") or "?")
    return gettext("Rule %(number)d", number=i + 1)


def _segs(path: Any, what: str, label: str, problems: list[str]) -> tuple | None:
    target = what == "target"
    if not isinstance(path, str) or not path.strip():
        problems.append(gettext("%(where)s: the target must be a field path", where=label) if target
                        else gettext("%(where)s: the source must be a field path", where=label))
        return None
    try:
        segs = parse_path(path.strip())
    except PathError as exc:
        problems.append(gettext("%(where)s: target %(problem)s", where=label, problem=exc) if target
                        else gettext("%(where)s: source %(problem)s", where=label, problem=exc))
        return None
    if "" in segs:
        words = dict(where=label, path=path)
        problems.append(
            gettext("%(where)s: the target '%(path)s' has an empty part (two dots in a row, or a leading/trailing "
                    "dot)", **words) if target else
            gettext("%(where)s: the source '%(path)s' has an empty part (two dots in a row, or a leading/trailing "
                    "dot)", **words))
        return None
    return segs


def _compile_rule(i: int, rule: Any, problems: list[str]) -> tuple[RuleSpec | None, tuple | None]:
    label = _label(i, rule)
    if not isinstance(rule, dict):
        problems.append(gettext("%(where)s: must be an object with source, target and transforms", where=label))
        return None, None
    n0 = len(problems)
    for k in sorted(set(rule) - RULE_KEYS):
        problems.append(gettext("%(where)s: unknown setting '%(key)s'", where=label, key=k))
    tgt = _segs(rule.get("target"), "target", label, problems)
    source, sources = rule.get("source"), rule.get("sources")
    src_list: list[tuple] = []
    if sources is not None:
        if source not in (None, ""):
            problems.append(gettext("%(where)s: use either source or sources, not both", where=label))
        if not isinstance(sources, list) or not sources:
            problems.append(gettext("%(where)s: sources must be a list of field paths", where=label))
        else:
            for s in sources:
                segs = _segs(s, "source", label, problems)
                if segs is not None:
                    src_list.append(segs)
    elif source not in (None, ""):
        segs = _segs(source, "source", label, problems)
        if segs is not None:
            src_list.append(segs)
    has_source = sources is not None or source not in (None, "")

    steps: list[tuple[Any, dict]] = []
    chain_cfg = rule.get("transforms") or []
    if not isinstance(chain_cfg, list):
        problems.append(gettext("%(where)s: transforms must be a list", where=label))
        chain_cfg = []
    for j, tcfg in enumerate(chain_cfg):
        where = gettext("%(rule)s, function %(number)d", rule=label, number=j + 1)
        if not isinstance(tcfg, dict) or not isinstance(tcfg.get("fn"), str):
            problems.append(gettext("%(where)s: must be an object with fn and params", where=where))
            continue
        extra = set(tcfg) - {"fn", "params"}
        if extra:
            problems.append(gettext("%(where)s: unknown setting '%(key)s'", where=where, key=sorted(extra)[0]))
        t = TRANSFORMS.get(tcfg["fn"])
        if t is None:
            problems.append(gettext("%(where)s: '%(name)s' is not a transform function", where=where, name=tcfg["fn"]))
            continue
        if j == 0 and not has_source and t.needs_source:
            problems.append(gettext("%(where)s: has no source field, so its first function must make a value "
                                    "(custom string, custom number, a date…), not %(function)s",
                                    where=label, function=gettext(t.label)))
        errs, prepared = t._check(tcfg.get("params"))
        problems.extend(joined(where, e) for e in errs)
        steps.append((t, prepared))
    if not has_source and not chain_cfg:
        problems.append(gettext("%(where)s: needs a source field or a function that makes a value", where=label))
    if len(problems) > n0 or tgt is None:
        return None, tgt

    src_groups = [split_at_stars(s) for s in src_list]
    ns_all = {len(g) - 1 for g in src_groups}
    if len(ns_all) > 1 or (len(src_groups) > 1 and len({tuple(g[:-1]) for g in src_groups}) > 1):
        problems.append(gettext("%(where)s: every source must go through the same list(s) (the same parts before "
                                "each *)", where=label))
        return None, tgt
    tgt_groups = split_at_stars(tgt)
    if tgt_groups[0] == () and len(tgt_groups) > 1:
        problems.append(gettext("%(where)s: the target cannot start with *; each output record is an object",
                                where=label))
        return None, tgt
    if any(g == () for g in tgt_groups[1:-1]):
        problems.append(gettext("%(where)s: the target cannot have *.* (lists directly inside lists)", where=label))
        return None, tgt
    spec = RuleSpec(label=label, src_groups=src_groups, ns=ns_all.pop() if ns_all else 0, tgt_groups=tgt_groups,
                    nt=len(tgt_groups) - 1, steps=steps, multi=sources is not None, no_source=not has_source)
    return spec, tgt


class CompiledMap:
    """A ready-to-run map: plain and array rules in order, then parent-field (broadcast) rules."""

    __slots__ = ("config", "rules", "wrap_input", "wrap_output", "per_record", "rule_fns", "record_fn")

    def __init__(self, config: dict, rules: list[RuleSpec]):
        self.config = config
        self.rules = [r for r in rules if not r.broadcast] + [r for r in rules if r.broadcast]
        self.wrap_input = bool(config.get("wrap_input"))
        self.wrap_output = bool(config.get("wrap_output"))
        self.per_record = config.get("per_record", True) is not False
        self.rule_fns = [build_rule_fn(i, r) for i, r in enumerate(self.rules)]
        self.record_fn = build_record_fn(self.rules, self.rule_fns, self._rule_error)

    def _rule_error(self, n: int, exc: Exception) -> TransformError:
        return TransformError(f"{self.rules[n].label}: {exc}")

    def map_record(self, rec: Any, tctx: TransformContext | None = None) -> dict:
        return self.record_fn(rec, tctx or TransformContext())

    def apply(self, data: Any, tctx: TransformContext | None = None) -> Any:
        """Map one payload's data: a list maps record by record, anything else as one record."""
        tctx = tctx or TransformContext()
        if self.wrap_input and type(data) is not list:
            data = [data]
        record = self.record_fn
        if self.per_record and type(data) is list:
            result: Any = []
            append = result.append
            try:
                for rec in data:
                    append(record(rec, tctx))
            except TransformError as exc:
                if len(data) == 1:
                    raise
                raise TransformError(f"Record {len(result) + 1}: {exc}") from exc
        else:
            result = record(data, tctx)
        if self.wrap_output and type(result) is not list:
            result = [result]
        return result

    def apply_bucket(self, items: list, tctx: TransformContext | None = None) -> list:
        """apply() to each payload's data of a bucket."""
        tctx = tctx or TransformContext()
        return [self.apply(d, tctx) for d in items]


def _check_config(config: Any) -> tuple[list[str], list[RuleSpec]]:
    if not isinstance(config, dict):
        return [gettext("The map settings must be an object with a rules list")], []
    problems: list[str] = []
    for k in OPTION_KEYS:
        if k in config and not isinstance(config[k], bool) and config[k] is not None:
            problems.append(gettext("'%(key)s' must be true or false", key=k))
    rules = config.get("rules")
    if rules is None:
        rules = []
    if not isinstance(rules, list):
        return problems + [gettext("'rules' must be a list")], []
    if len(rules) > MAX_RULES:
        return problems + [gettext("a map can have at most %(max)d rules, this one has %(count)d", max=MAX_RULES,
                                   count=len(rules))], []
    compiled: list[RuleSpec] = []
    seen: dict[tuple, str] = {}
    for i, rule in enumerate(rules):
        first = len(problems)
        cr, tgt = _compile_rule(i, rule, problems)
        if tgt is not None:
            key = tuple("*" if s is STAR else s for s in tgt)
            label = _label(i, rule)
            for n in range(1, len(key) + 1):
                other = seen.get(key[:n])
                if other is not None:
                    problems.append(
                        gettext("%(where)s: %(other)s already writes the same target", where=label, other=other)
                        if n == len(key) else
                        gettext("%(where)s: %(other)s already writes '%(path)s', a parent of this target",
                                where=label, other=other, path=".".join(key[:n])))
                    break
            else:
                for prev_key, prev_label in seen.items():
                    if prev_key[:len(key)] == key:
                        problems.append(gettext("%(where)s: its target contains %(other)s's target", where=label,
                                                other=prev_label))
                        break
            seen.setdefault(key, _label(i, None))
        # The rule's problems name its row, so the settings panel shows them on it in any language.
        problems[first:] = [Problem(problem, row=i) for problem in problems[first:]]
        if cr is not None:
            compiled.append(cr)
    return problems, compiled


def validate_map(config: Any) -> list[str]:
    """Every problem in a map config, as sentences for the settings form; [] when it can run."""
    return _check_config(config)[0]


def compile_map(config: Any) -> CompiledMap:
    """Validate and precompile; raises MapConfigError listing every problem."""
    problems, rules = _check_config(config)
    if problems:
        raise MapConfigError(problems)
    return CompiledMap(config, rules)


def export_map(config: dict) -> str:
    """A versioned JSON document of the map settings (rules and wrapping options)."""
    if not isinstance(config, dict):
        raise MapConfigError([gettext("The map settings must be an object with a rules list")])
    doc: dict = {"weft_map": FORMAT_VERSION}
    for k in OPTION_KEYS:
        if k in config:
            doc[k] = config[k]
    doc["rules"] = config.get("rules") or []
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _too_large() -> str:
    return gettext("the file is larger than %(size)d MB", size=MAX_IMPORT_BYTES // (1024 * 1024))


def import_map(text: str | bytes) -> dict:
    """Map settings from export_map's JSON; raises MapConfigError with a clear reason."""
    if isinstance(text, bytes):
        if len(text) > MAX_IMPORT_BYTES:
            raise MapConfigError([_too_large()])
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MapConfigError([gettext("the file is not UTF-8 text")]) from None
    if not isinstance(text, str):
        raise MapConfigError([gettext("the map export must be JSON text")])
    if len(text) > MAX_IMPORT_BYTES:
        raise MapConfigError([_too_large()])
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MapConfigError([gettext("the file is not valid JSON (%(reason)s at line %(line)d, column %(column)d)",
                                      reason=exc.msg, line=exc.lineno, column=exc.colno)]) from None
    if not isinstance(doc, dict) or "weft_map" not in doc:
        raise MapConfigError([gettext("this is not a Weft map export (no weft_map version)")])
    version = doc.pop("weft_map")
    if type(version) is not int or version < 1:
        raise MapConfigError([gettext("weft_map version %(version)s is not valid", version=repr(version))])
    if version > FORMAT_VERSION:
        raise MapConfigError([gettext("this map was exported by a newer Weft (format %(version)d); this version "
                                      "reads format %(current)d", version=version, current=FORMAT_VERSION)])
    extra = set(doc) - set(OPTION_KEYS) - {"rules"}
    if extra:
        raise MapConfigError([gettext("unknown setting '%(key)s'", key=k) for k in sorted(extra)])
    problems = validate_map(doc)
    if problems:
        raise MapConfigError(problems)
    return doc
