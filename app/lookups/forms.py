"""Lookup forms: a table's settings, one row, and a CSV file to import."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.lookups.models import DIRECTIONS, VALUE_MAX
from app.lookups.services import LABEL_MAX, NAME_MAX


class TableForm(FlaskForm):
    name = StringField("Name", [DataRequired("Give the lookup a name."), Length(max=NAME_MAX)])
    description = TextAreaField("Description", [Optional(), Length(max=2000)])
    left_label = StringField("Left column", [Optional(), Length(max=LABEL_MAX)], default="Left value",
                             description="What the left values are, e.g. “Month”.")
    right_label = StringField("Right column", [Optional(), Length(max=LABEL_MAX)], default="Right value",
                              description="What the right values are, e.g. “Short month”.")
    directions = SelectField("Direction", choices=list(DIRECTIONS.items()), default="both",
                             description="Both ways keeps each value unique in both columns. One way lets the other "
                                         "column repeat, so several values can map to one.")
    default_value = StringField("Default value", [Optional(), Length(max=VALUE_MAX)],
                                description="Returned when a value is not in the table (a map transform may set its "
                                            "own default). Leave empty to return nothing.")


class RowForm(FlaskForm):
    left_value = StringField("Left value", [Optional(), Length(max=VALUE_MAX)])
    right_value = StringField("Right value", [Optional(), Length(max=VALUE_MAX)])


class ImportForm(FlaskForm):
    file = FileField("CSV file", [FileRequired("Choose a CSV file to import.")],
                     description="Headers left_value,right_value; at most 5 MB.")
