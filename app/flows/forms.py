"""Forms of the flows room: running with a payload, new/rename, settings, labels and flow variables."""
from __future__ import annotations

import json
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.flows import labels as label_service
from app.flows.models import PRIORITY_LABELS
from app.flows.shapes.manual_payload import FORMATS, MAX_CHARS

VARIABLE_TYPES = {"string": _l("Text"), "number": _l("Number"), "boolean": _l("True/false"), "json": "JSON"}
VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
EXTENSIONS = {"json": "json", "xml": "xml", "csv": "csv", "txt": "text"}


class RunWithPayloadForm(FlaskForm):
    payload = TextAreaField(_l("Payload"), validators=[Optional(), Length(max=MAX_CHARS)],
                            description=_l("JSON, XML, CSV or plain text, up to 100,000 characters."))
    file = FileField(_l("…or upload a file"))
    format = SelectField(_l("Format"), choices=[SelectChoice(f, f.upper()) for f in FORMATS], default="json")
    version = HiddenField()

    def validate_payload(self, field):
        if self.format.data == "json" and field.data and field.data.strip():
            try:
                json.loads(field.data)
            except json.JSONDecodeError as exc:
                raise ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from exc

    def read_upload(self) -> bool:
        """Move an uploaded file into the payload field (and its format from the extension); False if unusable."""
        upload = self.file.data
        if not upload or not getattr(upload, "filename", ""):
            return True
        raw = upload.read(MAX_CHARS * 4 + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.file.errors = ["The file is not UTF-8 text; upload JSON, XML, CSV or a text file."]
            return False
        if len(text) > MAX_CHARS:
            self.file.errors = [f"The file holds {len(text):,} characters; the limit is {MAX_CHARS:,}."]
            return False
        self.payload.data = text
        extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
        if extension in EXTENSIONS:
            self.format.data = EXTENSIONS[extension]
        return True


def parse_value(kind: str, text: str):
    """A variable's value from what was typed, as its type; ValueError with a sentence when it does not fit."""
    text = "" if text is None else str(text)
    if kind == "number":
        try:
            number = float(text.strip())
        except ValueError:
            raise ValueError(f"“{text}” is not a number.") from None
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if kind == "boolean":
        if text.strip().lower() in ("true", "yes", "1", "on"):
            return True
        if text.strip().lower() in ("false", "no", "0", "off", ""):
            return False
        raise ValueError(f"“{text}” is not true or false.")
    if kind == "json":
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"Not valid JSON: {exc.msg}.") from None
    return text


def show_value(kind: str, value) -> str:
    if value is None:
        return ""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "json":
        return json.dumps(value)
    return str(value)


class NewFlowForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the flow a name.")), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class RenameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the flow a name.")), Length(max=120)])


class DuplicateForm(FlaskForm):
    company = SelectField(_l("Copy into"), coerce=int, validate_choice=False,
                          description=_l("This company, or another company you manage."))
    name = StringField(_l("Name of the copy"), validators=[Optional(), Length(max=120)],
                       description=_l("Empty: “Copy of …” here, or the same name in another company."))


class SettingsForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the flow a name.")), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    priority = SelectField(_l("Queue priority"), choices=[SelectChoice(k, v) for k, v in PRIORITY_LABELS.items()],
                           default="medium",
                           description=_l("Waiting runs start in priority order, oldest first within a priority."))
    enabled = BooleanField(_l("Enabled"), description=_l("Deployed and enabled flows start from their triggers."))
    use_queued_time = BooleanField(
        _l("Use queued time"),
                description=_l("Relative dates (“in the last 2 hours”) count from when the run was queued, "
                                       "not from when each step runs."))
    concurrency_limit = IntegerField(
        _l("Runs of this flow at once"), validators=[Optional(), NumberRange(1, 100,
                                                                             _l("Between 1 and 100, or empty."))],
        description=_l("Empty: only your plan's concurrency applies. 1 makes runs of this flow wait for each other."))
    retry_failed_runs = SelectField(_l("Retry failed runs"), coerce=int, default=0, choices=[
        SelectChoice(0, _l("Do not retry")), SelectChoice(1, _l("Retry once")),
        SelectChoice(2, _l("Retry up to 2 times")), SelectChoice(3, _l("Retry up to 3 times"))],
        description=_l("A failed run starts again from the same input."))
    run_timeout_minutes = IntegerField(
        _l("Run timeout (minutes)"), validators=[Optional(), NumberRange(1, 24 * 60,
                                                                         _l("Between 1 and 1440, or empty."))],
        description=_l("Stop a run that takes longer than this. Empty: no limit besides each shape's own."))
    failure_groups = SelectMultipleField(_l("Email these notification groups when a run fails"), coerce=int,
                                         choices=[], validate_choice=False)
    failure_emails = TextAreaField(
        _l("…and these email addresses"), validators=[Optional(), Length(max=10_000)],
        description=_l("Separate addresses with commas, spaces or new lines. People outside Weft can be emailed too."))
    emails: tuple = ()  # the addresses, checked and normalised, once the form validates

    def validate_failure_emails(self, field):
        from app.insights.notifications import MAX_RECIPIENTS, parse_emails

        self.emails, problems = parse_emails(field.data or "")
        if problems:
            raise ValidationError("Not a valid email address: " + "; ".join(problems))
        if len(self.emails) > MAX_RECIPIENTS:
            raise ValidationError(f"Failure emails can go to at most {MAX_RECIPIENTS} addresses.")


class LabelForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the label a name.")),
                                           Length(max=label_service.NAME_MAX)])
    colour = RadioField(_l("Colour"), choices=[SelectChoice(k, v) for k, v in label_service.COLOURS.items()],
                        default="#0d6efd",
                        validators=[DataRequired(_l("Choose a colour."))])


class AssignLabelsForm(FlaskForm):
    labels = SelectMultipleField(_l("Labels"), coerce=int, choices=[], validate_choice=False)


class VariableRows:
    """Flow variables as typed in the settings drawer: rows of name, type and default, checked together."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.errors: dict[int, list[str]] = {}

    @classmethod
    def from_definition(cls, variables: list[dict]) -> VariableRows:
        return cls([{"name": v.get("name", ""), "type": v.get("type", "string"),
                     "default": show_value(v.get("type", "string"), v.get("default"))} for v in variables])

    @classmethod
    def from_form(cls, form) -> VariableRows:
        names, kinds, defaults = form.getlist("var_name"), form.getlist("var_type"), form.getlist("var_default")
        rows = [{"name": (n or "").strip(), "type": t if t in VARIABLE_TYPES else "string", "default": d}
                for n, t, d in zip(names, kinds, defaults, strict=False)]
        return cls(rows)

    def validate(self) -> list[dict] | None:
        """The variables to store, or None with self.errors filled in."""
        result, seen = [], set()
        for index, row in enumerate(self.rows):
            problems = []
            if not row["name"] and not str(row["default"]).strip():
                continue  # an untouched blank row is simply ignored
            if not VARIABLE_NAME.match(row["name"]):
                problems.append("Use letters, digits and _ only, starting with a letter (at most 60).")
            elif row["name"] in seen:
                problems.append("Two variables have this name.")
            seen.add(row["name"])
            try:
                value = parse_value(row["type"], row["default"])
            except ValueError as exc:
                problems.append(str(exc))
                value = None
            if problems:
                self.errors[index] = problems
            result.append({"name": row["name"], "type": row["type"], "default": value})
        return None if self.errors else result
