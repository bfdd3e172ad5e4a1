"""The shape settings panel the canvas opens in its drawer: the form, its live helpers and the preview."""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from app import htmx
from app.flows import drafts, mapping
from app.flows.conditions import TYPES
from app.flows.models import Flow
from app.flows.panels import automap_draft, forms, loading, map_fields, preview, references
from app.flows.panels.forms_conditions import DATE_TYPES, VALUE_HINTS, operator_choices
from app.flows.panels.forms_map import catalogue_groups
from app.flows.transforms import TRANSFORMS
from app.tenancy import get_or_404, requires

bp = Blueprint("flow_panels", __name__, url_prefix="/flows")
# The transform macros render outside any view's context (imported macros), so they reach the options this way.
bp.add_app_template_global(references.options, "transform_reference_options")
PANEL = "flows/panels/panel.html"
_PREFIX = re.compile(r"^[a-z_]+(?:-(?:\d+|__[a-z]__)-[a-z_]+)*-(?:\d+|__[a-z]__)$")


def _urls(flow_id: int, step_id: str) -> dict:
    args = {"flow_id": flow_id, "step_id": step_id}
    return {name: url_for(f"flow_panels.{name}", **args)
            for name in ("panel", "save", "preview", "operators", "transform", "connector", "versions",
                         "export_map", "import_map", "map_fields", "automap", "automap_undo")}


CONDITIONS_UI = {"types": TYPES, "hints": VALUE_HINTS, "op_choices": operator_choices, "date_types": DATE_TYPES}


def _shown(response):
    """Marks a 404/409 answer as panel content for static/js/panel.js to swap in (not an error toast)."""
    response.headers["Weft-Panel"] = "swap"
    return response


def _load(flow: Flow, step_id: str, **kwargs):
    try:
        return loading.load(flow, step_id, actor=current_user, **kwargs)
    except loading.PanelMissing as exc:
        abort(_shown(htmx.render("flows/panels/missing.html", block="panel", status=404, flow=flow, message=str(exc))))


def _path_ids(panel) -> str:
    return ",".join(str(p.get("id")) for p in panel.paths)


def _sample_args(values) -> dict:
    return {"sample_source": values.get("sample_source", "run"), "pasted": values.get("sample_json", "")}


def _render(panel, form, status: int = 200, block: str = "panel", **extra):
    if block == "panel" and panel.step.get("type") == "map":
        extra.setdefault("fields", map_fields.choose(panel, {}, form.rules))
        extra.setdefault("models", map_fields.model_choices())
    response = htmx.render(PANEL, block=block, status=status, panel=panel, form=form,
                           urls=_urls(panel.flow.id, str(panel.step["id"])), catalogue=catalogue_groups(),
                           cond=CONDITIONS_UI, readonly=not panel.editable, **extra)
    return _shown(response) if status == 409 else response


@bp.route("/<int:flow_id>/steps/<step_id>/panel")
@requires("flows", "view")
def panel(flow_id: int, step_id: str):
    flow = get_or_404(Flow, flow_id)
    if step_id == "trigger":
        return htmx.render("flows/panels/trigger.html", block="panel", flow=flow)
    found = _load(flow, step_id, number=request.args.get("version"))
    return _render(found, forms.build(found))


@bp.route("/<int:flow_id>/steps/<step_id>/panel", methods=["POST"])
@requires("flows", "edit")
def save(flow_id: int, step_id: str):
    flow = get_or_404(Flow, flow_id)
    found = _load(flow, step_id, sample_source="none")
    form = forms.build(found, request.form)
    if form.has_paths and request.form.get("path_ids", _path_ids(found)) != _path_ids(found):
        # Paths added or removed on the canvas since the panel opened: saving would drop or undo them.
        return _render(found, form, status=409, block="step_form", path_ids=request.form["path_ids"],
                       stale=gettext("The paths of this shape changed on the canvas since its settings were opened."))
    checked = forms.check(form, found)
    if checked is None:
        return _render(found, form, status=422, block="step_form")
    config, paths = checked
    try:
        drafts.update_step(flow, step_id, config=config, name=form.name.data or "", note=form.note.data or "",
                           skip=bool(form.skip.data), paths_config=paths,
                           expected_revision=form.expected_revision.data, actor=current_user)
    except drafts.StaleDraft as exc:
        return _render(found, form, status=409, block="step_form", stale=str(exc))
    except drafts.DraftError as exc:
        form.shape_problems = [str(exc)]
        return _render(found, form, status=422, block="step_form")
    fresh = _load(flow, step_id, sample_source="none")
    return _render(fresh, forms.build(fresh), block="step_form", saved=True)


@bp.route("/<int:flow_id>/steps/<step_id>/panel/preview", methods=["POST"], endpoint="preview")
@requires("flows", "view")
def preview_step(flow_id: int, step_id: str):
    flow = get_or_404(Flow, flow_id)
    found = _load(flow, step_id, number=request.form.get("panel_version"), **_sample_args(request.form))
    form = forms.build(found, request.form) if found.editable else forms.build(found)
    settings = forms.edited(form, found) if found.editable else (found.config, found.paths)
    result = None
    if settings is not None:
        config, paths = settings
        result = preview.run(found.step, config, paths, found.sample.bucket if found.sample else [],
                             flow_variables=found.flow_variables, flow_id=flow.id, company_id=flow.company_id,
                             services=preview.services_for(found.step.get("type", ""), flow.company_id, flow.id,
                                                           current_app.config))
    return _render(found, form, block="preview", result=result, oob_fields=True)


@bp.route("/<int:flow_id>/steps/<step_id>/panel/operators")
@requires("flows", "view")
def operators(flow_id: int, step_id: str):
    """The operator (and date format) inputs of one condition row, for the type it now has."""
    get_or_404(Flow, flow_id)
    prefix = request.args.get("prefix", "")
    if not _PREFIX.match(prefix):
        abort(400)
    type_ = request.args.get(f"{prefix}-type", "string")
    return render_template("flows/panels/_operator_cell.html", prefix=prefix, type_=type_,
                           choices=operator_choices(type_), operator=request.args.get(f"{prefix}-operator", ""),
                           date_format=request.args.get(f"{prefix}-date_format", ""), date_types=DATE_TYPES)


@bp.route("/<int:flow_id>/steps/<step_id>/panel/transform")
@requires("flows", "view")
def transform(flow_id: int, step_id: str):
    """The parameter inputs of the transform function just chosen in a mapping rule."""
    get_or_404(Flow, flow_id)
    prefix = request.args.get("prefix", "")
    if not _PREFIX.match(prefix):
        abort(400)
    return render_template("flows/panels/_transform_params.html", prefix=prefix,
                           definition=TRANSFORMS.get(request.args.get(f"{prefix}-fn", "")), params={})


@bp.route("/<int:flow_id>/steps/<step_id>/panel/connector")
@requires("flows", "view")
def connector(flow_id: int, step_id: str):
    """The endpoint choice and endpoint variables for the instance (and endpoint) now chosen."""
    return _shape_fragment(flow_id, step_id, "connector", "flows/panels/_connector_endpoint.html",
                           urls=_urls(flow_id, step_id))


@bp.route("/<int:flow_id>/steps/<step_id>/panel/versions")
@requires("flows", "view")
def versions(flow_id: int, step_id: str):
    """The version choice and variable names of the process flow now chosen in a run process flow shape."""
    return _shape_fragment(flow_id, step_id, "run_process_flow", "flows/panels/_run_flow_target.html")


def _shape_fragment(flow_id: int, step_id: str, shape_type: str, template: str, **context):
    """A part of one kind of shape's panel, rebuilt from the choices in the query string (404 for other shapes)."""
    found = _load(get_or_404(Flow, flow_id), step_id, sample_source="none")
    if found.step.get("type") != shape_type:
        abort(404)
    return render_template(template, panel=found, form=forms.build(found, request.args),
                           readonly=not found.editable, **context)


@bp.route("/<int:flow_id>/steps/<step_id>/panel/map/export", methods=["GET", "POST"])
@requires("flows", "view")
def export_map(flow_id: int, step_id: str):
    """The map's settings as a JSON file: as saved (GET) or as edited in the form (POST)."""
    flow = get_or_404(Flow, flow_id)
    found = _load(flow, step_id, number=request.values.get("panel_version"), sample_source="none")
    if found.step.get("type") != "map":
        abort(404)
    config = found.config
    if request.method == "POST" and found.editable:
        form = forms.build(found, request.form)
        config = form.to_config(found)
    response = make_response(mapping.export_map(config))
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", found.step.get("name") or "map").strip("-") or "map"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{flow.id}.weft-map.json"'
    return response


@bp.route("/<int:flow_id>/steps/<step_id>/panel/map/import", methods=["POST"])
@requires("flows", "edit")
def import_map(flow_id: int, step_id: str):
    """Fills the mapping editor from an exported map file; nothing is saved until the form is."""
    flow = get_or_404(Flow, flow_id)
    found = _load(flow, step_id, sample_source="none")
    if found.step.get("type") != "map":
        abort(404)
    form = forms.build(found, request.form)
    upload = request.files.get("map_file")
    if upload is None or not upload.filename:
        return _render(found, form, status=422, block="step_form", import_error=gettext("Choose a map file to import."))
    try:
        imported = mapping.import_map(upload.read(mapping.MAX_IMPORT_BYTES + 1))
    except mapping.MapConfigError as exc:
        return _render(found, form, status=422, block="step_form",
                       import_error=gettext("Nothing was imported: %(problems)s.", problems="; ".join(exc.problems)))
    form.load(imported)
    count = len(imported.get("rules") or [])
    return _render(found, form, block="step_form",
                   imported=f"Imported {count} rule{'s' if count != 1 else ''} from {upload.filename}. "
                            "Check them, then save.")


def _map_panel(flow: Flow, step_id: str, number=None):
    found = _load(flow, step_id, number=number, sample_source="none")
    if found.step.get("type") != "map":
        abort(404)
    return found


@bp.route("/<int:flow_id>/steps/<step_id>/panel/map/fields", methods=["POST"], endpoint="map_fields")
@requires("flows", "view")
def map_fields_lists(flow_id: int, step_id: str):
    """The source and target field lists for the source and target now chosen (and the pickers' lists)."""
    flow = get_or_404(Flow, flow_id)
    found = _map_panel(flow, step_id, request.form.get("panel_version"))
    chosen = map_fields.choose(found, request.form, forms.build(found, request.form).rules)
    return render_template("flows/panels/_map_field_lists.html", fields=chosen, oob=True), 422 if chosen.error else 200


@bp.route("/<int:flow_id>/steps/<step_id>/panel/map/automap", methods=["POST"])
@requires("flows", "edit")
def automap(flow_id: int, step_id: str):
    """Adds a rule for every unmapped target field with a source field of a similar name; undoable."""
    flow = get_or_404(Flow, flow_id)
    found = _map_panel(flow, step_id)
    if not found.editable:
        abort(404)
    form = forms.build(found, request.form)
    result = automap_draft.run(flow, found, form, request.form, current_user)
    if result.stale:
        return _render(found, form, status=409, block="step_form", stale=result.stale)
    if result.saved:
        found = _load(flow, step_id, sample_source="none")
        form = forms.build(found)
        form.mark_proposed(p.target for p in result.added)
    return _render(found, form, status=result.status, block="step_form", automap=result)


@bp.route("/<int:flow_id>/steps/<step_id>/panel/map/automap/undo", methods=["POST"])
@requires("flows", "edit")
def automap_undo(flow_id: int, step_id: str):
    flow = get_or_404(Flow, flow_id)
    found = _map_panel(flow, step_id)
    try:
        automap_draft.undo(flow, step_id, expected_revision=request.form.get("revision"), actor=current_user)
    except drafts.StaleDraft as exc:
        return _render(found, forms.build(found), status=409, block="step_form", stale=str(exc))
    except drafts.DraftError as exc:
        return _shown(_render(found, forms.build(found), status=409, block="step_form", automap_undo_error=str(exc)))
    fresh = _load(flow, step_id, sample_source="none")
    return _render(fresh, forms.build(fresh), block="step_form", automap_undone=True)
