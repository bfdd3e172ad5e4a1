"""The connector shape's settings: instance, endpoint, endpoint variables and the request options."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from app.flows.panels import choices
from app.flows.panels.base import Panel, StepForm, options, text
from app.flows.shapes.connector import MAX_TIMEOUT
from app.markers import N_
from app.scripts import picker

WRAPPING = [("raw", N_("Raw: the payload as received")),
            ("first", N_("First: a one-element array becomes its element"))]
RETRIES = [("", N_("The instance's setting")), ("0", N_("0: no retry")), ("1", N_("1 retry")), ("2", N_("2 retries"))]


class ConnectorForm(StepForm):
    instance_id = SelectField(_l("Connector instance"), coerce=str, validate_choice=False)
    endpoint = SelectField(_l("Endpoint"), coerce=str, validate_choice=False)
    timeout = IntegerField(_l("Request timeout (seconds)"), [Optional(), NumberRange(
        min=1, max=MAX_TIMEOUT, message=_l("Between 1 and %(max)d seconds.", max=MAX_TIMEOUT))],
        description=_l("Empty uses the instance's timeout."))
    retries = SelectField(_l("Retries"), choices=options(RETRIES), default="",
                          description=_l("Further attempts when a request fails; each attempt counts as an operation."))
    save_response_as_payload = BooleanField(
        _l("Save response as payload"), description=_l("Send endpoints only. On: the responses go to the next step. "
                                                "Off: the payloads that were sent go on unchanged."))
    allow_unsuccessful_statuses = BooleanField(
        _l("Allow unsuccessful statuses"),
                description=_l("A 4xx/5xx answer becomes a payload instead of failing the step."))
    wrapping = SelectField(_l("Wrapping"), choices=options(WRAPPING), default="raw")
    response_script = picker.script_field(
        _l("Response script"), _l("Runs on every response of this step, after the endpoint's own post-request "
                                  "script: it may change the body, ask for the request again or fail the run."))
    choice_labels = {"retries": RETRIES, "wrapping": WRAPPING}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.variable_values: dict[str, str] = {}

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        config = panel.config
        return {"instance_id": text(config.get("instance_id")), "endpoint": text(config.get("endpoint")),
                "timeout": config.get("timeout") if config.get("timeout") not in ("", None) else None,
                "retries": text(config.get("retries")), "wrapping": str(config.get("wrapping") or "raw").lower(),
                "save_response_as_payload": bool(config.get("save_response_as_payload")),
                "allow_unsuccessful_statuses": bool(config.get("allow_unsuccessful_statuses")),
                "response_script": picker.stored(config.get("response_script"))}

    def setup(self, panel: Panel, formdata=None) -> None:
        self.instances = choices.instances()
        self.instance_id.choices = options([("", "")] + [(str(i.id), i.name) for i in self.instances])
        self.instance = choices.instance(self.instance_id.data)
        self.endpoint_groups = choices.endpoint_groups(self.instance)
        self.endpoint.choices = options([("", "")] + [(ep["key"], ep.get("name") or ep["key"])
                                                      for _, eps in self.endpoint_groups for ep in eps])
        self.endpoint_def = choices.endpoint(self.instance, self.endpoint.data)
        picker.offer(self.response_script, panel.config.get("response_script"))
        declared = [v for v in (self.endpoint_def or {}).get("variables") or [] if isinstance(v, dict) and v.get("key")]
        self.declared = declared
        if formdata is not None:
            self.variable_values = {v["key"]: formdata.get(f"var-{v['key']}", "") for v in declared}
        else:
            stored = panel.config.get("variables") or {}
            self.variable_values = {v["key"]: text(stored.get(v["key"])) for v in declared}

    @property
    def direction(self) -> str | None:
        return (self.endpoint_def or {}).get("direction")

    @property
    def takes_response_script(self) -> bool:
        """Response scripts read HTTP responses: protocol connectors (FTP, database…) have none."""
        return self.instance is not None and not self.instance.connector.protocol

    def validate_instance_id(self, field):
        if not field.data:
            raise ValidationError(gettext("Choose the connector instance to use."))
        if self.instance is None:
            raise ValidationError(gettext("That instance is no longer there; choose another one."))

    def validate_endpoint(self, field):
        if self.instance is None:
            return
        if not field.data:
            raise ValidationError(gettext("Choose an endpoint."))
        if self.endpoint_def is None:
            raise ValidationError(gettext("'%(connector)s' has no such endpoint; choose one from the list.",
                                          connector=self.instance.connector.name))

    def to_config(self, panel: Panel) -> dict:
        config = {"instance_id": int(self.instance_id.data) if (self.instance_id.data or "").isdigit() else None,
                  "endpoint": self.endpoint.data or None,
                  "variables": {k: v for k, v in self.variable_values.items() if v not in (None, "")},
                  "wrapping": self.wrapping.data,
                  "allow_unsuccessful_statuses": bool(self.allow_unsuccessful_statuses.data),
                  "save_response_as_payload": bool(self.save_response_as_payload.data)}
        if self.timeout.data is not None:
            config["timeout"] = self.timeout.data
        if self.retries.data in ("0", "1", "2"):
            config["retries"] = int(self.retries.data)
        script = picker.reference(self.response_script.data) if self.takes_response_script else None
        if script is not None:
            config["response_script"] = script
        if self.instance is not None:
            config["instance_name"] = self.instance.name  # the canvas summary reads these names
        if self.endpoint_def is not None:
            config["endpoint_name"] = self.endpoint_def.get("name") or self.endpoint_def["key"]
        return config
