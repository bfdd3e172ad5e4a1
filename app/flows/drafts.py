"""Editing a flow's draft: finding steps in nested paths, changing one step (structural changes: structure.py).

For the settings panels (app/flows/panels/**) and anything else that edits a draft:

    get_draft(flow) -> FlowVersion
        The flow's draft; created (and committed) from the deployed version, else the latest, with the
        next number, when there is none. Step and path ids are filled in if an old definition lacks them.
    find_step(definition, step_id) -> (step dict, parent list, index)
        Searches paths at any depth. Raises StepNotFound (a DraftError) when the id is not there.
    update_step(flow, step_id, *, config=None, name=None, note=None, skip=None, paths_config=None,
                expected_revision, actor) -> FlowVersion
        Changes one step of the draft and commits. None leaves a field as it is ("" clears name/note).
        paths_config = [{"id", "name", "config"}] for route/branch/try-catch: existing ids keep their
        steps, new ids start empty, paths left out are removed (with their steps). Raises StaleDraft
        when expected_revision is not the draft's current revision, DraftError for other refusals.
    DraftError(ValueError) – str(exc) is a sentence for the user. StaleDraft(DraftError) carries
        .revision (the current one) so a form can offer to reload.

Revisions: FlowVersion.revision goes up on every UPDATE of the row (SQLAlchemy version_id_col), so
two saves racing on one draft cannot both commit either. A panel form carries
`<input type="hidden" name="expected_revision" value="{{ draft.revision }}">`; after a successful
save, re-render the panel with the new revision. static/js/editor.js keeps both sides in step: when
the canvas makes a structural change from revision R to R+1, it moves drawer inputs that still say R
to R+1 (nothing else changed in between), and after any non-GET request from the drawer or the
settings it asks for the canvas again (204 when the revision did not move), so summaries and
"incomplete" marks follow panel saves.
"""
from __future__ import annotations

import copy
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.flows import shapes
from app.flows.models import DraftChange, Flow, FlowVersion
from app.markers import N_, gettext

UNDO_DEPTH = 30
PATH_SHAPES = ("route", "branch", "try_catch")
MAX_BRANCHES = 6
NAME_MAX = 120
NOTE_MAX = 1000
_STALE = N_("This flow changed in another window (or by someone else); here it is as it is now.")


class DraftError(ValueError):
    """A change to the draft was refused; the message is meant for the user."""


class StaleDraft(DraftError):
    def __init__(self, revision: int, message: str | None = None):
        super().__init__(gettext(_STALE) if message is None else message)
        self.revision = revision


class StepNotFound(DraftError, LookupError):
    pass


def path_gone() -> DraftError:
    return DraftError(gettext("That path is no longer in the flow; it may have been removed in another window."))


def new_id(prefix: str = "s") -> str:
    return f"{prefix}{secrets.token_hex(4)}"


def normalise(definition: dict | None) -> dict:
    """A deep copy with every step and path given an id (older definitions may lack path ids)."""
    result = copy.deepcopy(definition or {})
    result.setdefault("trigger", {"type": "manual", "config": {}})
    result.setdefault("steps", [])
    seen: set[str] = set()

    def visit(steps: list[dict]) -> None:
        for step in steps:
            if not step.get("id") or str(step["id"]) in seen:
                step["id"] = new_id("s")
            step["id"] = str(step["id"])
            seen.add(step["id"])
            for path in step.get("paths") or []:
                if not path.get("id") or str(path["id"]) in seen:
                    path["id"] = new_id("p")
                path["id"] = str(path["id"])
                seen.add(path["id"])
                path.setdefault("steps", [])
                visit(path["steps"])

    visit(result["steps"])
    return result


def get_draft(flow: Flow, actor=None) -> FlowVersion:
    draft = flow.draft
    if draft is not None:
        fixed = normalise(draft.definition)
        if fixed != draft.definition:
            draft.definition = fixed
            db.session.commit()
        return draft
    base = flow.deployed or (flow.versions[-1] if flow.versions else None)
    number = max((v.number for v in flow.versions), default=0) + 1
    draft = FlowVersion(company_id=flow.company_id, number=number, status="draft",
                        definition=normalise(base.definition if base else {}),
                        created_by_id=getattr(actor, "id", None))
    flow.versions.append(draft)
    db.session.commit()
    return draft


def find_step(definition: dict, step_id: str) -> tuple[dict, list[dict], int]:
    found = _find(definition.get("steps") or [], str(step_id))
    if found is None:
        raise StepNotFound(gettext("This shape is no longer in the flow; it may have been removed in another window."))
    return found


def _find(steps: list[dict], step_id: str):
    for index, step in enumerate(steps):
        if str(step.get("id")) == step_id:
            return step, steps, index
        for path in step.get("paths") or []:
            found = _find(path.get("steps") or [], step_id)
            if found is not None:
                return found
    return None


def find_path(definition: dict, path_id: str) -> tuple[dict, dict]:
    """(the step holding the path, the path) for a path id anywhere in the definition."""

    def visit(steps: list[dict]):
        for step in steps:
            for path in step.get("paths") or []:
                if str(path.get("id")) == path_id:
                    return step, path
                found = visit(path.get("steps") or [])
                if found:
                    return found
        return None

    found = visit(definition.get("steps") or [])
    if found is None:
        raise path_gone()
    return found


def walk(steps: list[dict]):
    """Every step at any depth, parents before their paths' steps."""
    for step in steps:
        yield step
        for path in step.get("paths") or []:
            yield from walk(path.get("steps") or [])


def shape_label(step: dict) -> str:
    try:
        label = shapes.get(step.get("type", ""), step.get("version")).label
    except shapes.UnknownShape:
        label = step.get("type") or "shape"
    return step.get("name") or label


# ---- undo labels: stored as (msgid, params) parts so each viewer reads them in their own language -----------
def shape_param(step: dict) -> str | dict:
    """A shape as an undo label's param: its name as typed, else {"label": its N_-marked type label}."""
    if step.get("name"):
        return step["name"]
    try:
        return {"label": shapes.get(step.get("type", ""), step.get("version")).label}
    except shapes.UnknownShape:
        return step.get("type") or "shape"


def undo_part(msgid: str, **params) -> list:
    """One part of an undo label: an N_-marked msgid with %(name)s params (str, number or shape_param())."""
    return [msgid, params]


def shape_undo(msgid: str, step: dict) -> list:
    """The undo label of a change to one shape: msgid has a %(shape)s param."""
    return [undo_part(msgid, shape=shape_param(step))]


def render_undo_label(parts: list, translate=gettext) -> str:
    """The parts joined by commas, in the current language (translate=English gives the stored label)."""
    def value(v):
        return translate(v["label"]) if isinstance(v, dict) else v

    return ", ".join(translate(msgid, **{k: value(v) for k, v in params.items()}) for msgid, params in parts)


def _english(msgid: str, **params) -> str:
    return msgid % params if params else msgid


# ---- writing ------------------------------------------------------------------------------------

def checked_draft(flow: Flow, expected_revision, actor) -> FlowVersion:
    draft = get_draft(flow, actor)
    try:
        expected = int(expected_revision)
    except (TypeError, ValueError):
        raise StaleDraft(draft.revision) from None
    if expected != draft.revision:
        raise StaleDraft(draft.revision)
    return draft


def save(draft: FlowVersion, definition: dict, *, undo_label: str | list | None, actor, whole: bool = False,
         settings_of: str | None = None) -> FlowVersion:
    """Store the new definition (and the old one on the undo stack); one commit, racing saves refused.

    `undo_label` is a list of undo_part()s (shown in each viewer's language) or plain text.
    `settings_of` names a step whose settings this change set, so undoing it puts them back too."""
    if undo_label is not None:
        parts = undo_label if isinstance(undo_label, list) else None
        label = render_undo_label(parts, translate=_english) if parts else undo_label
        db.session.add(DraftChange(company_id=draft.company_id, version_id=draft.id, label=label[:200],
                                   label_parts=parts,
                                   definition=copy.deepcopy(draft.definition), whole=whole,
                                   settings_of=settings_of, actor_id=getattr(actor, "id", None)))
    draft.definition = definition
    try:
        db.session.flush()
        if undo_label is not None:
            _trim_undo(draft)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(draft)
        raise StaleDraft(draft.revision) from None
    return draft


def _trim_undo(draft: FlowVersion) -> None:
    keep = select(DraftChange.id).where(DraftChange.version_id == draft.id).order_by(
        DraftChange.id.desc()).limit(UNDO_DEPTH)
    db.session.execute(delete(DraftChange).where(DraftChange.version_id == draft.id,
                                                 DraftChange.id.not_in(keep)))


def update_step(flow: Flow, step_id: str, *, config: dict | None = None, name: str | None = None,
                note: str | None = None, skip: bool | None = None, paths_config: list[dict] | None = None,
                expected_revision: int, actor) -> FlowVersion:
    draft = checked_draft(flow, expected_revision, actor)
    definition = copy.deepcopy(draft.definition)
    step, _, _ = find_step(definition, step_id)
    label = shape_param(step)
    undo: list[list] = []
    if config is not None:
        if not isinstance(config, dict):
            raise DraftError(gettext("The shape's settings must be an object."))
        step["config"] = copy.deepcopy(config)
    if name is not None:
        name = name.strip()
        if len(name) > NAME_MAX:
            raise DraftError(gettext("A shape's name can be at most %(max)d characters.", max=NAME_MAX))
        set_or_drop(step, "name", name)
    if note is not None:
        note = note.strip()
        if len(note) > NOTE_MAX:
            raise DraftError(gettext("A note can be at most %(max)s characters.", max=f"{NOTE_MAX:,}"))
        if note != (step.get("note") or ""):
            undo.append(undo_part(N_("note on %(shape)s"), shape=label))
        set_or_drop(step, "note", note)
    if skip is not None:
        if bool(skip) != bool(step.get("skip")):
            undo.append(undo_part(N_("skip %(shape)s") if skip else N_("unskip %(shape)s"), shape=label))
        set_or_drop(step, "skip", bool(skip))
    if paths_config is not None and _apply_paths(step, paths_config):
        undo.append(undo_part(N_("paths of %(shape)s"), shape=label))
    return save(draft, definition, undo_label=undo or None, actor=actor)


def set_or_drop(step: dict, key: str, value) -> None:
    if value:
        step[key] = value
    else:
        step.pop(key, None)


def _apply_paths(step: dict, paths_config: list[dict]) -> bool:
    """Replace the step's paths' names and settings, keeping each path's steps; True if paths came or went."""
    if step.get("type") not in PATH_SHAPES:
        raise DraftError(gettext("Only route, branch and try/catch shapes have paths."))
    existing = {str(p.get("id")): p for p in step.get("paths") or []}
    paths = []
    for item in paths_config:
        if not isinstance(item, dict):
            raise DraftError(gettext("Each path must be an object with an id, a name and settings."))
        path_id = str(item.get("id") or new_id("p"))
        old = existing.get(path_id)
        name = str(item.get("name") or "").strip()[:NAME_MAX]
        paths.append({"id": path_id, "name": name or (old or {}).get("name") or f"Path {len(paths) + 1}",
                      "config": copy.deepcopy(item.get("config") or {}),
                      "steps": (old or {}).get("steps", [])})
    check_path_count(step, len(paths))
    changed = [p["id"] for p in paths] != list(existing)
    step["paths"] = paths
    return changed


def check_path_count(step: dict, count: int) -> None:
    kind = step.get("type")
    if kind == "try_catch" and count != 2:
        raise DraftError(gettext("A try/catch shape always has exactly two paths: try and catch."))
    if kind == "branch" and count > MAX_BRANCHES:
        raise DraftError(gettext("A branch shape holds at most %(max)d branches.", max=MAX_BRANCHES))
    if count < 1:
        raise DraftError(gettext("Keep at least one path; delete the whole shape to remove them all."))


def set_variables(flow: Flow, variables: list[dict], *, expected_revision, actor) -> FlowVersion:
    draft = checked_draft(flow, expected_revision, actor)
    definition = copy.deepcopy(draft.definition)
    if variables:
        definition["variables"] = copy.deepcopy(variables)
    else:
        definition.pop("variables", None)
    return save(draft, definition, undo_label=None, actor=actor)
