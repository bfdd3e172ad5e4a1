"""Loads a step's panel: the version it lives in, whether it can be edited, and sample data for the pickers."""
from __future__ import annotations

from flask_babel import gettext

from app.flows import drafts, shapes
from app.flows.panels import choices, sample
from app.flows.panels.base import Panel
from app.tenancy import can


class PanelMissing(LookupError):
    """The step (or the version asked for) is not there; the message is for the user."""


def version_of(flow, number=None, actor=None):
    """The version a panel shows: a numbered one when asked, else the draft (made when the user may edit)."""
    if number not in (None, ""):
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            raise PanelMissing(gettext("There is no such version of this flow.")) from None
        found = next((v for v in flow.versions if v.number == wanted), None)
        if found is None:
            raise PanelMissing(gettext("This flow has no version %(number)d.", number=wanted))
        return found
    if flow.draft is None and not can("flows", "edit"):
        shown = flow.deployed or (flow.versions[-1] if flow.versions else None)
        if shown is None:
            raise PanelMissing(gettext("This flow has no version yet."))
        return shown
    return drafts.get_draft(flow, actor)


def load(flow, step_id: str, *, number=None, actor=None, sample_source: str = "run", pasted: str = "") -> Panel:
    version = version_of(flow, number, actor)
    try:
        step, _, _ = drafts.find_step(version.definition or {}, step_id)
    except drafts.StepNotFound as exc:
        raise PanelMissing(str(exc)) from None
    try:
        shape = shapes.get(step.get("type", ""), step.get("version"))
    except shapes.UnknownShape as exc:
        raise PanelMissing(f"{exc} This Weft cannot show its settings.") from None
    panel = Panel(flow=flow, version=version, step=step, shape=shape,
                  editable=can("flows", "edit") and version.status == "draft",
                  flow_variables={v["name"]: v.get("default") for v in (version.definition or {}).get("variables", [])
                                  if isinstance(v, dict) and v.get("name")})
    if sample_source == "none":  # a save or a reload of one part: no pickers to fill
        return panel
    if sample_source == "paste":
        panel.sample, panel.sample_error = sample.pasted(pasted)
    else:
        panel.sample = sample.latest_run_input(flow, version.definition or {}, step_id)
    _fields(panel)
    return panel


def _schema_fields(step: dict | None) -> list[sample.Field]:
    if step is None:
        return []
    config = step.get("config") or {}
    endpoint = choices.endpoint(choices.instance(config.get("instance_id")), config.get("endpoint"))
    return sample.fields_of_schema((endpoint or {}).get("schema"))


def _fields(panel: Panel) -> None:
    near = sample.neighbours(panel.definition, str(panel.step.get("id")))
    from_sample = sample.fields_of(panel.sample.bucket) if panel.sample else []
    panel.fields = sample.merge(from_sample, _schema_fields(near.before))
    targets = [sample.Field(str(r.get("target"))) for r in panel.config.get("rules") or []
               if isinstance(r, dict) and r.get("target")]
    panel.target_fields = sample.merge(_schema_fields(near.after), targets)
