"""Insights forms: a notification group (name, and recipients typed in or picked from the company's users)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.insights.notifications import MAX_RECIPIENTS, parse_emails


class NotificationGroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the group a name.")), Length(max=120)])
    users = SelectMultipleField(_l("Company users"), choices=[], validate_choice=True)
    emails = TextAreaField(_l("Other email addresses"), validators=[Length(max=10_000)])

    def __init__(self, *args, user_emails: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.users.choices = [(e, e) for e in user_emails]
        self.addresses: list[str] = []

    def validate_emails(self, field):
        found, problems = parse_emails(field.data or "")
        if problems:
            raise ValidationError("Not a valid email address: " + "; ".join(problems[:3]))
        self.addresses = list(dict.fromkeys([*(self.users.data or []), *found]))
        if not self.addresses:
            raise ValidationError("Add at least one email address or pick a user.")
        if len(self.addresses) > MAX_RECIPIENTS:
            raise ValidationError(f"A group can hold at most {MAX_RECIPIENTS} addresses.")
