"""Forms of the runs room: the retention and failure-alert settings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField
from wtforms.validators import InputRequired, NumberRange


class RunSettingsForm(FlaskForm):
    log_days = IntegerField(_l("Keep run logs for (days)"),
                            validators=[InputRequired(_l("Enter a number of days.")), NumberRange(min=1)])
    payload_hours = IntegerField(_l("Keep payloads for (hours)"),
                                 validators=[InputRequired(_l("Enter a number of hours.")), NumberRange(min=1)])
    tracked_days = IntegerField(_l("Keep tracked data for (days)"),
                                validators=[InputRequired(_l("Enter a number of days.")), NumberRange(min=1)])
    failure_groups = SelectMultipleField(_l("Email failed runs to"), coerce=int, validate_choice=True)
