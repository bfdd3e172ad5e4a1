"""Auto-map applied to the draft, and taken back.

The form as the user left it is saved first (as Save would), then the proposed rules are added as a change of
their own on the draft's undo stack, marked with the step (`DraftChange.settings_of`). So the canvas's Undo
(Ctrl+Z) or the panel's "Undo auto-map" takes back exactly the proposals and keeps the user's own rules.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from flask_babel import gettext

from app.flows import drafts, structure
from app.flows.panels import automap, forms, map_fields
from app.flows.panels.base import Panel
from app.flows.panels.forms_map import MapForm
from app.markers import N_


@dataclass
class Result:
    status: int = 200
    outcome: automap.Outcome = field(default_factory=automap.Outcome)
    fields: map_fields.MapFields | None = None
    saved: bool = False  # the proposals are in the draft (else, when there are any, only in the form)
    error: str | None = None  # shown in the auto-map box
    stale: str | None = None  # the draft changed elsewhere: nothing saved
    revision: int | None = None

    @property
    def added(self) -> list[automap.Proposal]:
        return self.outcome.proposals


def _own_edits(form: MapForm, panel: Panel, config: dict) -> bool:
    step = panel.step
    return (config != panel.config or (form.name.data or "").strip() != (step.get("name") or "")
            or (form.note.data or "").strip() != (step.get("note") or "")
            or bool(form.skip.data) != bool(step.get("skip")))


def run(flow, panel: Panel, form: MapForm, values, actor) -> Result:
    """Propose rules for the fields chosen in `values` and add them to the draft (see the module docstring)."""
    chosen = map_fields.choose(panel, values, form.rules)
    if chosen.error:
        return Result(status=422, fields=chosen, error=chosen.error)
    outcome = automap.propose([f.path for f in chosen.source.fields], [f.path for f in chosen.target.fields],
                              form.rules, source_tags=chosen.source.tags, target_tags=chosen.target.tags)
    result = Result(outcome=outcome, fields=chosen)
    if not outcome.proposals:
        return result
    checked = forms.check(form, panel)
    form.propose([(p.source, p.target) for p in outcome.proposals])
    if checked is None:  # the user's own settings have problems: the proposals wait in the form for a Save
        result.status = 422
        return result
    own, _ = checked
    try:
        if _own_edits(form, panel, own):
            draft = drafts.update_step(flow, str(panel.step["id"]), config=own, name=form.name.data or "",
                                       note=form.note.data or "", skip=bool(form.skip.data),
                                       expected_revision=form.expected_revision.data, actor=actor)
        else:
            draft = drafts.checked_draft(flow, form.expected_revision.data, actor)
        config = copy.deepcopy(own)
        config["rules"] = list(config.get("rules") or []) + [{"source": p.source, "target": p.target}
                                                              for p in outcome.proposals]
        problems = panel.shape.validate(config)
        if problems:
            result.status, result.error = 422, "Auto-map's mappings could not be added: " + "; ".join(problems)
            return result
        draft = _save(draft, str(panel.step["id"]), config, actor)
    except drafts.StaleDraft as exc:
        result.status, result.stale = 409, str(exc)
        return result
    except drafts.DraftError as exc:
        form.shape_problems = [str(exc)]
        result.status = 422
        return result
    result.saved, result.revision = True, draft.revision
    return result


def _save(draft, step_id: str, config: dict, actor):
    definition = copy.deepcopy(draft.definition)
    step, _, _ = drafts.find_step(definition, step_id)
    step["config"] = config
    return drafts.save(draft, definition, undo_label=drafts.shape_undo(N_("auto-map %(shape)s"), step), actor=actor,
                       settings_of=step_id)


def last_automap(draft, step_id: str):
    """The draft's last change when it is an auto-map of this step (the one "Undo auto-map" takes back)."""
    change = structure.undo_available(draft)
    return change if change is not None and change.settings_of == str(step_id) else None


def undo(flow, step_id: str, *, expected_revision, actor) -> str:
    draft = drafts.checked_draft(flow, expected_revision, actor)
    if last_automap(draft, step_id) is None:
        raise drafts.DraftError(gettext("The flow changed after this auto-map, so it cannot be taken back from here. "
                                        "Use Undo on the canvas (Ctrl+Z) to step back through the changes."))
    _, label = structure.undo(flow, expected_revision=expected_revision, actor=actor)
    return label
