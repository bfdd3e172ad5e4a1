"""Process flow pages: the list with its actions, labels, the canvas page and starting a run."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from wtforms.fields import SelectChoice

from app import htmx
from app.companies import access
from app.flows import copying, labels, queries, services
from app.flows import versions as version_service
from app.flows.forms import (
    AssignLabelsForm,
    DuplicateForm,
    LabelForm,
    NewFlowForm,
    RenameForm,
    RunWithPayloadForm,
    parse_value,
)
from app.flows.models import Flow, FlowVersion, Label
from app.runs import queries as run_queries
from app.runs import services as run_services
from app.tenancy import can, current_company_id, get_or_404, requires

bp = Blueprint("flows", __name__, url_prefix="/flows")


def _next_url(default: str) -> str:
    """Back to the list as it was filtered; only our own /flows pages are accepted."""
    target = request.values.get("next") or ""
    return target if target.startswith("/flows") and "//" not in target else default


def _list_context(**extra) -> dict:
    q = request.args.get("q", "")
    status = request.args.get("status", "")
    status = status if status in queries.FILTERS else ""
    label_id = request.args.get("label", type=int)
    labels.ensure_defaults(current_company_id())
    return {"page": queries.flow_page(q, status, label_id, request.args.get("page", 1, type=int)),
            "q": q, "status_filter": status, "label_id": label_id, "filters": queries.FILTERS,
            "labels": labels.all_labels(), "flow_count": queries.count_flows(), "live_count": queries.count_live(),
            "new_form": NewFlowForm(formdata=None), **extra}


@bp.route("/")
@requires("flows", "view")
def index():
    return htmx.render("flows/index.html", block="flow_table", **_list_context())


@bp.route("/new", methods=["GET", "POST"])
@requires("flows", "edit")
def new():
    form = NewFlowForm()
    if request.method == "GET" or not form.validate():
        status = 422 if request.method == "POST" else 200
        return htmx.render("flows/new.html", block="new_form", status=status, form=form)
    try:
        flow = services.new_flow(g.company, form.name.data, form.description.data, current_user)
    except services.FlowError as exc:
        form.name.errors = [str(exc)]
        return htmx.render("flows/new.html", block="new_form", status=422, form=form)
    flash(gettext("“%(name)s” is ready: drag shapes from the tray to build it.", name=flow.name), "success")
    return htmx.redirect(url_for("flows.detail", flow_id=flow.id))


@bp.route("/<int:flow_id>/rename", methods=["GET", "POST"])
@requires("flows", "edit")
def rename(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    form = RenameForm(data={"name": flow.name}) if request.method == "GET" else RenameForm()
    if request.method == "POST" and form.validate():
        try:
            services.rename(flow, form.name.data)
        except services.FlowError as exc:
            form.name.errors = [str(exc)]
        else:
            flash(gettext("Renamed to “%(name)s”.", name=flow.name), "success")
            return htmx.redirect(_next_url(url_for("flows.index")))
    status = 422 if request.method == "POST" else 200
    return htmx.render("flows/rename.html", block="rename_form", status=status, flow=flow, form=form,
                       next=_next_url(url_for("flows.index")))


def _duplicate_dialog(flow: Flow, form: DuplicateForm, targets: list, status: int = 200):
    return htmx.render("flows/duplicate.html", block="duplicate_form", status=status, flow=flow, form=form,
                       targets=targets, next=_next_url(url_for("flows.index")))


@bp.route("/<int:flow_id>/duplicate", methods=["GET", "POST"])
@requires("flows", "edit")
def duplicate(flow_id: int):
    """Copy into this company, or (partners) into another company the user may edit flows in."""
    flow = get_or_404(Flow, flow_id)
    targets = copying.target_companies(current_user, g.company)
    form = DuplicateForm(formdata=None, data={"company": g.company.id}) if request.method == "GET" \
        else DuplicateForm()
    form.company.choices = [SelectChoice(c.id, c.name) for c in targets]
    if request.method == "GET":
        return _duplicate_dialog(flow, form, targets)
    if not form.validate():
        return _duplicate_dialog(flow, form, targets, status=422)
    target = next((c for c in targets if c.id == (form.company.data or g.company.id)), None)
    if target is None:
        # Not offered: a company the user cannot reach at all is a 404 like any other company's page;
        # one they can reach but may not edit flows in (their role or its tier) is a 403.
        reachable = {current_user.company_id, *(c.id for c in access.accessible(current_user))}
        abort(403 if form.company.data in reachable else 404)
    try:
        copy, cleared = services.duplicate(flow, current_user, name=form.name.data, target=target)
    except services.FlowError as exc:
        form.name.errors = [str(exc)]
        return _duplicate_dialog(flow, form, targets, status=422)
    if target.id == g.company.id:
        flash(gettext("“%(copy)s” is a copy of “%(name)s”: a disabled draft. Its connector shapes use the same "
                      "instances; check them, then deploy and enable the copy when it is ready.",
                      copy=copy.name, name=flow.name), "success")
        return htmx.redirect(url_for("flows.detail", flow_id=copy.id))
    message = gettext("“%(copy)s” is a copy of “%(name)s” in %(company)s: a disabled draft.",
                      copy=copy.name, name=flow.name, company=target.name)
    if cleared:
        message += " " + ngettext(
            "%(num)d setting pointed at something %(company)s does not have, so it was cleared; "
            "set it up before deploying: %(settings)s.",
            "%(num)d settings pointed at something %(company)s does not have, so they were cleared; "
            "set them up before deploying: %(settings)s.",
            len(cleared), company=target.name, settings="; ".join(cleared))
        if any("connector instance" in line for line in cleared):
            message += " " + gettext("Install the connector in %(company)s and add an instance before choosing it.",
                                     company=target.name)
    else:
        message += " " + gettext("Everything it uses was found there by name; check it, then deploy and enable it.")
    flash(message, "warning" if cleared else "success")
    # The company link switches the user into the target company and lands on the copy.
    return htmx.redirect(url_for("flows.detail", flow_id=copy.id, company=target.id))


@bp.route("/<int:flow_id>/enabled", methods=["POST"])
@requires("flows", "deploy")
def toggle_enabled(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    try:
        services.set_enabled(flow, request.form.get("enabled") in ("1", "on", "true", "y"))
    except services.AllowanceRefused as exc:
        if htmx.is_fragment():  # the row comes back switched off, with the reason under the switch
            return htmx.render("flows/_flow_row.html", status=422, row=queries.row_for(flow), refusal=str(exc),
                               next=_next_url(url_for("flows.index")))
        flash(str(exc), "danger")
        return htmx.redirect(_next_url(url_for("flows.index")))
    if htmx.is_fragment():
        return htmx.render("flows/_flow_row.html", row=queries.row_for(flow), next=_next_url(url_for("flows.index")))
    flash(gettext("“%(name)s” is enabled.", name=flow.name) if flow.enabled
          else gettext("“%(name)s” is disabled.", name=flow.name), "success")
    return htmx.redirect(_next_url(url_for("flows.index")))


@bp.route("/<int:flow_id>/delete", methods=["POST"])
@requires("flows", "delete")
def delete(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    name = flow.name
    try:
        services.delete(flow)
    except services.FlowError as exc:
        flash(str(exc), "danger")
    else:
        flash(gettext("“%(name)s” was deleted.", name=name), "success")
    return htmx.redirect(_next_url(url_for("flows.index")))


# ---- labels ---------------------------------------------------------------------------------------

def _labels_page(status: int = 200, form: LabelForm | None = None, editing: int | None = None,
                 edit_form: LabelForm | None = None):
    labels.ensure_defaults(current_company_id())
    return htmx.render("flows/labels.html", block="label_list", status=status, labels=labels.all_labels(),
                       counts=queries.label_counts(), form=form or LabelForm(formdata=None), editing=editing,
                       edit_form=edit_form, colours=labels.COLOURS)


@bp.route("/labels", methods=["GET", "POST"])
@requires("flows", "view")
def label_index():
    if request.method == "GET":
        return _labels_page()
    if not can("flows", "edit"):
        abort(403)
    form = LabelForm()
    if form.validate():
        try:
            labels.create(form.name.data, form.colour.data)
        except labels.LabelError as exc:
            form.name.errors = [str(exc)]
        else:
            return _labels_page()
    return _labels_page(status=422, form=form)


@bp.route("/labels/<int:label_id>", methods=["GET", "POST"])
@requires("flows", "edit")
def label_edit(label_id: int):
    label = get_or_404(Label, label_id)
    if request.method == "GET":
        return _labels_page(editing=label.id, edit_form=LabelForm(prefix="edit", data={
            "name": label.name, "colour": label.colour}))
    form = LabelForm(prefix="edit")
    if form.validate():
        try:
            labels.update(label, form.name.data, form.colour.data)
        except labels.LabelError as exc:
            form.name.errors = [str(exc)]
        else:
            return _labels_page()
    return _labels_page(status=422, editing=label.id, edit_form=form)


@bp.route("/labels/<int:label_id>/delete", methods=["POST"])
@requires("flows", "edit")
def label_delete(label_id: int):
    labels.delete(get_or_404(Label, label_id))
    return _labels_page()


@bp.route("/<int:flow_id>/labels", methods=["GET", "POST"])
@requires("flows", "edit")
def assign_labels(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    form = AssignLabelsForm(data={"labels": [label.id for label in flow.labels]}) if request.method == "GET" \
        else AssignLabelsForm()
    form.labels.choices = [SelectChoice(label.id, label.name) for label in labels.all_labels()]
    status = 200
    if request.method == "POST":
        try:
            labels.assign(flow, form.labels.data or [])
        except labels.LabelError as exc:
            form.labels.errors = [str(exc)]
            status = 422
        else:
            if request.form.get("from") == "settings":
                return htmx.render("flows/settings.html", block="label_section", flow=flow, labels=labels.all_labels(),
                                   saved=True)
            return htmx.redirect(_next_url(url_for("flows.index")))
    return htmx.render("flows/assign_labels.html", block="assign_form", status=status, flow=flow, form=form,
                       labels=labels.all_labels(), next=_next_url(url_for("flows.index")))


# ---- the canvas page and manual runs ---------------------------------------------------------------

@bp.route("/<int:flow_id>")
@requires("flows", "view")
def detail(flow_id: int):
    from app.flows.editor_views import canvas_context

    flow = get_or_404(Flow, flow_id)
    shown = None
    if request.args.get("version"):
        shown = version_service.by_number(flow, request.args.get("version"))
        if shown is None:
            abort(404)
    return htmx.render("flows/detail.html", **canvas_context(flow, shown), form=RunWithPayloadForm(formdata=None),
                       runs=run_queries.page(flow_id=flow.id, limit=5))


def _run_version(flow: Flow, version_id: str | None) -> FlowVersion | None:
    """The version the canvas showed (the draft by default), so "run now" tests what is on screen."""
    if version_id:
        return next((v for v in flow.versions if str(v.id) == str(version_id)), None)
    return flow.draft or flow.deployed


def _overrides(version: FlowVersion | None) -> tuple[dict, dict[str, str]]:
    values, errors = {}, {}
    for variable in (version.variables if version else []):
        name = variable.get("name")
        if not name or request.form.get(f"override-{name}") not in ("1", "on", "y"):
            continue
        try:
            values[name] = parse_value(variable.get("type", "string"), request.form.get(f"var-{name}", ""))
        except ValueError as exc:
            errors[name] = str(exc)
    return values, errors


@bp.route("/<int:flow_id>/run", methods=["POST"])
@requires("flows", "run")
def run(flow_id: int):
    from app.flows.editor_views import canvas_context

    flow = get_or_404(Flow, flow_id)
    form = RunWithPayloadForm()
    version = _run_version(flow, form.version.data)
    overrides, override_errors = _overrides(version)
    if not form.read_upload() or not form.validate() or override_errors:
        return htmx.render("flows/detail.html", block="run_form", status=422, form=form,
                           override_errors=override_errors, runs=[], **canvas_context(flow, version))
    payload = form.payload.data if form.payload.data and form.payload.data.strip() else None
    try:
        started = run_services.start_run(flow, trigger="manual", payload=payload, fmt=form.format.data,
                                         variables=overrides or None, version=version)
    except run_services.RunError as exc:
        flash(str(exc), "danger")
        return htmx.redirect(url_for("flows.detail", flow_id=flow.id))
    return htmx.redirect(url_for("runs.detail", run_id=started.id))
