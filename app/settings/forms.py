"""Company profile, banner, security, user and audit-filter forms."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Email, Length, Optional, Regexp, ValidationError

from app.settings.services import BANNER_MAX

_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{4,28}[0-9]$")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _with_scheme(value):
    # People type "example.com"; store a link that works.
    value = _strip(value)
    if value and "://" not in value:
        return "https://" + value
    return value


class CompanyProfileForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=120)], filters=[_strip])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=255),
                                                     URL(message=_l("Enter a web address such as https://example.com."))],
                          filters=[_with_scheme])
    telephone = StringField(_l("Telephone"), validators=[
        Optional(), Regexp(_PHONE, message=_l("Enter a telephone number: digits, spaces and + ( ) - only."))],
        filters=[_strip])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)], filters=[_strip])


class BannerForm(FlaskForm):
    banner = TextAreaField(_l("Banner message"), validators=[Optional(), Length(max=BANNER_MAX)], filters=[_strip])


class SecurityForm(FlaskForm):
    require_2fa = BooleanField(_l("Require two-factor authentication for every user of this company"))


class NewUserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[_strip])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)], filters=[_strip])


class EditUserForm(NewUserForm):
    role = SelectField(_l("Role"), choices=[])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    user = SelectField(_l("User"), choices=[], validate_choice=False)
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date is before the start date."))
