"""Trigger panel forms: a schedule, a webhook (and its customised answer), a callback.

Each form has a prefix, because the panel shows several of them on one page.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.api import services
from app.api.models import RESPONSE_FORMATS
from app.flows import formats
from app.flows.schedules import MONTHS, WEEKDAYS, validate_schedule

KIND_CHOICES = [SelectChoice("minutes", "Every few minutes"), SelectChoice("hourly", "Hourly"),
                SelectChoice("daily", "Daily"), SelectChoice("monthly", "Monthly"),
                SelectChoice("advanced", "Advanced (cron)")]
FORMAT_CHOICES = [SelectChoice(f, {"json": "JSON", "xml": "XML", "text": "Plain text"}[f]) for f in RESPONSE_FORMATS]
STATUS_CHOICES = [SelectChoice(s, {200: "200 OK", 201: "201 Created", 202: "202 Accepted", 204: "204 No Content"}[s])
                  for s in services.WEBHOOK_STATUSES]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ScheduleForm(FlaskForm):
    """One schedule; only the inputs of the chosen kind are shown and read. app.flows.schedules
    validates, and each message is attached to the input it is about."""

    kind = SelectField(_l("Occurs"), choices=KIND_CHOICES, default="hourly")
    every = StringField(_l("Every"), default="1")
    minute = StringField(_l("Minutes past the hour"), default="0")
    time = StringField(_l("Start time (UTC)"), default="09:00")
    weekdays = MultiCheckboxField(_l("On"), choices=[SelectChoice(d, d.capitalize()) for d in WEEKDAYS])
    day = StringField(_l("Days of the month"), default="1")
    months = MultiCheckboxField(_l("In"), choices=[SelectChoice(str(i), m.capitalize())
                                               for i, m in enumerate(MONTHS, start=1)])
    cron = StringField(_l("Cron expression (UTC)"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "schedule")
        super().__init__(*args, **kwargs)

    def schedule_data(self) -> dict:
        kind = self.kind.data
        data: dict = {"kind": kind}
        if kind in ("minutes", "hourly"):
            data["every"] = (self.every.data or "").strip()
        if kind == "hourly":
            data["minute"] = (self.minute.data or "").strip()
        if kind in ("daily", "monthly"):
            data["time"] = (self.time.data or "").strip()
            if ":" not in data["time"]:
                data["hour"] = data["time"]  # so an empty or odd time reads "hour is required"/"hour must…"
        if kind == "daily":
            data["weekdays"] = self.weekdays.data or None  # none ticked: every day
        if kind == "monthly":
            data["day"] = (self.day.data or "").strip()
            data["months"] = [int(m) for m in self.months.data] or None  # none ticked: every month
        if kind == "advanced":
            data["cron"] = (self.cron.data or "").strip()
        return data

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        problems = validate_schedule(self.schedule_data())
        for message in problems:
            self._attach(message)
        return not problems

    def _attach(self, message: str) -> None:
        word = message.replace(":", " ").split(" ", 1)[0]
        timed = self.kind.data in ("daily", "monthly")
        target = {"every": self.every, "minute": self.time if timed else self.minute, "hour": self.time,
                  "weekdays": self.weekdays, "day": self.day, "months": self.months}.get(word)
        if target is None and self.kind.data == "advanced":
            target = self.cron
        if target is None:
            self.form_errors.append(message)
        else:
            target.errors = [*target.errors, message[0].upper() + message[1:]]


class WebhookForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "webhook")
        super().__init__(*args, **kwargs)


class WebhookResponseForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    response_status = SelectField(_l("Status code"), choices=STATUS_CHOICES, coerce=int, default=200)
    response_format = SelectField(_l("Format"), choices=FORMAT_CHOICES, default="json")
    response_body = TextAreaField(_l("Body"), validators=[Optional(), Length(max=10_000)],
                                  description=_l("Leave empty for the default answer with the run id."))
    enabled = BooleanField(_l("Accept calls"), default=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "edit-webhook")
        super().__init__(*args, **kwargs)

    def validate_response_body(self, field):
        body = (field.data or "").strip()
        if not body:
            return
        if self.response_status.data == 204:
            raise ValidationError("A 204 answer has no body: clear it or choose another status code.")
        if self.response_format.data in ("json", "xml"):
            try:
                formats.parse(body, self.response_format.data)
            except formats.FormatError as exc:
                raise ValidationError(str(exc)) from None


class CallbackForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    response_format = SelectField(_l("Answer format"), choices=FORMAT_CHOICES, default="json")
    timeout_seconds = IntegerField(_l("Wait at most (seconds)"), default=30, validators=[InputRequired(),
                                   NumberRange(min=1, max=120)])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "callback")
        super().__init__(*args, **kwargs)
