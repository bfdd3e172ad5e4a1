"""Forms: add a linked company, grant team access, a linked company's subscription."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from app.companies import tiers


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _with_scheme(value):
    # People type "example.com"; store a link that works.
    value = _strip(value)
    return "https://" + value if value and "://" not in value else value


class LinkedCompanyForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(message=_l("Enter the company's name.")),
                                                       Length(max=120)], filters=[_strip])
    email = EmailField(_l("Contact email"), validators=[Optional(), Email(), Length(max=254)], filters=[_strip])
    website = StringField(_l("Website"), validators=[
        Optional(), Length(max=255), URL(message=_l("Enter a web address such as https://example.com."))],
        filters=[_with_scheme])


class GrantForm(FlaskForm):
    user_id = SelectField(_l("Team member"), coerce=int, validate_choice=False,
                          validators=[DataRequired(message=_l("Choose a team member."))])


class SubscriptionForm(FlaskForm):
    tier = SelectField(_l("Subscription tier"), choices=[SelectChoice(key, tiers.TIERS[key].label)
                                                                  for key in tiers.TIER_ORDER])

    def bolt_on_fields(self):
        return [(tiers.BOLT_ONS[key], getattr(self, f"bolt_{key}")) for key in tiers.BOLT_ONS]

    def custom_fields(self):
        return [(key, getattr(self, f"custom_{key}")) for key in tiers.CUSTOM_ALLOWANCES]

    def bolt_ons(self) -> dict[str, int]:
        return {bolt_on.key: f.data or 0 for bolt_on, f in self.bolt_on_fields()}

    def overrides(self) -> dict[str, int | None]:
        return {key: f.data for key, f in self.custom_fields()}


for _bolt_on in tiers.BOLT_ONS.values():
    setattr(SubscriptionForm, f"bolt_{_bolt_on.key}", IntegerField(
        _bolt_on.label, default=0, validators=[Optional(), NumberRange(min=0, max=_bolt_on.max_units, message=_l(
            "Choose between %(min)s and %(max)s."))]))
for _key in tiers.CUSTOM_ALLOWANCES:
    _label, _unit = tiers.ALLOWANCES[_key]
    setattr(SubscriptionForm, f"custom_{_key}", IntegerField(
        f"{_label} ({_unit})" if _unit else _label,
        validators=[Optional(), NumberRange(min=0, message=_l("Enter 0 or more, or leave it blank."))]))
