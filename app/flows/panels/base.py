"""What every settings form shares: name, note, skip and the draft revision, plus the panel's context."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, Optional

from app.flows.drafts import NAME_MAX, NOTE_MAX
from app.flows.panels.sample import Field, Sample
from app.flows.shapes.base import Shape


@dataclass
class Panel:
    """One step's panel: where it lives, whether it can be edited, and the sample data its pickers use."""

    flow: Any
    version: Any  # the FlowVersion shown (the draft unless an older version was opened)
    step: dict
    shape: Shape
    editable: bool
    sample: Sample | None = None
    sample_error: str | None = None
    fields: list[Field] = field(default_factory=list)  # source paths for the pickers
    target_fields: list[Field] = field(default_factory=list)
    flow_variables: dict = field(default_factory=dict)  # name -> default value, from the version

    @property
    def definition(self) -> dict:
        return self.version.definition or {}

    @property
    def config(self) -> dict:
        return self.step.get("config") or {}

    @property
    def paths(self) -> list[dict]:
        return self.step.get("paths") or []

    @property
    def is_draft(self) -> bool:
        return self.version.status == "draft"


class StepForm(FlaskForm):
    """The settings form of one step. A subclass per shape adds its fields, initial() and to_config()."""

    name = StringField(_l("Name"), [Optional(), Length(max=NAME_MAX)],
                       description=_l("Shown on the canvas and in the run log instead of the shape's label."))
    note = TextAreaField(_l("Note"), [Optional(), Length(max=NOTE_MAX)],
                         description=_l("For the people who edit this flow; it does not change what the shape does."))
    skip = BooleanField(_l("Skip this shape"), description=_l("The shape passes its input on untouched, and the run "
                                                              "log says it was skipped."))
    expected_revision = HiddenField()

    has_paths = False
    # field name -> (value, marked English label) pairs, set as the field's options in the request's language
    choice_labels: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        translate_choices(self, self.choice_labels)
        self.shape_problems: list[str] = []
        self.has_problems = False  # the shape's checks failed (some problems may sit on their rows)

    # -- per shape -----------------------------------------------------------------------------------
    @classmethod
    def initial(cls, panel: Panel) -> dict:
        """Form data for the stored config (the GET of the panel)."""
        return {}

    def setup(self, panel: Panel, formdata=None) -> None:
        """Choices and anything read from outside WTForms (dynamic rows), before validation or rendering."""

    def to_config(self, panel: Panel) -> dict:
        return dict(panel.config)

    def to_paths(self, panel: Panel) -> list[dict] | None:
        return None

    def route_problems(self, problems: list[str]) -> list[str]:
        """Attach problems to the rows they name; return the ones left for the top of the form."""
        return problems


def step_data(panel: Panel) -> dict:
    step = panel.step
    return {"name": step.get("name") or "", "note": step.get("note") or "", "skip": bool(step.get("skip")),
            "expected_revision": str(panel.version.revision)}


def clean_rows(entries, keys: tuple[str, ...]) -> list[dict]:
    """The rows of a FieldList as dicts, without rows whose fields are all blank."""
    out = []
    for entry in entries:
        data = {k: entry.form[k].data for k in keys}
        if any(v not in (None, "", False) for v in data.values()):
            out.append(data)
    return out


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as select options."""
    return [SelectChoice(value, label) for value, label in pairs]


def translated(pairs) -> list[SelectChoice]:
    """Marked English (value, label) pairs as options in the request's language. Plain strings, not lazy
    ones: Flask-Babel's LazyString.__html__ skips escaping, which broke the panel's HTML."""
    return [SelectChoice(value, gettext(label) if label else label) for value, label in pairs]


def translate_choices(form, labels: dict) -> None:
    """Give each named select field of the form its options from `labels` (field name -> pairs), translated."""
    for name, pairs in labels.items():
        form[name].choices = translated(pairs)


def values_of(field) -> set:
    return {choice.value for choice in field.choices or []}


def text(value: Any) -> str:
    return "" if value is None else str(value)
