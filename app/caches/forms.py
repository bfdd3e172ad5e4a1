"""Forms of the caches and data pools pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.caches.models import LEVELS
from app.csv_files import CsvImportForm


class CacheForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(_l("Give the cache a name.")), Length(max=120)])
    level = SelectField(_l("Level"), choices=list(LEVELS.items()), default="company",
                        description=_l("Flow run: one run only. Flow: one flow, across its runs. Company: every flow."))
    flow_id = SelectField(_l("Flow"), coerce=lambda v: int(v) if v not in (None, "") else None, choices=[],
                          validate_choice=False, description=_l("The flow a flow-run or flow cache belongs to."))
    description = TextAreaField(_l("Description"), [Optional(), Length(max=2000)])


class PoolForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(_l("Give the data pool a name.")), Length(max=120)])
    description = TextAreaField(_l("Description"), [Optional(), Length(max=2000)])


PoolImportForm = CsvImportForm


