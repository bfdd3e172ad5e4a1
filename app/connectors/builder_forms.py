"""The connector builder's four steps as forms: basic details, connector variables, authentication methods, endpoints.

Each form turns what was typed into plain definition data (`*_data()` methods); the builder services validate the
whole definition.
"""
from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.connectors import auth as auth_types
from app.connectors import builder
from app.connectors import pagination as paginations
from app.connectors.builder_rows import (
    AuthVariableRow,
    PairRow,
    RowsForm,
    VariableRow,
    _check_settings,
    _settings_class,
    pair_rows,
    settings_data,
    settings_rows,
    variable_rows,
)
from app.connectors.definitions import CATEGORIES, DATA_TYPES, KEY_RE, METHODS
from app.connectors.forms import _clean, choices
from app.scripts import picker

DATA_TYPE_LABELS = {"json": "JSON", "xml": "XML", "form": _l("Form fields (urlencoded)"), "text": _l("Plain text")}


# -- step 1: basic details ---------------------------------------------------------------------------
class DetailsForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the connector a name.")), Length(max=120)])
    version = StringField(_l("Version"), default="1", validators=[Length(max=80)])
    icon = SelectField(_l("Icon"), choices=choices((i, i.removeprefix("bi-").replace("-", " ")) for i in builder.ICONS),
                       default="bi-plug")
    category = SelectField(_l("System type"), choices=choices((c, builder.CATEGORY_LABELS.get(c,
                                                                                              c)) for c in CATEGORIES),
                           default="other")
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    documentation_url = StringField(_l("Documentation link"), validators=[
        Optional(), Length(max=500), Regexp(r"^https?://\S+$", message=_l("Enter a full link starting with https://."))])
    base_url = StringField(_l("Base URL"), validators=[
        DataRequired(message=_l("Enter the address every endpoint starts with, e.g. https://api.example.com/v1.")),
        Length(max=500)])
    test_path = StringField(_l("Connection test path"), validators=[Optional(), Length(max=500)])

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
    ROW_LISTS = ("variables", "headers", "query", "body")
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the method a name, e.g. 'API key'.")),
                                           Length(max=120)])
    type = SelectField(_l("Authentication type"), choices=[])
    variables = FieldList(FormField(AuthVariableRow), min_entries=0)
    headers = FieldList(FormField(PairRow), min_entries=0)
    query = FieldList(FormField(PairRow), min_entries=0)
    body = FieldList(FormField(PairRow), min_entries=0)
    pre_request_script = picker.script_field(
        _l("Pre-request script"), _l("Runs on the method's own token or login request (OAuth 2, SOAP login); with "
                                     "other types, on every request before the credentials are added."))
    post_request_script = picker.script_field(
        _l("Post-request script"), _l("Runs on the token or login response (OAuth 2, SOAP login); with other "
                                      "types, on every response, before the endpoint's own script."))
    auth_fields: list = []

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self._check_variables("variables")
        self._check_pairs("headers")
        self._check_pairs("query")
        self._check_pairs("body")
        _check_settings(self.settings, self.auth_fields)
        return ok and self.rows_valid() and not self.settings.errors

    def method_data(self) -> dict:
        return {"name": self.name.data.strip(), "type": self.type.data,
                "settings": settings_data(self.settings, self.auth_fields),
                "variables": self.variables_data("variables", secrets=True),
                "headers": self.pairs_data("headers"), "query": self.pairs_data("query"),
                "body": self.pairs_data("body"), **scripts_data(self)}


SCRIPT_KEYS = ("pre_request_script", "post_request_script")


def scripts_data(form) -> dict:
    return {key: picker.reference(form[key].data) for key in SCRIPT_KEYS}


def offer_scripts(form, saved: dict | None) -> None:
    """The script selects' choices; the references `saved` in the definition stay choosable."""
    for key in SCRIPT_KEYS:
        picker.offer(form[key], (saved or {}).get(key))


def auth_method_form(kind: str, type_choices: list[tuple[str, str]], method: dict | None = None,
                     saved: dict | None = None, **kwargs) -> AuthMethodForm:
    """The form for a method of `kind`; `method` (stored or the type's defaults) fills it on a GET; `saved` is the
    method as the definition holds it."""
    fields = auth_types.get(kind).fields
    cls = type("AuthMethodForm", (AuthMethodForm,), {"settings": FormField(_settings_class(fields)),
                                                     "auth_fields": fields})
    if method is not None:
        kwargs["data"] = {"name": method.get("name", ""), "type": kind,
                          "settings": settings_rows(fields, method.get("settings")),
                          "variables": variable_rows(method.get("variables")),
                          "headers": pair_rows(method.get("headers")), "query": pair_rows(method.get("query")),
                          "body": pair_rows(method.get("body")),
                          **{key: picker.stored(method.get(key)) for key in SCRIPT_KEYS}}
    form = cls(**kwargs)
    form.type.choices = choices(type_choices)
    offer_scripts(form, saved)
    if method is not None or not form.type.data:
        form.type.data = kind
    return form


# -- step 4: endpoints ------------------------------------------------------------------------------------
class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EndpointForm(RowsForm):
    ROW_LISTS = ("variables", "query", "headers", "field_tags")
    name = StringField(_l("Name"),
                       validators=[DataRequired(message=_l("Give the endpoint a name, e.g. 'List orders'.")),
                                           Length(max=120)])
    key = StringField(_l("Key"), validators=[Optional(), Regexp(KEY_RE.pattern,
                                                                message=_l("Lower-case letters, digits, "
                                                                                   "'-' or '_' (e.g. list_orders)."))])
    entity = StringField(_l("Entity (group)"), validators=[Length(max=80)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    direction = SelectField(_l("Direction"), choices=choices([("receive", "Receive (get data)"),
                                                          ("send", "Send (push data)")]))
    method = SelectField(_l("HTTP method"), choices=choices((m, m) for m in METHODS), default="GET")
    path = StringField(_l("Path"), validators=[Length(max=1000)])
    data_type = SelectField(_l("Data type"), choices=choices((d, DATA_TYPE_LABELS[d]) for d in DATA_TYPES),
                            default="json")
    query = FieldList(FormField(PairRow), min_entries=0)
    headers = FieldList(FormField(PairRow), min_entries=0)
    variables = FieldList(FormField(VariableRow), min_entries=0)
    body = TextAreaField(_l("Body template"), validators=[Length(max=100_000)])
    records_path = StringField(_l("Records path"), validators=[Length(max=200)])
    pagination_type = SelectField(_l("Pagination method"), choices=[])
    auth_methods = MultiCheckboxField(_l("Authentication methods"), choices=[])
    schema = TextAreaField(_l("Schema (JSON, optional)"), validators=[Length(max=200_000)])
    field_tags = FieldList(FormField(PairRow), min_entries=0)  # name: a field path, value: its tag
    pre_request_script = picker.script_field(
        _l("Pre-request script"), _l("Runs before each request of this endpoint: it may change the URL, headers and "
                                     "body."))
    post_request_script = picker.script_field(
        _l("Post-request (response) script"), _l("Runs on each response: it may change the body, ask for the "
                                                 "request again or fail the run."))
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
        self._check_pairs("field_tags", _l("Give the field this tag belongs to, e.g. email."))
        for entry in self.field_tags.entries:
            if _clean(entry.form.name.data) and not _clean(entry.form.value.data):
                entry.form.value.errors = [*entry.form.value.errors, str(_l("Give this field a tag."))]
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
        if pagination and kind == "script":
            pagination["script"] = picker.reference(pagination.get("script"))
        data = {"name": self.name.data.strip(), "entity": _clean(self.entity.data) or "general",
                "direction": self.direction.data, "method": self.method.data, "path": _clean(self.path.data),
                "data_type": self.data_type.data, "query": self.pairs_data("query"),
                "headers": self.pairs_data("headers"), "variables": self.variables_data("variables"),
                "body": self._body(), "records_path": _clean(self.records_path.data) or None,
                "pagination": pagination, "auth_methods": list(self.auth_methods.data or []) or None,
                "schema": json.loads(self.schema.data) if _clean(self.schema.data) else None,
                "field_tags": {path: tag.strip() for path, tag in self.pairs_data("field_tags").items()},
                "description": _clean(self.description.data), **scripts_data(self)}
        if _clean(self.key.data):
            data["key"] = self.key.data.strip()
        return data


def pagination_choices() -> list[SelectChoice]:
    return choices((k, "None (one request)" if k == "none" else p.label) for k, p in paginations.PAGINATIONS.items())


def endpoint_form(kind: str, methods: list[dict], endpoint: dict | None = None, saved: dict | None = None,
                  **kwargs) -> EndpointForm:
    """The endpoint form for pagination `kind`; `endpoint` fills it on a GET; `saved` is the endpoint as the
    definition holds it (its script references stay choosable)."""
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
            "schema": json.dumps(endpoint["schema"], indent=2) if endpoint.get("schema") else "",
            "field_tags": pair_rows(endpoint.get("field_tags")),
            **{key: picker.stored(endpoint.get(key)) for key in SCRIPT_KEYS}}
    form = cls(**kwargs)
    form.pagination_type.choices = pagination_choices()
    offer_scripts(form, saved)
    if kind == "script":  # script pagination: its `script` setting is a script select too
        picker.offer(form.pagination.form["script"], ((saved or {}).get("pagination") or {}).get("script"))
    form.auth_methods.choices = choices((m["key"], m.get("name") or m["key"]) for m in methods)
    if endpoint is not None or not form.pagination_type.data:
        form.pagination_type.data = kind
    return form
