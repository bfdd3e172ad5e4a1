"""The flow settings drawer: general and run settings, flow variables, labels and the versions list."""
from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user
from wtforms.fields import SelectChoice

from app import htmx
from app.flows import drafts, labels, queries, services
from app.flows.forms import VARIABLE_TYPES, SettingsForm, VariableRows
from app.flows.models import Flow
from app.flows.versions import STATUS_LABELS
from app.tenancy import can, get_or_404, requires

bp = Blueprint("flow_settings", __name__, url_prefix="/flows")
TEMPLATE = "flows/settings.html"


def _form(flow: Flow, formdata=None) -> SettingsForm:
    data = {"name": flow.name, "description": flow.description, "priority": flow.priority, "enabled": flow.enabled,
            "use_queued_time": flow.use_queued_time, "concurrency_limit": flow.concurrency_limit,
            "retry_failed_runs": flow.retry_failed_runs or 0,
            "run_timeout_minutes": -(-flow.run_timeout_seconds // 60) if flow.run_timeout_seconds else None,
            "failure_groups": list(flow.failure_group_ids or []),
            "failure_emails": "\n".join(flow.failure_emails or [])}
    # A posted form stands alone: a field left out means empty, never "keep the stored value".
    form = SettingsForm(formdata=formdata) if formdata is not None else SettingsForm(formdata=None, data=data)
    form.failure_groups.choices = [SelectChoice(g.id, g.name) for g in queries.notification_groups()]
    return form


def _context(flow: Flow, **extra) -> dict:
    draft = flow.draft
    editable = can("flows", "edit")
    context = {"flow": flow, "form": _form(flow), "labels": labels.all_labels(), "draft": draft,
               "rows": VariableRows.from_definition(draft.variables if draft else
                                                    (flow.deployed.variables if flow.deployed else [])),
               "types": VARIABLE_TYPES, "editable": editable, "can_enable": can("flows", "deploy"),
               "status_labels": STATUS_LABELS, "saved": False, "variables_saved": False, "variables_message": None}
    context.update(extra)
    return context


@bp.route("/<int:flow_id>/settings", methods=["GET", "POST"])
@requires("flows", "view")
def settings(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    if request.method == "GET":
        return htmx.render(TEMPLATE, block="settings_body", **_context(flow))
    if not can("flows", "edit"):
        abort(403)
    form = _form(flow, request.form)
    valid_ids = {choice.value for choice in form.failure_groups.choices}
    if form.validate() and set(form.failure_groups.data or []) <= valid_ids:
        try:
            services.update_settings(
                flow, name=form.name.data, description=form.description.data, priority=form.priority.data,
                use_queued_time=form.use_queued_time.data, concurrency_limit=form.concurrency_limit.data,
                retry_failed_runs=form.retry_failed_runs.data,
                run_timeout_seconds=form.run_timeout_minutes.data * 60 if form.run_timeout_minutes.data else None,
                failure_group_ids=form.failure_groups.data or [], failure_emails=list(form.emails),
                enabled=form.enabled.data if can("flows", "deploy") else None)
        except services.FlowError as exc:
            form.form_errors.append(str(exc))
        else:
            return htmx.render(TEMPLATE, block="settings_form", **_context(flow, saved=True))
    elif not form.errors:
        form.failure_groups.errors = ["One of the chosen notification groups no longer exists; choose again."]
    return htmx.render(TEMPLATE, block="settings_form", status=422, **_context(flow, form=form))


@bp.route("/<int:flow_id>/variables", methods=["POST"])
@requires("flows", "edit")
def variables(flow_id: int):
    """Add/remove rows re-render the form unsaved; "save" stores the rows on the draft."""
    flow = get_or_404(Flow, flow_id)
    rows = VariableRows.from_form(request.form)
    action = request.form.get("action", "save")
    if action == "add":
        rows.rows.append({"name": "", "type": "string", "default": ""})
        return htmx.render(TEMPLATE, block="variables_form", **_context(flow, rows=rows))
    if action.startswith("remove-"):
        index = int(action.split("-", 1)[1]) if action.split("-", 1)[1].isdigit() else -1
        if 0 <= index < len(rows.rows):
            rows.rows.pop(index)
        return htmx.render(TEMPLATE, block="variables_form", **_context(
            flow, rows=rows, variables_message="Removed from the list: save to remove it from the flow."))
    cleaned = rows.validate()
    if cleaned is None:
        return htmx.render(TEMPLATE, block="variables_form", status=422, **_context(flow, rows=rows))
    try:
        drafts.set_variables(flow, cleaned, expected_revision=request.form.get("revision"), actor=current_user)
    except drafts.StaleDraft as exc:
        return htmx.render(TEMPLATE, block="variables_form", status=422, **_context(
            flow, rows=rows, variables_message=f"{exc} Your rows are still here: save again to keep them."))
    return htmx.render(TEMPLATE, block="variables_form", **_context(flow, variables_saved=True))
