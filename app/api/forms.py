"""Trigger panel forms: a schedule, a webhook (and its customised answer), a callback, the event listener.

Each form has a prefix, because the panel shows several of them on one page.
"""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.api import services
from app.api.models import RESPONSE_FORMATS
from app.event_bindings import MAX_BATCH, MAX_PREFETCH, MAX_WAIT, MIN_WAIT
from app.flows import formats
from app.flows.schedules import MONTHS, WEEKDAYS, month_names, validate_schedule, weekday_names

KIND_CHOICES = [SelectChoice("minutes", _l("Every few minutes")), SelectChoice("hourly", _l("Hourly")),
                SelectChoice("daily", _l("Daily")), SelectChoice("monthly", _l("Monthly")),
                SelectChoice("advanced", _l("Advanced (cron)"))]
FORMAT_CHOICES = [SelectChoice(f, {"json": "JSON", "xml": "XML", "text": _l("Plain text")}[f])
                  for f in RESPONSE_FORMATS]
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
        # The day and month names of the user's language (Babel's data), as plain strings.
        days, months = weekday_names(), month_names()
        self.weekdays.choices = [SelectChoice(d, days[d]) for d in WEEKDAYS]
        self.months.choices = [SelectChoice(str(i), months[i]) for i in range(1, len(MONTHS) + 1)]

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
            raise ValidationError(gettext("A 204 answer has no body: clear it or choose another status code."))
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


class EventListenerForm(FlaskForm):
    """The event listener: a message-queue connector instance of the company, a queue and batching.

    ``instances`` are the instances offered (services.amqp_instances()); any other id, another company's
    included, is refused with the same message."""

    instance_id = SelectField(_l("Connector instance"), choices=[], validate_choice=False)
    queue = StringField(_l("Queue"), filters=[lambda v: v.strip() if isinstance(v, str) else v])
    declare = BooleanField(_l("Declare the queue if it is missing"), description=_l(
        "Creates it as a durable queue when the listener starts. Leave it off to use a queue that already exists."))
    batch_size = IntegerField(_l("Batch size"), default=1, validators=[
        InputRequired(_l("Give a batch size.")),
        NumberRange(1, MAX_BATCH, _l("Batch size must be a whole number from %(min)s to %(max)s."))],
        description=_l("1 starts one run per message. More starts one run per batch, with a JSON array of the "
                       "messages as its input."))
    batch_wait_seconds = FloatField(_l("Batch wait (seconds)"), default=1.0, validators=[
        InputRequired(_l("Give a batch wait in seconds.")),
        NumberRange(MIN_WAIT, MAX_WAIT, _l("Batch wait must be from %(min)s to %(max)s seconds.", min=MIN_WAIT,
                                           max=int(MAX_WAIT)))],
        description=_l("How long a partial batch waits for more messages before its run starts."))
    prefetch = IntegerField(_l("Prefetch"), default=10, validators=[
        InputRequired(_l("Give a prefetch count.")),
        NumberRange(1, MAX_PREFETCH, _l("Prefetch must be a whole number from %(min)s to %(max)s."))],
        description=_l("How many unacknowledged messages the broker hands over at once. At least the batch size."))

    def __init__(self, *args, instances=(), **kwargs):
        kwargs.setdefault("prefix", "event")
        super().__init__(*args, **kwargs)
        self.instance_id.choices = [SelectChoice("", _l("Choose an instance…"))] + [
            SelectChoice(str(i.id), f"{i.connector.name} · {i.name}") for i in instances]
        self._offered = {str(i.id) for i in instances}

    def validate_instance_id(self, field):
        if str(field.data or "") not in self._offered:
            raise ValidationError(_l("Choose one of this company's message-queue connector instances."))

    def validate_queue(self, field):
        name = field.data or ""
        if not name:
            raise ValidationError(_l("Give the name of the queue to listen on."))
        if len(name.encode("utf-8")) > 255:
            raise ValidationError(_l("A queue name can be at most 255 bytes long."))
        if self.declare.data and name.startswith("amq."):
            raise ValidationError(_l("Names starting with “amq.” are reserved by the broker, which refuses to declare "
                                     "them: choose another name, or untick “Declare the queue if it is missing”."))

    def validate_prefetch(self, field):
        size = self.batch_size.data
        if isinstance(field.data, int) and isinstance(size, int) and 1 <= size <= MAX_BATCH and field.data < size:
            raise ValidationError(_l("Prefetch must be at least the batch size (%(size)s), so that a whole batch "
                                     "fits.", size=size))

    def event_data(self) -> dict:
        return {"instance_id": self.instance_id.data, "queue": self.queue.data, "declare": self.declare.data,
                "batch_size": self.batch_size.data, "batch_wait_seconds": self.batch_wait_seconds.data,
                "prefetch": self.prefetch.data}
