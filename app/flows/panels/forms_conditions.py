"""Condition rows (field, type, operator, value, date format) and the filter and route settings built on them."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional

from app.flows.conditions import MAX_VALUE_LENGTH, OPERATORS, TYPES
from app.flows.panels.base import Panel, StepForm, options, translate_choices, values_of
from app.flows.problems import path_of, take_rows
from app.flows.shapes.route import METHODS
from app.markers import N_

LOGIC_CHOICES = [("and", N_("All conditions (AND)")), ("or", N_("Any condition (OR)"))]
DATE_TYPES = ("specific_date", "dynamic_date")
NO_VALUE = {t: {op.name for op in ops if not op.needs_value} for t, ops in OPERATORS.items()}
VALUE_HINTS = {
    "string": N_("Text; a list is comma separated (FR,DE,IE)."),
    "number": N_("A number, or 10..20 for between."),
    "specific_date": N_("A date such as 2025-01-31 or 2025-01-31T09:00:00Z; two dates with .. for between."),
    "dynamic_date": N_("How far from now, such as 7 days, 12 hours or -1 month."),
    "boolean": "",
}


def operator_choices(type_: str | None) -> list[tuple[str, str]]:
    # Labels are marked English constants; __init__ calls this again in the request's language.
    return [(op.name, gettext(op.label)) for op in OPERATORS.get(type_ or "string", OPERATORS["string"])]


class ConditionForm(Form):
    field = StringField(_l("Field"), [Optional(), Length(max=1024)])
    type = SelectField(_l("Type"), choices=options(TYPES.items()), default="string")
    operator = SelectField(_l("Operator"), choices=options(operator_choices("string")), validate_choice=False)
    value = StringField(_l("Value"), [Optional(), Length(max=MAX_VALUE_LENGTH)])
    date_format = StringField(_l("Date format"), [Optional(), Length(max=100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        translate_choices(self, {"type": TYPES.items()})
        self.operator.choices = options(operator_choices(self.type.data))
        self.problems: list[str] = []

    def is_blank(self) -> bool:
        return not (self.field.data or "").strip() and not (self.value.data or "").strip()

    def validate(self, extra_validators=None) -> bool:
        if self.is_blank():
            return True
        ok = super().validate(extra_validators)
        if self.operator.data not in values_of(self.operator):
            wanted = _l(TYPES[self.type.data]) if self.type.data in TYPES else _l("this type")
            self.operator.errors = [*self.operator.errors, _l("Choose an operator for %(type)s.", type=wanted)]
            ok = False
        if not (self.field.data or "").strip():
            self.field.errors = [*self.field.errors, _l("Choose a field, or type its path.")]
            ok = False
        return ok

    def row(self) -> dict:
        type_ = self.type.data or "string"
        needs_value = self.operator.data not in NO_VALUE.get(type_, set())
        return {"field": (self.field.data or "").strip(), "operator": self.operator.data, "type": type_,
                "value": (self.value.data or "") if needs_value else None,
                "date_format": (self.date_format.data or "").strip() or None if type_ in DATE_TYPES else None}


def rows_of(entries) -> list[dict]:
    return [entry.form.row() for entry in entries if not entry.form.is_blank()]


def condition_data(rows) -> list[dict]:
    out = []
    for row in rows or []:
        if not isinstance(row, dict):
            continue
        value = row.get("value")
        out.append({"field": row.get("field") or "", "type": row.get("type") or "string",
                    "operator": row.get("operator") or "", "value": "" if value is None else str(value),
                    "date_format": row.get("date_format") or ""})
    return out


def route_condition_problems(problems: list[str], entries) -> list[str]:
    """Give condition problems to the rows they name (the config's rows are the non-blank entries)."""
    return take_rows(problems, [entry.form.problems for entry in entries if not entry.form.is_blank()])


class FilterForm(StepForm):
    conditions = FieldList(FormField(ConditionForm), min_entries=1)
    logic = SelectField(_l("Match records where"), choices=options(LOGIC_CHOICES), default="and")
    keep_matching = BooleanField(_l("Keep matching records"), default=True,
                                 description=_l("On: records that match are kept and the rest removed. "
                                             "Off: records that match are removed and the rest go on."))
    choice_labels = {"logic": LOGIC_CHOICES}

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        config = panel.config
        return {"conditions": condition_data(config.get("conditions")) or [{}],
                "logic": str(config.get("logic") or "and").lower(),
                "keep_matching": config.get("keep_matching", True) is not False}

    def to_config(self, panel: Panel) -> dict:
        config = {"conditions": rows_of(self.conditions.entries), "logic": self.logic.data,
                  "keep_matching": bool(self.keep_matching.data)}
        if "source" in panel.config:
            config["source"] = panel.config["source"]  # the schema helper is kept as it was
        return config

    def route_problems(self, problems: list[str]) -> list[str]:
        return route_condition_problems(problems, self.conditions.entries)


class RoutePathForm(Form):
    id = HiddenField()
    name = StringField(_l("Route name"), [Optional(), Length(max=120)])
    logic = SelectField(_l("Match records where"), choices=options(LOGIC_CHOICES), default="and")
    conditions = FieldList(FormField(ConditionForm))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        translate_choices(self, {"logic": LOGIC_CHOICES})
        self.problems: list[str] = []


class RouteForm(StepForm):
    method = SelectField(_l("Routing method"), choices=options(METHODS.items()), default="all",
                         description=_l("All: a record goes down every route it matches. First: only down the first "
                                     "matching route, in the order below."))
    choice_labels = {"method": METHODS.items()}
    paths = FieldList(FormField(RoutePathForm))
    has_paths = True

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        paths = []
        for path in panel.paths:
            config = path.get("config") or {}
            paths.append({"id": path.get("id"), "name": path.get("name") or "",
                          "logic": str(config.get("logic") or "and").lower(),
                          "conditions": condition_data(config.get("conditions"))})
        return {"method": panel.config.get("method", "all"), "paths": paths}

    def to_config(self, panel: Panel) -> dict:
        config = {"method": self.method.data}
        if "source" in panel.config:
            config["source"] = panel.config["source"]
        return config

    def to_paths(self, panel: Panel) -> list[dict]:
        old = {str(p.get("id")): p.get("config") or {} for p in panel.paths}
        out = []
        for number, entry in enumerate(self.paths.entries, start=1):
            form = entry.form
            config = {"logic": form.logic.data, "conditions": rows_of(form.conditions.entries)}
            if "source" in old.get(form.id.data or "", {}):
                config["source"] = old[form.id.data]["source"]
            out.append({"id": form.id.data or None, "name": (form.name.data or "").strip() or f"Route {number}",
                        "config": config})
        return out

    def route_problems(self, problems: list[str]) -> list[str]:
        rest = []
        forms = [entry.form for entry in self.paths.entries]
        for problem in problems:
            index = path_of(problem)
            if index is not None and 0 <= index < len(forms):
                form = forms[index]
                form.problems += route_condition_problems([problem.in_path()], form.conditions.entries)
            else:
                rest.append(problem)
        return rest
