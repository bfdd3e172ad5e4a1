"""Where a map's source and target fields come from: a run, a pasted sample, or a connector endpoint's data model.

The choice is part of the panel (posted with each request), not of the map's settings: it only feeds the
field lists, the pickers and auto-mapping.

- Source: the payloads the step received in the latest run that reached it (the previous step's output),
  plus the data model of a connector shape just before; a pasted JSON sample; or any endpoint's data model.
- Target: the data model of a connector shape just after, plus the targets of the rules; a pasted example
  of the output; or any endpoint's data model.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext

from app.flows.panels import choices, sample
from app.flows.panels.base import Panel
from app.flows.panels.sample import Field
from app.markers import N_

SOURCE_KINDS = ("run", "paste", "model")
TARGET_KINDS = ("next", "paste", "model")


@dataclass
class Side:
    kind: str
    fields: list[Field] = field(default_factory=list)
    note: str = ""  # where the fields came from, or why there are none
    error: str | None = None  # bad input of the user (invalid JSON): shown on the side, answered with 422
    model: str = ""  # the chosen "<instance id>:<endpoint key>"
    tags: dict = field(default_factory=dict)  # field path -> tag, from the data model's endpoint (auto-map reads it)


@dataclass
class MapFields:
    source: Side
    target: Side

    @property
    def error(self) -> str | None:
        return self.source.error or self.target.error


def model_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Endpoints with a data model, grouped by connector instance: [(instance name, [(value, label)])]."""
    groups = []
    for row in choices.instances():
        items = [(f"{row.id}:{ep['key']}", f"{ep.get('name') or ep['key']} ({ep.get('direction', 'receive')})")
                 for ep in choices.endpoints(row) if isinstance(ep.get("schema"), dict) and ep["schema"]]
        if items:
            groups.append((row.name, items))
    return groups


def _tags(endpoint: dict | None) -> dict:
    tags = (endpoint or {}).get("field_tags")
    return tags if isinstance(tags, dict) else {}


def _model(value: str) -> tuple[list[Field], str, str | None]:
    """(fields, note, error) of the endpoint data model `<instance id>:<endpoint key>`."""
    instance_id, _, key = (value or "").partition(":")
    row = choices.instance(instance_id)
    endpoint = choices.endpoint(row, key)
    if row is None or endpoint is None:
        return [], "", gettext("Choose a connector endpoint that has a data model.")
    fields = sample.fields_of_schema(endpoint.get("schema"))
    note = gettext("Data model of %(instance)s › %(endpoint)s.", instance=row.name,
                   endpoint=endpoint.get("name") or key)
    if not fields:
        return [], note, gettext("The endpoint %(endpoint)s has no data model (schema) to read fields from.",
                                 endpoint=endpoint.get("name") or key)
    return fields, note, None


# what was pasted -> (nothing pasted yet, no fields in it, its fields) notes
_PASTE_NOTES = {
    "sample": (N_("Paste sample (JSON) to list its fields."),
               N_("The pasted sample has no fields: paste a JSON object, or a list of objects."),
               N_("Fields of the pasted sample.")),
    "example output": (N_("Paste example output (JSON) to list its fields."),
                       N_("The pasted example output has no fields: paste a JSON object, or a list of objects."),
                       N_("Fields of the pasted example output.")),
}


def _pasted(text: str, what: str) -> tuple[list[Field], str, str | None]:
    empty, fieldless, listed = _PASTE_NOTES[what]
    if not (text or "").strip():
        return [], gettext(empty), None
    found, error = sample.pasted(text, what)
    if error:
        return [], "", error
    fields = sample.fields_of(found.bucket)
    if not fields:
        return [], gettext(fieldless), None
    return fields, gettext(listed), None


def _model_tags(value: str) -> dict:
    instance_id, _, key = (value or "").partition(":")
    return _tags(choices.endpoint(choices.instance(instance_id), key))


def _step_tags(step: dict | None) -> dict:
    if step is None:
        return {}
    config = step.get("config") or {}
    return _tags(choices.endpoint(choices.instance(config.get("instance_id")), config.get("endpoint")))


def _schema_of_step(step: dict | None) -> tuple[list[Field], str]:
    if step is None:
        return [], ""
    config = step.get("config") or {}
    row = choices.instance(config.get("instance_id"))
    endpoint = choices.endpoint(row, config.get("endpoint"))
    fields = sample.fields_of_schema((endpoint or {}).get("schema"))
    return fields, (f"{row.name} › {endpoint.get('name') or endpoint.get('key')}" if fields else "")


def _source(panel: Panel, kind: str, values) -> Side:
    if kind == "paste":
        fields, note, error = _pasted(values.get("source_json", ""), "sample")
        return Side(kind, fields, note, error)
    if kind == "model":
        fields, note, error = _model(values.get("source_model", ""))
        return Side(kind, fields, note, error, model=values.get("source_model", ""),
                    tags=_model_tags(values.get("source_model", "")))
    near = sample.neighbours(panel.definition, str(panel.step.get("id")))
    found = panel.sample if panel.sample is not None else sample.latest_run_input(
        panel.flow, panel.definition, str(panel.step.get("id")))
    schema, schema_note = _schema_of_step(near.before)
    fields = sample.merge(sample.fields_of(found.bucket) if found else [], schema)
    notes = []
    if found:
        notes.append(gettext("What this shape received in run #%(run)s (the output of the shape before it).",
                             run=found.run_id) if found.run_id else
                     gettext("What this shape received in the pasted JSON (the output of the shape before it)."))
    if schema_note:
        notes.append(gettext("Data model of the shape before it: %(model)s.", model=schema_note))
    if not notes:
        notes.append(gettext("None of the latest runs reached this shape yet: paste a sample or choose a data model."))
    return Side("run", fields, " ".join(notes), tags=_step_tags(near.before))


def _target(panel: Panel, kind: str, values, rules) -> Side:
    ruled = [Field(str(r.target).strip()) for r in rules if str(r.target or "").strip()]
    if kind == "paste":
        fields, note, error = _pasted(values.get("target_json", ""), "example output")
        return Side(kind, sample.merge(fields, ruled) if not error else [], note, error)
    if kind == "model":
        fields, note, error = _model(values.get("target_model", ""))
        return Side(kind, sample.merge(fields, ruled) if not error else [], note, error,
                    model=values.get("target_model", ""), tags=_model_tags(values.get("target_model", "")))
    near = sample.neighbours(panel.definition, str(panel.step.get("id")))
    schema, schema_note = _schema_of_step(near.after)
    note = (gettext("Data model of the connector shape after this map: %(model)s.", model=schema_note)
            if schema_note else
            gettext("No connector shape with a data model follows this map: paste an example of the output or "
                    "choose a data model to list target fields."))
    return Side("next", sample.merge(schema, ruled), note, tags=_step_tags(near.after))


def choose(panel: Panel, values, rules) -> MapFields:
    """The source and target fields for the choice in `values` (the posted panel); `rules` are the form's rows."""
    source_kind = values.get("source_kind") if values.get("source_kind") in SOURCE_KINDS else "run"
    target_kind = values.get("target_kind") if values.get("target_kind") in TARGET_KINDS else "next"
    return MapFields(_source(panel, source_kind, values), _target(panel, target_kind, values, rules))

