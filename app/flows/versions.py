"""Versions of a flow: deploying the draft, restoring an older version as the draft, comparing two versions."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from app.extensions import db
from app.flows import diffing, drafts, reference_checks, shapes, structure, variables
from app.flows.models import DraftChange, Flow, FlowVersion
from app.flows.services import AllowanceRefused, DefinitionError, validate_definition
from app.markers import N_
from app.timeutil import utcnow

STATUS_LABELS = {"draft": _l("Draft"), "deployed": _l("Deployed"), "inactive": _l("Inactive")}


class DeployRefused(DefinitionError):
    """The draft has problems; .problems lists them, in canvas order."""


def known_flow_variables(definition: dict) -> set[str]:
    """Variables declared in the flow settings plus those a set-variables shape creates during a run."""
    names = {str(v.get("name")) for v in definition.get("variables") or [] if v.get("name")}
    for step in drafts.walk(definition.get("steps") or []):
        if step.get("type") == "set_variables":
            for entry in (step.get("config") or {}).get("flow") or []:
                if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"].strip():
                    names.add(entry["name"].strip())
    return names


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def variable_problems(definition: dict) -> list[str]:
    """Every [[flow.variables.x]] used in a step's settings that the flow never defines."""
    known = known_flow_variables(definition)
    problems: list[str] = []
    for step in drafts.walk(definition.get("steps") or []):
        where = drafts.shape_label(step)
        texts = list(_strings(step.get("config") or {}))
        for path in step.get("paths") or []:
            texts += list(_strings(path.get("config") or {}))
        for text in texts:
            for problem in variables.validate(text, known):
                if problem.startswith("Unknown variable") and f"{where}: {problem}" not in problems:
                    problems.append(f"{where}: {problem}. Add it under Settings › Flow variables, or fix the name.")
    return problems


def deploy_problems(definition: dict, company_id: int | None = None) -> list[str]:
    """Everything that stops the draft from deploying; `company_id` (default: the acting company) is where the
    lookups and scripts its steps name must exist."""
    problems = validate_definition(definition) + variable_problems(definition)
    if company_id is None:
        from app.tenancy import current_company_id

        try:
            company_id = current_company_id()
        except RuntimeError:  # no company to look in (a bare check outside a request)
            company_id = None
    if company_id is not None:
        problems += reference_checks.problems(definition, company_id)
    if not definition.get("steps"):
        problems.insert(0, "Add at least one shape after the trigger.")
    return problems


def allowance_refusal(flow: Flow) -> str | None:
    """Why deploying the draft of this (enabled) flow would go past the company's allowance, else None."""
    from app.companies.allowances import check_can_deploy
    from app.companies.models import Company

    return check_can_deploy(db.session.get(Company, flow.company_id), flow)


def deploy(flow: Flow, *, expected_revision, actor) -> FlowVersion:
    """Freeze the draft as the deployed version and start a new draft from it."""
    draft = drafts.checked_draft(flow, expected_revision, actor)
    problems = deploy_problems(draft.definition, flow.company_id)
    if problems:
        raise DeployRefused(problems)
    refusal = allowance_refusal(flow)
    if refusal:
        raise AllowanceRefused(refusal)
    now = utcnow()
    previous = flow.deployed
    if previous is not None:
        previous.status = "inactive"
        db.session.flush()  # the unique "one deployed" rule may be enforced by a later migration
    # The undo stack belongs to editing; a frozen version has nothing left to undo.
    db.session.execute(delete(DraftChange).where(DraftChange.version_id == draft.id))
    draft.status = "deployed"
    draft.deployed_at = now
    draft.deployed_by_id = getattr(actor, "id", None)
    number = max(v.number for v in flow.versions) + 1
    flow.versions.append(FlowVersion(company_id=flow.company_id, number=number, status="draft",
                                     definition=copy.deepcopy(draft.definition),
                                     created_by_id=getattr(actor, "id", None)))
    db.session.commit()
    return draft


def restore(flow: Flow, version: FlowVersion, *, expected_revision, actor) -> FlowVersion:
    """Make an older version's definition the draft (flow variables come with it, as they belong to it)."""
    if version.flow_id != flow.id:
        raise drafts.DraftError("That version belongs to another flow.")
    if version.status == "draft":
        raise drafts.DraftError("This version is already the draft.")
    return structure.replace_definition(flow, version.definition, expected_revision=expected_revision, actor=actor,
                                     label=[drafts.undo_part(N_("restore version %(number)s"), number=version.number)])


def by_number(flow: Flow, number) -> FlowVersion | None:
    try:
        number = int(number)
    except (TypeError, ValueError):
        return None
    return next((v for v in flow.versions if v.number == number), None)


# ---- comparing ---------------------------------------------------------------------------------

@dataclass
class StepChange:
    step_id: str
    label: str
    type_label: str
    kind: str  # added | removed | moved | changed
    details: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    older: FlowVersion
    newer: FlowVersion
    steps: list[StepChange]
    flow_changes: list[str]  # trigger and flow variables

    @property
    def empty(self) -> bool:
        return not self.steps and not self.flow_changes


def _positions(steps: list[dict], where: str = "top level") -> dict[str, tuple[str, list[str], dict]]:
    """step id -> (where it sits, the ids of its siblings in order, the step)."""
    found: dict[str, tuple[str, list[str], dict]] = {}
    ids = [str(s.get("id")) for s in steps]
    for step in steps:
        found[str(step.get("id"))] = (where, ids, step)
        for number, path in enumerate(step.get("paths") or [], start=1):
            name = path.get("name") or f"path {number}"
            found.update(_positions(path.get("steps") or [], f"{drafts.shape_label(step)} › {name}"))
    return found


def _type_label(step: dict) -> str:
    try:
        return shapes.get(step.get("type", ""), step.get("version")).label
    except shapes.UnknownShape:
        return step.get("type") or "shape"


def _setting_changes(old: dict, new: dict) -> list[str]:
    details = []
    if (old.get("name") or "") != (new.get("name") or ""):
        before, after = old.get("name") or _type_label(old), new.get("name") or _type_label(new)
        details.append(f"renamed from “{before}” to “{after}”")
    if bool(old.get("skip")) != bool(new.get("skip")):
        details.append("now skipped" if new.get("skip") else "no longer skipped")
    if (old.get("note") or "") != (new.get("note") or ""):
        details.append("note changed")
    if old.get("version") != new.get("version"):
        details.append(f"shape version {old.get('version')} → {new.get('version')}")
    result = diffing.diff(old.get("config") or {}, new.get("config") or {}, limit=8)
    for difference in result.differences:
        path = difference.path if difference.path != diffing.ROOT else "settings"
        details.append({"missing": f"setting {path} added", "extra": f"setting {path} removed"}.get(
            difference.kind, f"setting {path} changed"))
    if result.total > len(result.differences):
        details.append(f"and {result.total - len(result.differences)} more setting changes")
    old_paths = [(p.get("id"), p.get("name"), p.get("config") or {}) for p in old.get("paths") or []]
    new_paths = [(p.get("id"), p.get("name"), p.get("config") or {}) for p in new.get("paths") or []]
    if [p[0] for p in old_paths] != [p[0] for p in new_paths]:
        details.append(f"paths: {', '.join(str(p[1]) for p in old_paths) or 'none'} → "
                       f"{', '.join(str(p[1]) for p in new_paths) or 'none'}")
    else:
        for (_, old_name, old_config), (_, new_name, new_config) in zip(old_paths, new_paths, strict=True):
            if old_name != new_name:
                details.append(f"path “{old_name}” renamed to “{new_name}”")
            if old_config != new_config:
                details.append(f"conditions of path “{new_name}” changed")
    return details


def _kept_in_order(before: list[str], after: list[str]) -> set[str]:
    """The steps that kept their order: the longest common subsequence, so one dragged shape is the only
    one reported as moved (not every shape it passed)."""
    a = [x for x in before if x in after]
    b = [x for x in after if x in before]
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
    kept, i, j = set(), 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            kept.add(a[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return kept


def compare(older: FlowVersion, newer: FlowVersion) -> Comparison:
    """Which shapes were added, removed, moved or changed between two versions, in the newer's order."""
    before = _positions(older.steps)
    after = _positions(newer.steps)
    changes: list[StepChange] = []
    for step_id, (where, siblings, step) in after.items():
        label, type_label = drafts.shape_label(step), _type_label(step)
        if step_id not in before:
            changes.append(StepChange(step_id, label, type_label, "added", [f"in {where}"]))
            continue
        old_where, old_siblings, old_step = before[step_id]
        moved = []
        if old_where != where:
            moved.append(f"moved from {old_where} to {where}")
        elif step_id not in _kept_in_order(old_siblings, siblings):
            moved.append(f"moved from position {old_siblings.index(step_id) + 1} to {siblings.index(step_id) + 1}"
                         f" in {where}")
        details = _setting_changes(old_step, step)
        if moved:
            changes.append(StepChange(step_id, label, type_label, "moved", moved + details))
        elif details:
            changes.append(StepChange(step_id, label, type_label, "changed", details))
    for step_id, (where, _, step) in before.items():
        if step_id not in after:
            changes.append(StepChange(step_id, drafts.shape_label(step), _type_label(step), "removed",
                                      [f"was in {where}"]))
    flow_changes = []
    if older.trigger != newer.trigger:
        flow_changes.append("The trigger (type or schedules) changed.")
    old_vars = {v.get("name"): v for v in older.variables}
    new_vars = {v.get("name"): v for v in newer.variables}
    for name in new_vars.keys() - old_vars.keys():
        flow_changes.append(f"Flow variable “{name}” added.")
    for name in old_vars.keys() - new_vars.keys():
        flow_changes.append(f"Flow variable “{name}” removed.")
    for name in new_vars.keys() & old_vars.keys():
        if new_vars[name] != old_vars[name]:
            flow_changes.append(f"Flow variable “{name}” changed (type or default).")
    return Comparison(older=older, newer=newer, steps=changes, flow_changes=sorted(flow_changes))
