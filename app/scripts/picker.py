"""Choosing a script in a form (connector builder, connector shape panel): a select of the acting company's
deployed scripts with a "none" option.

The reference already stored stays choosable even when its script is no longer deployed, was deleted, or is
named rather than numbered (catalog and imported definitions name scripts), so saving a form never drops or
rewrites it behind the user's back. Any other value, such as another company's script id, is refused.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import ValidationError

from app.scripts import services

NONE = ""


def script_field(label: str, description: str = "") -> SelectField:
    """The field itself; `offer()` gives it its choices once the company is known."""
    return SelectField(label, coerce=str, choices=[], validate_choice=False, description=description,
                       validators=[_offered])


def stored(ref: Any) -> str:
    """A stored reference as the select's value ("" for none)."""
    return "" if ref in (None, "") else str(ref).strip()


def offer(field: SelectField, current: Any = None) -> None:
    """Fill the choices: none, every deployed script, and the stored reference when it is none of them.
    A script stored by name keeps its name as the option's value."""
    kept = stored(current)
    found = False
    options = [SelectChoice(NONE, gettext("None"))]
    for script in services.deployed_scripts():
        value = str(script.id)
        if kept and kept in (value, script.name):
            value, found = kept, True
        options.append(SelectChoice(value, script.name))
    if kept and not found:
        options.append(SelectChoice(kept, _missing_label(kept)))
    field.choices = options


def _missing_label(ref: str) -> str:
    match = next((s for s in services.all_scripts() if ref in (str(s.id), s.name)), None)
    if match is not None:
        return gettext("%(name)s (no deployed version)", name=match.name)
    return gettext("Script “%(ref)s” (not found in this company)", ref=ref)


def _offered(form, field) -> None:
    if field.data and field.data not in {c.value for c in field.choices or []}:
        raise ValidationError(_l("Choose one of this company's deployed scripts, or none."))


def reference(value: str | None) -> int | str | None:
    """What a definition or a step stores: a script id as a number, a name as it is, None for none."""
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() else value


def names() -> dict[str, str]:
    """Every script of the company by id and by name -> its name, to show what a definition refers to."""
    out: dict[str, str] = {}
    for script in services.all_scripts():
        out[str(script.id)] = out[script.name] = script.name
    return out
