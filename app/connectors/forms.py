"""Connector forms outside the builder: instances (fields made from the definition), Try it and the imports."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in pairs]


def _clean(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


# -- instances ---------------------------------------------------------------------------------------------
class InstanceForm(FlaskForm):
    name = StringField(_l("Instance name"), validators=[DataRequired(message=_l("Give the instance a name, e.g. 'Live "
                                                                          "store'.")), Length(max=120)])
    auth_method = SelectField(_l("Authentication method"), choices=[])
    timeout_seconds = IntegerField(_l("Timeout (seconds)"), default=30, validators=[
        Optional(), NumberRange(1, 600, message=_l("From 1 to 600 seconds."))])
    retries = SelectField(_l("Retries after a failure"), choices=choices([("0", "0"), ("1", "1"), ("2", "2")]),
                          default="2")
    rate_limit_per_minute = IntegerField(_l("Rate limit (requests per minute)"), validators=[
        Optional(), NumberRange(1, 100_000, message=_l("From 1 to 100,000."))])
    pool_size = IntegerField(_l("Connection pool (requests at once)"), validators=[
        Optional(), NumberRange(1, 1000, message=_l("From 1 to 1,000."))])
    specs: list[tuple[str, dict, str]] = []  # (field name, variable, "connector" | "auth")
    secrets_set: set[str] = set()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for name, var, _group in self.specs:
            field = self.values[name]
            stored = var.get("secret") and var["key"] in self.secrets_set
            if var.get("required") and not _clean(field.data) and var.get("default") in (None, "") and not stored:
                field.errors = [*field.errors, f"Enter the {(var.get('label') or var['key']).lower()}."]
        return ok and not self.values.errors

    def values_dict(self) -> dict:
        return {var["key"]: (self.values[name].data or "") for name, var, _group in self.specs}

    def settings(self) -> dict:
        return {"timeout_seconds": self.timeout_seconds.data, "retries": int(self.retries.data or 2),
                "rate_limit_per_minute": self.rate_limit_per_minute.data, "pool_size": self.pool_size.data}

    def grouped(self, group: str) -> list[tuple[Any, dict]]:
        return [(self.values[name], var) for name, var, g in self.specs if g == group]


def instance_form(definition: dict, method: dict | None, instance=None, stored: dict | None = None,
                  **kwargs) -> InstanceForm:
    """Fields for the connector's variables and the chosen method's variables (secrets as password inputs)."""
    specs: list[tuple[str, dict, str]] = []
    attrs: dict = {}
    seen: set[str] = set()
    auth_vars = list((method or {}).get("variables") or [])
    auth_keys = {v["key"] for v in auth_vars}
    for group, variables in (("connector", definition.get("variables") or []), ("auth", auth_vars)):
        for var in variables:
            if var["key"] in seen or (group == "connector" and var["key"] in auth_keys):
                continue
            seen.add(var["key"])
            name = f"v{len(specs)}"
            label, help_text = var.get("label") or var["key"], var.get("help") or ""
            if var.get("secret"):
                attrs[name] = PasswordField(label, description=help_text)
            elif var.get("options"):
                options = [(str(o), str(o)) for o in var["options"]]
                blank = [] if var.get("required") else [("", "—")]
                attrs[name] = SelectField(label, choices=choices(blank + options),
                                          default=var.get("default"), description=help_text)
            else:
                attrs[name] = StringField(label, default=var.get("default"), description=help_text)
            specs.append((name, var, group))
    values_cls = type("InstanceValues", (Form,), attrs)
    cls = type("InstanceForm", (InstanceForm,), {"values": FormField(values_cls), "specs": specs,
                                                 "secrets_set": set((stored or {}).get("secrets_set") or [])})
    if instance is not None and kwargs.get("formdata", "posted") is None:  # a GET shows the stored values
        values = (stored or {}).get("values") or {}
        kwargs["data"] = {
            "name": instance.name, "auth_method": (method or {}).get("key"),
            "timeout_seconds": instance.timeout_seconds, "retries": str(instance.retries),
            "rate_limit_per_minute": instance.rate_limit_per_minute, "pool_size": instance.pool_size,
            "values": {name: ("" if var.get("secret") else values.get(var["key"], var.get("default")))
                       for name, var, _g in specs}}
    form = cls(**kwargs)
    methods = definition.get("auth_methods") or []
    form.auth_method.choices = choices((m["key"], m.get("name") or m["key"]) for m in methods)
    if method is not None:
        form.auth_method.data = method.get("key")
    return form


# -- Try it --------------------------------------------------------------------------------------------------
class TryForm(FlaskForm):
    instance_id = SelectField(_l("Instance"), coerce=int, choices=[],
                              validate_choice=True)
    payload = TextAreaField(_l("Payload (JSON or text, optional)"), validators=[Length(max=100_000)])
    specs: list[tuple[str, dict]] = []

    def values_dict(self) -> dict:
        return {var["key"]: self.values[name].data or "" for name, var in self.specs}


def try_form(endpoint: dict, instances: list, **kwargs) -> TryForm:
    specs, attrs = [], {}
    for var in endpoint.get("variables") or []:
        name = f"v{len(specs)}"
        label = (var.get("label") or var["key"]) + ("" if var.get("required") else " (optional)")
        attrs[name] = StringField(label, default=var.get("default"), description=var.get("help") or "")
        specs.append((name, var))
    cls = type("TryForm", (TryForm,), {"values": FormField(type("TryValues", (Form,), attrs)), "specs": specs})
    form = cls(**kwargs)
    form.instance_id.choices = choices((i.id, i.name) for i in instances)
    return form


# -- imports -----------------------------------------------------------------------------------------------
class ImportDefinitionForm(FlaskForm):
    file = FileField(_l("Connector definition (.json)"), validators=[FileRequired(message="Choose a .json file.")])
    replace = BooleanField(_l("Replace a custom connector with the same key"))


class PostmanImportForm(FlaskForm):
    file = FileField(_l("Postman collection (v2.1 .json)"), validators=[FileRequired(message="Choose the collection's "
                                                                                          ".json file.")])
    name = StringField(_l("Connector name (optional)"), validators=[Optional(), Length(max=120)])
