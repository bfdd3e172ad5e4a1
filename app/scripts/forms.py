"""Script forms: a new script, its details, the editor's code, and the test panel's input."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.scripts.models import LANGUAGES
from app.scripts.services import CODE_MAX, NAME_MAX


class NewScriptForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(_l("Give the script a name.")), Length(max=NAME_MAX)])
    language = SelectField(_l("Language"), choices=list(LANGUAGES.items()), default="python",
                           description=_l("Scripts cannot change language later; pick the one you write best."))
    description = TextAreaField(_l("Description"), [Optional(), Length(max=2000)],
                                description=_l("What the script does, for the people who pick it in a flow."))


class DetailsForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(_l("Give the script a name.")), Length(max=NAME_MAX)])
    description = TextAreaField(_l("Description"), [Optional(), Length(max=2000)])


class CodeForm(FlaskForm):
    code = TextAreaField(_l("Code"), [Length(max=CODE_MAX)])


class TestForm(FlaskForm):
    code = TextAreaField(_l("Code"), [Length(max=CODE_MAX)])
    payload = TextAreaField(_l("Payload"), [Optional(), Length(max=1_000_000)],
                            description=_l("The payload exactly as the previous shape would hand it over "
                                           "(usually JSON)."))
    variables = TextAreaField(_l("Variables (JSON)"), [Optional(), Length(max=100_000)])
    meta_data = TextAreaField(_l("Meta (JSON)"), [Optional(), Length(max=100_000)])
    flow_variables = TextAreaField(_l("Flow variables (JSON)"), [Optional(), Length(max=100_000)])
