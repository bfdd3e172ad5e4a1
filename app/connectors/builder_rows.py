"""The builder forms' parts: repeating rows, and settings fields made from an auth type's or a pagination's fields.

Repeating rows (variables, headers, query parameters, body fields, field tags) are FieldLists: an "Add" button
(`_add=<list>`) or a row's remove button (`_remove=<list>-<index>`) re-renders the form with one row more or less,
nothing saved.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from app.connectors.definitions import VAR_KEY_RE
from app.connectors.forms import _clean, choices
from app.scripts import picker

# Settings whose blank value means "nothing" rather than "use the default".
EXPLICIT_EMPTY = {"prefix", "token_prefix", "scope", "page_param", "realm", "grant_type"}  # no grant: a login request
PREFIX_KEYS = {"prefix", "token_prefix"}
WHOLE_NUMBERS = {"limit", "start_page", "start_offset", "max_pages", "token_ttl", "token_lifetime"}
# Settings most connectors leave alone: shown folded under "Advanced settings".
ADVANCED_SETTINGS = {"extra_authorize_params", "refresh_grant_type", "client_auth", "access_token_key",
                     "refresh_token_key", "token_header", "token_prefix", "extra_params", "grant_type", "namespaces",
                     "token_ttl", "relogin_on", "allow_empty", "max_pages", "stop_on_short_page", "start_page",
                     "start_offset", "total_pages_path", "total_path", "count_path", "has_more_path",
                     "expires_in_key", "token_lifetime"}
VAR_KEY_MESSAGE = "A key starts with a letter and holds letters, digits and underscores (e.g. store_name)."


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

    def _check_pairs(self, name: str, message: str = "Give this value a name.") -> None:
        for entry in self[name].entries:
            if _clean(entry.form.value.data) and not _clean(entry.form.name.data):
                entry.form.name.errors = [*entry.form.name.errors, str(message)]

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
        if f.key == "script":  # script pagination: the company's deployed scripts (choices set by the form)
            attrs[f.key] = picker.script_field(f.label, description=help_text)
        elif f.choices:
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
            verb = "Choose" if isinstance(field, SelectField) else "Enter"
            field.errors = [*field.errors, f"{verb} the {f.label.lower()}."]
