"""Settings forms of the smaller shapes: payloads, variables, notify, tracking, child flows, batching and paths."""
from __future__ import annotations

import json

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.flows.panels import choices
from app.flows.panels.base import Panel, StepForm, clean_rows, options, text, values_of
from app.flows.shapes import flow_control, manual_payload, notify, run_flow, track_data, try_catch
from app.flows.shapes.assert_payload import MAX_CHARS as ASSERT_MAX


def _json_check(form, field):
    if field.data and field.data.strip():
        try:
            json.loads(field.data)
        except json.JSONDecodeError as exc:
            raise ValidationError(gettext("Not valid JSON: %(error)s (line %(line)d, column %(column)d).",
                                          error=exc.msg, line=exc.lineno, column=exc.colno)) from exc


class ManualPayloadForm(StepForm):
    format = SelectField(_l("Format"), choices=options((f, f.upper()) for f in manual_payload.FORMATS), default="json")
    body = TextAreaField(_l("Payload"),
                         [DataRequired(_l("Paste the payload ({} is allowed for an empty JSON object).")),
                                     Length(max=manual_payload.MAX_CHARS)],
                         description=_l("Replaces whatever reaches this shape with this one payload. At most "
                                     "100,000 characters."))

    def validate_body(self, field):
        if self.format.data == "json":
            _json_check(self, field)

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        return {"format": panel.config.get("format", "json"), "body": panel.config.get("body", "")}

    def to_config(self, panel: Panel) -> dict:
        return {"format": self.format.data, "body": self.body.data or ""}


class AssertForm(StepForm):
    expected = TextAreaField(_l("Expected payload (JSON)"),
                             [DataRequired(_l("Paste the expected payload ({} is allowed).")),
                                                         Length(max=ASSERT_MAX), _json_check],
                             description=_l("One payload is compared as it is; several payloads as a list of their "
                                            "data. Any difference fails the run, with the differences in the log."))

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        return {"expected": panel.config.get("expected", "")}

    def to_config(self, panel: Panel) -> dict:
        return {"expected": self.expected.data}


class FlowEntry(Form):
    name = StringField(_l("Flow variable"), [Optional(), Length(max=120)])
    value = StringField(_l("Value"), [Optional(), Length(max=2000)])


class MetaEntry(Form):
    key = StringField(_l("Meta key"), [Optional(), Length(max=120)])
    value = StringField(_l("Value"), [Optional(), Length(max=2000)])


class SetVariablesForm(StepForm):
    # "meta" would shadow WTForms' own Form.meta, hence the _vars names.
    flow_vars = FieldList(FormField(FlowEntry))
    meta_vars = FieldList(FormField(MetaEntry))

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        def entries(kind, key):
            return [{key: text(e.get(key)), "value": text(e.get("value"))}
                    for e in panel.config.get(kind) or [] if isinstance(e, dict)]
        return {"flow_vars": entries("flow", "name"), "meta_vars": entries("meta", "key")}

    def to_config(self, panel: Panel) -> dict:
        config = {}
        flow_rows = clean_rows(self.flow_vars.entries, ("name", "value"))
        meta_rows = clean_rows(self.meta_vars.entries, ("key", "value"))
        if flow_rows:
            config["flow"] = [{"name": (r["name"] or "").strip(), "value": r["value"] or ""} for r in flow_rows]
        if meta_rows:
            config["meta"] = [{"key": (r["key"] or "").strip(), "value": r["value"] or ""} for r in meta_rows]
        return config


class NotifyForm(StepForm):
    template = TextAreaField(_l("Notification template"), [DataRequired(_l("Write the message.")),
                                                       Length(max=notify.MAX_TEMPLATE_CHARS)],
                             description=_l("Text with [[payload.x]], [[meta.x]] or [[flow.variables.x]]; each "
                                            "variable adds at most its first 100 characters."))
    level = SelectField(_l("Alert level"), choices=options(notify.LEVELS.items()), default="info")
    channels = SelectField(_l("Send to"), choices=options(notify.CHANNELS.items()), default="email_log")
    choice_labels = {"level": notify.LEVELS.items(), "channels": notify.CHANNELS.items()}
    groups = SelectMultipleField(_l("Notification groups"), coerce=int, validate_choice=False,
                                 description=_l("Every address in the chosen groups gets the email. Emails count "
                                             "against the company's monthly allowance."))

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        config = panel.config
        return {"template": config.get("template", ""), "level": config.get("level", "info"),
                "channels": config.get("channels", "email_log"), "groups": list(config.get("groups") or [])}

    def setup(self, panel: Panel, formdata=None) -> None:
        self.groups.choices = options((g.id, g.name) for g in choices.notification_groups())

    def validate_groups(self, field):
        known = values_of(field)
        if any(value not in known for value in field.data or []):
            raise ValidationError(gettext("Choose notification groups from the list."))
        if self.channels.data in notify.EMAILS and not field.data:
            raise ValidationError(gettext("Choose at least one group to email, or send to the log only."))

    def to_config(self, panel: Panel) -> dict:
        config = {"template": self.template.data, "level": self.level.data, "channels": self.channels.data}
        if self.channels.data in notify.EMAILS:
            config["groups"] = list(self.groups.data or [])
        return config


class TrackField(Form):
    path = StringField(_l("Field path"), [Optional(), Length(max=500)])
    label = StringField(_l("Label"), [Optional(), Length(max=track_data.MAX_LABEL_CHARS)])


class TrackDataForm(StepForm):
    fields = FieldList(FormField(TrackField), min_entries=1, max_entries=track_data.MAX_FIELDS)

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        rows = [{"path": text(f.get("path")), "label": text(f.get("label"))}
                for f in panel.config.get("fields") or [] if isinstance(f, dict)]
        return {"fields": rows or [{}]}

    def to_config(self, panel: Panel) -> dict:
        rows = clean_rows(self.fields.entries, ("path", "label"))
        return {"fields": [{"path": (r["path"] or "").strip(), **({"label": r["label"].strip()} if r["label"] else {})}
                           for r in rows]}


class VariableOverride(Form):
    name = StringField(_l("Variable"), [Optional(), Length(max=120)])
    value = StringField(_l("Value"), [Optional(), Length(max=2000)])


class RunProcessFlowForm(StepForm):
    flow_id = SelectField(_l("Process flow to run"), coerce=str, validate_choice=False)
    version = SelectField(_l("Version"), coerce=str, validate_choice=False)
    variables = FieldList(FormField(VariableOverride))
    payload = TextAreaField(_l("Manual payload"), [Optional(), Length(max=run_flow.MAX_PAYLOAD_CHARS)],
                            description=_l("Optional. Sent instead of the payloads that reach this shape (JSON is sent "
                                        "as JSON, anything else as text). Meta variables always go along."))

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        config = panel.config
        overrides = config.get("variables") or {}
        return {"flow_id": text(config.get("flow_id")), "version": text(config.get("version")),
                "variables": [{"name": str(k), "value": text(v)} for k, v in overrides.items()]
                if isinstance(overrides, dict) else [],
                "payload": config.get("payload") or ""}

    def setup(self, panel: Panel, formdata=None) -> None:
        self.flows = choices.other_flows(panel.flow)
        self.flow_id.choices = options([("", gettext("Choose a process flow…"))] +
                                       [(str(f.id), f"{f.name} (#{f.id})") for f in self.flows])
        self.target = choices.flow_or_none(self.flow_id.data) if self.flow_id.data else None
        self.version.choices = options(choices.version_choices(self.target))
        self.target_variables = choices.target_flow_variables(self.target)

    def validate_flow_id(self, field):
        if not field.data:
            raise ValidationError(gettext("Choose the process flow to run."))
        if self.target is None or str(self.target.id) not in values_of(field):
            raise ValidationError(gettext("Choose a process flow from the list (a flow cannot run itself)."))

    def validate_version(self, field):
        if field.data and field.data not in values_of(field):
            raise ValidationError(gettext("That flow has no such version."))

    def to_config(self, panel: Panel) -> dict:
        overrides = {r["name"].strip(): r["value"] or "" for r in clean_rows(self.variables.entries, ("name", "value"))
                     if (r["name"] or "").strip()}
        return {"flow_id": int(self.flow_id.data) if (self.flow_id.data or "").isdigit() else None,
                "version": int(self.version.data) if (self.version.data or "").isdigit() else None,
                "variables": overrides, "payload": self.payload.data if (self.payload.data or "").strip() else None}


class CallbackForm(StepForm):
    """The callback shape has no settings: the answer's format comes from the callback trigger."""

    def to_config(self, panel: Panel) -> dict:
        return {}


class FlowControlForm(StepForm):
    level = StringField(_l("Batch level"), [Optional(), Length(max=500)], default="*",
                        description=_l("The path of the array to cut, such as orders; * (or empty) when the payload "
                                    "itself is the array."))
    size = IntegerField(_l("Batch size"), [InputRequired(_l("Enter how many records go in each batch.")),
                                       NumberRange(min=1, message=_l("At least 1 record per batch."))],
                        default=flow_control.DEFAULT_SIZE)
    format = SelectField(_l("Payload format"), default="auto", choices=options([
        ("auto", "Detect automatically"), ("json", "JSON"), ("xml", "XML"), ("csv", "CSV")]),
        description=_l("How to read payloads that arrive as text; parsed JSON is used as it is."))
    wrap_single = BooleanField(_l("Wrap single records in an array"), default=True,
                               description=_l("Only matters with a batch size of 1: off sends each record as {…} "
                                           "instead of [{…}]."))

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        config = panel.config
        return {"level": config.get("level", config.get("path", "*")), "size": config.get("size", 100),
                "format": config.get("format", "auto"), "wrap_single": config.get("wrap_single", True) is not False}

    def to_config(self, panel: Panel) -> dict:
        config = {"level": (self.level.data or "").strip() or "*", "size": self.size.data,
                  "format": self.format.data, "wrap_single": bool(self.wrap_single.data)}
        if "source" in panel.config:
            config["source"] = panel.config["source"]
        return config


class SplitForm(StepForm):
    level = StringField(_l("Level to split"), [DataRequired(_l("Choose the path to keep, such as customer.addresses.")),
                                           Length(max=500)],
                        description=_l("The element at this path, with everything inside it, becomes the payload. "
                                    "Write * where the path crosses a list (orders.*.lines)."))
    wrapper_key = StringField(_l("Wrapper key"), [Optional(), Length(max=120)],
                              description=_l("Optional: wraps the result as {\"key\": …}."))

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        return {"level": panel.config.get("level") or "", "wrapper_key": panel.config.get("wrapper_key") or ""}

    def to_config(self, panel: Panel) -> dict:
        config = {"level": (self.level.data or "").strip(),
                  "wrapper_key": (self.wrapper_key.data or "").strip() or None}
        if "source" in panel.config:
            config["source"] = panel.config["source"]
        return config


class PathName(Form):
    id = HiddenField()
    name = StringField(_l("Name"), [Optional(), Length(max=120)])


class _NamedPathsForm(StepForm):
    paths = FieldList(FormField(PathName))
    has_paths = True
    word = "Path"

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        return {"paths": [{"id": p.get("id"), "name": p.get("name") or ""} for p in panel.paths]}

    def to_paths(self, panel: Panel) -> list[dict]:
        old = {str(p.get("id")): p.get("config") or {} for p in panel.paths}
        return [{"id": e.form.id.data or None, "name": (e.form.name.data or "").strip() or f"{self.word} {n}",
                 "config": old.get(e.form.id.data or "", {})} for n, e in enumerate(self.paths.entries, start=1)]


class BranchForm(_NamedPathsForm):
    word = "Branch"

    def to_config(self, panel: Panel) -> dict:
        return {}


class TryCatchForm(_NamedPathsForm):
    on_exception = SelectField(_l("When a payload fails in the try path"), choices=options(try_catch.ACTIONS.items()),
                               default="partial")
    choice_labels = {"on_exception": try_catch.ACTIONS.items()}

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        return {**super().initial(panel), "on_exception": panel.config.get("on_exception", "partial")}

    def to_config(self, panel: Panel) -> dict:
        return {"on_exception": self.on_exception.data}


class JsonSettingsForm(StepForm):
    """For a shape without a form of its own yet: its settings as JSON, checked by the shape."""

    settings = TextAreaField(_l("Settings (JSON)"), [DataRequired(_l("Enter the settings ({} for none).")),
                                                     _json_check])

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        return {"settings": json.dumps(panel.config, indent=2, ensure_ascii=False)}

    def validate_settings(self, field):
        try:
            value = json.loads(field.data or "")
        except ValueError:
            return  # _json_check has said why
        if not isinstance(value, dict):
            raise ValidationError(gettext("The settings must be a JSON object ({…})."))

    def to_config(self, panel: Panel) -> dict:
        return json.loads(self.settings.data)


class ScriptForm(StepForm):
    script_id = SelectField(_l("Script"), coerce=str, validate_choice=False,
                            description=_l("Only scripts with a deployed version can be chosen; the shape always runs "
                                        "the version deployed when the flow runs."))
    variables = FieldList(FormField(VariableOverride))

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        values = panel.config.get("variables") or {}
        return {"script_id": text(panel.config.get("script_id")),
                "variables": [{"name": str(k), "value": text(v)} for k, v in values.items()]
                if isinstance(values, dict) else []}

    def setup(self, panel: Panel, formdata=None) -> None:
        from app.scripts.services import deployed_scripts

        self.scripts = deployed_scripts()
        self.script_id.choices = options([("", gettext("Choose a deployed script…"))] +
                                         [(str(s.id), f"{s.name} ({s.language_label})") for s in self.scripts])

    def validate_script_id(self, field):
        if not field.data:
            raise ValidationError(gettext("Choose a deployed script."))
        if field.data not in values_of(field):
            raise ValidationError(gettext("That script has no deployed version (or was deleted); choose another one."))

    def to_config(self, panel: Panel) -> dict:
        chosen = next((s for s in getattr(self, "scripts", []) if str(s.id) == self.script_id.data), None)
        chosen_id = self.script_id.data or ""
        rows = clean_rows(self.variables.entries, ("name", "value"))
        config = {"script_id": int(chosen_id) if chosen_id.isdigit() else chosen_id,
                  "variables": {r["name"].strip(): r["value"] or "" for r in rows if (r["name"] or "").strip()}}
        if chosen is not None:
            config["script_name"] = chosen.name  # the canvas summary shows it
        return config
