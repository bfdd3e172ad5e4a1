"""Connector forms: the builder's four steps, instances (fields made from the connector's definition), Try it,
and the imports. Each form turns what was typed into plain definition data (`*_data()` methods); the builder
services validate the whole definition.

Repeating rows (variables, headers, query parameters) are FieldLists: an "Add" button (`_add=<list>`) or a
row's remove button (`_remove=<list>-<index>`) re-renders the form with one row more or less, nothing saved.
"""
from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.connectors import auth as auth_types
from app.connectors import builder
from app.connectors import pagination as paginations
from app.connectors.definitions import CATEGORIES, DATA_TYPES, KEY_RE, METHODS, VAR_KEY_RE

# Settings whose blank value means "nothing" rather than "use the default".
EXPLICIT_EMPTY = {"prefix", "token_prefix", "scope", "page_param", "realm"}
PREFIX_KEYS = {"prefix", "token_prefix"}
WHOLE_NUMBERS = {"limit", "start_page", "start_offset", "max_pages", "token_ttl"}
# Settings most connectors leave alone: shown folded under "Advanced settings".
ADVANCED_SETTINGS = {"extra_authorize_params", "refresh_grant_type", "client_auth", "access_token_key",
                     "refresh_token_key", "token_header", "token_prefix", "extra_params", "grant_type", "namespaces",
                     "token_ttl", "relogin_on", "allow_empty", "max_pages", "stop_on_short_page", "start_page",
                     "start_offset", "total_pages_path", "total_path", "count_path", "has_more_path"}
DATA_TYPE_LABELS = {"json": "JSON", "xml": "XML", "form": "Form fields (urlencoded)", "text": "Plain text"}
VAR_KEY_MESSAGE = "A key starts with a letter and holds letters, digits and underscores (e.g. store_name)."


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in pairs]


def _clean(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_pairs(text: str) -> dict[str, str]:
    """'name = value' (or 'name: value') lines as a dict; ValueError names the first line it cannot read."""
    pairs: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        sep = "=" if "=" in line else ":" if ":" in line else None
        if sep is None:
            raise ValueError(f"Line {number} needs 'name = value'.")
        name, value = line.split(sep, 1)
        if not name.strip():
            raise ValueError(f"Line {number} has no name before '{sep}'.")
        pairs[name.strip()] = value.strip()
    return pairs


def pairs_text(pairs: dict | None) -> str:
    return "\n".join(f"{k} = {v}" for k, v in (pairs or {}).items())


# -- repeating rows -------------------------------------------------------------------------------------
class PairRow(Form):
    name = StringField("Name", validators=[Length(max=200)])
    value = StringField("Value", validators=[Length(max=2000)])


class VariableRow(Form):
    key = StringField("Key", validators=[Length(max=80)])
    label = StringField("Label", validators=[Length(max=120)])
    required = BooleanField("Required")
    default = StringField("Default", validators=[Length(max=500)])
    help = StringField("Help text", validators=[Length(max=300)])
    options = StringField("Choices", validators=[Length(max=1000)])


class AuthVariableRow(VariableRow):
    secret = BooleanField("Secret")


class RowsForm(FlaskForm):
    ROW_LISTS: tuple[str, ...] = ()

    def row_action(self, formdata) -> bool:
        """Apply an add/remove row button; True when one was pressed (the view re-renders, saving nothing)."""
        add, remove = formdata.get("_add"), formdata.get("_remove")
        if add in self.ROW_LISTS:
            self[add].append_entry()
            return True
        if remove and "-" in remove:
            name, _, index = remove.rpartition("-")
            if name in self.ROW_LISTS:
                rows = self[name]
                rows.entries = [e for e in rows.entries if e.name != f"{name}-{index}"]
                return True
        return False

    @staticmethod
    def _filled(row) -> bool:
        return any(_clean(v) for k, v in row.data.items() if k not in ("required", "secret", "csrf_token"))

    def _check_variables(self, name: str) -> None:
        seen: set[str] = set()
        for entry in self[name].entries:
            if not self._filled(entry.form):
                continue
            key = _clean(entry.form.key.data)
            if not key:
                entry.form.key.errors = [*entry.form.key.errors, "Give this variable a key."]
            elif not VAR_KEY_RE.match(key):
                entry.form.key.errors = [*entry.form.key.errors, VAR_KEY_MESSAGE]
            elif key in seen:
                entry.form.key.errors = [*entry.form.key.errors, f"'{key}' is used twice."]
            seen.add(key)

    def _check_pairs(self, name: str) -> None:
        for entry in self[name].entries:
            if _clean(entry.form.value.data) and not _clean(entry.form.name.data):
                entry.form.name.errors = [*entry.form.name.errors, "Give this value a name."]

    def rows_valid(self) -> bool:
        return not any(e.form.errors for n in self.ROW_LISTS for e in self[n].entries)

    def variables_data(self, name: str = "variables", secrets: bool = False) -> list[dict]:
        out = []
        for entry in self[name].entries:
            row = entry.form
            if not self._filled(row):
                continue
            key = _clean(row.key.data)
            var: dict = {"key": key, "label": _clean(row.label.data) or key.replace("_", " ").capitalize(),
                         "required": bool(row.required.data), "secret": bool(secrets and row.secret.data)}
            if _clean(row.default.data):
                var["default"] = row.default.data.strip()
            if _clean(row.help.data):
                var["help"] = row.help.data.strip()
            options = [o.strip() for o in (row.options.data or "").split(",") if o.strip()]
            if options:
                var["options"] = options
            out.append(var)
        return out

    def pairs_data(self, name: str) -> dict[str, str]:
        return {_clean(e.form.name.data): e.form.value.data or "" for e in self[name].entries
                if _clean(e.form.name.data)}


def variable_rows(variables: list[dict] | None) -> list[dict]:
    return [{**v, "options": ", ".join(str(o) for o in v.get("options") or []),
             "default": "" if v.get("default") is None else str(v.get("default"))} for v in variables or []]


def pair_rows(pairs: dict | None) -> list[dict]:
    return [{"name": k, "value": v if isinstance(v, str) else json.dumps(v)} for k, v in (pairs or {}).items()]


# -- settings made from an auth type's or a pagination method's fields ----------------------------------
def _settings_class(fields: list) -> type[Form]:
    attrs: dict = {}
    for f in fields:
        help_text = f.help or ""
        if f.choices:
            attrs[f.key] = SelectField(f.label, choices=choices((c, c) for c in f.choices), default=f.default,
                                       description=help_text)
        elif isinstance(f.default, bool):
            attrs[f.key] = BooleanField(f.label, default=f.default, description=help_text)
        elif isinstance(f.default, dict):
            attrs[f.key] = TextAreaField(f.label, description=(help_text + ". " if help_text else "") +
                                         "One per line: name = value.")
        elif f.key.endswith("_body"):
            attrs[f.key] = TextAreaField(f.label, description=help_text)
        else:
            attrs[f.key] = StringField(f.label, default=None if f.default is None else str(f.default),
                                       description=help_text)
    return type("SettingsForm", (Form,), attrs)


def advanced_keys(kind: str) -> set[str]:
    """The settings of an auth type or pagination method folded away by default."""
    return ADVANCED_SETTINGS | ({"placement"} if kind.startswith("oauth2") else set())


def settings_rows(fields: list, settings: dict | None) -> SimpleNamespace:
    """Stored settings as form data (dicts as 'name = value' lines). An object, not a dict: FormField passes a
    dict's keys as keywords, and a setting called 'prefix' would clash with the form's own."""
    data = {}
    for f in fields:
        value = (settings or {}).get(f.key, f.default)
        data[f.key] = pairs_text(value) if isinstance(f.default, dict) else value
    return SimpleNamespace(**data)


def settings_data(subform: Form, fields: list) -> dict:
    """The settings as a definition stores them; a blank text falls back to the field's default."""
    out: dict = {}
    for f in fields:
        value = subform[f.key].data
        if isinstance(f.default, bool):
            out[f.key] = bool(value)
        elif isinstance(f.default, dict):
            out[f.key] = parse_pairs(value or "")
        else:
            text = value if isinstance(value, str) else ("" if value is None else str(value))
            text = text if f.key in PREFIX_KEYS else text.strip()
            if f.key in PREFIX_KEYS and text.strip() and text[-1].isalnum():
                text += " "  # "Bearer" means "Bearer <token>"
            if not text.strip():
                if f.key in EXPLICIT_EMPTY and f.default not in (None, ""):
                    out[f.key] = ""
                continue
            out[f.key] = int(text) if f.key in WHOLE_NUMBERS and text.isdigit() else text
    return out


def _check_settings(subform: Form, fields: list) -> None:
    for f in fields:
        field = subform[f.key]
        if isinstance(f.default, dict):
            try:
                parse_pairs(field.data or "")
            except ValueError as exc:
                field.errors = [*field.errors, str(exc)]
        elif f.required and f.default in (None, "") and not _clean(field.data):
            field.errors = [*field.errors, f"Enter the {f.label.lower()}."]


# -- step 1: basic details ---------------------------------------------------------------------------
class DetailsForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the connector a name."), Length(max=120)])
    version = StringField("Version", default="1", validators=[Length(max=80)])
    icon = SelectField("Icon", choices=choices((i, i.removeprefix("bi-").replace("-", " ")) for i in builder.ICONS),
                       default="bi-plug")
    category = SelectField("System type", choices=choices((c, builder.CATEGORY_LABELS.get(c, c)) for c in CATEGORIES),
                           default="other")
    description = TextAreaField("Description", validators=[Length(max=2000)])
    documentation_url = StringField("Documentation link", validators=[
        Optional(), Length(max=500), Regexp(r"^https?://\S+$", message="Enter a full link starting with https://.")])
    base_url = StringField("Base URL", validators=[
        DataRequired(message="Enter the address every endpoint starts with, e.g. https://api.example.com/v1."),
        Length(max=500)])
    test_path = StringField("Connection test path", validators=[Optional(), Length(max=500)])

    def details(self) -> dict:
        return {"name": self.name.data.strip(), "version": _clean(self.version.data) or "1", "icon": self.icon.data,
                "category": self.category.data, "description": _clean(self.description.data),
                "documentation_url": _clean(self.documentation_url.data), "base_url": _clean(self.base_url.data),
                "test_path": _clean(self.test_path.data)}


def details_form(definition: dict | None = None, **kwargs) -> DetailsForm:
    """The basic-details form; `definition` fills it on a GET (and keeps an icon that is not in the list)."""
    if definition is not None and kwargs.get("formdata", "posted") is None:  # a GET shows the stored values
        data = {k: definition.get(k) for k in builder.DETAIL_KEYS if definition.get(k) is not None}
        test = definition.get("test")
        data["test_path"] = test.get("path", "") if isinstance(test, dict) else ""
        kwargs["data"] = data
    form = DetailsForm(**kwargs)
    icon = (definition or {}).get("icon")
    if icon and icon not in {c.value for c in form.icon.choices}:
        form.icon.choices = [*form.icon.choices, SelectChoice(icon, icon.removeprefix("bi-").replace("-", " "))]
    return form


# -- step 2: connector variables -----------------------------------------------------------------------
class VariablesForm(RowsForm):
    ROW_LISTS = ("variables",)
    variables = FieldList(FormField(VariableRow), min_entries=0)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self._check_variables("variables")
        return ok and self.rows_valid()


# -- step 3: authentication methods --------------------------------------------------------------------
class AuthMethodForm(RowsForm):
    ROW_LISTS = ("variables", "headers", "query")
    name = StringField("Name", validators=[DataRequired(message="Give the method a name, e.g. 'API key'."),
                                           Length(max=120)])
    type = SelectField("Authentication type", choices=[])
    variables = FieldList(FormField(AuthVariableRow), min_entries=0)
    headers = FieldList(FormField(PairRow), min_entries=0)
    query = FieldList(FormField(PairRow), min_entries=0)
    auth_fields: list = []

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self._check_variables("variables")
        self._check_pairs("headers")
        self._check_pairs("query")
        _check_settings(self.settings, self.auth_fields)
        return ok and self.rows_valid() and not self.settings.errors

    def method_data(self) -> dict:
        return {"name": self.name.data.strip(), "type": self.type.data,
                "settings": settings_data(self.settings, self.auth_fields),
                "variables": self.variables_data("variables", secrets=True),
                "headers": self.pairs_data("headers"), "query": self.pairs_data("query")}


def auth_method_form(kind: str, type_choices: list[tuple[str, str]], method: dict | None = None,
                     **kwargs) -> AuthMethodForm:
    """The form for a method of `kind`; `method` (stored or the type's defaults) fills it on a GET."""
    fields = auth_types.get(kind).fields
    cls = type("AuthMethodForm", (AuthMethodForm,), {"settings": FormField(_settings_class(fields)),
                                                     "auth_fields": fields})
    if method is not None:
        kwargs["data"] = {"name": method.get("name", ""), "type": kind,
                          "settings": settings_rows(fields, method.get("settings")),
                          "variables": variable_rows(method.get("variables")),
                          "headers": pair_rows(method.get("headers")), "query": pair_rows(method.get("query"))}
    form = cls(**kwargs)
    form.type.choices = choices(type_choices)
    if method is not None or not form.type.data:
        form.type.data = kind
    return form


# -- step 4: endpoints ------------------------------------------------------------------------------------
class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EndpointForm(RowsForm):
    ROW_LISTS = ("variables", "query", "headers")
    name = StringField("Name", validators=[DataRequired(message="Give the endpoint a name, e.g. 'List orders'."),
                                           Length(max=120)])
    key = StringField("Key", validators=[Optional(), Regexp(KEY_RE.pattern, message="Lower-case letters, digits, "
                                                                                   "'-' or '_' (e.g. list_orders).")])
    entity = StringField("Entity (group)", validators=[Length(max=80)])
    description = TextAreaField("Description", validators=[Length(max=2000)])
    direction = SelectField("Direction", choices=choices([("receive", "Receive (get data)"),
                                                          ("send", "Send (push data)")]))
    method = SelectField("HTTP method", choices=choices((m, m) for m in METHODS), default="GET")
    path = StringField("Path", validators=[Length(max=1000)])
    data_type = SelectField("Data type", choices=choices((d, DATA_TYPE_LABELS[d]) for d in DATA_TYPES), default="json")
    query = FieldList(FormField(PairRow), min_entries=0)
    headers = FieldList(FormField(PairRow), min_entries=0)
    variables = FieldList(FormField(VariableRow), min_entries=0)
    body = TextAreaField("Body template", validators=[Length(max=100_000)])
    records_path = StringField("Records path", validators=[Length(max=200)])
    pagination_type = SelectField("Pagination method", choices=[])
    auth_methods = MultiCheckboxField("Authentication methods", choices=[])
    schema = TextAreaField("Schema (JSON, optional)", validators=[Length(max=200_000)])
    pagination_fields: list = []

    def validate_schema(self, field):
        if _clean(field.data):
            try:
                parsed = json.loads(field.data)
            except ValueError as exc:
                raise ValidationError(f"The schema is not valid JSON: {exc}.") from None
            if not isinstance(parsed, dict):
                raise ValidationError("The schema must be a JSON object ({ ... }).")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self._check_variables("variables")
        self._check_pairs("query")
        self._check_pairs("headers")
        _check_settings(self.pagination, self.pagination_fields)
        return ok and self.rows_valid() and not self.pagination.errors

    def _body(self) -> Any:
        text = self.body.data or ""
        if not text.strip():
            return None
        if self.data_type.data in ("json", "form"):
            try:
                parsed = json.loads(text)
            except ValueError:
                return text  # a template with {{tokens}} outside quotes stays text
            if isinstance(parsed, (dict, list)):
                return parsed
        return text

    def endpoint_data(self) -> dict:
        kind = self.pagination_type.data or "none"
        pagination = None if kind == "none" else {"type": kind, **settings_data(self.pagination,
                                                                                self.pagination_fields)}
        data = {"name": self.name.data.strip(), "entity": _clean(self.entity.data) or "general",
                "direction": self.direction.data, "method": self.method.data, "path": _clean(self.path.data),
                "data_type": self.data_type.data, "query": self.pairs_data("query"),
                "headers": self.pairs_data("headers"), "variables": self.variables_data("variables"),
                "body": self._body(), "records_path": _clean(self.records_path.data) or None,
                "pagination": pagination, "auth_methods": list(self.auth_methods.data or []) or None,
                "schema": json.loads(self.schema.data) if _clean(self.schema.data) else None,
                "description": _clean(self.description.data)}
        if _clean(self.key.data):
            data["key"] = self.key.data.strip()
        return data


def pagination_choices(current: str | None = None) -> list[SelectChoice]:
    return choices((k, "None (one request)" if k == "none" else p.label) for k, p in paginations.PAGINATIONS.items()
                   if k != "script" or current == "script")


def endpoint_form(kind: str, methods: list[dict], endpoint: dict | None = None, **kwargs) -> EndpointForm:
    fields = paginations.get(kind).fields
    cls = type("EndpointForm", (EndpointForm,), {"pagination": FormField(_settings_class(fields)),
                                                 "pagination_fields": fields})
    if endpoint is not None:
        body = endpoint.get("body")
        kwargs["data"] = {
            "name": endpoint.get("name", ""), "key": endpoint.get("key", ""), "entity": endpoint.get("entity", ""),
            "description": endpoint.get("description", ""), "direction": endpoint.get("direction", "receive"),
            "method": str(endpoint.get("method", "GET")).upper(), "path": endpoint.get("path", ""),
            "data_type": endpoint.get("data_type", "json"), "query": pair_rows(endpoint.get("query")),
            "headers": pair_rows(endpoint.get("headers")), "variables": variable_rows(endpoint.get("variables")),
            "body": body if isinstance(body, str) else (json.dumps(body, indent=2) if body is not None else ""),
            "records_path": endpoint.get("records_path") or "", "pagination_type": kind,
            "pagination": settings_rows(fields, endpoint.get("pagination")),
            "auth_methods": list(endpoint.get("auth_methods") or []),
            "schema": json.dumps(endpoint["schema"], indent=2) if endpoint.get("schema") else ""}
    form = cls(**kwargs)
    form.pagination_type.choices = pagination_choices(kind)
    form.auth_methods.choices = choices((m["key"], m.get("name") or m["key"]) for m in methods)
    if endpoint is not None or not form.pagination_type.data:
        form.pagination_type.data = kind
    return form


# -- instances ---------------------------------------------------------------------------------------------
class InstanceForm(FlaskForm):
    name = StringField("Instance name", validators=[DataRequired(message="Give the instance a name, e.g. 'Live "
                                                                          "store'."), Length(max=120)])
    auth_method = SelectField("Authentication method", choices=[])
    timeout_seconds = IntegerField("Timeout (seconds)", default=30, validators=[
        Optional(), NumberRange(1, 600, message="From 1 to 600 seconds.")])
    retries = SelectField("Retries after a failure", choices=choices([("0", "0"), ("1", "1"), ("2", "2")]), default="2")
    rate_limit_per_minute = IntegerField("Rate limit (requests per minute)", validators=[
        Optional(), NumberRange(1, 100_000, message="From 1 to 100,000.")])
    pool_size = IntegerField("Connection pool (requests at once)", validators=[
        Optional(), NumberRange(1, 1000, message="From 1 to 1,000.")])
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
    instance_id = SelectField("Instance", coerce=int, choices=[],
                              validate_choice=True)
    payload = TextAreaField("Payload (JSON or text, optional)", validators=[Length(max=100_000)])
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
    file = FileField("Connector definition (.json)", validators=[FileRequired(message="Choose a .json file.")])
    replace = BooleanField("Replace a custom connector with the same key")


class PostmanImportForm(FlaskForm):
    file = FileField("Postman collection (v2.1 .json)", validators=[FileRequired(message="Choose the collection's "
                                                                                          ".json file.")])
    name = StringField("Connector name (optional)", validators=[Optional(), Length(max=120)])
