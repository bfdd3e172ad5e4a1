"""The settings form of each shape type, and building and checking one for a panel."""
from __future__ import annotations

from app.flows.panels.base import Panel, StepForm, step_data
from app.flows.panels.forms_cache import CacheAddForm, CacheLoadForm, DedupeForm
from app.flows.panels.forms_conditions import FilterForm, RouteForm
from app.flows.panels.forms_connector import ConnectorForm
from app.flows.panels.forms_map import MapForm
from app.flows.panels.forms_shapes import (
    AssertForm,
    BranchForm,
    CallbackForm,
    FlowControlForm,
    JsonSettingsForm,
    ManualPayloadForm,
    NotifyForm,
    RunProcessFlowForm,
    ScriptForm,
    SetVariablesForm,
    SplitForm,
    TrackDataForm,
    TryCatchForm,
)

FORMS: dict[str, type[StepForm]] = {
    "manual_payload": ManualPayloadForm,
    "map": MapForm,
    "filter": FilterForm,
    "route": RouteForm,
    "branch": BranchForm,
    "flow_control": FlowControlForm,
    "split": SplitForm,
    "try_catch": TryCatchForm,
    "set_variables": SetVariablesForm,
    "assert": AssertForm,
    "notify": NotifyForm,
    "track_data": TrackDataForm,
    "run_process_flow": RunProcessFlowForm,
    "callback": CallbackForm,
    "connector": ConnectorForm,
    "script": ScriptForm,
    "cache_add": CacheAddForm,
    "cache_load": CacheLoadForm,
    "dedupe": DedupeForm,
}


def form_class(shape_type: str) -> type[StepForm]:
    """A shape without a form of its own is edited as JSON, so every registered shape has settings."""
    return FORMS.get(shape_type, JsonSettingsForm)


def build(panel: Panel, formdata=None) -> StepForm:
    """The form with the stored settings (formdata None), or with what was posted."""
    cls = form_class(panel.step.get("type", ""))
    if formdata is None:
        form = cls(formdata=None, data={**step_data(panel), **cls.initial(panel)})
    else:
        form = cls(formdata=formdata)
    form.setup(panel, formdata)
    return form


def check(form: StepForm, panel: Panel) -> tuple[dict, list[dict] | None] | None:
    """(config, paths) when the fields and the shape's own checks pass; None with the problems on the form."""
    if not form.validate():
        return None
    config = form.to_config(panel)
    paths = form.to_paths(panel)
    problems = panel.shape.validate(config)
    if paths is not None:
        problems += panel.shape.validate_paths(paths)
    if problems:
        form.shape_problems = form.route_problems(problems)
        form.has_problems = True
        return None
    return config, paths


def edited(form: StepForm, panel: Panel) -> tuple[dict, list[dict]] | None:
    """The settings as edited, for the preview; None when a field itself is invalid."""
    if not form.validate():
        return None
    paths = form.to_paths(panel)
    return form.to_config(panel), (panel.paths if paths is None else paths)
