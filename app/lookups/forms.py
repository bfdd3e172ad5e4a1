"""Lookup forms: a table's settings, one row, and a CSV file to import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.csv_files import CsvImportForm
from app.lookups.models import DIRECTIONS, VALUE_MAX
from app.lookups.services import LABEL_MAX, NAME_MAX


class TableForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(_l("Give the lookup a name.")), Length(max=NAME_MAX)])
    description = TextAreaField(_l("Description"), [Optional(), Length(max=2000)])
    left_label = StringField(_l("Left column"), [Optional(), Length(max=LABEL_MAX)], default="Left value",
                             description=_l("What the left values are, e.g. “Month”."))
    right_label = StringField(_l("Right column"), [Optional(), Length(max=LABEL_MAX)], default="Right value",
                              description=_l("What the right values are, e.g. “Short month”."))
    directions = SelectField(_l("Direction"), choices=list(DIRECTIONS.items()), default="both",
                             description=_l("Both ways keeps each value unique in both columns. One way lets the other "
                                         "column repeat, so several values can map to one."))
    default_value = StringField(_l("Default value"), [Optional(), Length(max=VALUE_MAX)],
                                description=_l("Returned when a value is not in the table (a map transform may set its "
                                            "own default). Leave empty to return nothing."))


class RowForm(FlaskForm):
    left_value = StringField(_l("Left value"), [Optional(), Length(max=VALUE_MAX)])
    right_value = StringField(_l("Right value"), [Optional(), Length(max=VALUE_MAX)])


ImportForm = CsvImportForm
