"""Sign-in, password and my-account forms (labels and messages are translatable)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.accounts import passwords
from app.i18n import LANGUAGES


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _policy(form, field):
    errors = passwords.policy_errors(field.data or "")
    if errors:
        raise ValidationError(" ".join(errors))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)], filters=[_strip])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))


class CodeForm(FlaskForm):
    code = StringField(_l("Authentication code"), validators=[DataRequired(), Length(max=20)], filters=[_strip])


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)], filters=[_strip])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200), _policy])
    confirm = PasswordField(_l("Confirm the new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords do not match."))])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])


class AccountDetailsForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[_strip])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)], filters=[_strip])


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("Authentication code or recovery code"), validators=[DataRequired(), Length(max=20)],
                       filters=[_strip])


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[SelectChoice(code, label) for code, label in LANGUAGES.items()])
    next = HiddenField()
