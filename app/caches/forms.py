"""Forms of the caches and data pools pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.caches.models import LEVELS


class CacheForm(FlaskForm):
    name = StringField("Name", [DataRequired("Give the cache a name."), Length(max=120)])
    level = SelectField("Level", choices=list(LEVELS.items()), default="company",
                        description="Flow run: one run only. Flow: one flow, across its runs. Company: every flow.")
    flow_id = SelectField("Flow", coerce=lambda v: int(v) if v not in (None, "") else None, choices=[],
                          validate_choice=False, description="The flow a flow-run or flow cache belongs to.")
    description = TextAreaField("Description", [Optional(), Length(max=2000)])


class PoolForm(FlaskForm):
    name = StringField("Name", [DataRequired("Give the data pool a name."), Length(max=120)])
    description = TextAreaField("Description", [Optional(), Length(max=2000)])


class PoolImportForm(FlaskForm):
    file = FileField("CSV file", [FileRequired("Choose a CSV file to import.")])


