"""Structural changes to a draft, as the canvas makes them: add, move and delete shapes, paths, undo.

Each change checks the revision the canvas showed (drafts.checked_draft) and stores the definition as it
was on the draft's undo stack (DraftChange), so Ctrl+Z can take it back.
"""
from __future__ import annotations

import copy

from sqlalchemy import select

from app.extensions import db
from app.flows import drafts, shapes
from app.flows.models import DraftChange, Flow, FlowVersion
from app.markers import N_, gettext


def _default_paths(shape_type: str) -> list[dict]:
    if shape_type == "route":
        return [{"id": drafts.new_id("p"), "name": f"Route {n}", "config": {"logic": "and", "conditions": []},
                 "steps": []} for n in (1, 2)]
    if shape_type == "branch":
        return [{"id": drafts.new_id("p"), "name": f"Branch {n}", "config": {}, "steps": []} for n in (1, 2)]
    if shape_type == "try_catch":
        return [{"id": drafts.new_id("p"), "name": name, "config": {}, "steps": []} for name in ("Try", "Catch")]
    return []


DEFAULT_CONFIGS: dict[str, dict] = {
    "manual_payload": {"format": "json", "body": ""},
    "map": {"rules": []},
    "route": {"method": "all"},
    "try_catch": {"on_exception": "partial"},
    "flow_control": {"level": "*", "size": 100},
}


def new_step(shape_type: str) -> dict:
    try:
        shape = shapes.get(shape_type)
    except shapes.UnknownShape as exc:
        raise drafts.DraftError(str(exc)) from None
    step = {"id": drafts.new_id("s"), "type": shape.type, "version": shape.version,
            "config": copy.deepcopy(DEFAULT_CONFIGS.get(shape.type, {}))}
    paths = _default_paths(shape.type)
    if paths:
        step["paths"] = paths
    return step


def _container(definition: dict, path_id: str | None) -> list[dict]:
    """The step list a drop targets: the top level (None/"root") or one path's steps."""
    if not path_id or path_id == "root":
        return definition.setdefault("steps", [])
    _, path = drafts.find_path(definition, str(path_id))
    return path.setdefault("steps", [])


def _clamp(index, length: int) -> int:
    try:
        index = int(index)
    except (TypeError, ValueError):
        return length
    return max(0, min(index, length))


def add_step(flow: Flow, shape_type: str, *, path_id: str | None, index, expected_revision,
             actor) -> tuple[FlowVersion, dict]:
    draft = drafts.checked_draft(flow, expected_revision, actor)
    definition = copy.deepcopy(draft.definition)
    step = new_step(shape_type)
    if step["type"] == "try_catch" and any(s.get("type") == "try_catch" for s in drafts.walk(definition["steps"])):
        raise drafts.DraftError(gettext("A flow can hold one try/catch shape, and this one already has it."))
    target = _container(definition, path_id)
    target.insert(_clamp(index, len(target)), step)
    return drafts.save(draft, definition, undo_label=drafts.shape_undo(N_("add %(shape)s"), step), actor=actor), step


def move_step(flow: Flow, step_id: str, *, path_id: str | None, index, expected_revision, actor) -> FlowVersion:
    draft = drafts.checked_draft(flow, expected_revision, actor)
    definition = copy.deepcopy(draft.definition)
    step, parent, position = drafts.find_step(definition, step_id)
    if path_id and path_id != "root":
        inside = {str(p.get("id")) for s in drafts.walk([step]) for p in s.get("paths") or []}
        if str(path_id) in inside:
            raise drafts.DraftError(gettext("A shape cannot be moved into one of its own paths."))
    target = _container(definition, path_id)
    index = _clamp(index, len(target))
    if target is parent and index == position:
        return draft
    # `index` is the place in the list as it will be (what the canvas shows after the drop), so the step
    # leaves its old place first.
    parent.pop(position)
    target.insert(_clamp(index, len(target)), step)
    return drafts.save(draft, definition, undo_label=drafts.shape_undo(N_("move %(shape)s"), step), actor=actor)


def delete_step(flow: Flow, step_id: str, *, expected_revision, actor) -> FlowVersion:
    draft = drafts.checked_draft(flow, expected_revision, actor)
    definition = copy.deepcopy(draft.definition)
    step, parent, position = drafts.find_step(definition, step_id)
    parent.pop(position)
    return drafts.save(draft, definition, undo_label=drafts.shape_undo(N_("delete %(shape)s"), step), actor=actor)


def add_path(flow: Flow, step_id: str, *, expected_revision, actor, name: str = "") -> FlowVersion:
    draft = drafts.checked_draft(flow, expected_revision, actor)
    definition = copy.deepcopy(draft.definition)
    step, _, _ = drafts.find_step(definition, step_id)
    if step.get("type") not in ("route", "branch"):
        raise drafts.DraftError(gettext("Paths can be added to route and branch shapes."))
    paths = step.setdefault("paths", [])
    drafts.check_path_count(step, len(paths) + 1)
    word = "Route" if step["type"] == "route" else "Branch"
    taken = {p.get("name") for p in paths}
    number = len(paths) + 1
    while f"{word} {number}" in taken:
        number += 1
    config = {"logic": "and", "conditions": []} if step["type"] == "route" else {}
    paths.append({"id": drafts.new_id("p"), "name": name.strip()[:drafts.NAME_MAX] or f"{word} {number}",
                  "config": config, "steps": []})
    return drafts.save(draft, definition, undo_label=drafts.shape_undo(N_("add a path to %(shape)s"), step),
                       actor=actor)


def remove_path(flow: Flow, step_id: str, path_id: str, *, expected_revision, actor) -> FlowVersion:
    draft = drafts.checked_draft(flow, expected_revision, actor)
    definition = copy.deepcopy(draft.definition)
    step, _, _ = drafts.find_step(definition, step_id)
    paths = step.get("paths") or []
    kept = [p for p in paths if str(p.get("id")) != str(path_id)]
    if len(kept) == len(paths):
        raise drafts.path_gone()
    if step.get("type") == "try_catch":
        raise drafts.DraftError(gettext("A try/catch shape always has exactly two paths: try and catch."))
    drafts.check_path_count(step, len(kept))
    step["paths"] = kept
    return drafts.save(draft, definition, undo_label=drafts.shape_undo(N_("remove a path of %(shape)s"), step),
                       actor=actor)


def rename_path(flow: Flow, step_id: str, path_id: str, name: str, *, expected_revision, actor) -> FlowVersion:
    name = (name or "").strip()
    if not name:
        raise drafts.DraftError(gettext("Give the path a name."))
    if len(name) > drafts.NAME_MAX:
        raise drafts.DraftError(gettext("A path name can be at most %(max)d characters.", max=drafts.NAME_MAX))
    draft = drafts.checked_draft(flow, expected_revision, actor)
    definition = copy.deepcopy(draft.definition)
    step, _, _ = drafts.find_step(definition, step_id)
    path = next((p for p in step.get("paths") or [] if str(p.get("id")) == str(path_id)), None)
    if path is None:
        raise drafts.path_gone()
    if name != path.get("name"):
        path["name"] = name
        return drafts.save(draft, definition, undo_label=[drafts.undo_part(N_("rename path %(path)s"), path=name)],
                           actor=actor)
    return draft


def undo_available(draft: FlowVersion) -> DraftChange | None:
    return db.session.execute(select(DraftChange).where(DraftChange.version_id == draft.id)
                              .order_by(DraftChange.id.desc()).limit(1)).scalar_one_or_none()


def undo(flow: Flow, *, expected_revision, actor) -> tuple[FlowVersion, str]:
    """Take back the last structural change. Settings edited since then stay as they are now."""
    draft = drafts.checked_draft(flow, expected_revision, actor)
    change = undo_available(draft)
    if change is None:
        raise drafts.DraftError(gettext("There is nothing to undo."))
    previous = drafts.normalise(change.definition)
    restored = previous if change.whole else _structure_only(previous, draft.definition, keep=change.settings_of)
    db.session.delete(change)
    drafts.save(draft, restored, undo_label=None, actor=actor)
    return draft, change.shown_label


def _structure_only(previous: dict, current: dict, keep: str | None = None) -> dict:
    """The previous arrangement of steps with today's settings of every step and path present in both
    (except step `keep`, whose settings the undone change made: it gets its previous settings back)."""
    result = copy.deepcopy(previous)
    now_steps = {s["id"]: s for s in drafts.walk(current.get("steps") or [])}
    for step in drafts.walk(result.get("steps") or []):
        now = now_steps.get(step["id"])
        if now is None or step["id"] == keep:
            continue
        step["config"] = copy.deepcopy(now.get("config") or {})
        drafts.set_or_drop(step, "name", now.get("name"))
        now_paths = {p.get("id"): p for p in now.get("paths") or []}
        for path in step.get("paths") or []:
            if path.get("id") in now_paths:
                path["config"] = copy.deepcopy(now_paths[path["id"]].get("config") or {})
    for key in ("trigger", "variables"):
        if key in current:
            result[key] = copy.deepcopy(current[key])
    return result


def replace_definition(flow: Flow, definition: dict, *, expected_revision, actor, label: str | list) -> FlowVersion:
    """Swap the whole draft (restoring an older version); one undo takes it back entirely."""
    draft = drafts.checked_draft(flow, expected_revision, actor)
    return drafts.save(draft, drafts.normalise(definition), undo_label=label, actor=actor, whole=True)
