"""What the canvas shows: the shapes tray from the registry and the step tree with summaries and problems."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext, ngettext

from app.flows import drafts, schedules, shapes, structure
from app.flows.models import Flow, FlowVersion
from app.markers import N_

GROUPS = (("standard", N_("Standard shapes")), ("advanced", N_("Advanced shapes")))
PANELS_BLUEPRINT = "flow_panels"


@dataclass
class PathNode:
    id: str
    name: str
    nodes: list[Node]


@dataclass
class Node:
    step: dict
    id: str
    label: str  # the step's own name, else the shape's label
    type_label: str
    icon: str
    summary: str
    problems: list[str]
    skip: bool
    note: str
    has_paths: bool
    can_add_path: bool
    can_remove_path: bool
    paths: list[PathNode] = field(default_factory=list)

    @property
    def needs_confirm(self) -> bool:
        """Deleting an unconfigured, empty shape asks nothing (undo is there); anything else asks first."""
        config = self.step.get("config") or {}
        configured = config != structure.DEFAULT_CONFIGS.get(self.step.get("type"), {}) and any(
            value not in ("", [], {}, None) for value in config.values())
        return configured or any(path.nodes for path in self.paths)


def tray() -> list[tuple[str, list[type[shapes.Shape]]]]:
    classes = shapes.latest()
    return [(gettext(title), [c for c in classes if c.group == key]) for key, title in GROUPS
            if any(c.group == key for c in classes)]


def _node(step: dict) -> Node:
    try:
        shape = shapes.get(step.get("type", ""), step.get("version"))
    except shapes.UnknownShape as exc:
        return Node(step=step, id=str(step.get("id")), label=step.get("name") or str(step.get("type")),
                    type_label=str(step.get("type")), icon="bi-question-square", summary="", problems=[str(exc)],
                    skip=bool(step.get("skip")), note=step.get("note") or "", has_paths=False, can_add_path=False,
                    can_remove_path=False)
    config = step.get("config") or {}
    paths = step.get("paths") or []
    problems = shape.validate(config) + shape.validate_paths(paths)
    try:
        summary = shape.summary(config)
    except Exception:  # a summary is decoration: a half-typed setting must not break the whole canvas
        summary = ""
    kind = shape.type
    node = Node(step=step, id=str(step.get("id")), label=step.get("name") or gettext(shape.label),
                type_label=gettext(shape.label),
                icon=shape.icon, summary=summary, problems=problems, skip=bool(step.get("skip")),
                note=step.get("note") or "", has_paths=kind in drafts.PATH_SHAPES,
                can_add_path=kind == "route" or (kind == "branch" and len(paths) < drafts.MAX_BRANCHES),
                can_remove_path=kind in ("route", "branch") and len(paths) > 1)
    node.paths = [PathNode(id=str(p.get("id")), name=p.get("name") or gettext("Path %(num)d", num=n),
                           nodes=[_node(s) for s in p.get("steps") or []])
                  for n, p in enumerate(paths, start=1)]
    return node


def tree(version: FlowVersion | None) -> list[Node]:
    return [_node(step) for step in (version.steps if version else [])]


def count_problems(nodes: list[Node]) -> int:
    total = 0
    for node in nodes:
        total += 1 if node.problems else 0
        for path in node.paths:
            total += count_problems(path.nodes)
    return total


def trigger_summary(flow: Flow, version: FlowVersion | None) -> list[str]:
    """One line per way this flow starts, for the trigger shape on the canvas."""
    from app.api import services as trigger_services
    from app.event_bindings import event_config

    lines = []
    trigger = version.trigger if version else {"type": "manual"}
    if trigger.get("type") == "schedule":
        for item in (trigger.get("config") or {}).get("schedules") or []:
            try:
                lines.append(schedules.describe(item))
            except (schedules.ScheduleError, KeyError, TypeError, ValueError):
                lines.append(gettext("A schedule that needs attention"))
    event = event_config(trigger)
    if event:
        lines.append(gettext("Listens on the queue “%(queue)s”", queue=event.get("queue") or "?"))
    hooks = len(trigger_services.webhooks_of(flow))
    callbacks = len(trigger_services.callbacks_of(flow))
    if hooks:
        lines.append(ngettext("%(num)d webhook", "%(num)d webhooks", hooks))
    if callbacks:
        lines.append(ngettext("%(num)d callback URL", "%(num)d callback URLs", callbacks))
    return lines or [gettext("Started by hand or by the API")]


def panels_ready() -> bool:
    """The settings panels come from their own blueprint; until it is registered the drawer says so."""
    return PANELS_BLUEPRINT in current_app.blueprints


def panel_url(flow: Flow, step_id: str, version_number: int | None = None) -> str:
    """The drawer's URL for a step: the settings panel (read-only for an older version), or until the panels
    are installed, the stored settings."""
    from flask import url_for

    if panels_ready():
        query = f"?version={version_number}" if version_number else ""
        return f"/flows/{flow.id}/steps/{step_id}/panel{query}"
    return url_for("flow_editor.step_drawer", flow_id=flow.id, step_id=step_id, version=version_number)
