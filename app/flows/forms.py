"""Flow forms."""
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from app.flows.shapes.manual_payload import FORMATS, MAX_CHARS


class RunWithPayloadForm(FlaskForm):
    payload = TextAreaField("Payload", validators=[Optional(), Length(max=MAX_CHARS)])
    format = SelectField("Format", choices=[SelectChoice(f, f.upper()) for f in FORMATS], default="json")

    def validate_payload(self, field):
        if self.format.data == "json" and field.data and field.data.strip():
            import json

            try:
                json.loads(field.data)
            except json.JSONDecodeError as exc:
                raise ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from exc
