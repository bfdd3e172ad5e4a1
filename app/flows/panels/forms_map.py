"""The mapping editor's form: rules (source → target, a chain of transform functions) and the wrapping options.

Rules and transforms are read from the posted fields in document order (`rules-<r>-source`,
`rules-<r>-t-<t>-fn`, `rules-<r>-t-<t>-p-<param>`), so moving a row in the page reorders it without
renumbering; the numbers only keep rows apart.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from app.flows import transforms
from app.flows.panels.base import Panel, StepForm
from app.flows.problems import take_rows
from app.flows.transforms import TRANSFORMS, parse_number
from app.markers import N_

DISPLAY_KEYS = ("name", "label", "id", "note", "source_name", "target_name")
_RULE_KEY = re.compile(r"^rules-(\d+)-(.+)$")
_TRANSFORM_KEY = re.compile(r"^t-(\d+)-(fn|p-(.+))$")
CATEGORY_LABELS = {"array": N_("Array"), "date": N_("Date"), "number": N_("Number"), "string": N_("String"),
                   "other": N_("Other")}


@dataclass
class TransformRow:
    key: str  # the number that keeps this function's inputs apart
    fn: str = ""
    params: dict = field(default_factory=dict)  # param name -> value as stored (or as typed)

    @property
    def definition(self) -> transforms.Transform | None:
        return TRANSFORMS.get(self.fn)


@dataclass
class RuleRow:
    key: str
    source: str = ""
    target: str = ""
    multi: bool = False  # several source fields ("sources"), typed comma separated
    keep: dict = field(default_factory=dict)  # display-only keys carried over unchanged
    transforms: list[TransformRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    proposed: bool = False  # added by auto-map just now: marked in the page until the panel is reloaded

    def is_blank(self) -> bool:
        return not (self.source.strip() or self.target.strip() or any(t.fn for t in self.transforms))


def catalogue_groups() -> list[tuple[str, list[dict]]]:
    """The transform functions grouped by category, for the function picker."""
    groups: dict[str, list[dict]] = {}
    for item in transforms.catalogue():
        groups.setdefault(CATEGORY_LABELS.get(item["category"], item["category"]), []).append(item)
    return list(groups.items())


def param_text(param, value) -> str:
    """A stored parameter value as the text its input shows."""
    if value is None:
        value = param.default
    if value is None:
        return ""
    if param.kind == "fields":
        return ", ".join(value) if isinstance(value, (list, tuple)) else str(value)
    if param.kind == "bool":
        return "true" if value else "false"
    return str(value)


def rows_from_config(config: dict) -> list[RuleRow]:
    rows = []
    for number, rule in enumerate(config.get("rules") or []):
        if not isinstance(rule, dict):
            continue
        sources = rule.get("sources")
        multi = isinstance(sources, list)
        chain = []
        for t_number, item in enumerate(rule.get("transforms") or []):
            if isinstance(item, dict):
                params = item.get("params") if isinstance(item.get("params"), dict) else {}
                chain.append(TransformRow(key=str(t_number), fn=str(item.get("fn") or ""), params=dict(params)))
        source = ", ".join(map(str, sources)) if multi else str(rule.get("source") or "")
        rows.append(RuleRow(key=str(number), source=source,
                            target=str(rule.get("target") or ""), multi=multi,
                            keep={k: rule[k] for k in DISPLAY_KEYS if k in rule}, transforms=chain))
    return rows


def _param_value(param, raw: list[str]):
    """A typed parameter as the map config stores it; None leaves it out (the function's default applies)."""
    if param.kind == "bool":
        return bool(raw) and raw[-1].strip().lower() in ("true", "1", "on", "yes", "y")
    value = raw[-1] if raw else ""
    if param.kind == "text":
        return value
    value = value.strip()
    if not value:
        return None
    if param.kind == "number":
        try:
            return parse_number(value)
        except ValueError:
            return value  # kept as typed, so the check names it
    if param.kind == "fields":
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def rows_from_form(formdata) -> list[RuleRow]:
    rows: dict[str, RuleRow] = {}
    chains: dict[str, dict[str, TransformRow]] = {}
    for key in formdata:
        match = _RULE_KEY.match(key)
        if not match:
            continue
        number, rest = match.groups()
        row = rows.setdefault(number, RuleRow(key=number))
        chain = chains.setdefault(number, {})
        value = formdata.get(key, "")
        if rest in ("source", "target"):
            setattr(row, rest, value)
        elif rest == "multi":
            row.multi = value == "1"
        elif rest == "keep":
            try:
                kept = json.loads(value)
            except ValueError:
                kept = {}
            row.keep = {k: v for k, v in kept.items() if k in DISPLAY_KEYS} if isinstance(kept, dict) else {}
        else:
            t_match = _TRANSFORM_KEY.match(rest)
            if t_match:
                t_number = t_match.group(1)
                chain.setdefault(t_number, TransformRow(key=t_number))
                if t_match.group(2) == "fn":
                    chain[t_number].fn = value
    for number, row in rows.items():
        for t_number, item in chains[number].items():
            definition = item.definition
            if definition is None:
                continue
            prefix = f"rules-{number}-t-{t_number}-p-"
            for param in definition.params:
                stored = _param_value(param, formdata.getlist(prefix + param.name))
                if stored is not None:
                    item.params[param.name] = stored
        row.transforms = [t for t in chains[number].values() if t.fn]
    return [row for row in rows.values() if not row.is_blank()]


def rule_config(row: RuleRow) -> dict:
    rule: dict = dict(row.keep)
    if row.multi:
        rule["sources"] = [part.strip() for part in row.source.split(",") if part.strip()]
    elif row.source.strip():
        rule["source"] = row.source.strip()
    rule["target"] = row.target.strip()
    if row.transforms:
        rule["transforms"] = [{"fn": t.fn, "params": t.params} if t.params else {"fn": t.fn} for t in row.transforms]
    return rule


class MapForm(StepForm):
    wrap_input = BooleanField(_l("Wrap input payload"), description=_l("A payload that is not a list is mapped as a "
                                                                 "one-record list, so the output is a list too."))
    wrap_output = BooleanField(_l("Wrap output payload"), description=_l("An output that is not a list is wrapped in "
                                                                  "[ ] for the next shapes."))
    per_record = BooleanField(_l("Map list payloads record by record"), default=True,
                              description=_l("Off: a list payload is one record, so rules can read across records "
                                          "(0.id, *.id)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rules: list[RuleRow] = []
        self.notice: str | None = None

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        config = panel.config
        return {"wrap_input": bool(config.get("wrap_input")), "wrap_output": bool(config.get("wrap_output")),
                "per_record": config.get("per_record", True) is not False}

    def setup(self, panel: Panel, formdata=None) -> None:
        self.rules = rows_from_form(formdata) if formdata is not None else rows_from_config(panel.config)

    def load(self, config: dict) -> None:
        """Replace the rules and options with an imported map (not saved until the form is)."""
        self.rules = rows_from_config(config)
        self.wrap_input.data = bool(config.get("wrap_input"))
        self.wrap_output.data = bool(config.get("wrap_output"))
        self.per_record.data = config.get("per_record", True) is not False

    def propose(self, pairs) -> None:
        """Add auto-map's (source, target) rules after the user's, marked as proposed."""
        next_key = max((int(r.key) for r in self.rules if r.key.isdigit()), default=-1) + 1
        for offset, (source, target) in enumerate(pairs):
            self.rules.append(RuleRow(key=str(next_key + offset), source=source, target=target, proposed=True))

    def mark_proposed(self, targets) -> None:
        wanted = set(targets)
        for row in self.rules:
            row.proposed = row.target.strip() in wanted

    def to_config(self, panel: Panel) -> dict:
        config = {"rules": [rule_config(row) for row in self.rules]}
        if self.wrap_input.data:
            config["wrap_input"] = True
        if self.wrap_output.data:
            config["wrap_output"] = True
        if not self.per_record.data:
            config["per_record"] = False
        return config

    def route_problems(self, problems: list[str]) -> list[str]:
        return take_rows(problems, [row.problems for row in self.rules])
